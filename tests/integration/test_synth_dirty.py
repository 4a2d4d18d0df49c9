"""``--dirty``: every reject kind is injected, each listed line really carries exactly the
listed defect and nothing else does, and removing the listed lines gives back the clean extract.

The rules are re-implemented here, row by row in plain Python, from the brief the importer
follows (EXTRACT_FORMAT.md and ``bankcrm.domain``), so the test checks the generator against an
independent reading of the contract rather than against itself.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bankcrm.domain.contract import FALSE_TEXTS, TABLES, TRUE_TEXTS, Kind, RejectKind
from bankcrm.domain.enums import ASSET_PRODUCT_TYPES, IdType
from bankcrm.domain.identity import (
    is_valid_credit_code,
    is_valid_phone,
    is_valid_region_code,
    parse_resident_id,
)
from bankcrm.synth import SynthOptions, generate

pytestmark = pytest.mark.xdist_group("synth_dirty")
CLEAN = SynthOptions(customers=800, seed=5)
RATE = 0.02
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
MONEY = re.compile(r"-?\d+(\.\d{1,2})?")
CURRENCY = re.compile(r"[A-Z]{3}")
Problems = set[tuple[str, str]]


def parse_date(text: str | None) -> date | None:
    if text is None or not DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_datetime(text: str | None) -> datetime | None:
    if text is None or not DATETIME.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


VALID_TEXT = {
    Kind.ENUM: (RejectKind.BAD_ENUM, None),
    Kind.DATE: (RejectKind.BAD_DATE, lambda v: parse_date(v) is not None),
    Kind.DATETIME: (RejectKind.BAD_DATETIME, lambda v: parse_datetime(v) is not None),
    Kind.BOOL: (RejectKind.BAD_BOOL, (TRUE_TEXTS | FALSE_TEXTS).__contains__),
    Kind.MONEY: (RejectKind.BAD_MONEY, lambda v: MONEY.fullmatch(v) is not None),
    Kind.REGION_CODE: (RejectKind.BAD_REGION_CODE, is_valid_region_code),
    Kind.CURRENCY: (RejectKind.BAD_CURRENCY, lambda v: CURRENCY.fullmatch(v) is not None),
}


def value_problems(table: str, row: dict[str, str | None]) -> Problems:
    """Violations of the per-value rules (presence, formats, enumerations, periods)."""
    problems: Problems = set()
    for column in TABLES[table].columns:
        value = row[column.name]
        if value is None:
            if not column.nullable:
                problems.add((column.name, RejectKind.MISSING_VALUE))
        elif column.kind in VALID_TEXT:
            kind, check = VALID_TEXT[column.kind]
            valid = value in column.values if check is None else check(value)
            if not valid:
                problems.add((column.name, kind))
    for start, end in TABLES[table].periods:
        s, e = parse_date(row[start]), parse_date(row[end])
        if s and e and e < s:
            problems.add((end, RejectKind.END_BEFORE_START))
    return problems


def identity_problems(row: dict[str, str | None]) -> Problems:
    problems: Problems = set()
    number = row["id_number"] or ""
    if row["id_type"] == IdType.RESIDENT_ID:
        decoded = parse_resident_id(number)
        if decoded is None:
            problems.add(("id_number", RejectKind.BAD_RESIDENT_ID))
        else:
            born = parse_date(row["birth_date"])
            if born is not None and born != decoded.birth_date:
                problems.add(("birth_date", RejectKind.ID_BIRTH_DATE_MISMATCH))
            if row["gender"] is not None and row["gender"] != decoded.gender:
                problems.add(("gender", RejectKind.ID_GENDER_MISMATCH))
    if row["id_type"] == IdType.UNIFIED_SOCIAL_CREDIT_CODE and not is_valid_credit_code(number):
        problems.add(("id_number", RejectKind.BAD_CREDIT_CODE))
    if row["phone"] is not None and not is_valid_phone(row["phone"]):
        problems.add(("phone", RejectKind.BAD_PHONE))
    return problems


def read(path: Path) -> list[dict[str, str | None]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: (v if v != "" else None) for k, v in r.items()} for r in csv.DictReader(f)]


Accepted = dict[str, dict[tuple[str | None, ...], dict[str, str | None]]]


def relational_problems(table: str, row: dict[str, str | None], accepted: Accepted) -> Problems:
    """References to accepted rows, month-ends, asset balances, bookings before opening."""
    problems: Problems = set()
    for column in TABLES[table].columns:
        if column.references and row[column.name] is not None:
            parent = column.references.split(".")[0]
            if (row[column.name],) not in accepted[parent]:
                problems.add((column.name, RejectKind.UNKNOWN_REFERENCE))
    account = accepted.get("accounts", {}).get((row.get("account_id"),))
    if account is None:
        return problems
    if table == "balances":
        as_of, balance = parse_date(row["as_of"]), row["balance"] or ""
        if as_of is not None and (as_of + timedelta(days=1)).day != 1:
            problems.add(("as_of", RejectKind.NOT_MONTH_END))
        product_type = accepted["products"][(account["product_code"],)]["product_type"]
        negative = MONEY.fullmatch(balance) is not None and float(balance) < 0
        if negative and product_type in ASSET_PRODUCT_TYPES:
            problems.add(("balance", RejectKind.NEGATIVE_ASSET_BALANCE))
    if table == "transactions":
        booked, opened = parse_datetime(row["booked_at"]), parse_date(account["opened_on"])
        if booked is not None and opened is not None and booked.date() < opened:
            problems.add(("booked_at", RejectKind.BOOKED_BEFORE_OPENED))
    return problems


def validate(root: Path) -> dict[tuple[str, int], Problems]:
    """Every row's violations, keyed by (file, line); tables in load order, references checked
    against the accepted rows of the parent (the first occurrence of a key wins)."""
    accepted: Accepted = {}
    found: dict[tuple[str, int], Problems] = {}
    for table, spec in TABLES.items():
        accepted[table] = {}
        seen: set[tuple[str | None, ...]] = set()
        for line, row in enumerate(read(root / f"{table}.csv"), start=2):
            problems = value_problems(table, row) | relational_problems(table, row, accepted)
            if table == "customers":
                problems |= identity_problems(row)
            key = tuple(row[k] for k in spec.key)
            if key in seen:
                problems.add(("+".join(spec.key), RejectKind.DUPLICATE_KEY))
            seen.add(key)
            if problems:
                found[(f"{table}.csv", line)] = problems
            else:
                accepted[table].setdefault(key, row)
    return found


@pytest.fixture(scope="module")
def extracts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("dirty")
    generate(root / "dirty", replace(CLEAN, dirty=RATE))
    generate(root / "clean", CLEAN)
    return root / "dirty", root / "clean"


def defects(root: Path) -> list[dict[str, str]]:
    with (root / "_truth" / "defects.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_reject_kind_is_injected_and_listed_in_order(extracts: tuple[Path, Path]) -> None:
    listed = defects(extracts[0])
    assert {d["kind"] for d in listed} == {str(k) for k in RejectKind}
    keys = [(d["file"], int(d["line"])) for d in listed]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    per_file = Counter(d["file"] for d in listed)
    for name in TABLES:
        clean_rows = sum(1 for _ in (extracts[1] / f"{name}.csv").open(encoding="utf-8")) - 1
        assert per_file[f"{name}.csv"] >= round(RATE * clean_rows)  # at the rate, at least


def test_each_listed_line_has_exactly_its_defect_and_no_other_line_has_any(
    extracts: tuple[Path, Path],
) -> None:
    found = validate(extracts[0])
    listed = {(d["file"], int(d["line"])): {(d["column"], d["kind"])} for d in defects(extracts[0])}
    assert found == listed


def test_the_clean_extract_has_no_defect(extracts: tuple[Path, Path]) -> None:
    assert validate(extracts[1]) == {}
    assert defects(extracts[1]) == []


def test_removing_the_listed_lines_gives_back_the_clean_files(extracts: tuple[Path, Path]) -> None:
    dirty, clean = extracts
    listed = {(d["file"], int(d["line"])) for d in defects(dirty)}
    for name in TABLES:
        file = f"{name}.csv"
        lines = (dirty / file).read_bytes().splitlines(keepends=True)
        kept = b"".join(line for n, line in enumerate(lines, start=1) if (file, n) not in listed)
        assert kept == (clean / file).read_bytes(), file
    for truth in ("scenario.json", "contacts.csv"):
        clean_text = (
            (clean / "_truth" / truth).read_text("utf-8").replace('"dirty": 0.0', '"dirty": 0.02')
        )
        assert (dirty / "_truth" / truth).read_text("utf-8") == clean_text


def test_dirty_parquet_holds_text_with_the_same_defect_lines(
    tmp_path: Path, extracts: tuple[Path, Path]
) -> None:
    generate(tmp_path, replace(CLEAN, dirty=RATE, format="parquet"))
    listed = defects(tmp_path)
    csv_listed = defects(extracts[0])
    assert [
        (d["file"].replace(".parquet", ".csv"), d["line"], d["column"], d["kind"]) for d in listed
    ] == [(d["file"], d["line"], d["column"], d["kind"]) for d in csv_listed]
    for name in ("customers", "balances", "transactions"):
        table = pq.read_table(tmp_path / f"{name}.parquet")
        assert all(field.type == pa.string() for field in table.schema)
        injected = {int(d["line"]) - 2 for d in listed if d["file"] == f"{name}.parquet"}
        rows = [
            [("" if v is None else v) for v in row.values()]
            for i, row in enumerate(table.to_pylist())
            if i not in injected
        ]
        with (extracts[1] / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            assert rows == list(csv.reader(f))[1:]
