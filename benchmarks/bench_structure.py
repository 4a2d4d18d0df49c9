"""The full ``analyze`` on DuckDB against (a) a straightforward pandas implementation of the
tier structure and the migration matrix and (b) a raw DuckDB ``SELECT sum(aum)`` scan of
customer_month (the practical floor). Prints both ratios and the peak memory (ru_maxrss).

``python -m benchmarks.bench_structure --customers 100000 --copies 10`` measures 1 000 000
customers: ten copies of a generated 100 000-customer branch under distinct ids. (Importing one
1 000 000-customer extract in one run needs more memory than this machine class has: the
importer holds a whole table file in memory.)
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from bankcrm.analytics.analyze import analyze
from bankcrm.analytics.base import Tables, year_ends
from bankcrm.analytics.migration import migration_for_pairs
from bankcrm.analytics.structure import structure_at_dates
from bankcrm.ingest.loader import Importer
from bankcrm.store.db import make_engine, upgrade
from bankcrm.synth import SynthOptions, generate
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse


def peak_mib() -> float:
    """Peak resident memory of this process so far, MiB (ru_maxrss is KiB on Linux)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / (1024 * 1024) if sys.platform == "darwin" else kib / 1024


def pandas_seconds(warehouse: Warehouse) -> float:
    """Tier structure at every year-end and the migration matrix between consecutive ones,
    the way an analyst would write it in pandas over the whole customer_month table."""
    started = time.perf_counter()
    cm = pd.read_parquet(
        warehouse.paths("customer_month"), columns=["as_of", "customer_id", "aum", "tier"]
    )
    cm["aum"] = cm["aum"].astype("float64")
    cm["as_of"] = pd.to_datetime(cm["as_of"])
    ends = cm.groupby(cm["as_of"].dt.year)["as_of"].max().sort_index()
    for end in ends:
        at = cm[cm["as_of"] == end]
        at.groupby("tier").agg(customers=("customer_id", "size"), aum=("aum", "sum"))
    for start, end in zip(ends.iloc[:-1], ends.iloc[1:], strict=True):
        a = cm[cm["as_of"] == start][["customer_id", "tier"]]
        b = cm[cm["as_of"] == end][["customer_id", "tier", "aum"]]
        moved = a.merge(b, on="customer_id", how="outer", suffixes=("_from", "_to"))
        moved["tier_from"] = moved["tier_from"].fillna("new")
        moved["tier_to"] = moved["tier_to"].fillna("closed")
        moved.groupby(["tier_from", "tier_to"]).agg(
            customers=("customer_id", "size"), aum=("aum", "sum")
        )
    return time.perf_counter() - started


def same_work_seconds(warehouse: Warehouse) -> float:
    """What the pandas baseline computes (tier structure at every year-end, the migration
    matrix between consecutive ones), done by bankcrm's own metric functions."""
    started = time.perf_counter()
    tables = Tables.load(connect("duckdb"), warehouse)
    ends = year_ends(tables)
    dates = list(ends.values())
    structure_at_dates(tables, dates, "tier").to_pyarrow()
    migration_for_pairs(tables, list(itertools.pairwise(dates))).to_pyarrow()
    return time.perf_counter() - started


def raw_scan_seconds(warehouse: Warehouse) -> float:
    """A bare DuckDB ``sum(aum)`` over every customer_month file."""
    started = time.perf_counter()
    with duckdb.connect() as con:
        con.sql(
            f"SELECT sum(aum) FROM read_parquet({warehouse.paths('customer_month')})"
        ).fetchall()
    return time.perf_counter() - started


def prepare(root: Path, customers: int, start: str, end: str) -> None:
    """Generate and import the extract (run in a child process, so that its memory does not
    count in the peak reported for ``analyze``)."""
    options = SynthOptions(customers=customers, start=start, end=end, seed=1, format="parquet")
    generate(root / "extract", options)
    engine = make_engine(f"sqlite:///{root / 'store.sqlite3'}")
    upgrade(engine)
    Importer(engine, Warehouse(root / "warehouse")).run(root / "extract")
    engine.dispose()


