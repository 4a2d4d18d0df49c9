"""Import speed: rows per second of the validated import, against a raw DuckDB scan.

Baseline: DuckDB ``read_csv`` of the same files into in-memory tables, all columns as text (what
loading costs with no validation, no merge and no store). The ratio says what validation,
idempotent merging, the store and the derived customer_month cost on top.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from bankcrm.domain.contract import TABLES
from bankcrm.ingest.loader import Importer
from bankcrm.store.db import make_engine, upgrade
from bankcrm.synth import SynthOptions, generate
from bankcrm.warehouse.layout import Warehouse


def raw_scan_seconds(folder: Path) -> tuple[float, int]:
    """Seconds and rows for DuckDB to read every table file as text."""
    started = time.perf_counter()
    rows = 0
    with duckdb.connect() as con:
        for name in TABLES:
            path = folder / f"{name}.csv"
            if path.exists():
                con.execute(
                    f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', all_varchar=true)"
                )
                rows += con.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    return time.perf_counter() - started, rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=20_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        extract = root / "extract"
        generate(extract, SynthOptions(customers=args.customers, seed=1))
        engine = make_engine(f"sqlite:///{root / 'store.sqlite3'}")
        upgrade(engine)
        importer = Importer(engine, Warehouse(root / "warehouse"))
        started = time.perf_counter()
        report = importer.run(extract)
        seconds = time.perf_counter() - started
        rows = sum(t.read for t in report.tables.values())
        baseline, baseline_rows = raw_scan_seconds(extract)
        assert rows == baseline_rows, (rows, baseline_rows)
        print(f"customers: {args.customers:,}  rows: {rows:,}")
        print(
            f"validated import (SQLite store + Parquet warehouse): {seconds:.2f} s, "
            f"{rows / seconds:,.0f} rows/s"
        )
        print(f"baseline raw DuckDB read_csv: {baseline:.2f} s, {rows / baseline:,.0f} rows/s")
        print(f"ratio import / raw scan: {seconds / baseline:.1f}x")
