"""Helpers for integration tests: small extracts, snapshots of the store and warehouse."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.csv as pacsv
from sqlalchemy import Engine, MetaData, select

from bankcrm.ingest.loader import Importer
from bankcrm.warehouse.layout import Warehouse


def store_snapshot(
    engine: Engine, exclude: tuple[str, ...] = ("alembic_version",)
) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every store table, sorted, with values as text (comparable across engines)."""
    metadata = MetaData()
    metadata.reflect(engine)
    snapshot: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for name, table in sorted(metadata.tables.items()):
            if name in exclude:
                continue
            rows = conn.execute(select(table)).all()
            snapshot[name] = sorted(tuple(str(v) for v in row) for row in rows)
    return snapshot


def warehouse_snapshot(root: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file under the warehouse folder."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def importer(engine: Engine, root: Path) -> Importer:
    return Importer(engine, Warehouse(root / "warehouse"))


def csv_rows(path: Path) -> int:
    return pacsv.read_csv(path).num_rows
