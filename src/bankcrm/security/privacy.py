"""Privacy duties under the PIPL (个人信息保护法): the data-subject export (查阅、复制: everything
held about one customer) and the retention of contact notes.

Retention: a contact's free text (``notes``, ``next_step``) is personal data kept only as long
as ``security.contact_note_retention_days``; after that the notes are replaced by ``PURGED``
(a fixed marker, not NULL, so a screen can tell "erased under the retention rule" from "no
notes were taken") and the next step is cleared, while the facts of the contact — who, when,
channel, outcome, campaign — stay for the statistics. The version is bumped, so an edit based
on the old text is refused (409) instead of writing it back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow.dataset as ds
from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from bankcrm.domain.actor import Actor
from bankcrm.domain.errors import Forbidden, NotFound
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security import audit
from bankcrm.security.masking import check_reason
from bankcrm.security.policy import Permission, allowed, authorize
from bankcrm.security.scope import customer_filter
from bankcrm.store.models import (
    Account,
    Assignment,
    AuditRecord,
    Base,
    Campaign,
    CampaignMember,
    Contact,
    CounterSession,
    CounterTransaction,
    Customer,
    CustomerScore,
    CustomerSummary,
    DoNotContact,
    Employee,
    Need,
    Product,
    Task,
)
from bankcrm.warehouse.derived import CUSTOMER_MONTH
from bankcrm.warehouse.layout import Warehouse

PURGED = "（已按保留期限清除）"  # notes erased under the retention rule
SUBJECT_EXPORT_VERSION = 1
# Audit fields left out of a subject export: the chain's hashes mean nothing to the customer,
# and the client address is the bank's internal network.
_AUDIT_FIELDS = ("seq", "at", "actor", "role", "action", "entity", "entity_id", "outcome", "detail")


def retention_cutoff(today: date, settings: SecuritySettings) -> datetime:
    """Contacts that occurred before this moment are past the retention of their notes."""
    day = today - timedelta(days=settings.contact_note_retention_days)
    return datetime.combine(day, datetime.min.time())


def _to_purge(cutoff: datetime) -> ColumnElement[bool]:
    """Contacts before ``cutoff`` that still hold free text."""
    return and_(
        Contact.occurred_at < cutoff,
        or_(
            and_(Contact.notes.is_not(None), Contact.notes != PURGED),
            Contact.next_step.is_not(None),
        ),
    )


def purge_count(session: Session, today: date, settings: SecuritySettings) -> int:
    """How many contacts a purge on ``today`` would erase (a dry run)."""
    where = _to_purge(retention_cutoff(today, settings))
    return int(session.scalar(select(func.count()).select_from(Contact).where(where)) or 0)


def purge_contact_notes(
    session: Session, actor: Actor, today: date, settings: SecuritySettings
) -> int:
    """Erase the free text of the contacts past retention (see the module docstring); returns
    how many contacts were erased, audited as ``contact.notes_purged``. Idempotent: a second
    run the same day erases nothing more. Needs ``config.manage`` (the operator's job)."""
    authorize(actor, Permission.CONFIG)
    cutoff = retention_cutoff(today, settings)
    result = session.execute(
        update(Contact)
        .where(_to_purge(cutoff))
        .values(
            # a contact without notes keeps none: the marker only replaces text that was there
            notes=case((Contact.notes.is_(None), None), else_=PURGED),
            next_step=None,
            version=Contact.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    purged = int(getattr(result, "rowcount", 0) or 0)
    audit.record(
        session,
        actor,
        "contact.notes_purged",
        entity="contact",
        detail={
            "contacts": purged,
            "before": cutoff.date().isoformat(),
            "retention_days": settings.contact_note_retention_days,
        },
    )
    session.commit()
    # A bulk update bypasses the session's loaded rows: drop them, or the caller would go on
    # seeing (and could write back) the erased text.
    session.expire_all()
    return purged


def subject_export(
    session: Session, actor: Actor, warehouse: Warehouse, customer_id: str, reason: str | None
) -> dict[str, Any]:
    """Everything the CRM holds about one customer, in clear (it is for the customer), as
    JSON-ready data: profile, do-not-contact entry, accounts, latest summary, month-end history,
    scores, contacts, needs, tasks, campaign memberships, RM assignments, counter visits, and
    the audit records about the customer (who looked at or changed their data).

    Needs ``customer.subject_export``, a stated reason and the customer in the actor's scope
    (403 / 400 naming ``reason`` / 404); audited as ``customer.subject_export``, refusals
    as denied. Transactions are not included: statements come from the core system, which
    keeps them (the warehouse holds a copy for analysis)."""
    if not allowed(actor, Permission.SUBJECT_EXPORT):
        _denied(session, actor, customer_id, "permission")
        raise Forbidden(f"role {actor.role.value} may not do {Permission.SUBJECT_EXPORT.value}")
    text = check_reason(reason)
    customer = session.scalars(
        select(Customer).where(Customer.customer_id == customer_id, customer_filter(actor))
    ).one_or_none()
    if customer is None:
        _denied(session, actor, customer_id, "scope")
        raise NotFound("customer", customer_id, field="customer_id")
    export = {
        "format_version": SUBJECT_EXPORT_VERSION,
        "customer_id": customer_id,
        "generated_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        "generated_by": actor.username,
        "reason": text,
        **_held(session, warehouse, customer),
    }
    audit.record_now(
        session,
        actor,
        "customer.subject_export",
        entity="customer",
        entity_id=customer_id,
        customer_id=customer_id,
        detail={"reason": text, "sections": _counts(export)},
    )
    return export


def _held(session: Session, warehouse: Warehouse, customer: Customer) -> dict[str, Any]:
    cid = customer.customer_id
    summary = session.get(CustomerSummary, cid)
    dnc = session.get(DoNotContact, cid)
    visits = list(
        session.scalars(
            select(CounterSession)
            .where(CounterSession.customer_id == cid)
            .order_by(CounterSession.started_at)
        )
    )
    return {
        "profile": row(customer),
        "do_not_contact": row(dnc) if dnc else None,
        "summary": row(summary) if summary else None,
        "accounts": _accounts(session, cid),
        "months": month_history(warehouse, cid),
        "scores": rows(_of(session, CustomerScore, cid, CustomerScore.as_of, CustomerScore.model)),
        "contacts": rows(_of(session, Contact, cid, Contact.occurred_at, Contact.id)),
        "needs": rows(_of(session, Need, cid, Need.recorded_at, Need.id)),
        "tasks": rows(_of(session, Task, cid, Task.created_on, Task.id)),
        "campaigns": _campaigns(session, cid),
        "assignments": _assignments(session, cid),
        "counter_sessions": _visits(session, visits),
        "audit": _audit(session, cid),
    }


def _of(session: Session, model: Any, customer_id: str, *order: Any) -> list[Any]:
    return list(
        session.scalars(select(model).where(model.customer_id == customer_id).order_by(*order))
    )


def _accounts(session: Session, customer_id: str) -> list[dict[str, Any]]:
    found = session.execute(
        select(Account, Product.name, Product.product_type)
        .join(Product, Product.product_code == Account.product_code)
        .where(Account.customer_id == customer_id)
        .order_by(Account.opened_on, Account.account_id)
    ).all()
    return [row(a) | {"product_name": n, "product_type": t} for a, n, t in found]


def _campaigns(session: Session, customer_id: str) -> list[dict[str, Any]]:
    found = session.execute(
        select(CampaignMember, Campaign.name, Campaign.start_on)
        .join(Campaign, Campaign.id == CampaignMember.campaign_id)
        .where(CampaignMember.customer_id == customer_id)
        .order_by(Campaign.start_on, Campaign.id)
    ).all()
    return [row(m) | {"campaign_name": n, "campaign_start_on": jsonable(s)} for m, n, s in found]


def _assignments(session: Session, customer_id: str) -> list[dict[str, Any]]:
    found = session.execute(
        select(Assignment, Employee.name)
        .join(Employee, Employee.employee_id == Assignment.employee_id)
        .where(Assignment.customer_id == customer_id)
        .order_by(Assignment.start_on)
    ).all()
    return [row(a) | {"employee_name": n} for a, n in found]


def _visits(session: Session, visits: list[CounterSession]) -> list[dict[str, Any]]:
    ids = [v.session_id for v in visits]
    txns: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        for t in session.scalars(
            select(CounterTransaction)
            .where(CounterTransaction.session_id.in_(ids))
            .order_by(CounterTransaction.recorded_at)
        ):
            txns[t.session_id].append(row(t))
    return [row(v) | {"transactions": txns[v.session_id]} for v in visits]


def _audit(session: Session, customer_id: str) -> list[dict[str, Any]]:
    records = session.scalars(
        select(AuditRecord).where(AuditRecord.customer_id == customer_id).order_by(AuditRecord.seq)
    )
    return [{k: jsonable(getattr(r, k)) for k in _AUDIT_FIELDS} for r in records]


def month_history(warehouse: Warehouse, customer_id: str) -> list[dict[str, Any]]:
    """The customer's month-end AUM, loan balance (yuan) and tier, oldest first."""
    files = warehouse.paths(CUSTOMER_MONTH)
    if not files:
        return []
    table = ds.dataset(files, format="parquet").to_table(
        columns=["as_of", "aum", "loan_balance", "tier"],
        filter=ds.field("customer_id") == customer_id,
    )
    found = sorted(table.to_pylist(), key=lambda r: r["as_of"])
    return [{k: jsonable(v) for k, v in r.items()} for r in found]


def row(entity: Base) -> dict[str, Any]:
    """Every column of a stored row, JSON-ready."""
    return {c.key: jsonable(getattr(entity, c.key)) for c in entity.__mapper__.column_attrs}


def rows(entities: Iterable[Base]) -> list[dict[str, Any]]:
    return [row(e) for e in entities]


def jsonable(value: Any) -> Any:
    """Dates as ISO text, decimals as text (exact), the rest as is."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _counts(export: dict[str, Any]) -> dict[str, int]:
    return {k: len(v) for k, v in export.items() if isinstance(v, list)}


def _denied(session: Session, actor: Actor, customer_id: str, why: str) -> None:
    audit.record_now(
        session,
        actor,
        "customer.subject_export",
        entity="customer",
        entity_id=customer_id,
        customer_id=customer_id,
        outcome=audit.Outcome.DENIED,
        detail={"refused": why},
    )
