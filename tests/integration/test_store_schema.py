"""The Alembic migrations build exactly the tables the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from bankcrm.store.db import is_current
from bankcrm.store.models import Base


def test_migrations_match_models(store: Engine) -> None:
    with store.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert is_current(store)
    assert {"customers", "accounts", "import_runs", "import_changes"} <= set(
        inspect(store).get_table_names()
    )
