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
from bankcrm.store.models import CampaignMember


def get_member(
    session: Session, actor: Actor, campaign_id: int, customer_id: str
) -> CampaignMember:
    get_campaign(session, actor, campaign_id)
    member = session.get(CampaignMember, (campaign_id, customer_id))
    if member is None:
        raise NotFound("campaign member", customer_id, field="customer_id")
    return member


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
    member = get_member(session, actor, campaign_id, customer_id)
    check_version(member, version)
    if member.group == "excluded":
        raise BadRequest("customer_id", "the customer was excluded from the campaign")
    for flag in ("contacted", "responded", "converted"):
        if outcome.get(flag) is not None:
            setattr(member, flag, bool(outcome[flag]))
    if outcome.get("converted_amount_yuan") is not None:
        member.converted_amount_fen = int(Decimal(str(outcome["converted_amount_yuan"])) * 100)
    member.outcome_source, member.outcome_on = "rm", on
    bump(member)
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
