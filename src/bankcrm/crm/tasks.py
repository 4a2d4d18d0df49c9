"""The task lifecycle (任务): list an RM's tasks, update one (status, outcome, due date) under
optimistic locking, and overdue tracking.

A task is ``open`` until it is ``done`` or ``cancelled``; closing clears its ``open_key`` so
the rule may raise the customer again on a later day. A closed task is not reopened: the rule
raises a new one if the situation persists, which keeps the history honest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from bankcrm.crm.errors import BadRequest, NotFound, bump, check_version
from bankcrm.domain.actor import Actor
from bankcrm.security import audit
from bankcrm.security.changes import changes
from bankcrm.security.policy import Permission, authorize
from bankcrm.security.scope import task_filter
from bankcrm.store.models import Task


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


STATUS_LABELS_ZH = {"open": "待办", "done": "已完成", "cancelled": "已取消"}


@dataclass(frozen=True)
class TaskFilter:
    """Which tasks to list. ``mine``: the actor's own (needs an employee behind the login)."""

    mine: bool = False
    employee_id: str | None = None
    branch_id: str | None = None
    customer_id: str | None = None
    status: TaskStatus | None = None
    rule: str | None = None
    overdue_on: date | None = None  # only open tasks due before this day


def is_overdue(task: Task, today: date) -> bool:
    """Open and past its due date."""
    return task.status == TaskStatus.OPEN and task.due_on < today


def _where(actor: Actor, f: TaskFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.mine:
        if actor.employee_id is None:
            raise BadRequest("mine", "the acting user is not linked to an employee")
        conditions.append(Task.employee_id == actor.employee_id)
    for column, value in (
        (Task.employee_id, f.employee_id),
        (Task.branch_id, f.branch_id),
        (Task.customer_id, f.customer_id),
        (Task.status, f.status),
        (Task.rule, f.rule),
    ):
        if value is not None:
            conditions.append(column == value)
    if f.overdue_on is not None:
        conditions += [Task.status == TaskStatus.OPEN, Task.due_on < f.overdue_on]
    return conditions


def _visible(actor: Actor) -> Select[Task]:
    authorize(actor, Permission.TASKS)
    return select(Task).where(task_filter(actor))


def list_tasks(
    session: Session, actor: Actor, f: TaskFilter, offset: int = 0, limit: int = 20
) -> tuple[list[Task], int]:
    """A page of tasks (earliest due first) and the total count of the filtered list."""
    query = _visible(actor).where(*_where(actor, f))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(query.order_by(Task.due_on, Task.id).offset(offset).limit(limit))
    return list(page), total


def get_task(session: Session, actor: Actor, task_id: int) -> Task:
    task = session.scalars(_visible(actor).where(Task.id == task_id)).one_or_none()
    if task is None:
        raise NotFound("task", task_id)
    return task


def update_task(
    session: Session,
    actor: Actor,
    task_id: int,
    version: int,
    status: TaskStatus | None = None,
    outcome: str | None = None,
    due_on: date | None = None,
) -> Task:
    """Change a task; ``version`` must be the stored one (else 409, nothing written)."""
    task = get_task(session, actor, task_id)
    check_version(task, version)
    before = {"status": task.status, "outcome": task.outcome, "due_on": task.due_on}
    if task.status != TaskStatus.OPEN and (status == TaskStatus.OPEN or due_on is not None):
        raise BadRequest("status", f"the task is {task.status}: a closed task is not reopened")
    if due_on is not None:
        if due_on < task.created_on:
            raise BadRequest("due_on", "the due date is before the task was created")
        task.due_on = due_on
    if outcome is not None:
        task.outcome = outcome
    if status is not None and status != task.status:
        task.status = status
        if status != TaskStatus.OPEN:
            task.open_key = None  # frees the rule to raise this customer again later
            task.closed_at = datetime.now()
    bump(task)
    after = {"status": task.status, "outcome": task.outcome, "due_on": task.due_on}
    audit.record(
        session,
        actor,
        "task.update",
        entity="task",
        entity_id=task.id,
        customer_id=task.customer_id,
        detail=changes(before, after, ("outcome",)),
    )
    session.commit()
    return task


def open_counts(session: Session, actor: Actor, today: date) -> dict[str, int]:
    """Open and overdue tasks of the actor (the RM's workbench header)."""
    mine = TaskFilter(mine=True, status=TaskStatus.OPEN)
    _, open_total = list_tasks(session, actor, mine, limit=1)
    _, overdue = list_tasks(session, actor, TaskFilter(mine=True, overdue_on=today), limit=1)
    return {"open": open_total, "overdue": overdue}
