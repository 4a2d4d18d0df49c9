"""The audit routes: search, export and verify for the auditor only (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from bankcrm.api.app import API_PREFIX, create_app
from bankcrm.api.routes import audit as audit_routes
from bankcrm.config import Settings
from bankcrm.domain.actor import Actor, Role
from bankcrm.security import audit
from bankcrm.store.db import session_factory
from tests.auth_helpers import auth_headers

RM = Actor("rm-1", Role.RELATIONSHIP_MANAGER)


def with_audit_routes(app: FastAPI) -> FastAPI:
    """The app with the audit router, until ``create_app`` includes it itself."""
    if not any(getattr(r, "path", "") == f"{API_PREFIX}/audit" for r in app.routes):
        app.include_router(audit_routes.router, prefix=API_PREFIX)
    return app


@pytest.fixture
def client(store: Engine, store_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The app on a store with three records, logged in as an auditor."""
    with session_factory(store)() as session:
        for i, action in enumerate(("customer.view", "counter.cache.created", "customer.view")):
            audit.record(session, RM, action, customer_id=f"C{i}", at=datetime(2026, 11, 2, 9, i))
        session.commit()
    app = with_audit_routes(create_app(Settings(data_dir=tmp_path, database_url=store_url)))
    with TestClient(app) as test_client:
        test_client.headers.update(auth_headers(app.state.sessions, "auditor-1", Role.AUDITOR))
        yield test_client


def test_search_pages_newest_first(client: TestClient) -> None:
    response = client.get("/api/v1/audit", params={"action": "customer.", "page_size": 1})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["page"], body["page_size"]) == (2, 1, 1)
    [item] = body["items"]
    assert (item["seq"], item["actor"], item["customer_id"]) == (3, "rm-1", "C2")


def test_search_refuses_a_bad_outcome_naming_it(client: TestClient) -> None:
    response = client.get("/api/v1/audit", params={"outcome": "maybe"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "outcome"


def test_export_csv_and_xlsx(client: TestClient) -> None:
    as_csv = client.get("/api/v1/audit/export", params={"format": "csv", "customer_id": "C1"})
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert [r[:4] for r in rows] == [
        ["时间", "操作人", "角色", "操作"],
        ["2026-11-02 09:01:00", "rm-1", "客户经理", "counter.cache.created"],
    ]  # fmt: skip
    as_xlsx = client.get("/api/v1/audit/export", params={"actor": "rm-1"})
    assert as_xlsx.status_code == 200, as_xlsx.text
    assert "attachment" in as_xlsx.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    assert [row[5].value for row in sheet.iter_rows(min_row=2)] == ["C2", "C1", "C0"]


def test_verify_reports_the_break(client: TestClient, store: Engine) -> None:
    intact = client.get("/api/v1/audit/verify")
    assert intact.status_code == 200, intact.text
    assert intact.json()["ok"] is True
    assert (intact.json()["records"], intact.json()["tip_seq"]) == (3, 3)
    with store.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    broken = client.get("/api/v1/audit/verify").json()
    assert broken["ok"] is False
    assert broken["first_break"] == {
        "seq": 2, "reason": "record 2 is missing: records were deleted",
    }  # fmt: skip


def test_verify_refuses_a_malformed_anchor(client: TestClient) -> None:
    response = client.get("/api/v1/audit/verify", params={"expect_tip": "xyz"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "expect_tip", "reason": "must be a SHA-256 hash: 64 hexadecimal digits"}
    ]


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.AUDITOR], ids=str)
def test_other_roles_are_forbidden(client: TestClient, role: Role) -> None:
    app: FastAPI = client.app  # type: ignore[assignment]
    headers = auth_headers(app.state.sessions, f"user-{role.value}", role)
    for path in ("/api/v1/audit", "/api/v1/audit/export", "/api/v1/audit/verify"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403, (path, response.text)


def test_no_login_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/audit", headers={"Authorization": ""})
    assert response.status_code == 401
