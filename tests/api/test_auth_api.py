"""The login routes and the user administration routes over HTTP: bearer tokens (issue, use,
expiry, tampering, logout), the web session cookie and its CSRF token, the second factor, the
login rate limit, and who may administer users. SQLite and PostgreSQL.

The client talks HTTPS (``base_url``), so the Secure cookie is sent back as a browser would."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bankcrm.api.app import API_PREFIX, create_app
from bankcrm.config import Settings
from bankcrm.domain.actor import SYSTEM, Role
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security.sessions import Kind, issue, now
from bankcrm.security.users import create_user, get_user
from tests.auth_helpers import auth_headers
from tests.crm.branch import CrmStore, branch_extract, branch_template, crm  # noqa: F401

PASSWORD = "Tr1cky-Horse"  # noqa: S105  (a test password)
V1 = API_PREFIX


def build_app(crm: CrmStore, data_dir: Path, **security: Any) -> FastAPI:  # noqa: F811
    settings = Settings(
        data_dir=data_dir,
        database_url=crm.url,
        warehouse_dir=crm.warehouse.root,
        security=SecuritySettings(**security),
    )
    return create_app(settings)


@pytest.fixture
def app(crm: CrmStore, tmp_path: Path) -> FastAPI:  # noqa: F811
    return build_app(crm, tmp_path)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


def make_user(crm: CrmStore, username: str, role: Role = Role.ANALYST) -> None:  # noqa: F811
    with crm.sessions() as session:
        create_user(
            session,
            SYSTEM,
            username,
            role,
            SecuritySettings(),
            password=PASSWORD,
            must_change_password=False,
        )


def token(client: TestClient, username: str, password: str = PASSWORD, **form: str) -> Any:
    return client.post(
        f"{V1}/auth/token", data={"username": username, "password": password, **form}
    )


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def errors(response: httpx.Response) -> list[tuple[str | None, str]]:
    return [(e["field"], e["reason"]) for e in response.json()["errors"]]


# -- bearer tokens --------------------------------------------------------------------------


def test_token_me_logout(client: TestClient, crm: CrmStore) -> None:  # noqa: F811
    make_user(crm, "ana")
    issued = token(client, "ana")
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert (body["token_type"], body["expires_in"]) == ("bearer", 15 * 60)
    me = client.get(f"{V1}/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert (me.json()["username"], me.json()["role"]) == ("ana", "analyst")
    assert "password_hash" not in me.text
    out = client.post(f"{V1}/auth/logout", headers=bearer(body["access_token"]))
    assert out.status_code == 204
    after = client.get(f"{V1}/auth/me", headers=bearer(body["access_token"]))
    assert after.status_code == 401
    assert after.headers["WWW-Authenticate"] == "Bearer"
    assert errors(after) == [(None, "the session has ended (logged out)")]


def test_wrong_credentials_are_401_in_the_error_shape(client: TestClient, crm: CrmStore) -> None:  # noqa: F811
    make_user(crm, "ana")
    for username, password in (("ana", "Wrong-Horse-1"), ("nobody", PASSWORD)):
        refused = token(client, username, password)
        assert refused.status_code == 401
        assert refused.json() == {
            "status": 401,
            "errors": [{"field": None, "reason": "wrong username or password"}],
        }


def test_tampered_expired_and_missing_tokens_are_401(client: TestClient, crm: CrmStore) -> None:  # noqa: F811
    make_user(crm, "ana")
    good = token(client, "ana").json()["access_token"]
    tampered = good[:-1] + ("A" if good[-1] != "A" else "B")
    with crm.sessions() as session:
        user = get_user(session, "ana")
        old = issue(session, user, Kind.API, SecuritySettings(), at=now() - timedelta(minutes=16))
    cases = {
        "tampered": (bearer(tampered), "not logged in: the token is unknown"),
        "expired": (bearer(old.token), "the session has expired: log in again"),
        "missing": ({}, "not logged in: send a bearer token or the session cookie"),
    }
    for name, (headers, reason) in cases.items():
        answer = client.get(f"{V1}/auth/me", headers=headers)
        assert answer.status_code == 401, name
        assert errors(answer) == [(None, reason)], name
    assert client.get(f"{V1}/auth/me", headers=bearer(good)).status_code == 200


# -- the web session cookie and CSRF --------------------------------------------------------


def web_login(client: TestClient, username: str = "ana", password: str = PASSWORD) -> Any:
    return client.post(f"{V1}/auth/login", json={"username": username, "password": password})


def test_cookie_attributes(client: TestClient, crm: CrmStore, tmp_path: Path) -> None:  # noqa: F811
    make_user(crm, "ana")
    answer = web_login(client)
    assert answer.status_code == 200, answer.text
    cookie = answer.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith("bankcrm_session=")
    assert {"httponly", "secure", "samesite", "path"} <= attributes
    assert "samesite=strict" in cookie.lower()
    assert "path=/" in cookie.lower()
    assert "max-age" not in attributes  # ends with the browser
    body = answer.json()
    assert len(body["csrf_token"]) >= 32
    assert body["user"]["username"] == "ana"
    # Plain-HTTP development: no Secure attribute.
    with TestClient(build_app(crm, tmp_path / "dev", cookie_secure=False)) as dev:
        plain = web_login(dev)
        assert plain.status_code == 200
        assert "secure" not in plain.headers["set-cookie"].lower()


def test_csrf_token_is_required_on_state_changing_requests(
    client: TestClient,
    crm: CrmStore,  # noqa: F811
) -> None:
    make_user(crm, "ana")
    csrf = web_login(client).json()["csrf_token"]
    assert client.get(f"{V1}/auth/me").status_code == 200  # safe: the cookie is enough
    change = {"old_password": PASSWORD, "new_password": "N3w-Password-x"}
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        refused = client.post(f"{V1}/auth/password", json=change, headers=headers)
        assert refused.status_code == 403
        assert errors(refused) == [("X-CSRF-Token", "the X-CSRF-Token header is missing or wrong")]
    changed = client.post(f"{V1}/auth/password", json=change, headers={"X-CSRF-Token": csrf})
    assert changed.status_code == 200, changed.text
    assert client.get(f"{V1}/auth/me").status_code == 200  # this session was kept
    out = client.post(f"{V1}/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    assert "bankcrm_session" not in client.cookies
    assert client.get(f"{V1}/auth/me").status_code == 401


def test_logout_really_ends_the_cookie_session(client: TestClient, crm: CrmStore) -> None:  # noqa: F811
    make_user(crm, "ana")
    login = web_login(client)
    cookie, csrf = login.cookies["bankcrm_session"], login.json()["csrf_token"]
    client.post(f"{V1}/auth/logout", headers={"X-CSRF-Token": csrf})
    # A copy of the cookie kept by an attacker is worth nothing now.
    client.cookies.set("bankcrm_session", cookie)
    assert client.get(f"{V1}/auth/me").status_code == 401


# -- second factor and rate limit -----------------------------------------------------------


def test_totp_over_the_api(client: TestClient, crm: CrmStore) -> None:  # noqa: F811
    make_user(crm, "root", Role.ADMIN)
    headers = bearer(token(client, "root").json()["access_token"])
    enrolment = client.post(f"{V1}/auth/totp/enrol", headers=headers).json()
    assert enrolment["uri"].startswith("otpauth://totp/bankcrm:root?secret=")
    app = pyotp.TOTP(enrolment["secret"])
    wrong = client.post(f"{V1}/auth/totp/confirm", headers=headers, json={"code": "12345x"})
    assert wrong.status_code == 400
    confirmed = client.post(f"{V1}/auth/totp/confirm", headers=headers, json={"code": app.now()})
    assert confirmed.json()["totp_enabled"] is True
    assert "secret" not in confirmed.text
    missing = token(client, "root")
    assert missing.status_code == 401
    assert errors(missing)[0][0] == "totp"
    assert token(client, "root", totp=app.now()).status_code == 200
    assert token(client, "root", client_secret=app.now()).status_code == 200  # Swagger's slot
    web = client.post(
        f"{V1}/auth/login", json={"username": "root", "password": PASSWORD, "totp": app.now()}
    )
    assert web.status_code == 200


def test_only_admins_and_managers_enrol(client: TestClient, crm: CrmStore) -> None:  # noqa: F811
    make_user(crm, "ana")
    headers = bearer(token(client, "ana").json()["access_token"])
    assert client.post(f"{V1}/auth/totp/enrol", headers=headers).status_code == 403


def test_login_rate_limit_is_429(crm: CrmStore, tmp_path: Path) -> None:  # noqa: F811
    make_user(crm, "ana")
    with TestClient(build_app(crm, tmp_path, login_attempts_per_minute=2)) as limited:
        assert token(limited, "ana").status_code == 200
        assert token(limited, "ana", "Wrong-Horse-1").status_code == 401
        third = token(limited, "ana")
        assert third.status_code == 429
        assert "too many login attempts" in errors(third)[0][1]


# -- user administration ---------------------------------------------------------------------


def test_users_api_is_for_admins_only(client: TestClient, crm: CrmStore) -> None:  # noqa: F811
    calls = [
        ("GET", f"{V1}/users", None),
        ("POST", f"{V1}/users", {"username": "newbie", "role": "analyst"}),
        ("POST", f"{V1}/users/newbie/disable", None),
        ("POST", f"{V1}/users/newbie/enable", None),
        ("POST", f"{V1}/users/newbie/reset-password", None),
    ]
    for method, url, body in calls:
        assert client.request(method, url, json=body).status_code == 401, url
    for role in (r for r in Role if r is not Role.ADMIN):
        headers = auth_headers(crm.sessions, f"x-{role.value}", role, branch_id="B0100")
        for method, url, body in calls:
            answer = client.request(method, url, json=body, headers=headers)
            assert answer.status_code == 403, (role, url)


def test_admin_creates_lists_disables_and_resets(client: TestClient, crm: CrmStore) -> None:  # noqa: F811
    headers = auth_headers(crm.sessions, "root", Role.ADMIN)
    created = client.post(
        f"{V1}/users", headers=headers, json={"username": "ana", "role": "analyst"}
    )
    assert created.status_code == 201, created.text
    first = created.json()["password"]
    assert created.json()["user"]["must_change_password"] is True
    assert token(client, "ana", first).status_code == 200
    duplicate = client.post(
        f"{V1}/users", headers=headers, json={"username": "ana", "role": "analyst"}
    )
    assert duplicate.status_code == 400
    assert errors(duplicate) == [("username", "the username ana is already taken")]
    listed = client.get(f"{V1}/users", headers=headers, params={"search": "an"}).json()
    assert (listed["total"], [u["username"] for u in listed["items"]]) == (1, ["ana"])
    assert client.post(f"{V1}/users/ana/disable", headers=headers).json()["disabled"] is True
    assert token(client, "ana", first).status_code == 401
    assert client.post(f"{V1}/users/ana/enable", headers=headers).json()["disabled"] is False
    reset = client.post(f"{V1}/users/ana/reset-password", headers=headers).json()
    assert token(client, "ana", first).status_code == 401
    assert token(client, "ana", reset["password"]).status_code == 200
    everything = client.get(f"{V1}/users", headers=headers).text + created.text
    assert "argon2" not in everything
    assert "password_hash" not in everything
    assert "totp_secret" not in everything
    unknown = client.post(f"{V1}/users/nobody/disable", headers=headers)
    assert unknown.status_code == 404
