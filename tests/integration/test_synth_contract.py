"""A generated extract obeys EXTRACT_FORMAT.md, checked independently of the generator: the
files are read back as text (``csv``) or with DuckDB, and every rule is re-stated here from the
contract (``bankcrm.domain.contract``) and the domain's scalar checks."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bankcrm.domain.contract import TABLES, Kind
from bankcrm.domain.enums import ASSET_PRODUCT_TYPES, CustomerType, IdType, ProductType
from bankcrm.domain.identity import (
    is_valid_credit_code,
    is_valid_phone,
    is_valid_region_code,
    parse_resident_id,
)
from bankcrm.synth import SynthOptions, generate

pytestmark = pytest.mark.xdist_group("synth_contract")
CUSTOMERS = 1500
ASSETS = ", ".join(f"'{t}'" for t in ASSET_PRODUCT_TYPES)
TEXT_PATTERNS = {
    Kind.DATE: r"^\d{4}-\d{2}-\d{2}$",
    Kind.DATETIME: r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$",
    Kind.MONEY: r"^-?\d+\.\d{2}$",  # the generator always writes exactly two decimals
    Kind.BOOL: r"^(true|false)$",
    Kind.REGION_CODE: r"^\d{6}$",
    Kind.CURRENCY: r"^[A-Z]{3}$",
}


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "csv"
    generate(out, SynthOptions(customers=CUSTOMERS, seed=7))
    return out


@pytest.fixture(scope="module")
def db(extract: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Every table as text, plus typed copies ``t_<table>`` with the types DuckDB infers."""
    con = duckdb.connect()
    for name in TABLES:
        path = extract / f"{name}.csv"
        text = f"read_csv('{path}', all_varchar = true, header = true)"
        con.execute(f"create table {name} as select * from {text}")
        con.execute(f"create table t_{name} as select * from read_csv('{path}', header = true)")
    yield con
    con.close()


