"""Money (bankcrm.domain.money): decimal yuan in the extract, integer fen in storage.

The contract (EXTRACT_FORMAT.md): "money as decimal yuan with at most 2 decimals (never floats
in storage)". A decimal written as yuan is plain positional notation in ASCII digits, the form
the importer accepts (ingest.checks.MONEY_PATTERN: optional '-', digits, optionally '.' and one
or two digits): an exponent ("1e3"), digit-group marks ("1_000", "1,000"), NaN/Infinity, '+',
spaces, currency signs and full-width digits are not. Expected values below are computed by
hand or with integer arithmetic in the test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bankcrm.domain.money import fen_to_yuan, format_wan, parse_yuan, yuan_to_fen

FEN = st.integers(-(10**15), 10**15)  # ± ten trillion yuan


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", Decimal(12)),
        ("12.3", Decimal("12.3")),
        ("12.30", Decimal("12.30")),
        ("-5.01", Decimal("-5.01")),
        ("0", Decimal(0)),
        ("0.00", Decimal(0)),
        ("6000000.00", Decimal(6_000_000)),
    ],
)
def test_parse_yuan_accepts_decimal_yuan(text: str, expected: Decimal):
    value = parse_yuan(text)
    assert value == expected
    assert isinstance(value, Decimal)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "1.234",  # three decimals
        "1.230",  # written with three decimals, even though the third is 0
        "12.3.4",
        "1e3",  # an exponent is not decimal yuan
        "1E3",
        "1E-2",
        "NaN",
        "nan",
        "sNaN",
        "Infinity",
        "-Infinity",
        "inf",
        "1_000",  # Decimal() itself accepts PEP 515 underscores
        "1,000",
        "¥12",
        "12元",
        "0x10",
        "１２",  # full-width digits (Decimal() itself accepts them)
        "١٢",  # Arabic-Indic digits (Decimal() itself accepts them)
        "--5",
        # The importer's form (ingest.checks.MONEY_PATTERN) has none of these either:
        "+5",
        ".5",
        "5.",
        " 12",
        "12 ",
    ],
)
def test_parse_yuan_rejects(text: str):
    with pytest.raises(ValueError, match="decimal"):
        parse_yuan(text)


@given(st.integers(0, 10**13), st.integers(0, 99), st.sampled_from([0, 1, 2]), st.booleans())
def test_parse_yuan_reads_written_amounts_exactly(
    whole: int, cents: int, decimals: int, negative: bool
):
    """Write an amount with 0, 1 or 2 decimals; its fen, by integer arithmetic, come back."""
    if decimals == 0:
        cents, text = 0, f"{whole}"
    elif decimals == 1:
        cents -= cents % 10
        text = f"{whole}.{cents // 10}"
    else:
        text = f"{whole}.{cents:02d}"
    fen = whole * 100 + cents
    if negative:
        text, fen = "-" + text, -fen
    assert yuan_to_fen(parse_yuan(text)) == fen


@given(FEN)
def test_fen_to_yuan_then_back_is_identity(fen: int):
    yuan = fen_to_yuan(fen)
    assert yuan_to_fen(yuan) == fen
    assert yuan.as_tuple().exponent == -2  # exactly two decimals
    sign = "-" if fen < 0 else ""
    assert str(yuan) == f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


@given(FEN)
def test_yuan_to_fen_then_back_is_identity(fen: int):
    yuan = Decimal(fen).scaleb(-2)  # a yuan amount with at most 2 decimals
    assert fen_to_yuan(yuan_to_fen(yuan)) == yuan


@pytest.mark.parametrize("yuan", ["0.001", "1.005", "-0.009"])
def test_yuan_to_fen_refuses_fractions_of_a_fen(yuan: str):
    with pytest.raises(ValueError, match="fen"):
        yuan_to_fen(Decimal(yuan))


@pytest.mark.parametrize(
    ("yuan", "decimals", "expected"),
    [
        (12_345_678, 2, "1,234.57"),  # 1 234.5678 万 → 1 234.57 (the brief's example)
        (Decimal("12345678.00"), 2, "1,234.57"),
        (0, 2, "0.00"),
        (10_000, 2, "1.00"),
        (50, 2, "0.01"),  # 0.005 万, half rounds up
        (49, 2, "0.00"),
        (-49, 2, "0.00"),  # rounds to zero: no minus sign
        (-50, 2, "-0.01"),  # half rounds away from zero
        (-12_345_678, 2, "-1,234.57"),
        (Decimal("123456789012.34"), 2, "12,345,678.90"),
        (12_345_678, 0, "1,235"),
        (12_345_678, 4, "1,234.5678"),
    ],
)
def test_format_wan(yuan: Decimal | int, decimals: int, expected: str):
    assert format_wan(yuan, decimals) == expected


@given(st.integers(-(10**13), 10**13))
def test_format_wan_rounds_half_up_to_hundreds_of_yuan(yuan: int):
    """0.01 万元 = 100 yuan: round |yuan| to hundreds, half up, by integer arithmetic."""
    hundreds, rest = divmod(abs(yuan), 100)
    hundreds += rest >= 50
    sign = "-" if yuan < 0 and hundreds else ""
    assert format_wan(yuan) == f"{sign}{hundreds // 100:,}.{hundreds % 100:02d}"
