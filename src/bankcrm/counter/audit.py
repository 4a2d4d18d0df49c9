"""The cache's audit events, written through a small interface: ``StoreCounterAudit`` keeps them
in the ``counter_events`` table (the counter's own reports read it), ``ChainedCounterAudit``
also appends each to the hash-chained audit log (``counter.cache.<event>``), in the same
transaction, so the two never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.orm import Session

from bankcrm.domain.actor import Actor, Role
from bankcrm.security import audit
from bankcrm.store.models import CounterEvent


class EventKind(StrEnum):
    CREATED = "created"
    USED = "used"
    REFUSED = "refused"
    EXPIRED = "expired"
    ENDED = "ended"


EVENT_LABELS_ZH: dict[EventKind, str] = {
    EventKind.CREATED: "建立缓存",
    EventKind.USED: "使用缓存",
    EventKind.REFUSED: "拒绝使用",
    EventKind.EXPIRED: "缓存过期",
    EventKind.ENDED: "缓存清除",
}


@dataclass(frozen=True)
class CacheEvent:
    at: datetime
    event: EventKind
    teller: str
    terminal_id: str
    customer_id: str
    session_id: str | None = None
    transaction_id: str | None = None
    reason: str | None = None


class CounterAudit(Protocol):
    def record(self, event: CacheEvent) -> None: ...


def naive_utc(moment: datetime) -> datetime:
    """The store keeps naive UTC (SQLite has no time zones)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class StoreCounterAudit:
    """Audit events as rows of ``counter_events``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, event: CacheEvent) -> None:
        with self._engine.begin() as conn:
            _insert_event(conn, event)

    def events(self, customer_id: str | None = None) -> list[CacheEvent]:
        """The recorded events in order, optionally of one customer."""
        query = select(CounterEvent).order_by(CounterEvent.id)
        if customer_id is not None:
            query = query.where(CounterEvent.customer_id == customer_id)
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            CacheEvent(
                at=r["at"].replace(tzinfo=UTC),
                event=EventKind(r["event"]),
                teller=r["teller"],
                terminal_id=r["terminal_id"],
                customer_id=r["customer_id"],
                session_id=r["session_id"],
                transaction_id=r["transaction_id"],
                reason=r["reason"],
            )
            for r in rows
        ]


def _insert_event(conn: Connection, event: CacheEvent) -> None:
    row = {**event.__dict__, "at": naive_utc(event.at), "event": event.event.value}
    conn.execute(insert(CounterEvent), [row])


class ChainedCounterAudit(StoreCounterAudit):
    """Each event both as a row of ``counter_events`` and as a record of the audit log, in one
    transaction. The event names only the teller's username: its role is the teller's, since
    only a teller serves a visit."""

    def record(self, event: CacheEvent) -> None:
        with Session(self._engine) as session, session.begin():
            _insert_event(session.connection(), event)
            audit.record(
                session,
                Actor(event.teller, Role.TELLER),
                f"counter.cache.{event.event.value}",
                entity="counter_session",
                entity_id=event.session_id,
                customer_id=event.customer_id,
                # A refusal is the cache saying no, not an error: the auditor filters on it.
                outcome=audit.Outcome.DENIED
                if event.event is EventKind.REFUSED
                else audit.Outcome.OK,
                detail=_detail(event),
                at=event.at,
            )


def _detail(event: CacheEvent) -> dict[str, Any]:
    fields = {
        "terminal_id": event.terminal_id,
        "session_id": event.session_id,
        "transaction_id": event.transaction_id,
        "reason": event.reason,
    }
    return {key: value for key, value in fields.items() if value is not None}
