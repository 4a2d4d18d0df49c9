"""The vectorised checks (checks, dates, columns) agree with scalar twins on generated inputs."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from bankcrm.domain.enums import Gender
from bankcrm.domain.identity import (
    CREDIT_CODE_CHARS,
    PROVINCE_PREFIXES,
    credit_code_check_char,
    is_valid_credit_code,
    is_valid_phone,
    is_valid_region_code,
    make_resident_id,
    parse_resident_id,
)
from bankcrm.domain.money import parse_yuan
from bankcrm.ingest import checks, columns, dates

NOISE = "0123456789X xa-.:T中１"  # includes a full-width digit and a multi-byte character


def mutate(text: str, data: st.DataObject) -> str:
    """Leave ``text`` as is, or change, drop or insert one character, or cut it short."""
    choice = data.draw(st.sampled_from(["keep"] * 4 + ["replace", "drop", "insert", "cut"]))
    if choice == "keep" or not text:
        return text
    at = data.draw(st.integers(0, len(text) - 1))
    char = data.draw(st.sampled_from(NOISE))
    if choice == "replace":
        return text[:at] + char + text[at + 1 :]
    if choice == "drop":
        return text[:at] + text[at + 1 :]
    if choice == "insert":
        return text[:at] + char + text[at:]
    return text[:at]


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    known, unknown = sorted(PROVINCE_PREFIXES), ["00", "10", "72", "99"]
    prefix = draw(st.one_of(st.sampled_from(known), st.sampled_from(unknown)))
    region = prefix + draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    born = draw(st.dates(date(1, 1, 1), date(9999, 12, 31)))
    sequence = draw(st.integers(0, 999))
    if born.year >= 1000:
        number = make_resident_id(region, born, sequence)
    else:  # make_resident_id's %Y does not pad years before 1000 on every platform
        first17 = f"{region}{born.year:04d}{born.month:02d}{born.day:02d}{sequence:03d}"
        number = first17 + _check(first17)
    if draw(st.booleans()):  # an impossible birth date with a correct check character
        impossible = draw(st.sampled_from(["0230", "1301", "0000", "0431", "0229"]))
        first17 = number[:10] + impossible + number[14:17]
        if draw(st.booleans()):
            first17 = number[:6] + "0000" + first17[10:]  # there is no year 0
        number = first17 + _check(first17)
    return mutate(number, draw(st.data()))


def _check(first17: str) -> str:
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


@settings(max_examples=200, deadline=None)
@given(st.lists(resident_ids(), min_size=1, max_size=30))
def test_resident_ids_agree_with_parse_resident_id(numbers: list[str]) -> None:
    result = checks.check_resident_ids(pa.array(numbers))
    for i, number in enumerate(numbers):
        scalar = parse_resident_id(number)
        assert result.valid[i] == (scalar is not None), number
        if scalar is not None:
            assert result.birth_days[i] == (scalar.birth_date - date(1970, 1, 1)).days
            assert result.male[i] == (scalar.gender is Gender.MALE)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    first17 = draw(st.text(CREDIT_CODE_CHARS, min_size=17, max_size=17))
    code = first17 + credit_code_check_char(first17)
    code = mutate(code, draw(st.data()))
    if draw(st.booleans()):  # characters GB 32100 leaves out, and lower case
        at = draw(st.integers(0, max(len(code) - 1, 0)))
        code = code[:at] + draw(st.sampled_from("IOSVZa")) + code[at + 1 :]
    return code


@settings(max_examples=200, deadline=None)
@given(st.lists(credit_codes(), min_size=1, max_size=30))
def test_credit_codes_agree_with_is_valid_credit_code(codes: list[str]) -> None:
    result = checks.check_credit_codes(pa.array(codes))
    assert result.valid.tolist() == [is_valid_credit_code(c) for c in codes]


@st.composite
def phones(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from([r"1[0-9]{10}", r"0[0-9]{2,3}-?[0-9]{6,9}", r"[0-9+ -]{0,14}"]))
    return mutate(draw(st.from_regex(shape, fullmatch=True)), draw(st.data()))


@settings(max_examples=200, deadline=None)
@given(st.lists(phones(), min_size=1, max_size=30))
def test_phones_agree_with_is_valid_phone(numbers: list[str]) -> None:
    assert checks.valid_phone(pa.array(numbers)).tolist() == [is_valid_phone(p) for p in numbers]


@st.composite
def region_codes(draw: st.DrawFn) -> str:
    known, unknown = sorted(PROVINCE_PREFIXES), ["00", "10", "72", "99"]
    prefix = draw(st.one_of(st.sampled_from(known), st.sampled_from(unknown)))
    return mutate(prefix + draw(st.from_regex(r"[0-9]{4}", fullmatch=True)), draw(st.data()))


@settings(max_examples=200, deadline=None)
@given(st.lists(region_codes(), min_size=1, max_size=30))
def test_region_codes_agree_with_is_valid_region_code(codes: list[str]) -> None:
    result = checks.valid_region_code(pa.array(codes))
    assert result.tolist() == [is_valid_region_code(c) for c in codes]


def reference_date(text: str) -> date | None:
    """The contract's DATE, the slow obvious way."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        return date(int(text[:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return None


