"""The warehouse through Ibis on DuckDB and on Spark; customer_month against METRICS.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import ibis
import pytest
from sqlalchemy import Engine

from bankcrm.domain.tiers import TierLadder
from bankcrm.warehouse.engines import connect, warehouse_tables
from bankcrm.warehouse.layout import Warehouse
from tests.integration.helpers import importer


@pytest.fixture(scope="module")
def loaded(small_extract: Path, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    from bankcrm.store.db import make_engine, upgrade  # noqa: PLC0415

    root = tmp_path_factory.mktemp("loaded")
    engine: Engine = make_engine(f"sqlite:///{root / 'store.sqlite3'}")
    upgrade(engine)
    assert importer(engine, root).run(small_extract).ok
    return Warehouse(root / "warehouse")


def _tier_summary(tables: dict[str, ibis.Table]) -> list[tuple[Any, ...]]:
    cm = tables["customer_month"]
    last = cm.as_of.max().as_scalar()
    expr = (
        cm.filter(cm.as_of == last)
        .group_by("tier")
        .aggregate(customers=cm.customer_id.count(), aum=cm.aum.sum())
        .order_by("tier")
    )
    return [tuple(row.values()) for row in expr.to_pyarrow().to_pylist()]


def test_customer_month_matches_an_independent_aum_query(loaded: Warehouse) -> None:
    """AUM per METRICS.md recomputed straight from balances, accounts and products."""
    paths = {
        t: loaded.paths(t)
        for t in ("balances", "accounts", "products", "customers", "customer_month")
    }
    ladder = TierLadder()
    with duckdb.connect() as con:
        mismatches = con.sql(f"""
            WITH aum AS (
              SELECT a.customer_id, b.as_of, sum(b.balance) AS aum
              FROM read_parquet({paths["balances"]!r}) b
              JOIN read_parquet({paths["accounts"]!r}) a USING (account_id)
              JOIN read_parquet({paths["products"]!r}) p USING (product_code)
              WHERE p.product_type NOT IN
                ('mortgage_loan', 'consumer_loan', 'business_loan', 'credit_card')
              GROUP BY ALL),
            expected AS (
              SELECT c.customer_id, m.as_of, coalesce(aum.aum, 0) AS aum
              FROM read_parquet({paths["customers"]!r}) c
              CROSS JOIN (SELECT DISTINCT as_of FROM read_parquet({paths["balances"]!r})) m
              LEFT JOIN aum ON aum.customer_id = c.customer_id AND aum.as_of = m.as_of
              WHERE c.opened_on <= m.as_of AND (c.closed_on IS NULL OR c.closed_on > m.as_of))
            SELECT count(*) FROM expected e
            FULL JOIN read_parquet({paths["customer_month"]!r}) cm USING (customer_id, as_of)
            WHERE e.aum IS DISTINCT FROM cm.aum
               OR cm.tier IS DISTINCT FROM CASE
                    WHEN e.aum >= {ladder.private} THEN 'private'
                    WHEN e.aum >= {ladder.diamond} THEN 'diamond'
                    WHEN e.aum >= {ladder.platinum} THEN 'platinum'
                    WHEN e.aum >= {ladder.gold} THEN 'gold' ELSE 'standard' END
        """).fetchall()[0][0]
    assert mismatches == 0


def test_duckdb_backend_reads_every_table(loaded: Warehouse) -> None:
    tables = warehouse_tables(connect("duckdb"), loaded)
    assert {"customers", "balances", "transactions", "customer_month"} <= set(tables)
    summary = _tier_summary(tables)
    assert {row[0] for row in summary} >= {"standard", "gold"}


@pytest.mark.spark
def test_spark_gives_the_same_results_as_duckdb(loaded: Warehouse, spark: Any) -> None:
    on_duckdb = _tier_summary(warehouse_tables(connect("duckdb"), loaded))
    on_spark = _tier_summary(warehouse_tables(connect("pyspark", spark), loaded))
    assert on_spark == on_duckdb  # decimal sums exact on both
    assert sum(row[1] for row in on_spark) > 0


def test_customer_month_tiers_match_what_the_generator_recorded(
    loaded: Warehouse, small_extract: Path
) -> None:
    """The generator counts tiers per year-end on its own (scenario.json); so does the import."""
    import json  # noqa: PLC0415

    truth = json.loads((small_extract / "_truth" / "scenario.json").read_text(encoding="utf-8"))
    expected = truth["realised"]["tier_counts"]
    with duckdb.connect() as con:
        rows = con.sql(f"""
            SELECT year(as_of) AS year, tier, count(*) FROM read_parquet(
              {loaded.paths("customer_month")!r})
            WHERE as_of IN (SELECT max(as_of) FROM read_parquet(
              {loaded.paths("customer_month")!r}) GROUP BY year(as_of))
            GROUP BY ALL""").fetchall()
    found: dict[str, dict[str, int]] = {}
    for year, tier, count in rows:
        found.setdefault(str(year), {})[tier] = count
    assert found == {
        year: {t: n for t, n in tiers.items() if n} for year, tiers in expected.items()
    }
