"""Who is looking at a page: the session cookie the login set (``POST /api/v1/auth/login``),
resolved against the store when the page is built and again before every action, so a logout,
an expiry or a disabled login takes effect at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse

from bankcrm.api.auth import SESSION_COOKIE
from bankcrm.domain.actor import Actor
from bankcrm.domain.errors import Unauthenticated
from bankcrm.security.sessions import Resolved, resolve
from bankcrm.web.runtime import runtime

LANG_COOKIE = "bankcrm_lang"


@dataclass
class Visit:
    """One page load of a logged-in member of staff."""

    login: Resolved
    token: str
    lang: str
    client: str | None

    @property
    def actor(self) -> Actor:
        return self.login.actor

    def t(self, zh: str, en: str) -> str:
        """The text in the visitor's language."""
        return zh if self.lang == "zh" else en

    def fresh(self) -> Actor:
        """The actor, re-checked now (Unauthenticated once the session has ended)."""
        rt = runtime()
        with rt.sessions() as session:
            self.login = resolve(session, self.token, rt.settings.security, self.client)
        return self.login.actor


def lang_of(request: Request) -> str:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"


def visit_of(request: Request) -> Visit | None:
    """The visit, or None when the request carries no live session — or one whose password an
    administrator set and that must change it first (``to_login`` sends it to /password)."""
    visit = session_of(request)
    if visit is None or visit.login.user.must_change_password:
        return None
    return visit


def session_of(request: Request) -> Visit | None:
    """The live session of the request, whatever its state."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    rt = runtime()
    client = request.client.host if request.client else None
    try:
        with rt.sessions() as session:
            login = resolve(session, token, rt.settings.security, client)
    except Unauthenticated:
        return None
    return Visit(login, token, lang_of(request), client)


def to_login(request: Request) -> Any:
    """Send a visitor without a session to the login page, back here after; one who must
    change an administrator-set password, to /password first."""
    live = session_of(request)
    if live is not None and live.login.user.must_change_password:
        return RedirectResponse("/password", status_code=303)
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