def edge_or(low: int, high: int, edges: list[int]) -> st.SearchStrategy[int]:
    """Any integer in [low, high], or one of the edge values (often)."""
    return st.one_of(st.sampled_from(edges), st.integers(low, high))


@st.composite
def date_texts(draw: st.DrawFn) -> str:
    year = draw(edge_or(0, 9999, [0, 1, 999, 1900, 1970, 2000, 2023, 2024, 9999]))
    month = draw(edge_or(1, 12, [0, 1, 2, 4, 12, 13, 99]))
    day = draw(edge_or(1, 28, [0, 1, 28, 29, 30, 31, 32, 99]))
    return mutate(f"{year:04d}-{month:02d}-{day:02d}", draw(st.data()))


@settings(max_examples=200, deadline=None)
@given(st.lists(date_texts(), min_size=1, max_size=30))
def test_dates_agree_with_python_dates(texts: list[str]) -> None:
    result = dates.parse_dates(pa.array(texts))
    for i, text in enumerate(texts):
        expected = reference_date(text)
        assert result.valid[i] == (expected is not None), text
        if expected is not None:
            assert result.days[i] == (expected - date(1970, 1, 1)).days
            last = calendar.monthrange(expected.year, expected.month)[1]
            assert result.month_end[i] == (expected.day == last)


