"""Segments (客群): preview a rule (count and AUM), save it, refresh its figures, list its
members (for export and for campaigns)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import ibis
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bankcrm.analytics.base import Tables
from bankcrm.crm.errors import BadRequest, Conflict, NotFound, bump, check_version
from bankcrm.crm.segments_frame import customer_frame, month_end, store_facts
from bankcrm.crm.segments_rules import Rule, compile_rule, parse_rule, rule_json
from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.enums import Tier
from bankcrm.domain.errors import Forbidden
from bankcrm.security import audit
from bankcrm.security.changes import changes as changes_of
from bankcrm.security.policy import Permission, authorize
from bankcrm.security.scope import warehouse_scope
from bankcrm.store.models import SavedSegment

MEMBER_COLUMNS = (
    "customer_id",
    "name",
    "branch_id",
    "tier",
    "aum",
    "employee_id",
    "marketing_consent",
)


@dataclass(frozen=True)
class Preview:
    """A segment's size at a month-end: customers, total AUM (yuan) and customers per tier."""

    as_of: date
    customers: int
    aum: Decimal
    by_tier: dict[str, int]


def members(
    session: Session, actor: Actor, tables: Tables, rule: Rule, as_of: date | None = None
) -> tuple[date, pd.DataFrame]:
    """The month-end evaluated and the customers matching ``rule`` at it, sorted by
    customer_id: customer_id, name, branch_id, tier, aum (yuan), employee_id (current RM),
    marketing_consent."""
    d, frame = _frame(session, actor, tables, as_of)
    chosen = frame.filter(compile_rule(rule, frame)).select(*MEMBER_COLUMNS)
    rows: pd.DataFrame = chosen.order_by("customer_id").to_pandas()
    return d, rows


def _frame(
    session: Session, actor: Actor, tables: Tables, as_of: date | None
) -> tuple[date, ibis.Table]:
    """The month-end and the customer frame at it, within the actor's scope."""
    authorize(actor, Permission.SEGMENTS)
    d = month_end(tables, as_of)
    scope = warehouse_scope(session, actor)
    return d, customer_frame(tables, d, store_facts(session, d), scope)


def preview(
    session: Session, actor: Actor, tables: Tables, rule: Rule, as_of: date | None = None
) -> Preview:
    """How many customers the rule selects and their AUM (one aggregate query, no rows)."""
    d, frame = _frame(session, actor, tables, as_of)
    chosen = frame.filter(compile_rule(rule, frame))
    per_tier = chosen.group_by("tier").aggregate(n=chosen.count(), aum=chosen.aum.sum())
    rows = per_tier.to_pyarrow().to_pylist()
    counts = {str(r["tier"]): int(r["n"]) for r in rows}
    total = sum((Decimal(str(r["aum"] or 0)) for r in rows), Decimal(0))
    return Preview(
        as_of=d,
        customers=sum(counts.values()),
        aum=total.quantize(Decimal("0.01")),
        by_tier={t.value: counts.get(t.value, 0) for t in Tier},
    )


def save_segment(
    session: Session, actor: Actor, name: str, rule: Rule, description: str | None = None
) -> SavedSegment:
    """Save a rule under a unique name (409 when the name is taken)."""
    authorize(actor, Permission.SEGMENTS)
    if not name.strip():
        raise BadRequest("name", "a segment needs a name")
    segment = SavedSegment(
        name=name.strip(),
        description=description,
        rule=json.dumps(rule_json(rule), ensure_ascii=False),
        created_by=actor.username,
        created_at=datetime.now(),
        version=1,
    )
    session.add(segment)
    _commit(session, actor, "segment.create", segment, {"after": _fields(segment)},
            Conflict(f"a segment named {name!r} exists", field="name"))  # fmt: skip
    return segment


def _fields(segment: SavedSegment) -> dict[str, Any]:
    return {"name": segment.name, "description": segment.description, "rule": segment.rule}


def _commit(
    session: Session,
    actor: Actor,
    action: str,
    segment: SavedSegment,
    detail: dict[str, Any],
    clash: Conflict,
) -> None:
    """Write the change and its audit record together; a unique-name clash is ``clash``."""
    try:
        session.flush()
        audit.record(session, actor, action, entity="segment", entity_id=segment.id,
                     detail=detail)  # fmt: skip
        session.commit()
    except IntegrityError:
        session.rollback()
        raise clash from None


def get_segment(session: Session, actor: Actor, segment_id: int) -> SavedSegment:
    """A saved segment. Segments are rules, not customers, so every builder may see them; who
    matches a rule is evaluated within each actor's own scope."""
    authorize(actor, Permission.SEGMENTS)
    segment = session.get(SavedSegment, segment_id)
    if segment is None:
        raise NotFound("segment", segment_id)
    return segment


def list_segments(
    session: Session, actor: Actor, offset: int = 0, limit: int = 20
) -> tuple[list[SavedSegment], int]:
    """A page of saved segments (newest first) and the total count."""
    authorize(actor, Permission.SEGMENTS)
    total = session.scalar(select(func.count()).select_from(SavedSegment)) or 0
    page = session.scalars(
        select(SavedSegment).order_by(SavedSegment.id.desc()).offset(offset).limit(limit)
    )
    return list(page), total


def update_segment(
    session: Session, actor: Actor, segment_id: int, version: int, changes: dict[str, Any]
) -> SavedSegment:
    """Change a segment's name, description or rule; a stale ``version`` gets 409."""
    segment = _own_segment(session, actor, segment_id)
    check_version(segment, version)
    before = _fields(segment)
    if "rule" in changes:
        segment.rule = json.dumps(rule_json(changes["rule"]), ensure_ascii=False)
        segment.customers = segment.aum_fen = None  # figures of the old rule
        segment.refreshed_at = segment.refreshed_as_of = None
    for key in ("name", "description"):
        if key in changes:
            setattr(segment, key, changes[key])
    bump(segment)
    _commit(session, actor, "segment.update", segment, changes_of(before, _fields(segment)),
            Conflict("a segment with that name exists", field="name"))  # fmt: skip
    return segment


def _own_segment(session: Session, actor: Actor, segment_id: int) -> SavedSegment:
    """A segment the actor may change: their own, or any for a branch manager (segments are
    shared, so one builder must not rewrite or delete another's)."""
    segment = get_segment(session, actor, segment_id)
    if not (
        actor.unrestricted
        or actor.role is Role.BRANCH_MANAGER
        or segment.created_by == actor.username
    ):
        raise Forbidden(f"segment {segment_id} belongs to {segment.created_by}")
    return segment


def delete_segment(session: Session, actor: Actor, segment_id: int) -> None:
    segment = _own_segment(session, actor, segment_id)
    before = _fields(segment)
    session.delete(segment)
    _commit(session, actor, "segment.delete", segment, {"before": before},
            Conflict("campaigns use this segment", field="id"))  # fmt: skip


def saved_rule(segment: SavedSegment) -> Rule:
    return parse_rule(json.loads(segment.rule))


def refresh_segment(
    session: Session, actor: Actor, tables: Tables, segment_id: int, as_of: date | None = None
) -> SavedSegment:
    """Re-evaluate a saved segment and store its count and AUM at the month-end."""
    segment = get_segment(session, actor, segment_id)
    figures = preview(session, actor, tables, saved_rule(segment), as_of)
    segment.customers = figures.customers
    segment.aum_fen = int(figures.aum * 100)
    segment.refreshed_as_of = figures.as_of
    segment.refreshed_at = datetime.now()
    bump(segment)
    session.commit()
    return segment
