"""``bankcrm tasks generate``: run every task rule at a date and create the tasks, each for the
customer's RM, or for the outlet manager's queue when the customer has no RM.

Idempotent on SQLite and PostgreSQL alike: tasks are inserted with ON CONFLICT DO NOTHING
against two unique keys (see ``store.models.Task``), so a customer never has two open tasks of
one rule and a second run on the same day creates nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Insert, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bankcrm.analytics.base import Tables
from bankcrm.crm.segments_frame import month_end, store_facts
from bankcrm.crm.tasks_rules_eval import RULES, RuleInput, fired
from bankcrm.domain.actor import Actor
from bankcrm.domain.enums import EmployeeRole
from bankcrm.domain.task_rules import RULE_TITLES_ZH, TaskRuleSettings
from bankcrm.domain.tiers import TierLadder
from bankcrm.security.policy import Permission, authorize
from bankcrm.store.models import Contact, Employee, Task

INSERT_CHUNK = 20_000  # rows per statement: bounded memory on a million customers


@dataclass
class GenerateReport:
    """What a run did: per rule, customers the rule fired for and tasks newly created."""

    as_of: date
    month_end: date
    fired: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)


def insert_ignoring_duplicates(session: Session) -> Insert:
    """``INSERT INTO tasks … ON CONFLICT DO NOTHING`` in the store's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(Task).on_conflict_do_nothing()
    return sqlite.insert(Task).on_conflict_do_nothing()


def outlet_managers(session: Session, as_of: date) -> pd.DataFrame:
    """[branch_id, manager_id]: one branch manager per outlet still employed at ``as_of`` (the
    first by employee id, so the choice is stable)."""
    still = or_(Employee.left_on.is_(None), Employee.left_on > as_of)
    query = (
        select(Employee.branch_id, func.min(Employee.employee_id).label("manager_id"))
        .where(Employee.role == EmployeeRole.BRANCH_MANAGER.value, still)
        .group_by(Employee.branch_id)
    )
    return pd.read_sql(query, session.get_bind())


def route(hits: pd.DataFrame, rm: pd.DataFrame, managers: pd.DataFrame) -> pd.Series:
    """The employee each hit goes to: the customer's RM, else the outlet manager, else None
    (the outlet's queue)."""
    routed = hits[["customer_id", "branch_id"]].merge(rm, on="customer_id", how="left")
    routed = routed.merge(managers, on="branch_id", how="left")
    chosen = routed["employee_id"].fillna(routed["manager_id"])
    return chosen.astype(object).where(chosen.notna(), None)


def task_rows(
    name: str, hits: pd.DataFrame, employees: pd.Series, as_of: date, due_days: int
) -> list[dict[str, Any]]:
    """The task rows for one rule's hits (column-wise, no loop per customer)."""
    if hits.empty:
        return []
    evidence = hits.drop(columns=["customer_id", "branch_id"])
    details = (
        evidence.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
        .strip()
        .split("\n")
        if len(evidence.columns)
        else [None] * len(hits)
    )
    ids = hits["customer_id"].astype(str)
    rows = pd.DataFrame(
        {
            "rule": name,
            "customer_id": ids.to_numpy(),
            "employee_id": employees.to_numpy(),
            "branch_id": hits["branch_id"].to_numpy(),
            "title": RULE_TITLES_ZH[name],
            "detail": details,
            "created_on": as_of,
            "due_on": as_of + timedelta(days=due_days),
            "status": "open",
            "open_key": (name + ":" + ids).to_numpy(),
            "run_key": (name + ":" + ids + ":" + as_of.isoformat()).to_numpy(),
            "version": 1,
        }
    )
    # None, not NaN, for "no employee": NaN would reach the database as a value.
    records: list[dict[str, Any]] = rows.astype(object).where(rows.notna(), None).to_dict("records")
    return records


def generate_tasks(
    session: Session,
    actor: Actor,
    tables: Tables,
    as_of: date,
    settings: TaskRuleSettings | None = None,
    ladder: TierLadder | None = None,
    on_rule: Callable[[str], None] | None = None,
) -> GenerateReport:
    """Run every enabled rule at ``as_of`` and create the tasks; ``on_rule(name)`` is called
    after each rule (a progress bar). Commits once at the end."""
    authorize(actor, Permission.CAMPAIGN_MANAGE)  # batch work: the system, or a manager
    settings = settings or TaskRuleSettings()
    d = month_end(tables, as_of)
    months = tables.customer_month.filter(tables.customer_month.as_of < d)
    previous = months.as_of.max().to_pyarrow().as_py()
    facts = store_facts(session, d)
    last_contact = pd.read_sql(
        select(Contact.customer_id, func.max(Contact.occurred_at).label("last_contact_at"))
        .where(
            Contact.occurred_at < datetime(as_of.year, as_of.month, as_of.day) + timedelta(days=1)
        )
        .group_by(Contact.customer_id),
        session.get_bind(),
    )
    inputs = RuleInput(
        tables, as_of, d, previous, ladder or TierLadder(), facts, last_contact, settings
    )
    managers = outlet_managers(session, as_of)
    report = GenerateReport(as_of=as_of, month_end=d)
    statement = insert_ignoring_duplicates(session)
    for name in RULES:  # eight rules, each one query over every customer
        hits = fired(inputs, name)
        report.fired[name] = len(hits)
        before = _count(session, name)
        rows = task_rows(
            name, hits, route(hits, facts.rm, managers), as_of, getattr(settings, name).due_days
        )
        for start in range(0, len(rows), INSERT_CHUNK):
            session.execute(statement, rows[start : start + INSERT_CHUNK])
        report.created[name] = _count(session, name) - before
        if on_rule is not None:
            on_rule(name)
    session.commit()
    return report


def _count(session: Session, rule: str) -> int:
    return session.scalar(select(func.count()).select_from(Task).where(Task.rule == rule)) or 0
