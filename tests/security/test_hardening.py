"""Transport hardening: security headers, no caching of customer data, the body-size limit
(declared and streamed), and access logs without query strings."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bankcrm.api.app import create_app
from bankcrm.api.hardening import DropQueryStrings
from bankcrm.config import Settings
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.store.models import Customer
from tests.api.conftest import settings_for
from tests.auth_helpers import manager_headers
from tests.crm.branch import CrmStore

LIMIT = 4096


@pytest.fixture
def client(crm: CrmStore, tmp_path: Path) -> Iterator[TestClient]:
    settings = settings_for(crm, tmp_path).model_copy(
        update={"security": SecuritySettings(max_request_bytes=LIMIT, max_upload_bytes=2 * LIMIT)}
    )
    assert isinstance(settings, Settings)
    with TestClient(create_app(settings)) as test_client:
        test_client.headers.update(manager_headers(crm.sessions))
        yield test_client


def test_answers_carry_the_security_headers(client: TestClient) -> None:
    page = client.get("/api/v1/customers", params={"page_size": 1})
    assert page.status_code == 200
    h = page.headers
    assert h["x-content-type-options"] == "nosniff"
    assert h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer"
    assert h["cache-control"] == "no-store"  # customer data is never kept in a shared cache
    assert h["content-security-policy"].startswith("default-src 'none'")
    assert "max-age=" in h["strict-transport-security"]
    refused = client.get("/api/v1/customers", headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401
    assert refused.headers["x-frame-options"] == "DENY"  # errors too
    assert refused.headers["www-authenticate"] == "Bearer"
    docs = client.get("/api/docs")
    assert "cdn.jsdelivr.net" in docs.headers["content-security-policy"]


def test_a_body_over_the_limit_is_refused_with_413(client: TestClient, crm: CrmStore) -> None:
    with crm.sessions() as s:
        cid = s.scalar(select(Customer.customer_id).limit(1))
    big = {"channel": "call", "outcome": "interested", "occurred_at": "2021-01-04T10:00:00",
           "notes": "x" * (LIMIT + 10)}  # fmt: skip
    declared = client.post(f"/api/v1/customers/{cid}/contacts", json=big)
    assert declared.status_code == 413
    assert declared.json()["errors"][0]["reason"].startswith("the request body is larger")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts streamed bytes
        yield b'{"notes": "'
        for _ in range(LIMIT // 512 + 2):
            yield b"y" * 512
        yield b'"}'

    streamed = client.post(
        f"/api/v1/customers/{cid}/contacts",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    timeline = client.get(f"/api/v1/customers/{cid}/contacts").json()
    assert timeline["total"] == 0  # nothing was stored
    small = client.post(f"/api/v1/customers/{cid}/contacts", json={**big, "notes": "短"})
    assert small.status_code != 413


def test_uploads_of_the_web_ui_have_their_own_limit(client: TestClient) -> None:
    upload = "/_nicegui/client/x/upload/y"  # no such upload here: past the limit it is a 404
    assert client.post(upload, content=b"z" * (LIMIT + 10)).status_code == 404
    assert client.post(upload, content=b"z" * (2 * LIMIT + 10)).status_code == 413
    assert client.post("/api/v1/users", content=b"z" * (LIMIT + 10)).status_code == 413


def test_access_log_lines_lose_their_query_strings() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.1:5000", "GET", "/api/v1/customers?q=110101199003071234", "1.1", 200), None,
    )  # fmt: skip
    assert DropQueryStrings().filter(record)
    line = record.getMessage()
    assert "110101199003071234" not in line
    assert "/api/v1/customers?…" in line
