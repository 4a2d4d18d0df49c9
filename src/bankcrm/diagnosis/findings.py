"""What a diagnosis says: a finding (code, bilingual title and explanation, severity, the
evidence that triggered it, the customers it concerns, what to do).

The affected customers are a ``Segment``: a small declarative filter over customer attributes
at the snapshot date, which the campaign feature evaluates later. Its vocabulary (every key
optional, all keys AND-ed):

  tier_in: [tier, ...]             tier at the snapshot date (standard … private)
  age_band_in: [band, ...]         METRICS.md age band at the snapshot date (individuals)
  customer_type_in: [type, ...]    individual / corporate
  product_holding_max: n           at most n product types held
  dormant: bool                    METRICS.md dormant at the snapshot date
  channel_missing: channel         no active enrollment in that e-channel
  rm_assigned: bool                an active RM assignment at the snapshot date
  third_party_outflow: bool        an outflow to a third-party payment counterparty in the
                                   twelve months up to the snapshot date
  maturing_within_days: n          a time deposit / large CD / wealth product maturing within
                                   n days after the snapshot date
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal

Segment = dict[str, Any]
Unit = Literal["share", "count", "yuan", "ratio", "p_value"]


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for high: findings sort most severe first."""
        return ("high", "medium", "low").index(self.value)


SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低"}
# How a threshold applies to its figure, and how the Chinese report says it.
COMPARISONS_ZH = {
    "≥": "≥",
    "≤": "≤",
    "<": "<",
    "rise ≥": "升幅 ≥",
    "drop ≥": "降幅 ≥",
    "≥ base ×": "≥ 其他客户 ×",
    "≥ upgrades ×": "≥ 升级客户数 ×",
}


@dataclass(frozen=True)
class Figure:
    """One piece of evidence: a figure per year (or period), and the threshold it was compared
    with (``None`` for context figures that trigger nothing)."""

    name: str
    label_zh: str
    label_en: str
    unit: Unit
    values: dict[str, float | int | str | None]
    threshold: float | None = None
    comparison: str = ""  # how the threshold applies: one of COMPARISONS_ZH

    def __post_init__(self) -> None:
        # Sums of rounded shares carry float noise (0.370978999…); evidence shows 6 decimals
        # like the analysis JSON.
        # p-values stay exact: they are far below 1e-6 exactly when they matter.
        digits = None if self.unit == "p_value" else 6
        clean = {
            k: round(v, digits) if isinstance(v, float) and digits else v
            for k, v in self.values.items()
        }
        object.__setattr__(self, "values", clean)


@dataclass(frozen=True)
class Finding:
    """One problem found by a rule, with everything a manager needs to act on it."""

    code: str
    severity: Severity
    title_zh: str
    title_en: str
    explanation_zh: str
    explanation_en: str
    evidence: tuple[Figure, ...]
    segment: Segment
    actions_zh: tuple[str, ...]
    actions_en: tuple[str, ...]
    affected_customers: int | None = None
    notes_zh: tuple[str, ...] = field(default=())  # caveats, e.g. data not available yet
    notes_en: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The finding as plain JSON values (severity as its code name)."""
        out = asdict(self)
        out["severity"] = self.severity.value
        out["evidence"] = [asdict(f) for f in self.evidence]
        out["actions_zh"], out["actions_en"] = list(self.actions_zh), list(self.actions_en)
        out["notes_zh"], out["notes_en"] = list(self.notes_zh), list(self.notes_en)
        return out


def ordered(findings: list[Finding]) -> list[Finding]:
    """Most severe first; the catalogue order within a severity."""
    return sorted(findings, key=lambda f: f.severity.rank)
