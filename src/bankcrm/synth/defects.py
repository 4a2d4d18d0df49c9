"""The bad rows of ``--dirty``: which column of which table carries each reject kind, which
source rows may carry it, and the broken values.

Each injected row is a copy of a valid row with exactly one defect, chosen so that no other
rule of the importer trips: a bad date only where the other end of its period is empty, a bad
resident ID that still encodes the row's birth date and gender, a negative balance only on an
asset product, and so on. Broken values are computed with Arrow string functions for all the
injected rows of a kind at once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from bankcrm.domain.contract import RejectKind as R
from bankcrm.domain.enums import IdType
from bankcrm.domain.identity import CREDIT_CODE_CHARS, RESIDENT_ID_CHECK_CHARS
from bankcrm.synth.columns import money

BoolArray = npt.NDArray[np.bool_]
# (table, kind, column): every reject kind has at least one target.
TARGETS: tuple[tuple[str, R, str], ...] = (
    ("branches", R.MISSING_VALUE, "name"),
    ("branches", R.BAD_ENUM, "level"),
    ("branches", R.BAD_REGION_CODE, "region_code"),
    ("branches", R.DUPLICATE_KEY, "branch_id"),
    ("branches", R.UNKNOWN_REFERENCE, "parent_id"),
    ("employees", R.MISSING_VALUE, "name"),
    ("employees", R.BAD_ENUM, "role"),
    ("employees", R.BAD_DATE, "hired_on"),
    ("employees", R.END_BEFORE_START, "left_on"),
    ("employees", R.DUPLICATE_KEY, "employee_id"),
    ("employees", R.UNKNOWN_REFERENCE, "branch_id"),
    ("products", R.MISSING_VALUE, "name"),
    ("products", R.BAD_ENUM, "product_type"),
    ("products", R.DUPLICATE_KEY, "product_code"),
    ("customers", R.MISSING_VALUE, "name"),
    ("customers", R.BAD_ENUM, "risk_level"),
    ("customers", R.BAD_DATE, "opened_on"),
    ("customers", R.BAD_BOOL, "marketing_consent"),
    ("customers", R.BAD_REGION_CODE, "region_code"),
    ("customers", R.DUPLICATE_KEY, "customer_id"),
    ("customers", R.UNKNOWN_REFERENCE, "branch_id"),
    ("customers", R.BAD_RESIDENT_ID, "id_number"),
    ("customers", R.ID_BIRTH_DATE_MISMATCH, "birth_date"),
    ("customers", R.ID_GENDER_MISMATCH, "gender"),
    ("customers", R.BAD_CREDIT_CODE, "id_number"),
    ("customers", R.BAD_PHONE, "phone"),
    ("customers", R.END_BEFORE_START, "closed_on"),
    ("accounts", R.BAD_DATE, "opened_on"),
    ("accounts", R.BAD_CURRENCY, "currency"),
    ("accounts", R.DUPLICATE_KEY, "account_id"),
    ("accounts", R.UNKNOWN_REFERENCE, "customer_id"),
    ("accounts", R.UNKNOWN_REFERENCE, "product_code"),
    ("accounts", R.END_BEFORE_START, "closed_on"),
    ("balances", R.MISSING_VALUE, "balance"),
    ("balances", R.BAD_MONEY, "balance"),
    ("balances", R.DUPLICATE_KEY, "as_of"),
    ("balances", R.UNKNOWN_REFERENCE, "account_id"),
    ("balances", R.NOT_MONTH_END, "as_of"),
    ("balances", R.NEGATIVE_ASSET_BALANCE, "balance"),
    ("transactions", R.MISSING_VALUE, "customer_initiated"),
    ("transactions", R.BAD_ENUM, "channel"),
    ("transactions", R.BAD_DATETIME, "booked_at"),
    ("transactions", R.BAD_BOOL, "customer_initiated"),
    ("transactions", R.BAD_MONEY, "amount"),
    ("transactions", R.DUPLICATE_KEY, "txn_id"),
    ("transactions", R.UNKNOWN_REFERENCE, "account_id"),
    ("transactions", R.BOOKED_BEFORE_OPENED, "booked_at"),
    ("channel_enrollments", R.BAD_ENUM, "channel"),
    ("channel_enrollments", R.DUPLICATE_KEY, "customer_id"),
    ("channel_enrollments", R.UNKNOWN_REFERENCE, "customer_id"),
    ("channel_enrollments", R.END_BEFORE_START, "cancelled_on"),
    ("assignments", R.DUPLICATE_KEY, "customer_id"),
    ("assignments", R.UNKNOWN_REFERENCE, "employee_id"),
    ("assignments", R.END_BEFORE_START, "end_on"),
)
# Clearly outside the enumeration even for an importer that ignores case or spaces.
BAD_ENUMS = {
    "level": ("支行", "sub-branch", "总部"),
    "role": ("manager", "客户经理", "RM"),
    "product_type": ("deposit", "定期", "loan"),
    "risk_level": ("C6", "C0", "R2", "中"),
    "channel": ("mobile", "手机银行", "wechat", "柜面"),
}
BAD_DATE_TAILS = ("-02-30", "-04-31", "-13-01", "-00-10", "-06-31")
BAD_TIMES = ("T25:10:00", "T13:61:00", "T27:00:00", "T08:15:75")
BAD_BOOLS = ("yes", "no", "是", "否", "2", "-1")
BAD_CURRENCIES = ("cny", "人民币", "CN", "CNYY", "rmb")
# The table each reference column points into, and how its identifiers look.
ID_FORMATS = {
    "branches": ("B", 4), "employees": ("E", 5), "customers": ("C", 10), "products": ("ZZ", 3),
    "accounts": ("A", 12), "transactions": ("T", 14),
}  # fmt: skip
REFERENCED = {
    "parent_id": "branches", "branch_id": "branches", "customer_id": "customers",
    "employee_id": "employees", "product_code": "products", "account_id": "accounts",
}  # fmt: skip


def made_up_id(table: str, namespace: int, serial: npt.NDArray[np.int64]) -> pa.Array:
    """Identifiers of ``table``'s format that no valid row uses: the first digit is
    ``namespace`` (9: keys of injected rows, 8: references to nothing), then a serial."""
    prefix, width = ID_FORMATS[table]
    number = pa.array(np.asarray(serial, dtype=np.int64)).cast(pa.string())
    body = pc.utf8_lpad(number, width - 1, "0")
    return pc.binary_join_element_wise(f"{prefix}{namespace}", body, "")


def _choose(options: tuple[str, ...], rng: np.random.Generator, n: int) -> pa.Array:
    return pa.array(
        np.asarray(options, dtype=object)[rng.integers(0, len(options), n)], pa.string()
    )


def _variants(rng: np.random.Generator, *candidates: pa.Array) -> pa.Array:
    """Per row, one of several same-length candidate arrays, picked at random."""
    pick = rng.integers(0, len(candidates), len(candidates[0]))
    result = candidates[-1]
    for i, candidate in enumerate(candidates[:-1]):
        result = pc.if_else(pa.array(pick == i), candidate, result)
    return result


def _other_char(text: pa.Array, alphabet: str, rng: np.random.Generator) -> pa.Array:
    """``text`` with its last character replaced by a different character of ``alphabet``."""
    last = (
        pc.utf8_slice_codeunits(text, -1).to_numpy(zero_copy_only=False).astype("S1").view(np.uint8)
    )
    codes = np.frombuffer(alphabet.encode(), np.uint8)
    position = np.searchsorted(np.sort(codes), last)
    index = np.argsort(codes)[np.minimum(position, len(codes) - 1)]
    replacement = codes[(index + rng.integers(1, len(codes), len(last))) % len(codes)]
    new_last = pa.array(replacement.view("S1").astype(object), pa.binary()).cast(pa.string())
    return pc.binary_join_element_wise(pc.utf8_slice_codeunits(text, 0, -1), new_last, "")


def bad_value(kind: R, column: str, text: pa.Array, rng: np.random.Generator) -> pa.Array | None:
    """The broken text for ``column`` under a reject kind that only needs the column's own
    text; None for kinds computed from other columns (dates, references, keys)."""
    n = len(text)
    makers: dict[R, Callable[[], pa.Array]] = {
        R.MISSING_VALUE: lambda: pa.nulls(n, pa.string()),
        R.BAD_ENUM: lambda: _choose(BAD_ENUMS[column], rng, n),
        R.BAD_BOOL: lambda: _choose(BAD_BOOLS, rng, n),
        R.BAD_CURRENCY: lambda: _choose(BAD_CURRENCIES, rng, n),
        R.BAD_MONEY: lambda: _variants(
            rng,
            pc.binary_join_element_wise(text, "7", ""),  # three decimals
            pc.binary_join_element_wise("￥", text, ""),
            pc.binary_join_element_wise(text, "元", ""),
        ),
        R.BAD_REGION_CODE: lambda: _variants(
            rng,
            pc.utf8_slice_codeunits(text, 0, 5),  # five digits
            pc.binary_join_element_wise(
                "99", pc.utf8_slice_codeunits(text, 2), ""
            ),  # no such province
            pc.binary_join_element_wise(text, "1", ""),  # seven digits
            pc.binary_join_element_wise(
                pc.utf8_slice_codeunits(text, 0, 4), "O", pc.utf8_slice_codeunits(text, 5), ""
            ),
        ),
        R.BAD_RESIDENT_ID: lambda: _variants(
            rng,
            _other_char(text, RESIDENT_ID_CHECK_CHARS, rng),
            pc.utf8_slice_codeunits(text, 0, 17),
        ),
        R.BAD_CREDIT_CODE: lambda: _other_char(text, CREDIT_CODE_CHARS, rng),
        R.BAD_PHONE: lambda: _variants(
            rng, pc.utf8_slice_codeunits(text, 0, -1), pc.binary_join_element_wise("+86", text, "")
        ),
        R.ID_GENDER_MISMATCH: lambda: pc.if_else(pc.equal(text, "M"), "F", "M"),
        R.NEGATIVE_ASSET_BALANCE: lambda: money(-rng.integers(1, 10**7, n)).cast(pa.string()),
    }
    maker = makers.get(kind)
    return maker() if maker else None


def eligible(kind: R, column: str, typed: pa.Table, context: dict[str, np.ndarray]) -> BoolArray:
    """Rows that may be copied to carry ``kind`` in ``column`` without tripping another rule."""
    n = typed.num_rows

    def present(name: str) -> BoolArray:
        return np.asarray(typed.column(name).is_valid().to_numpy(zero_copy_only=False), dtype=bool)

    def id_type_is(id_type: IdType) -> BoolArray:
        same = pc.equal(typed.column("id_type"), str(id_type))
        return np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool)

    if kind is R.BAD_DATE:  # the other end of every period of the date stays empty
        partners = {"hired_on": ("left_on",), "opened_on": ("closed_on", "maturity_on")}[column]
        ok = np.ones(n, bool)
        for partner in partners:
            if partner in typed.column_names:
                ok &= ~present(partner)
        return ok
    if kind in (R.BAD_RESIDENT_ID, R.ID_BIRTH_DATE_MISMATCH, R.ID_GENDER_MISMATCH):
        return id_type_is(IdType.RESIDENT_ID)
    if kind is R.BAD_CREDIT_CODE:
        return id_type_is(IdType.UNIFIED_SOCIAL_CREDIT_CODE)
    if kind is R.BAD_PHONE:
        return present("phone")
    if kind is R.NEGATIVE_ASSET_BALANCE:
        return np.asarray(context["asset"], dtype=bool)
    return np.ones(n, bool)
