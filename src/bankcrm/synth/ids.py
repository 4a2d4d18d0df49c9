"""Identity numbers and phone numbers for whole columns: GB 11643, GB 32100, mobile, fixed line.

The check characters are computed with numpy on digit matrices using the weights and alphabets
of ``bankcrm.domain.identity``, so the scalar checks there (which the importer applies) accept
every number made here; the tests verify that row by row.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bankcrm.domain.identity import (
    CREDIT_CODE_CHARS,
    CREDIT_CODE_WEIGHTS,
    RESIDENT_ID_CHECK_CHARS,
    RESIDENT_ID_WEIGHTS,
)

IntArray = npt.NDArray[np.int64]

# Mainland mobile prefixes in use in Jiangxi in the 2010s (China Mobile, Unicom, Telecom).
MOBILE_PREFIXES = np.array(
    [134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 157, 158, 159, 182, 183, 187, 188, 178,
     130, 131, 132, 155, 156, 185, 186, 176, 133, 153, 180, 181, 189, 177, 199, 198, 166],
    dtype=np.int64,
)  # fmt: skip
XINYU_AREA_CODE = "0790"
# GB 11714 organisation code: weights of the 8 body characters, mod-11 check.
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)


def _strings(codes: npt.NDArray[np.uint8]) -> pa.Array:
    """Rows of ASCII codes (n x width) as a string array."""
    width = codes.shape[1]
    fixed = np.ascontiguousarray(codes).view(f"S{width}").ravel()
    return pa.array(fixed, pa.binary(width)).cast(pa.string())


def _digits(values: IntArray, width: int) -> IntArray:
    """Decimal digits of non-negative integers, most significant first (n x width)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers[None, :]) % 10


def resident_ids(
    region: IntArray,
    birth_yyyymmdd: IntArray,
    male: npt.NDArray[np.bool_],
    rng: np.random.Generator,
) -> pa.Array:
    """18-character GB 11643 numbers: region, birth date, a sequence whose last digit is odd for
    men and even for women, and the check character.

    Numbers are unique, as real ones are: people who share region, birth date and gender get
    consecutive sequence numbers from a random start (up to 500 such people per group).
    """
    n = len(region)
    group = (region * 10**8 + birth_yyyymmdd) * 2 + male.astype(np.int64)
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    first = np.r_[True, sorted_group[1:] != sorted_group[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    start = rng.integers(0, 500, n)[order][group_start]  # one random start per group
    half = np.empty(n, dtype=np.int64)
    half[order] = (start + np.arange(n) - group_start) % 500
    sequence = 2 * half + male.astype(np.int64)
    digits = _digits(region * 10**11 + birth_yyyymmdd * 1000 + sequence, 17)
    check = (digits @ np.asarray(RESIDENT_ID_WEIGHTS, dtype=np.int64)) % 11
    alphabet = np.frombuffer(RESIDENT_ID_CHECK_CHARS.encode(), np.uint8)
    codes = np.concatenate([(digits + ord("0")).astype(np.uint8), alphabet[check][:, None]], axis=1)
    return _strings(codes)


def credit_codes(region: IntArray, rng: np.random.Generator) -> pa.Array:
    """18-character GB 32100 unified social credit codes of enterprises (9 1 …) registered in
    ``region``: the organisation code carries its own GB 11714 check, the code its GB 32100
    check character."""
    n = len(region)
    body = rng.integers(0, 10, (n, 8))
    org_check = (11 - (body @ _ORG_WEIGHTS) % 11) % 11  # 10 is written X
    org_index = np.where(org_check == 10, CREDIT_CODE_CHARS.index("X"), org_check)
    index = np.concatenate(
        [np.full((n, 1), 9), np.full((n, 1), 1), _digits(region, 6), body, org_index[:, None]],
        axis=1,
    )
    weighted = (index @ np.asarray(CREDIT_CODE_WEIGHTS, dtype=np.int64)) % 31
    index = np.concatenate([index, ((31 - weighted) % 31)[:, None]], axis=1)
    alphabet = np.frombuffer(CREDIT_CODE_CHARS.encode(), np.uint8)
    return _strings(alphabet[index])


def mobile_phones(rng: np.random.Generator, n: int) -> pa.Array:
    """11-digit mainland mobile numbers (``1[3-9]`` then nine digits)."""
    prefix = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), n)]
    return pa.array(prefix * 10**8 + rng.integers(0, 10**8, n)).cast(pa.string())


def fixed_lines(rng: np.random.Generator, n: int) -> pa.Array:
    """Xinyu fixed lines such as ``0790-6223456`` (area code 0790, 7-digit local number)."""
    local = rng.choice(np.array([6, 7]), n) * 10**6 + rng.integers(0, 10**6, n)
    return pa.array(
        np.char.add(f"{XINYU_AREA_CODE}-", local.astype("U7")).astype(object), pa.string()
    )
