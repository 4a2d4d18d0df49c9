"""The BG/NBD / RFM summary of a transaction log (default 10 million rows, 200 000 customers
over three years): ours, from the per-customer-day table the warehouse can keep
(``warehouse_days``; derived once, like customer_month, its derivation timed apart), against
(a) lifetimes' ``summary_data_from_transaction_data`` (0.11.3, run in its own virtualenv, see
``lifetimes_python``), (b) a hand-written pandas groupby and (c) the obvious one-query DuckDB
group-by over the raw log's Parquet file. Every result is checked customer by customer.

``python -m benchmarks.bench_rfm --rows 10000000`` (issue 5: ≥ 10x lifetimes, faster than (c)).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bankcrm.models.rfm import customer_days, summary_from_days, summary_from_log

END = date(2020, 12, 31)
START = np.datetime64("2018-01-01T00:00:00", "s")
REQUIREMENTS = Path(__file__).with_name("lifetimes-requirements.txt")
T = TypeVar("T")

LIFETIMES_SUMMARY = """
import json, sys, time
import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
log = pd.read_parquet(sys.argv[1])
started = time.perf_counter()
summary = summary_data_from_transaction_data(
    log, "customer_id", "date", "amount", observation_period_end=sys.argv[3], freq="D")
seconds = time.perf_counter() - started
summary.reset_index().to_parquet(sys.argv[2])
print(json.dumps({"seconds": seconds}))
"""


def lifetimes_python() -> Path:
    """The Python of a virtualenv with lifetimes and the old pandas/numpy/scipy it needs
    (``lifetimes-requirements.txt``), created on first use; never the project's own .venv."""
    default = Path.home() / ".cache" / "bankcrm" / "venv-lifetimes"
    root = Path(os.environ.get("BANKCRM_LIFETIMES_VENV", default))
    python = root / "bin" / "python"
    marker = root / "requirements.txt"
    wanted = REQUIREMENTS.read_text(encoding="utf-8")
    if not (python.exists() and marker.exists() and marker.read_text(encoding="utf-8") == wanted):
        print(f"creating the lifetimes environment in {root} ...", flush=True)
        venv.create(root, with_pip=True, clear=True)
        install = [str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)]
        subprocess.run(install, check=True)  # noqa: S603  our own venv's pip, fixed arguments
        marker.write_text(wanted, encoding="utf-8")
    return python


def run_lifetimes(script: str, *args: str) -> dict[str, float]:
    """Run ``script`` in the lifetimes environment; it prints its timing as JSON."""
    command = [str(lifetimes_python()), "-c", script, *args]
    done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def make_log(rows: int, customers: int, seed: int = 1) -> pa.Table:
    """A random (customer_id, date, amount) log: uniform customers and instants over
    2018–2020 (with a few rows after END, which every method must drop), gamma amounts."""
    rng = np.random.default_rng(seed)
    names = np.char.add("C", np.char.zfill(np.arange(customers).astype(str), 9))
    who = pa.DictionaryArray.from_arrays(
        pa.array(rng.integers(0, customers, rows, dtype=np.int32)), pa.array(names)
    )
    seconds = rng.integers(0, 1100 * 86_400, rows)
    return pa.table(
        {
            "customer_id": who.cast(pa.string()),
            "date": pa.array((START + seconds).astype("datetime64[us]")),
            "amount": np.round(rng.gamma(1.5, 300.0, rows), 2),
        }
    )


def pandas_summary(log: pd.DataFrame) -> pd.DataFrame:
    """The summary as an analyst writes it with pandas groupbys."""
    end = pd.Timestamp(END)
    log = log.assign(day=log["date"].dt.normalize())
    log = log[log["day"] <= end]
    days = log.groupby(["customer_id", "day"], as_index=False)["amount"].sum()
    first = days.groupby("customer_id")["day"].transform("min")
    per = days.groupby("customer_id").agg(
        n=("day", "size"), first=("day", "min"), last=("day", "max")
    )
    repeat = days[days["day"] > first].groupby("customer_id")["amount"].mean()
    return pd.DataFrame(
        {
            "frequency": (per["n"] - 1).astype(float),
            "recency": (per["last"] - per["first"]).dt.days.astype(float),
            "T": (end - per["first"]).dt.days.astype(float),
            "monetary_value": repeat.reindex(per.index).fillna(0.0),
        }
    ).reset_index()


