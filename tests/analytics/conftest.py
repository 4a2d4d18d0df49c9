"""The analytics suite runs on every engine (ibis-style): the same hand-made warehouses, loaded
through the real importer, then read by DuckDB and by Spark."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from textwrap import dedent
from typing import Any

import ibis
import pytest

from bankcrm.analytics.base import Tables
from bankcrm.ingest.loader import Importer
from bankcrm.store.db import make_engine, upgrade
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse

# A minimal valid head of each table, so a test writes only the rows it is about.
HEADERS = {
    "branches": "branch_id,name,parent_id,level,region_code",
    "employees": "employee_id,name,branch_id,role,hired_on,left_on",
    "products": "product_code,name,product_type,risk_level",
    "customers": "customer_id,customer_type,name,id_type,id_number,gender,birth_date,phone,"
    "region_code,occupation,education,branch_id,opened_on,closed_on,marketing_consent,risk_level",
    "accounts": "account_id,customer_id,product_code,opened_on,maturity_on,closed_on,currency",
    "balances": "as_of,account_id,balance",
    "transactions": "txn_id,account_id,booked_at,amount,channel,counterparty_type,"
    "counterparty_name,memo,customer_initiated",
    "channel_enrollments": "customer_id,channel,enrolled_on,cancelled_on",
    "assignments": "customer_id,employee_id,start_on,end_on",
}


def make_warehouse(root: Path, rows: dict[str, str]) -> Warehouse:
    """Write ``rows`` (table → CSV lines without the header) as an extract and import it with
    the real importer; fail loudly if any row is rejected (test data must be valid)."""
    extract = root / "extract"
    extract.mkdir(parents=True)
    for table, body in rows.items():
        text = HEADERS[table] + "\n" + dedent(body).strip() + "\n"
        (extract / f"{table}.csv").write_text(text, encoding="utf-8")
    engine = make_engine(f"sqlite:///{root / 'store.sqlite3'}")
    upgrade(engine)
    report = Importer(engine, Warehouse(root / "warehouse")).run(extract)
    assert report.ok, report.failed
    rejected = {t: r.rejected for t, r in report.tables.items() if r.rejected}
    assert not rejected, f"hand-made test data has rejected rows: {rejected}"
    engine.dispose()
    return Warehouse(root / "warehouse")


@pytest.fixture(params=["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def backend(request: pytest.FixtureRequest) -> ibis.BaseBackend:
    """A fresh Ibis backend per test: DuckDB, and Spark on the session's one Spark."""
    if request.param == "pyspark":
        spark: Any = request.getfixturevalue("spark")
        return connect("pyspark", spark)
    return connect("duckdb")


Load = Callable[[Warehouse], Tables]


@pytest.fixture
def load(backend: ibis.BaseBackend) -> Load:
    """Register a warehouse in the test's backend."""
    return lambda warehouse: Tables.load(backend, warehouse)


@pytest.fixture
def handmade(load: Load, tmp_path: Path) -> Tables:
    """The hand-made branch of ``handmade.py``, imported and loaded in the test's backend."""
    from tests.analytics.handmade import ROWS  # noqa: PLC0415

    return load(make_warehouse(tmp_path, ROWS))


def rows(table: Any) -> list[dict[str, Any]]:
    """An Ibis table's rows as dicts."""
    result: list[dict[str, Any]] = table.to_pyarrow().to_pylist()
    return result
