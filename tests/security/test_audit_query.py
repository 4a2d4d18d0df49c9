"""Searching and exporting the audit trail: filters against hand-made records with the
expected matches worked out by hand, the export read back, who may use it, and that each use
is itself audited (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bankcrm.domain.actor import SYSTEM, Actor, Role
from bankcrm.domain.errors import BadRequest, Forbidden
from bankcrm.security import audit
from bankcrm.security.audit import Outcome
from bankcrm.security.audit_query import AuditFilter, ExportFormat, export, search
from bankcrm.store.db import session_factory
from bankcrm.store.models import AuditRecord

AUDITOR = Actor("auditor-1", Role.AUDITOR, client="10.0.0.5")
ALICE = Actor("alice", Role.RELATIONSHIP_MANAGER)
BOB = Actor("bob", Role.TELLER)
CAROL = Actor("carol", Role.BRANCH_MANAGER)
TYPED = Actor('=HYPERLINK("http://x")', Role.ADMIN, client="10.0.0.9")  # a name typed at login

# (actor, action, customer_id, outcome, at, detail): seq is the position, from 1.
RECORDS = [
    (ALICE, "customer.view", "C1", Outcome.OK, datetime(2026, 11, 1, 10), {"reason": "回访"}),
    (BOB, "counter.cache.created", "C2", Outcome.OK, datetime(2026, 11, 2, 11),
     {"terminal_id": "T1"}),
    (BOB, "counter.cache.refused", "C2", Outcome.DENIED, datetime(2026, 11, 2, 23, 59, 59),
     {"reason": "held_elsewhere"}),
    (ALICE, "customer.unmask", "C1", Outcome.OK, datetime(2026, 11, 3),
     {"reason": "客户要求核对身份证"}),
    (TYPED, "login.failed", None, Outcome.FAILED, datetime(2026, 11, 4, 8), None),
    (CAROL, "counterXcache.used", None, Outcome.OK, datetime(2026, 11, 5, 9), {"n": 1}),
]  # fmt: skip


@pytest.fixture
def sessions(store: Engine) -> Iterator[Session]:
    """A session on a store holding RECORDS (seq 1..6)."""
    factory = session_factory(store)
    with factory() as session:
        for actor, action, customer, outcome, at, detail in RECORDS:
            audit.record(
                session, actor, action, entity="counter_session" if customer == "C2" else None,
                entity_id="S1" if customer == "C2" else None, customer_id=customer,
                outcome=outcome, detail=detail, at=at,
            )  # fmt: skip
        session.commit()
    session = factory()
    yield session
    session.close()


def seqs(session: Session, filters: AuditFilter, page: int = 1, size: int = 50) -> list[int]:
    return [e.seq for e in search(session, AUDITOR, filters, page, size).entries]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (AuditFilter(), [6, 5, 4, 3, 2, 1]),
        (AuditFilter(actor="alice"), [4, 1]),
        (AuditFilter(action="counter.cache."), [3, 2]),
        # "_" is a LIKE wildcard: escaped, the prefix matches the text itself only.
        (AuditFilter(action="counter_"), []),
        (AuditFilter(customer_id="C2"), [3, 2]),
        (AuditFilter(outcome="denied"), [3]),
        # whole UTC days: 2 Nov 23:59:59 is in, 3 Nov 00:00 is not
        (AuditFilter(since=date(2026, 11, 2), until=date(2026, 11, 2)), [3, 2]),
        (AuditFilter(since=date(2026, 11, 3)), [6, 5, 4]),
        (AuditFilter(text="身份证"), [4]),
        (AuditFilter(text="HELD_ELSEWHERE"), [3]),  # case does not matter
        (AuditFilter(text="%"), []),  # a wildcard character is looked for as itself
        (AuditFilter(actor="bob", outcome="ok"), [2]),
        (AuditFilter(actor="  "), [6, 5, 4, 3, 2, 1]),  # blank is no filter
    ],
)
def test_search_filters(sessions: Session, filters: AuditFilter, expected: list[int]) -> None:
    assert seqs(sessions, filters) == expected


def test_search_pages_newest_first_with_the_total(sessions: Session) -> None:
    found = search(sessions, AUDITOR, AuditFilter(action="c"), page=2, page_size=2)
    # action starting with "c": records 1, 2, 3, 4, 6 → newest first 6, 4 | 3, 2 | 1
    assert [e.seq for e in found.entries] == [3, 2]
    assert found.total == 5
    entry = found.entries[0]
    assert (entry.actor, entry.role, entry.customer_id, entry.outcome) == (
        "bob", "teller", "C2", "denied",
    )  # fmt: skip
    assert entry.detail == {"reason": "held_elsewhere"}


def test_search_is_itself_audited(sessions: Session) -> None:
    search(sessions, AUDITOR, AuditFilter(actor="alice", text="身份证"))
    last = sessions.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
    assert last is not None
    assert (last.seq, last.actor, last.role, last.action, last.outcome, last.client) == (
        7, "auditor-1", "auditor", "audit.search", "ok", "10.0.0.5",
    )  # fmt: skip
    assert json.loads(last.detail or "") == {
        "filters": {"actor": "alice", "text": "身份证"}, "page": 1, "found": 1,
    }  # fmt: skip


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.AUDITOR], ids=lambda r: r.value)
def test_only_the_auditor_may_search_and_export(
    sessions: Session, role: Role, tmp_path: Path
) -> None:
    """Every other role is refused (403), and the refusal is in the trail."""
    other = Actor("someone", role)
    with pytest.raises(Forbidden):
        search(sessions, other, AuditFilter())
    with pytest.raises(Forbidden):
        export(sessions, other, AuditFilter(), tmp_path / "a.csv", ExportFormat.CSV)
    assert not (tmp_path / "a.csv").exists()
    refused = sessions.execute(
        select(AuditRecord.actor, AuditRecord.action, AuditRecord.outcome).where(
            AuditRecord.seq > 6
        )
    ).all()
    assert [tuple(r) for r in refused] == [
        ("someone", "audit.search", "denied"), ("someone", "audit.export", "denied"),
    ]  # fmt: skip


def test_the_system_may_search(sessions: Session) -> None:
    assert len(search(sessions, SYSTEM, AuditFilter()).entries) == 6


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (AuditFilter(outcome="maybe"), "outcome"),
        (AuditFilter(since=date(2026, 11, 3), until=date(2026, 11, 2)), "until"),
        (AuditFilter(text="x" * 201), "text"),
    ],
)
def test_bad_filters_name_the_field(sessions: Session, filters: AuditFilter, field: str) -> None:
    with pytest.raises(BadRequest) as caught:
        search(sessions, AUDITOR, filters)
    assert caught.value.field == field


HEADERS = ["时间", "操作人", "角色", "操作", "对象", "客户号", "结果", "详情", "来源"]
# Records 5, 3, 2 (outcome not ok, or bob's) as the export must show them, written by hand.
EXPECTED = [
    ["2026-11-04 08:00:00", '=HYPERLINK("http://x")', "系统管理员", "login.failed", "", "",
     "失败", "", "10.0.0.9"],
    ["2026-11-02 23:59:59", "bob", "柜员", "counter.cache.refused", "counter_session:S1", "C2",
     "拒绝", '{"reason": "held_elsewhere"}', ""],
    ["2026-11-02 11:00:00", "bob", "柜员", "counter.cache.created", "counter_session:S1", "C2",
     "成功", '{"terminal_id": "T1"}', ""],
]  # fmt: skip


def test_xlsx_export_reads_back_the_same_rows(sessions: Session, tmp_path: Path) -> None:
    out = tmp_path / "audit.xlsx"
    days = AuditFilter(since=date(2026, 11, 2), until=date(2026, 11, 4))
    rows = export(sessions, AUDITOR, days, out, ExportFormat.XLSX)
    # 2..4 Nov: records 2, 3, 4, 5 → newest first 5, 4, 3, 2; record 4 is alice's unmask.
    assert rows == 4
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    assert sheet.freeze_panes == "A2"
    values = [[c.value or "" for c in row] for row in sheet.iter_rows()]
    unmask = ["2026-11-03 00:00:00", "alice", "客户经理", "customer.unmask", "", "C1", "成功",
              '{"reason": "客户要求核对身份证"}', ""]  # fmt: skip
    assert values == [HEADERS, EXPECTED[0], unmask, EXPECTED[1], EXPECTED[2]]
    assert sheet["B2"].data_type == "s"  # the typed "=HYPERLINK" is text, not a formula


def test_csv_export_reads_back_the_same_rows(sessions: Session, tmp_path: Path) -> None:
    out = tmp_path / "audit.csv"
    rows = export(sessions, AUDITOR, AuditFilter(outcome="failed"), out, ExportFormat.CSV)
    rows += export(
        sessions, AUDITOR, AuditFilter(actor="bob"), tmp_path / "b.csv", ExportFormat.CSV
    )
    assert rows == 3
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    with out.open(encoding="utf-8-sig", newline="") as f:
        failed = list(csv.reader(f))
    with (tmp_path / "b.csv").open(encoding="utf-8-sig", newline="") as f:
        bobs = list(csv.reader(f))
    defused = ["'" + EXPECTED[0][1] if i == 1 else v for i, v in enumerate(EXPECTED[0])]
    assert failed == [HEADERS, defused]
    assert bobs == [HEADERS, EXPECTED[1], EXPECTED[2]]


def test_export_is_itself_audited(sessions: Session, tmp_path: Path) -> None:
    export(sessions, AUDITOR, AuditFilter(customer_id="C1"), tmp_path / "c.xlsx", ExportFormat.XLSX)
    last = sessions.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
    assert last is not None
    assert (last.action, last.actor) == ("audit.export", "auditor-1")
    assert json.loads(last.detail or "") == {
        "filters": {"customer_id": "C1"}, "format": "xlsx", "rows": 2,
    }  # fmt: skip
