"""Customers: search, the 360 view, transactions, and the customer's contacts, needs and RMs."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from bankcrm.api.common import ActorDep, Page, PagingDep, SessionDep
from bankcrm.api.deps import CrmSettingsDep, WarehouseDep
from bankcrm.api.schemas import (
    AssignIn,
    CampaignBrief,
    ContactIn,
    ContactOut,
    Customer360Out,
    CustomerHitOut,
    HoldingOut,
    MonthOut,
    NeedIn,
    NeedOut,
    PeriodOut,
    ProfileOut,
    ScoreOut,
    TaskBrief,
    TierChangeOut,
    TransactionOut,
    contact_data,
    contact_out,
    need_out,
    yuan,
)
from bankcrm.crm import assignments, contacts, needs
from bankcrm.crm.customer360 import Customer360, customer_360, customer_transactions
from bankcrm.crm.search import Flag, SearchQuery, SearchSort, search
from bankcrm.crm.warehouse_reads import TransactionFilter
from bankcrm.domain.enums import LABELS_ZH, CounterpartyType, Tier, TransactionChannel

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get("", summary="Search customers (客户查询)")
def list_customers(
    session: SessionDep,
    actor: ActorDep,
    paging: PagingDep,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="name (3+ characters anywhere, 1–2: start of the name), or an exact "
            "customer_id, id_number or phone (any text with a digit)",
        ),
    ] = None,
    tier: Tier | None = None,
    branch_id: Annotated[str | None, Query(max_length=100)] = None,
    rm: Annotated[str | None, Query(max_length=100, description="current RM employee_id")] = None,
    segment: Annotated[str | None, Query(max_length=100)] = None,
    flag: Annotated[list[Flag] | None, Query()] = None,
    sort: SearchSort = SearchSort.NAME,
) -> Page[CustomerHitOut]:
    query = SearchQuery(q, tier, branch_id, rm, segment, tuple(flag or ()), sort)
    hits, total = search(session, actor, query, paging.offset, paging.page_size)
    items = [
        CustomerHitOut(
            customer_id=h.customer_id,
            name=h.name,
            customer_type=h.customer_type,
            branch_id=h.branch_id,
            opened_on=h.opened_on,
            tier=h.tier,
            tier_label_zh=LABELS_ZH.get(h.tier) if h.tier else None,
            aum_yuan=yuan(h.aum_fen),
            rm_employee_id=h.rm_employee_id,
            rm_name=h.rm_name,
            flags=[f for f in Flag if getattr(h, f.value)],
            name_masked=h.name_masked,
        )
        for h in hits
    ]
    return paging.of(items, total)


@router.get("/{customer_id}", summary="Customer 360 (客户360视图)")
def get_customer_360(
    customer_id: str,
    session: SessionDep,
    actor: ActorDep,
    warehouse: WarehouseDep,
    settings: CrmSettingsDep,
) -> Customer360Out:
    return _view(customer_360(session, actor, warehouse, customer_id), settings)


def _view(v: Customer360, settings: CrmSettingsDep) -> Customer360Out:
    s = v.summary
    return Customer360Out(
        profile=ProfileOut.model_validate(v.profile, from_attributes=True),
        as_of=s.as_of if s else None,
        tier=s.tier if s else None,
        tier_label_zh=LABELS_ZH.get(s.tier) if s else None,
        aum_yuan=yuan(s.aum_fen) if s else None,
        flags=v.flags,
        months=[
            MonthOut(as_of=m.as_of, aum_yuan=m.aum, loan_balance_yuan=m.loan_balance, tier=m.tier)
            for m in v.months
        ],
        tier_changes=[TierChangeOut(**t.__dict__) for t in v.tier_changes],
        holdings=[
            HoldingOut(
                product_code=h.product_code,
                product_name=h.product_name,
                product_type=h.product_type,
                product_type_label_zh=LABELS_ZH.get(h.product_type),
                accounts=h.accounts,
                balance_yuan=yuan(h.balance_fen) or 0,
                next_maturity_on=h.next_maturity_on,
            )
            for h in v.holdings
        ],
        scores=[ScoreOut(**sc.__dict__) for sc in v.scores],
        rm_history=[PeriodOut(**p.__dict__) for p in v.rm_history],
        recent_contacts=[contact_out(x) for x in v.recent_contacts],
        contact_count=v.contact_count,
        needs=[need_out(n, settings) for n in v.needs],
        open_tasks=[
            TaskBrief(id=t.id, rule=t.rule, title=t.title, due_on=t.due_on, status=t.status)
            for t in v.open_tasks
        ],
        campaigns=[
            CampaignBrief(
                campaign_id=camp.id,
                name=camp.name,
                group=m.group,
                contacted=m.contacted,
                responded=m.responded,
                converted=m.converted,
            )
            for camp, m in v.campaigns
        ],
    )


@router.get("/{customer_id}/transactions", summary="A customer's transactions (交易明细)")
def list_transactions(
    customer_id: str,
    session: SessionDep,
    actor: ActorDep,
    warehouse: WarehouseDep,
    paging: PagingDep,
    date_from: date | None = None,
    date_to: date | None = None,
    channel: TransactionChannel | None = None,
    counterparty_type: CounterpartyType | None = None,
) -> Page[TransactionOut]:
    which = TransactionFilter(date_from, date_to, channel, counterparty_type)
    rows, total = customer_transactions(
        session, actor, warehouse, customer_id, which, paging.offset, paging.page_size
    )
    items = [
        TransactionOut(
            txn_id=r.txn_id,
            account_id=r.account_id,
            booked_at=r.booked_at,
            amount_yuan=r.amount,
            channel=r.channel,
            counterparty_type=r.counterparty_type,
            counterparty_name=r.counterparty_name,
            memo=r.memo,
        )
        for r in rows
    ]
    return paging.of(items, total)


@router.get("/{customer_id}/contacts", summary="A customer's contact timeline")
def list_customer_contacts(
    customer_id: str, session: SessionDep, actor: ActorDep, paging: PagingDep
) -> Page[ContactOut]:
    rows, total = contacts.customer_timeline(
        session, actor, customer_id, paging.offset, paging.page_size
    )
    return paging.of([contact_out(c) for c in rows], total)


@router.post(
    "/{customer_id}/contacts",
    status_code=status.HTTP_201_CREATED,
    summary="Log a contact (联系记录)",
)
def create_contact(
    customer_id: str, body: ContactIn, session: SessionDep, actor: ActorDep
) -> ContactOut:
    return contact_out(contacts.log_contact(session, actor, customer_id, contact_data(body)))


@router.get("/{customer_id}/needs", summary="A customer's needs")
def list_customer_needs(
    customer_id: str, session: SessionDep, actor: ActorDep, settings: CrmSettingsDep
) -> list[NeedOut]:
    return [need_out(n, settings) for n in needs.customer_needs(session, actor, customer_id)]


@router.post("/{customer_id}/needs", status_code=status.HTTP_201_CREATED, summary="Record a need")
def create_need(
    customer_id: str,
    body: NeedIn,
    session: SessionDep,
    actor: ActorDep,
    settings: CrmSettingsDep,
) -> NeedOut:
    need = needs.record_need(
        session, actor, settings, customer_id, body.need_code, body.notes, body.status
    )
    return need_out(need, settings)


@router.get("/{customer_id}/assignments", summary="A customer's RM history (管户历史)")
def list_assignments(customer_id: str, session: SessionDep, actor: ActorDep) -> list[PeriodOut]:
    return [PeriodOut(**p.__dict__) for p in assignments.history(session, actor, customer_id)]


@router.post(
    "/{customer_id}/assignments",
    status_code=status.HTTP_201_CREATED,
    summary="Assign the customer to an RM",
)
def assign_customer(
    customer_id: str, body: AssignIn, session: SessionDep, actor: ActorDep
) -> PeriodOut:
    period = assignments.assign(session, actor, customer_id, body.employee_id, body.on, body.note)
    return PeriodOut(**period.__dict__)
