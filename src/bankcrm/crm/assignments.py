"""Assignments (管户): assign and reassign customers to RMs with history, bulk handover of an
RM's whole book (离职移交) with a preview and an audit record, and the workload per RM.

The ``assignments`` table is the history (one row per period, ``end_on`` null while current);
``assignment_events`` records who changed what in the CRM, ``handovers`` each bulk handover."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.orm import Session

from bankcrm.crm.errors import BadRequest, NotFound
from bankcrm.crm.scope import get_customer, get_employee, visible_customers
from bankcrm.domain.actor import Actor
from bankcrm.domain.enums import EmployeeRole
from bankcrm.security import audit
from bankcrm.security.policy import Permission, authorize
from bankcrm.security.scope import employee_in_scope
from bankcrm.store.models import (
    Assignment,
    AssignmentEvent,
    Customer,
    CustomerSummary,
    Employee,
    Handover,
)


@dataclass(frozen=True)
class AssignmentPeriod:
    employee_id: str
    employee_name: str
    start_on: date
    end_on: date | None


@dataclass(frozen=True)
class HandoverPreview:
    """What a handover would move: the customers and their AUM (fen) at the latest month-end."""

    from_employee_id: str
    to_employee_id: str
    customer_ids: list[str]
    aum_fen: int


@dataclass(frozen=True)
class WorkloadRow:
    """One RM's book in one tier: customer count and AUM (fen)."""

    employee_id: str
    employee_name: str
    tier: str | None
    customers: int
    aum_fen: int


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def history(session: Session, actor: Actor, customer_id: str) -> list[AssignmentPeriod]:
    """A customer's RMs, oldest first."""
    authorize(actor, Permission.CUSTOMER_VIEW)
    get_customer(session, actor, customer_id)
    rows = session.execute(
        select(Assignment, Employee.name)
        .join(Employee, Employee.employee_id == Assignment.employee_id)
        .where(Assignment.customer_id == customer_id)
        .order_by(Assignment.start_on)
    ).all()
    return [AssignmentPeriod(a.employee_id, name, a.start_on, a.end_on) for a, name in rows]


def _check_rm(session: Session, actor: Actor, employee_id: str, on: date, field: str) -> Employee:
    employee = get_employee(session, employee_id, field)
    if not employee_in_scope(session, actor, employee):
        raise BadRequest(field, f"employee {employee_id} does not work in your branch")
    if employee.role != EmployeeRole.RELATIONSHIP_MANAGER:
        raise BadRequest(field, f"employee {employee_id} is a {employee.role}, not an RM")
    if employee.left_on is not None and employee.left_on <= on:
        raise BadRequest(field, f"employee {employee_id} left on {employee.left_on}")
    return employee


def assign(
    session: Session,
    actor: Actor,
    customer_id: str,
    employee_id: str,
    on: date,
    note: str | None = None,
) -> AssignmentPeriod:
    """Make ``employee_id`` the customer's RM from ``on``; the previous period ends that day."""
    authorize(actor, Permission.ASSIGN)
    get_customer(session, actor, customer_id)
    rm = _check_rm(session, actor, employee_id, on, "employee_id")
    current = _current(session, [customer_id])
    previous = current.get(customer_id)
    if previous is not None and previous.employee_id == employee_id:
        raise BadRequest("employee_id", f"{employee_id} is already the customer's RM")
    if previous is not None and previous.start_on > on:
        raise BadRequest("on", f"the current assignment starts later, on {previous.start_on}")
    _move(session, actor, [customer_id], current, employee_id, on, note, handover_id=None)
    audit.record(
        session,
        actor,
        "assignment.assign",
        entity="assignment",
        entity_id=customer_id,
        customer_id=customer_id,
        detail={
            "before": previous.employee_id if previous else None,
            "after": employee_id,
            "on": on,
            "note": note,
        },
    )
    session.commit()
    return AssignmentPeriod(employee_id, rm.name, on, None)


def preview_handover(
    session: Session, actor: Actor, from_employee_id: str, to_employee_id: str, on: date
) -> HandoverPreview:
    """The customers an RM currently looks after and their AUM, before a handover."""
    authorize(actor, Permission.ASSIGN)
    if not employee_in_scope(
        session, actor, get_employee(session, from_employee_id, "from_employee_id")
    ):
        raise NotFound("employee", from_employee_id, field="from_employee_id")
    _check_rm(session, actor, to_employee_id, on, "to_employee_id")
    if from_employee_id == to_employee_id:
        raise BadRequest("to_employee_id", "an RM cannot hand over to themselves")
    book = (
        visible_customers(actor)
        .with_only_columns(Customer.customer_id, func.coalesce(CustomerSummary.aum_fen, 0))
        .select_from(Customer)
        .join(Assignment, Assignment.customer_id == Customer.customer_id)
        .outerjoin(CustomerSummary, CustomerSummary.customer_id == Customer.customer_id)
        .where(Assignment.employee_id == from_employee_id, Assignment.end_on.is_(None))
        .order_by(Customer.customer_id)
    )
    rows = session.execute(book).all()
    return HandoverPreview(
        from_employee_id, to_employee_id, [r[0] for r in rows], sum(r[1] for r in rows)
    )


