"""A campaign's outcomes as the RMs record them, and its results: conversion of targets vs
control, the lift with its 95% interval, incremental AUM, cost and ROI (``campaigns_stats``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from bankcrm.crm.campaigns import get_campaign
from bankcrm.crm.campaigns_stats import DEFAULT_MARGIN, CampaignStats, campaign_stats
from bankcrm.crm.errors import BadRequest, NotFound, bump, check_version
from bankcrm.domain.actor import Actor
from bankcrm.security import audit
from bankcrm.security.changes import changes
from bankcrm.security.policy import Permission, authorize
from bankcrm.security.scope import visible_ids
from bankcrm.store.models import CampaignMember


def get_member(
    session: Session, actor: Actor, campaign_id: int, customer_id: str
) -> CampaignMember:
    get_campaign(session, actor, campaign_id)
    member = session.scalars(
        select(CampaignMember).where(
            CampaignMember.campaign_id == campaign_id,
            CampaignMember.customer_id == customer_id,
            CampaignMember.customer_id.in_(visible_ids(actor)),
        )
    ).one_or_none()
    if member is None:
        raise NotFound("campaign member", customer_id, field="customer_id")
    return member


def list_members(
    session: Session,
    actor: Actor,
    campaign_id: int,
    group: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[CampaignMember], int]:
    """A page of a campaign's members within the actor's scope, by customer id, and the
    count."""
    get_campaign(session, actor, campaign_id)
    query = select(CampaignMember).where(
        CampaignMember.campaign_id == campaign_id,
        CampaignMember.customer_id.in_(visible_ids(actor)),
    )
    if group is not None:
        query = query.where(CampaignMember.group == group)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(CampaignMember.customer_id).offset(offset).limit(limit))
    return list(rows), total


def record_outcome(
    session: Session,
    actor: Actor,
    campaign_id: int,
    customer_id: str,
    version: int,
    outcome: dict[str, Any],
    on: date,
) -> CampaignMember:
    """An RM records a member's outcome (contacted, responded, converted, converted amount in
    yuan); a stale ``version`` gets 409."""
    authorize(actor, Permission.CUSTOMER_WRITE)
    member = get_member(session, actor, campaign_id, customer_id)
    check_version(member, version)
    fields = ("contacted", "responded", "converted", "converted_amount_fen")
    before = {f: getattr(member, f) for f in fields}
    if member.group == "excluded":
        raise BadRequest("customer_id", "the customer was excluded from the campaign")
    for flag in ("contacted", "responded", "converted"):
        if outcome.get(flag) is not None:
            setattr(member, flag, bool(outcome[flag]))
    if outcome.get("converted_amount_yuan") is not None:
        member.converted_amount_fen = int(Decimal(str(outcome["converted_amount_yuan"])) * 100)
    member.outcome_source, member.outcome_on = "rm", on
    bump(member)
    audit.record(
        session,
        actor,
        "campaign.outcome",
        entity="campaign_member",
        entity_id=f"{campaign_id}/{customer_id}",
        customer_id=customer_id,
        detail=changes(before, {f: getattr(member, f) for f in fields}),
    )
    session.commit()
    return member


@dataclass(frozen=True)
class CampaignResults:
    campaign_id: int
    stats: CampaignStats
    excluded: int
    contacted: int
    responded: int


def results(
    session: Session, actor: Actor, campaign_id: int, margin: float = DEFAULT_MARGIN
) -> CampaignResults:
    """Conversion of targets vs control, lift with its 95% CI, incremental AUM and ROI."""
    campaign = get_campaign(session, actor, campaign_id)
    change = func.coalesce(CampaignMember.latest_aum_fen - CampaignMember.baseline_aum_fen, 0)
    rows = session.execute(
        select(
            CampaignMember.group,
            func.count(),
            func.sum(_as_int(CampaignMember.converted)),
            func.sum(_as_int(CampaignMember.contacted)),
            func.sum(_as_int(CampaignMember.responded)),
            func.sum(change),
        )
        .where(CampaignMember.campaign_id == campaign_id)
        .group_by(CampaignMember.group)
    ).all()
    by = {
        g: (int(n), int(conv or 0), int(c or 0), int(r or 0), int(ch or 0))
        for g, n, conv, c, r, ch in rows
    }
    t = by.get("target", (0, 0, 0, 0, 0))
    c = by.get("control", (0, 0, 0, 0, 0))
    stats = campaign_stats(
        t[0],
        t[1],
        c[0],
        c[1],
        t[4] / 100,
        c[4] / 100,
        cost=None if campaign.cost_fen is None else campaign.cost_fen / 100,
        margin=margin,
    )
    return CampaignResults(
        campaign_id=campaign_id,
        stats=stats,
        excluded=by.get("excluded", (0,))[0],
        contacted=t[2],
        responded=t[3],
    )


def _as_int(flag: Any) -> Any:
    return cast(flag, Integer)
