"""Configuration of the CRM services: the needs catalogue and the customer flags.

Hooked into ``bankcrm.config.Settings`` as ``crm: CrmSettings = CrmSettings()``, so a branch sets
``[crm.flags] large_outflow_yuan = 100000`` or its own ``[[crm.needs]]`` in ``bankcrm.toml``."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class NeedKind(BaseModel):
    """One entry of the needs catalogue (客户需求目录)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)


DEFAULT_NEEDS: tuple[NeedKind, ...] = (
    NeedKind(code="children_education", label_zh="子女教育", label_en="Children's education"),
    NeedKind(code="retirement", label_zh="养老规划", label_en="Retirement"),
    NeedKind(code="home_purchase", label_zh="购房置业", label_en="Home purchase"),
    NeedKind(code="asset_growth", label_zh="资产增值", label_en="Asset growth"),
    NeedKind(code="protection", label_zh="保险保障", label_en="Protection"),
    NeedKind(code="cross_border", label_zh="跨境金融", label_en="Cross-border"),
    NeedKind(code="business_financing", label_zh="经营融资", label_en="Business financing"),
    NeedKind(code="liquidity", label_zh="流动性管理", label_en="Liquidity"),
    NeedKind(code="wealth_transfer", label_zh="财富传承", label_en="Wealth transfer"),
)


class FlagSettings(BaseModel):
    """Thresholds of the customer flags shown in the 360 view and filtered on in search."""

    model_config = ConfigDict(extra="forbid")

    maturity_days: int = Field(default=30, ge=1, le=366)
    large_outflow_days: int = Field(default=30, ge=1, le=366)
    large_outflow_yuan: Decimal = Field(default=Decimal(50_000), gt=0)


class CrmSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    needs: tuple[NeedKind, ...] = DEFAULT_NEEDS
    flags: FlagSettings = FlagSettings()

    @field_validator("needs")
    @classmethod
    def _unique_codes(cls, needs: tuple[NeedKind, ...]) -> tuple[NeedKind, ...]:
        codes = [n.code for n in needs]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"need codes must be unique; repeated: {', '.join(duplicates)}")
        if not needs:
            raise ValueError("the needs catalogue must have at least one entry")
        return needs

    def need(self, code: str) -> NeedKind | None:
        return next((n for n in self.needs if n.code == code), None)
