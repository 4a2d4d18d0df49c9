"""Apply an import's delta to the store, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, and_, bindparam, insert, or_, update

from bankcrm.domain.contract import TableSpec
from bankcrm.ingest.merge import Delta
from bankcrm.store.models import STORE_TABLES, Account, ImportChange

_ROWS_PER_BATCH = 5_000


def _batches(table: pa.Table) -> list[list[dict[str, Any]]]:
    return [batch.to_pylist() for batch in table.to_batches(max_chunksize=_ROWS_PER_BATCH)]


def write_rows(conn: Connection, spec: TableSpec, delta: Delta, run_id: int) -> None:
    """Insert new rows, update changed ones, and record each changed value in import_changes."""
    model = STORE_TABLES.get(spec.name)
    if model is None:
        return
    for rows in _batches(delta.inserted):
        conn.execute(insert(model), rows)
    keyed = delta.updated.rename_columns(
        [f"k_{c}" if c in spec.key else c for c in delta.updated.column_names]
    )
    statement = update(model).where(
        and_(*(getattr(model, k) == bindparam(f"k_{k}") for k in spec.key))
    )
    for rows in _batches(keyed):
        conn.execute(statement, rows)
    changes = delta.changes.append_column(
        "table_name", pa.repeat(pa.scalar(spec.name), delta.changes.num_rows)
    ).append_column("run_id", pa.repeat(pa.scalar(run_id), delta.changes.num_rows))
    for rows in _batches(changes):
        conn.execute(insert(ImportChange), rows)


def write_balance_summary(conn: Connection, delta: Delta) -> int:
    """Set each account's latest month-end balance from new or corrected balances; accounts set.

    An older month arriving late does not overwrite a newer balance already stored.
    """
    with duckdb.connect() as con:
        con.register("ins", delta.inserted)
        con.register("upd", delta.updated)
        latest = con.sql(
            """SELECT account_id AS b_id, max(as_of) AS b_as_of,
                      CAST(arg_max(balance, as_of) * 100 AS BIGINT) AS balance_fen,
                      max(as_of) AS balance_as_of
               FROM (SELECT * FROM ins UNION ALL SELECT * FROM upd) GROUP BY account_id"""
        ).to_arrow_table()
    statement = update(Account).where(
        Account.account_id == bindparam("b_id"),
        or_(Account.balance_as_of.is_(None), Account.balance_as_of <= bindparam("b_as_of")),
    )
    for rows in _batches(latest):
        conn.execute(statement, rows)
    return int(latest.num_rows)