def prepare_in_child(root: Path, customers: int, start: str, end: str) -> None:
    """``prepare`` in a spawned process: its memory does not count in the peak measured after."""
    child = multiprocessing.get_context("spawn").Process(
        target=prepare, args=(root, customers, start, end)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"generating or importing failed (exit code {child.exitcode})")


# Columns holding an id that must stay distinct between copies.
ID_COLUMNS = {"customer_id", "account_id", "txn_id"}


def replicate(source: Path, target: Path, copies: int) -> None:
    """Write ``copies`` copies of the warehouse at ``source`` to ``target``, each copy's
    customer, account and transaction ids suffixed with its number, file by file."""
    with duckdb.connect() as con:
        for file in sorted(source.rglob("*.parquet")):
            out = target / file.relative_to(source)
            out.parent.mkdir(parents=True, exist_ok=True)
            rows = f"read_parquet('{file}', hive_partitioning = false)"  # no month column
            names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {rows}").fetchall()]
            if ID_COLUMNS & set(names):
                copied = (f"{n} || '-' || k AS {n}" if n in ID_COLUMNS else n for n in names)
                rows = f"(SELECT {', '.join(copied)} FROM {rows}, range({copies}) r(k))"
            con.execute(f"COPY (SELECT * FROM {rows}) TO '{out}' (FORMAT parquet)")
        for extra in source.rglob("*.json"):
            (target / extra.relative_to(source)).write_bytes(extra.read_bytes())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--start", default="2016-01")
    parser.add_argument("--end", default="2020-12")
    parser.add_argument(
        "--copies", type=int, default=1, help="Measure this many copies of the branch."
    )
    parser.add_argument(
        "--warehouse", type=Path, default=None, help="Measure this warehouse instead."
    )
    args = parser.parse_args(argv)
    if args.warehouse is not None:
        measure(Warehouse(args.warehouse), args.customers)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prepare_in_child(root, args.customers, args.start, args.end)
        warehouse = Warehouse(root / "warehouse")
        if args.copies > 1:
            replicate(root / "warehouse", root / "copies", args.copies)
            warehouse = Warehouse(root / "copies")
        measure(warehouse, args.customers * args.copies)


def measure(warehouse: Warehouse, customers: int) -> None:
    """Time ``analyze`` and the baselines on ``warehouse``; print the ratios and memory."""
    with duckdb.connect() as con:
        rows = con.execute(
            f"SELECT count(*) FROM read_parquet({warehouse.paths('customer_month')})"
        ).fetchall()[0][0]
    print(f"customers: {customers:,}  customer-month rows: {rows:,}")
    base = peak_mib()

    started = time.perf_counter()
    result = analyze(Tables.load(connect("duckdb"), warehouse))
    ours = time.perf_counter() - started
    print(
        f"analyze (DuckDB, {len(result['year_ends'])} year-ends, every family): "
        f"{ours:.2f} s, peak memory {peak_mib():,.0f} MiB (before: {base:,.0f} MiB)"
    )
    floor = raw_scan_seconds(warehouse)
    print(
        f"raw DuckDB sum(aum) scan: {floor:.2f} s   "
        f"analyze / scan = {ours / floor:.1f}x (target ≤ 3x)"
    )
    same = same_work_seconds(warehouse)
    print(f"bankcrm tier structure + migration only (the pandas baseline's work): {same:.2f} s")
    baseline = pandas_seconds(warehouse)
    print(
        f"pandas tier structure + migration: {baseline:.2f} s   "
        f"pandas / analyze = {baseline / ours:.2f}x (target ≥ 10x), "
        f"pandas / same work = {baseline / same:.1f}x; "
        f"peak memory after pandas {peak_mib():,.0f} MiB"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
