"""Copy each customer's latest month-end figures and flags from the warehouse into the store
(``customer_summaries``), so search filters and sorts on indexed store columns.

Flags at the latest month-end d of ``customer_month``:

- dormant: in the base at d with no customer-initiated transaction in the twelve months up to d
  (METRICS.md, 睡眠客户);
- maturity_soon: an open account with ``maturity_on`` in (d, d + maturity_days];
- large_outflow: money leaving to others (amount < 0, counterparty not the customer's own
  account) in (d − large_outflow_days, d] totalling at least ``large_outflow_yuan``.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
from sqlalchemy import Engine, delete, insert

from bankcrm.analytics.activity import dormancy_window
from bankcrm.crm.warehouse_reads import files_between
from bankcrm.domain.crm_settings import FlagSettings
from bankcrm.store.models import CustomerSummary
from bankcrm.warehouse.derived import CUSTOMER_MONTH
from bankcrm.warehouse.layout import Warehouse

_BATCH = 20_000


def latest_month_end(warehouse: Warehouse) -> date | None:
    """The latest month-end of ``customer_month``; None for an empty warehouse."""
    if not warehouse.exists(CUSTOMER_MONTH):
        return None
    files = warehouse.paths(CUSTOMER_MONTH)[-1:]
    with duckdb.connect() as con:  # own connection: the module default is shared state
        row = con.execute(f"SELECT max(as_of) FROM read_parquet({files!r})").fetchone()
    latest: date | None = row[0] if row else None
    return latest


def summary_query(warehouse: Warehouse, d: date, flags: FlagSettings) -> str:
    """DuckDB SQL for one summary row per customer in the base at ``d``, money in fen."""
    start, end = dormancy_window(d)
    txn_files = files_between(warehouse, "transactions", start.date(), d)
    latest = files_between(warehouse, CUSTOMER_MONTH, d, d)
    outflow_from = end - timedelta(days=flags.large_outflow_days)
    transactions = (
        f"read_parquet({txn_files!r})"
        if txn_files
        else "(SELECT NULL::VARCHAR account_id, NULL::TIMESTAMP booked_at, "
        "NULL::DECIMAL(18,2) amount, NULL::BOOLEAN customer_initiated, "
        "NULL::VARCHAR counterparty_type WHERE false)"
    )
    return f"""
    WITH cm AS (SELECT customer_id, as_of, aum, loan_balance, tier
                FROM read_parquet({latest!r}) WHERE as_of = DATE '{d}'),
    txn AS (SELECT a.customer_id, t.booked_at, t.amount, t.customer_initiated,
                   t.counterparty_type
            FROM {transactions} t JOIN {warehouse.scan("accounts")} a USING (account_id)
            WHERE t.booked_at >= TIMESTAMP '{start}' AND t.booked_at < TIMESTAMP '{end}'),
    active AS (SELECT DISTINCT customer_id FROM txn WHERE customer_initiated),
    outflow AS (SELECT customer_id, sum(-amount) AS out FROM txn
                WHERE amount < 0 AND counterparty_type <> 'own_account'
                  AND booked_at >= TIMESTAMP '{outflow_from}'
                GROUP BY customer_id),
    maturing AS (SELECT DISTINCT customer_id FROM {warehouse.scan("accounts")}
                 WHERE maturity_on > DATE '{d}'
                   AND maturity_on <= DATE '{d}' + INTERVAL {flags.maturity_days} DAY
                   AND (closed_on IS NULL OR closed_on > DATE '{d}'))
    SELECT cm.customer_id, cm.as_of,
           CAST(round(cm.aum * 100) AS BIGINT) AS aum_fen,
           CAST(round(cm.loan_balance * 100) AS BIGINT) AS loan_balance_fen,
           cm.tier,
           active.customer_id IS NULL AS dormant,
           maturing.customer_id IS NOT NULL AS maturity_soon,
           coalesce(outflow.out, 0) >= {flags.large_outflow_yuan} AS large_outflow
    FROM cm LEFT JOIN active USING (customer_id) LEFT JOIN maturing USING (customer_id)
      LEFT JOIN outflow USING (customer_id)
    """


def refresh_summaries(engine: Engine, warehouse: Warehouse, flags: FlagSettings) -> int:
    """Replace ``customer_summaries`` with the warehouse's latest month-end; the row count.

    Run after each import (the importer's last step) and after ``bankcrm score``."""
    d = latest_month_end(warehouse)
    table = None
    if d is not None:
        with duckdb.connect() as con:
            table = con.sql(summary_query(warehouse, d, flags)).to_arrow_table()
    with engine.begin() as conn:
        conn.execute(delete(CustomerSummary))
        if table is None:
            return 0
        for batch in table.to_batches(_BATCH):
            conn.execute(insert(CustomerSummary), batch.to_pylist())
        rows: int = table.num_rows
        return rows
