"""Task generation over the hand-made outlets (tests/crm/test_tasks_branch.py): which rule fires
for whom, the edges of each rule's parameter, routing to the RM or the outlet manager, and
idempotence; then the lifecycle with optimistic locking. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bankcrm.crm.errors import BadRequest, Conflict
from bankcrm.crm.tasks import TaskFilter, TaskStatus, is_overdue, list_tasks, update_task
from bankcrm.crm.tasks_generate import generate_tasks
from bankcrm.domain.actor import SYSTEM, Actor, Role
from bankcrm.domain.task_rules import TaskRuleSettings
from bankcrm.store.models import Task
from tests.crm.test_tasks_branch import AS_OF, Branch, load_branch


@pytest.fixture
def branch(store: Engine, tmp_path: Path) -> Branch:
    return load_branch(store, tmp_path)


# Read off the table of the branch's docstring.
EXPECTED = {
    "maturity": {"C01"},  # TD on day 30; C02's on day 31 is just outside
    "large_outflow": {"C04", "C07"},  # 37.5% of AUM; exactly 50万. C05's 60万 was on day 8
    "third_party_spike": {"C02"},  # 30 000 in 30 days against 2 000 in the 180 before
    "downgrade_risk": {"C08"},  # 54 000 < 55 000 and falling
    "churn_risk": {"C03"},  # 0.80; C06's 0.69 is under 0.7
    "no_contact": {"C02", "C07"},  # never; 121 days. C05 was called 60 days before
    "dormant_value": {"C01", "C08"},  # gold, no customer-initiated transaction
    "birthday": {"C01", "C04", "C05"},  # 07-03, 06-30 (today), 07-05; C08's 07-08 is day 8
}
ROUTE = {"C01": "R1", "C02": "R2", "C03": "M1", "C04": "M1", "C05": "R3", "C06": None}
ROUTE |= {"C07": "R1", "C08": "M1"}


def tasks_by_rule(b: Branch) -> dict[str, set[str]]:
    with b.session() as s:
        rows = s.execute(select(Task.rule, Task.customer_id)).all()
    found: dict[str, set[str]] = {}
    for rule, customer in rows:
        found.setdefault(rule, set()).add(customer)
    return found


def generate(
    b: Branch, as_of: date = AS_OF, settings: TaskRuleSettings | None = None
) -> dict[str, int]:
    with b.session() as s:
        return generate_tasks(s, SYSTEM, b.tables, as_of, settings).created


def test_each_rule_fires_for_the_customers_of_the_table(branch: Branch) -> None:
    created = generate(branch)
    assert tasks_by_rule(branch) == EXPECTED
    assert created == {rule: len(ids) for rule, ids in EXPECTED.items()}


def test_tasks_go_to_the_rm_or_the_outlet_manager_and_are_due_per_rule(branch: Branch) -> None:
    generate(branch)
    with branch.session() as s:
        tasks = s.scalars(select(Task)).all()
    assert {t.customer_id: t.employee_id for t in tasks} == {
        c: ROUTE[c] for c in set().union(*EXPECTED.values())
    }
    # C06 fires nothing here; C03 (no RM) goes to M1, the manager of O1.
    defaults = TaskRuleSettings()
    for t in tasks:
        assert t.due_on == AS_OF + timedelta(days=getattr(defaults, t.rule).due_days)
        assert t.status == "open"
        assert t.title


def test_an_outlet_without_rm_or_manager_gets_a_queue_task(branch: Branch) -> None:
    only = {name: {"enabled": name == "churn_risk"} for name in EXPECTED}
    only["churn_risk"]["min_score"] = 0.69
    generate(branch, settings=TaskRuleSettings.model_validate(only))
    with branch.session() as s:
        queued = s.scalars(select(Task).where(Task.customer_id == "C06")).one()
    # C06 has no RM and O2 has no manager: the task waits in O2's queue.
    assert (queued.employee_id, queued.branch_id) == (None, "O2")


def test_a_rerun_the_same_day_creates_nothing_even_after_a_task_is_closed(branch: Branch) -> None:
    generate(branch)
    with branch.session() as s:
        task = s.scalars(select(Task).where(Task.rule == "maturity")).one()
        update_task(s, SYSTEM, task.id, task.version, status=TaskStatus.DONE)
    assert set(generate(branch).values()) == {0}
    total = sum(len(ids) for ids in EXPECTED.values())
    with branch.session() as s:
        assert len(s.scalars(select(Task)).all()) == total
    # The next day the closed maturity task may be raised again; open ones never twice.
    created = generate(branch, AS_OF + timedelta(days=1))
    # C01 (closed, now day 29) is raised again, and C02's TD is now on day 30.
    assert created["maturity"] == 2
    assert created["no_contact"] == 0
    assert created["dormant_value"] == 0


@pytest.mark.parametrize(
    ("rule", "change", "customers"),
    [
        ("maturity", {"days": 31}, {"C01", "C02"}),  # day 31 now inside
        ("maturity", {"days": 29}, set()),  # day 30 now outside
        ("large_outflow", {"window_days": 8}, {"C04", "C05", "C07"}),  # 06-23 inside
        ("large_outflow", {"aum_share": 0.38}, {"C07"}),  # 37.5% < 38%
        # C07's 50万 is 71.4% of its 70万: above the amount edge only the share can fire.
        ("large_outflow", {"amount_yuan": Decimal("500000.01"), "aum_share": 0.72}, set()),
        ("large_outflow", {"amount_yuan": Decimal("500000.01"), "aum_share": 0.71}, {"C07"}),
        ("downgrade_risk", {"margin": 0.07}, set()),  # 54 000 ≥ 53 500
        ("churn_risk", {"min_score": 0.69}, {"C03", "C06"}),
        # C05 was called 60 days before: 60 days without contact fires, 61 does not.
        ("no_contact", {"days": 61}, {"C02", "C07"}),
        ("no_contact", {"days": 60}, {"C02", "C05", "C07"}),
        ("birthday", {"days": 8}, {"C01", "C04", "C05", "C08"}),
        ("third_party_spike", {"min_yuan": Decimal(30_001)}, set()),
        ("dormant_value", {"min_tier": "standard"}, {"C01", "C03", "C06", "C08"}),
    ],
)
def test_rule_parameters_at_their_edges(
    branch: Branch, rule: str, change: dict[str, object], customers: set[str]
) -> None:
    only = {name: {"enabled": name == rule} | (change if name == rule else {}) for name in EXPECTED}
    generate(branch, settings=TaskRuleSettings.model_validate(only))
    assert tasks_by_rule(branch).get(rule, set()) == customers
    assert set(tasks_by_rule(branch)) <= {rule}


def test_lifecycle_with_optimistic_locking(branch: Branch) -> None:
    generate(branch)
    rm = Actor("r1", Role.RELATIONSHIP_MANAGER, employee_id="R1")
    with branch.session() as s:
        mine, total = list_tasks(s, rm, TaskFilter(mine=True))
        # R1 holds C01 (maturity, dormant_value, birthday) and C07 (large_outflow, no_contact).
        assert total == 5
        assert {t.customer_id for t in mine} == {"C01", "C07"}
        task = mine[0]
        updated = update_task(s, rm, task.id, task.version, outcome="客户已续存")
        assert updated.version == 2
        with pytest.raises(Conflict) as stale:
            update_task(s, rm, task.id, 1, status=TaskStatus.DONE)
        assert stale.value.field == "version"
        s.refresh(task)
        assert task.status == "open"
        assert task.outcome == "客户已续存"
        done = update_task(s, rm, task.id, 2, status=TaskStatus.DONE)
        assert done.open_key is None
        assert done.closed_at is not None
        with pytest.raises(BadRequest, match="not reopened"):
            update_task(s, rm, task.id, 3, status=TaskStatus.OPEN)
        overdue, count = list_tasks(
            s, rm, TaskFilter(mine=True, overdue_on=AS_OF + timedelta(days=3))
        )
        # Due 2 days after: large_outflow (C07); birthday is due after 1 day (C01) unless done.
        assert all(is_overdue(t, AS_OF + timedelta(days=3)) for t in overdue)
        assert count == len(overdue) >= 1
    with pytest.raises(BadRequest) as unlinked, branch.session() as s:
        list_tasks(s, SYSTEM, TaskFilter(mine=True))
    assert unlinked.value.field == "mine"
