"""The hash chain of the audit log: what ``verify`` finds after each kind of tampering, the
anchored tip, and appends from many writers at once (SQLite and PostgreSQL).

Tampering is done with plain SQL, as someone with database access would; the expected break is
worked out from the tampering itself (which record was touched), not from ``verify``."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.errors import BadRequest
from bankcrm.security import audit
from bankcrm.store.db import session_factory
from bankcrm.store.models import AuditRecord

AUDITOR = Actor("auditor-1", Role.AUDITOR, client="10.0.0.7")
RM = Actor("rm-1", Role.RELATIONSHIP_MANAGER, employee_id="E001")
T0 = datetime(2026, 11, 29, 9, 0)


def append(engine: Engine, count: int, start: int = 0) -> None:
    """``count`` records, one a minute from T0, each in its own committed transaction."""
    with session_factory(engine)() as session:
        for i in range(start, start + count):
            audit.record(
                session, RM, "customer.view", entity="customer", entity_id=f"C{i:04d}",
                customer_id=f"C{i:04d}", detail={"n": i}, at=T0 + timedelta(minutes=i),
            )  # fmt: skip
            session.commit()


def check(engine: Engine, expect_tip: str | None = None) -> audit.Verification:
    with session_factory(engine)() as session:
        return audit.verify(session, expect_tip=expect_tip)


def hashes(engine: Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT seq, hash FROM audit_log")).all())


def run(engine: Engine, *statements: str) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def test_first_hash_is_sha256_of_the_documented_fields(store: Engine) -> None:
    """The hash of record 1, computed here by hand from the canonical form's definition (the
    JSON list of the fields in order, then the hash of the genesis)."""
    append(store, 1)
    fields = [1, "2026-11-29T09:00:00.000000", "rm-1", "relationship_manager", "customer.view",
              "customer", "C0000", "C0000", "ok", '{"n": 0}', None, "0" * 64]  # fmt: skip
    expected = hashlib.sha256(
        json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()
    assert hashes(store) == {1: expected}


def test_intact_chain_reports_count_and_tip(store: Engine) -> None:
    append(store, 5)
    result = check(store)
    assert result.ok
    assert (result.records, result.tip_seq, result.tip_hash) == (5, 5, hashes(store)[5])


def test_empty_chain_is_intact(store: Engine) -> None:
    result = check(store)
    assert result.ok
    assert (result.records, result.tip_seq, result.tip_hash) == (0, None, "0" * 64)


def test_edited_detail_is_found_at_that_record(store: Engine) -> None:
    append(store, 5)
    run(store, """UPDATE audit_log SET detail = '{"n": 99}' WHERE seq = 3""")
    result = check(store)
    assert result.first_break == audit.Break(
        3, "content does not match its hash: the record was edited"
    )
    assert (result.records, result.tip_seq) == (2, 2)


def test_deleted_middle_record_is_found(store: Engine) -> None:
    append(store, 5)
    run(store, "DELETE FROM audit_log WHERE seq = 3")
    result = check(store)
    assert result.first_break == audit.Break(3, "record 3 is missing: records were deleted")


def test_deleted_tail_is_found_only_against_the_anchored_tip(store: Engine) -> None:
    """Cutting the tail leaves a valid, shorter chain: only the tip kept elsewhere shows it."""
    append(store, 5)
    anchored = hashes(store)[5]
    run(store, "DELETE FROM audit_log WHERE seq >= 4")
    assert check(store).ok
    result = check(store, expect_tip=anchored)
    assert result.first_break is not None
    assert result.first_break.seq == 4
    assert anchored in result.first_break.reason
    assert "records were cut off its end" in result.first_break.reason


def test_an_older_anchor_still_in_the_chain_passes(store: Engine) -> None:
    """The chain grows after the anchor was taken: the anchor must be in it, not at its tip."""
    append(store, 3)
    anchored = hashes(store)[3]
    append(store, 2, start=3)
    result = check(store, expect_tip=anchored.upper())  # as copied from a report: any case
    assert result.ok
    assert (result.anchor_seq, result.tip_seq) == (3, 5)


def test_a_rewritten_chain_is_found_only_against_the_anchored_tip(store: Engine) -> None:
    """Someone who knows the algorithm edits record 2 and recomputes every later hash: the
    chain holds again, but the anchored tip is gone."""
    append(store, 4)
    anchored = hashes(store)[4]
    with session_factory(store)() as session:
        rows = session.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()
        for row in rows:  # unique prev_hash: park the old links before rewriting
            row.prev_hash, row.hash = f"{row.seq:064d}", f"{row.seq + 100:064d}"
        session.flush()
        prev = "0" * 64
        rows[1].detail = '{"n": 42}'
        for row in rows:
            row.prev_hash = prev
            row.hash = prev = audit.digest(row)
        session.commit()
    assert check(store).ok
    result = check(store, expect_tip=anchored)
    assert result.first_break is not None
    assert result.first_break.seq == 5


def test_swapped_records_are_found_at_the_first(store: Engine) -> None:
    append(store, 5)
    run(
        store,
        "UPDATE audit_log SET seq = 100 WHERE seq = 2",
        "UPDATE audit_log SET seq = 2 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = 100",
    )
    result = check(store)
    assert result.first_break == audit.Break(
        2, "prev_hash does not match the hash of the record before it"
    )


def test_forged_record_linked_into_the_middle_is_refused_by_the_store(store: Engine) -> None:
    """A second record claiming record 2 as its predecessor would fork the chain: the unique
    prev_hash refuses it."""
    append(store, 3)
    with session_factory(store)() as session:
        forged = AuditRecord(
            seq=10, at=T0, actor="x", role="admin", action="user.create", outcome="ok",
            prev_hash=hashes(store)[2],
        )  # fmt: skip
        forged.hash = audit.digest(forged)
        session.add(forged)
        with pytest.raises(IntegrityError):
            session.commit()


def test_forged_record_inserted_in_the_middle_is_found(store: Engine) -> None:
    """Records 3.. moved up one to make room for a forged record 3 with a hash of its own
    content: its link to record 2 cannot be right (record 3 already holds that one)."""
    append(store, 5)
    run(store, *(f"UPDATE audit_log SET seq = {s + 1} WHERE seq = {s}" for s in (5, 4, 3)))
    with session_factory(store)() as session:
        forged = AuditRecord(
            seq=3, at=T0, actor="x", role="admin", action="user.create", outcome="ok",
            prev_hash="f" * 64,
        )  # fmt: skip
        forged.hash = audit.digest(forged)
        session.add(forged)
        session.commit()
    result = check(store)
    assert result.first_break == audit.Break(
        3, "prev_hash does not match the hash of the record before it"
    )


def test_bad_anchor_is_refused_naming_the_field() -> None:
    with pytest.raises(BadRequest) as caught:
        audit.check_tip("not-a-hash")
    assert caught.value.field == "expect_tip"


def test_aware_time_is_kept_as_naive_utc(store: Engine) -> None:
    """A time with a zone is stored as UTC; the chain still verifies after the round trip."""
    beijing = timezone(timedelta(hours=8))
    with session_factory(store)() as session:
        audit.record_now(
            session, AUDITOR, "login", at=datetime(2026, 11, 29, 17, 0, tzinfo=beijing)
        )
        at = session.scalar(select(AuditRecord.at))
    assert at == datetime(2026, 11, 29, 9, 0, tzinfo=UTC).replace(tzinfo=None)
    assert check(store).ok


def test_many_writers_append_one_gapless_chain(store: Engine) -> None:
    """Six threads, each with its own sessions, append 40 records each at the same time: all
    240 land, seq is 1..240, and the chain verifies (appends took turns, none failed)."""
    writers, each = 6, 40
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        actor = Actor(f"writer-{n}", Role.RELATIONSHIP_MANAGER)
        start.wait()
        with session_factory(store)() as session:
            for i in range(each):
                audit.record(session, actor, "customer.view", detail={"i": i})
                session.commit()

    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, range(writers)))  # re-raises a writer's failure here
    with store.connect() as conn:
        rows = conn.execute(text("SELECT seq, actor FROM audit_log ORDER BY seq")).all()
    assert [seq for seq, _ in rows] == list(range(1, writers * each + 1))
    assert Counter(actor for _, actor in rows) == {f"writer-{n}": each for n in range(writers)}
    result = check(store)
    assert result.ok
    assert result.records == writers * each


def test_a_second_writer_waits_for_the_first_to_commit(store: Engine) -> None:
    """While one transaction holds the chain (its record not yet committed), another writer
    waits rather than failing, and appends after it."""

    def second() -> None:
        with session_factory(store)() as session:
            audit.record_now(session, RM, "second")

    with session_factory(store)() as first, ThreadPoolExecutor(1) as pool:
        audit.record(first, AUDITOR, "first")
        waiting = pool.submit(second)
        with pytest.raises(FutureTimeout):
            waiting.result(timeout=0.5)  # still waiting for the first writer
        first.commit()
        waiting.result(timeout=10)  # then appends, without an error
    with Session(store) as session:
        order = session.execute(select(AuditRecord.seq, AuditRecord.action).order_by("seq")).all()
    assert [tuple(row) for row in order] == [(1, "first"), (2, "second")]
    assert check(store).ok
