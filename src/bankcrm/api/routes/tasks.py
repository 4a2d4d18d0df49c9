"""Tasks (任务): an RM's list (``?mine=true``), one task, and updates under optimistic locking.
Tasks are created by ``bankcrm tasks generate`` and by campaigns, not through the API."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from bankcrm.api.common import ActorDep, Page, PagingDep, SessionDep
from bankcrm.crm import tasks
from bankcrm.crm.tasks import STATUS_LABELS_ZH, TaskFilter, TaskStatus
from bankcrm.domain.task_rules import RULE_TITLES_ZH
from bankcrm.store.models import Task

router = APIRouter(prefix="/tasks", tags=["tasks"])
TaskId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class TaskOut(BaseModel):
    id: int
    rule: str
    rule_label_zh: str
    customer_id: str
    employee_id: str | None
    branch_id: str
    campaign_id: int | None
    title: str
    detail: dict[str, Any] | None
    created_on: date
    due_on: date
    status: TaskStatus
    status_label_zh: str
    outcome: str | None
    overdue: bool
    version: int


class TaskUpdate(BaseModel):
    """A change to a task; ``version`` is the one the client read (409 when stale)."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=2**31 - 1)
    status: TaskStatus | None = None
    outcome: str | None = Field(default=None, max_length=2000)
    due_on: date | None = None


def task_out(task: Task, today: date) -> TaskOut:
    return TaskOut(
        id=task.id,
        rule=task.rule,
        rule_label_zh=RULE_TITLES_ZH.get(task.rule, task.rule),
        customer_id=task.customer_id,
        employee_id=task.employee_id,
        branch_id=task.branch_id,
        campaign_id=task.campaign_id,
        title=task.title,
        detail=json.loads(task.detail) if task.detail else None,
        created_on=task.created_on,
        due_on=task.due_on,
        status=TaskStatus(task.status),
        status_label_zh=STATUS_LABELS_ZH[task.status],
        outcome=task.outcome,
        overdue=tasks.is_overdue(task, today),
        version=task.version,
    )


@router.get("", summary="Tasks: mine, an RM's, a branch's or a customer's; overdue ones")
def list_tasks(
    session: SessionDep,
    actor: ActorDep,
    paging: PagingDep,
    mine: bool = False,
    status: TaskStatus | None = None,
    employee_id: Annotated[str | None, Query(max_length=100)] = None,
    branch_id: Annotated[str | None, Query(max_length=100)] = None,
    customer_id: Annotated[str | None, Query(max_length=100)] = None,
    rule: Annotated[str | None, Query(max_length=40)] = None,
    overdue: Annotated[bool, Query(description="only open tasks past their due date")] = False,
) -> Page[TaskOut]:
    today = datetime.now(UTC).date()
    f = TaskFilter(
        mine=mine,
        employee_id=employee_id,
        branch_id=branch_id,
        customer_id=customer_id,
        status=status,
        rule=rule,
        overdue_on=today if overdue else None,
    )
    rows, total = tasks.list_tasks(session, actor, f, paging.offset, paging.page_size)
    return Page(
        items=[task_out(t, today) for t in rows],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/{task_id}", summary="One task")
def get_task(task_id: TaskId, session: SessionDep, actor: ActorDep) -> TaskOut:
    return task_out(tasks.get_task(session, actor, task_id), datetime.now(UTC).date())


@router.patch("/{task_id}", summary="Update a task: status, outcome, due date (409 when stale)")
def update_task(task_id: TaskId, body: TaskUpdate, session: SessionDep, actor: ActorDep) -> TaskOut:
    task = tasks.update_task(
        session, actor, task_id, body.version, body.status, body.outcome, body.due_on
    )
    return task_out(task, datetime.now(UTC).date())
