"""The audit trail for the auditor (审计日志): search, export and verify. The service
(``security.audit_query``) refuses every other role, and audits each use."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask

from bankcrm.api.common import ActorDep, Page, PagingDep, SessionDep
from bankcrm.api.schemas import UtcDateTime
from bankcrm.security import audit_query
from bankcrm.security.audit import Outcome
from bankcrm.security.audit_query import AuditFilter, Entry, ExportFormat

router = APIRouter(prefix="/audit", tags=["audit"])
MEDIA = {
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}
Text = Annotated[str | None, Query(max_length=audit_query.TEXT_MAX)]


class AuditEntryOut(BaseModel):
    seq: int
    at: UtcDateTime
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
    def of(cls, entry: Entry) -> AuditEntryOut:
        return cls.model_validate(entry, from_attributes=True)


class BreakOut(BaseModel):
    seq: int
    reason: str


class VerificationOut(BaseModel):
    ok: bool
    records: int  # intact records from the start
    tip_seq: int | None
    tip_hash: str
    anchor_seq: int | None  # where expect_tip was found
    first_break: BreakOut | None


def audit_filter(
    by: Annotated[str | None, Query(alias="actor", max_length=100, description="Username")] = None,
    action: Annotated[str | None, Query(max_length=60, description="Action prefix")] = None,
    customer_id: Text = None,
    outcome: Outcome | None = None,
    since: Annotated[date | None, Query(description="First UTC day, inclusive")] = None,
    until: Annotated[date | None, Query(description="Last UTC day, inclusive")] = None,
    text: Annotated[
        str | None, Query(max_length=audit_query.TEXT_MAX, description="In detail")
    ] = None,
) -> AuditFilter:
    return AuditFilter(
        by, action, customer_id, outcome.value if outcome else None, since, until, text
    )


FilterDep = Annotated[AuditFilter, Depends(audit_filter)]


@router.get("", response_model=Page[AuditEntryOut])
def search_audit(
    session: SessionDep, actor: ActorDep, paging: PagingDep, filters: FilterDep
) -> Page[AuditEntryOut]:
    """Audit records matching the filters, newest first."""
    found = audit_query.search(session, actor, filters, paging.page, paging.page_size)
    return paging.of([AuditEntryOut.of(e) for e in found.entries], found.total)


@router.get("/export", response_class=FileResponse)
def export_audit(
    session: SessionDep,
    actor: ActorDep,
    filters: FilterDep,
    format: ExportFormat = ExportFormat.XLSX,
) -> FileResponse:
    """Every matching record, newest first, as XLSX or CSV (headers in Chinese)."""
    folder = FsPath(tempfile.mkdtemp(prefix="bankcrm-audit-"))
    try:
        path = folder / f"audit.{format.value}"
        audit_query.export(session, actor, filters, path, format)
    except BaseException:
        _remove(folder)
        raise
    return FileResponse(
        path,
        media_type=MEDIA[format],
        filename=f"audit-{datetime.now(UTC):%Y%m%d}.{format.value}",
        background=BackgroundTask(_remove, folder),
    )


@router.get("/verify", response_model=VerificationOut)
def verify_audit(
    session: SessionDep,
    actor: ActorDep,
    expect_tip: Annotated[
        str | None, Query(max_length=64, description="A tip hash kept elsewhere earlier")
    ] = None,
) -> VerificationOut:
    """Verify the whole chain; ``ok`` is false with the first broken record otherwise."""
    result = audit_query.check(session, actor, expect_tip)
    broken = result.first_break
    return VerificationOut(
        ok=result.ok,
        records=result.records,
        tip_seq=result.tip_seq,
        tip_hash=result.tip_hash,
        anchor_seq=result.anchor_seq,
        first_break=None if broken is None else BreakOut(seq=broken.seq, reason=broken.reason),
    )


def _remove(folder: FsPath) -> None:
    for file in folder.iterdir():
        file.unlink()
    folder.rmdir()
