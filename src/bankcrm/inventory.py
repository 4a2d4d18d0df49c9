"""What is loaded where: row counts of the store and the warehouse, dates, last import."""

from __future__ import annotations

from typing import Any

import duckdb
from sqlalchemy import func, inspect, select

from bankcrm.config import Settings
from bankcrm.store.db import make_engine
from bankcrm.store.models import STORE_TABLES, ImportRun
from bankcrm.warehouse.engines import TABLES as WAREHOUSE_TABLES
from bankcrm.warehouse.layout import Warehouse


def inventory(settings: Settings) -> dict[str, Any]:
    """Counts per table (store and warehouse), the date range of the history, the last import."""
    engine = make_engine(settings.store_url)
    warehouse = Warehouse(settings.warehouse_path)
    present = set(inspect(engine).get_table_names())
    tables: dict[str, dict[str, int | None]] = {}
    last_import = None
    with engine.connect() as conn:
        for name in dict.fromkeys([*STORE_TABLES, *WAREHOUSE_TABLES]):
            model = STORE_TABLES.get(name)
            store_rows = (
                conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()
                if model is not None and name in present
                else None
            )
            tables[name] = {"store": store_rows, "warehouse": None}
        if "import_runs" in present:
            run = conn.execute(
                select(ImportRun.id, ImportRun.finished_at, ImportRun.status, ImportRun.source)
                .order_by(ImportRun.id.desc())
                .limit(1)
            ).first()
            if run is not None:
                last_import = f"#{run.id} {run.status} {run.finished_at} from {run.source}"
    dates: dict[str, str] = {}
    with duckdb.connect() as con:
        for name in WAREHOUSE_TABLES:
            if warehouse.exists(name):
                count = con.sql(f"SELECT count(*) FROM {warehouse.scan(name)}").fetchall()[0][0]
                tables[name]["warehouse"] = int(count)
        if warehouse.exists("balances"):
            low, high = con.sql(
                f"SELECT min(as_of), max(as_of) FROM {warehouse.scan('balances')}"
            ).fetchall()[0]
            dates["balances month-ends"] = f"{low} … {high}"
        if warehouse.exists("transactions"):
            low, high = con.sql(
                f"SELECT min(booked_at), max(booked_at) FROM {warehouse.scan('transactions')}"
            ).fetchall()[0]
            dates["transactions booked"] = f"{low} … {high}"
    return {
        "store_url": settings.store_url_safe,
        "warehouse": str(warehouse.root),
        "tables": tables,
        "dates": dates,
        "last_import": last_import,
    }
