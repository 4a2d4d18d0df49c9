"""The counter router mounted on a bare FastAPI app (as the app mounts it, under
/api/v1/counter), over the memory backend and a SQLite store: a whole visit, the policy
answers, and error bodies that name the field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bankcrm.api.app import add_error_handlers
from bankcrm.api.routes.counter import router
from bankcrm.counter.backends import MemoryBackend
from bankcrm.domain.actor import Role
from bankcrm.domain.counter.settings import CounterSettings
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security.passwords import hash_password
from bankcrm.store.db import session_factory
from tests.auth_helpers import auth_headers, make_user
from tests.counter.conftest import FakeClock, build_service

BASE = "/api/v1/counter"
SUPERVISOR_PASSWORD = "Zhuguan-2026-Shouquan"  # noqa: S105  (a test login)
CARD = {"customer_id": "C0001", "name": "张三丰", "id_number": "110101199003071234"}


@pytest.fixture
def client(engine: Engine, clock: FakeClock) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(router, prefix=BASE)
    add_error_handlers(app)
    app.state.counter = build_service(MemoryBackend(clock), engine, CounterSettings(), clock)
    app.state.sessions = session_factory(engine)
    app.state.security = SecuritySettings()
    with TestClient(app) as client:
        client.headers.update(auth_headers(app.state.sessions, "teller-a", Role.TELLER))
        yield client


def post(client: TestClient, path: str, body: dict[str, object] | None = None) -> dict:  # type: ignore[type-arg]
    response = client.post(f"{BASE}{path}", json=body or {})
    assert response.status_code < 300, response.text
    return response.json() if response.content else {}


def test_a_visit_from_check_to_end(client: TestClient, clock: FakeClock) -> None:
    opened = post(client, "/sessions", {**CARD, "terminal_id": "T-01", "signature_ref": "sig-1"})
    assert opened["verification"]["outcome"] == "passed"
    sid = opened["session_id"]
    grant = post(client, f"/sessions/{sid}/cache", {**CARD, "terminal_id": "T-01", "consent": True})
    assert grant == {"granted": True, "reason": None}
    deposit = post(
        client,
        f"/sessions/{sid}/transactions",
        {"terminal_id": "T-01", "txn_type": "deposit", "amount": "2000.50"},
    )
    assert (deposit["status"], deposit["via_cache"]) == ("recorded", True)
    assert deposit["verification_id"] == opened["verification"]["verification_id"]
    clock.advance(301)  # idle past the default 5 minutes
    late = post(
        client, f"/sessions/{sid}/transactions", {"terminal_id": "T-01", "txn_type": "statement"}
    )
    assert late["status"] == "needs_verification"
    fresh = post(client, f"/sessions/{sid}/verifications", {**CARD, "signature_ref": "sig-2"})
    done = post(
        client,
        f"/sessions/{sid}/transactions",
        {
            "terminal_id": "T-01",
            "txn_type": "statement",
            "fresh_verification_id": fresh["verification_id"],
        },
    )
    assert (done["status"], done["via_cache"]) == ("recorded", False)
    listed = client.get(f"{BASE}/sessions/{sid}/transactions").json()
    assert [(t["txn_type_zh"], t["amount_fen"]) for t in listed] == [
        ("存款", 200_050),
        ("打印流水", None),
    ]
    confirmation = post(client, f"/sessions/{sid}/confirmations", {"signature_ref": "sig-visit"})
    assert confirmation["scope"] == "visit"
    assert client.post(f"{BASE}/sessions/{sid}/end").status_code == 204
    after = client.get(f"{BASE}/sessions/{sid}/transactions").json()
    assert {t["confirmation_id"] for t in after} == {confirmation["confirmation_id"]}


def test_supervisor_and_policy_answers(client: TestClient) -> None:
    sid = post(client, "/sessions", {**CARD, "terminal_id": "T-01"})["session_id"]
    post(client, f"/sessions/{sid}/cache", {**CARD, "terminal_id": "T-01"})
    body = {"terminal_id": "T-01", "txn_type": "withdrawal", "amount": "60000"}
    assert post(client, f"/sessions/{sid}/transactions", body)["status"] == "needs_supervisor"
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    with sessions() as store:
        manager = make_user(store, "manager", Role.BRANCH_MANAGER)
        manager.password_hash = hash_password(SUPERVISOR_PASSWORD)
        analyst = make_user(store, "analyst-s", Role.ANALYST)
        analyst.password_hash = hash_password(SUPERVISOR_PASSWORD)
        store.commit()
    url = f"/sessions/{sid}/transactions"
    body["supervisor"] = {"username": "manager", "password": "wrong-Passw0rd!"}
    refused = client.post(BASE + url, json=body)
    assert refused.status_code == 401, refused.text  # credentials are checked, not trusted
    body["supervisor"] = {"username": "analyst-s", "password": SUPERVISOR_PASSWORD}
    assert post(client, url, body)["status"] == "needs_supervisor"  # may not supervise
    body["supervisor"] = {"username": "manager", "password": SUPERVISOR_PASSWORD}
    assert post(client, url, body)["status"] == "needs_verification"
    table = client.get(f"{BASE}/policy").json()
    reset = next(e for e in table if e["txn_type"] == "password_reset")
    assert (reset["label_zh"], reset["cache_allowed"], reset["supervisor"]) == (
        "密码重置",
        False,
        True,
    )


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        (
            "/sessions/nope/transactions",
            {"terminal_id": "T-01", "txn_type": "statement"},
            404,
            "session_id",
        ),
        (
            "/sessions/{sid}/transactions",
            {"terminal_id": "T-01", "txn_type": "withdrawal"},
            400,
            "amount",
        ),
        (
            "/sessions/{sid}/cache",
            {**CARD, "customer_id": "C9", "terminal_id": "T-01"},
            400,
            "customer_id",
        ),
        ("/sessions/{sid}/cache", {**CARD, "terminal_id": "T-09"}, 409, "terminal_id"),
        ("/sessions/{sid}/confirmations", {"signature_ref": "s"}, 409, "transaction_id"),
    ],
)
def test_refusals_name_the_field(
    client: TestClient, path: str, body: dict[str, object], status: int, field: str
) -> None:
    sid = post(client, "/sessions", {**CARD, "terminal_id": "T-01"})["session_id"]
    response = client.post(f"{BASE}{path.format(sid=sid)}", json=body)
    assert response.status_code == status
    assert response.json()["status"] == status
    assert response.json()["errors"][0]["field"] == field


def test_a_role_that_does_not_serve_at_the_counter_is_refused(client: TestClient) -> None:
    headers = auth_headers(client.app.state.sessions, "analyst-a", Role.ANALYST)  # type: ignore[attr-defined]
    response = client.post(
        f"{BASE}/sessions", json={**CARD, "terminal_id": "T-01"}, headers=headers
    )
    assert response.status_code == 403
    assert "does not serve at the counter" in response.json()["errors"][0]["reason"]


def test_bad_id_number_is_a_validation_error(client: TestClient) -> None:
    response = client.post(
        f"{BASE}/sessions", json={**CARD, "id_number": "12", "terminal_id": "T-01"}
    )
    assert response.status_code == 422
    assert "id_number" in response.text


def test_logout_ends_open_visits(client: TestClient) -> None:
    sid = post(client, "/sessions", {**CARD, "terminal_id": "T-01"})["session_id"]
    assert post(client, "/logout") == {"ended_sessions": 1}
    response = client.post(
        f"{BASE}/sessions/{sid}/transactions",
        json={"terminal_id": "T-01", "txn_type": "statement"},
    )
    assert response.status_code == 409
