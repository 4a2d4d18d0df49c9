"""The BG/NBD summary of a transaction log: per customer, frequency (repeat purchase periods),
recency and T (in periods) and monetary value, with exactly the definitions of lifetimes'
``summary_data_from_transaction_data`` so the two can be compared customer by customer.

Both are DuckDB group-bys. From a raw log the rows are first collapsed to (customer, period)
and then to customers; from a per-customer-day table (``customer_days``, ``warehouse_days``:
what the warehouse can keep, as it keeps customer_month) daily periods need only the second,
which is why a warehouse that keeps that table answers several times faster than any query
over the raw log (benchmarks/bench_rfm.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bankcrm.warehouse.activity import customer_day_query
from bankcrm.warehouse.layout import Warehouse

Period = Literal["days", "weeks"]
PERIOD_DAYS: dict[str, int] = {"days": 1, "weeks": 7}
DAYS_COLUMNS = ("customer_id", "day", "amount")


def _period_days(period: str) -> int:
    if period not in PERIOD_DAYS:
        raise ValueError(f"period: must be one of {', '.join(PERIOD_DAYS)}, not {period!r}")
    return PERIOD_DAYS[period]


def _end_period(observation_end: date | datetime | str, unit: int) -> date:
    """The first day of the period holding ``observation_end``: that day, or the Monday of its
    week (pandas' weekly periods, which end on Sunday, as lifetimes uses them)."""
    value = pd.Timestamp(observation_end)
    if pd.isna(value):
        raise ValueError(f"observation_end: not a date: {observation_end!r}")
    day: date = value.date()
    return day - timedelta(days=day.weekday()) if unit == 7 else day


def customer_days(
    log: pd.DataFrame | pa.Table,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = "amount",
) -> pa.Table:
    """One row per customer and calendar day of ``log``: customer_id, day (date), amount (the
    day's summed amount as float64; 0 without ``amount_col``), sorted by customer and day."""
    table = _log_table(log, customer_col, date_col, amount_col)
    amount = f'CAST(sum("{amount_col}") AS DOUBLE)' if amount_col else "CAST(0 AS DOUBLE)"
    with duckdb.connect() as con:
        con.register("log", table)
        days: pa.Table = con.sql(
            f"""SELECT "{customer_col}" AS customer_id, CAST("{date_col}" AS DATE) AS day,
                  {amount} AS amount
                FROM log GROUP BY ALL ORDER BY customer_id, day"""
        ).to_arrow_table()
    return days


def _log_table(
    log: pd.DataFrame | pa.Table, customer_col: str, date_col: str, amount_col: str | None
) -> pa.Table:
    """The log as Arrow, or a clear error naming the column that is missing or wrong."""
    table = (
        pa.Table.from_pandas(log, preserve_index=False) if isinstance(log, pd.DataFrame) else log
    )
    if not isinstance(table, pa.Table):
        raise ValueError(f"log: expected a pandas DataFrame or an Arrow table, not {type(log)}")
    for role, col in (("customer_col", customer_col), ("date_col", date_col)) + (
        (("amount_col", amount_col),) if amount_col else ()
    ):
        if col not in table.column_names:
            raise ValueError(f"{role}: the log has no column {col!r} ({table.column_names})")
    if table.num_rows == 0:
        raise ValueError("log: empty, there is nothing to summarise")
    kind = table.schema.field(date_col).type
    if not (pa.types.is_date(kind) or pa.types.is_timestamp(kind)):
        raise ValueError(f"{date_col}: must be a date or datetime column, not {kind}")
    for col in (customer_col, date_col) + ((amount_col,) if amount_col else ()):
        if table[col].null_count:
            raise ValueError(f"{col}: {table[col].null_count} missing values in the log")
    if amount_col and not pa.types.is_integer(table.schema.field(amount_col).type):
        kind = table.schema.field(amount_col).type
        if not (pa.types.is_floating(kind) or pa.types.is_decimal(kind)):
            raise ValueError(f"{amount_col}: must be numeric, not {kind}")
    return table


def summary_from_days(
    days: pa.Table | str | Path | list[str],
    observation_end: date | datetime | str,
    period: Period = "days",
) -> pd.DataFrame:
    """The summary from a per-customer-day table (one row per customer and day, as
    ``customer_days`` and ``warehouse_days`` return): an Arrow table, or its Parquet file(s),
    in any row order (e.g. month partitions).

    Days after the period of ``observation_end`` are ignored. Columns: customer_id, frequency
    (distinct purchase periods − 1), recency (last − first purchase period), T (the period of
    observation_end − first purchase period), both in periods, monetary_value (mean amount of
    the repeat periods, 0 when frequency is 0). Rows sorted by customer_id.
    """
    files = [] if isinstance(days, pa.Table) else [str(p) for p in _as_list(days)]
    if not isinstance(days, pa.Table) and not files:
        raise ValueError("days: no Parquet file given")
    schema = days.schema if isinstance(days, pa.Table) else pq.read_schema(files[0])
    missing = [c for c in DAYS_COLUMNS if c not in schema.names]
    if missing:
        raise ValueError(f"days: missing column(s) {', '.join(missing)}")
    with duckdb.connect() as con:
        if isinstance(days, pa.Table):
            con.register("days", days)
        scan = "days" if isinstance(days, pa.Table) else f"read_parquet({files!r})"
        # Already one row per day: daily periods need a single group-by over customers.
        return _summarise(con, scan, "day", "amount", observation_end, period, per_day=True)


def _as_list(paths: str | Path | list[str]) -> list[str | Path]:
    return list(paths) if isinstance(paths, list) else [paths]


def _summarise(
    con: duckdb.DuckDBPyConnection,
    scan: str,
    date_expr: str,
    amount_expr: str,
    observation_end: date | datetime | str,
    period: str,
    per_day: bool,
) -> pd.DataFrame:
    """Run the summary query: collapse rows to (customer, period) unless they already are,
    then one group-by per customer. The first period's amount leaves the monetary mean by
    subtraction (``arg_min``), so no window function is needed."""
    unit = _period_days(period)
    end = _end_period(observation_end, unit)
    start = f"CAST({date_expr} AS DATE)"
    if unit == 7:
        start = f"CAST(date_trunc('week', {date_expr}) AS DATE)"
    periods = f"""SELECT customer_id, {start} AS period, {amount_expr} AS amount FROM {scan}
        WHERE {start} <= DATE '{end}'"""
    if not (per_day and unit == 1):
        periods = f"SELECT customer_id, period, sum(amount) AS amount FROM ({periods}) GROUP BY ALL"
    summary: pd.DataFrame = con.sql(
        f"""SELECT customer_id,
              CAST(count(*) - 1 AS DOUBLE) AS frequency,
              CAST(max(period) - min(period) AS DOUBLE) / {unit} AS recency,
              CAST(DATE '{end}' - min(period) AS DOUBLE) / {unit} AS T,
              CASE WHEN count(*) > 1
                THEN (sum(amount) - arg_min(amount, period)) / (count(*) - 1) ELSE 0 END
                AS monetary_value
            FROM ({periods}) GROUP BY customer_id ORDER BY customer_id"""
    ).df()
    if summary.empty:
        raise ValueError(f"observation_end: {observation_end} is before every purchase")
    return summary


def summary_from_log(
    log: pd.DataFrame | pa.Table,
    observation_end: date | datetime | str,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str | None = "amount",
    period: Period = "days",
) -> pd.DataFrame:
    """The BG/NBD summary (frequency, recency, T, monetary_value) of any (customer, date,
    amount) log, one row per customer with a purchase up to ``observation_end``, with the
    definitions of lifetimes' ``summary_data_from_transaction_data`` (see
    ``summary_from_days``); ``period`` is "days" or "weeks" (Monday-to-Sunday, as CDNOW)."""
    _period_days(period)
    table = _log_table(log, customer_col, date_col, amount_col)
    amount = f'CAST("{amount_col}" AS DOUBLE)' if amount_col else "CAST(0 AS DOUBLE)"
    with duckdb.connect() as con:
        con.register("log", table)
        scan = f"""(SELECT "{customer_col}" AS customer_id, "{date_col}" AS txn_date,
            {amount} AS txn_amount FROM log)"""
        return _summarise(con, scan, "txn_date", "txn_amount", observation_end, period, False)


def warehouse_days(warehouse: Warehouse) -> pa.Table:
    """The per-customer-day table of a warehouse, derived from its Parquet files now (the
    importer keeps the same table as ``customer_day``)."""
    if not (warehouse.exists("transactions") and warehouse.exists("accounts")):
        raise ValueError(f"warehouse: {warehouse.root} has no transactions or no accounts")
    with duckdb.connect() as con:
        days: pa.Table = con.sql(
            customer_day_query(warehouse.scan("transactions"), warehouse.scan("accounts"))
        ).to_arrow_table()
    return days
