"""Segments (客群): the field catalogue, preview (count and AUM), CRUD of saved segments,
refresh, and export of the members to Excel."""

from __future__ import annotations

import json
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from bankcrm.analytics.base import Tables
from bankcrm.api.common import ActorDep, BadRequest, Page, PagingDep, SessionDep
from bankcrm.api.deps import WarehouseDep
from bankcrm.api.schemas import yuan
from bankcrm.crm import segments
from bankcrm.crm.segments_export import export_members
from bankcrm.crm.segments_rules import FIELDS, OPS_BY_KIND, Rule, from_finding, rule_json
from bankcrm.domain.money import format_wan
from bankcrm.security.policy import Permission, authorize
from bankcrm.store.models import SavedSegment
from bankcrm.warehouse.engines import connect

router = APIRouter(prefix="/segments", tags=["segments"])
SegmentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def get_tables(warehouse: WarehouseDep) -> Tables:
    """The warehouse on DuckDB for one request; 400 naming the cause when it has no data."""
    try:
        return Tables.load(connect("duckdb"), warehouse)
    except LookupError as error:
        raise BadRequest(None, str(error)) from None


TablesDep = Annotated[Tables, Depends(get_tables)]


class FieldOut(BaseModel):
    field: str
    kind: str
    label_zh: str
    operators: list[str]
    choices: list[str] | None


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: Rule
    as_of: date | None = None


class PreviewOut(BaseModel):
    as_of: date
    customers: int
    aum_yuan: Decimal
    aum_wan: str  # for staff: 万元 with the unit
    by_tier: dict[str, int]


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    rule: Rule


class SegmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=2**31 - 1)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    rule: Rule | None = None


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = None


class FindingIn(BaseModel):
    """A diagnosis finding's ``segment`` (diagnosis.findings vocabulary)."""

    model_config = ConfigDict(extra="forbid")

    segment: dict[str, Any]


class SegmentOut(BaseModel):
    id: int
    name: str
    description: str | None
    rule: dict[str, Any]
    created_by: str
    created_at: datetime
    refreshed_at: datetime | None
    refreshed_as_of: date | None
    customers: int | None
    aum_yuan: Decimal | None
    version: int


def segment_out(s: SavedSegment) -> SegmentOut:
    return SegmentOut(
        id=s.id,
        name=s.name,
        description=s.description,
        rule=json.loads(s.rule),
        created_by=s.created_by,
        created_at=s.created_at,
        refreshed_at=s.refreshed_at,
        refreshed_as_of=s.refreshed_as_of,
        customers=s.customers,
        aum_yuan=yuan(s.aum_fen),
        version=s.version,
    )


@router.get("/fields", summary="The fields, operators and values a rule may use")
def fields() -> list[FieldOut]:
    return [
        FieldOut(
            field=name,
            kind=spec.kind,
            label_zh=spec.label_zh,
            operators=sorted(OPS_BY_KIND[spec.kind]),
            choices=list(spec.choices) if spec.choices else None,
        )
        for name, spec in FIELDS.items()
    ]


@router.post("/preview", summary="Count and AUM of the customers a rule selects")
def preview(body: PreviewIn, session: SessionDep, actor: ActorDep, tables: TablesDep) -> PreviewOut:
    p = segments.preview(session, actor, tables, body.rule, body.as_of)
    return PreviewOut(
        as_of=p.as_of,
        customers=p.customers,
        aum_yuan=p.aum,
        aum_wan=f"{format_wan(p.aum)}万元",
        by_tier=p.by_tier,
    )


@router.post("/from-finding", summary="A diagnosis finding's segment as a rule")
def finding_rule(body: FindingIn) -> dict[str, Any]:
    try:
        return rule_json(from_finding(body.segment))
    except (ValueError, TypeError) as error:
        raise BadRequest("segment", str(error)) from None


@router.get("", summary="Saved segments, newest first")
def list_segments(session: SessionDep, actor: ActorDep, paging: PagingDep) -> Page[SegmentOut]:
    rows, total = segments.list_segments(session, actor, paging.offset, paging.page_size)
    return Page(
        items=[segment_out(s) for s in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("", status_code=status.HTTP_201_CREATED, summary="Save a segment")
def create_segment(body: SegmentIn, session: SessionDep, actor: ActorDep) -> SegmentOut:
    return segment_out(
        segments.save_segment(session, actor, body.name, body.rule, body.description)
    )


@router.get("/{segment_id}", summary="One saved segment")
def get_segment(segment_id: SegmentId, session: SessionDep, actor: ActorDep) -> SegmentOut:
    return segment_out(segments.get_segment(session, actor, segment_id))


@router.patch("/{segment_id}", summary="Change a segment (409 on a stale version)")
def update_segment(
    segment_id: SegmentId, body: SegmentUpdate, session: SessionDep, actor: ActorDep
) -> SegmentOut:
    changes = body.model_dump(exclude={"version"}, exclude_unset=True)
    if body.rule is not None:
        changes["rule"] = body.rule
    return segment_out(segments.update_segment(session, actor, segment_id, body.version, changes))


@router.delete("/{segment_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete")
def delete_segment(segment_id: SegmentId, session: SessionDep, actor: ActorDep) -> Response:
    segments.delete_segment(session, actor, segment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{segment_id}/refresh", summary="Re-count a saved segment at a month-end")
def refresh_segment(
    segment_id: SegmentId,
    body: RefreshIn,
    session: SessionDep,
    actor: ActorDep,
    tables: TablesDep,
) -> SegmentOut:
    return segment_out(segments.refresh_segment(session, actor, tables, segment_id, body.as_of))


@router.get(
    "/{segment_id}/export",
    summary="The members as an Excel workbook (AUM in 万元)",
    response_class=FileResponse,
    responses={200: {"content": {XLSX: {}}}},
)
def export_segment(
    segment_id: SegmentId,
    session: SessionDep,
    actor: ActorDep,
    tables: TablesDep,
    marketing: Annotated[
        bool,
        Query(
            description="leave out customers without marketing consent or on the "
            "do-not-contact list (the default: an export is for contacting them)"
        ),
    ] = True,
) -> FileResponse:
    authorize(actor, Permission.SEGMENT_EXPORT)  # before any work; the service checks again
    saved = segments.get_segment(session, actor, segment_id)
    d, rows = segments.members(session, actor, tables, segments.saved_rule(saved))
    folder = FsPath(tempfile.mkdtemp(prefix="bankcrm-segment-"))
    try:
        done = export_members(
            session,
            actor,
            rows,
            folder / "segment.xlsx",
            f"{saved.name}（{d}）",
            marketing=marketing,
            segment_id=saved.id,
        )
    except BaseException:
        _remove(folder)
        raise
    return FileResponse(
        done.path,
        media_type=XLSX,
        filename=f"segment-{saved.id}-{d}.xlsx",
        background=BackgroundTask(_remove, folder),
    )  # fmt: skip


def _remove(folder: FsPath) -> None:
    for file in folder.iterdir():
        file.unlink()
    folder.rmdir()
