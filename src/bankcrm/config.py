"""Settings: environment variables prefixed ``BANKCRM_``, then an optional ``bankcrm.toml``.

Defaults are the embedded engines, so a bare machine runs everything: data folder
``./bankcrm-data/``, a SQLite store and the Parquet warehouse in it, DuckDB, an in-memory cache.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url

from bankcrm.domain.counter.settings import CounterSettings
from bankcrm.domain.crm_settings import CrmSettings
from bankcrm.domain.diagnosis_thresholds import DiagnosisSettings
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.domain.task_rules import TaskRuleSettings
from bankcrm.domain.tiers import TierBasis, TierLadder, TierRule


class Engine(StrEnum):
    DUCKDB = "duckdb"
    PYSPARK = "pyspark"


class CacheBackend(StrEnum):
    MEMORY = "memory"
    REDIS = "redis"


class TierSettings(BaseModel):
    """The tier ladder (lower bounds in yuan) and the tier rule."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, as at the top level

    gold: Decimal = Decimal(50_000)
    platinum: Decimal = Decimal(500_000)
    diamond: Decimal = Decimal(2_000_000)
    private: Decimal = Decimal(6_000_000)
    basis: TierBasis = TierBasis.MONTH_END
    average_months: int = Field(default=3, ge=1, le=24)
    downgrade_grace_months: int = Field(default=0, ge=0, le=24)

    @model_validator(mode="after")
    def _check(self) -> TierSettings:
        self.ladder()  # raises on bounds that are not ascending
        return self

    def ladder(self) -> TierLadder:
        return TierLadder(self.gold, self.platinum, self.diamond, self.private)

    def rule(self) -> TierRule:
        return TierRule(self.basis, self.average_months, self.downgrade_grace_months)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BANKCRM_",
        env_nested_delimiter="__",
        toml_file="bankcrm.toml",
        extra="forbid",
    )

    data_dir: Path = Path("bankcrm-data")
    database_url: str | None = None  # default: SQLite file in data_dir
    warehouse_dir: Path | None = None  # default: data_dir / "warehouse"
    engine: Engine = Engine.DUCKDB
    cache: CacheBackend = CacheBackend.MEMORY
    redis_url: str = "redis://127.0.0.1:6379/0"
    locale: str = "zh-CN"
    tiers: TierSettings = TierSettings()
    diagnosis: DiagnosisSettings = DiagnosisSettings()
    counter: CounterSettings = CounterSettings()
    crm: CrmSettings = CrmSettings()
    tasks: TaskRuleSettings = TaskRuleSettings()
    security: SecuritySettings = SecuritySettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'bankcrm.sqlite3'}"

    @property
    def warehouse_path(self) -> Path:
        return self.warehouse_dir or self.data_dir / "warehouse"

    @property
    def store_url_safe(self) -> str:
        """The store URL with any password hidden, for display."""
        return make_url(self.store_url).render_as_string(hide_password=True)
