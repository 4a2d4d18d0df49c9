"""The cache's audit events, written through a small interface so the security issue can route
them into its hash-chained audit log later; until then they go to the ``counter_events`` table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy import Engine, insert, select

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
        row = {**event.__dict__, "at": naive_utc(event.at), "event": event.event.value}
        with self._engine.begin() as conn:
            conn.execute(insert(CounterEvent), [row])

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
