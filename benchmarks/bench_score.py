"""``bankcrm score`` of every model (rfm, clv, churn, segments, nbp) on a synthetic branch:
what the command does (fit, score, write the warehouse partition and the store rows), with
the seconds of each step and the peak memory (ru_maxrss) of this process. Baseline: one
snapshot's features the plain pandas way (read the months into pandas, group by customer)
against the same snapshot's features the bankcrm way; the ratio is printed.

Model fits are capped at 200 000 training rows, so past that size only the features, the
predictions and the writes grow with the customers: the breakdown is what to extrapolate from.

``python -m benchmarks.bench_score --customers 100000`` (the issue asks 1 000 000).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from bankcrm.config import Settings
from bankcrm.models.features import SnapshotFeatures, month_end, snapshot_tables
from bankcrm.models.registry import Registry
from bankcrm.models.score import score_all, stage_scores, write_store
from bankcrm.store.db import make_engine
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse
from benchmarks.bench_structure import peak_mib, prepare_in_child

AS_OF = date(2020, 12, 31)


def pandas_features_seconds(warehouse: Warehouse) -> float:
    """AUM now and 3 months ago, transactions by channel over 3 months, outflows over 12
    months and product holding, the way an analyst would write them in pandas."""
    started = time.perf_counter()
    months = {"2020-12", "2020-09"}
    cm = pd.read_parquet(
        [p for p in warehouse.paths("customer_month") if p.split("month=")[1][:7] in months]
    )
    now = cm[cm["as_of"] == AS_OF].set_index("customer_id")["aum"].astype(float)
    then = cm[cm["as_of"] == date(2020, 9, 30)].set_index("customer_id")["aum"].astype(float)
    frame = pd.DataFrame({"aum": now, "aum_change_3m": (now - then) / then})
    recent = [p for p in warehouse.paths("transactions") if p.split("month=")[1][:4] == "2020"]
    txns = pd.read_parquet(
        recent, columns=["account_id", "booked_at", "amount", "channel", "customer_initiated"]
    )
    owners = pd.read_parquet(
        warehouse.paths("accounts"),
        columns=["account_id", "customer_id", "product_code", "closed_on"],
    )
    txns = txns.merge(owners[["account_id", "customer_id"]], on="account_id")
    txns["amount"] = txns["amount"].astype(float)
    last3 = txns[(txns["booked_at"] >= datetime(2020, 10, 1)) & txns["customer_initiated"]]
    frame = frame.join(
        last3.pivot_table(index="customer_id", columns="channel", values="amount", aggfunc="size")
    )
    frame = frame.join(
        txns[txns["amount"] < 0].groupby("customer_id")["amount"].sum().rename("outflow_12m")
    )
    open_accounts = owners[owners["closed_on"].isna()]
    frame = frame.join(
        open_accounts.groupby("customer_id")["product_code"].nunique().rename("products")
    )
    assert len(frame) > 0
    return time.perf_counter() - started


def score_with_breakdown(root: Path) -> dict[str, float]:
    """What ``bankcrm score`` does (score_all, the warehouse partition, the store rows), with
    the seconds of each step."""
    settings = Settings()
    warehouse = Warehouse(settings.warehouse_path)
    marks: list[tuple[str, float]] = [("start", time.perf_counter())]
    run = score_all(
        connect("duckdb"),
        warehouse,
        Registry(root / "models"),
        AS_OF,
        progress=lambda what, _done: marks.append((what, time.perf_counter())),
    )
    steps = {
        name: marks[i + 1][1] - at for i, (name, at) in enumerate(marks[:-1]) if name != "start"
    }
    started = time.perf_counter()
    wtx = stage_scores(run, warehouse)
    wtx.publish()
    wtx.finish()
    steps["write warehouse"] = time.perf_counter() - started
    started = time.perf_counter()
    rows = write_store(make_engine(settings.store_url), run)
    steps["write store"] = time.perf_counter() - started
    print(f"scored {len(run.scores):,} customers; {rows:,} store rows")
    return steps


def features_seconds(warehouse: Warehouse) -> float:
    """The same snapshot's features the bankcrm way (all 37, Ibis on DuckDB)."""
    started = time.perf_counter()
    tables = snapshot_tables(connect("duckdb"), warehouse, month_end(AS_OF, -12), AS_OF)
    SnapshotFeatures(tables).at(AS_OF)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--start", default="2017-01")
    parser.add_argument("--end", default="2020-12")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prepare_in_child(root, args.customers, args.start, args.end)
        os.environ["BANKCRM_DATA_DIR"] = str(root)
        os.environ["BANKCRM_DATABASE_URL"] = f"sqlite:///{root / 'store.sqlite3'}"
        before = peak_mib()
        started = time.perf_counter()
        steps = score_with_breakdown(root)
        ours = time.perf_counter() - started
        print(
            f"bankcrm score (rfm, clv, churn, segments, nbp; fit, score, write): {ours:.1f} s, "
            f"peak memory {peak_mib():,.0f} MiB (before: {before:,.0f} MiB)"
        )
        print("  " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items()))
        warehouse = Warehouse(root / "warehouse")
        baseline = pandas_features_seconds(warehouse)
        mine = features_seconds(warehouse)
        print(
            f"features of one snapshot: pandas (a subset of 8) {baseline:.1f} s, "
            f"bankcrm (all 37, Ibis/DuckDB) {mine:.1f} s   "
            f"pandas / bankcrm = {baseline / mine:.2f}x"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
