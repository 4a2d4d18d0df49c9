"""The planted channel and activity phenomena of the demo scenario, measured by the analytics
on a generated extract imported through the real importer (DuckDB), against the generator's
realised values in ``_truth/scenario.json`` (its ``definitions`` section states the same
definitions as METRICS.md); and their absence in the neutral scenario."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pytest

from bankcrm.analytics.activity import attrition, dormancy
from bankcrm.analytics.base import Tables, year_ends
from bankcrm.analytics.channels import channel_adoption, channel_mix, third_party_outflow
from bankcrm.ingest.loader import Importer
from bankcrm.store.db import make_engine, upgrade
from bankcrm.synth import SynthOptions, generate
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse

pytestmark = pytest.mark.slow
TOP_TIERS = ("platinum", "diamond", "private")  # platinum+: AUM ≥ 500 000 at the end of Y


@dataclass(frozen=True)
class Demo:
    tables: Tables
    truth: dict[str, Any]
    ends: dict[int, date]

    @property
    def realised(self) -> dict[str, Any]:
        return self.truth["realised"]  # type: ignore[no-any-return]


def _demo(root: Path, scenario: Literal["default", "neutral"]) -> Demo:
    options = SynthOptions(
        customers=1500, start="2015-01", end="2020-12", seed=20201231, scenario=scenario
    )
    generate(root / "extract", options)
    engine = make_engine(f"sqlite:///{root / 'store.sqlite3'}")
    upgrade(engine)
    report = Importer(engine, Warehouse(root / "warehouse")).run(root / "extract")
    engine.dispose()
    assert report.ok, report.failed
    tables = Tables.load(connect("duckdb"), Warehouse(root / "warehouse"))
    truth = json.loads((root / "extract" / "_truth" / "scenario.json").read_text("utf-8"))
    return Demo(tables, truth, year_ends(tables))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return _demo(tmp_path_factory.mktemp("default"), "default")


@pytest.fixture(scope="module")
def neutral(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return _demo(tmp_path_factory.mktemp("neutral"), "neutral")


def outflow_shares(demo: Demo) -> dict[str, float]:
    return {
        str(y): third_party_outflow(demo.tables, y).to_pyarrow()["share"][0].as_py()
        for y in demo.ends
    }


def mobile_adoption(demo: Demo) -> dict[str, float]:
    shares = {}
    for y, d in demo.ends.items():
        rows = channel_adoption(demo.tables, d).to_pyarrow().to_pylist()
        shares[str(y)] = next(r["share"] for r in rows if r["channel"] == "mobile_banking")
    return shares


def attrition_by_year(demo: Demo) -> dict[str, dict[str, int]]:
    """Per Y: eligible and attrited over the branch and over platinum+ (from the tier rows)."""
    years = sorted(demo.ends)
    result = {}
    for y, nxt in itertools.pairwise(years):
        rows = attrition(demo.tables, y, demo.ends[y], demo.ends[nxt]).to_pyarrow().to_pylist()
        top = [r for r in rows if r["tier"] in TOP_TIERS]
        (total,) = (r for r in rows if r["tier"] == "all")
        result[str(y)] = {
            "eligible": total["eligible"],
            "attrited": total["attrited"],
            "top": sum(r["eligible"] for r in top),
            "top_attrited": sum(r["attrited"] for r in top),
        }
    return result


def test_year_ends_cover_the_truth(demo: Demo) -> None:
    assert [str(y) for y in demo.ends] == list(demo.realised["third_party_outflow_share"])


@pytest.mark.parametrize("name", ["demo", "neutral"])
def test_measured_equals_realised(name: str, request: pytest.FixtureRequest) -> None:
    case: Demo = request.getfixturevalue(name)
    realised = case.realised
    assert outflow_shares(case) == pytest.approx(realised["third_party_outflow_share"], abs=1e-6)
    assert mobile_adoption(case) == pytest.approx(realised["mobile_adoption"], abs=1e-6)
    counter: dict[str, float] = {}
    for y in case.ends:
        rows = channel_mix(case.tables, y).to_pyarrow().to_pylist()
        counter[str(y)] = next(r["count_share"] for r in rows if r["channel"] == "counter")
    assert counter == pytest.approx(realised["counter_share"], abs=1e-6)
    dormant: dict[str, float] = {}
    for y, d in case.ends.items():
        rows = dormancy(case.tables, d).to_pyarrow().to_pylist()
        dormant[str(y)] = next(r["share"] for r in rows if r["tier"] == "all")
    assert dormant == pytest.approx(realised["dormant_share"], abs=1e-6)
    for key, got in attrition_by_year(case).items():
        truth = realised["attrition"][key]
        assert (got["eligible"], got["top"]) == (truth["eligible"], truth["platinum_plus"]), key
        assert got["attrited"] / got["eligible"] == pytest.approx(truth["branch_rate"], abs=1e-6)
        top_rate = got["top_attrited"] / got["top"] if got["top"] else 0.0
        assert top_rate == pytest.approx(truth["platinum_plus_rate"], abs=1e-6)


def planted_keys(demo: Demo) -> list[str]:
    """Attrition of Y spans end of Y → end of Y+1: money leaving in year X shows under Y = X−1."""
    return [str(x - 1) for x in demo.truth["parameters"]["high_value_attrition_years"]]


def pooled_rates(case: Demo, keys: list[str]) -> tuple[float, float]:
    """(platinum+ rate, branch rate) pooled over the attrition years ``keys``."""
    per_year = attrition_by_year(case)
    top = sum(per_year[k]["top_attrited"] for k in keys) / sum(per_year[k]["top"] for k in keys)
    branch = sum(per_year[k]["attrited"] for k in keys) / sum(per_year[k]["eligible"] for k in keys)
    return top, branch


def test_demo_shows_the_planted_phenomena(demo: Demo) -> None:
    shares = outflow_shares(demo)
    assert max(shares.values()) - shares["2015"] > 0.1  # the third-party wave rises …
    assert shares["2020"] < max(shares.values())  # … and recedes
    adoption = mobile_adoption(demo)
    assert adoption["2020"] - adoption["2015"] > 0.3  # mobile banking spreads
    top, branch = pooled_rates(demo, planted_keys(demo))
    assert top > 3 * branch  # platinum+ customers leave far more often in the planted years


def test_neutral_shows_none_of_them(neutral: Demo, demo: Demo) -> None:
    shares = outflow_shares(neutral)
    assert max(shares.values()) - min(shares.values()) < 0.02
    adoption = mobile_adoption(neutral)
    assert max(adoption.values()) - min(adoption.values()) < 0.05
    top, branch = pooled_rates(neutral, planted_keys(demo))
    assert top < 3 * branch


def _share(demo: Demo, d: date, by: str, groups: tuple[str, ...]) -> float:
    from bankcrm.analytics.structure import structure  # noqa: PLC0415

    rows = structure(demo.tables, d, by).to_pyarrow().to_pylist()
    total = sum(r["customers"] for r in rows)
    return sum(r["customers"] for r in rows if str(r[by]) in groups) / total


def test_ageing_base_and_product_thinness_match_the_truth(demo: Demo, neutral: Demo) -> None:
    """Phenomena 1 and 5: the 55+ share of individuals and the single-product share per
    year-end equal the generator's own figures; planted, they rise and stay high, neutral,
    flat and low."""
    for case in (demo, neutral):
        for y, d in case.ends.items():
            older = _share(case, d, "age_band", ("55-64", "65+"))
            known = 1 - _share(case, d, "age_band", ("unknown",))
            assert older / known == pytest.approx(
                case.realised["age_55_plus_share"][str(y)], abs=1e-6
            )
            single = _share(case, d, "product_holding", ("1",))
            assert single == pytest.approx(case.realised["single_product_share"][str(y)], abs=1e-6)
    first, last = min(demo.ends), max(demo.ends)
    rise = _share(demo, demo.ends[last], "age_band", ("55-64", "65+")) - _share(
        demo, demo.ends[first], "age_band", ("55-64", "65+")
    )
    flat = _share(neutral, neutral.ends[last], "age_band", ("55-64", "65+")) - _share(
        neutral, neutral.ends[first], "age_band", ("55-64", "65+")
    )
    assert rise > 0.05 > abs(flat)
    assert _share(demo, demo.ends[last], "product_holding", ("1",)) > 0.5
    assert _share(neutral, neutral.ends[last], "product_holding", ("1",)) < 0.4
