"""Fixtures of the API tests: the synthetic branch of ``tests.crm.branch`` behind the app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bankcrm.api.app import create_app
from bankcrm.config import Settings
from tests.auth_helpers import manager_headers
from tests.crm.branch import CrmStore, branch_extract, branch_template, crm  # noqa: F401


def settings_for(store: CrmStore, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url=store.url, warehouse_dir=store.warehouse.root)


@pytest.fixture
def client(crm: CrmStore, tmp_path: Path) -> Iterator[TestClient]:  # noqa: F811  (the fixture)
    """A test client of the app on a fresh copy of the branch (SQLite and PostgreSQL), logged
    in as a branch manager of the whole branch tree (tests of other roles pass headers)."""
    with TestClient(create_app(settings_for(crm, tmp_path))) as test_client:
        test_client.headers.update(manager_headers(crm.sessions))
        yield test_client
