"""The audit trail (审计日志): append-only and hash-chained.

Each record carries the hash of the record before it, and its own hash covers its content and
that link, so an edit or a deletion anywhere breaks the chain from that record on; ``verify``
finds the first break. Records are written in the caller's transaction: a change and its audit
record commit together or not at all. ``seq`` is given explicitly (tip + 1), so a deleted
record also leaves a gap, and the unique ``prev_hash`` makes a forked chain impossible.

What the chain alone cannot see: records cut off the tail, or a chain rewritten from some
record on with every later hash recomputed. Both are caught by comparing with a tip hash kept
elsewhere (printed in the daily report, written to a WORM store): ``verify(expect_tip=...)``
requires that record to still be in the chain.

Writers take turns to append: on PostgreSQL through a transaction-scoped advisory lock (the tip
is read after it, which under READ COMMITTED, the default, sees the previous writer's commit),
on SQLite through the database's single write lock, taken before the tip is read (the busy
timeout makes a second writer wait for it rather than fail)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bankcrm.domain.actor import Actor
from bankcrm.domain.errors import BadRequest
from bankcrm.store.models import AuditRecord

GENESIS = "0" * 64
_PG_CHAIN_LOCK = 7_007_007  # advisory lock key: appends to the chain take turns on PostgreSQL
# A write that changes nothing, to take SQLite's write lock before reading the tip: pysqlite
# opens a transaction only at the first write, so without it two writers could read the same
# tip and the second would fail on the unique seq instead of waiting its turn.
_SQLITE_TAKE_WRITE_LOCK = text("UPDATE audit_log SET seq = seq WHERE 0 = 1")
_HASH = re.compile(r"[0-9a-f]{64}")
_PEOPLE_MAX = 100  # the width of the actor and client columns


class Outcome(StrEnum):
    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _naive_utc(moment: datetime) -> datetime:
    """The store keeps naive UTC; an aware time would come back without its zone and no
    longer match the hash taken of it."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def canonical(record: AuditRecord) -> bytes:
    """The bytes a record's hash covers: every field but the hash, in a fixed order."""
    fields = [
        record.seq,
        record.at.isoformat(timespec="microseconds"),
        record.actor,
        record.role,
        record.action,
        record.entity,
        record.entity_id,
        record.customer_id,
        record.outcome,
        record.detail,
        record.client,
        record.prev_hash,
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


def digest(record: AuditRecord) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def _take_turn(session: Session) -> None:
    """Hold the chain's append lock until the caller's transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CHAIN_LOCK})
    elif dialect == "sqlite":
        session.execute(_SQLITE_TAKE_WRITE_LOCK)


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    entity: str | None = None,
    entity_id: object = None,
    customer_id: str | None = None,
    outcome: Outcome = Outcome.OK,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditRecord:
    """Append a record to the chain in ``session``'s transaction (the caller commits).

    ``detail`` holds what the record is about (a reason, before/after values, counts); it is
    stored as JSON and must never hold a secret or an unmasked identifier."""
    _take_turn(session)
    tip = session.execute(
        select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
    ).one_or_none()
    row = AuditRecord(
        seq=(tip.seq + 1) if tip else 1,
        at=_naive_utc(at) if at else _now(),
        # A failed login records the name as typed: clip it to the column, never fail on it.
        actor=actor.username[:_PEOPLE_MAX],
        role=actor.role.value,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        customer_id=customer_id,
        outcome=outcome.value,
        detail=None
        if detail is None
        else json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
        client=None if actor.client is None else actor.client[:_PEOPLE_MAX],
        prev_hash=tip.hash if tip else GENESIS,
    )
    row.hash = digest(row)
    session.add(row)
    session.flush()
    return row


def record_now(session: Session, actor: Actor, action: str, **fields: Any) -> None:
    """Append a record and commit it at once: for reads (a view, an export, a failed login),
    which have no change of their own to commit with."""
    record(session, actor, action, **fields)
    session.commit()


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold, and why."""

    seq: int
    reason: str


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found: the intact records counted from the start, the last intact
    record (the tip when the whole chain holds), and the first break if any."""

    records: int
    tip_seq: int | None
    tip_hash: str
    first_break: Break | None
    anchor_seq: int | None = None  # where the expected tip was found, when one was given

    @property
    def ok(self) -> bool:
        return self.first_break is None


def check_tip(expect_tip: str | None) -> str | None:
    """An anchored tip as given by a user: 64 hexadecimal digits (case does not matter)."""
    if expect_tip is None:
        return None
    tip = expect_tip.strip().lower()
    if not _HASH.fullmatch(tip):
        raise BadRequest("expect_tip", "must be a SHA-256 hash: 64 hexadecimal digits")
    return tip


def verify_records(records: Iterable[AuditRecord], expect_tip: str | None = None) -> Verification:
    """Walk records in ``seq`` order and report the first edit, deletion or reordering; with
    ``expect_tip``, also a chain that no longer holds that record (its tail was cut off)."""
    anchor = check_tip(expect_tip)
    expected_prev, expected_seq, count, tip_seq = GENESIS, 1, 0, None
    anchor_seq: int | None = None
    for row in records:
        problem = _problem(row, expected_seq, expected_prev)
        if problem is not None:
            return Verification(count, tip_seq, expected_prev, problem, anchor_seq)
        if row.hash == anchor:
            anchor_seq = row.seq
        expected_prev, expected_seq, count, tip_seq = row.hash, row.seq + 1, count + 1, row.seq
    if anchor is not None and anchor_seq is None:
        reason = (
            f"the expected tip {anchor} is not in the chain: records were cut off its end, "
            "or the chain was rewritten"
        )
        return Verification(count, tip_seq, expected_prev, Break(expected_seq, reason))
    return Verification(count, tip_seq, expected_prev, None, anchor_seq)


def _problem(row: AuditRecord, expected_seq: int, expected_prev: str) -> Break | None:
    if row.seq > expected_seq:
        last = "" if row.seq == expected_seq + 1 else f"–{row.seq - 1}"
        return Break(expected_seq, f"record {expected_seq}{last} is missing: records were deleted")
    if row.seq < expected_seq:  # only a forged seq below 1 can come first in seq order
        return Break(row.seq, f"seq {row.seq} is out of sequence: a forged record")
    if row.prev_hash != expected_prev:
        reason = "prev_hash does not match the hash of the record before it"
        return Break(row.seq, reason)
    if digest(row) != row.hash:
        return Break(row.seq, "content does not match its hash: the record was edited")
    return None


def verify(session: Session, batch: int = 10_000, expect_tip: str | None = None) -> Verification:
    """Verify the whole chain in the store, reading it in batches; ``expect_tip`` is a tip
    hash anchored earlier (see the module's docstring)."""
    check_tip(expect_tip)  # a bad anchor is refused before the chain is read
    return verify_records(
        session.scalars(
            select(AuditRecord).order_by(AuditRecord.seq).execution_options(yield_per=batch)
        ),
        expect_tip,
    )
