"""Merge accepted rows into the warehouse copy of a table: which rows are new, changed or the
same, and the table's new content staged for publishing. All in DuckDB, column-wise.

Dimension tables are one file each; fact tables are rewritten only in the month partitions an
import touches (a late correction can move a transaction to another month: both are rewritten).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from bankcrm.domain.contract import TableSpec
from bankcrm.warehouse.layout import (
    DATA_FILE,
    FACTS,
    Warehouse,
    WarehouseTransaction,
    sql_strings,
)


@dataclass
class Delta:
    """What the incoming rows do to the table."""

    inserted: pa.Table
    updated: pa.Table
    unchanged: int
    changes: pa.Table  # key, column, old, new: one row per changed value of an updated row

    @property
    def changed(self) -> bool:
        return bool(self.inserted.num_rows > 0 or self.updated.num_rows > 0)


def _ident(name: str) -> str:
    return f'"{name}"'


def _current_sql(warehouse: Warehouse, spec: TableSpec) -> str:
    if warehouse.exists(spec.name):
        return (
            f"SELECT {', '.join(map(_ident, spec.column_names))} FROM {warehouse.scan(spec.name)}"
        )
    return "SELECT * FROM incoming LIMIT 0"


def compute_delta(con: duckdb.DuckDBPyConnection, warehouse: Warehouse, spec: TableSpec) -> Delta:
    """Compare the registered ``incoming`` rows to the warehouse copy, by key."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW current_rows AS {_current_sql(warehouse, spec)}")
    key = ", ".join(map(_ident, spec.key))
    values = [c for c in spec.column_names if c not in spec.key]
    differs = " OR ".join(f"i.{_ident(c)} IS DISTINCT FROM c.{_ident(c)}" for c in values)
    cols = ", ".join(f"i.{_ident(c)}" for c in spec.column_names)
    inserted = con.sql(
        f"SELECT {cols} FROM incoming i ANTI JOIN current_rows c USING ({key})"
    ).to_arrow_table()
    olds = "".join(f", c.{_ident(c)} AS {_ident('old_' + c)}" for c in values)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE matched AS
        SELECT {cols}{olds}, ({differs or "false"}) AS differs
        FROM incoming i JOIN current_rows c USING ({key})"""
    )
    updated = con.sql(
        f"SELECT {', '.join(map(_ident, spec.column_names))} FROM matched WHERE differs"
    )
    unchanged = con.sql("SELECT count(*) FROM matched WHERE NOT differs").fetchall()[0][0]
    key_text = " || '|' || ".join(f"CAST({_ident(k)} AS VARCHAR)" for k in spec.key)
    change_parts = [
        f"""SELECT {key_text} AS row_key, '{c}' AS column_name,
               CAST({_ident("old_" + c)} AS VARCHAR) AS old_value,
               CAST({_ident(c)} AS VARCHAR) AS new_value
            FROM matched WHERE differs AND {_ident(c)} IS DISTINCT FROM {_ident("old_" + c)}"""
        for c in values
    ]
    changes = (
        con.sql(
            " UNION ALL ".join(change_parts) + " ORDER BY row_key, column_name"
        ).to_arrow_table()
        if change_parts
        else pa.table({"row_key": [], "column_name": [], "old_value": [], "new_value": []})
    )
    return Delta(inserted, updated.to_arrow_table(), int(unchanged), changes)


def stage_dimension(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, wtx: WarehouseTransaction
) -> None:
    """Stage the dimension's new content: current rows not in ``incoming``, plus ``incoming``."""
    key = ", ".join(map(_ident, spec.key))
    cols = ", ".join(map(_ident, spec.column_names))
    target = wtx.stage(spec.name)
    con.execute(
        f"""COPY (SELECT {cols} FROM (
                SELECT {cols} FROM current_rows ANTI JOIN incoming USING ({key})
                UNION ALL SELECT {cols} FROM incoming) ORDER BY {key})
            TO '{target}' (FORMAT parquet)"""
    )


def month_expr(spec: TableSpec) -> str:
    return f"strftime({_ident(FACTS[spec.name])}, '%Y-%m')"


def stage_fact(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, delta: Delta, wtx: WarehouseTransaction
) -> list[str]:
    """Stage the month partitions the incoming rows change; returns those months."""
    month = month_expr(spec)
    key = ", ".join(map(_ident, spec.key))
    cols = ", ".join(map(_ident, spec.column_names))
    con.register("inserted_rows", delta.inserted)
    con.register("updated_rows", delta.updated)
    # Months gaining rows, and months an updated row leaves (its old month).
    months = sorted(
        row[0]
        for row in con.sql(
            f"""SELECT DISTINCT {month} FROM inserted_rows
                UNION SELECT {month} FROM updated_rows
                UNION SELECT {month} FROM current_rows SEMI JOIN updated_rows USING ({key})"""
        ).fetchall()
    )
    if not months:
        return []
    folder = wtx.stage_months(spec.name, months)
    in_months = sql_strings(months)
    con.execute(
        f"""COPY (
            SELECT {cols}, {month} AS month FROM (
              SELECT {cols} FROM current_rows ANTI JOIN incoming USING ({key})
                WHERE {month} IN ({in_months})
              UNION ALL SELECT {cols} FROM incoming WHERE {month} IN ({in_months}))
            ORDER BY {key})
        TO '{folder}' (FORMAT parquet, PARTITION_BY (month), FILENAME_PATTERN 'data',
                       WRITE_PARTITION_COLUMNS false)"""
    )
    for part in Path(folder).glob("month=*"):
        (part / "data0.parquet").rename(part / DATA_FILE)
    for m in months:  # a month left empty by a correction still replaces the old partition
        (Path(folder) / f"month={m}").mkdir(exist_ok=True)
    return months
