"""Identity-document and contact checks: GB 11643 resident ID, GB 32100 credit code, phone.

Each check is a pure function of one value; the importer applies vectorised twins of them
(``bankcrm.ingest.checks``), which the tests prove agree with these on generated inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bankcrm.domain.enums import Gender

# GB 11643-1999: weight of position i (0-based, 17 digits) is 2**(17 - i) mod 11.
RESIDENT_ID_WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))
RESIDENT_ID_CHECK_CHARS = "10X98765432"

# GB 32100-2015: 31 characters (no I, O, S, V, Z); weight of position i is 3**i mod 31.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))

# GB/T 2260 province-level prefixes (first two digits of a region code).
PROVINCE_PREFIXES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
        "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
        "63", "64", "65", "71", "81", "82",
    }
)  # fmt: skip

# ASCII digits only: ``\d`` would also match full-width and other Unicode digits.
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_FIXED_LINE = re.compile(r"0[0-9]{2,3}-?[0-9]{7,8}")
_REGION = re.compile(r"[0-9]{6}")


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID."""
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class ResidentId:
    """What an 18-character resident ID number encodes."""

    region_code: str
    birth_date: date
    gender: Gender


def parse_resident_id(number: str) -> ResidentId | None:
    """Decode a GB 11643 resident ID, or None if it is not a valid one.

    Valid means: 18 characters, 17 digits then a digit or ``X``, a correct check character, a
    known province prefix and a real birth date. The 17th digit is odd for men, even for women.
    """
    if len(number) != 18 or not number[:17].isdigit() or not number[:17].isascii():
        return None
    if number[17] != resident_id_check_char(number[:17]):
        return None
    if number[:2] not in PROVINCE_PREFIXES:
        return None
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    gender = Gender.MALE if int(number[16]) % 2 == 1 else Gender.FEMALE
    return ResidentId(region_code=number[:6], birth_date=born, gender=gender)


def make_resident_id(region_code: str, birth_date: date, sequence: int) -> str:
    """Build a valid resident ID; ``sequence`` (0-999) decides the gender by its parity."""
    first17 = f"{region_code}{birth_date.year:04d}{birth_date:%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(
        CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """True for an 18-character unified social credit code with a correct GB 32100 check."""
    if len(code) != 18 or any(c not in CREDIT_CODE_CHARS for c in code):
        return False
    return code[17] == credit_code_check_char(code[:17])


def is_valid_phone(phone: str) -> bool:
    """A mainland mobile number (11 digits, leading 1) or a fixed line (area code 0xx[x])."""
    return bool(_MOBILE.fullmatch(phone) or _FIXED_LINE.fullmatch(phone))


def is_valid_region_code(code: str) -> bool:
    """Six digits with a GB/T 2260 province prefix."""
    return bool(_REGION.fullmatch(code)) and code[:2] in PROVINCE_PREFIXES
