"""The task rules (任务规则) and their parameters: configuration, with defaults in code.

Hooked into ``bankcrm.config.Settings`` as ``tasks: TaskRuleSettings = TaskRuleSettings()``,
so a branch writes e.g. ``[tasks.maturity] days = 15`` or ``[tasks.birthday] enabled = false``
in ``bankcrm.toml``. Each rule has ``enabled`` and ``due_days`` (the task is due that many days
after it is generated); the reasoning behind each default is in
docs/tasks-segments-campaigns.md.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from bankcrm.domain.enums import Tier


class RuleBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    due_days: int = Field(default=7, ge=0, le=365)


class MaturityRule(RuleBase):
    """A time deposit, large CD or wealth product matures within ``days`` after the date."""

    days: int = Field(default=30, ge=1, le=366)


class LargeOutflowRule(RuleBase):
    """Money out of the customer's accounts over the last ``window_days`` (the date included)
    of at least ``amount_yuan``, or at least ``aum_share`` of the latest month-end AUM."""

    due_days: int = Field(default=2, ge=0, le=365)
    window_days: int = Field(default=7, ge=1, le=92)
    amount_yuan: Decimal = Field(default=Decimal(500_000), gt=0)
    aum_share: float = Field(default=0.3, gt=0, le=1)


class ThirdPartySpikeRule(RuleBase):
    """Outflow to third-party payment platforms over the last ``window_days`` at least
    ``multiple`` times the average of the same length over the ``baseline_days`` before, and
    at least ``min_yuan``."""

    window_days: int = Field(default=30, ge=1, le=92)
    baseline_days: int = Field(default=180, ge=30, le=730)
    multiple: float = Field(default=3.0, gt=1)
    min_yuan: Decimal = Field(default=Decimal(10_000), ge=0)


class DowngradeRiskRule(RuleBase):
    """A gold-or-above customer whose AUM fell over the last month to within ``margin`` above
    the lower bound of the tier."""

    margin: float = Field(default=0.1, gt=0, le=1)


class ChurnRule(RuleBase):
    """The latest churn score (``bankcrm score``) is at least ``min_score``."""

    min_score: float = Field(default=0.7, gt=0, le=1)


class NoContactRule(RuleBase):
    """A customer of ``min_tier`` or above without a recorded contact for ``days``."""

    due_days: int = Field(default=14, ge=0, le=365)
    min_tier: Tier = Tier.PLATINUM
    days: int = Field(default=90, ge=1, le=730)


class DormantValueRule(RuleBase):
    """A dormant customer (METRICS.md) of ``min_tier`` or above."""

    due_days: int = Field(default=14, ge=0, le=365)
    min_tier: Tier = Tier.GOLD


class BirthdayRule(RuleBase):
    """A customer of ``min_tier`` or above whose birthday falls within ``days`` from the date
    (the date itself included)."""

    due_days: int = Field(default=1, ge=0, le=365)
    min_tier: Tier = Tier.GOLD
    days: int = Field(default=7, ge=0, le=60)


class TaskRuleSettings(BaseModel):
    """Every task rule, by name (the name is stored on each task)."""

    model_config = ConfigDict(extra="forbid")

    maturity: MaturityRule = MaturityRule()
    large_outflow: LargeOutflowRule = LargeOutflowRule()
    third_party_spike: ThirdPartySpikeRule = ThirdPartySpikeRule()
    downgrade_risk: DowngradeRiskRule = DowngradeRiskRule()
    churn_risk: ChurnRule = ChurnRule()
    no_contact: NoContactRule = NoContactRule()
    dormant_value: DormantValueRule = DormantValueRule()
    birthday: BirthdayRule = BirthdayRule()


RULE_TITLES_ZH: dict[str, str] = {
    "maturity": "产品即将到期",
    "large_outflow": "大额资金流出",
    "third_party_spike": "第三方支付流出激增",
    "downgrade_risk": "层级下降风险",
    "churn_risk": "高流失风险",
    "no_contact": "高端客户长期未联系",
    "dormant_value": "高价值睡眠客户",
    "birthday": "客户生日",
    "campaign": "营销活动",
}
