"""The same extract gives the same store on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from bankcrm.store.db import make_engine, upgrade
from tests.conftest import _postgres_database
from tests.integration.helpers import importer, store_snapshot

EXCLUDE = ("alembic_version", "import_runs", "import_changes")


@pytest.mark.postgres
def test_sqlite_and_postgresql_hold_the_same_rows(small_extract: Path, tmp_path: Path) -> None:
    sqlite = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    databases = _postgres_database()
    postgres = make_engine(next(databases))
    try:
        snapshots = []
        for name, engine in (("sqlite", sqlite), ("postgres", postgres)):
            upgrade(engine)
            assert importer(engine, tmp_path / name).run(small_extract).ok
            snapshots.append(store_snapshot(engine, exclude=EXCLUDE))
        assert snapshots[0] == snapshots[1]
        assert sum(len(rows) for rows in snapshots[0].values()) > 1000  # not two empty stores
    finally:
        postgres.dispose()
        databases.close()
