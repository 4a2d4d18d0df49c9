"""The Ibis connection factory: the same warehouse tables on DuckDB (default) or Spark.

Analytics take the tables this returns and never open a connection themselves, so the engine is
chosen here, at the edge.
"""

from __future__ import annotations

import os
from typing import Any

import ibis
from ibis.backends import BaseBackend

from bankcrm.domain.errors import BankcrmError
from bankcrm.warehouse.layout import DERIVED, DIMENSIONS, FACTS, Warehouse

ENGINES = ("duckdb", "pyspark")
TABLES = (*DIMENSIONS, *FACTS, *DERIVED)


def connect(engine: str, spark: Any | None = None) -> BaseBackend:
    """An Ibis backend: in-process DuckDB, or Spark in local mode unless a session is given."""
    if engine == "duckdb":
        return ibis.duckdb.connect()
    if engine == "pyspark":
        return ibis.pyspark.connect(spark if spark is not None else spark_session())
    raise BankcrmError(f"unknown analytics engine {engine!r}; choose one of {', '.join(ENGINES)}")


def spark_session(cores: int = 2) -> Any:
    """A local Spark session (UI off, UTC), or a clear error when pyspark or Java is missing."""
    try:
        from pyspark.sql import SparkSession  # noqa: PLC0415  optional extra [spark]
    except ImportError:
        raise BankcrmError(
            "the pyspark engine needs the [spark] extra: pip install 'bankcrm[spark]'"
        ) from None
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("bankcrm")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(cores * 2))
        .getOrCreate()
    )


def warehouse_tables(con: BaseBackend, warehouse: Warehouse) -> dict[str, ibis.Table]:
    """Every warehouse table that has data, registered in ``con`` under its own name."""
    tables: dict[str, ibis.Table] = {}
    for name in TABLES:
        paths = warehouse.paths(name)
        if not paths:
            continue
        if con.name == "pyspark":
            # Spark reads the listed files without partition discovery, so the columns are the
            # same on both engines (the month is in the data, not only in the folder name).
            con._session.read.parquet(*paths).createOrReplaceTempView(name)
            tables[name] = con.table(name)
        else:
            tables[name] = con.read_parquet(paths, table_name=name)
    return tables
