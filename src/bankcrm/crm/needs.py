"""The needs register (客户需求): RMs record a customer's needs from the configurable catalogue
(``CrmSettings.needs``) with a status; the aggregate by tier, age band and segment is the
customer-centred input to product design."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.analytics.structure import AGE_BANDS, UNKNOWN
from bankcrm.crm.errors import BadRequest, bump, check_version
from bankcrm.crm.scope import get_customer, get_of_customer, visible_customers
from bankcrm.domain.actor import Actor
from bankcrm.domain.crm_settings import CrmSettings
from bankcrm.security import audit
from bankcrm.security.changes import REDACTED, changes
from bankcrm.security.policy import Permission, authorize
from bankcrm.store.models import Customer, CustomerScore, CustomerSummary, Need


class NeedStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    MET = "met"
    DROPPED = "dropped"


STATUS_LABELS_ZH: dict[str, str] = {
    "open": "待跟进",
    "in_progress": "跟进中",
    "met": "已满足",
    "dropped": "已放弃",
}
AGGREGATE_BY = ("tier", "age_band", "segment")
_AGE_EDGES = np.array([25, 35, 45, 55, 65])  # the METRICS.md bands: <25, 25–34, …, 65+


@dataclass(frozen=True)
class NeedCount:
    need_code: str
    group: str  # the tier, age band or segment; "unknown" without one
    customers: int
    open: int  # needs not yet met or dropped


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def record_need(
    session: Session,
    actor: Actor,
    settings: CrmSettings,
    customer_id: str,
    need_code: str,
    notes: str | None = None,
    status: NeedStatus = NeedStatus.OPEN,
) -> Need:
    """Record a need from the catalogue for a customer; one open record per need and customer."""
    authorize(actor, Permission.CUSTOMER_WRITE)
    get_customer(session, actor, customer_id)
    if settings.need(need_code) is None:
        known = ", ".join(n.code for n in settings.needs)
        raise BadRequest("need_code", f"{need_code!r} is not in the needs catalogue ({known})")
    live = session.scalar(
        select(Need.id).where(
            Need.customer_id == customer_id,
            Need.need_code == need_code,
            Need.status.in_([NeedStatus.OPEN, NeedStatus.IN_PROGRESS]),
        )
    )
    if live is not None:
        raise BadRequest("need_code", f"the customer already has this need open (need {live})")
    now = _now()
    need = Need(
        customer_id=customer_id,
        need_code=need_code,
        status=status.value,
        notes=notes,
        employee_id=actor.employee_id,
        recorded_by=actor.username,
        recorded_at=now,
        updated_at=now,
        version=1,
    )
    session.add(need)
    session.flush()
    audit.record(
        session,
        actor,
        "need.create",
        entity="need",
        entity_id=need.id,
        customer_id=customer_id,
        detail={
            "after": {
                "need_code": need_code,
                "status": need.status,
                "notes": REDACTED if notes else None,
            }
        },
    )
    session.commit()
    return need


def get_need(session: Session, actor: Actor, need_id: int) -> Need:
    authorize(actor, Permission.CUSTOMER_VIEW)
    return get_of_customer(session, actor, Need, need_id, "need")


def update_need(
    session: Session,
    actor: Actor,
    need_id: int,
    version: int,
    status: NeedStatus,
    notes: str | None,
) -> Need:
    """Change a need's status and notes; ``version`` must be the one the editor read."""
    authorize(actor, Permission.CUSTOMER_WRITE)
    need = get_need(session, actor, need_id)
    check_version(need, version)
    before = {"status": need.status, "notes": need.notes}
    need.status = status.value
    need.notes = notes
    need.updated_at = _now()
    bump(need)
    audit.record(
        session,
        actor,
        "need.update",
        entity="need",
        entity_id=need.id,
        customer_id=need.customer_id,
        detail=changes(before, {"status": need.status, "notes": notes}, ("notes",)),
    )
    session.commit()
    return need


def customer_needs(session: Session, actor: Actor, customer_id: str) -> list[Need]:
    authorize(actor, Permission.CUSTOMER_VIEW)
    get_customer(session, actor, customer_id)
    return list(
        session.scalars(
            select(Need).where(Need.customer_id == customer_id).order_by(Need.recorded_at.desc())
        )
    )


def age_bands(birth_dates: pd.Series, on: date) -> pd.Series:
    """The METRICS.md age band of each birth date at ``on`` (vectorised)."""
    born = pd.to_datetime(birth_dates)
    before_birthday = (born.dt.month * 100 + born.dt.day) > (on.month * 100 + on.day)
    age = on.year - born.dt.year - before_birthday.astype("int64")
    bands = np.asarray(AGE_BANDS[:-1], dtype=object)[
        np.searchsorted(_AGE_EDGES, age.fillna(0).to_numpy(), side="right")
    ]
    return pd.Series(np.where(born.isna(), UNKNOWN, bands), index=birth_dates.index)


def aggregate(session: Session, actor: Actor, by: str, on: date | None = None) -> list[NeedCount]:
    """Customers with each need, per tier, age band (at ``on``, default today) or segment;
    ``open`` counts the needs still open or in progress."""
    authorize(actor, Permission.CUSTOMER_SEARCH)
    if by not in AGGREGATE_BY:
        raise BadRequest("by", f"must be one of {', '.join(AGGREGATE_BY)}")
    latest_segments = (
        select(func.max(CustomerScore.as_of)).where(CustomerScore.model == "segments")
    ).scalar_subquery()
    segment = (
        select(CustomerScore.label)
        .where(
            CustomerScore.customer_id == Need.customer_id,
            CustomerScore.model == "segments",
            CustomerScore.as_of == latest_segments,
        )
        .scalar_subquery()
    )
    stmt = (
        visible_customers(actor)
        .with_only_columns(
            Need.customer_id,
            Need.need_code,
            Need.status,
            CustomerSummary.tier,
            Customer.birth_date,
            segment.label("segment"),
        )
        .join(Need, Need.customer_id == Customer.customer_id)
        .outerjoin(CustomerSummary, CustomerSummary.customer_id == Customer.customer_id)
        .where(Need.status != NeedStatus.DROPPED)
    )
    frame = pd.DataFrame(
        session.execute(stmt).all(),
        columns=["customer_id", "need_code", "status", "tier", "birth_date", "segment"],
    )
    if frame.empty:
        return []
    if by == "age_band":
        frame["age_band"] = age_bands(frame["birth_date"], on or _now().date())
    frame["group"] = frame[by].fillna(UNKNOWN)
    frame["is_open"] = frame["status"].isin([NeedStatus.OPEN, NeedStatus.IN_PROGRESS])
    grouped = (
        frame.groupby(["need_code", "group"])
        .agg(customers=("customer_id", "nunique"), open=("is_open", "sum"))
        .reset_index()
    )
    return [
        NeedCount(str(r.need_code), str(r.group), int(r.customers), int(r.open))
        for r in grouped.itertuples(index=False)
    ]
