"""The importer end to end, on SQLite and PostgreSQL: conservation, idempotence, incremental
loads, atomicity under injected failures, rejects that match the injected defects exactly."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
from sqlalchemy import Engine, func, select

from bankcrm.domain.contract import TABLES
from bankcrm.ingest.loader import Importer
from bankcrm.store.models import STORE_TABLES, ImportChange, ImportRun
from bankcrm.warehouse.layout import Warehouse
from tests.integration.helpers import csv_rows, importer, store_snapshot, warehouse_snapshot


def _file_rows(folder: Path) -> dict[str, int]:
    return {
        name: csv_rows(folder / f"{name}.csv")
        for name in TABLES
        if (folder / f"{name}.csv").exists()
    }


def test_clean_extract_loads_every_row(store: Engine, small_extract: Path, tmp_path: Path) -> None:
    report = importer(store, tmp_path).run(small_extract, rejects_path=tmp_path / "rejects.csv")
    expected = _file_rows(small_extract)
    assert report.ok, report.failed
    assert set(report.tables) == set(expected)
    for name, rows in expected.items():
        t = report.tables[name]
        assert (t.read, t.accepted, t.rejected) == (rows, rows, 0), name
        assert (t.inserted, t.updated, t.unchanged) == (rows, 0, 0), name
    with store.connect() as conn:
        for name, model in STORE_TABLES.items():
            count = conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()
            assert count == expected[name], name
        run = conn.execute(select(ImportRun)).one()
        assert run.status == "succeeded"
    warehouse = Warehouse(tmp_path / "warehouse")
    assert warehouse.months("balances")[0] == "2019-01"
    assert warehouse.months("customer_month") == warehouse.months("balances")
    assert csv_rows(tmp_path / "rejects.csv") == 0


def test_reimport_changes_nothing(store: Engine, small_extract: Path, tmp_path: Path) -> None:
    loader = importer(store, tmp_path)
    loader.run(small_extract)
    store_before = store_snapshot(store, exclude=("alembic_version", "import_runs"))
    warehouse_before = warehouse_snapshot(tmp_path / "warehouse")
    report = loader.run(small_extract)
    for name, t in report.tables.items():
        assert (t.inserted, t.updated, t.unchanged) == (0, 0, t.accepted), name
    assert report.customer_month_rows is None  # nothing changed, nothing rebuilt
    assert store_snapshot(store, exclude=("alembic_version", "import_runs")) == store_before
    assert warehouse_snapshot(tmp_path / "warehouse") == warehouse_before


def _split_last_month(extract: Path, first: Path, second: Path) -> str:
    """First: everything before the last month; second: the last month's balances and
    transactions only. Returns the last month as YYYY-MM."""
    shutil.copytree(extract, first)
    second.mkdir()
    balances = pacsv.read_csv(
        extract / "balances.csv",
        convert_options=pacsv.ConvertOptions(column_types={"as_of": "string"}),
    )
    last = max(balances["as_of"].to_pylist())[:7]
    for name, column in (("balances", "as_of"), ("transactions", "booked_at")):
        with (extract / f"{name}.csv").open(encoding="utf-8") as f:
            header, *rows = list(csv.reader(f))
        index = header.index(column)
        late = [r for r in rows if r[index].startswith(last)]
        early = [r for r in rows if not r[index].startswith(last)]
        for folder, part in ((first, early), (second, late)):
            with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
                csv.writer(f, lineterminator="\n").writerows([header, *part])
    return last


def test_incremental_month_appends_and_changes_are_recorded(
    store: Engine, small_extract: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    last = _split_last_month(small_extract, first, second)
    loader = importer(store, tmp_path)
    loader.run(first)
    assert last not in Warehouse(tmp_path / "warehouse").months("customer_month")
    # The second extract also carries one customer whose phone changed.
    with (small_extract / "customers.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, changed = rows[0], rows[1]
    old_phone = changed[header.index("phone")]
    changed[header.index("phone")] = "13900000000" if old_phone != "13900000000" else "13800000000"
    with (second / "customers.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([header, changed])
    report = loader.run(second)
    assert report.ok
    assert report.tables["customers"].updated == 1
    new_balances = csv_rows(second / "balances.csv")
    assert (report.tables["balances"].inserted, report.tables["balances"].unchanged) == (
        new_balances,
        0,
    )
    assert last in Warehouse(tmp_path / "warehouse").months("customer_month")
    with store.connect() as conn:
        change = conn.execute(select(ImportChange)).one()
        assert (change.table_name, change.column_name) == ("customers", "phone")
        assert (change.old_value or "", change.new_value) == (
            old_phone,
            changed[header.index("phone")],
        )
        assert change.run_id == report.run_id
        latest = conn.execute(
            select(func.max(STORE_TABLES["accounts"].__table__.c.balance_as_of))
        ).scalar_one()
        assert str(latest)[:7] == last


FAULT_POINTS = [
    "customers:validated",
    "customers:store_written",
    "customers:staged",
    "customers:published",
    "balances:store_written",
    "balances:staged",
    "balances:published",
    "transactions:published",
]


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_failure_midway_leaves_store_and_warehouse_as_before(
    store: Engine, small_extract: Path, tmp_path: Path, point: str
) -> None:
    first, split = tmp_path / "first", tmp_path / "split"
    _split_last_month(small_extract, first, split)
    importer(store, tmp_path).run(first)
    store_before = store_snapshot(store, exclude=("alembic_version", "import_runs"))
    warehouse_before = warehouse_snapshot(tmp_path / "warehouse")
    table = point.split(":", maxsplit=1)[0]
    second = tmp_path / "second"
    second.mkdir()
    if table == "customers":  # every customer's consent flips: updates to lose
        rows = list(csv.reader((first / "customers.csv").open(encoding="utf-8")))
        flip = rows[0].index("marketing_consent")
        for row in rows[1:]:
            row[flip] = "false" if row[flip] == "true" else "true"
        with (second / "customers.csv").open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
    else:  # the new month's rows: inserts to lose
        shutil.copy(split / f"{table}.csv", second / f"{table}.csv")

    def fault(at: str) -> None:
        if at == point:
            raise RuntimeError(f"injected failure at {at}")

    report = Importer(store, Warehouse(tmp_path / "warehouse"), fault=fault).run(second)
    assert not report.ok
    assert "injected failure" in report.failed[f"{table}.csv"]
    assert store_snapshot(store, exclude=("alembic_version", "import_runs")) == store_before
    assert warehouse_snapshot(tmp_path / "warehouse") == warehouse_before
    with store.connect() as conn:
        run = conn.execute(select(ImportRun).where(ImportRun.id == report.run_id)).one()
        assert run.status == "failed"
    # Once the fault is gone the same import succeeds: nothing was half-applied.
    retry = importer(store, tmp_path).run(second)
    assert retry.ok
    assert retry.tables[table].inserted + retry.tables[table].updated == retry.tables[table].read


def _tier_counts(root: Path) -> dict[str, int]:
    import duckdb  # noqa: PLC0415

    paths = Warehouse(root / "warehouse").paths("customer_month")
    with duckdb.connect() as con:
        return dict(
            con.sql(f"SELECT tier, count(*) FROM read_parquet({paths!r}) GROUP BY tier").fetchall()
        )


def test_changed_tier_settings_regrade_on_the_next_import(
    store: Engine, small_extract: Path, tmp_path: Path
) -> None:
    from decimal import Decimal  # noqa: PLC0415

    from bankcrm.domain.tiers import TierLadder  # noqa: PLC0415

    importer(store, tmp_path).run(small_extract)
    before = _tier_counts(tmp_path)
    lower = TierLadder(gold=Decimal(1_000))  # far more customers reach gold
    report = Importer(store, Warehouse(tmp_path / "warehouse"), ladder=lower).run(small_extract)
    assert report.customer_month_rows == sum(before.values())  # rebuilt, same customer-months
    after = _tier_counts(tmp_path)
    assert after["standard"] < before["standard"]
    assert sum(after.values()) == sum(before.values())


def test_customer_day_is_the_initiated_activity_per_customer_and_day(
    store: Engine, small_extract: Path, tmp_path: Path
) -> None:
    import duckdb  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    report = importer(store, tmp_path).run(small_extract)
    assert report.ok, report.failed
    txns = pd.read_csv(small_extract / "transactions.csv", dtype=str)
    owners = pd.read_csv(small_extract / "accounts.csv", dtype=str)[["account_id", "customer_id"]]
    mine = txns[txns["customer_initiated"] == "true"].merge(owners, on="account_id")
    mine["day"] = mine["booked_at"].str[:10]
    mine["amount"] = mine["amount"].astype(float).abs()
    expected = mine.groupby(["customer_id", "day"]).agg(
        amount=("amount", "sum"), transactions=("txn_id", "size")
    )
    paths = Warehouse(tmp_path / "warehouse").paths("customer_day")
    with duckdb.connect() as con:
        got = con.sql(
            "SELECT customer_id, strftime(day, '%Y-%m-%d') AS day, amount, transactions"
            f" FROM read_parquet({paths!r})"
        ).df()
    got = got.set_index(["customer_id", "day"]).sort_index()
    assert report.customer_day_rows == len(expected) == len(got) > 0
    assert (got.index == expected.index).all()
    assert (got["transactions"].to_numpy() == expected["transactions"].to_numpy()).all()
    assert abs(got["amount"] - expected["amount"]).max() < 1e-6
    # One file per month of the day, as the layout promises.
    assert {Path(p).parent.name for p in paths} == {
        f"month={d[:7]}" for d in expected.index.get_level_values("day")
    }


def test_failed_customer_day_rebuild_keeps_the_old_table_and_says_why(
    store: Engine, small_extract: Path, tmp_path: Path
) -> None:
    first, split = tmp_path / "first", tmp_path / "split"
    _split_last_month(small_extract, first, split)
    importer(store, tmp_path).run(first)
    before = warehouse_snapshot(tmp_path / "warehouse" / "customer_day")
    second = tmp_path / "second"
    second.mkdir()
    shutil.copy(split / "transactions.csv", second / "transactions.csv")

    def fault(at: str) -> None:
        if at == "customer_day:staged":
            raise RuntimeError("injected failure")

    loader = Importer(store, Warehouse(tmp_path / "warehouse"), fault=fault)
    report = loader.run(second)
    assert "injected failure" in report.failed["customer_day"]
    assert report.tables["transactions"].inserted > 0  # the file itself is loaded
    assert warehouse_snapshot(tmp_path / "warehouse" / "customer_day") == before
    assert importer(store, tmp_path).rebuild_customer_day() > 0  # `warehouse rebuild` mends it
    assert warehouse_snapshot(tmp_path / "warehouse" / "customer_day") != before
