"""Every clearing rule of the cache, with the injected clock, on memory and on the real Redis:
idle timeout, absolute limit, the teller ending the visit, logout, serving another customer,
and a change of terminal. A cleared cache is gone: the next transaction needs a fresh check."""

from __future__ import annotations

from decimal import Decimal

from bankcrm.counter.audit import EventKind, StoreCounterAudit
from bankcrm.counter.backends import CacheBackend
from bankcrm.counter.outcomes import Status
from bankcrm.counter.service import CounterService
from bankcrm.store.models import CounterSession
from tests.counter.conftest import LI, TELLER, ZHANG, FakeClock

T1, T2 = "T-01", "T-02"


def cached_visit(service: CounterService) -> str:
    """A visit of 张三丰 at terminal T1 whose verification passed and is cached."""
    session, verification = service.start_session(TELLER, ZHANG, T1, "sig-001")
    assert verification.outcome == "passed"
    grant = service.request_cache(TELLER, session.session_id, T1, ZHANG, consent=True)
    assert grant.granted, grant.reason
    return session.session_id


def deposit(service: CounterService, session_id: str, terminal: str = T1) -> Status:
    return service.transact(TELLER, session_id, terminal, "deposit", Decimal("100.00")).status


def in_backend(service: CounterService, backend: CacheBackend, customer_id: str) -> bool:
    return backend.get(service.cache.key(customer_id)) is not None


def kinds(audit: StoreCounterAudit) -> list[tuple[str, str | None]]:
    return [(e.event.value, e.reason) for e in audit.events()]


def test_cached_verification_is_relied_on_by_later_transactions(
    service: CounterService, audit: StoreCounterAudit, clock: FakeClock
) -> None:
    session_id = cached_visit(service)
    first_check = service.repository.latest_passed(session_id)
    assert first_check is not None
    first = service.transact(TELLER, session_id, T1, "deposit", Decimal("500"))
    clock.advance(60)
    outcomes = [first, service.transact(TELLER, session_id, T1, "statement")]
    assert [o.status for o in outcomes] == [Status.RECORDED, Status.RECORDED]
    assert all(o.via_cache for o in outcomes)
    stored = service.repository.transactions(session_id)
    assert {t.verification_id for t in stored} == {first_check.verification_id}
    assert [t.amount_fen for t in stored] == [50_000, None]
    events = audit.events()
    assert [e.event for e in events] == [EventKind.CREATED, EventKind.USED, EventKind.USED]
    assert {(e.teller, e.terminal_id, e.customer_id) for e in events} == {("teller-a", T1, "C0001")}
    assert events[0].reason == "consent given"
    assert [e.transaction_id for e in events[1:]] == [o.transaction_id for o in outcomes]


def test_idle_timeout_clears_after_300_seconds_without_use(
    service: CounterService, backend: CacheBackend, clock: FakeClock, audit: StoreCounterAudit
) -> None:
    session_id = cached_visit(service)
    clock.advance(299)
    assert deposit(service, session_id) is Status.RECORDED
    clock.advance(299)  # 598 s after creation but 299 s after the last use: still alive
    assert deposit(service, session_id) is Status.RECORDED
    clock.advance(300)
    assert deposit(service, session_id) is Status.NEEDS_VERIFICATION
    assert not in_backend(service, backend, ZHANG.customer_id)
    assert deposit(service, session_id) is Status.NEEDS_VERIFICATION  # gone for good
    assert kinds(audit)[-2] == ("expired", "idle")
    row = service.repository.session(session_id)
    assert isinstance(row, CounterSession)
    assert row.cache_clear_reason == "idle"


def test_absolute_limit_clears_after_30_minutes_even_in_use(
    service: CounterService, backend: CacheBackend, clock: FakeClock, audit: StoreCounterAudit
) -> None:
    session_id = cached_visit(service)
    for _ in range(8):  # used every 200 s: never idle, 1600 s in all
        clock.advance(200)
        assert deposit(service, session_id) is Status.RECORDED
    clock.advance(199)  # 1799 s
    assert deposit(service, session_id) is Status.RECORDED
    clock.advance(1)  # 1800 s
    assert deposit(service, session_id) is Status.NEEDS_VERIFICATION
    assert not in_backend(service, backend, ZHANG.customer_id)
    assert kinds(audit)[-1] == ("expired", "absolute")


def test_teller_ending_the_visit_clears(
    service: CounterService, backend: CacheBackend, audit: StoreCounterAudit
) -> None:
    session_id = cached_visit(service)
    service.end(TELLER, session_id)
    assert not in_backend(service, backend, ZHANG.customer_id)
    assert kinds(audit)[-1] == ("ended", "teller_ended")
    # A new visit of the same customer starts without a cache.
    session, _ = service.start_session(TELLER, ZHANG, T1, "sig-002")
    assert deposit(service, session.session_id) is Status.NEEDS_VERIFICATION


def test_logout_clears(
    service: CounterService, backend: CacheBackend, audit: StoreCounterAudit
) -> None:
    session_id = cached_visit(service)
    assert service.logout(TELLER) == 1
    assert not in_backend(service, backend, ZHANG.customer_id)
    assert kinds(audit)[-1] == ("ended", "logout")
    row = service.repository.session(session_id)
    assert row is not None
    assert row.end_reason == "logout"


def test_serving_another_customer_clears(
    service: CounterService, backend: CacheBackend, audit: StoreCounterAudit
) -> None:
    session_id = cached_visit(service)
    service.start_session(TELLER, LI, T1, "sig-li")
    assert not in_backend(service, backend, ZHANG.customer_id)
    assert kinds(audit)[-1] == ("ended", "another_customer")
    row = service.repository.session(session_id)
    assert row is not None
    assert row.end_reason == "another_customer"


def test_terminal_change_clears(
    service: CounterService, backend: CacheBackend, audit: StoreCounterAudit
) -> None:
    session_id = cached_visit(service)
    assert deposit(service, session_id, terminal=T2) is Status.NEEDS_VERIFICATION
    assert not in_backend(service, backend, ZHANG.customer_id)
    assert kinds(audit)[-1] == ("ended", "terminal_change")
    assert deposit(service, session_id, terminal=T1) is Status.NEEDS_VERIFICATION  # gone


def test_asking_twice_keeps_the_one_cache(
    service: CounterService, audit: StoreCounterAudit, clock: FakeClock
) -> None:
    session_id = cached_visit(service)
    clock.advance(200)
    again = service.request_cache(TELLER, session_id, T1, ZHANG)
    assert (again.granted, again.reason) == (True, "already_cached")
    clock.advance(200)  # 400 s after creation: the second request did not restart the clock
    assert deposit(service, session_id) is Status.NEEDS_VERIFICATION
    assert [k for k, _ in kinds(audit)] == ["created", "expired"]
