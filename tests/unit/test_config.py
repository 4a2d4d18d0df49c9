"""Settings (bankcrm.config): defaults, environment variables, bankcrm.toml.

Expected defaults come from ARCHITECTURE.md (embedded engines: SQLite store and Parquet
warehouse in the data folder, DuckDB, in-memory cache) and METRICS.md (the default ladder).
Every test runs in an empty temporary folder with no BANKCRM_* variable set, so neither the
developer's environment (the Makefile exports BANKCRM_DATA_DIR) nor a stray bankcrm.toml leaks in.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from bankcrm.config import CacheBackend, Engine, Settings, TierSettings
from bankcrm.domain.enums import Tier
from bankcrm.domain.tiers import TierBasis, TierLadder, TierRule


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.upper().startswith("BANKCRM_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_toml(folder: Path, text: str) -> None:
    (folder / "bankcrm.toml").write_text(text, encoding="utf-8")


# --- defaults ---------------------------------------------------------------------------------


def test_defaults_are_the_embedded_engines():
    settings = Settings()
    assert settings.data_dir == Path("bankcrm-data")
    url = make_url(settings.store_url)
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(Path("bankcrm-data") / "bankcrm.sqlite3")
    assert settings.warehouse_path == Path("bankcrm-data") / "warehouse"
    assert settings.engine is Engine.DUCKDB
    assert settings.cache is CacheBackend.MEMORY
    assert settings.locale == "zh-CN"


def test_default_tiers_are_metrics_md_and_the_month_end_rule():
    tiers = Settings().tiers
    assert tiers.ladder().bounds == (50_000, 500_000, 2_000_000, 6_000_000)
    assert tiers.rule() == TierRule(TierBasis.MONTH_END, 3, 0)


def test_data_dir_moves_store_and_warehouse(monkeypatch: pytest.MonkeyPatch, clean: Path):
    monkeypatch.setenv("BANKCRM_DATA_DIR", str(clean / "crm"))
    settings = Settings()
    assert make_url(settings.store_url).database == str(clean / "crm" / "bankcrm.sqlite3")
    assert settings.warehouse_path == clean / "crm" / "warehouse"


def test_warehouse_dir_overrides_the_data_dir(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BANKCRM_WAREHOUSE_DIR", "/srv/warehouse")
    assert Settings().warehouse_path == Path("/srv/warehouse")


# --- environment variables --------------------------------------------------------------------


def test_database_url_switches_to_postgresql_and_the_password_is_hidden(
    monkeypatch: pytest.MonkeyPatch,
):
    url = "postgresql+psycopg://crm:s3cret-pw@db.example:5432/bankcrm"
    monkeypatch.setenv("BANKCRM_DATABASE_URL", url)
    settings = Settings()
    assert settings.store_url == url
    assert make_url(settings.store_url).get_backend_name() == "postgresql"
    assert "s3cret-pw" not in settings.store_url_safe
    assert settings.store_url_safe == "postgresql+psycopg://crm:***@db.example:5432/bankcrm"


def test_sqlite_url_is_shown_as_it_is():
    assert Settings().store_url_safe == Settings().store_url


def test_engine_and_cache_from_env(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BANKCRM_ENGINE", "pyspark")
    monkeypatch.setenv("BANKCRM_CACHE", "redis")
    monkeypatch.setenv("BANKCRM_REDIS_URL", "redis://cache.example:6379/2")
    settings = Settings()
    assert settings.engine is Engine.PYSPARK
    assert settings.cache is CacheBackend.REDIS
    assert settings.redis_url == "redis://cache.example:6379/2"


def test_unknown_engine_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BANKCRM_ENGINE", "sqlite")
    with pytest.raises(ValidationError, match="engine"):
        Settings()


def test_nested_tier_settings_from_env(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BANKCRM_TIERS__DOWNGRADE_GRACE_MONTHS", "2")
    monkeypatch.setenv("BANKCRM_TIERS__GOLD", "100000")
    tiers = Settings().tiers
    assert tiers.rule().downgrade_grace_months == 2
    assert tiers.ladder().tier_of(Decimal("99999.99")) is Tier.STANDARD
    assert tiers.ladder().tier_of(Decimal(100_000)) is Tier.GOLD
    assert tiers.platinum == 500_000  # the others keep their defaults


def test_other_bankcrm_variables_do_not_break_settings(monkeypatch: pytest.MonkeyPatch):
    """CI sets BANKCRM_TEST_POSTGRES_URL; it is not a setting and must not be an error."""
    monkeypatch.setenv("BANKCRM_TEST_POSTGRES_URL", "postgresql+psycopg://u@127.0.0.1/t")
    assert Settings().database_url is None


# --- bankcrm.toml -----------------------------------------------------------------------------


def test_toml_in_the_current_folder_is_read(clean: Path):
    write_toml(
        clean,
        """
data_dir = "/var/lib/bankcrm"
engine = "pyspark"

[tiers]
platinum = 600000
basis = "average"
average_months = 6
downgrade_grace_months = 3
""",
    )
    settings = Settings()
    assert settings.data_dir == Path("/var/lib/bankcrm")
    assert settings.engine is Engine.PYSPARK
    assert settings.tiers.ladder() == TierLadder(platinum=Decimal(600_000))
    assert settings.tiers.rule() == TierRule(TierBasis.AVERAGE, 6, 3)


def test_env_beats_toml_and_both_merge(monkeypatch: pytest.MonkeyPatch, clean: Path):
    write_toml(clean, '[tiers]\nplatinum = 600000\ndowngrade_grace_months = 1\nbasis = "average"\n')
    monkeypatch.setenv("BANKCRM_TIERS__DOWNGRADE_GRACE_MONTHS", "3")
    tiers = Settings().tiers
    assert tiers.downgrade_grace_months == 3  # env
    assert tiers.platinum == 600_000  # toml
    assert tiers.basis is TierBasis.AVERAGE  # toml


def test_toml_elsewhere_is_not_read(clean: Path, monkeypatch: pytest.MonkeyPatch):
    (clean / "sub").mkdir()
    write_toml(clean, 'engine = "pyspark"\n')
    monkeypatch.chdir(clean / "sub")
    assert Settings().engine is Engine.DUCKDB


@pytest.mark.parametrize(
    "toml",
    [
        "bogus = 1\n",  # unknown setting
        "[tiers]\ndowngrade_grace = 2\n",  # misspelt tier setting
    ],
)
def test_unknown_keys_in_toml_are_refused(clean: Path, toml: str):
    write_toml(clean, toml)
    with pytest.raises(ValidationError, match="Extra inputs"):
        Settings()


# --- validation of the tier settings ------------------------------------------------------------


def test_non_ascending_ladder_in_toml_is_refused(clean: Path):
    write_toml(clean, "[tiers]\ngold = 600000\nplatinum = 500000\n")
    with pytest.raises(ValidationError, match="ascending"):
        Settings()


def test_non_ascending_ladder_in_env_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("BANKCRM_TIERS__DIAMOND", "6000000")  # equal to private
    with pytest.raises(ValidationError, match="ascending"):
        Settings()


@pytest.mark.parametrize(
    "fields",
    [
        {"gold": 0},
        {"average_months": 0},
        {"average_months": 25},
        {"downgrade_grace_months": -1},
        {"downgrade_grace_months": 25},
        {"basis": "median"},
    ],
)
def test_tier_settings_out_of_range_are_refused(fields: dict[str, object]):
    with pytest.raises(ValidationError):
        TierSettings.model_validate(fields)
