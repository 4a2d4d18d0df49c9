"""The counter's cache events in the hash-chained audit log: a simulated morning at the counter
leaves one ``counter.cache.<event>`` record per event, by the teller, with the customer and
the terminal, visit, transaction and reason; the chain verifies, and ``counter_events`` still
holds the same events (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bankcrm.config import Settings
from bankcrm.counter.audit import ChainedCounterAudit, EventKind
from bankcrm.counter.backends import MemoryBackend
from bankcrm.counter.identity import SimulatedProvider
from bankcrm.counter.outcomes import Status
from bankcrm.counter.repository import CounterRepository
from bankcrm.counter.service import CounterService
from bankcrm.counter.wiring import build_service
from bankcrm.domain.counter.settings import CounterSettings
from bankcrm.security import audit
from bankcrm.store.models import AuditRecord
from tests.counter.conftest import LI, TELLER, TELLER_B, ZHANG, FakeClock

T1, T2 = "T-01", "T-02"


def chained_service(engine: Engine, clock: FakeClock) -> tuple[CounterService, ChainedCounterAudit]:
    chained = ChainedCounterAudit(engine)
    service = CounterService(
        MemoryBackend(clock), CounterRepository(engine), chained, SimulatedProvider(seed=1),
        CounterSettings(), clock,
    )  # fmt: skip
    return service, chained


def records(engine: Engine) -> list[AuditRecord]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))


def test_a_visit_leaves_its_cache_events_in_the_chain(store: Engine) -> None:
    clock = FakeClock()  # 2026-11-30 09:00 UTC
    service, chained = chained_service(store, clock)
    zhang, _ = service.start_session(TELLER, ZHANG, T1, "sig-001")
    assert service.request_cache(TELLER, zhang.session_id, T1, ZHANG, consent=True).granted
    deposit = service.transact(TELLER, zhang.session_id, T1, "deposit", Decimal("100"))
    clock.advance(60)
    service.transact(TELLER, zhang.session_id, T1, "statement")
    other, _ = service.start_session(TELLER_B, ZHANG, T2, "sig-002")  # 张三丰 at another counter
    refused = service.request_cache(TELLER_B, other.session_id, T2, ZHANG)
    assert refused.reason == "held_elsewhere"
    clock.advance(300)  # idle: the next use finds it expired
    late = service.transact(TELLER, zhang.session_id, T1, "deposit", Decimal("5"))
    assert late.status is Status.NEEDS_VERIFICATION
    li, _ = service.start_session(TELLER, LI, T1, "sig-003")
    assert service.request_cache(TELLER, li.session_id, T1, LI).granted
    service.logout(TELLER)

    rows = records(store)
    # The events as the steps above make them, in order (worked out from the steps).
    assert [(r.action, r.actor, r.role, r.customer_id, r.outcome) for r in rows] == [
        ("counter.cache.created", "teller-a", "teller", "C0001", "ok"),
        ("counter.cache.used", "teller-a", "teller", "C0001", "ok"),
        ("counter.cache.used", "teller-a", "teller", "C0001", "ok"),
        ("counter.cache.refused", "teller-b", "teller", "C0001", "denied"),
        ("counter.cache.expired", "teller-a", "teller", "C0001", "ok"),
        ("counter.cache.created", "teller-a", "teller", "C0002", "ok"),
        ("counter.cache.ended", "teller-a", "teller", "C0002", "ok"),
    ]
    details = [json.loads(r.detail or "") for r in rows]
    assert details[0] == {"terminal_id": T1, "session_id": zhang.session_id,
                          "reason": "consent given"}  # fmt: skip
    assert details[1] == {"terminal_id": T1, "session_id": zhang.session_id,
                          "transaction_id": deposit.transaction_id}  # fmt: skip
    assert details[3] == {"terminal_id": T2, "session_id": other.session_id,
                          "reason": "held_elsewhere"}  # fmt: skip
    assert details[4]["reason"] == "idle"
    assert details[6]["reason"] == "logout"
    assert {(r.entity, r.entity_id) for r in rows[:3]} == {("counter_session", zhang.session_id)}
    assert rows[0].at == datetime(2026, 11, 30, 9, 0)  # the event's time, from the clock
    with Session(store) as session:
        result = audit.verify(session)
    assert result.ok
    assert result.records == 7
    # counter_events keeps the same events for the counter's own reports.
    assert [(e.event, e.customer_id) for e in chained.events()] == [
        (EventKind(r.action.rsplit(".", 1)[1]), r.customer_id) for r in rows
    ]


def test_the_application_wires_the_chained_audit(
    store: Engine, store_url: str, tmp_path: Path
) -> None:
    """The service the API builds from the settings writes to the chain too."""
    service = build_service(Settings(data_dir=tmp_path, database_url=store_url), store)
    visit, _ = service.start_session(TELLER, ZHANG, T1, "sig-001")
    assert service.request_cache(TELLER, visit.session_id, T1, ZHANG).granted
    assert [r.action for r in records(store)] == ["counter.cache.created"]
