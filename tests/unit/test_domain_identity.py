"""Identity-document and contact checks (bankcrm.domain.identity).

Expected values come from the standards, written out here independently of the code:
GB 11643-1999 (resident ID: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, check characters
1 0 X 9 8 7 6 5 4 3 2 for a weighted sum ≡ 0..10 mod 11), GB 32100-2015 (unified social credit
code: 31-character alphabet without I O S V Z, weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10
30 28, check = 31 − sum mod 31) and GB/T 2260 (province-level codes).
"""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bankcrm.domain.enums import Gender
from bankcrm.domain.identity import (
    CREDIT_CODE_CHARS,
    CREDIT_CODE_WEIGHTS,
    PROVINCE_PREFIXES,
    RESIDENT_ID_WEIGHTS,
    ResidentId,
    credit_code_check_char,
    is_valid_credit_code,
    is_valid_phone,
    is_valid_region_code,
    make_resident_id,
    parse_resident_id,
    resident_id_check_char,
)

# --- the standards, written out by hand -------------------------------------------------------

# GB 11643-1999, table of weighting factors and of check characters.
GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB11643_CHECK = "10X98765432"

# GB 32100-2015, character set (no I, O, S, V, Z) and weighting factors.
GB32100_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB32100_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB/T 2260 province-level divisions: 北京 天津 河北 山西 内蒙古 | 辽宁 吉林 黑龙江 |
# 上海 江苏 浙江 安徽 福建 江西 山东 | 河南 湖北 湖南 广东 广西 海南 | 重庆 四川 贵州 云南 西藏 |
# 陕西 甘肃 青海 宁夏 新疆 | 台湾 | 香港 澳门.
GB2260_PROVINCES = (
    "11", "12", "13", "14", "15",
    "21", "22", "23",
    "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46",
    "50", "51", "52", "53", "54",
    "61", "62", "63", "64", "65",
    "71",
    "81", "82",
)  # fmt: skip


def gb11643_check(first17: str) -> str:
    """Check character computed from the standard's tables (independent of the code)."""
    total = sum(int(c) * w for c, w in zip(first17, GB11643_WEIGHTS, strict=True))
    return GB11643_CHECK[total % 11]


def gb32100_check(first17: str) -> str:
    """Check character computed from the standard's tables (independent of the code)."""
    total = sum(GB32100_CHARS.index(c) * w for c, w in zip(first17, GB32100_WEIGHTS, strict=True))
    return GB32100_CHARS[(31 - total % 31) % 31]


# --- strategies -------------------------------------------------------------------------------

provinces = st.sampled_from(GB2260_PROVINCES)
region_codes = st.builds(lambda p, n: f"{p}{n:04d}", provinces, st.integers(0, 9999))
birth_dates = st.dates(date(1900, 1, 1), date(2020, 12, 31))
sequences = st.integers(0, 999)
resident_ids = st.builds(make_resident_id, region_codes, birth_dates, sequences)
credit_first17 = st.text(alphabet=GB32100_CHARS, min_size=17, max_size=17)
# Characters that are not ASCII digits: letters, punctuation, full-width and other Unicode digits.
non_ascii_digit_chars = st.characters().filter(lambda c: c not in string.digits)


# --- the tables in the code are the standards' tables -----------------------------------------


def test_resident_id_weights_are_the_standards():
    assert RESIDENT_ID_WEIGHTS == GB11643_WEIGHTS


def test_credit_code_tables_are_the_standards():
    assert CREDIT_CODE_CHARS == GB32100_CHARS
    assert CREDIT_CODE_WEIGHTS == GB32100_WEIGHTS


def test_province_prefixes_are_gb2260():
    assert sorted(PROVINCE_PREFIXES) == sorted(GB2260_PROVINCES)


# --- resident ID (居民身份证, GB 11643) ----------------------------------------------------------


def test_published_example_resident_id_is_valid():
    """The example number printed in GB 11643-1999: 北京市朝阳区, born 1949-12-31, female."""
    assert parse_resident_id("11010519491231002X") == ResidentId(
        region_code="110105", birth_date=date(1949, 12, 31), gender=Gender.FEMALE
    )
    assert resident_id_check_char("11010519491231002") == "X"


@given(region_codes, birth_dates, sequences)
def test_make_then_parse_round_trips(region: str, born: date, sequence: int):
    """Region, birth date and gender come back out; odd 17th digit = male (GB 11643)."""
    number = make_resident_id(region, born, sequence)
    assert len(number) == 18
    assert number[:17] == f"{region}{born:%Y%m%d}{sequence:03d}"
    assert number[17] == gb11643_check(number[:17])
    parsed = parse_resident_id(number)
    assert parsed is not None
    assert parsed.region_code == region
    assert parsed.birth_date == born
    assert parsed.gender == (Gender.MALE if sequence % 2 == 1 else Gender.FEMALE)