def reference_datetime(text: str) -> datetime | None:
    """The contract's DATETIME, the slow obvious way."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}", text):
        return None
    day = reference_date(text[:10])
    hour, minute, second = (int(text[j : j + 2]) for j in (11, 14, 17))
    if day is None or hour > 23 or minute > 59 or second > 59:
        return None
    return datetime(day.year, day.month, day.day, hour, minute, second)


@st.composite
def datetime_texts(draw: st.DrawFn) -> str:
    day = draw(date_texts())
    sep = draw(st.sampled_from("T T:"))
    hour = draw(edge_or(0, 23, [0, 23, 24, 25, 99]))
    minute, second = (draw(edge_or(0, 59, [0, 59, 60, 61, 99])) for _ in range(2))
    return mutate(f"{day}{sep}{hour:02d}:{minute:02d}:{second:02d}", draw(st.data()))


@settings(max_examples=200, deadline=None)
@given(st.lists(datetime_texts(), min_size=1, max_size=30))
def test_datetimes_agree_with_python_datetimes(texts: list[str]) -> None:
    result = dates.parse_datetimes(pa.array(texts))
    for i, text in enumerate(texts):
        expected = reference_datetime(text)
        assert result.valid[i] == (expected is not None), text
        if expected is not None:
            assert result.seconds[i] == (expected - datetime(1970, 1, 1)).total_seconds()


def test_date_and_time_edges_exhaustively() -> None:
    """Every combination of edge values, so no boundary is left to chance."""
    days = [
        f"{y:04d}-{m:02d}-{d:02d}"
        for y in (0, 1, 1900, 2000, 2023, 2024, 9999)
        for m in (0, 1, 2, 4, 12, 13)
        for d in (0, 1, 28, 29, 30, 31, 32)
    ]
    times = [f"{h:02d}:{m:02d}:{s:02d}" for h in (0, 23, 24) for m in (0, 59, 60) for s in (59, 60)]
    texts = [f"{d}{sep}{t}" for d in days for sep in "T " for t in times]
    parsed = dates.parse_datetimes(pa.array(texts))
    assert parsed.valid.tolist() == [reference_datetime(t) is not None for t in texts]
    parsed_days = dates.parse_dates(pa.array(days))
    assert parsed_days.valid.tolist() == [reference_date(d) is not None for d in days]
    # years 1..9999 (not 0): Jan 5 days (1, 28-31), Feb 2 (+29 Feb in 2000 and 2024), Apr 4, Dec 5
    assert sum(parsed_days.valid) == 6 * (5 + 2 + 4 + 5) + 2


@st.composite
def money_texts(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["number", "number", "long", "noise"]))
    if kind == "noise":
        return draw(st.from_regex(r"[0-9 ,.eE+_-]{0,8}", fullmatch=True))
    digits = draw(st.integers(15, 18) if kind == "long" else st.integers(1, 6))
    whole = draw(st.from_regex(f"[1-9][0-9]{{{digits - 1}}}", fullmatch=True))
    zeros = draw(st.sampled_from(["", "", "0", "000"]))
    sign = draw(st.sampled_from(["", "", "-"]))
    decimals = draw(st.sampled_from(["", ".", ".5", ".05", ".005", ".50"]))
    return mutate(sign + zeros + whole + decimals, draw(st.data()))


@settings(max_examples=200, deadline=None)
@given(st.lists(money_texts(), min_size=1, max_size=30))
def test_money_agrees_with_parse_yuan_within_decimal_18_2(texts: list[str]) -> None:
    result = checks.valid_money(pa.array(texts))
    for i, text in enumerate(texts):
        try:
            value = parse_yuan(text)
        except ValueError:
            value = None
        fits = value is not None and abs(value) < 10**16
        assert result[i] == fits, text


def test_money_rejects_what_decimal_alone_would_take() -> None:
    texts = ["1e3", "+5", " 5", "1_000", "1,000.00", "１２", "NaN", "5.", ".5", "1.234"]
    assert checks.valid_money(pa.array(texts)).tolist() == [False] * len(texts)
    assert checks.valid_money(pa.array(["-0.5", "007.10", "9999999999999999.99"])).all()


def test_full_width_digits_are_not_phone_or_region_digits() -> None:
    assert not checks.valid_phone(pa.array(["１３８１２３４５６７８"])).any()
    assert not checks.valid_region_code(pa.array(["11００００"])).any()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", None]), st.integers(0, 2)), max_size=40))
def test_first_occurrences_keep_the_earliest_row(rows: list[tuple[str | None, int]]) -> None:
    left = pa.array([r[0] for r in rows], pa.string())
    right = pa.array([str(r[1]) for r in rows], pa.string())
    for keys, key_of in (([left], lambda r: (r[0],)), ([left, right], lambda r: r)):
        repeats, firsts = columns.first_occurrences(keys)
        seen: dict[object, int] = {}
        expected: list[tuple[int, int]] = []
        for i, row in enumerate(rows):
            if row[0] is None:
                continue
            key = key_of(row)
            if key in seen:
                expected.append((i, seen[key]))
            else:
                seen[key] = i
        assert list(zip(repeats.tolist(), firsts.tolist(), strict=True)) == expected


def test_first_occurrences_of_three_columns_unsorted() -> None:
    a = pa.array(["x", "y", "x", "x", "y", "x"])
    b = pa.array(["1", "1", "2", "1", "1", "2"])
    c = pa.array(["p", "p", "p", "p", "q", "p"])
    repeats, firsts = columns.first_occurrences([a, b, c])
    assert repeats.tolist() == [3, 5]  # (x,1,p) first at 0; (x,2,p) first at 2
    assert firsts.tolist() == [0, 2]


def test_dictionary_input_gives_the_same_answers() -> None:
    values = pa.array(["2024-01-31", None, "2024-02-30", "2024-01-31", "x"])
    plain, encoded = dates.parse_dates(values), dates.parse_dates(values.dictionary_encode())
    assert plain.valid.tolist() == encoded.valid.tolist() == [True, False, False, True, False]
    assert encoded.days[0] == encoded.days[3] == 19753  # 2024-01-31 is day 19753 since 1970
    found = columns.index_in(values.dictionary_encode(), pa.array(["x", "2024-01-31"]))
    assert found.tolist() == [1, -1, -1, 1, 0]
    assert columns.is_in(values.dictionary_encode(), ["x"]).tolist() == [0, 0, 0, 0, 1]


def test_sliced_input_is_read_from_its_offset() -> None:
    values = pa.array(["11010519491231002X", "110105194912310038", "bad"])[1:]
    result = checks.check_resident_ids(values)
    assert result.valid.tolist() == [True, False]
    assert result.male.tolist()[0]
    assert np.asarray(result.problem)[1] == checks.IdProblem.LENGTH
