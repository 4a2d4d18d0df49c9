"""Vectorised twins of the contract's scalar checks, over a whole column at once.

A nightly extract holds millions of rows, so nothing here loops over rows in Python: strings of
a fixed width are viewed as an ``(n, width)`` byte matrix and checked with numpy (resident IDs,
credit codes, region codes, currencies), the rest with Arrow regexes. Each check must agree with
its scalar twin in ``bankcrm.domain`` (``identity``, ``money``); the unit tests prove it on
generated inputs. Every function takes a string ``pa.Array`` and returns numpy arrays of the same
length; a null input is never valid (callers decide whether null is allowed). Dates are parsed
in ``bankcrm.ingest.dates``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from bankcrm.domain.identity import (
    CREDIT_CODE_CHARS,
    CREDIT_CODE_WEIGHTS,
    PROVINCE_PREFIXES,
    RESIDENT_ID_CHECK_CHARS,
    RESIDENT_ID_WEIGHTS,
)
from bankcrm.ingest.columns import Bytes, Ints, Mask, fixed_width, to_mask
from bankcrm.ingest.dates import calendar

# The contract's money: optional '-', at most 16 integer digits (decimal128(18, 2)) after any
# leading zeros, at most 2 decimals; no '+', exponent, spaces or thousands separators.
MONEY_PATTERN = r"^-?0*[0-9]{1,16}(\.[0-9]{1,2})?$"
# identity.is_valid_phone, spelled with ASCII digits (RE2's \d is ASCII-only anyway).
PHONE_PATTERN = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"

_PROVINCE = np.zeros(100, np.bool_)
_PROVINCE[[int(p) for p in PROVINCE_PREFIXES]] = True
_ID_WEIGHTS = np.array(RESIDENT_ID_WEIGHTS, np.int64)
_ID_CHECK = np.frombuffer(RESIDENT_ID_CHECK_CHARS.encode(), np.uint8)
_CC_WEIGHTS = np.array(CREDIT_CODE_WEIGHTS, np.int64)
_CC_VALUE = np.full(256, -1, np.int64)  # byte → GB 32100 value, -1 for a disallowed byte
_CC_VALUE[np.frombuffer(CREDIT_CODE_CHARS.encode(), np.uint8)] = np.arange(31)
_CC_CHARS = np.frombuffer(CREDIT_CODE_CHARS.encode(), np.uint8)
_ZERO, _NINE = ord("0"), ord("9")


def _digits(matrix: Bytes, columns: slice) -> tuple[Bytes, Mask]:
    """The given byte columns as digit values, and whether all of them are ASCII digits."""
    part = matrix[:, columns] - np.uint8(_ZERO)  # wraps around below '0': then >= 10 too
    return part, np.asarray((part < 10).all(axis=1), np.bool_)


def _number(digits: Bytes) -> Ints:
    """Digit columns read as one decimal number per row."""
    number = np.zeros(len(digits), np.int64)
    for j in range(digits.shape[1]):
        number = number * 10 + digits[:, j]
    return number


def valid_money(values: pa.Array) -> Mask:
    """Decimal yuan with at most 2 decimals that fits ``decimal128(18, 2)``."""
    return to_mask(pc.match_substring_regex(values, MONEY_PATTERN))


def valid_phone(values: pa.Array) -> Mask:
    """``identity.is_valid_phone``: a mainland mobile or fixed-line number."""
    return to_mask(pc.match_substring_regex(values, PHONE_PATTERN))


def valid_region_code(values: pa.Array) -> Mask:
    """``identity.is_valid_region_code``: six ASCII digits with a GB/T 2260 province prefix."""
    matrix, fits = fixed_width(values, 6)
    digits, ok = _digits(matrix, slice(0, 6))
    return fits & ok & _PROVINCE[np.where(ok, _number(digits[:, :2]), 0)]


def valid_currency(values: pa.Array) -> Mask:
    """Three capital ASCII letters (an ISO 4217 code's form)."""
    matrix, fits = fixed_width(values, 3)
    return fits & ((matrix >= ord("A")) & (matrix <= ord("Z"))).all(axis=1)


def _chars(values: pa.Array, length: int) -> Mask:
    """Rows of exactly ``length`` characters (not bytes)."""
    return to_mask(pc.equal(pc.utf8_length(values), length))


class IdProblem:
    """Why a resident ID or credit code failed, in the order the scalar checks test it."""

    OK, LENGTH, CHARACTERS, CHECK_CHAR, PROVINCE, BIRTH_DATE = range(6)


@dataclass(frozen=True)
class ResidentIds:
    """A checked resident-ID column (GB 11643)."""

    problem: Ints  # IdProblem per row (OK for valid rows; LENGTH for null)
    expected_check: npt.NDArray[np.uint8]  # the check character the first 17 digits call for
    birth_days: Ints  # epoch days of the encoded birth date (valid rows)
    male: Mask  # 17th digit odd (valid rows)

    @property
    def valid(self) -> Mask:
        return np.asarray(self.problem == IdProblem.OK)


def check_resident_ids(values: pa.Array) -> ResidentIds:
    """``identity.parse_resident_id`` for a whole column."""
    matrix, fits = fixed_width(values, 18)
    digits, all_digits = _digits(matrix, slice(0, 17))
    expected = _ID_CHECK[
        np.where(all_digits[:, None], digits, 0).astype(np.int64) @ _ID_WEIGHTS % 11
    ]
    _, real, days, _ = calendar(matrix, (6, 8, 10, 12), fits & all_digits)
    province = _PROVINCE[np.where(all_digits, _number(digits[:, :2]), 0)]
    problem = np.select(
        [~_chars(values, 18), ~fits | ~all_digits, matrix[:, 17] != expected, ~province, ~real],
        [IdProblem.LENGTH, IdProblem.CHARACTERS, IdProblem.CHECK_CHAR, IdProblem.PROVINCE,
         IdProblem.BIRTH_DATE],
        IdProblem.OK,
    )  # fmt: skip
    return ResidentIds(problem, expected, days, digits[:, 16] % 2 == 1)


@dataclass(frozen=True)
class CreditCodes:
    """A checked unified-social-credit-code column (GB 32100)."""

    problem: Ints  # IdProblem.OK, LENGTH, CHARACTERS or CHECK_CHAR
    expected_check: npt.NDArray[np.uint8]

    @property
    def valid(self) -> Mask:
        return np.asarray(self.problem == IdProblem.OK)


def check_credit_codes(values: pa.Array) -> CreditCodes:
    """``identity.is_valid_credit_code`` for a whole column."""
    matrix, fits = fixed_width(values, 18)
    code = _CC_VALUE[matrix]
    allowed = (code >= 0).all(axis=1)
    total = np.where(code[:, :17] >= 0, code[:, :17], 0) @ _CC_WEIGHTS
    expected = _CC_CHARS[(31 - total % 31) % 31]
    problem = np.select(
        [~_chars(values, 18), ~fits | ~allowed, code[:, 17] != _CC_VALUE[expected]],
        [IdProblem.LENGTH, IdProblem.CHARACTERS, IdProblem.CHECK_CHAR],
        IdProblem.OK,
    )
    return CreditCodes(problem, expected)
