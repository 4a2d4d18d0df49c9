"""The diagnosis thresholds, one documented default each (docs/diagnosis.md justifies them).

Shares and rates are fractions (0.05 = five percentage points). Loaded from the main
settings as ``diagnosis`` (``BANKCRM_DIAGNOSIS__<NAME>`` or ``[diagnosis]`` in bankcrm.toml)
once the lead hooks it into ``bankcrm.config.Settings``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DiagnosisSettings(BaseModel):
    """Thresholds of every rule of the catalogue; a misspelt key is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # AGING_BASE
    aging_senior_rise: float = Field(0.05, ge=0.0, le=1.0)
    aging_young_drop: float = Field(0.30, ge=0.0, le=1.0)
    # THIRD_PARTY_OUTFLOW
    outflow_share_high: float = Field(0.20, ge=0.0, le=1.0)
    outflow_rise: float = Field(0.05, ge=0.0, le=1.0)
    outflow_share_notable: float = Field(0.10, ge=0.0, le=1.0)
    # CHANNEL_LAG
    channel_counter_share: float = Field(0.25, ge=0.0, le=1.0)
    channel_adoption_target: float = Field(0.70, ge=0.0, le=1.0)
    channel_adoption_rise: float = Field(0.15, ge=0.0, le=1.0)
    # HIGH_VALUE_ATTRITION
    attrition_ratio: float = Field(2.0, ge=1.0)
    attrition_ratio_high: float = Field(3.0, ge=1.0)
    attrition_min_attrited: int = Field(3, ge=1)
    attrition_p_value: float = Field(0.01, gt=0.0, le=1.0)
    # PRODUCT_THIN
    single_product_share: float = Field(0.50, ge=0.0, le=1.0)
    single_product_share_high: float = Field(0.60, ge=0.0, le=1.0)
    # DORMANCY
    dormant_share: float = Field(0.20, ge=0.0, le=1.0)
    dormant_share_high: float = Field(0.30, ge=0.0, le=1.0)
    dormant_share_notable: float = Field(0.10, ge=0.0, le=1.0)
    dormant_rise: float = Field(0.05, ge=0.0, le=1.0)
    # MATURITY_RUNOFF
    runoff_share: float = Field(0.15, ge=0.0, le=1.0)
    runoff_share_high: float = Field(0.30, ge=0.0, le=1.0)
    runoff_min_matured: int = Field(20, ge=1)
    # CONCENTRATION
    top1_share: float = Field(0.30, ge=0.0, le=1.0)
    top1_share_high: float = Field(0.50, ge=0.0, le=1.0)
    top10_share: float = Field(0.70, ge=0.0, le=1.0)
    top10_share_high: float = Field(0.85, ge=0.0, le=1.0)
    # TIER_DOWNGRADE
    downgrade_ratio: float = Field(1.25, ge=1.0)
    downgrade_min_net: int = Field(10, ge=1)
    # COVERAGE_GAP
    coverage_min: float = Field(0.95, ge=0.0, le=1.0)
    coverage_high: float = Field(0.80, ge=0.0, le=1.0)


DEFAULTS = DiagnosisSettings()
