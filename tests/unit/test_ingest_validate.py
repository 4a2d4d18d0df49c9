"""Row validation: every reject reason on a hand-made row, typing of good rows, keys, references."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from bankcrm.domain.contract import REJECT_REASONS_ZH, TABLES, RejectKind
from bankcrm.ingest import Lookups, Validated, read_table, validate

# A valid row per table. 11010519491231002X: GB 11643 check X, born 1949-12-31, 17th digit 2 = F.
GOOD: dict[str, dict[str, str]] = {
    "branches": {
        "branch_id": "B1", "name": "总行", "parent_id": "", "level": "head_office",
        "region_code": "110000",
    },
    "employees": {
        "employee_id": "E1", "name": "李四", "branch_id": "B1", "role": "relationship_manager",
        "hired_on": "2019-01-01", "left_on": "",
    },
    "customers": {
        "customer_id": "C1", "customer_type": "individual", "name": "张三",
        "id_type": "resident_id", "id_number": "11010519491231002X", "gender": "F",
        "birth_date": "1949-12-31", "phone": "13812345678", "region_code": "110105",
        "occupation": "教师", "education": "本科", "branch_id": "B1", "opened_on": "2020-01-01",
        "closed_on": "", "marketing_consent": "true", "risk_level": "C3",
    },
    "products": {
        "product_code": "P1", "name": "活期", "product_type": "demand_deposit", "risk_level": "R1",
    },
    "accounts": {
        "account_id": "A1", "customer_id": "C1", "product_code": "P1", "opened_on": "2020-01-01",
        "maturity_on": "", "closed_on": "", "currency": "",
    },
    "balances": {"as_of": "2024-01-31", "account_id": "A1", "balance": "100.00"},
    "transactions": {
        "txn_id": "T1", "account_id": "A1", "booked_at": "2024-01-15T10:00:00",
        "amount": "-50.5", "channel": "counter", "counterparty_type": "own_account",
        "counterparty_name": "", "memo": "", "customer_initiated": "Y",
    },
    "channel_enrollments": {
        "customer_id": "C1", "channel": "mobile_banking", "enrolled_on": "2021-01-01",
        "cancelled_on": "",
    },
    "assignments": {
        "customer_id": "C1", "employee_id": "E1", "start_on": "2021-01-01", "end_on": "",
    },
}  # fmt: skip

# The good row under another key, to sit beside a bad row without repeating its key.
OTHER_KEY: dict[str, dict[str, str]] = {
    "branches": {"branch_id": "B2"},
    "employees": {"employee_id": "E2"},
    "customers": {"customer_id": "C2"},
    "products": {"product_code": "P2"},
    "accounts": {"account_id": "A2"},
    "balances": {"as_of": "2023-12-31"},
    "transactions": {"txn_id": "T0"},
    "channel_enrollments": {"channel": "sms_alerts"},
    "assignments": {"start_on": "2020-06-01"},
}

LOOKUPS = Lookups(
    keys={
        "branches.branch_id": pa.array(["B1", "B0"]),
        "employees.employee_id": pa.array(["E1"]),
        "customers.customer_id": pa.array(["C1"]),
        "products.product_code": pa.array(["P1", "L1"]),
        "accounts.account_id": pa.array(["A1", "LOAN1"]),
    },
    accounts=pa.table(
        {
            "account_id": ["A1", "LOAN1"],
            "opened_on": pa.array([date(2020, 1, 1), date(2020, 1, 1)], pa.date32()),
            "is_asset": [True, False],
        }
    ),
)


def write_csv(folder: Path, table: str, rows: list[dict[str, str]]) -> Path:
    """A CSV of ``table`` whose rows are the good row with the given fields changed."""
    path = folder / f"{table}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(TABLES[table].column_names))
        writer.writeheader()
        writer.writerows({**GOOD[table], **row} for row in rows)
    return path


def run(folder: Path, table: str, *rows: dict[str, str], lookups: Lookups = LOOKUPS) -> Validated:
    return validate(read_table(write_csv(folder, table, list(rows)), TABLES[table]), lookups)


CASES = [
    ("customers", {"name": ""}, "name", RejectKind.MISSING_VALUE, "a value is required"),
    ("branches", {"level": "city"}, "level", RejectKind.BAD_ENUM, "'city' is not one of head_"),
    ("employees", {"hired_on": "2019-02-30"}, "hired_on", RejectKind.BAD_DATE, "not a real"),
    ("employees", {"hired_on": "2019/01/01"}, "hired_on", RejectKind.BAD_DATE, "YYYY-MM-DD"),
    ("transactions", {"booked_at": "2024-01-15T24:00:00"}, "booked_at",
     RejectKind.BAD_DATETIME, "not a real"),
    ("transactions", {"booked_at": "2024-01-15"}, "booked_at", RejectKind.BAD_DATETIME,
     "not in the form YYYY-MM-DDTHH:MM:SS"),
    ("customers", {"marketing_consent": "yes"}, "marketing_consent", RejectKind.BAD_BOOL,
     "'yes' is not one of true/false"),
    ("transactions", {"amount": "1,000.00"}, "amount", RejectKind.BAD_MONEY, "not an amount"),
    ("balances", {"balance": "1.234"}, "balance", RejectKind.BAD_MONEY, "more than 2 decimals"),
    ("balances", {"balance": "12345678901234567"}, "balance", RejectKind.BAD_MONEY,
     "more than 16 digits"),
    ("branches", {"region_code": "990000"}, "region_code", RejectKind.BAD_REGION_CODE,
     "unknown province"),
    ("customers", {"region_code": "11000"}, "region_code", RejectKind.BAD_REGION_CODE,
     "not 6 digits"),
    ("accounts", {"currency": "cny"}, "currency", RejectKind.BAD_CURRENCY, "3 capital letters"),
    ("accounts", {"customer_id": "C9"}, "customer_id", RejectKind.UNKNOWN_REFERENCE,
     "'C9' is not a known customers.customer_id"),
    ("customers", {"id_number": "110105194912310029"}, "id_number", RejectKind.BAD_RESIDENT_ID,
     "GB 11643 check character should be X, got 9"),
    ("customers", {"id_number": "11010519491231002"}, "id_number", RejectKind.BAD_RESIDENT_ID,
     "should be 18 characters, got 17"),
    ("customers", {"birth_date": "1949-12-30"}, "birth_date", RejectKind.ID_BIRTH_DATE_MISMATCH,
     "1949-12-30 but the resident ID encodes 1949-12-31"),
    ("customers", {"gender": "M"}, "gender", RejectKind.ID_GENDER_MISMATCH,
     "M but the resident ID encodes F"),
    ("customers", {"customer_type": "corporate", "id_type": "unified_social_credit_code",
                   "id_number": "91110108MA01ABCDE1", "gender": "", "birth_date": ""},
     "id_number", RejectKind.BAD_CREDIT_CODE, "GB 32100 check character should be N, got 1"),
    ("customers", {"phone": "12345678901"}, "phone", RejectKind.BAD_PHONE, "'12345678901' is "),
    ("customers", {"closed_on": "2019-12-31"}, "closed_on", RejectKind.END_BEFORE_START,
     "2019-12-31 is before opened_on 2020-01-01"),
    ("accounts", {"maturity_on": "2019-06-30"}, "maturity_on", RejectKind.END_BEFORE_START,
     "2019-06-30 is before opened_on 2020-01-01"),
    ("balances", {"as_of": "2024-02-28"}, "as_of", RejectKind.NOT_MONTH_END,
     "2024-02-28 is not a month-end (that month ends on 2024-02-29)"),
    ("balances", {"balance": "-0.01"}, "balance", RejectKind.NEGATIVE_ASSET_BALANCE,
     "-0.01 on account A1 of an asset product"),
    ("transactions", {"booked_at": "2019-12-31T23:59:59"}, "booked_at",
     RejectKind.BOOKED_BEFORE_OPENED, "before the account's opening date 2020-01-01"),
]  # fmt: skip


@pytest.mark.parametrize(("table", "change", "column", "reason", "detail"), CASES)
def test_each_reject_reason_on_a_hand_made_row(
    tmp_path: Path,
    table: str,
    change: dict[str, str],
    column: str,
    reason: RejectKind,
    detail: str,
) -> None:
    result = run(tmp_path, table, OTHER_KEY[table], change)
    assert (result.read, result.accepted_count, result.rejected_count) == (2, 1, 1)
    assert result.accepted["_line"].to_pylist() == [2]
    [reject] = result.rejects.to_pylist()
    assert reject["file"] == f"{table}.csv"
    assert (reject["line"], reject["column"], reject["reason"]) == (3, column, reason.value)
    assert reject["value"] == (change[column] or None)
    assert reject["detail"].startswith(f"{column}: ")
    assert detail in reject["detail"]
    assert reject["detail"].endswith(f" / {REJECT_REASONS_ZH[reason]}")


def test_every_reject_reason_has_a_case() -> None:
    covered = {case[3] for case in CASES} | {RejectKind.DUPLICATE_KEY}  # duplicates: below
    assert covered == set(RejectKind)


def test_good_rows_are_typed(tmp_path: Path) -> None:
    spellings = ["true", "false", "1", "0", "Y", "N"]
    result = run(
        tmp_path,
        "transactions",
        *(
            {"txn_id": f"T{i}", "customer_initiated": s, "amount": a, "booked_at": b}
            for i, (s, a, b) in enumerate(
                zip(
                    spellings,
                    ["-50.5", "0", "12345678901234.99", "-0.01", "007.10", "3"],
                    ["2024-01-15T10:00:00", "2024-01-15 10:00:01"] * 3,
                    strict=True,
                )
            )
        ),
    )
    assert result.rejected_count == 0
    accepted = result.accepted
    assert accepted.column_names == [*TABLES["transactions"].column_names, "_line"]
    assert accepted["customer_initiated"].to_pylist() == [True, False, True, False, True, False]
    assert accepted["amount"].type == pa.decimal128(18, 2)
    assert accepted["amount"].to_pylist() == [
        Decimal("-50.50"), Decimal("0.00"), Decimal("12345678901234.99"), Decimal("-0.01"),
        Decimal("7.10"), Decimal("3.00"),
    ]  # fmt: skip
    assert accepted["booked_at"].type == pa.timestamp("s")
    assert accepted["booked_at"].to_pylist()[:2] == [
        datetime(2024, 1, 15, 10, 0, 0),
        datetime(2024, 1, 15, 10, 0, 1),
    ]
    assert accepted["memo"].to_pylist() == [None] * 6
    assert accepted["_line"].to_pylist() == [2, 3, 4, 5, 6, 7]


def test_dates_and_default_currency(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "accounts",
        {"account_id": "A1", "maturity_on": "2025-01-01"},
        {"account_id": "A2", "currency": "USD", "closed_on": "2020-01-01"},  # same day: fine
    )
    assert result.rejected_count == 0
    assert result.accepted["currency"].to_pylist() == ["CNY", "USD"]
    assert result.accepted["opened_on"].type == pa.date32()
    assert result.accepted["maturity_on"].to_pylist() == [date(2025, 1, 1), None]
    assert result.accepted["closed_on"].to_pylist() == [None, date(2020, 1, 1)]


def test_customers_without_optional_fields_are_accepted(tmp_path: Path) -> None:
    passport = {"id_type": "passport", "id_number": "E12345678", "customer_id": "C2"}
    empty = {"gender": "", "birth_date": "", "phone": "", "region_code": "", "risk_level": ""}
    result = run(tmp_path, "customers", {"phone": "010-12345678"}, {**passport, **empty})
    assert result.rejected_count == 0
    assert result.accepted["gender"].to_pylist() == ["F", None]
    assert result.accepted["birth_date"].to_pylist() == [date(1949, 12, 31), None]
    assert result.accepted["marketing_consent"].to_pylist() == [True, True]


def test_a_row_failing_several_rules_is_rejected_once(tmp_path: Path) -> None:
    bad = {"name": "", "phone": "123", "customer_type": "person", "gender": "M"}
    result = run(tmp_path, "customers", bad, {"customer_id": "C2"})
    assert (result.read, result.accepted_count, result.rejected_count) == (2, 1, 1)
    reasons = {(r["column"], r["reason"]) for r in result.rejects.to_pylist()}
    assert reasons == {
        ("name", "missing_value"),
        ("customer_type", "bad_enum"),
        ("gender", "id_gender_mismatch"),
        ("phone", "bad_phone"),
    }
    assert set(result.rejects["line"].to_pylist()) == {2}


def test_duplicate_keys_keep_the_first_line(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "balances",
        {"balance": "1.234"},  # line 2: rejected itself, still the first with its key
        {"account_id": "LOAN1"},  # line 3
        {},  # line 4: repeats line 2
        {"account_id": "LOAN1", "balance": "-5"},  # line 5: repeats line 3
        {"as_of": "2024-02-29"},  # line 6: another month, no repeat
        {},  # line 7: repeats line 2
    )
    assert (result.read, result.accepted_count, result.rejected_count) == (6, 2, 4)
    assert result.accepted["_line"].to_pylist() == [3, 6]
    duplicates = [r for r in result.rejects.to_pylist() if r["reason"] == "duplicate_key"]
    assert [(r["line"], r["column"], r["value"]) for r in duplicates] == [
        (4, "as_of+account_id", "2024-01-31+A1"),
        (5, "as_of+account_id", "2024-01-31+LOAN1"),
        (7, "as_of+account_id", "2024-01-31+A1"),
    ]
    assert "first seen on line 2" in duplicates[0]["detail"]
    assert "first seen on line 3" in duplicates[1]["detail"]
    assert "first seen on line 2" in duplicates[2]["detail"]


def test_a_liability_may_be_negative_and_unknown_accounts_are_not_checked(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "balances",
        {"account_id": "LOAN1", "balance": "-300000.00"},
        {"account_id": "A1", "balance": "-1"},
        lookups=Lookups(keys=LOOKUPS.keys, accounts=None),
    )
    assert result.rejected_count == 0
    assert result.accepted["balance"].to_pylist() == [Decimal("-300000.00"), Decimal("-1.00")]


def test_booked_on_the_opening_day_is_fine(tmp_path: Path) -> None:
    result = run(tmp_path, "transactions", {"booked_at": "2020-01-01T00:00:00"})
    assert result.rejected_count == 0


def test_references_without_known_keys_are_unknown(tmp_path: Path) -> None:
    result = run(tmp_path, "assignments", {}, lookups=Lookups(keys={}))
    assert result.rejected_count == 1
    columns = sorted(r["column"] for r in result.rejects.to_pylist())
    assert columns == ["customer_id", "employee_id"]


def test_self_referencing_branches(tmp_path: Path) -> None:
    rows = [
        {"branch_id": "B1", "parent_id": ""},  # line 2: head office
        {"branch_id": "B2", "parent_id": "B1", "level": "branch"},  # 3
        {"branch_id": "B3", "parent_id": "B2", "level": "sub_branch"},  # 4
        {"branch_id": "B4", "parent_id": "BX", "level": "branch"},  # 5: BX is nowhere
        {"branch_id": "B5", "parent_id": "B4", "level": "sub_branch"},  # 6: parent rejected
        {"branch_id": "B6", "parent_id": "B5", "level": "outlet"},  # 7: grandparent rejected
        {"branch_id": "B7", "parent_id": "B8", "level": "sub_branch"},  # 8: parent further down
        {"branch_id": "B8", "parent_id": "B0", "level": "branch"},  # 9: B0 is in the store
        {"branch_id": "B9", "parent_id": "BY", "level": "city"},  # 10: bad level too
        {"branch_id": "BA", "parent_id": "B9", "level": "outlet"},  # 11: parent rejected
    ]
    result = run(tmp_path, "branches", *rows)
    assert result.accepted["branch_id"].to_pylist() == ["B1", "B2", "B3", "B7", "B8"]
    unknown = [
        (r["line"], r["value"])
        for r in result.rejects.to_pylist()
        if r["reason"] == "unknown_reference"
    ]
    assert unknown == [(5, "BX"), (6, "B4"), (7, "B5"), (10, "BY"), (11, "B9")]
    assert result.read == result.accepted_count + result.rejected_count == 10


def test_rejects_are_ordered_by_line(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "balances",
        {"balance": "x"},
        {"as_of": "2024-01-30", "account_id": "A9"},
        {"account_id": "LOAN1", "as_of": "2024-13-31"},
    )
    lines = result.rejects["line"].to_pylist()
    assert lines == sorted(lines) == [2, 3, 3, 4]
    assert result.rejects.schema.names == ["file", "line", "column", "value", "reason", "detail"]


def test_a_header_only_file_has_no_rows(tmp_path: Path) -> None:
    result = run(tmp_path, "customers")
    assert (result.read, result.accepted_count, result.rejected_count) == (0, 0, 0)
    assert result.accepted.num_rows == 0
    assert result.accepted.schema.field("opened_on").type == pa.date32()
    assert result.rejects.num_rows == 0
