"""Fixtures shared by every test: engines (SQLite and PostgreSQL stores, Spark), paths.

Tests of an engine this machine lacks skip with the reason; with ``BANKCRM_REQUIRE_ENGINES=1``
(as CI sets it) they fail instead, so CI cannot pass without running them all.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from bankcrm.store.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
POSTGRES_URL = os.environ.get("BANKCRM_TEST_POSTGRES_URL")
REQUIRE_ENGINES = os.environ.get("BANKCRM_REQUIRE_ENGINES") == "1"

# No time limit per example: a deadline is a wall-clock assertion, and on a loaded 2-core CI
# machine a fast example can take longer than 200 ms and fail a correct test.
settings.register_profile("bankcrm", deadline=None)
settings.load_profile("bankcrm")


def missing_engine(reason: str) -> None:
    """Skip for a missing engine, or fail where every engine is required (CI)."""
    if REQUIRE_ENGINES:
        pytest.fail(f"required engine missing: {reason}")
    pytest.skip(reason)


def _postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not POSTGRES_URL:
        missing_engine("PostgreSQL: set BANKCRM_TEST_POSTGRES_URL (CI sets it)")
    import psycopg  # noqa: PLC0415

    admin = make_url(POSTGRES_URL)  # type: ignore[arg-type]
    name = f"bankcrm_test_{uuid.uuid4().hex[:12]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        missing_engine(f"PostgreSQL at {admin.host}:{admin.port} unreachable: {error}")
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def store(store_url: str) -> Iterator[Engine]:
    """An engine on an empty store whose schema is at the latest migration."""
    engine = make_engine(store_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for the whole run (it takes seconds to start)."""
    try:
        import pyspark  # noqa: F401, PLC0415
    except ImportError:
        missing_engine("Spark: pyspark is not installed (pip install '.[spark]')")
    if shutil.which("java") is None:
        missing_engine("Spark: no Java runtime on PATH")
    from bankcrm.warehouse.engines import spark_session  # noqa: PLC0415

    session = spark_session()
    yield session
    session.stop()


@pytest.fixture
def shared_data() -> Path:
    """The shared real datasets; skip when the shared folder is absent."""
    folder = SHARED / "data" / "real"
    if not folder.is_dir():
        pytest.skip(f"shared data folder {folder} is absent")
    return folder
