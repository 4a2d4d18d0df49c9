"""SQL injection strings in every text parameter of every route: each is answered as plain text
(a 2xx, 400, 404 or 422, never a 500), reveals nothing, widens no scope, and changes nothing.
Text in bodies is stored and read back verbatim."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.api.app import create_app
from bankcrm.domain.actor import Role
from bankcrm.store.models import Assignment, Contact, Customer, Need, User
from tests.api.conftest import settings_for
from tests.auth_helpers import auth_headers, manager_headers
from tests.crm.branch import CrmStore

PAYLOADS = (
    "' OR '1'='1",
    "1; DROP TABLE customers; --",
    '" OR 1=1 --',
    "%' OR 1=1 --",
    "') UNION SELECT password_hash, username FROM users --",
    "C0000000001' --",
    "\\'; SELECT pg_sleep(0); --",
)
ROLE_BY_AREA = {"counter": Role.TELLER, "users": Role.ADMIN, "audit": Role.AUDITOR}
SKIP = {"/api/v1/auth/token", "/api/v1/auth/login", "/api/v1/auth/logout"}


@pytest.fixture
def app_client(crm: CrmStore, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(crm, tmp_path))) as client:
        yield client


def _area(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/")[0]


def _text_parameters(client: TestClient) -> list[tuple[str, str, str, str]]:
    """(method, path, where, name) of every string parameter in the query or the path."""
    found = []
    schema = client.app.openapi()  # type: ignore[attr-defined]
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                types = {p["schema"].get("type")} | {
                    s.get("type") for s in p["schema"].get("anyOf", [])
                }
                if "string" in types and "enum" not in p["schema"] and path not in SKIP:
                    found.append((method.upper(), path, p["in"], p["name"]))
    return found


def _state(client: TestClient) -> tuple[int, int, int, int]:
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (Customer, Contact, Need, User)
        )


def test_injection_strings_in_every_text_parameter(app_client: TestClient, crm: CrmStore) -> None:
    client = app_client
    headers = {
        area: auth_headers(crm.sessions, f"inj.{role.value}", role)
        for area, role in ROLE_BY_AREA.items()
    }
    manager = manager_headers(crm.sessions)
    parameters = _text_parameters(client)
    assert len(parameters) >= 15  # the walk reaches the search, path ids, filters...
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        a_customer = s.scalar(select(Customer.customer_id).limit(1))
    before = _state(client)
    problems = []
    for method, path, where, name in parameters:
        for payload in PAYLOADS:
            url, params = path, {}
            for other in ("customer_id", "username", "session_id"):  # fill the other path ids
                url = url.replace("{" + other + "}", str(a_customer) if other != name else "{x}")
            if where == "path":
                url = url.replace("{" + name + "}", payload.replace("/", "%2F"))
                url = url.replace("{x}", payload.replace("/", "%2F"))
            else:
                params[name] = payload
            url = _fill_numbers(url)
            answer = client.request(
                method,
                url,
                params=params,
                headers=headers.get(_area(path), manager),
                json=_body(method),
            )
            text = answer.text
            # (the payload itself may be echoed in a 404's reason; a hash never may)
            if answer.status_code >= 500 or "$argon2" in text:
                problems.append(f"{method} {path} {name}={payload!r}: {answer.status_code}")
    assert not problems, problems
    assert _state(client) == before  # no table dropped, nothing written by a payload


def _fill_numbers(url: str) -> str:
    for key in ("contact_id", "need_id", "task_id", "segment_id", "campaign_id"):
        url = url.replace("{" + key + "}", "1")
    return url


def _body(method: str) -> dict[str, Any] | None:
    return {} if method in ("POST", "PATCH") else None


def test_a_search_injection_widens_no_scope(app_client: TestClient, crm: CrmStore) -> None:
    client = app_client
    with crm.sessions() as s:
        rm, book = _a_book(s)
    rm_headers = auth_headers(crm.sessions, "inj.rm", Role.RELATIONSHIP_MANAGER, rm)
    for payload in PAYLOADS:
        page = client.get(
            "/api/v1/customers", params={"q": payload, "page_size": 200}, headers=rm_headers
        )
        assert page.status_code in (200, 400), page.text
        if page.status_code == 200:
            assert {h["customer_id"] for h in page.json()["items"]} <= book


def test_text_in_bodies_is_stored_verbatim(app_client: TestClient, crm: CrmStore) -> None:
    client = app_client
    client.headers.update(manager_headers(crm.sessions))
    with crm.sessions() as s:
        cid = s.scalar(select(Customer.customer_id).limit(1))
    for payload in PAYLOADS:
        body = {"channel": "call", "outcome": "interested", "occurred_at": "2021-01-05T09:00:00",
                "notes": payload, "next_step": payload}  # fmt: skip
        made = client.post(f"/api/v1/customers/{cid}/contacts", json=body)
        assert made.status_code == 201, made.text
        back = client.get(f"/api/v1/contacts/{made.json()['id']}").json()
        assert (back["notes"], back["next_step"]) == (payload, payload)
    with crm.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) > 0


def _a_book(s: Session) -> tuple[str, set[str]]:
    rm = s.scalar(select(Assignment.employee_id).where(Assignment.end_on.is_(None)).limit(1))
    book = s.scalars(
        select(Assignment.customer_id).where(
            Assignment.employee_id == rm, Assignment.end_on.is_(None)
        )
    )
    return str(rm), set(book)