def rows(db: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return db.sql(sql).fetchall()


def count(db: duckdb.DuckDBPyConnection, sql: str) -> int:
    value = db.sql(sql).fetchall()[0][0]
    assert isinstance(value, int)
    return value


def test_every_file_has_exactly_the_contract_columns(extract: Path) -> None:
    for name, spec in TABLES.items():
        with (extract / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            assert next(csv.reader(f)) == list(spec.column_names), name
    for truth in ("scenario.json", "contacts.csv", "defects.csv"):
        assert (extract / "_truth" / truth).is_file()


def test_values_are_written_in_the_contract_text_formats(db: duckdb.DuckDBPyConnection) -> None:
    for name, spec in TABLES.items():
        for column in spec.columns:
            c = column.name
            where = f"from {name} where {c} is not null"
            if not column.nullable:
                assert count(db, f"select count(*) from {name} where {c} is null") == 0, (name, c)
            if column.kind in TEXT_PATTERNS:
                pattern = TEXT_PATTERNS[column.kind]
                bad = f"select {c} {where} and not regexp_full_match({c}, '{pattern}') limit 3"
                assert rows(db, bad) == [], (name, c)
            if column.kind is Kind.DATE:
                assert count(db, f"select count(*) {where} and try_cast({c} as date) is null") == 0
            if column.kind is Kind.ENUM:
                allowed = ", ".join(f"'{v}'" for v in column.values)
                bad = f"select distinct {c} {where} and {c} not in ({allowed})"
                assert rows(db, bad) == [], (name, c)
            if column.kind is Kind.REGION_CODE:
                codes = [str(r[0]) for r in rows(db, f"select distinct {c} {where}")]
                assert all(is_valid_region_code(code) for code in codes)


def test_keys_are_unique_and_references_resolve(db: duckdb.DuckDBPyConnection) -> None:
    for name, spec in TABLES.items():
        key = ", ".join(spec.key)
        assert count(db, f"select count(*) - count(distinct ({key})) from {name}") == 0, name
        for column in spec.columns:
            if column.references:
                parent, parent_key = column.references.split(".")
                dangling = (
                    f"select count(*) from {name} where {column.name} is not null"
                    f" and {column.name} not in (select {parent_key} from {parent})"
                )
                assert count(db, dangling) == 0, (name, column.name)


def test_no_two_customers_share_an_identity_number(extract: Path) -> None:
    """Real ID numbers are unique; a shared one would show as a false possible duplicate."""
    from bankcrm.synth import SynthOptions, generate  # noqa: PLC0415

    # Many customers per region and birth date, so random sequence numbers would collide.
    crowded = extract.parent / "crowded"
    generate(crowded, SynthOptions(customers=20_000, start="2020-11", end="2020-12", seed=11))
    with duckdb.connect() as con:
        total, distinct = con.sql(
            f"select count(*), count(distinct id_number) "
            f"from read_csv('{crowded / 'customers.csv'}', all_varchar=true)"
        ).fetchall()[0]
    assert total == distinct == 20_000


def test_periods_end_after_they_start(db: duckdb.DuckDBPyConnection) -> None:
    for name, spec in TABLES.items():
        for start, end in spec.periods:
            assert count(db, f"select count(*) from t_{name} where {end} < {start}") == 0


def test_identity_numbers_and_phones_are_valid_and_agree_with_the_row(extract: Path) -> None:
    with (extract / "customers.csv").open(encoding="utf-8", newline="") as f:
        customers = list(csv.DictReader(f))
    assert len(customers) == CUSTOMERS
    kinds = {c["customer_type"] for c in customers}
    assert kinds == {str(CustomerType.INDIVIDUAL), str(CustomerType.CORPORATE)}
    corporate = [c for c in customers if c["customer_type"] == CustomerType.CORPORATE]
    assert 0.01 < len(corporate) / len(customers) < 0.08  # "a few percent"
    for c in customers:
        if c["phone"]:
            assert is_valid_phone(c["phone"]), c["phone"]
        if c["customer_type"] == CustomerType.CORPORATE:
            assert c["id_type"] == IdType.UNIFIED_SOCIAL_CREDIT_CODE
            assert is_valid_credit_code(c["id_number"]), c["id_number"]
            assert c["gender"] == ""
            assert c["birth_date"] == ""
            continue
        assert c["gender"] in ("M", "F")
        assert c["birth_date"]
        if c["id_type"] == IdType.RESIDENT_ID:
            decoded = parse_resident_id(c["id_number"])
            assert decoded is not None, c["id_number"]
            assert decoded.birth_date.isoformat() == c["birth_date"]
            assert decoded.gender == c["gender"]
            assert decoded.region_code == c["region_code"]
    assert sum(c["id_type"] == IdType.RESIDENT_ID for c in customers) > 0.9 * len(customers)
    consenting = sum(c["marketing_consent"] == "true" for c in customers) / len(customers)
    assert 0.6 < consenting < 0.98  # most, not all


def test_branch_tree_is_one_city_branch_with_its_outlets(db: duckdb.DuckDBPyConnection) -> None:
    levels = {
        str(k): int(str(v)) for k, v in rows(db, "select level, count(*) from branches group by 1")
    }
    assert levels["head_office"] == 1
    assert levels["branch"] == 1
    assert 6 <= levels["sub_branch"] + levels["outlet"] <= 10
    orphans = "select count(*) from branches where (parent_id is null) <> (level = 'head_office')"
    assert count(db, orphans) == 0
    reach = """
        with recursive up(branch_id, above, steps) as (
            select branch_id, parent_id, 1 from branches where parent_id is not null
            union all
            select up.branch_id, b.parent_id, steps + 1
            from up join branches b on b.branch_id = up.above
            where b.parent_id is not null and steps < 10)
        select count(distinct branch_id) from up
        where above = (select branch_id from branches where level = 'head_office')"""
    assert count(db, reach) == count(db, "select count(*) from branches") - 1
    local = "select distinct substr(region_code, 1, 4) from branches where level <> 'head_office'"
    assert rows(db, local) == [("3605",)]
    unmanaged = """
        select count(*) from branches b where level in ('sub_branch', 'outlet') and not exists
            (select 1 from employees e
             where e.branch_id = b.branch_id and e.role = 'branch_manager')"""
    assert count(db, unmanaged) == 0
    roles = {r for (r,) in rows(db, "select distinct role from employees")}
    assert roles == {"relationship_manager", "teller", "branch_manager", "analyst", "admin"}


def test_products_cover_every_type_and_term_products_mature(
    db: duckdb.DuckDBPyConnection,
) -> None:
    every_type = {str(t) for t in ProductType}
    assert {t for (t,) in rows(db, "select distinct product_type from products")} == every_type
    held = "select distinct product_type from accounts join products using (product_code)"
    assert {t for (t,) in rows(db, held)} == every_type
    names = [str(n) for (n,) in rows(db, "select name from products")]
    assert all(re.search(r"[\u4e00-\u9fff]", n) for n in names)
    no_maturity = """
        select count(*) from accounts join products using (product_code)
        where product_type in ('time_deposit', 'large_cd', 'wealth_management')
          and maturity_on is null"""
    assert count(db, no_maturity) == 0


def test_customers_open_before_their_accounts_and_close_after_them(
    db: duckdb.DuckDBPyConnection,
) -> None:
    joined = "from t_accounts a join t_customers c using (customer_id)"
    assert count(db, f"select count(*) {joined} where a.opened_on < c.opened_on") == 0
    late = f"""select count(*) {joined} where c.closed_on is not null
               and (a.closed_on is null or a.closed_on > c.closed_on)"""
    assert count(db, late) == 0
    first_account = """
        select count(*) from t_customers c
        where c.opened_on <> (select min(opened_on) from t_accounts a
                              where a.customer_id = c.customer_id)"""
    assert count(db, first_account) == 0


def test_balances_are_one_row_per_open_account_per_month_end(
    db: duckdb.DuckDBPyConnection,
) -> None:
    expected = """
        select last_day(m::date) as_of, account_id from t_accounts,
            generate_series(date '2015-01-01', date '2020-12-01', interval 1 month) s(m)
        where opened_on <= last_day(m::date)
          and (closed_on is null or closed_on > last_day(m::date))"""
    actual = "select as_of, account_id from t_balances"
    assert count(db, f"select count(*) from (({expected}) except all ({actual}))") == 0
    assert count(db, f"select count(*) from (({actual}) except all ({expected}))") == 0
    assert count(db, "select count(*) from t_balances where as_of <> last_day(as_of)") == 0
    negative_asset = f"""
        select count(*) from t_balances join t_accounts using (account_id)
        join products using (product_code)
        where product_type in ({ASSETS}) and balance < 0"""
    assert count(db, negative_asset) == 0
    assert count(db, "select count(*) from t_balances where balance < 0") == 0  # loans too


def test_transactions_fall_inside_their_accounts_life_and_the_range(
    db: duckdb.DuckDBPyConnection,
) -> None:
    outside = """
        select count(*) from t_transactions t join t_accounts a using (account_id)
        where t.booked_at::date < a.opened_on
           or t.booked_at::date > coalesce(a.closed_on, date '2020-12-31')
           or t.booked_at < timestamp '2015-01-01' or t.booked_at >= timestamp '2021-01-01'"""
    assert count(db, outside) == 0
    assert 40 < count(db, "select count(*) from transactions") / CUSTOMERS < 110
    batch_initiated = """
        select count(*) from transactions where customer_initiated = 'true'
          and (channel = 'batch' or counterparty_type = 'salary'
               or memo in ('结息', '代发工资', '养老金'))"""
    assert count(db, batch_initiated) == 0
    payments = """
        select distinct counterparty_name from transactions
        where counterparty_type = 'third_party_payment'"""
    names = {str(n) for (n,) in rows(db, payments)}
    assert any("支付宝" in n for n in names)
    assert any("财付通" in n for n in names)
    channels = {c for (c,) in rows(db, "select distinct channel from transactions")}
    assert {"counter", "atm", "mobile_banking", "third_party", "pos", "batch"} <= channels


def test_assignments_are_a_history_of_relationship_managers(
    db: duckdb.DuckDBPyConnection,
) -> None:
    wrong_role = """
        select count(*) from assignments a join employees e using (employee_id)
        where e.role <> 'relationship_manager'"""
    assert count(db, wrong_role) == 0
    overlapping = """
        select count(*) from t_assignments a join t_assignments b
            on a.customer_id = b.customer_id and a.start_on < b.start_on
        where a.end_on is null or a.end_on > b.start_on"""
    assert count(db, overlapping) == 0
    outside_tenure = """
        select count(*) from t_assignments a join t_employees e using (employee_id)
        where a.start_on < e.hired_on
           or coalesce(a.end_on, date '9999-12-31') > coalesce(e.left_on, date '9999-12-31')"""
    assert count(db, outside_tenure) == 0
    moved = (
        "select count(*) from (select customer_id from assignments group by 1 having count(*) > 1)"
    )
    assert count(db, moved) > 0


def file_digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(
    ("file_format", "dirty"), [("csv", 0.0), ("parquet", 0.0), ("csv", 0.05), ("parquet", 0.05)]
)
def test_same_seed_same_bytes_other_seed_other_bytes(
    tmp_path: Path, file_format: Literal["csv", "parquet"], dirty: float
) -> None:
    options = SynthOptions(customers=300, seed=11, format=file_format, dirty=dirty)
    generate(tmp_path / "a", options)
    generate(tmp_path / "b", options)
    first, second = file_digests(tmp_path / "a"), file_digests(tmp_path / "b")
    assert len(first) == len(TABLES) + 3
    assert first == second
    generate(tmp_path / "c", replace(options, seed=12))
    other = file_digests(tmp_path / "c")
    changed = {name for name in first if first[name] != other[name]}
    assert changed >= {f"{t}.{file_format}" for t in TABLES if t not in ("branches", "products")}


def test_parquet_columns_are_typed_when_clean(tmp_path: Path) -> None:
    generate(tmp_path, SynthOptions(customers=200, seed=3, format="parquet"))
    expected = {
        Kind.DATE: pa.date32(),
        Kind.BOOL: pa.bool_(),
        Kind.MONEY: pa.decimal128(18, 2),
        Kind.TEXT: pa.string(),
        Kind.ENUM: pa.string(),
        Kind.REGION_CODE: pa.string(),
        Kind.CURRENCY: pa.string(),
    }
    for name, spec in TABLES.items():
        schema = pq.read_schema(tmp_path / f"{name}.parquet")
        assert schema.names == list(spec.column_names)
        for column in spec.columns:
            arrow_type = schema.field(column.name).type
            if column.kind is Kind.DATETIME:  # Parquet has no seconds unit: read back as ms
                assert pa.types.is_timestamp(arrow_type)
                assert arrow_type.tz is None
            else:
                assert arrow_type == expected[column.kind], (name, column.name)
    with duckdb.connect() as con:
        total = con.sql(f"select sum(balance) from '{tmp_path}/balances.parquet'").fetchall()[0][0]
    assert total > 0
