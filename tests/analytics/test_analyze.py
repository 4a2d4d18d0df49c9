"""The issue-3 JSON contract of ``analyze`` on a small generated extract: shape, money and share
formats, every year-end present, branch scope and the per-outlet breakdown.

The expected year-ends and base counts come from independent DuckDB queries over the
warehouse's Parquet files, not from the code under test."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from bankcrm.analytics.analyze import analyze, money
from bankcrm.analytics.base import ALL, Tables, scope_of
from bankcrm.ingest.loader import Importer
from bankcrm.store.db import make_engine, upgrade
from bankcrm.synth import SynthOptions, generate
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse

MONEY = re.compile(r"-?[0-9]+\.[0-9]{2}")
FAMILIES = (
    "structure",
    "flows",
    "migration",
    "migration_rates",
    "aum_bridge",
    "concentration",
    "lorenz",
    "cohorts",
    "channel_adoption",
    "channel_mix",
    "third_party_outflow",
    "dormancy",
    "attrition",
    "rm_coverage",
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """A 300-customer, three-year extract imported by the real importer."""
    root = tmp_path_factory.mktemp("analyze")
    generate(root / "extract", SynthOptions(customers=300, start="2018-01", end="2020-12", seed=5))
    engine = make_engine(f"sqlite:///{root / 'store.sqlite3'}")
    upgrade(engine)
    report = Importer(engine, Warehouse(root / "warehouse")).run(root / "extract")
    engine.dispose()
    assert report.ok, report.failed
    return Warehouse(root / "warehouse")


@pytest.fixture(scope="module")
def tables(warehouse: Warehouse) -> Tables:
    return Tables.load(connect("duckdb"), warehouse)


@pytest.fixture(scope="module")
def result(tables: Tables) -> dict[str, Any]:
    return analyze(tables)


def sql(warehouse: Warehouse, query: str) -> list[tuple[Any, ...]]:
    """An independent query; ``cm`` and ``customers`` are the Parquet files."""
    cm = f"read_parquet({warehouse.paths('customer_month')})"
    customers = f"read_parquet({warehouse.paths('customers')})"
    with duckdb.connect() as con:
        return con.sql(query.format(cm=cm, customers=customers)).fetchall()


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, f"{path}[{i}]")
    else:
        yield path, value


def test_contract_top_level(result: dict[str, Any], warehouse: Warehouse) -> None:
    assert result["definitions_version"] == 1
    ends = sql(warehouse, "SELECT year(as_of), max(as_of) FROM {cm} GROUP BY 1 ORDER BY 1")
    assert result["year_ends"] == {str(y): d.isoformat() for y, d in ends}
    assert result["as_of"] == "2020-12-31"
    for family in FAMILIES:
        assert family in result, family
    assert "per_outlet" not in result


def test_every_year_end_in_every_family(result: dict[str, Any]) -> None:
    years = list(result["year_ends"])
    assert years == ["2018", "2019", "2020"]
    for family in ("structure", "flows", "concentration", "lorenz", "dormancy", "rm_coverage"):
        assert list(result[family]) == years, family
    for family in ("migration", "migration_rates", "aum_bridge", "attrition"):
        assert list(result[family]) == ["2018-2019", "2019-2020"], family
    assert set(result["structure"]["2020"]) == {
        "tier",
        "age_band",
        "gender",
        "customer_type",
        "product_holding",
        "product_penetration",
    }


def test_money_is_two_decimal_strings_and_shares_are_rounded(result: dict[str, Any]) -> None:
    money_keys = {"aum", "mean_aum", "median_aum", "amount", "outflow", "all_outflows"}
    seen = 0
    for path, value in walk(result):
        key = path.rsplit(".", 1)[-1]
        if value is None and key in ("mean_aum", "median_aum"):
            continue  # the mean of an empty tier
        if key in money_keys or path.startswith(".aum_bridge"):
            assert isinstance(value, str), path
            assert MONEY.fullmatch(value), (path, value)
            seen += 1
        elif isinstance(value, float):
            assert value == round(value, 6), path
    assert seen > 50


def test_tiers_sum_to_the_base(result: dict[str, Any], warehouse: Warehouse) -> None:
    for year, d in result["year_ends"].items():
        rows = result["structure"][year]["tier"]
        [(base, aum)] = sql(warehouse, f"SELECT count(*), sum(aum) FROM {{cm}} WHERE as_of = '{d}'")
        assert sum(r["customers"] for r in rows) == base
        assert sum(Decimal(r["aum"]) for r in rows) == aum


def test_years_and_as_of_restrict(tables: Tables) -> None:
    part = analyze(tables, as_of=date(2020, 6, 15), years=(2019, 2020))
    assert part["as_of"] == "2020-05-31"
    assert part["year_ends"] == {"2019": "2019-12-31", "2020": "2020-05-31"}
    assert list(part["aum_bridge"]) == ["2019-2020"]


def test_no_data_is_an_error(tables: Tables) -> None:
    with pytest.raises(LookupError):
        analyze(tables, as_of=date(2000, 1, 31))
    with pytest.raises(LookupError):
        analyze(tables, years=(2030, 2031))


def test_branch_scope_restricts_and_per_outlet_adds_up(
    tables: Tables, warehouse: Warehouse, result: dict[str, Any]
) -> None:
    [(branch,)] = sql(
        warehouse,
        "SELECT branch_id FROM {customers} GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    )
    parent = tables.branches.filter(tables.branches.branch_id == branch).to_pyarrow()
    root = parent.column("parent_id")[0].as_py() or branch
    scope = scope_of(tables, root)
    scoped = analyze(tables, scope=scope)
    assert scoped["branch"] == root
    tiers = scoped["structure"]["2020"]["tier"]
    total = sum(r["customers"] for r in tiers)
    everyone = sum(r["customers"] for r in result["structure"]["2020"]["tier"])
    assert 0 < total <= everyone
    outlets = scoped["per_outlet"]
    assert {o["branch_id"] for o in outlets} <= set(scope.branch_ids or ())
    assert sum(o["customers"] for o in outlets) == total
    assert sum(Decimal(o["aum"]) for o in outlets) == sum(Decimal(r["aum"]) for r in tiers)
    for row in tiers:
        assert sum(o[row["tier"]] for o in outlets) == row["customers"]
    assert all(MONEY.fullmatch(o["aum"]) for o in outlets)
    assert ALL.root is None


def test_money_rounds_half_up_without_float() -> None:
    assert money(Decimal("1.005")) == "1.01"
    assert money(Decimal(12)) == "12.00"
    assert money(0.1 + 0.2) == "0.30"


def same(a: Any, b: Any) -> bool:
    """Equal JSON values, floats within 1e-6 (engines may differ in the last bit)."""
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) < 1e-6
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.spark
@pytest.mark.slow
def test_spark_gives_the_same_contract(
    warehouse: Warehouse, result: dict[str, Any], spark: Any
) -> None:
    """The same analysis on Spark: identical JSON (money exact, shares within 1e-6)."""
    on_spark = analyze(Tables.load(connect("pyspark", spark), warehouse))
    assert same(on_spark, result)


def test_analyses_in_parallel_threads_agree(warehouse: Warehouse, result: dict[str, Any]) -> None:
    """Two API requests analyse at once, each on its own connection: neither may touch a
    connection the other uses (an ``ibis.memtable`` runs on one process-wide connection)."""
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(analyze(Tables.load(connect("duckdb"), warehouse)))
        except BaseException as error:  # noqa: BLE001  (reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [result] * 3
