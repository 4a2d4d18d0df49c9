"""Campaigns (营销活动): from a segment to members (target, control, excluded), tasks for the
RMs, outcomes, and results.

Design, so the results can be trusted:
- exclusions first, with the reason recorded per member (``no_consent``, ``do_not_contact``,
  ``recent_campaign``), so the control group is drawn from the same eligible customers;
- the control group is a seeded random share of each tier (stratified), recorded per member,
  so the comparison is like for like and the draw can be reproduced from (seed, members);
- targets become tasks for their RM; a target without an RM goes round-robin to the RMs of
  the customer's outlet (the outlet manager when it has none).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from bankcrm.analytics.base import Tables
from bankcrm.crm.errors import BadRequest, NotFound
from bankcrm.crm.scope import get_customer
from bankcrm.crm.segments import get_segment, members, saved_rule
from bankcrm.crm.segments_rules import Rule, rule_json
from bankcrm.crm.tasks_generate import insert_ignoring_duplicates, outlet_managers
from bankcrm.domain.actor import Actor
from bankcrm.domain.enums import EmployeeRole, ProductType
from bankcrm.security import audit
from bankcrm.security.policy import Permission, authorize
from bankcrm.store.models import Campaign, CampaignMember, Contact, DoNotContact, Employee

EXCLUSION_LABELS_ZH = {
    "no_consent": "未授权营销",
    "do_not_contact": "勿扰客户",
    "recent_campaign": "近期已参加其他营销活动",
}
GROUP_LABELS_ZH = {"target": "目标组", "control": "对照组", "excluded": "已排除"}


class CampaignSpec(BaseModel):
    """What a campaign is: its segment (saved, or a rule), dates, goal, control design, cost."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    segment_id: int | None = None
    rule: Rule | None = None
    as_of: date | None = None  # segment month-end; default the latest on or before start_on
    start_on: date
    end_on: date | None = None
    product_type: ProductType | None = None
    goal_aum_yuan: Decimal | None = Field(default=None, gt=0)
    control_share: float = Field(default=0.2, ge=0, lt=1)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    exclusion_days: int = Field(default=30, ge=0, le=365)
    cost_yuan: Decimal | None = Field(default=None, ge=0)
    due_days: int = Field(default=14, ge=0, le=365)

    @model_validator(mode="after")
    def _check(self) -> CampaignSpec:
        if (self.segment_id is None) == (self.rule is None):
            raise ValueError("give exactly one of segment_id and rule")
        if self.end_on is not None and self.end_on < self.start_on:
            raise ValueError("end_on is before start_on")
        if self.product_type is None and self.goal_aum_yuan is None:
            raise ValueError("give product_type or goal_aum_yuan: what counts as converted")
        return self


def exclusions(session: Session, candidates: pd.DataFrame, start_on: date, days: int) -> pd.Series:
    """Per candidate, the first reason to exclude it, or None: no marketing consent, on the
    do-not-contact list, or a target of (or contacted for) another campaign within ``days``
    before ``start_on``."""
    bind = session.get_bind()
    dnc = set(pd.read_sql(select(DoNotContact.customer_id), bind)["customer_id"])
    since = start_on - timedelta(days=days)
    recent_targets = (
        select(CampaignMember.customer_id)
        .join(Campaign, Campaign.id == CampaignMember.campaign_id)
        .where(
            CampaignMember.group == "target",
            Campaign.start_on > since,
            Campaign.start_on <= start_on,
        )
    )
    recent_contacts = select(Contact.customer_id).where(
        Contact.campaign_id.is_not(None),
        Contact.occurred_at >= datetime(since.year, since.month, since.day),
    )
    recent = set(pd.read_sql(recent_targets.union(recent_contacts), bind)["customer_id"])
    ids = candidates["customer_id"]
    reason = pd.Series(None, index=candidates.index, dtype=object)
    for name, hit in (  # last assignment wins: ordered from the least to the most decisive
        ("recent_campaign", ids.isin(recent)),
        ("do_not_contact", ids.isin(dnc)),
        ("no_consent", ~candidates["marketing_consent"].astype(bool)),
    ):
        reason = reason.mask(hit, name)
    return reason


