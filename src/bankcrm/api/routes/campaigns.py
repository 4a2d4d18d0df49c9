"""Campaigns (营销活动): create from a segment, list, members, outcomes (recorded by the RM
under optimistic locking, or detected from the latest extract) and results."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from bankcrm.api.common import ActorDep, Page, PagingDep, SessionDep
from bankcrm.api.routes.segments import TablesDep
from bankcrm.api.schemas import yuan
from bankcrm.crm import campaigns, campaigns_results
from bankcrm.crm.campaigns import EXCLUSION_LABELS_ZH, GROUP_LABELS_ZH, CampaignSpec
from bankcrm.crm.campaigns_outcomes import detect_outcomes_in
from bankcrm.crm.campaigns_stats import DEFAULT_MARGIN, Interval
from bankcrm.domain.money import fen_to_yuan
from bankcrm.store.models import Campaign, CampaignMember

router = APIRouter(prefix="/campaigns", tags=["campaigns"])
CampaignId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Group = Literal["target", "control", "excluded"]


class CampaignOut(BaseModel):
    id: int
    name: str
    segment_id: int | None
    rule: dict[str, Any]
    as_of: date
    start_on: date
    end_on: date | None
    product_type: str | None
    goal_aum_yuan: Decimal | None
    control_share: float
    seed: int
    exclusion_days: int
    cost_yuan: Decimal | None
    created_by: str
    created_at: datetime
    version: int


def campaign_out(c: Campaign) -> CampaignOut:
    return CampaignOut(
        id=c.id,
        name=c.name,
        segment_id=c.segment_id,
        rule=json.loads(c.rule),
        as_of=c.as_of,
        start_on=c.start_on,
        end_on=c.end_on,
        product_type=c.product_type,
        goal_aum_yuan=yuan(c.goal_aum_fen),
        control_share=c.control_share,
        seed=c.seed,
        exclusion_days=c.exclusion_days,
        cost_yuan=yuan(c.cost_fen),
        created_by=c.created_by,
        created_at=c.created_at,
        version=c.version,
    )


class CreatedOut(BaseModel):
    campaign: CampaignOut
    groups: dict[str, int]
    exclusions: dict[str, int]
    tasks: int


class MemberOut(BaseModel):
    customer_id: str
    group: Group
    group_label_zh: str
    exclusion: str | None
    exclusion_label_zh: str | None
    tier: str
    branch_id: str
    employee_id: str | None
    baseline_aum_yuan: Decimal
    latest_aum_yuan: Decimal | None
    contacted: bool
    responded: bool
    converted: bool
    converted_amount_yuan: Decimal | None
    outcome_source: str | None
    outcome_on: date | None
    version: int


def member_out(m: CampaignMember) -> MemberOut:
    return MemberOut(
        customer_id=m.customer_id,
        group=m.group,
        group_label_zh=GROUP_LABELS_ZH[m.group],
        exclusion=m.exclusion,
        exclusion_label_zh=EXCLUSION_LABELS_ZH.get(m.exclusion) if m.exclusion else None,
        tier=m.tier,
        branch_id=m.branch_id,
        employee_id=m.employee_id,
        baseline_aum_yuan=fen_to_yuan(m.baseline_aum_fen),
        latest_aum_yuan=yuan(m.latest_aum_fen),
        contacted=m.contacted,
        responded=m.responded,
        converted=m.converted,
        converted_amount_yuan=yuan(m.converted_amount_fen),
        outcome_source=m.outcome_source,
        outcome_on=m.outcome_on,
        version=m.version,
    )


class OutcomeIn(BaseModel):
    """What the RM learned; ``version`` is the member's as read (409 when stale)."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=2**31 - 1)
    contacted: bool | None = None
    responded: bool | None = None
    converted: bool | None = None
    converted_amount_yuan: Decimal | None = Field(default=None, ge=0, le=Decimal("1e13"))
    on: date | None = None


class IntervalOut(BaseModel):
    low: float
    high: float


class ResultsOut(BaseModel):
    campaign_id: int
    targets: int
    target_conversions: int
    controls: int
    control_conversions: int
    excluded: int
    contacted: int
    responded: int
    target_rate: float | None
    control_rate: float | None
    lift: float | None
    lift_ci95: IntervalOut | None = Field(description="Newcombe's hybrid score interval")
    lift_ci95_wald: IntervalOut | None
    incremental_conversions: float | None
    incremental_aum_yuan: float | None
    cost_yuan: float | None
    roi: float | None = Field(description="(incremental AUM × margin − cost) / cost")
    cost_per_incremental_conversion: float | None
    margin: float


class DetectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date


