"""Money: decimal yuan in the contract, integer fen (分) in storage, never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

FEN_PER_YUAN = 100
YUAN_PER_WAN = 10_000

# Plain decimal notation in ASCII digits, as the importer reads it (ingest.checks.MONEY_PATTERN):
# optional '-', digits, optionally '.' and digits. ``Decimal()`` alone would also take exponents
# ("1e3"), digit-group underscores ("1_000"), NaN/Infinity, spaces and non-ASCII digits ("１２").
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def parse_yuan(text: str) -> Decimal:
    """Parse a contract money value: decimal yuan with at most two decimals.

    Raises ValueError naming the problem.
    """
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"not a decimal number: {text!r}")
    value = Decimal(text)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError(f"more than 2 decimals: {text!r}")
    return value


def yuan_to_fen(value: Decimal) -> int:
    """Exact integer fen of a yuan amount with at most two decimals."""
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"{value} yuan is not a whole number of fen")
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    """Decimal yuan with exactly two decimals."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_wan(yuan: Decimal | int, decimals: int = 2) -> str:
    """Format an amount in 万元 with thousands separators, e.g. ``1,234.57``; unit not included."""
    wan = (Decimal(yuan) / YUAN_PER_WAN).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    if wan.is_zero():
        wan = abs(wan)  # an amount that rounds to zero is shown as 0.00, not -0.00
    return f"{wan:,.{decimals}f}"
