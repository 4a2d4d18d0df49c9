"""Who is calling: the acting user from a bearer token (API clients) or the session cookie (the
web UI), checked against the store on every request. A cookie session must also send its CSRF
token on every state-changing request, since a browser attaches cookies to forged requests."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from bankcrm.domain.actor import Actor
from bankcrm.domain.errors import Forbidden, Unauthenticated
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security.sessions import Kind, Resolved, resolve

SESSION_COOKIE = "bankcrm_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What a login whose password an administrator set may still do: change it, or leave.
PASSWORD_CHANGE_PATHS = frozenset(
    {"/api/v1/auth/me", "/api/v1/auth/password", "/api/v1/auth/logout"}
)

# auto_error=False: a missing token is answered by get_actor, in the API's one error shape.
bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def client_of(request: Request) -> str | None:
    """The caller's address as the server sees it (behind a proxy: run uvicorn with
    ``--proxy-headers`` and ``--forwarded-allow-ips`` so this is the real client)."""
    return request.client.host if request.client else None


def security_settings(request: Request) -> SecuritySettings:
    settings: SecuritySettings = request.app.state.security
    return settings


def current_login(request: Request, token: Annotated[str | None, Depends(bearer)]) -> Resolved:
    """The resolved session of the request; Unauthenticated (401) without a valid one."""
    settings = security_settings(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not token and not cookie:
        raise Unauthenticated("not logged in: send a bearer token or the session cookie")
    factory = request.app.state.sessions
    with factory() as session:
        found = resolve(session, token or cookie or "", settings, client_of(request))
    if found.user.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise Forbidden(
            "the password was set by an administrator: change it first (POST /auth/password)",
            field="password",
        )
    if found.kind is Kind.WEB and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not (found.csrf_token and secrets.compare_digest(sent, found.csrf_token)):
            raise Forbidden(f"the {CSRF_HEADER} header is missing or wrong", field=CSRF_HEADER)
    return found


def get_actor(login: Annotated[Resolved, Depends(current_login)]) -> Actor:
    """The acting user of the request (401 without a valid login)."""
    return login.actor


ActorDep = Annotated[Actor, Depends(get_actor)]
LoginDep = Annotated[Resolved, Depends(current_login)]