def control_draw(tiers: pd.Series, share: float, seed: int) -> pd.Series:
    """True for the customers drawn into the control group: in each tier, the ``share``
    (rounded half up) with the smallest seeded random keys. ``tiers`` must be in a stable
    order (by customer_id) for the draw to be reproducible."""
    keys = pd.Series(np.random.default_rng(seed).random(len(tiers)), index=tiers.index)
    rank = keys.groupby(tiers).rank(method="first")
    size = keys.groupby(tiers).transform("size").astype("float64")
    return rank <= np.floor(share * size + 0.5)


def round_robin(session: Session, unassigned: pd.DataFrame, on: date) -> pd.Series:
    """For customers without an RM, an RM of their outlet in turn (by employee id), else the
    outlet manager, else None (the outlet's queue)."""
    still = or_(Employee.left_on.is_(None), Employee.left_on > on)
    rms = pd.read_sql(
        select(Employee.branch_id, Employee.employee_id)
        .where(Employee.role == EmployeeRole.RELATIONSHIP_MANAGER.value, still)
        .order_by(Employee.branch_id, Employee.employee_id),
        session.get_bind(),
    )
    rms["slot"] = rms.groupby("branch_id").cumcount()
    teams = rms.groupby("branch_id").size().rename("team")
    turn = unassigned[["branch_id"]].copy()
    turn["slot"] = turn.groupby("branch_id").cumcount()
    turn = turn.join(teams, on="branch_id")
    turn["slot"] = turn["slot"] % turn["team"]
    chosen = turn.reset_index().merge(rms, on=["branch_id", "slot"], how="left").set_index("index")
    managers = outlet_managers(session, on).set_index("branch_id")["manager_id"]
    fallback = unassigned["branch_id"].map(managers)
    picked = chosen["employee_id"].reindex(unassigned.index).fillna(fallback)
    return picked.astype(object).where(picked.notna(), None)


@dataclass(frozen=True)
class CreatedCampaign:
    campaign: Campaign
    groups: dict[str, int]  # target / control / excluded → customers
    exclusions: dict[str, int]  # reason → customers
    tasks: int


def create_campaign(
    session: Session, actor: Actor, tables: Tables, spec: CampaignSpec
) -> CreatedCampaign:
    """Create the campaign: evaluate the segment, exclude, draw the control group, create a
    task per target. One transaction."""
    authorize(actor, Permission.CAMPAIGN_MANAGE)
    rule = (
        saved_rule(get_segment(session, actor, spec.segment_id)) if spec.segment_id else spec.rule
    )
    assert rule is not None  # the spec's validator
    d, found = members(session, actor, tables, rule, spec.as_of or spec.start_on)
    if found.empty:
        raise BadRequest("rule", f"the segment has no customers at {d}")
    seed = spec.seed if spec.seed is not None else secrets.randbelow(2**31)
    found["exclusion"] = exclusions(session, found, spec.start_on, spec.exclusion_days)
    eligible = found["exclusion"].isna()
    found["group"] = "excluded"
    in_control = control_draw(found.loc[eligible, "tier"], spec.control_share, seed)
    found.loc[in_control.index, "group"] = np.where(in_control, "control", "target")
    campaign = Campaign(
        name=spec.name,
        segment_id=spec.segment_id,
        rule=json.dumps(rule_json(rule), ensure_ascii=False),
        as_of=d,
        start_on=spec.start_on,
        end_on=spec.end_on,
        product_type=spec.product_type,
        goal_aum_fen=_fen(spec.goal_aum_yuan),
        control_share=spec.control_share,
        seed=seed,
        exclusion_days=spec.exclusion_days,
        cost_fen=_fen(spec.cost_yuan),
        created_by=actor.username,
        created_at=datetime.now(),
        version=1,
    )
    session.add(campaign)
    session.flush()
    targets = found["group"] == "target"
    no_rm = targets & found["employee_id"].isna()
    found.loc[no_rm, "employee_id"] = round_robin(session, found.loc[no_rm], spec.start_on)
    session.execute(insert(CampaignMember), _member_rows(campaign.id, found))
    tasks = _task_rows(campaign, found.loc[targets], spec.due_days)
    if tasks:
        session.execute(insert_ignoring_duplicates(session), tasks)
    groups = found["group"].value_counts().to_dict()
    audit.record(
        session,
        actor,
        "campaign.create",
        entity="campaign",
        entity_id=campaign.id,
        detail={"name": spec.name, "as_of": d, "groups": groups, "tasks": len(tasks)},
    )
    session.commit()
    return CreatedCampaign(
        campaign=campaign,
        groups=groups,
        exclusions=found["exclusion"].value_counts().to_dict(),
        tasks=len(tasks),
    )


