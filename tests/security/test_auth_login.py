"""Logging in: lockout within a time window, unknown usernames, the second factor, the rate
limit, and the audit records of each attempt; on SQLite and PostgreSQL.

Times are passed as ``at=`` (no sleeping): the lockout arithmetic is worked out by hand in
each test from the settings it uses."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pyotp
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bankcrm.domain.actor import SYSTEM, Role
from bankcrm.domain.errors import BadRequest, Forbidden, TooManyRequests, Unauthenticated
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security import totp
from bankcrm.security.login import LoginRateLimiter, authenticate
from bankcrm.security.sessions import actor_of
from bankcrm.security.users import create_user, get_user
from bankcrm.store.db import session_factory
from bankcrm.store.models import AuditRecord, LoginFailure, User

PASSWORD = "Tr1cky-Horse"  # noqa: S105  (a test password)
# 3 failures within 10 minutes lock the login for 30 minutes.
SETTINGS = SecuritySettings(lockout_failures=3, lockout_window_minutes=10, lockout_minutes=30)
T0 = datetime(2026, 3, 2, 9, 0, 0)
CLIENT = "10.0.0.7"


@pytest.fixture
def session(store: Engine) -> Iterator[Session]:
    with session_factory(store)() as s:
        yield s


def make(session: Session, username: str, role: Role = Role.ANALYST) -> User:
    create_user(session, SYSTEM, username, role, SETTINGS, password=PASSWORD)
    return get_user(session, username)


def login(session: Session, username: str, password: str, minutes: float, **kw: object) -> User:
    at = T0 + timedelta(minutes=minutes)
    return authenticate(session, username, password, SETTINGS, CLIENT, at=at, **kw)  # type: ignore[arg-type]


def refused(session: Session, username: str, password: str, minutes: float, **kw: object) -> str:
    with pytest.raises(Unauthenticated) as caught:
        login(session, username, password, minutes, **kw)
    return caught.value.reason


def login_records(session: Session) -> list[tuple[str, str | None, str, dict[str, str] | None]]:
    rows = session.scalars(
        select(AuditRecord).where(AuditRecord.action == "auth.login").order_by(AuditRecord.seq)
    )
    return [
        (r.actor, r.entity_id, r.outcome, json.loads(r.detail) if r.detail else None) for r in rows
    ]


def test_right_and_wrong_password_are_audited_without_the_password(session: Session) -> None:
    make(session, "ana")
    assert login(session, "ana", PASSWORD, 0).username == "ana"
    assert refused(session, "ana", "Wrong-Horse-1", 1) == "wrong username or password"
    assert login_records(session) == [
        ("ana", "ana", "ok", None),
        ("ana", "ana", "failed", {"reason": "wrong_password"}),
    ]
    details = " ".join(r.detail or "" for r in session.scalars(select(AuditRecord)))
    assert PASSWORD not in details
    assert "Wrong-Horse-1" not in details


def test_lockout_refuses_even_the_right_password_until_the_lock_ends(session: Session) -> None:
    make(session, "ana")
    assert refused(session, "ana", "x", 0) == "wrong username or password"
    refused(session, "ana", "x", 1)
    # The third failure within 10 minutes, at 09:02, locks until 09:32.
    third = refused(session, "ana", "x", 2)
    assert third == (
        "wrong username or password; too many failed logins: the login is locked until "
        "2026-03-02 09:32:00 UTC"
    )
    locked = "too many failed logins: the login is locked until 2026-03-02 09:32:00 UTC"
    assert refused(session, "ana", PASSWORD, 5) == locked
    assert refused(session, "ana", PASSWORD, 31.9) == locked
    assert get_user(session, "ana").locked_until == datetime(2026, 3, 2, 9, 32)
    assert login(session, "ana", PASSWORD, 32.1).username == "ana"
    assert get_user(session, "ana").locked_until is None
    assert session.scalar(select(func.count()).select_from(LoginFailure)) == 0
    reasons = [r[3]["reason"] if r[3] else None for r in login_records(session)]
    assert reasons == ["wrong_password"] * 3 + ["locked", "locked", None]


def test_attempts_while_locked_do_not_extend_the_lock(session: Session) -> None:
    make(session, "ana")
    for minute in (0, 1, 2):  # locked 09:02 → 09:32
        refused(session, "ana", "x", minute)
    for minute in (10, 20, 30):
        assert "09:32:00" in refused(session, "ana", "x", minute)
    assert login(session, "ana", PASSWORD, 33).username == "ana"


def test_failures_outside_the_window_do_not_count(session: Session) -> None:
    make(session, "ana")
    refused(session, "ana", "x", 0)
    refused(session, "ana", "x", 1)
    # 09:11 and 09:12: the window (10 minutes) holds 09:01 (for the first) and then only
    # these two: never three within it, so no lock.
    assert refused(session, "ana", "x", 11) == "wrong username or password"
    assert refused(session, "ana", "x", 12) == "wrong username or password"
    assert login(session, "ana", PASSWORD, 13).username == "ana"


def test_a_success_clears_the_failure_count(session: Session) -> None:
    make(session, "ana")
    refused(session, "ana", "x", 0)
    refused(session, "ana", "x", 1)
    login(session, "ana", PASSWORD, 2)
    refused(session, "ana", "x", 3)
    # Four failures within 10 minutes, but the success at 09:02 reset the count to one.
    assert refused(session, "ana", "x", 4) == "wrong username or password"
    assert login(session, "ana", PASSWORD, 5).username == "ana"


def test_unknown_usernames_answer_and_lock_like_known_ones(session: Session) -> None:
    make(session, "ana")
    for minute in (0, 1):
        assert refused(session, "nobody", "x", minute) == refused(session, "ana", "x", minute)
    # The third failure of each name, at 09:02, locks both until 09:32, with the same words.
    third = refused(session, "nobody", "x", 2)
    assert third == refused(session, "ana", "x", 2)
    assert third.endswith("locked until 2026-03-02 09:32:00 UTC")
    assert refused(session, "nobody", "x", 5) == refused(session, "ana", PASSWORD, 5)
    assert "locked" not in refused(session, "nobody", "x", 33)
    unknown = [r for r in login_records(session) if r[1] == "nobody"]
    assert {r[0] for r in unknown} == {"system"}  # no user to attribute them to
    assert unknown[0][3] == {"reason": "unknown_user"}


def test_unknown_usernames_take_as_long_as_known_ones(session: Session) -> None:
    """Without the dummy verification an unknown name answers in about a millisecond, a known
    one in an Argon2 verification (hundreds of ms here): comparable medians show the work."""
    make(session, "ana")

    def took(username: str, minute: float) -> float:
        start = time.perf_counter()
        refused(session, username, "x", minute)
        return time.perf_counter() - start

    # 20 minutes apart: the window never holds two failures, so nothing locks.
    known = statistics.median(took("ana", 20 * i) for i in range(3))
    unknown = statistics.median(took("nobody", 20 * i) for i in range(3))
    assert unknown > 0.5 * known


def test_a_disabled_login_is_refused_with_the_right_password(session: Session) -> None:
    make(session, "ana")
    make(session, "root", Role.ADMIN)
    get_user(session, "ana").disabled = True
    session.commit()
    assert refused(session, "ana", PASSWORD, 0) == "this login is disabled: ask an administrator"
    assert refused(session, "ana", "x", 1) == "wrong username or password"


def test_a_weaker_stored_hash_is_upgraded_at_login(session: Session) -> None:
    from pwdlib import PasswordHash  # noqa: PLC0415
    from pwdlib.hashers.argon2 import Argon2Hasher  # noqa: PLC0415

    user = make(session, "ana")
    weak = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    user.password_hash = weak.hash(PASSWORD)
    session.commit()
    login(session, "ana", PASSWORD, 0)
    assert "m=65536" in get_user(session, "ana").password_hash
    assert login(session, "ana", PASSWORD, 1).username == "ana"


# -- rate limit ----------------------------------------------------------------------------


def test_rate_limiter_slides_its_window_per_client() -> None:
    clock = [1000.0]
    limiter = LoginRateLimiter(3, clock=lambda: clock[0])
    assert [limiter.check("a").allowed for _ in range(3)] == [True, True, True]
    fourth = limiter.check("a")
    assert (fourth.allowed, fourth.first_refusal) == (False, True)
    assert fourth.retry_after == 61  # the first attempt leaves the window 60 s after it
    assert limiter.check("a").first_refusal is False
    assert limiter.check("b").allowed  # another client has its own window
    clock[0] += 30
    assert limiter.check("a").allowed is False
    clock[0] += 30.5  # the three attempts at t=1000 are now more than 60 s old
    assert limiter.check("a").allowed


def test_authenticate_past_the_rate_limit_is_429_and_audited_once(session: Session) -> None:
    make(session, "ana")
    limiter = LoginRateLimiter(2)
    login(session, "ana", PASSWORD, 0, limiter=limiter)
    refused(session, "ana", "x", 0, limiter=limiter)
    for _ in range(3):
        with pytest.raises(TooManyRequests, match="too many login attempts from this address"):
            login(session, "ana", PASSWORD, 0, limiter=limiter)
    denied = [r for r in login_records(session) if r[2] == "denied"]
    assert denied == [("system", "ana", "denied", {"reason": "rate_limited"})]


# -- second factor -------------------------------------------------------------------------


def test_totp_enrol_confirm_then_login_needs_the_code(session: Session) -> None:
    admin = make(session, "root", Role.ADMIN)
    actor = actor_of(admin)
    enrolment = totp.enrol(session, actor)
    assert enrolment.uri.startswith("otpauth://totp/bankcrm:root?secret=")
    assert f"secret={enrolment.secret}" in enrolment.uri
    # Pending until confirmed: the login does not ask for a code yet.
    assert login(session, "root", PASSWORD, 0).username == "root"
    app = pyotp.TOTP(enrolment.secret)
    with pytest.raises(BadRequest, match="the code is wrong"):
        totp.confirm(session, actor, "000000" if app.now() != "000000" else "111111")
    totp.confirm(session, actor, app.now())
    with pytest.raises(Unauthenticated) as missing:
        login(session, "root", PASSWORD, 1)
    assert missing.value.field == "totp"
    assert "one-time code" in missing.value.reason
    wrong = str((int(app.now()) + 500_000) % 1_000_000).zfill(6)
    assert refused(session, "root", PASSWORD, 2, totp_code=wrong) == "the one-time code is wrong"
    assert login(session, "root", PASSWORD, 3, totp_code=app.now()).username == "root"
    # A wrong password is still just a wrong password, code or not.
    assert refused(session, "root", "x", 4, totp_code=app.now()) == "wrong username or password"
    stored = get_user(session, "root").totp_secret
    assert stored == enrolment.secret


def test_wrong_codes_count_towards_the_lockout(session: Session) -> None:
    admin = make(session, "root", Role.ADMIN)
    enrolment = totp.enrol(session, actor_of(admin))
    app = pyotp.TOTP(enrolment.secret)
    totp.confirm(session, actor_of(admin), app.now())
    wrong = str((int(app.now()) + 500_000) % 1_000_000).zfill(6)
    for minute in (0, 1):
        refused(session, "root", PASSWORD, minute, totp_code=wrong)
    assert "locked until" in refused(session, "root", PASSWORD, 2, totp_code=wrong)
    assert "locked until" in refused(session, "root", PASSWORD, 3, totp_code=app.now())


def test_only_admins_and_branch_managers_may_enrol(session: Session) -> None:
    analyst = make(session, "ana")
    with pytest.raises(Forbidden, match="only admin, branch_manager"):
        totp.enrol(session, actor_of(analyst))


def test_an_enrolled_factor_is_replaced_only_after_an_admin_removes_it(session: Session) -> None:
    admin = make(session, "root", Role.ADMIN)
    first = totp.enrol(session, actor_of(admin))
    totp.confirm(session, actor_of(admin), pyotp.TOTP(first.secret).now())
    with pytest.raises(BadRequest, match="already enrolled"):
        totp.enrol(session, actor_of(admin))
    analyst = make(session, "ana")
    with pytest.raises(Forbidden):
        totp.remove(session, actor_of(analyst), "root")
    totp.remove(session, SYSTEM, "root")
    assert login(session, "root", PASSWORD, 0).username == "root"  # no code asked any more
    assert totp.enrol(session, actor_of(admin)).secret != first.secret


def test_a_role_that_requires_totp_cannot_log_in_without_it(session: Session) -> None:
    make(session, "root", Role.ADMIN)
    required = SecuritySettings(totp_required_for=(Role.ADMIN,))
    with pytest.raises(Unauthenticated) as caught:
        authenticate(session, "root", PASSWORD, required, CLIENT, at=T0)
    assert caught.value.field == "totp"
    assert "bankcrm users totp-enrol root" in caught.value.reason
    make(session, "ana")  # an analyst is not in the list
    assert authenticate(session, "ana", PASSWORD, required, CLIENT, at=T0).username == "ana"