def one_query(path: Path) -> pd.DataFrame:
    """The one-query DuckDB summary over the raw log: per (customer, day), then per customer,
    the first day's amount taken out of the mean by ``arg_min`` (no join, no window)."""
    sql = f"""
    SELECT customer_id, count(*) - 1.0 AS frequency,
      CAST(max(day) - min(day) AS DOUBLE) AS recency,
      CAST(DATE '{END}' - min(day) AS DOUBLE) AS T,
      CASE WHEN count(*) > 1
        THEN (sum(amount) - arg_min(amount, day)) / (count(*) - 1) ELSE 0 END AS monetary_value
    FROM (SELECT customer_id, CAST(date AS DATE) AS day, sum(amount) AS amount
          FROM read_parquet('{path}') WHERE CAST(date AS DATE) <= DATE '{END}' GROUP BY ALL)
    GROUP BY customer_id ORDER BY customer_id"""
    with duckdb.connect() as con:
        result: pd.DataFrame = con.sql(sql).df()
    return result


def same(name: str, got: pd.DataFrame, want: pd.DataFrame) -> str:
    """Compare two summaries customer by customer: counts and periods exactly, the mean
    amount to 1e-9 relative (float sums in a different order)."""
    got = got.sort_values("customer_id").reset_index(drop=True)
    want = want.sort_values("customer_id").reset_index(drop=True)
    if got["customer_id"].tolist() != want["customer_id"].tolist():
        raise SystemExit(f"{name}: not the same customers")
    for col in ("frequency", "recency", "T"):
        if not np.array_equal(got[col].to_numpy(float), want[col].to_numpy(float)):
            raise SystemExit(f"{name}: {col} differs")
    np.testing.assert_allclose(got["monetary_value"], want["monetary_value"], rtol=1e-9)
    return f"identical on all {len(got):,} customers"


def timed(run: Callable[[], T]) -> tuple[float, T]:
    """Seconds ``run`` took, and what it returned."""
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--skip-lifetimes", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        log = make_log(args.rows, args.customers)
        pq.write_table(log, root / "log.parquet")
        print(f"log: {args.rows:,} rows, {args.customers:,} customers, end {END}", flush=True)

        derive, days = timed(lambda: customer_days(log))
        pq.write_table(days, root / "days.parquet", row_group_size=1 << 20)
        print(
            f"per-customer-day table ({days.num_rows:,} rows), derived once at import: "
            f"{derive:.2f} s"
        )
        ours, summary = timed(lambda: summary_from_days(root / "days.parquet", END))
        print(f"ours, from the per-customer-day table: {ours:.2f} s")
        from_log, direct = timed(lambda: summary_from_log(log, END))
        print(
            f"ours, summary_from_log on the raw log in memory: {from_log:.2f} s   "
            f"{same('summary_from_log', direct, summary)}"
        )

        duck, by_duck = timed(lambda: one_query(root / "log.parquet"))
        print(
            f"(c) one-query DuckDB over the raw log: {duck:.2f} s   "
            f"one-query / ours = {duck / ours:.1f}x (target > 1x)   "
            f"{same('one-query', by_duck, summary)}"
        )
        frame = log.to_pandas()
        panda, by_pandas = timed(lambda: pandas_summary(frame))
        print(
            f"(b) pandas groupby: {panda:.2f} s   pandas / ours = {panda / ours:.1f}x   "
            f"{same('pandas', by_pandas, summary)}"
        )
        if args.skip_lifetimes:
            return
        out = root / "lifetimes.parquet"
        seconds = run_lifetimes(LIFETIMES_SUMMARY, str(root / "log.parquet"), str(out), str(END))[
            "seconds"
        ]
        print(
            f"(a) lifetimes summary_data_from_transaction_data: {seconds:.2f} s   "
            f"lifetimes / ours = {seconds / ours:.1f}x (target ≥ 10x)   "
            f"{same('lifetimes', pd.read_parquet(out), summary)}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
