"""Every rule of the catalogue on hand-made analysis dicts just above and just below each of
its thresholds (default settings): the expected severities follow from the thresholds in
domain/diagnosis_thresholds.py and the figures written here, not from the code under test."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bankcrm.diagnosis.catalogue import RULES, diagnose
from bankcrm.diagnosis.customer_rules import aging_base, concentration, dormancy, product_thin
from bankcrm.diagnosis.money_rules import maturity_runoff, third_party_outflow, tier_downgrade
from bankcrm.diagnosis.service_rules import channel_lag, coverage_gap, high_value_attrition
from bankcrm.domain.diagnosis_thresholds import DEFAULTS, DiagnosisSettings

Json = dict[str, Any]
EPS = 0.0001  # "just above" / "just below" a fractional threshold
ISSUE_CODES = {
    "AGING_BASE", "THIRD_PARTY_OUTFLOW", "CHANNEL_LAG", "HIGH_VALUE_ATTRITION", "PRODUCT_THIN",
    "DORMANCY", "MATURITY_RUNOFF", "CONCENTRATION", "TIER_DOWNGRADE", "COVERAGE_GAP",
}  # fmt: skip


def severity(rule: Any, data: Json, t: DiagnosisSettings = DEFAULTS) -> str | None:
    found = rule(data, t)
    return None if found is None else found.severity.value


def test_the_catalogue_has_every_code_of_the_issue() -> None:
    assert set(RULES) == ISSUE_CODES


def test_an_empty_analysis_finds_nothing() -> None:
    assert diagnose({"year_ends": {}}) == []


# --- AGING_BASE: 55+ share rise ≥ 0.05; under-35 new customers drop ≥ 30 % -------------------


def aging(senior_first: float, senior_last: float, young: tuple[int, int] = (100, 100)) -> Json:
    def bands(senior: float) -> Json:  # 55+ split over two bands, as the analytics has it
        return {"age_band": [
            {"age_band": "45-54", "share": 1 - senior},
            {"age_band": "55-64", "share": senior / 2},
            {"age_band": "65+", "share": senior / 2},
        ]}  # fmt: skip

    return {
        "structure": {"2019": bands(senior_first), "2020": bands(senior_last)},
        "young_acquisition": {"2019": {"young": young[0]}, "2020": {"young": young[1]}},
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (aging(0.30, 0.35 + EPS), "medium"),
        (aging(0.30, 0.35 - EPS), None),
        (aging(0.30, 0.30, (100, 70)), "medium"),  # 70 = (1 - 0.30) × 100: at the threshold
        (aging(0.30, 0.30, (100, 71)), None),
        (aging(0.30, 0.35 + EPS, (100, 70)), "high"),  # both at once
    ],
)
def test_aging_base(data: Json, expected: str | None) -> None:
    assert severity(aging_base, data) == expected


def test_aging_base_names_the_young_segment_and_the_years() -> None:
    found = aging_base(aging(0.30, 0.40, (207, 42)), DEFAULTS)
    assert found is not None
    assert found.segment == {"customer_type_in": ["individual"], "age_band_in": ["<25", "25-34"]}
    assert "2019" in found.explanation_zh
    assert "42" in found.explanation_zh
    assert found.evidence[1].values == {"2019": 207, "2020": 42}


# --- THIRD_PARTY_OUTFLOW: last ≥ 0.20 high; rise ≥ 0.05 medium; last ≥ 0.10 low -------------


def outflow(*shares: float) -> Json:
    return {"third_party_outflow": {
        str(2015 + i): {"outflow": "1000.00", "all_outflows": "5000.00", "share": s}
        for i, s in enumerate(shares)
    }}  # fmt: skip


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (outflow(0.15, 0.20 + EPS), "high"),
        (outflow(0.15, 0.15, 0.20 - EPS), "low"),  # rise 0.0499: under 0.05
        (outflow(0.10, 0.15 + EPS, 0.12), "medium"),  # rose 0.0501 then fell back
        (outflow(0.10, 0.15 - EPS, 0.12), "low"),
        (outflow(0.10 - EPS, 0.10 - EPS), None),
        (outflow(0.10 + EPS, 0.10 + EPS), "low"),
    ],
)
def test_third_party_outflow(data: Json, expected: str | None) -> None:
    assert severity(third_party_outflow, data) == expected


# --- CHANNEL_LAG: counter ≥ 0.25 and mobile adoption rise ≥ 0.15 ------------------------------


def channels(counter: tuple[float, float], mobile: tuple[float, float]) -> Json:
    return {
        "channel_mix": {
            y: [{"channel": "counter", "count_share": c}, {"channel": "atm", "count_share": 0.1}]
            for y, c in zip(("2019", "2020"), counter, strict=True)
        },
        "channel_adoption": {
            y: [{"channel": "mobile_banking", "share": m}]
            for y, m in zip(("2019", "2020"), mobile, strict=True)
        },
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (channels((0.35, 0.25 + EPS), (0.30, 0.45 + EPS)), "medium"),
        (channels((0.35, 0.25 - EPS), (0.30, 0.45 + EPS)), "low"),  # adoption 45 % < 70 %
        (channels((0.35, 0.25 + EPS), (0.30, 0.45 - EPS)), "low"),  # no shift: level only
        (channels((0.25 + EPS, 0.26), (0.30, 0.45 + EPS)), "high"),  # counter did not fall
        (channels((0.30, 0.25 - EPS), (0.60, 0.70 + EPS)), None),
        (channels((0.30, 0.25 - EPS), (0.60, 0.70 - EPS)), "low"),
    ],
)
def test_channel_lag(data: Json, expected: str | None) -> None:
    assert severity(channel_lag, data) == expected


# --- HIGH_VALUE_ATTRITION: ratio ≥ 2 (high ≥ 3), ≥ 3 attrited, binomial p ≤ 0.01 -------------


def attrition(top: tuple[int, int], rest: tuple[int, int] = (30, 1000), cover: float = 1.0) -> Json:
    """Platinum+ (attrited, eligible) and the other eligible (gold) customers in 2019-2020,
    with the platinum+ RM assignment coverage at the end of 2019."""
    (ta, te), (ra, re) = top, rest
    return {
        "attrition": {"2019-2020": [
            {"tier": "gold", "eligible": re, "attrited": ra},
            {"tier": "platinum", "eligible": te, "attrited": ta},
            {"tier": "diamond", "eligible": 0, "attrited": 0},
            {"tier": "private", "eligible": 0, "attrited": 0},
            {"tier": "all", "eligible": re + te, "attrited": ra + ta},
        ]},
        "rm_coverage": {"2019": [
            {"tier": "platinum", "customers": 1000, "assigned": round(1000 * cover)},
        ]},
    }  # fmt: skip


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), summed term by term (independent of scipy)."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        ((24, 400), "medium"),  # 6.0 % vs 3.0 %: ratio exactly 2
        ((23, 400), None),  # ratio 1.92
        ((36, 400), "high"),  # 9.0 %: ratio exactly 3
        ((35, 400), "medium"),
        ((3, 10), "high"),  # 30 % of 10: p small, three attrited
        ((2, 5), None),  # 40 % but only two customers
    ],
)
def test_high_value_attrition_ratio_and_count(top: tuple[int, int], expected: str | None) -> None:
    assert severity(high_value_attrition, attrition(top)) == expected


def test_high_value_attrition_significance_edge() -> None:
    data = attrition((7, 100))  # 7 % vs 3 %: ratio 2.33, but a small sample
    p = binomial_tail(7, 100, 0.03)
    assert 0.01 < p < 0.05  # so the default (0.01) rejects it
    assert severity(high_value_attrition, data) is None
    assert severity(high_value_attrition, data, DiagnosisSettings(attrition_p_value=p * 1.001))
    below = DiagnosisSettings(attrition_p_value=p * 0.999)
    assert severity(high_value_attrition, data, below) is None


def test_high_value_attrition_says_whether_coverage_explains_it() -> None:
    covered = high_value_attrition(attrition((40, 400), cover=0.96), DEFAULTS)
    assert covered is not None
    assert "does not explain" in covered.explanation_en
    assert "96.0%" in covered.explanation_en
    assert covered.notes_en
    assert "not available yet" in covered.notes_en[0]
    assert covered.notes_zh
    assert "尚未接入" in covered.notes_zh[0]
    thin = high_value_attrition(attrition((40, 400), cover=0.90), DEFAULTS)
    assert thin is not None
    assert "may explain" in thin.explanation_en
    # the contact log plugs in as a family shaped like rm_coverage: then no caveat
    with_contacts = attrition((40, 400)) | {
        "contact_coverage": {"2019": [{"tier": "platinum", "customers": 1000, "contacted": 500}]}
    }
    found = high_value_attrition(with_contacts, DEFAULTS)
    assert found is not None
    assert found.notes_en == ()
    assert "Contact coverage was 50.0%" in found.explanation_en


# --- PRODUCT_THIN: single-product share ≥ 0.50 medium, ≥ 0.60 high ----------------------------


def holding(single: float) -> Json:
    return {"structure": {"2020": {"product_holding": [
        {"product_holding": 1, "customers": round(single * 10000), "share": single},
        {"product_holding": 2, "customers": 10000 - round(single * 10000), "share": 1 - single},
    ]}}}  # fmt: skip


@pytest.mark.parametrize(
    ("single", "expected"),
    [(0.50 + EPS, "medium"), (0.50 - EPS, None), (0.60 + EPS, "high"), (0.60 - EPS, "medium")],
)
def test_product_thin(single: float, expected: str | None) -> None:
    assert severity(product_thin, holding(single)) == expected


def test_product_thin_counts_the_single_product_customers() -> None:
    found = product_thin(holding(0.63), DEFAULTS)
    assert found is not None
    assert found.affected_customers == 6300
    assert found.segment == {"product_holding_max": 1}


# --- DORMANCY: ≥ 0.30 high, ≥ 0.20 or rise ≥ 0.05 medium, ≥ 0.10 low --------------------------


def dormant(*shares: float) -> Json:
    return {"dormancy": {
        str(2018 + i): [{"tier": "all", "base": 1000, "dormant": round(s * 1000), "share": s}]
        for i, s in enumerate(shares)
    }}  # fmt: skip


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (dormant(0.30 + EPS), "high"),
        (dormant(0.30 - EPS), "medium"),
        (dormant(0.20 + EPS), "medium"),
        (dormant(0.20 - EPS), "low"),
        (dormant(0.10 - EPS), None),
        (dormant(0.10, 0.15 + EPS), "medium"),  # rose 0.0501
        (dormant(0.10, 0.15 - EPS), "low"),
    ],
)
def test_dormancy(data: Json, expected: str | None) -> None:
    assert severity(dormancy, data) == expected


# --- MATURITY_RUNOFF: share left ≥ 0.15 medium, ≥ 0.30 high, at least 20 matured --------------


def runoff(share: float, matured: int = 10000) -> Json:
    left = round(share * matured)
    return {"maturity_runoff": {"2020": {
        "matured": matured, "left": left, "stayed": matured - left, "share_left": share,
        "matured_amount": "100000.00", "left_amount": "30000.00",
    }}}  # fmt: skip


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (runoff(0.15 + EPS), "medium"),
        (runoff(0.15 - EPS), None),
        (runoff(0.30 + EPS), "high"),
        (runoff(0.30 - EPS), "medium"),
        (runoff(0.5, matured=20), "high"),
        (runoff(0.5, matured=19), None),  # too few matured to judge
    ],
)
def test_maturity_runoff(data: Json, expected: str | None) -> None:
    assert severity(maturity_runoff, data) == expected


# --- CONCENTRATION: top 1 % ≥ 0.30 or top 10 % ≥ 0.70 medium; 0.50 / 0.85 high ---------------


def concentrated(top1: float, top10: float) -> Json:
    return {"concentration": {"2020": {"top1": top1, "top10": top10, "top20": 0.9, "gini": 0.8}}}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (concentrated(0.30 + EPS, 0.5), "medium"),
        (concentrated(0.30 - EPS, 0.70 - EPS), None),
        (concentrated(0.1, 0.70 + EPS), "medium"),
        (concentrated(0.50 + EPS, 0.8), "high"),
        (concentrated(0.2, 0.85 + EPS), "high"),
    ],
)
def test_concentration(data: Json, expected: str | None) -> None:
    assert severity(concentration, data) == expected


# --- TIER_DOWNGRADE: downgrades ≥ 1.25 × upgrades and a net of ≥ 10 ---------------------------


def migrations(*periods: tuple[int, int]) -> Json:
    return {"migration_rates": {
        f"{2015 + i}-{2016 + i}": [
            {"tier": "gold", "customers": 500, "upgraded": up, "downgraded": down},
            {"tier": "standard", "customers": 5000, "upgraded": 0, "downgraded": 0},
        ]
        for i, (up, down) in enumerate(periods)
    }}  # fmt: skip


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (migrations((40, 50)), "medium"),  # 50 = 1.25 × 40, net 10
        (migrations((40, 49)), None),
        (migrations((8, 17)), None),  # ratio 2.1 but net 9
        (migrations((40, 50), (40, 50)), "high"),  # the two latest periods
        (migrations((40, 50), (40, 40)), "low"),  # only an earlier period
    ],
)
def test_tier_downgrade(data: Json, expected: str | None) -> None:
    assert severity(tier_downgrade, data) == expected


# --- COVERAGE_GAP: platinum+ coverage < 0.95 medium, < 0.80 high ------------------------------


def coverage(share: float) -> Json:
    return {"rm_coverage": {"2020": [
        {"tier": "gold", "customers": 10000, "assigned": 0},  # gold is not a high tier here
        {"tier": "platinum", "customers": 9000, "assigned": round(9000 * share)},
        {"tier": "private", "customers": 1000, "assigned": round(1000 * share)},
    ]}}  # fmt: skip


@pytest.mark.parametrize(
    ("share", "expected"),
    [(0.95 - EPS * 10, "medium"), (0.95 + EPS * 10, None), (0.80 - EPS * 10, "high"),
     (0.80 + EPS * 10, "medium")],
)  # fmt: skip
def test_coverage_gap(share: float, expected: str | None) -> None:
    assert severity(coverage_gap, coverage(share)) == expected


def test_coverage_gap_says_contact_recency_is_missing_and_names_the_segment() -> None:
    found = coverage_gap(coverage(0.90), DEFAULTS)
    assert found is not None
    assert found.segment == {"tier_in": ["platinum", "diamond", "private"], "rm_assigned": False}
    assert found.affected_customers == 1000  # 10 % of 10 000 platinum+ customers
    assert "not available yet" in found.notes_en[0]


def test_thresholds_are_validated_with_the_field_name() -> None:
    with pytest.raises(ValueError, match="dormant_share"):
        DiagnosisSettings(dormant_share=1.5)
    with pytest.raises(ValueError, match="no_such_threshold"):
        DiagnosisSettings(no_such_threshold=1)  # type: ignore[call-arg]
