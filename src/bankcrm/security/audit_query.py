"""The auditor's tools over the audit trail: search it, export it (XLSX or CSV), verify it.

Every use is itself audited (``audit.search``, ``audit.export``, ``audit.verify``), refused
attempts included, so the trail also says who looked at the trail. Times are naive UTC, as the
store keeps them; a date range covers whole UTC days."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from bankcrm.domain.actor import ROLE_LABELS_ZH, Actor
from bankcrm.domain.errors import BadRequest, Forbidden
from bankcrm.security import audit
from bankcrm.security.audit import Outcome, Verification
from bankcrm.security.policy import Permission, allowed
from bankcrm.store.models import AuditRecord

HEADERS_ZH = ("时间", "操作人", "角色", "操作", "对象", "客户号", "结果", "详情", "来源")
OUTCOME_LABELS_ZH = {Outcome.OK: "成功", Outcome.DENIED: "拒绝", Outcome.FAILED: "失败"}
_ROLES_ZH = {role.value: label for role, label in ROLE_LABELS_ZH.items()}
_OUTCOMES_ZH = {outcome.value: label for outcome, label in OUTCOME_LABELS_ZH.items()}
XLSX_MAX_ROWS = 1_048_575  # a worksheet's rows, less the header
TEXT_MAX = 200
# Spreadsheets run a cell starting with these as a formula: a login failure records the name
# as typed, so "=HYPERLINK(...)" must reach the auditor as text (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


@dataclass(frozen=True)
class AuditFilter:
    """What to look for; every field is optional and they combine with AND."""

    actor: str | None = None  # the username, exactly
    action: str | None = None  # a prefix: "counter.cache." finds every cache event
    customer_id: str | None = None
    outcome: str | None = None  # ok, denied, failed
    since: date | None = None  # first UTC day, inclusive
    until: date | None = None  # last UTC day, inclusive
    text: str | None = None  # appears in the detail (case-insensitive)

    def check(self) -> AuditFilter:
        """The filter with blanks as None; BadRequest naming the field otherwise."""
        found = replace(
            self,
            actor=_blank(self.actor),
            action=_blank(self.action),
            customer_id=_blank(self.customer_id),
            outcome=_blank(self.outcome),
            text=_blank(self.text),
        )
        for name in ("actor", "action", "customer_id", "text"):
            value = getattr(found, name)
            if value is not None and len(value) > TEXT_MAX:
                raise BadRequest(name, f"is longer than {TEXT_MAX} characters")
        if found.outcome is not None and found.outcome not in set(Outcome):
            raise BadRequest("outcome", f"must be one of {', '.join(Outcome)}")
        if found.since and found.until and found.until < found.since:
            raise BadRequest("until", f"{found.until} is before since {found.since}")
        return found

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.actor:
            where.append(AuditRecord.actor == self.actor)
        if self.action:
            where.append(AuditRecord.action.startswith(self.action, autoescape=True))
        if self.customer_id:
            where.append(AuditRecord.customer_id == self.customer_id)
        if self.outcome:
            where.append(AuditRecord.outcome == self.outcome)
        if self.since:
            where.append(AuditRecord.at >= datetime.combine(self.since, time()))
        if self.until:
            where.append(AuditRecord.at < datetime.combine(self.until + timedelta(days=1), time()))
        if self.text:
            where.append(AuditRecord.detail.icontains(self.text, autoescape=True))
        return where

    def used(self) -> dict[str, str]:
        """The filters given, for the audit record of the search."""
        return {k: str(v) for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Entry:
    """One record of the trail as the auditor sees it (``detail`` parsed from its JSON)."""

    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    entity: str | None
    entity_id: str | None
    customer_id: str | None
    outcome: str
    detail: Any
    client: str | None
    hash: str

    @classmethod
    def of(cls, row: AuditRecord) -> Entry:
        return cls(
            row.seq, row.at, row.actor, row.role, row.action, row.entity, row.entity_id,
            row.customer_id, row.outcome, _parse(row.detail), row.client, row.hash,
        )  # fmt: skip


@dataclass(frozen=True)
class Found:
    entries: list[Entry]
    total: int


def _blank(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None


def _parse(detail: str | None) -> Any:
    if detail is None:
        return None
    try:
        return json.loads(detail)
    except ValueError:  # written by hand, or tampered with: show it as it is
        return detail


def _authorize(session: Session, actor: Actor, action: str) -> None:
    """Refuse (403) a non-auditor, and leave the refusal in the trail."""
    if not allowed(actor, Permission.AUDIT_READ):
        audit.record_now(session, actor, action, outcome=Outcome.DENIED)
        raise Forbidden(f"role {actor.role.value} may not do {Permission.AUDIT_READ.value}")


def _query(where: list[ColumnElement[bool]]) -> Select[AuditRecord]:
    return select(AuditRecord).where(*where).order_by(AuditRecord.seq.desc())


def _count(session: Session, where: list[ColumnElement[bool]]) -> int:
    return session.scalar(select(func.count()).select_from(AuditRecord).where(*where)) or 0


def search(
    session: Session, actor: Actor, filters: AuditFilter, page: int = 1, page_size: int = 50
) -> Found:
    """One page of the records that match, newest first, and how many match in all."""
    _authorize(session, actor, "audit.search")
    filters = filters.check()
    where = filters.conditions()
    total = _count(session, where)
    rows = session.scalars(_query(where).offset((page - 1) * page_size).limit(page_size)).all()
    entries = [Entry.of(row) for row in rows]
    detail = {"filters": filters.used(), "page": page, "found": total}
    audit.record_now(session, actor, "audit.search", detail=detail)
    return Found(entries, total)


def export(
    session: Session, actor: Actor, filters: AuditFilter, out: Path, fmt: ExportFormat
) -> int:
    """Write every matching record, newest first (as ``search`` lists them), to ``out``;
    returns the number of records written."""
    _authorize(session, actor, "audit.export")
    filters = filters.check()
    where = filters.conditions()
    total = _count(session, where)
    if fmt is ExportFormat.XLSX and total > XLSX_MAX_ROWS:
        raise BadRequest("format", f"{total:,} records do not fit a worksheet: use csv or filter")
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = (
        cells(Entry.of(r)) for r in session.scalars(_query(where).execution_options(yield_per=5000))
    )
    written = (_write_xlsx if fmt is ExportFormat.XLSX else _write_csv)(rows, out)
    detail = {"filters": filters.used(), "format": fmt.value, "rows": written}
    audit.record_now(session, actor, "audit.export", detail=detail)
    return written


def cells(entry: Entry) -> list[str]:
    """The row of an entry in an export, in the order of ``HEADERS_ZH``."""
    target = ":".join(part for part in (entry.entity, entry.entity_id) if part)
    detail = entry.detail
    if detail is not None and not isinstance(detail, str):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    return [
        entry.at.isoformat(sep=" ", timespec="seconds"),
        entry.actor,
        _ROLES_ZH.get(entry.role, entry.role),
        entry.action,
        target,
        entry.customer_id or "",
        _OUTCOMES_ZH.get(entry.outcome, entry.outcome),
        detail or "",
        entry.client or "",
    ]


def _write_xlsx(rows: Iterator[list[str]], out: Path) -> int:
    workbook = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = workbook.add_worksheet("审计日志")
    bold = workbook.add_format({"bold": True})
    sheet.freeze_panes(1, 0)
    for column, width in enumerate((20, 16, 10, 24, 30, 14, 6, 60, 16)):
        sheet.set_column(column, column, width)
    for column, header in enumerate(HEADERS_ZH):
        sheet.write_string(0, column, header, bold)
    count = 0
    for count, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value:
                sheet.write_string(count, column, value)  # never a formula: see _FORMULA_START
    workbook.close()
    return count


def _write_csv(rows: Iterator[list[str]], out: Path) -> int:
    # UTF-8 with a byte-order mark: Excel on a Chinese Windows reads it as UTF-8, not GBK.
    with out.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADERS_ZH)
        count = 0
        for row in rows:
            writer.writerow([_defused(value) for value in row])
            count += 1
    return count


def _defused(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def check(session: Session, actor: Actor, expect_tip: str | None = None) -> Verification:
    """Verify the whole chain (``audit.verify``) for an auditor, and record that it was checked
    and what was found."""
    _authorize(session, actor, "audit.verify")
    result = audit.verify(session, expect_tip=expect_tip)
    detail: dict[str, Any] = {"records": result.records, "tip_seq": result.tip_seq}
    if result.first_break is not None:
        detail["break_seq"] = result.first_break.seq
        detail["break"] = result.first_break.reason
    session.rollback()  # end the read (a server-side cursor on PostgreSQL) before appending
    audit.record_now(
        session, actor, "audit.verify", outcome=Outcome.OK if result.ok else Outcome.FAILED,
        detail=detail,
    )  # fmt: skip
    return result
