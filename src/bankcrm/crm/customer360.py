"""Customer 360: everything about one customer on one screen — the profile, AUM and loans by
month, holdings by product, tier history, scores, RM history, contacts, needs, open tasks,
campaigns and flags. Month-end history and transactions come from the warehouse; the rest
from the store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bankcrm.crm import assignments, contacts, needs
from bankcrm.crm.scope import get_customer
from bankcrm.crm.warehouse_reads import (
    MonthRow,
    TransactionFilter,
    TransactionRow,
    month_history,
)
from bankcrm.crm.warehouse_reads import transactions as read_transactions
from bankcrm.domain.actor import Actor
from bankcrm.security import audit
from bankcrm.security.masking import Context, Profile, Shown, profile_of
from bankcrm.security.policy import Permission, authorize
from bankcrm.store.models import (
    Account,
    Campaign,
    CampaignMember,
    Contact,
    CustomerScore,
    CustomerSummary,
    Need,
    Product,
    Task,
)
from bankcrm.warehouse.layout import Warehouse

RECENT_CONTACTS = 10


@dataclass(frozen=True)
class Holding:
    """The customer's open accounts of one product, at their latest month-end balance (fen)."""

    product_code: str
    product_name: str
    product_type: str
    accounts: int
    balance_fen: int
    next_maturity_on: date | None


@dataclass(frozen=True)
class Score:
    model: str
    as_of: date
    score: float | None
    label: str | None
    reasons: list[str]
    detail: dict[str, Any] | None


@dataclass(frozen=True)
class TierChange:
    as_of: date
    from_tier: str | None
    to_tier: str


@dataclass
class Customer360:
    profile: Profile  # masked for the actor (a copy: the ORM row is never masked in place)
    summary: CustomerSummary | None
    months: list[MonthRow]
    tier_changes: list[TierChange]
    holdings: list[Holding]
    scores: list[Score]
    rm_history: list[assignments.AssignmentPeriod]
    recent_contacts: list[Contact]
    contact_count: int
    needs: list[Need]
    open_tasks: list[Task]
    campaigns: list[tuple[Campaign, CampaignMember]]
    flags: list[str] = field(default_factory=list)


def customer_360(
    session: Session, actor: Actor, warehouse: Warehouse, customer_id: str
) -> Customer360:
    """The 360 view of one customer the actor may see (NotFound otherwise); the look is
    recorded in the audit trail."""
    authorize(actor, Permission.CUSTOMER_VIEW)
    customer = get_customer(session, actor, customer_id)
    summary = session.get(CustomerSummary, customer_id)
    months = month_history(warehouse, customer_id)
    recent, contact_count = contacts.customer_timeline(
        session, actor, customer_id, 0, RECENT_CONTACTS
    )
    view = Customer360(
        profile=profile_of(customer, Shown.to(actor, Context.VIEW)),
        summary=summary,
        months=months,
        tier_changes=tier_changes(months),
        holdings=holdings(session, customer_id),
        scores=latest_scores(session, customer_id),
        rm_history=assignments.history(session, actor, customer_id),
        recent_contacts=recent,
        contact_count=contact_count,
        needs=needs.customer_needs(session, actor, customer_id),
        open_tasks=list(
            session.scalars(
                select(Task)
                .where(Task.customer_id == customer_id, Task.status == "open")
                .order_by(Task.due_on)
            )
        ),
        campaigns=[
            (c, m)
            for c, m in session.execute(
                select(Campaign, CampaignMember)
                .join(CampaignMember, CampaignMember.campaign_id == Campaign.id)
                .where(CampaignMember.customer_id == customer_id)
                .order_by(Campaign.start_on.desc())
            )
        ],
        flags=flags_of(summary),
    )
    audit.record_now(session, actor, "customer.view", entity="customer", entity_id=customer_id,
                     customer_id=customer_id)  # fmt: skip
    return view


def flags_of(summary: CustomerSummary | None) -> list[str]:
    """The flags set in the customer's summary (see ``crm.summary`` for their definitions)."""
    if summary is None:
        return []
    names = ("dormant", "maturity_soon", "large_outflow")
    return [name for name in names if getattr(summary, name)]


def tier_changes(months: list[MonthRow]) -> list[TierChange]:
    """The month-ends at which the tier differed from the month before (the first included)."""
    changes: list[TierChange] = []
    previous: str | None = None
    for row in months:  # one customer's months: a few dozen rows
        if row.tier != previous:
            changes.append(TierChange(row.as_of, previous, row.tier))
            previous = row.tier
    return changes


def holdings(session: Session, customer_id: str) -> list[Holding]:
    """Open accounts grouped by product, largest balance first."""
    rows = session.execute(
        select(
            Product.product_code,
            Product.name,
            Product.product_type,
            func.count(),
            func.coalesce(func.sum(Account.balance_fen), 0),
            func.min(Account.maturity_on),
        )
        .join(Product, Product.product_code == Account.product_code)
        .where(Account.customer_id == customer_id, Account.closed_on.is_(None))
        .group_by(Product.product_code, Product.name, Product.product_type)
        .order_by(func.coalesce(func.sum(Account.balance_fen), 0).desc(), Product.product_code)
    ).all()
    return [Holding(code, name, kind, n, b or 0, m) for code, name, kind, n, b, m in rows]


def latest_scores(session: Session, customer_id: str) -> list[Score]:
    """Each model's score at its latest snapshot for the customer."""
    latest = (
        select(CustomerScore.model, func.max(CustomerScore.as_of).label("as_of"))
        .where(CustomerScore.customer_id == customer_id)
        .group_by(CustomerScore.model)
        .subquery()
    )
    rows = session.scalars(
        select(CustomerScore)
        .join(
            latest,
            (latest.c.model == CustomerScore.model) & (latest.c.as_of == CustomerScore.as_of),
        )
        .where(CustomerScore.customer_id == customer_id)
        .order_by(CustomerScore.model)
    ).all()
    return [
        Score(
            model=s.model,
            as_of=s.as_of,
            score=s.score,
            label=s.label,
            reasons=[r for r in (s.reasons or "").split("；") if r],
            detail=json.loads(s.detail) if s.detail else None,
        )
        for s in rows
    ]


def customer_transactions(
    session: Session,
    actor: Actor,
    warehouse: Warehouse,
    customer_id: str,
    which: TransactionFilter,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[TransactionRow], int]:
    """A page of the customer's transactions (all accounts, open or closed), latest first;
    the look is recorded in the audit trail."""
    authorize(actor, Permission.CUSTOMER_VIEW)
    get_customer(session, actor, customer_id)
    account_ids = list(
        session.scalars(select(Account.account_id).where(Account.customer_id == customer_id))
    )
    page = read_transactions(warehouse, account_ids, which, offset, limit)
    audit.record_now(session, actor, "customer.transactions", entity="customer",
                     entity_id=customer_id, customer_id=customer_id,
                     detail={"offset": offset, "rows": len(page[0])})  # fmt: skip
    return page
