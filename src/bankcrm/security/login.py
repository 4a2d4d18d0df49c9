"""Logging in: the password, the lockout after repeated failures, the second factor, and the
per-client rate limit.

Lockout: ``lockout_failures`` failed logins of one username within ``lockout_window_minutes``
lock it for ``lockout_minutes``; while locked even the right password is refused, with a
message saying until when. Attempts while locked are not counted (they cannot extend the lock);
a success clears the count. Unknown usernames are treated exactly like known ones: a
verification of a dummy hash (same time), the same message, and the same lockout (derived from
their recorded failures), so neither the timing nor the lockout tells which usernames exist.

Every attempt is audited as ``auth.login`` with outcome ok or failed and the reason; never the
password. An attempt with an unknown username is recorded by the system (``actor`` system, the
attempted name as ``entity_id``), since there is no user to attribute it to."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.errors import TooManyRequests, Unauthenticated
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security import audit
from bankcrm.security.passwords import MAX_LENGTH, burn_time, verify_password
from bankcrm.security.sessions import actor_of
from bankcrm.security.totp import code_ok
from bankcrm.security.users import find_user, normalise_username, now, totp_enabled
from bankcrm.store.models import LoginFailure, User

WRONG = "wrong username or password"
DISABLED = "this login is disabled: ask an administrator"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    first_refusal: bool  # the first refused attempt of a burst: audited once, not each time
    retry_after: int  # seconds until an attempt is allowed again


class LoginRateLimiter:
    """At most ``per_minute`` login attempts per client address in any 60 seconds (a sliding
    window of attempt times), in this process's memory.

    One per app. Behind several replicas each counts alone, so the reverse proxy should
    rate-limit logins too (docs/security.md); the lockout, kept in the store, holds across
    replicas anyway."""

    WINDOW = 60.0
    MAX_CLIENTS = 10_000  # past this many clients, forget the idle ones (memory stays bounded)

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._refusing: set[str] = set()
        self._lock = threading.Lock()

    def check(self, client: str | None) -> Decision:
        """Count an attempt from ``client``; refused attempts are not counted, so a client
        that keeps trying gets ``per_minute`` attempts a minute, no more."""
        key, t = client or "?", self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= t - self.WINDOW:
                hits.popleft()
            if len(hits) >= self.per_minute:
                first = key not in self._refusing
                self._refusing.add(key)
                return Decision(False, first, max(1, int(hits[0] + self.WINDOW - t + 1)))
            hits.append(t)
            self._refusing.discard(key)
            if len(self._hits) > self.MAX_CLIENTS:
                self._forget_idle(t)
            return Decision(True, False, 0)

    def _forget_idle(self, t: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= t - self.WINDOW]:
            del self._hits[key]
            self._refusing.discard(key)


def _failures_since(session: Session, name: str, since: datetime) -> tuple[int, datetime | None]:
    count, last = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.username == name, LoginFailure.at > since
        )
    ).one()
    return int(count), last


def locked_until(
    session: Session, name: str, user: User | None, settings: SecuritySettings, at: datetime
) -> datetime | None:
    """Until when ``name`` is locked (None: not locked). A known user's lock is kept on the
    user; an unknown name's is derived from its failures by the same rule."""
    if user is not None:
        until = user.locked_until
    else:
        window = at - timedelta(minutes=settings.lockout_window_minutes)
        count, last = _failures_since(session, name, window)
        reached = count >= settings.lockout_failures and last is not None
        until = last + timedelta(minutes=settings.lockout_minutes) if last and reached else None
    return until if until is not None and until > at else None


def _locked_message(until: datetime) -> str:
    return f"too many failed logins: the login is locked until {until:%Y-%m-%d %H:%M:%S} UTC"


