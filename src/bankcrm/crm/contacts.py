"""Contacts (联系记录): log a call, visit, message or branch meeting with its outcome, notes and
next step; the timeline per customer and per RM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bankcrm.crm.errors import BadRequest, bump, check_version
from bankcrm.crm.scope import get_customer, get_employee, get_of_customer, visible_customers
from bankcrm.domain.actor import Actor
from bankcrm.security import audit
from bankcrm.security.changes import changes
from bankcrm.security.policy import Permission, authorize
from bankcrm.store.models import Contact, Customer


class ContactChannel(StrEnum):
    CALL = "call"
    VISIT = "visit"
    MESSAGE = "message"
    BRANCH_MEETING = "branch_meeting"


class ContactOutcome(StrEnum):
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    INTERESTED = "interested"
    DECLINED = "declined"
    CONVERTED = "converted"
    COMPLAINT = "complaint"


LABELS_ZH: dict[str, str] = {
    "call": "电话",
    "visit": "上门拜访",
    "message": "短信/微信",
    "branch_meeting": "网点面谈",
    "reached": "已联系上",
    "not_reached": "未联系上",
    "interested": "有意向",
    "declined": "明确拒绝",
    "converted": "已成交",
    "complaint": "客户投诉",
}


@dataclass(frozen=True)
class ContactInput:
    """A contact to log (or the new content of one)."""

    channel: ContactChannel
    outcome: ContactOutcome
    occurred_at: datetime
    notes: str | None = None
    next_step: str | None = None
    next_step_on: date | None = None
    campaign_id: int | None = None


_SKEW = timedelta(days=1)  # the client's clock and time zone may differ from the server's


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _check(data: ContactInput) -> None:
    if data.occurred_at > _now() + _SKEW:
        raise BadRequest("occurred_at", "a contact cannot be logged in the future")
    if data.next_step_on is not None and data.next_step_on < data.occurred_at.date():
        raise BadRequest("next_step_on", "the next step cannot be before the contact")


def log_contact(session: Session, actor: Actor, customer_id: str, data: ContactInput) -> Contact:
    """Record a contact by the actor (their employee id, if they have one) with a customer."""
    authorize(actor, Permission.CUSTOMER_WRITE)
    get_customer(session, actor, customer_id)
    _check(data)
    if actor.employee_id is not None:
        get_employee(session, actor.employee_id, "actor.employee_id")
    contact = Contact(
        customer_id=customer_id,
        employee_id=actor.employee_id,
        channel=data.channel.value,
        occurred_at=data.occurred_at,
        outcome=data.outcome.value,
        notes=data.notes,
        next_step=data.next_step,
        next_step_on=data.next_step_on,
        campaign_id=data.campaign_id,
        created_by=actor.username,
        created_at=_now(),
        version=1,
    )
    session.add(contact)
    session.flush()
    audit.record(
        session,
        actor,
        "contact.create",
        entity="contact",
        entity_id=contact.id,
        customer_id=customer_id,
        detail=changes({}, _fields(contact), _FREE_TEXT),
    )
    session.commit()
    return contact


_FREE_TEXT = ("notes", "next_step")


def _fields(contact: Contact) -> dict[str, object]:
    """What the audit trail keeps of a contact: the facts, and only whether text was written."""
    return {
        "channel": contact.channel,
        "outcome": contact.outcome,
        "occurred_at": contact.occurred_at,
        "next_step_on": contact.next_step_on,
        "campaign_id": contact.campaign_id,
        "notes": contact.notes,
        "next_step": contact.next_step,
    }


def get_contact(session: Session, actor: Actor, contact_id: int) -> Contact:
    authorize(actor, Permission.CUSTOMER_VIEW)
    return get_of_customer(session, actor, Contact, contact_id, "contact")


def update_contact(
    session: Session, actor: Actor, contact_id: int, version: int, data: ContactInput
) -> Contact:
    """Correct a logged contact; ``version`` must be the one the editor read (else 409)."""
    authorize(actor, Permission.CUSTOMER_WRITE)
    contact = get_contact(session, actor, contact_id)
    check_version(contact, version)
    _check(data)
    before = _fields(contact)
    contact.channel = data.channel.value
    contact.outcome = data.outcome.value
    contact.occurred_at = data.occurred_at
    contact.notes = data.notes
    contact.next_step = data.next_step
    contact.next_step_on = data.next_step_on
    contact.campaign_id = data.campaign_id
    bump(contact)
    audit.record(
        session,
        actor,
        "contact.update",
        entity="contact",
        entity_id=contact.id,
        customer_id=contact.customer_id,
        detail=changes(before, _fields(contact), _FREE_TEXT),
    )
    session.commit()
    return contact


def customer_timeline(
    session: Session, actor: Actor, customer_id: str, offset: int = 0, limit: int = 20
) -> tuple[list[Contact], int]:
    """A customer's contacts, latest first, and their count."""
    authorize(actor, Permission.CUSTOMER_VIEW)
    get_customer(session, actor, customer_id)
    return _page(session, Contact.customer_id == customer_id, offset, limit)


def employee_timeline(
    session: Session, actor: Actor, employee_id: str, offset: int = 0, limit: int = 20
) -> tuple[list[Contact], int]:
    """An RM's contacts with the customers the actor may see, latest first, and their count."""
    authorize(actor, Permission.CUSTOMER_VIEW)
    get_employee(session, employee_id)
    visible = visible_customers(actor).with_only_columns(Customer.customer_id)
    condition = (Contact.employee_id == employee_id) & Contact.customer_id.in_(visible)
    return _page(session, condition, offset, limit)


def _page(
    session: Session, condition: ColumnElement[bool], offset: int, limit: int
) -> tuple[list[Contact], int]:
    total = session.scalar(select(func.count()).select_from(Contact).where(condition)) or 0
    rows = session.scalars(
        select(Contact)
        .where(condition)
        .order_by(Contact.occurred_at.desc(), Contact.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total