@given(resident_ids, st.integers(0, 16), st.integers(1, 9))
def test_every_single_digit_error_is_detected(number: str, position: int, shift: int):
    """GB 11643 detects every single-digit error: the weights are non-zero mod the prime 11 and
    two digits differ by less than 11, so the weighted sum changes mod 11. The check character
    alone catches it (not the date or region checks)."""
    wrong = str((int(number[position]) + shift) % 10)
    changed = number[:position] + wrong + number[position + 1 :]
    assert changed != number
    assert resident_id_check_char(changed[:17]) != changed[17]
    assert parse_resident_id(changed) is None


@given(resident_ids, st.integers(0, 17), non_ascii_digit_chars)
def test_a_non_digit_anywhere_but_a_final_x_is_invalid(number: str, position: int, char: str):
    changed = number[:position] + char + number[position + 1 :]
    if position == 17 and char == number[17]:  # "X" replaced by itself
        return
    assert parse_resident_id(changed) is None


@given(resident_ids, st.integers(0, 15))
def test_every_adjacent_transposition_is_detected(number: str, position: int):
    """Adjacent weights differ (w_i = 2·w_{i+1} mod 11), so swapping two different neighbouring
    digits among the first 17 changes the check character."""
    a, b = number[position], number[position + 1]
    if a == b:
        return
    swapped = number[:position] + b + a + number[position + 2 :]
    assert parse_resident_id(swapped) is None


@given(resident_ids, st.sampled_from("0123456789X"))
def test_any_other_check_character_is_invalid(number: str, check: str):
    if check == number[17]:
        return
    assert parse_resident_id(number[:17] + check) is None


def with_check(first17: str) -> str:
    return first17 + gb11643_check(first17)


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("", "empty"),
        ("11010519491231002", "17 characters"),
        ("11010519491231002X0", "19 characters"),
        ("11010519491231002x", "check character must be a capital X (the docstring's contract)"),
        (with_check("11010519490231002"), "1949-02-31 is not a date (check digit correct)"),
        (with_check("11010519491300002"), "month 13 (check digit correct)"),
        (with_check("00010519491231002"), "province 00 does not exist (check digit correct)"),
        (with_check("99010519491231002"), "province 99 does not exist (check digit correct)"),
        ("１１０１０５１９４９１２３１００２X", "full-width digits"),
        ("110105 19491231002", "a space"),
    ],
)
def test_invalid_resident_ids(number: str, why: str):
    assert parse_resident_id(number) is None, why


def test_sequence_parity_decides_gender():
    """Hand-made: sequence 001 → 17th digit 1 → male; 002 → female (GB 11643)."""
    male = parse_resident_id(make_resident_id("360502", date(1980, 2, 29), 1))
    female = parse_resident_id(make_resident_id("360502", date(1980, 2, 29), 2))
    assert male is not None
    assert male.gender is Gender.MALE
    assert female is not None
    assert female.gender is Gender.FEMALE


# --- unified social credit code (统一社会信用代码, GB 32100) ------------------------------------


def test_published_example_credit_code_is_valid():
    """The example code printed in GB 32100-2015."""
    assert gb32100_check("91350100M000100Y4") == "3"  # the standard's tables, by hand
    assert is_valid_credit_code("91350100M000100Y43")


@given(credit_first17)
def test_built_credit_code_is_valid(first17: str):
    check = credit_code_check_char(first17)
    assert check == gb32100_check(first17)
    assert is_valid_credit_code(first17 + check)


@given(credit_first17, st.integers(0, 17), st.integers(1, 30))
def test_every_single_substitution_in_a_credit_code_is_detected(
    first17: str, position: int, shift: int
):
    """Weights are non-zero mod the prime 31 and two character values differ by less than 31,
    so any substitution within the alphabet, check character included, is detected."""
    code = first17 + credit_code_check_char(first17)
    wrong = GB32100_CHARS[(GB32100_CHARS.index(code[position]) + shift) % 31]
    changed = code[:position] + wrong + code[position + 1 :]
    assert changed != code
    assert not is_valid_credit_code(changed)


@given(credit_first17, st.integers(0, 17), st.characters())
def test_a_character_outside_the_alphabet_is_invalid(first17: str, position: int, char: str):
    if char in GB32100_CHARS:
        return
    code = first17 + credit_code_check_char(first17)
    assert not is_valid_credit_code(code[:position] + char + code[position + 1 :])


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("", "empty"),
        ("91350100M000100Y4", "17 characters"),
        ("91350100M000100Y433", "19 characters"),
        ("91350100m000100y43", "lower case is not in the GB 32100 alphabet"),
        ("91350100M000100Y44", "wrong check character"),
        ("91350100O000100Y43", "letter O is not in the alphabet"),
    ],
)
def test_invalid_credit_codes(code: str, why: str):
    assert not is_valid_credit_code(code), why