@dataclass
class _Attempt:
    """One login attempt: who it names, from where, when; and how it ends (audited)."""

    session: Session
    name: str
    user: User | None
    client: str | None
    settings: SecuritySettings
    at: datetime

    def audit(self, outcome: audit.Outcome, reason: str | None) -> None:
        # An unknown name has no user to attribute the attempt to: the system records it.
        actor = (
            actor_of(self.user, self.client)
            if self.user
            else Actor(username="system", role=Role.ADMIN, client=self.client)
        )
        audit.record(
            self.session,
            actor,
            "auth.login",
            entity="user",
            entity_id=self.name,
            outcome=outcome,
            detail={"reason": reason} if reason else None,
            at=self.at,
        )

    def refuse(self, reason: str, error: Unauthenticated) -> Unauthenticated:
        """Audit a refusal that is not a failed guess (locked, disabled, factor missing)."""
        self.audit(audit.Outcome.FAILED, reason)
        self.session.commit()
        return error

    def fail(self, reason: str) -> Unauthenticated:
        """Record a failed guess (it may start a lockout), audit and commit it."""
        self.session.add(LoginFailure(username=self.name, at=self.at, client=self.client))
        self.session.flush()
        window = self.at - timedelta(minutes=self.settings.lockout_window_minutes)
        count, _ = _failures_since(self.session, self.name, window)
        message, field = WRONG, None
        if reason == "wrong_totp":
            message, field = "the one-time code is wrong", "totp"
        if count >= self.settings.lockout_failures:
            until = self.at + timedelta(minutes=self.settings.lockout_minutes)
            if self.user is not None:
                self.user.locked_until = until
            message = f"{message}; {_locked_message(until)}"
        self.audit(audit.Outcome.FAILED, reason)
        self.session.commit()
        return Unauthenticated(message, field)


def authenticate(
    session: Session,
    username: str,
    password: str,
    settings: SecuritySettings,
    client: str | None,
    totp_code: str | None = None,
    *,
    limiter: LoginRateLimiter | None = None,
    at: datetime | None = None,
) -> User:
    """The user whose credentials these are; Unauthenticated (401) otherwise, TooManyRequests
    (429) past the client's rate limit. Commits the failure count and the audit record."""
    name = normalise_username(username)[:100]
    attempt = _Attempt(session, name, None, client, settings, at or now())
    if limiter is not None:
        _rate_limit(attempt, limiter)
    attempt.user = user = find_user(session, name)
    # Verify (or spend the same time) before anything else, so every path takes as long.
    ok, new_hash = (False, None)
    if user is None or len(password) > MAX_LENGTH:
        burn_time(password[:MAX_LENGTH])
    else:
        ok, new_hash = verify_password(password, user.password_hash)
    until = locked_until(session, name, user, settings, attempt.at)
    if until is not None:
        raise attempt.refuse("locked", Unauthenticated(_locked_message(until)))
    if user is None or not ok:
        raise attempt.fail("unknown_user" if user is None else "wrong_password")
    if user.disabled:
        raise attempt.refuse("disabled", Unauthenticated(DISABLED))
    _second_factor(attempt, user, totp_code)
    session.execute(delete(LoginFailure).where(LoginFailure.username == name))
    user.locked_until = None
    if new_hash is not None:  # hashed with weaker parameters than today's: upgrade it
        user.password_hash = new_hash
    attempt.audit(audit.Outcome.OK, None)
    session.commit()
    return user


def _rate_limit(attempt: _Attempt, limiter: LoginRateLimiter) -> None:
    decision = limiter.check(attempt.client)
    if decision.allowed:
        return
    if decision.first_refusal:
        attempt.audit(audit.Outcome.DENIED, "rate_limited")
        attempt.session.commit()
    raise TooManyRequests(
        f"too many login attempts from this address: wait {decision.retry_after} s"
    )


def _second_factor(attempt: _Attempt, user: User, code: str | None) -> None:
    """The TOTP check after a right password: a wrong code counts as a failed login."""
    if totp_enabled(user):
        if not code:
            missing = Unauthenticated("enter the one-time code from the authenticator app", "totp")
            raise attempt.refuse("totp_missing", missing)
        if not code_ok(user.totp_secret or "", code):
            raise attempt.fail("wrong_totp")
    elif Role(user.role) in attempt.settings.totp_required_for:
        raise attempt.refuse(
            "totp_not_enrolled",
            Unauthenticated(
                f"a {user.role} login needs a second factor and none is enrolled: ask an "
                f"administrator to enrol it (bankcrm users totp-enrol {user.username})",
                "totp",
            ),
        )
