"""The derived table ``customer_month``: AUM, loan balance and tier of each customer in the base
at each month-end, built at import so analytics never re-aggregate accounts.

AUM and loan balance follow METRICS.md (asset products; mortgage, consumer and business loans;
credit cards in neither; no balance row = 0). The base at d: ``opened_on ≤ d`` and
(``closed_on`` null or ``> d``). The tier applies the configured rule (``domain.tiers``).
"""

from __future__ import annotations

import json
from dataclasses import asdict

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bankcrm.domain.enums import ASSET_PRODUCT_TYPES, LOAN_PRODUCT_TYPES, Tier
from bankcrm.domain.tiers import TierLadder, TierRule
from bankcrm.warehouse.layout import DATA_FILE, Warehouse, WarehouseTransaction, sql_strings
from bankcrm.warehouse.tiering import tier_ranks

CUSTOMER_MONTH = "customer_month"
RULE_FILE = "_rule.json"  # the ladder and rule the tiers were graded with


def rule_description(ladder: TierLadder, rule: TierRule) -> dict[str, str]:
    """The grading settings as text, stored beside the table to notice when they change."""
    return {k: str(v) for k, v in (asdict(ladder) | asdict(rule)).items()}


def built_with(warehouse: Warehouse) -> dict[str, str] | None:
    """The settings ``customer_month`` was last graded with; None if it was never built."""
    file = warehouse.table_dir(CUSTOMER_MONTH) / RULE_FILE
    if not file.exists():
        return None
    described: dict[str, str] = json.loads(file.read_text(encoding="utf-8"))
    return described


def customer_month_query(warehouse: Warehouse) -> str:
    """SQL (DuckDB) for AUM and loan balance in fen, per customer in the base per month-end."""
    balances, accounts, products, customers = (
        warehouse.scan(t) for t in ("balances", "accounts", "products", "customers")
    )
    return f"""
    WITH months AS (SELECT DISTINCT as_of FROM {balances}),
    base AS (
        SELECT c.customer_id, m.as_of FROM {customers} c JOIN months m
          ON c.opened_on <= m.as_of AND (c.closed_on IS NULL OR c.closed_on > m.as_of)),
    sums AS (
        SELECT a.customer_id, b.as_of,
          sum(CASE WHEN p.product_type IN ({sql_strings(ASSET_PRODUCT_TYPES)})
              THEN b.balance ELSE 0 END) AS aum,
          sum(CASE WHEN p.product_type IN ({sql_strings(LOAN_PRODUCT_TYPES)})
              THEN b.balance ELSE 0 END) AS loan_balance
        FROM {balances} b JOIN {accounts} a USING (account_id)
          JOIN {products} p USING (product_code)
        GROUP BY ALL)
    SELECT base.customer_id, base.as_of,
      CAST(coalesce(sums.aum, 0) AS DECIMAL(18, 2)) AS aum,
      CAST(coalesce(sums.loan_balance, 0) AS DECIMAL(18, 2)) AS loan_balance,
      CAST(coalesce(sums.aum, 0) * 100 AS BIGINT) AS aum_fen
    FROM base LEFT JOIN sums USING (customer_id, as_of)
    ORDER BY base.as_of, base.customer_id
    """


def build_customer_month(
    warehouse: Warehouse, ladder: TierLadder, rule: TierRule
) -> pa.Table | None:
    """The whole ``customer_month`` table, sorted by (as_of, customer_id); None without data."""
    if not all(warehouse.exists(t) for t in ("balances", "accounts", "products", "customers")):
        return None
    with duckdb.connect() as con:
        rows = con.sql(customer_month_query(warehouse)).to_arrow_table()
    if rows.num_rows == 0:
        return None
    customers, customer_idx = np.unique(
        rows["customer_id"].to_numpy(zero_copy_only=False), return_inverse=True
    )
    months, month_idx = np.unique(rows["as_of"].to_numpy(), return_inverse=True)
    shape = (len(customers), len(months))
    aum = np.zeros(shape, dtype=np.int64)
    in_base = np.zeros(shape, dtype=np.bool_)
    aum[customer_idx, month_idx] = rows["aum_fen"].to_numpy()
    in_base[customer_idx, month_idx] = True
    ranks = tier_ranks(aum, in_base, ladder, rule)[customer_idx, month_idx]
    tier_names = np.array([t.value for t in Tier])
    return pa.table(
        {
            "customer_id": rows["customer_id"],
            "as_of": rows["as_of"],
            "aum": rows["aum"],
            "loan_balance": rows["loan_balance"],
            "tier": pa.array(tier_names[ranks]),
        }
    )


def stage_customer_month(
    warehouse: Warehouse, wtx: WarehouseTransaction, ladder: TierLadder, rule: TierRule
) -> int:
    """Rebuild ``customer_month`` into the transaction's staging; returns the rows written."""
    table = build_customer_month(warehouse, ladder, rule)
    folder = wtx.stage_table(CUSTOMER_MONTH)
    (folder / RULE_FILE).write_text(
        json.dumps(rule_description(ladder, rule), sort_keys=True), encoding="utf-8"
    )
    if table is None:
        return 0
    as_of = table["as_of"].to_numpy()
    starts = np.flatnonzero(np.r_[True, as_of[1:] != as_of[:-1]])
    ends = np.r_[starts[1:], len(as_of)]
    for start, end in zip(starts, ends, strict=True):  # one file per month-end
        month = str(as_of[start])[:7]
        part = folder / f"month={month}"
        part.mkdir()
        pq.write_table(table.slice(start, end - start), part / DATA_FILE)
    return int(table.num_rows)