# --- phone ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "13800138000",
        "15012345678",
        "18679012345",
        "19912345678",
        "010-12345678",  # Beijing, 3-digit area code, 8-digit number
        "01012345678",
        "0790-6221234",  # Xinyu, 4-digit area code, 7-digit number
        "0791-86661234",  # Nanchang, 4-digit area code, 8-digit number
        "079086661234",
    ],
)
def test_valid_phones(phone: str):
    assert is_valid_phone(phone)


@pytest.mark.parametrize(
    ("phone", "why"),
    [
        ("", "empty"),
        ("1380013800", "10 digits"),
        ("138001380000", "12 digits"),
        ("23800138000", "mobile numbers start with 1"),
        ("12345678901", "mainland mobile numbers are allocated in 13x-19x"),
        ("+8613800138000", "country prefix: the contract asks for 11 digits"),
        ("138 0013 8000", "spaces"),
        ("138-0013-8000", "hyphens inside a mobile number"),
        ("１３８００１３８０００", "full-width digits"),
        ("13８００１３８０００", "partly full-width digits"),
        ("010-1234567X", "a letter"),
        ("(010)12345678", "parentheses"),
        ("0790-622123", "6-digit local number"),
        ("0790-622123456", "9-digit local number"),
        ("10-12345678", "area codes start with 0"),
        ("01-12345678", "1-digit area code"),
    ],
)
def test_invalid_phones(phone: str, why: str):
    assert not is_valid_phone(phone), why


@given(st.integers(3, 9), st.integers(0, 999_999_999))
def test_any_mobile_number_in_13x_to_19x_is_valid(second: int, rest: int):
    assert is_valid_phone(f"1{second}{rest:09d}")


@given(
    st.text(string.digits, min_size=2, max_size=3),
    st.sampled_from(["", "-"]),
    st.text(string.digits, min_size=7, max_size=8),
)
def test_any_fixed_line_is_valid(area: str, hyphen: str, local: str):
    assert is_valid_phone(f"0{area}{hyphen}{local}")


@given(st.text(string.digits, min_size=1, max_size=20))
def test_digits_not_starting_with_0_are_valid_only_as_an_11_digit_mobile(digits: str):
    if digits.startswith("0"):
        return
    expected = len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"
    assert is_valid_phone(digits) == expected


valid_phones = st.one_of(
    st.builds(lambda d, n: f"1{d}{n:09d}", st.integers(3, 9), st.integers(0, 999_999_999)),
    st.builds(lambda a, n: f"0{a:03d}-{n:08d}", st.integers(0, 999), st.integers(0, 99_999_999)),
)
# Unicode decimal digits other than 0-9 (full-width, Arabic-Indic, ...) and anything else.
not_phone_chars = st.one_of(st.characters(categories=["Nd"]), st.characters()).filter(
    lambda c: c not in string.digits + "-"
)


@given(valid_phones, st.data())
def test_one_character_other_than_an_ascii_digit_makes_a_phone_invalid(
    phone: str, data: st.DataObject
):
    position = data.draw(st.integers(0, len(phone) - 1))
    char = data.draw(not_phone_chars)
    assert not is_valid_phone(phone[:position] + char + phone[position + 1 :])


# --- region code (行政区划代码, GB/T 2260) ----------------------------------------------------


@given(st.text(string.digits, min_size=6, max_size=6))
def test_six_ascii_digits_are_a_region_code_iff_the_province_exists(code: str):
    assert is_valid_region_code(code) == (code[:2] in GB2260_PROVINCES)


@given(region_codes, st.integers(0, 5), st.characters(categories=["Nd"]))
def test_a_non_ascii_digit_makes_a_region_code_invalid(code: str, position: int, char: str):
    if char in string.digits:
        return
    assert not is_valid_region_code(code[:position] + char + code[position + 1 :])


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("360502", True),  # 江西省新余市渝水区
        ("110105", True),  # 北京市朝阳区
        ("820000", True),  # 澳门
        ("000000", False),
        ("100000", False),
        ("990000", False),
        ("36050", False),
        ("3605021", False),
        ("36050a", False),
        ("３６０５０２", False),  # full-width digits
        ("36０５０２", False),  # full-width digits after a valid prefix
    ],
)
def test_region_codes(code: str, valid: bool):
    assert is_valid_region_code(code) is valid
