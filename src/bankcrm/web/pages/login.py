"""登录 Login: username, password and (when enrolled) the one-time code; lockout and other
refusals are shown in the words of the login service. A login that succeeds gets a one-time
ticket the browser exchanges for the HttpOnly session cookie (``web.tickets``)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from bankcrm.api.auth import SESSION_COOKIE
from bankcrm.domain.errors import TooManyRequests, Unauthenticated
from bankcrm.security.login import authenticate
from bankcrm.security.sessions import Kind, issue
from bankcrm.web import tickets
from bankcrm.web.auth import lang_of, visit_of
from bankcrm.web.runtime import runtime


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@ui.page("/login")
def login_page(request: Request, next: str | None = None) -> Any:
    if visit_of(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    zh = lang_of(request) == "zh"
    client = request.client.host if request.client else None

    def t(a: str, b: str) -> str:
        return a if zh else b

    ui.page_title(t("登录 · bankcrm", "Log in · bankcrm"))
    with ui.card().classes("absolute-center w-96"):
        ui.label(t("银行网点客户关系管理", "bankcrm — branch CRM")).classes("text-h6")
        username = ui.input(t("用户名", "Username")).props('autofocus data-testid="username"')
        password = ui.input(t("密码", "Password"), password=True).props('data-testid="password"')
        code = ui.input(t("动态口令（如已开通）", "One-time code (if enrolled)")).props(
            'data-testid="totp"'
        )
        message = ui.label("").classes("text-negative").props('data-testid="login-error"')

        def submit() -> None:
            rt = runtime()
            with rt.sessions() as session:
                try:
                    user = authenticate(
                        session, username.value or "", password.value or "",
                        rt.settings.security, client, code.value or None, limiter=rt.limiter,
                    )  # fmt: skip
                except (Unauthenticated, TooManyRequests) as refused:
                    message.set_text(refused.reason)
                    return
                issued = issue(session, user, Kind.WEB, rt.settings.security)
            ticket = tickets.put(issued.token, _safe_next(next))
            ui.navigate.to(f"/login/complete?ticket={ticket}")

        password.on("keydown.enter", submit)
        ui.button(t("登录", "Log in"), on_click=submit).props('data-testid="login"').classes(
            "w-full"
        )


def complete_login(ticket: str, request: Request) -> RedirectResponse:
    """``GET /login/complete?ticket=``: set the session cookie, go where the visitor was going."""
    found = tickets.take(ticket)
    if found is None:
        return RedirectResponse("/login", status_code=303)
    token, target = found
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",  # set on a top-level navigation from our own page
        secure=runtime().settings.security.cookie_secure,
        path="/",
    )
    del request
    return response