def handover(
    session: Session,
    actor: Actor,
    from_employee_id: str,
    to_employee_id: str,
    on: date,
    reason: str | None = None,
) -> tuple[int, HandoverPreview]:
    """Move an RM's whole current book to another RM from ``on``, in one transaction, with a
    ``handovers`` audit record; its id and what was moved."""
    preview = preview_handover(session, actor, from_employee_id, to_employee_id, on)
    if not preview.customer_ids:
        raise BadRequest("from_employee_id", f"{from_employee_id} has no customers to hand over")
    current = _current(session, preview.customer_ids)
    late = [c for c, period in current.items() if period.start_on > on]
    if late:
        raise BadRequest("on", f"{len(late)} assignments start after {on}, e.g. {late[0]}")
    record = Handover(
        from_employee_id=from_employee_id,
        to_employee_id=to_employee_id,
        effective_on=on,
        customers=len(preview.customer_ids),
        aum_fen=preview.aum_fen,
        reason=reason,
        actor=actor.username,
        created_at=_now(),
    )
    session.add(record)
    session.flush()
    _move(session, actor, preview.customer_ids, current, to_employee_id, on, reason, record.id)
    audit.record(
        session,
        actor,
        "assignment.handover",
        entity="handover",
        entity_id=record.id,
        detail={
            "from_employee_id": from_employee_id,
            "to_employee_id": to_employee_id,
            "effective_on": on,
            "customers": len(preview.customer_ids),
            "reason": reason,
        },
    )
    session.commit()
    return record.id, preview


def _current(session: Session, customer_ids: list[str]) -> dict[str, Assignment]:
    rows = session.scalars(
        select(Assignment)
        .where(Assignment.customer_id.in_(customer_ids), Assignment.end_on.is_(None))
        .order_by(Assignment.start_on)
    ).all()
    return {a.customer_id: a for a in rows}


def _move(
    session: Session,
    actor: Actor,
    customer_ids: list[str],
    current: dict[str, Assignment],
    to_employee_id: str,
    on: date,
    note: str | None,
    handover_id: int | None,
) -> None:
    """End the current periods on ``on`` and open new ones — set-wise, not per customer. A
    period that started the same day is re-pointed instead (the key is customer + start), the
    change still recorded in ``assignment_events``."""
    same_day = [c for c in customer_ids if c in current and current[c].start_on == on]
    ending = [c for c in customer_ids if c in current and current[c].start_on < on]
    opening = [c for c in customer_ids if c not in same_day]
    if ending:
        session.execute(
            update(Assignment)
            .where(
                Assignment.customer_id.in_(ending),
                Assignment.end_on.is_(None),
                Assignment.start_on < on,
            )
            .values(end_on=on)
        )
    if same_day:
        session.execute(
            update(Assignment)
            .where(
                and_(Assignment.customer_id.in_(same_day), Assignment.start_on == on),
            )
            .values(employee_id=to_employee_id, end_on=None)
        )
    if opening:
        session.execute(
            insert(Assignment),
            [{"customer_id": c, "start_on": on, "employee_id": to_employee_id} for c in opening],
        )
    kind = "handover" if handover_id else ("reassign" if current else "assign")
    created = _now()
    session.execute(
        insert(AssignmentEvent),
        [
            {
                "customer_id": c,
                "from_employee_id": current[c].employee_id if c in current else None,
                "to_employee_id": to_employee_id,
                "effective_on": on,
                "kind": kind,
                "handover_id": handover_id,
                "note": note,
                "actor": actor.username,
                "created_at": created,
            }
            for c in customer_ids
        ],
    )


def workload(session: Session, actor: Actor, branch_id: str | None = None) -> list[WorkloadRow]:
    """Customers and AUM per RM and tier (tier None: no month-end figures yet), by RM."""
    authorize(actor, Permission.ASSIGN)
    stmt = (
        visible_customers(actor)
        .with_only_columns(
            Employee.employee_id,
            Employee.name,
            CustomerSummary.tier,
            func.count(),
            func.coalesce(func.sum(CustomerSummary.aum_fen), 0),
        )
        .select_from(Customer)
        .join(Assignment, Assignment.customer_id == Customer.customer_id)
        .join(Employee, Employee.employee_id == Assignment.employee_id)
        .outerjoin(CustomerSummary, CustomerSummary.customer_id == Customer.customer_id)
        .where(Assignment.end_on.is_(None))
        .group_by(Employee.employee_id, Employee.name, CustomerSummary.tier)
        .order_by(Employee.employee_id, CustomerSummary.tier)
    )
    if branch_id is not None:
        stmt = stmt.where(Employee.branch_id == branch_id)
    return [WorkloadRow(e, n, t, int(c), int(a)) for e, n, t, c, a in session.execute(stmt)]
