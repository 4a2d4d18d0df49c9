"""Login sessions: opaque random tokens, kept only as their SHA-256, with an expiry.

Why not signed tokens (JWT): a signed token cannot be taken back before it expires, so logout
would need a deny-list in the store anyway; an opaque token looked up in the store is revoked by
one update, and a copy of the store's table grants nothing (only hashes are kept). API bearer
tokens live ``token_minutes``; web sessions end after ``session_idle_minutes`` unused or
``session_max_hours`` in all."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.errors import Unauthenticated
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.store.models import AuthSession, User


class Kind(StrEnum):
    API = "api"  # bearer token (POST /api/v1/auth/token)
    WEB = "web"  # HttpOnly cookie of the web UI, with a CSRF token


@dataclass(frozen=True)
class Issued:
    token: str  # shown once to the client, never stored
    expires_at: datetime
    csrf_token: str | None


@dataclass(frozen=True)
class Resolved:
    actor: Actor
    user: User
    kind: Kind
    csrf_token: str | None


def now() -> datetime:
    """Naive UTC, as the store keeps times."""
    return datetime.now(UTC).replace(tzinfo=None)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    session: Session, user: User, kind: Kind, settings: SecuritySettings, at: datetime | None = None
) -> Issued:
    """Start a session for ``user`` (the caller has authenticated them) and commit it."""
    at = at or now()
    token = secrets.token_urlsafe(32)
    lifetime = (
        timedelta(minutes=settings.token_minutes)
        if kind is Kind.API
        else timedelta(minutes=settings.session_idle_minutes)
    )
    csrf = secrets.token_urlsafe(32) if kind is Kind.WEB else None
    session.add(
        AuthSession(
            token_hash=token_hash(token),
            user_id=user.id,
            kind=kind.value,
            csrf_token=csrf,
            created_at=at,
            last_seen_at=at,
            expires_at=at + lifetime,
        )
    )
    session.commit()
    return Issued(token, at + lifetime, csrf)


def actor_of(user: User, client: str | None = None) -> Actor:
    return Actor(
        username=user.username,
        role=Role(user.role),
        employee_id=user.employee_id,
        branch_id=user.branch_id,
        client=client,
    )


def resolve(
    session: Session,
    token: str,
    settings: SecuritySettings,
    client: str | None = None,
    at: datetime | None = None,
) -> Resolved:
    """The user behind a token; Unauthenticated if it is unknown (or tampered with), expired,
    revoked, or its user is disabled. A web session's idle expiry slides forward on use, up to
    its absolute limit."""
    at = at or now()
    found = session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == token_hash(token))
    ).one_or_none()
    if found is None:
        raise Unauthenticated("not logged in: the token is unknown")
    auth, user = found
    if auth.revoked_at is not None:
        raise Unauthenticated("the session has ended (logged out)")
    if auth.expires_at <= at:
        raise Unauthenticated("the session has expired: log in again")
    if user.disabled:
        raise Unauthenticated("the login is disabled")
    if auth.kind == Kind.WEB.value:
        limit = auth.created_at + timedelta(hours=settings.session_max_hours)
        auth.expires_at = min(at + timedelta(minutes=settings.session_idle_minutes), limit)
        auth.last_seen_at = at
        session.commit()
    return Resolved(actor_of(user, client), user, Kind(auth.kind), auth.csrf_token)


def revoke(session: Session, token: str, at: datetime | None = None) -> bool:
    """End a session (logout); True if it was live. The caller commits."""
    result = session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == token_hash(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=at or now())
    )
    return bool(getattr(result, "rowcount", 0))


def revoke_all(session: Session, user_id: int, at: datetime | None = None) -> None:
    """End every session of a user (disabled, password reset). The caller commits."""
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=at or now())
    )
