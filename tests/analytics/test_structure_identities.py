"""Identities that hold on any data, and the generator's truth, on a generated extract
(300 customers, 2018-01..2020-12, seed 5) imported with the real importer. DuckDB only (the
hand-made tests run every function on Spark too).

The base identity: with year-ends on 31 December, base(Y+1) = base(Y) + new(Y+1) − closed(Y+1)
exactly, because a customer leaves or joins the base between the two year-ends exactly when
closed_on / opened_on falls in Y+1, and one opened and closed within Y+1 is counted in both new
and closed, so cancels out.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bankcrm.analytics.base import Tables, year_ends
from bankcrm.analytics.concentration import concentration
from bankcrm.analytics.flows import base_count, flows
from bankcrm.analytics.migration import aum_bridge, migration
from bankcrm.analytics.structure import DIMENSIONS, structure
from bankcrm.ingest.loader import Importer
from bankcrm.store.db import make_engine, upgrade
from bankcrm.synth import SynthOptions, generate
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse
from tests.analytics.conftest import rows


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Tables, dict[str, Any]]:
    root = tmp_path_factory.mktemp("synth")
    generate(root / "extract", SynthOptions(customers=300, start="2018-01", end="2020-12", seed=5))
    engine = make_engine(f"sqlite:///{root / 'store.sqlite3'}")
    upgrade(engine)
    assert Importer(engine, Warehouse(root / "warehouse")).run(root / "extract").ok
    engine.dispose()
    truth = json.loads((root / "extract" / "_truth" / "scenario.json").read_text("utf-8"))
    return Tables.load(connect("duckdb"), Warehouse(root / "warehouse")), truth["realised"]


def test_every_structure_adds_up_to_the_base(generated: tuple[Tables, dict[str, Any]]) -> None:
    tables, _ = generated
    for year, end in year_ends(tables).items():
        base = rows(base_count(tables, end))[0]["customers"]
        for by in DIMENSIONS:
            got = rows(structure(tables, end, by))  # type: ignore[arg-type]
            total = sum(r["customers"] for r in got)
            if by == "age_band":  # individuals only
                total += sum(
                    r["customers"]
                    for r in rows(structure(tables, end, "customer_type"))
                    if r["customer_type"] != "individual"
                )
            assert total == base, (year, by)
            assert sum(r["share"] for r in got) == pytest.approx(1.0)


def test_migration_bridge_and_flows_identities(generated: tuple[Tables, dict[str, Any]]) -> None:
    tables, _ = generated
    ends = year_ends(tables)
    for year in list(ends)[:-1]:
        d0, d1 = ends[year], ends[year + 1]
        tiers0 = {r["tier"]: r for r in rows(structure(tables, d0, "tier"))}
        tiers1 = {r["tier"]: r for r in rows(structure(tables, d1, "tier"))}
        cells = rows(migration(tables, d0, d1))
        for tier in tiers0:  # rows sum to the tiers at d0, columns to the tiers at d1
            assert (
                sum(c["customers"] for c in cells if c["from"] == tier) == tiers0[tier]["customers"]
            )
            assert (
                sum(c["customers"] for c in cells if c["to"] == tier) == tiers1[tier]["customers"]
            )
            assert sum(c["aum"] for c in cells if c["to"] == tier) == tiers1[tier]["aum"]
        (b,) = rows(aum_bridge(tables, d0, d1))
        assert b["start"] + b["new"] + b["closed"] + b["increase"] + b["decrease"] == b["end"]
        assert b["start"] == sum(t["aum"] for t in tiers0.values())
        assert b["end"] == sum(t["aum"] for t in tiers1.values())
        (flow,) = rows(flows(tables, year + 1))
        base0 = rows(base_count(tables, d0))[0]["customers"]
        base1 = rows(base_count(tables, d1))[0]["customers"]
        assert base1 == base0 + flow["new"] - flow["closed"]


def test_figures_match_the_generators_truth(generated: tuple[Tables, dict[str, Any]]) -> None:
    tables, truth = generated
    for year, end in year_ends(tables).items():
        got = {r["tier"]: r["customers"] for r in rows(structure(tables, end, "tier"))}
        assert got == truth["tier_counts"][str(year)]
    last = max(year_ends(tables).values())
    (conc,) = rows(concentration(tables, last))
    expected = truth["concentration_end"]
    assert conc["top1"] == pytest.approx(expected["top_1pct"], abs=1e-6)
    assert conc["top10"] == pytest.approx(expected["top_10pct"], abs=1e-6)
    assert conc["top20"] == pytest.approx(expected["top_20pct"], abs=1e-6)
    assert conc["gini"] == pytest.approx(expected["gini"], abs=1e-6)
