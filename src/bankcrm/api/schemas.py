"""Request and response bodies of the CRM routes. Money is decimal yuan (two decimals);
``*_label_zh`` fields carry the Chinese label of a code for the screens."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bankcrm.crm.contacts import LABELS_ZH as CONTACT_LABELS_ZH
from bankcrm.crm.contacts import ContactChannel, ContactInput, ContactOutcome
from bankcrm.crm.needs import STATUS_LABELS_ZH, NeedStatus
from bankcrm.domain.crm_settings import CrmSettings
from bankcrm.domain.money import fen_to_yuan
from bankcrm.security.masking import MAX_REASON, PersonalField
from bankcrm.store.models import Contact, Need


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# The store keeps naive UTC times (SQLite keeps no zone): labelled UTC again on the way out, an
# RFC 3339 date-time as the schema promises.
UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


def yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else fen_to_yuan(fen)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is a 422, not ignored


class CustomerHitOut(BaseModel):
    customer_id: str
    name: str
    customer_type: str
    branch_id: str
    opened_on: date
    tier: str | None
    tier_label_zh: str | None
    aum_yuan: Decimal | None
    rm_employee_id: str | None
    rm_name: str | None
    flags: list[str]
    name_masked: bool = Field(description="the name is masked for the caller's role")


class ProfileOut(BaseModel):
    customer_id: str
    customer_type: str
    name: str
    id_type: str
    id_number: str
    gender: str | None
    birth_date: date | None
    phone: str | None
    region_code: str | None
    occupation: str | None
    education: str | None
    branch_id: str
    opened_on: date
    closed_on: date | None
    marketing_consent: bool
    risk_level: str | None
    masked: list[str] = Field(
        description="the fields shown masked (脱敏); POST …/unmask with a reason shows them"
    )


class MonthOut(BaseModel):
    as_of: date
    aum_yuan: Decimal
    loan_balance_yuan: Decimal
    tier: str


class TierChangeOut(BaseModel):
    as_of: date
    from_tier: str | None
    to_tier: str


class HoldingOut(BaseModel):
    product_code: str
    product_name: str
    product_type: str
    product_type_label_zh: str | None
    accounts: int
    balance_yuan: Decimal
    next_maturity_on: date | None


class ScoreOut(BaseModel):
    model: str
    as_of: date
    score: float | None
    label: str | None
    reasons: list[str]
    detail: dict[str, Any] | None


class PeriodOut(BaseModel):
    employee_id: str
    employee_name: str
    start_on: date
    end_on: date | None


class ContactOut(BaseModel):
    id: int
    customer_id: str
    employee_id: str | None
    channel: str
    channel_label_zh: str
    occurred_at: datetime
    outcome: str
    outcome_label_zh: str
    notes: str | None
    next_step: str | None
    next_step_on: date | None
    campaign_id: int | None
    created_by: str
    created_at: datetime
    version: int


class ContactIn(Strict):
    channel: ContactChannel
    outcome: ContactOutcome
    occurred_at: datetime
    notes: str | None = Field(default=None, max_length=4000)
    next_step: str | None = Field(default=None, max_length=1000)
    next_step_on: date | None = None
    campaign_id: int | None = Field(default=None, ge=1, le=2_147_483_647)


class ContactUpdate(ContactIn):
    version: int = Field(
        ge=1, le=2_147_483_647, description="the version read: a stale one gets 409"
    )


class NeedOut(BaseModel):
    id: int
    customer_id: str
    need_code: str
    need_label_zh: str | None
    status: str
    status_label_zh: str
    notes: str | None
    employee_id: str | None
    recorded_by: str
    recorded_at: datetime
    updated_at: datetime
    version: int


class NeedIn(Strict):
    need_code: str = Field(min_length=1, max_length=40)
    notes: str | None = Field(default=None, max_length=4000)
    status: NeedStatus = NeedStatus.OPEN


class NeedUpdate(Strict):
    version: int = Field(
        ge=1, le=2_147_483_647, description="the version read: a stale one gets 409"
    )
    status: NeedStatus
    notes: str | None = Field(default=None, max_length=4000)


class NeedKindOut(BaseModel):
    code: str
    label_zh: str
    label_en: str


class NeedCountOut(BaseModel):
    need_code: str
    group: str
    customers: int
    open: int


class TaskBrief(BaseModel):
    id: int
    rule: str
    title: str
    due_on: date
    status: str


class CampaignBrief(BaseModel):
    campaign_id: int
    name: str
    group: str
    contacted: bool
    responded: bool
    converted: bool


class Customer360Out(BaseModel):
    profile: ProfileOut
    as_of: date | None
    tier: str | None
    tier_label_zh: str | None
    aum_yuan: Decimal | None
    flags: list[str]
    months: list[MonthOut]
    tier_changes: list[TierChangeOut]
    holdings: list[HoldingOut]
    scores: list[ScoreOut]
    rm_history: list[PeriodOut]
    recent_contacts: list[ContactOut]
    contact_count: int
    needs: list[NeedOut]
    open_tasks: list[TaskBrief]
    campaigns: list[CampaignBrief]


class TransactionOut(BaseModel):
    txn_id: str
    account_id: str
    booked_at: datetime
    amount_yuan: Decimal
    channel: str
    counterparty_type: str
    counterparty_name: str | None
    memo: str | None


class AssignIn(Strict):
    employee_id: str = Field(min_length=1, max_length=100)
    on: date
    note: str | None = Field(default=None, max_length=1000)


class HandoverIn(Strict):
    from_employee_id: str = Field(min_length=1, max_length=100)
    to_employee_id: str = Field(min_length=1, max_length=100)
    on: date
    reason: str | None = Field(default=None, max_length=1000)


class HandoverPreviewOut(BaseModel):
    from_employee_id: str
    to_employee_id: str
    customers: int
    customer_ids: list[str]
    aum_yuan: Decimal


class HandoverOut(HandoverPreviewOut):
    handover_id: int


class WorkloadOut(BaseModel):
    employee_id: str
    employee_name: str
    tier: str | None
    customers: int
    aum_yuan: Decimal


class UnmaskIn(Strict):
    fields: list[PersonalField] = Field(min_length=1, max_length=len(PersonalField))
    # Optional here so that a missing reason is the service's 400 naming "reason", like a
    # short one, rather than a schema 422.
    reason: str | None = Field(default=None, max_length=MAX_REASON)


class UnmaskOut(BaseModel):
    customer_id: str
    values: dict[str, str | None]


class HealthOut(BaseModel):
    status: str
    store: str
    version: str


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.id,
        customer_id=contact.customer_id,
        employee_id=contact.employee_id,
        channel=contact.channel,
        channel_label_zh=CONTACT_LABELS_ZH.get(contact.channel, contact.channel),
        occurred_at=contact.occurred_at,
        outcome=contact.outcome,
        outcome_label_zh=CONTACT_LABELS_ZH.get(contact.outcome, contact.outcome),
        notes=contact.notes,
        next_step=contact.next_step,
        next_step_on=contact.next_step_on,
        campaign_id=contact.campaign_id,
        created_by=contact.created_by,
        created_at=contact.created_at,
        version=contact.version,
    )


def need_out(need: Need, settings: CrmSettings) -> NeedOut:
    kind = settings.need(need.need_code)
    return NeedOut(
        id=need.id,
        customer_id=need.customer_id,
        need_code=need.need_code,
        need_label_zh=kind.label_zh if kind else None,
        status=need.status,
        status_label_zh=STATUS_LABELS_ZH.get(need.status, need.status),
        notes=need.notes,
        employee_id=need.employee_id,
        recorded_by=need.recorded_by,
        recorded_at=need.recorded_at,
        updated_at=need.updated_at,
        version=need.version,
    )


def contact_data(body: ContactIn) -> ContactInput:
    return ContactInput(
        channel=body.channel,
        outcome=body.outcome,
        occurred_at=body.occurred_at.replace(tzinfo=None),
        notes=body.notes,
        next_step=body.next_step,
        next_step_on=body.next_step_on,
        campaign_id=body.campaign_id,
    )
