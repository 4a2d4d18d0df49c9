"""The dashboard's figures, from the services, in a worker thread: a manager's (or an analyst's)
headline of their scope at the last two year-ends, the diagnosis, the team's tasks; an RM's
book and tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bankcrm.analytics.base import Tables, scope_of, year_ends
from bankcrm.analytics.structure import structure_at_dates
from bankcrm.crm import contacts, segments, tasks
from bankcrm.crm.segments_rules import parse_rule
from bankcrm.crm.tasks import TaskFilter, TaskStatus
from bankcrm.domain.actor import Actor
from bankcrm.reports import scoped
from bankcrm.security.scope import analytics_branch
from bankcrm.warehouse.engines import connect
from bankcrm.web.runtime import runtime

COVERAGE_DAYS = 90  # a quarter: the service standard for the better tiers (docs: no_contact rule)
CONTACT_PAGE = 200
EVERY_CUSTOMER = parse_rule({"field": "customer_id", "op": "is_null", "value": False})


def today() -> date:
    """The day tasks are due and overdue against: the API's (``datetime.now(UTC)``)."""
    return datetime.now(UTC).date()


def _tables() -> Tables:
    return Tables.load(connect("duckdb"), runtime().warehouse)


@dataclass(frozen=True)
class Headline:
    as_of: date
    customers: int
    aum: Decimal  # yuan
    tiers: dict[str, int]
    previous: date | None
    previous_customers: int | None
    previous_aum: Decimal | None


def headline(actor: Actor) -> Headline | None:
    """Customers, AUM and tier mix of the actor's analytics scope at the last year-end, and the
    year before (None when the warehouse has no month-end). One aggregate query."""
    t = _tables()
    with runtime().sessions() as session:
        branch = analytics_branch(session, actor, None)
    ends = year_ends(t)
    if not ends:
        return None
    dates = [ends[y] for y in sorted(ends)[-2:]]
    rows = structure_at_dates(t, dates, "tier", scope_of(t, branch)).to_pyarrow().to_pylist()
    per: dict[date, tuple[int, Decimal]] = {}
    tiers: dict[str, int] = {}
    for r in rows:  # five tiers × two dates
        n, aum = per.get(r["as_of"], (0, Decimal(0)))
        per[r["as_of"]] = (n + int(r["customers"]), aum + Decimal(str(r["aum"] or 0)))
        if r["as_of"] == dates[-1]:
            tiers[str(r["tier"])] = int(r["customers"])
    last = per.get(dates[-1], (0, Decimal(0)))
    before = per.get(dates[0]) if len(dates) == 2 else None
    return Headline(
        dates[-1], last[0], last[1], tiers,
        dates[0] if before else None,
        before[0] if before else None,
        before[1] if before else None,
    )  # fmt: skip


def diagnosis(actor: Actor) -> list[dict[str, Any]]:
    rt = runtime()
    with rt.sessions() as session:
        found: list[dict[str, Any]] = scoped.diagnosis(
            session, actor, _tables(), rt.settings.diagnosis
        )["findings"]
        return found


def team_tasks(actor: Actor, today: date) -> dict[str, int]:
    """The tasks the actor sees (a manager: their subtree's) by status, and the overdue."""
    with runtime().sessions() as session:
        counts = {
            s.value: tasks.list_tasks(session, actor, TaskFilter(status=s), limit=1)[1]
            for s in TaskStatus
        }
        counts["overdue"] = tasks.list_tasks(session, actor, TaskFilter(overdue_on=today), limit=1)[
            1
        ]
        return counts


@dataclass(frozen=True)
class Book:
    as_of: date
    customers: int
    aum: Decimal
    tiers: dict[str, int]
    open: int
    overdue: int
    due_today: int
    contacted: int  # customers of the book contacted by the RM within COVERAGE_DAYS


def book(actor: Actor, today: date) -> Book:
    """An RM's book (the customers they see) and their tasks."""
    with runtime().sessions() as session:
        p = segments.preview(session, actor, _tables(), EVERY_CUSTOMER)
        counts = tasks.open_counts(session, actor, today)
        _, by_tomorrow = tasks.list_tasks(
            session, actor, TaskFilter(mine=True, overdue_on=today + timedelta(days=1)), limit=1
        )
        contacted = _contacted(session, actor, today - timedelta(days=COVERAGE_DAYS))
    return Book(p.as_of, p.customers, p.aum, p.by_tier, counts["open"], counts["overdue"],
                by_tomorrow - counts["overdue"], contacted)  # fmt: skip


def _contacted(session: Session, actor: Actor, since: date) -> int:
    """How many of the customers the RM sees they contacted on or after ``since``: their
    contact timeline, newest first, read a page at a time until it is older than that."""
    if actor.employee_id is None:
        return 0
    start = datetime.combine(since, time())
    seen: set[str] = set()
    offset = 0
    while True:  # pages of contacts (a quarter of one RM's), not customers
        rows, _ = contacts.employee_timeline(session, actor, actor.employee_id, offset,
                                             CONTACT_PAGE)  # fmt: skip
        recent = [c.customer_id for c in rows if c.occurred_at >= start]
        seen.update(recent)
        if len(recent) < len(rows) or len(rows) < CONTACT_PAGE:
            return len(seen)
        offset += CONTACT_PAGE