def _fen(yuan: Decimal | None) -> int | None:
    return None if yuan is None else int(yuan * 100)


def _member_rows(campaign_id: int, found: pd.DataFrame) -> list[dict[str, Any]]:
    rows = pd.DataFrame(
        {
            "campaign_id": campaign_id,
            "customer_id": found["customer_id"],
            "group": found["group"],
            "exclusion": found["exclusion"],
            "tier": found["tier"],
            "branch_id": found["branch_id"],
            "employee_id": found["employee_id"],
            "baseline_aum_fen": (found["aum"].astype("float64") * 100).round().astype("int64"),
            "contacted": False,
            "responded": False,
            "converted": False,
            "version": 1,
        }
    )
    records: list[dict[str, Any]] = rows.astype(object).where(rows.notna(), None).to_dict("records")
    return records


def _task_rows(campaign: Campaign, targets: pd.DataFrame, due_days: int) -> list[dict[str, Any]]:
    key = f"campaign:{campaign.id}:" + targets["customer_id"].astype(str)
    rows = pd.DataFrame(
        {
            "rule": "campaign",
            "customer_id": targets["customer_id"],
            "employee_id": targets["employee_id"],
            "branch_id": targets["branch_id"],
            "campaign_id": campaign.id,
            "title": f"营销活动：{campaign.name}",
            "detail": json.dumps({"campaign_id": campaign.id}),
            "created_on": campaign.start_on,
            "due_on": campaign.start_on + timedelta(days=due_days),
            "status": "open",
            "open_key": key,
            "run_key": key,
            "version": 1,
        }
    )
    records: list[dict[str, Any]] = rows.astype(object).where(rows.notna(), None).to_dict("records")
    return records


def get_campaign(session: Session, actor: Actor, campaign_id: int) -> Campaign:
    """A campaign: its design and figures are aggregates, so every role that may view
    campaigns sees them all; its members are listed within the actor's scope."""
    authorize(actor, Permission.CAMPAIGN_VIEW)
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("campaign", campaign_id)
    return campaign


def list_campaigns(
    session: Session, actor: Actor, offset: int = 0, limit: int = 20
) -> tuple[list[Campaign], int]:
    authorize(actor, Permission.CAMPAIGN_VIEW)
    total = session.scalar(select(func.count()).select_from(Campaign)) or 0
    page = session.scalars(
        select(Campaign).order_by(Campaign.id.desc()).offset(offset).limit(limit)
    )
    return list(page), total


def mark_do_not_contact(
    session: Session, actor: Actor, customer_id: str, on: date, reason: str | None = None
) -> DoNotContact:
    """Put a customer on the do-not-contact list (勿扰); campaigns from then on exclude them.
    Marking twice keeps the first record."""
    authorize(actor, Permission.CUSTOMER_WRITE)
    get_customer(session, actor, customer_id)
    found = session.get(DoNotContact, customer_id)
    if found is None:
        found = DoNotContact(
            customer_id=customer_id, recorded_on=on, recorded_by=actor.username, reason=reason
        )
        session.add(found)
        audit.record(
            session,
            actor,
            "customer.do_not_contact",
            entity="customer",
            entity_id=customer_id,
            customer_id=customer_id,
            detail={"on": on, "reason": reason},
        )
        session.commit()
    return found
