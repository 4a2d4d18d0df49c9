"""A small synthetic branch imported once per database per session, copied for each test.

Imported into a template store (SQLite file / PostgreSQL database) with its warehouse, the
customer summaries refreshed and the search index built; each test gets a fresh copy of the
store (a file copy / ``CREATE DATABASE ... TEMPLATE``), so tests that change it are independent.
The warehouse is shared and read-only."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bankcrm.crm.search_index import ensure_search_index
from bankcrm.crm.summary import refresh_summaries
from bankcrm.domain.crm_settings import FlagSettings
from bankcrm.ingest.loader import Importer
from bankcrm.store.db import make_engine, session_factory, upgrade
from bankcrm.synth import SynthOptions, generate
from bankcrm.warehouse.layout import Warehouse
from tests.conftest import POSTGRES_URL, missing_engine

BRANCH = SynthOptions(customers=300, start="2019-01", end="2020-12", seed=11)


@dataclass
class Template:
    kind: str
    url: str
    warehouse: Warehouse
    extract: Path


@dataclass
class CrmStore:
    """A fresh store with the branch loaded, and the branch's warehouse."""

    kind: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    warehouse: Warehouse
    extract: Path


def _pg_admin() -> str:
    if not POSTGRES_URL:
        missing_engine("PostgreSQL: set BANKCRM_TEST_POSTGRES_URL (CI sets it)")
    return make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)  # type: ignore[arg-type]


def _pg_execute(sql: str) -> None:
    import psycopg  # noqa: PLC0415

    try:
        with psycopg.connect(_pg_admin(), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]
    except psycopg.OperationalError as error:
        missing_engine(f"PostgreSQL unreachable: {error}")


def _pg_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(False)  # type: ignore[arg-type]


def build_template(kind: str, root: Path, extract: Path) -> Iterator[Template]:
    """Import ``extract`` into a new store of ``kind`` under ``root``; drop it afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{root / 'template.sqlite3'}"
    else:
        name = f"bankcrm_crm_tmpl_{uuid.uuid4().hex[:10]}"
        _pg_execute(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    warehouse = Warehouse(root / "warehouse")
    engine = make_engine(url)
    try:
        upgrade(engine)
        report = Importer(engine, warehouse).run(extract)
        assert report.ok, report.failed
        refresh_summaries(engine, warehouse, FlagSettings())
        ensure_search_index(engine)
        if kind == "sqlite":
            with engine.begin() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    finally:
        engine.dispose()
    try:
        yield Template(kind, url, warehouse, extract)
    finally:
        if kind == "postgresql":
            _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_store(template: Template, tmp_path: Path) -> Iterator[CrmStore]:
    """A fresh copy of the template store for one test."""
    if template.kind == "sqlite":
        source = Path(make_url(template.url).database or "")
        target = tmp_path / "store.sqlite3"
        shutil.copyfile(source, target)
        url = f"sqlite:///{target}"
    else:
        name = f"bankcrm_crm_{uuid.uuid4().hex[:12]}"
        template_name = make_url(template.url).database
        _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
        url = _pg_url(name)
    engine = make_engine(url)
    try:
        yield CrmStore(
            template.kind,
            url,
            engine,
            session_factory(engine),
            template.warehouse,
            template.extract,
        )
    finally:
        engine.dispose()
        if template.kind == "postgresql":
            _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def branch_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small synthetic branch's extract (read-only)."""
    out = tmp_path_factory.mktemp("crm_branch") / "extract"
    generate(out, BRANCH)
    return out


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def branch_template(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    branch_extract: Path,
) -> Iterator[Template]:
    """The branch imported once per database."""
    root = tmp_path_factory.mktemp(f"crm_{request.param}")
    yield from build_template(request.param, root, branch_extract)


@pytest.fixture
def crm(branch_template: Template, tmp_path: Path) -> Iterator[CrmStore]:
    """A fresh store with the branch, on SQLite and on PostgreSQL."""
    yield from copy_store(branch_template, tmp_path)


__all__ = ["CrmStore", "branch_extract", "branch_template", "crm"]
