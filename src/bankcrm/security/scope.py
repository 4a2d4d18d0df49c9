"""Which customers an actor sees (data scope). Every customer query of the services starts from
``visible_customers``, so search, the 360 view, segments, campaigns and exports agree.

- a relationship manager: the customers assigned to them now, and the customers of the open
  campaign tasks given to them;
- a branch manager: the customers of their branch and every branch below it;
- an analyst: every customer (their lists are masked: see ``masking``);
- a teller, an auditor, an admin: none through the CRM (a teller reaches the customer they
  serve through the counter service only);
- the system's batch jobs: every customer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import Session

from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.errors import NotFound
from bankcrm.security.policy import Permission, authorize
from bankcrm.store.models import Assignment, Branch, Customer, Employee, Task


def branch_subtree(branch_id: str) -> Select[tuple[str]]:
    """The ids of a branch and every branch below it (a recursive query, any depth)."""
    tree = select(Branch.branch_id).where(Branch.branch_id == branch_id).cte(recursive=True)
    tree = tree.union_all(select(Branch.branch_id).where(Branch.parent_id == tree.c.branch_id))
    return select(tree.c.branch_id)


def visible_customers(actor: Actor) -> Select[Customer]:
    """A select of the customers ``actor`` may see."""
    return select(Customer).where(customer_filter(actor))


def customer_filter(actor: Actor) -> ColumnElement[bool]:
    """The condition on ``Customer`` that keeps the customers the actor may see."""
    if actor.unrestricted or actor.role is Role.ANALYST:
        return true()
    if actor.role is Role.BRANCH_MANAGER and actor.branch_id:
        return Customer.branch_id.in_(branch_subtree(actor.branch_id))
    if actor.role is Role.RELATIONSHIP_MANAGER and actor.employee_id:
        book = select(Assignment.customer_id).where(
            Assignment.employee_id == actor.employee_id, Assignment.end_on.is_(None)
        )
        campaign_tasks = select(Task.customer_id).where(
            Task.employee_id == actor.employee_id,
            Task.campaign_id.is_not(None),
            Task.status == "open",
        )
        return Customer.customer_id.in_(book.union(campaign_tasks))
    return false()


def visible_ids(actor: Actor) -> Select[str]:
    """The ids of the customers the actor may see, for ``IN`` filters on other tables."""
    return select(Customer.customer_id).where(customer_filter(actor))


def check_visible(session: Session, actor: Actor, customer_id: str) -> None:
    """NotFound unless the customer exists and the actor may see it."""
    found = session.scalar(
        select(Customer.customer_id).where(
            Customer.customer_id == customer_id, customer_filter(actor)
        )
    )
    if found is None:
        raise NotFound("customer", customer_id, field="customer_id")


def employee_in_scope(session: Session, actor: Actor, employee: Employee) -> bool:
    """Whether the actor manages this employee's work: a branch manager, the employees of their
    subtree; the system, everyone; nobody else manages anyone."""
    if actor.unrestricted:
        return True
    if actor.role is not Role.BRANCH_MANAGER or not actor.branch_id:
        return False
    return employee.branch_id in subtree_ids(session, actor.branch_id)


def subtree_ids(session: Session, branch_id: str) -> set[str]:
    """The branch and the branches below it (a branch network has hundreds, not millions)."""
    return set(session.scalars(branch_subtree(branch_id)))


def task_filter(actor: Actor) -> ColumnElement[bool]:
    """The tasks an actor sees: an RM, the tasks given to them; a branch manager, the tasks of
    their subtree (their team's, and the outlet queues)."""
    if actor.unrestricted:
        return true()
    if actor.role is Role.RELATIONSHIP_MANAGER and actor.employee_id:
        return Task.employee_id == actor.employee_id
    if actor.role is Role.BRANCH_MANAGER and actor.branch_id:
        return Task.branch_id.in_(branch_subtree(actor.branch_id))
    return false()


@dataclass(frozen=True)
class WarehouseScope:
    """The actor's scope for queries over the warehouse (segments, campaigns, analytics): a
    branch subtree (``branch_id``; None = every branch) and, for a book-based scope, the
    customer ids (None = no id filter)."""

    branch_id: str | None = None
    customer_ids: frozenset[str] | None = None


EVERYONE = WarehouseScope()


def warehouse_scope(session: Session, actor: Actor) -> WarehouseScope:
    """``visible_customers`` for the warehouse: a manager's subtree stays a branch filter (it
    may hold a million customers); an RM's book (thousands at most) becomes an id list."""
    if actor.unrestricted or actor.role is Role.ANALYST:
        return EVERYONE
    if actor.role is Role.BRANCH_MANAGER and actor.branch_id:
        return WarehouseScope(branch_id=actor.branch_id)
    ids = session.scalars(visible_customers(actor).with_only_columns(Customer.customer_id))
    return WarehouseScope(customer_ids=frozenset(ids))


def analytics_branch(session: Session, actor: Actor, requested: str | None) -> str | None:
    """The branch subtree an analysis, a diagnosis or a report covers (None: the whole bank).

    A branch manager's figures cover their own subtree: by default, or any branch within it;
    a branch outside it answers 404, as if it did not exist. An analyst (and the system)
    chooses freely. Other roles may not read analytics (403)."""
    authorize(actor, Permission.ANALYTICS)
    if actor.unrestricted or actor.role is Role.ANALYST:
        return requested
    if not actor.branch_id:  # a manager's login without a branch covers nothing
        raise NotFound("branch", requested or "(none)", field="branch_id")
    if requested is None:
        return actor.branch_id
    if requested not in subtree_ids(session, actor.branch_id):
        raise NotFound("branch", requested, field="branch_id")
    return requested
