"""The derived table ``customer_day``: per customer and calendar day with customer-initiated
transactions, their number and their absolute amount. Built at import, so that activity windows
(dormancy, RFM, lifetime value) read one narrow table keyed by customer instead of scanning
every transaction and joining it to its account.

``amount`` is Σ|amount| in yuan as a float: it feeds models, never an accounting figure (those
are summed exactly from ``transactions``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from bankcrm.warehouse.layout import DATA_FILE, Warehouse, WarehouseTransaction

CUSTOMER_DAY = "customer_day"
# Extract tables whose change makes customer_day stale.
FEEDS = frozenset({"transactions", "accounts"})


def customer_day_query(transactions: str, accounts: str) -> str:
    """DuckDB SQL for the per-customer-day table of customer-initiated transactions, sorted by
    customer and day. ``transactions`` and ``accounts`` are table expressions (for instance
    ``Warehouse.scan``)."""
    return f"""
    SELECT a.customer_id, CAST(t.booked_at AS DATE) AS day,
      CAST(sum(abs(t.amount)) AS DOUBLE) AS amount, count(*) AS transactions
    FROM {transactions} t JOIN {accounts} a USING (account_id)
    WHERE t.customer_initiated
    GROUP BY ALL ORDER BY a.customer_id, day
    """


def stage_customer_day(warehouse: Warehouse, wtx: WarehouseTransaction) -> int:
    """Rebuild ``customer_day`` into the transaction's staging, one file per month of ``day``;
    returns the rows written (0, and an empty table, without transactions)."""
    folder = wtx.stage_table(CUSTOMER_DAY)
    if not (warehouse.exists("transactions") and warehouse.exists("accounts")):
        return 0
    query = customer_day_query(warehouse.scan("transactions"), warehouse.scan("accounts"))
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT *, strftime(day, '%Y-%m') AS month FROM ({query})) TO '{folder}'"
            " (FORMAT parquet, PARTITION_BY (month), OVERWRITE_OR_IGNORE)"
        )
        for part in sorted(folder.glob("month=*")):
            _one_file(con, part)
        rows = con.execute(f"SELECT count(*) FROM read_parquet('{folder}/month=*/{DATA_FILE}')")
        return int(rows.fetchall()[0][0])


def _one_file(con: duckdb.DuckDBPyConnection, part: Path) -> None:
    """The warehouse layout keeps one ``data.parquet`` per month: DuckDB may write several."""
    files = sorted(part.glob("*.parquet"))
    if len(files) == 1:
        files[0].rename(part / DATA_FILE)
        return
    merged = part / f"merged-{DATA_FILE}"
    names = [str(f) for f in files]
    con.execute(
        f"COPY (SELECT * FROM read_parquet({names!r}, hive_partitioning = false)"
        f" ORDER BY customer_id, day) TO '{merged}' (FORMAT parquet)"
    )
    for file in files:
        file.unlink()
    merged.rename(part / DATA_FILE)
