"""The broken values of ``--dirty`` break exactly the rule they are meant to, checked with the
domain's scalar checks (the importer's rules), on valid inputs made by hand."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pyarrow as pa
import pytest

from bankcrm.domain.contract import TABLES
from bankcrm.domain.contract import RejectKind as R
from bankcrm.domain.identity import (
    is_valid_credit_code,
    is_valid_phone,
    is_valid_region_code,
    make_resident_id,
    parse_resident_id,
)
from bankcrm.synth.defects import TARGETS, bad_value, made_up_id
from bankcrm.synth.ids import credit_codes

MONEY = re.compile(r"-?\d+(\.\d{1,2})?")


def broken(kind: R, column: str, values: list[str], seed: int = 1) -> list[str | None]:
    result = bad_value(kind, column, pa.array(values, pa.string()), np.random.default_rng(seed))
    assert result is not None
    return result.to_pylist()


def test_every_reject_kind_has_a_target() -> None:
    assert {kind for _, kind, _ in TARGETS} == set(R)


def test_bad_resident_ids_keep_birth_date_and_gender_digits() -> None:
    valid = [
        make_resident_id("360502", date(1970 + i % 40, 1 + i % 12, 1 + i % 28), i)
        for i in range(300)
    ]
    for before, after in zip(valid, broken(R.BAD_RESIDENT_ID, "id_number", valid), strict=True):
        assert after is not None
        assert parse_resident_id(before) is not None
        assert parse_resident_id(after) is None
        assert after[6:17] == before[6:17]  # birth date and sequence (gender) untouched


def test_bad_credit_codes_fail_only_the_check_character() -> None:
    valid = credit_codes(np.full(300, 360521), np.random.default_rng(3)).to_pylist()
    after = broken(R.BAD_CREDIT_CODE, "id_number", valid)
    assert all(
        a is not None and not is_valid_credit_code(a) and a[:17] == v[:17]
        for a, v in zip(after, valid, strict=True)
    )


@pytest.mark.parametrize(
    ("kind", "column", "values", "still_valid"),
    [
        (R.BAD_PHONE, "phone", ["13800138000", "0790-6223456"] * 50, is_valid_phone),
        (R.BAD_REGION_CODE, "region_code", ["360502", "360521"] * 50, is_valid_region_code),
        (R.BAD_MONEY, "balance", ["0.00", "-12.30", "123456.78"] * 30, MONEY.fullmatch),
        (R.BAD_CURRENCY, "currency", ["CNY"] * 50, re.compile(r"[A-Z]{3}").fullmatch),
        (
            R.BAD_BOOL,
            "customer_initiated",
            ["true"] * 50,
            {"true", "false", "1", "0", "Y", "N"}.__contains__,
        ),
    ],
)
def test_broken_values_fail_the_importer_rule(
    kind: R, column: str, values: list[str], still_valid: object
) -> None:
    check = still_valid  # a predicate on the text
    assert all(callable(check) and check(v) for v in values)
    assert not any(
        callable(check) and check(b) for b in broken(kind, column, values) if b is not None
    )


def test_negative_balances_are_well_formed_negative_money() -> None:
    values = broken(R.NEGATIVE_ASSET_BALANCE, "balance", ["100.00"] * 200)
    assert all(
        v is not None and MONEY.fullmatch(v) and v.startswith("-") and v != "-0.00" for v in values
    )


def test_bad_enums_are_outside_the_enumeration_whatever_the_case() -> None:
    for table, kind, column in TARGETS:
        if kind is R.BAD_ENUM:
            allowed = {v.lower() for v in TABLES[table].column(column).values}
            assert all(
                b is not None and b.lower().strip() not in allowed
                for b in broken(kind, column, ["x"] * 40)
            )


def test_gender_mismatch_flips_and_missing_value_empties() -> None:
    assert broken(R.ID_GENDER_MISMATCH, "gender", ["M", "F"]) == ["F", "M"]
    assert broken(R.MISSING_VALUE, "name", ["王伟", "李娜"]) == [None, None]


def test_made_up_ids_look_like_ids_but_sit_outside_the_valid_range() -> None:
    ids = made_up_id("customers", 8, np.array([1, 2, 123])).to_pylist()
    assert ids == ["C8000000001", "C8000000002", "C8000000123"]
    assert made_up_id("accounts", 9, np.array([5])).to_pylist() == ["A900000000005"]
