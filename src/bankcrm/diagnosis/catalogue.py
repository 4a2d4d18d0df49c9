"""The catalogue of diagnosis rules and the one entry point, ``diagnose``."""

from __future__ import annotations

from collections.abc import Callable

from bankcrm.diagnosis import customer_rules, money_rules, service_rules
from bankcrm.diagnosis.findings import Finding, ordered
from bankcrm.diagnosis.series import Json
from bankcrm.domain.diagnosis_thresholds import DEFAULTS, DiagnosisSettings

Rule = Callable[[Json, DiagnosisSettings], Finding | None]

# code → rule, in the order of the table (the order of findings of equal severity).
RULES: dict[str, Rule] = {
    "AGING_BASE": customer_rules.aging_base,
    "THIRD_PARTY_OUTFLOW": money_rules.third_party_outflow,
    "CHANNEL_LAG": service_rules.channel_lag,
    "HIGH_VALUE_ATTRITION": service_rules.high_value_attrition,
    "PRODUCT_THIN": customer_rules.product_thin,
    "DORMANCY": customer_rules.dormancy,
    "MATURITY_RUNOFF": money_rules.maturity_runoff,
    "CONCENTRATION": customer_rules.concentration,
    "TIER_DOWNGRADE": money_rules.tier_downgrade,
    "COVERAGE_GAP": service_rules.coverage_gap,
}


def diagnose(data: Json, thresholds: DiagnosisSettings = DEFAULTS) -> list[Finding]:
    """Every rule of the catalogue over the analysis ``data`` (``inputs.gather``), most severe
    first. Rules whose families are missing or empty find nothing."""
    found = [rule(data, thresholds) for rule in RULES.values()]
    return ordered([f for f in found if f is not None])