class DetectedOut(BaseModel):
    campaign_id: int
    month_end: date
    members: int
    converted: int


def _interval(i: Interval | None) -> IntervalOut | None:
    return None if i is None else IntervalOut(low=i.low, high=i.high)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a campaign from a segment")
def create_campaign(
    body: CampaignSpec, session: SessionDep, actor: ActorDep, tables: TablesDep
) -> CreatedOut:
    made = campaigns.create_campaign(session, actor, tables, body)
    return CreatedOut(
        campaign=campaign_out(made.campaign),
        groups=made.groups,
        exclusions=made.exclusions,
        tasks=made.tasks,
    )


@router.get("", summary="Campaigns, newest first")
def list_campaigns(session: SessionDep, actor: ActorDep, paging: PagingDep) -> Page[CampaignOut]:
    rows, total = campaigns.list_campaigns(session, actor, paging.offset, paging.page_size)
    return Page(
        items=[campaign_out(c) for c in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/detect", summary="Detect outcomes of started campaigns from the latest extract")
def detect(
    body: DetectIn, session: SessionDep, actor: ActorDep, tables: TablesDep
) -> list[DetectedOut]:
    found = detect_outcomes_in(session, tables, body.as_of, actor)
    return [DetectedOut(**d.__dict__) for d in found]


class DoNotContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=100)
    reason: str | None = Field(default=None, max_length=500)


class DoNotContactOut(BaseModel):
    customer_id: str
    recorded_on: date
    recorded_by: str
    reason: str | None


@router.post("/do-not-contact", summary="Put a customer on the do-not-contact list (勿扰)")
def do_not_contact(body: DoNotContactIn, session: SessionDep, actor: ActorDep) -> DoNotContactOut:
    today = datetime.now(UTC).date()
    row = campaigns.mark_do_not_contact(session, actor, body.customer_id, today, body.reason)
    return DoNotContactOut(
        customer_id=row.customer_id,
        recorded_on=row.recorded_on,
        recorded_by=row.recorded_by,
        reason=row.reason,
    )


@router.get("/{campaign_id}", summary="One campaign")
def get_campaign(campaign_id: CampaignId, session: SessionDep, actor: ActorDep) -> CampaignOut:
    return campaign_out(campaigns.get_campaign(session, actor, campaign_id))


@router.get("/{campaign_id}/members", summary="A campaign's members, by group")
def list_members(
    campaign_id: CampaignId,
    session: SessionDep,
    actor: ActorDep,
    paging: PagingDep,
    group: Group | None = None,
) -> Page[MemberOut]:
    rows, total = campaigns_results.list_members(
        session, actor, campaign_id, group, paging.offset, paging.page_size
    )
    return Page(
        items=[member_out(m) for m in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.patch(
    "/{campaign_id}/members/{customer_id}",
    summary="Record a member's outcome (409 on a stale version)",
)
def record_outcome(
    campaign_id: CampaignId,
    customer_id: Annotated[str, Path(max_length=100)],
    body: OutcomeIn,
    session: SessionDep,
    actor: ActorDep,
) -> MemberOut:
    outcome = body.model_dump(exclude={"version", "on"}, exclude_none=True)
    member = campaigns_results.record_outcome(
        session,
        actor,
        campaign_id,
        customer_id,
        body.version,
        outcome,
        body.on or datetime.now(UTC).date(),
    )
    return member_out(member)


@router.get("/{campaign_id}/results", summary="Conversion, lift with its 95% CI, AUM, ROI")
def results(
    campaign_id: CampaignId,
    session: SessionDep,
    actor: ActorDep,
    margin: Annotated[
        float, Query(gt=0, le=1, description="net revenue per yuan of incremental AUM")
    ] = DEFAULT_MARGIN,
) -> ResultsOut:
    r = campaigns_results.results(session, actor, campaign_id, margin)
    s = r.stats
    return ResultsOut(
        campaign_id=r.campaign_id,
        targets=s.targets,
        target_conversions=s.target_conversions,
        controls=s.controls,
        control_conversions=s.control_conversions,
        excluded=r.excluded,
        contacted=r.contacted,
        responded=r.responded,
        target_rate=s.target_rate,
        control_rate=s.control_rate,
        lift=s.lift,
        lift_ci95=_interval(s.lift_ci),
        lift_ci95_wald=_interval(s.lift_ci_wald),
        incremental_conversions=s.incremental_conversions,
        incremental_aum_yuan=s.incremental_aum,
        cost_yuan=s.cost,
        roi=s.roi,
        cost_per_incremental_conversion=s.cost_per_incremental_conversion,
        margin=margin,
    )
