"""Logging in and out.

- ``POST /auth/token``: the OAuth2 password flow for API clients (form fields ``username``,
  ``password``; the one-time code of a second factor in the extra field ``totp``, or in
  ``client_secret``, the only free slot of Swagger UI's login dialog, sent "in the request
  body"). Answers a short-lived bearer token.
- ``POST /auth/login``: the web UI's login (JSON). Sets the session cookie (HttpOnly,
  SameSite=Strict, Secure unless ``security.cookie_secure`` is off) and answers the CSRF token
  the UI must send as ``X-CSRF-Token`` on every state-changing request.
- ``POST /auth/logout`` ends the session of the request (token or cookie) at once.

Login attempts are rate-limited per client address in this process (``login_attempts_per_
minute``); behind several replicas the reverse proxy should limit them too."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from bankcrm.api.auth import (
    SESSION_COOKIE,
    LoginDep,
    bearer,
    client_of,
    security_settings,
)
from bankcrm.api.common import ErrorBody, SessionDep
from bankcrm.api.routes.users import UserOut, user_out
from bankcrm.api.schemas import UtcDateTime
from bankcrm.security import audit, totp
from bankcrm.security.login import LoginRateLimiter, authenticate
from bankcrm.security.sessions import Kind, issue, revoke
from bankcrm.security.users import change_password, get_user, view
from bankcrm.store.models import User

router = APIRouter(prefix="/auth", tags=["auth"])
_limiter_init = threading.Lock()
MAX_FIELD = 1024  # longer credentials are a 422 before any work is done
THROTTLED: dict[int | str, dict[str, object]] = {
    429: {"model": ErrorBody, "description": "Too many login attempts from this address"}
}


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105  (the OAuth2 token type, not a secret)
    expires_in: int = Field(description="Seconds until the token expires")
    must_change_password: bool


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=100)
    password: str = Field(max_length=MAX_FIELD)
    totp: str | None = Field(None, max_length=10, description="One-time code, if enrolled")


class LoginOut(BaseModel):
    csrf_token: str = Field(description="Send as X-CSRF-Token on every state-changing request")
    expires_at: UtcDateTime  # the idle expiry slides forward while the session is used
    user: UserOut


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    old_password: str = Field(max_length=MAX_FIELD)
    new_password: str = Field(max_length=MAX_FIELD)


class EnrolmentOut(BaseModel):
    secret: str = Field(description="Base32 secret, to type into the authenticator app")
    uri: str = Field(description="otpauth:// URI, to show as a QR code")


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=6, max_length=10)


def login_limiter(request: Request) -> LoginRateLimiter:
    """The app's login rate limiter (made on first use, one per app)."""
    state = request.app.state
    with _limiter_init:
        if getattr(state, "login_limiter", None) is None:
            per_minute = security_settings(request).login_attempts_per_minute
            state.login_limiter = LoginRateLimiter(per_minute)
    limiter: LoginRateLimiter = state.login_limiter
    return limiter


def _authenticate(
    request: Request, session: SessionDep, username: str, password: str, code: str | None
) -> User:
    return authenticate(
        session,
        username,
        password,
        security_settings(request),
        client_of(request),
        code or None,
        limiter=login_limiter(request),
    )


@router.post(
    "/token", summary="OAuth2 password flow: a bearer token for the API", responses=THROTTLED
)
def token(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=MAX_FIELD)],
    totp_code: Annotated[str | None, Form(alias="totp", max_length=10)] = None,
    client_secret: Annotated[str | None, Form(max_length=MAX_FIELD)] = None,
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> TokenOut:
    user = _authenticate(request, session, username, password, totp_code or client_secret)
    settings = security_settings(request)
    issued = issue(session, user, Kind.API, settings)
    return TokenOut(
        access_token=issued.token,
        expires_in=settings.token_minutes * 60,
        must_change_password=user.must_change_password,
    )


@router.post(
    "/login",
    summary="Web login: sets the session cookie, answers the CSRF token",
    responses=THROTTLED,
)
def login(body: LoginIn, request: Request, response: Response, session: SessionDep) -> LoginOut:
    user = _authenticate(request, session, body.username, body.password, body.totp)
    settings = security_settings(request)
    issued = issue(session, user, Kind.WEB, settings)
    # No Max-Age: the cookie ends with the browser; the server ends the session anyway.
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )
    assert issued.csrf_token is not None  # web sessions always have one
    return LoginOut(csrf_token=issued.csrf_token, expires_at=issued.expires_at, user=_me(user))


def _raw_token(request: Request, bearer_token: str | None) -> str:
    """The token the request was authenticated with (the bearer token wins, as in login)."""
    return bearer_token or request.cookies.get(SESSION_COOKIE) or ""


BearerDep = Annotated[str | None, Depends(bearer)]


@router.post("/logout", status_code=204, summary="End this session (token or cookie)")
def logout(
    request: Request, response: Response, session: SessionDep, login: LoginDep, token: BearerDep
) -> None:
    revoke(session, _raw_token(request, token))
    audit.record(session, login.actor, "auth.logout", entity="user", entity_id=login.user.username)
    session.commit()
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=security_settings(request).cookie_secure,
        httponly=True,
        samesite="strict",
    )


def _me(user: User) -> UserOut:
    return user_out(view(user))


@router.get("/me", summary="The logged-in user")
def me(login: LoginDep) -> UserOut:
    return _me(login.user)


@router.post("/password", summary="Change one's own password (other sessions end)")
def password(
    body: PasswordIn, request: Request, session: SessionDep, login: LoginDep, token: BearerDep
) -> UserOut:
    changed = change_password(
        session,
        login.actor,
        body.old_password,
        body.new_password,
        security_settings(request),
        keep_token=_raw_token(request, token),
    )
    return user_out(changed)


@router.post("/totp/enrol", summary="Start enrolling a second factor (admin, branch manager)")
def totp_enrol(session: SessionDep, login: LoginDep) -> EnrolmentOut:
    enrolment = totp.enrol(session, login.actor)
    return EnrolmentOut(secret=enrolment.secret, uri=enrolment.uri)


@router.post("/totp/confirm", summary="Turn the second factor on with a code from the app")
def totp_confirm(body: CodeIn, session: SessionDep, login: LoginDep) -> UserOut:
    totp.confirm(session, login.actor, body.code)
    return _me(get_user(session, login.actor.username))
