"""The catalogue on the demo branch finds every phenomenon SCENARIO.md planted, with evidence
equal to the generator's realised values (``_truth/scenario.json``), and on the neutral
branch reports none of the planted ones at high or medium severity."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from bankcrm.diagnosis.catalogue import diagnose
from bankcrm.diagnosis.findings import Finding
from tests.diagnosis.branches import Branch

pytestmark = pytest.mark.slow

# SCENARIO.md phenomenon → the code that must report it
PLANTED = {
    "ageing base": "AGING_BASE",
    "internet-finance outflow": "THIRD_PARTY_OUTFLOW",
    "channel shift": "CHANNEL_LAG",
    "high-value attrition": "HIGH_VALUE_ATTRITION",
    "product thinness": "PRODUCT_THIN",
    "dormancy": "DORMANCY",
    "maturity run-off": "MATURITY_RUNOFF",
}
SERIOUS = ("high", "medium")


def by_code(findings: list[Finding]) -> dict[str, Finding]:
    return {f.code: f for f in findings}


def evidence(finding: Finding, name: str) -> dict[str, float | int | str | None]:
    return next(e.values for e in finding.evidence if e.name == name)


def close(found: Mapping[str, object], expected: Mapping[str, float], tol: float = 2e-6) -> None:
    assert set(found) == set(expected)
    for key, value in expected.items():
        assert found[key] == pytest.approx(value, abs=tol), key


def test_every_planted_phenomenon_is_found_on_the_demo_branch(demo: Branch) -> None:
    found = by_code(diagnose(demo.data))
    for phenomenon, code in PLANTED.items():
        assert code in found, f"{phenomenon} ({code}) not found"
        assert found[code].severity.value in SERIOUS, (phenomenon, found[code].severity)


def test_no_planted_phenomenon_is_serious_on_the_neutral_branch(neutral: Branch) -> None:
    serious = {f.code for f in diagnose(neutral.data) if f.severity.value in SERIOUS}
    assert not serious & set(PLANTED.values()), serious


def test_demo_evidence_equals_the_generator_truth(demo: Branch) -> None:
    found, real = by_code(diagnose(demo.data)), demo.realised
    close(evidence(found["AGING_BASE"], "senior_share"), real["age_55_plus_share"])
    assert evidence(found["AGING_BASE"], "young_new") == real["new_individuals_under_35"]
    close(
        evidence(found["THIRD_PARTY_OUTFLOW"], "outflow_share"), real["third_party_outflow_share"]
    )
    close(evidence(found["CHANNEL_LAG"], "mobile_adoption"), real["mobile_adoption"])
    close(evidence(found["CHANNEL_LAG"], "counter_share"), real["counter_share"])
    close(evidence(found["PRODUCT_THIN"], "single_product_share"), real["single_product_share"])
    close(evidence(found["DORMANCY"], "dormant_share"), real["dormant_share"])
    conc = real["concentration_end"]
    assert evidence(found["CONCENTRATION"], "top1")["2020"] == pytest.approx(conc["top_1pct"])
    assert evidence(found["CONCENTRATION"], "top10")["2020"] == pytest.approx(conc["top_10pct"])


def test_demo_high_value_attrition_is_in_the_planted_years(demo: Branch) -> None:
    """The generator attrites platinum+ customers in 2018 and 2019, i.e. the periods from the
    end of 2017 and of 2018; the truth keys attrition by the first year of the period."""
    finding = by_code(diagnose(demo.data))["HIGH_VALUE_ATTRITION"]
    planted = {f"{y - 1}-{y}" for y in demo.truth["parameters"]["high_value_attrition_years"]}
    assert planted <= set(finding.explanation_en.split("others in ")[1].split(";")[0].split(", "))
    rates = evidence(finding, "top_rate")
    for period in planted:
        truth = demo.realised["attrition"][period.split("-")[0]]
        assert rates[period] == pytest.approx(truth["platinum_plus_rate"], abs=1e-6)
    assert finding.notes_en  # contact recency is not in the warehouse yet


def test_demo_maturity_runoff_equals_the_truth_over_all_years(demo: Branch) -> None:
    runoff = demo.data["maturity_runoff"]
    matured = sum(r["matured"] for r in runoff.values())
    left = sum(r["left"] for r in runoff.values())
    assert matured == demo.realised["matured_accounts"]
    assert left / matured == pytest.approx(demo.realised["maturity_runoff_share"], abs=1e-5)


def test_neutral_figures_stay_flat(neutral: Branch) -> None:
    """What keeps the rules quiet on neutral is what the scenario switched off."""
    real = neutral.realised
    assert max(real["single_product_share"].values()) < 0.5
    assert max(real["dormant_share"].values()) < 0.1
    assert neutral.realised["maturity_runoff_share"] < 0.15
