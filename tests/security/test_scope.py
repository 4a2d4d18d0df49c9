"""Data scope in the services, on the synthetic branch: who sees which customers and tasks,
checked against sets computed independently from the extract with pandas."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from bankcrm.crm import contacts, needs
from bankcrm.crm.customer360 import customer_360
from bankcrm.crm.scope import get_customer
from bankcrm.crm.search import SearchQuery, search
from bankcrm.crm.tasks import TaskFilter, list_tasks
from bankcrm.domain.actor import SYSTEM, Actor, Role
from bankcrm.domain.errors import Forbidden, NotFound
from bankcrm.security.policy import ROLE_PERMISSIONS, Permission, allowed
from bankcrm.security.scope import analytics_branch, subtree_ids, visible_customers
from bankcrm.store.models import Campaign, Customer, Task
from tests.crm.branch import CrmStore


def _csv(crm: CrmStore, name: str) -> pd.DataFrame:
    return pd.read_csv(crm.extract / f"{name}.csv", dtype=str)


def _visible(crm: CrmStore, actor: Actor) -> set[str]:
    with crm.sessions() as s:
        return set(s.scalars(visible_customers(actor).with_only_columns(Customer.customer_id)))


def _books(crm: CrmStore) -> pd.Series:
    """Each RM's current book from the extract: assignments without an end."""
    a = _csv(crm, "assignments")
    current = a[a["end_on"].isna()]
    return current.groupby("employee_id")["customer_id"].apply(set)


def _subtree(branches: pd.DataFrame, root: str) -> set[str]:
    """A branch and its descendants, walked level by level (an independent computation)."""
    found, frontier = {root}, {root}
    while frontier:
        frontier = set(branches.loc[branches["parent_id"].isin(frontier), "branch_id"]) - found
        found |= frontier
    return found


def test_an_rm_sees_exactly_their_current_book(crm: CrmStore) -> None:
    books = _books(crm)
    rm, book = books.index[0], books.iloc[0]
    other = next(c for b in books.iloc[1:] for c in b if c not in book)
    actor = Actor("rm", Role.RELATIONSHIP_MANAGER, employee_id=rm)
    assert _visible(crm, actor) == book
    with crm.sessions() as s:
        assert get_customer(s, actor, next(iter(book))).customer_id in book
        with pytest.raises(NotFound):  # another RM's customer: as if it did not exist
            get_customer(s, actor, other)
        with pytest.raises(NotFound):
            customer_360(s, actor, crm.warehouse, other)
        with pytest.raises(NotFound):
            contacts.customer_timeline(s, actor, other)
        with pytest.raises(NotFound):
            needs.customer_needs(s, actor, other)
        hits, total = search(s, actor, SearchQuery(q=other), 0, 50)
        assert (hits, total) == ([], 0)
        everyone, total = search(s, actor, SearchQuery(), 0, 500)
        assert {h.customer_id for h in everyone} == book
        assert total == len(book)


def test_an_open_campaign_task_widens_an_rms_scope_until_it_closes(crm: CrmStore) -> None:
    books = _books(crm)
    rm, book = books.index[0], books.iloc[0]
    stranger = next(c for b in books.iloc[1:] for c in b if c not in book)
    actor = Actor("rm", Role.RELATIONSHIP_MANAGER, employee_id=rm)
    with crm.sessions() as s:
        branch = s.get(Customer, stranger).branch_id  # type: ignore[union-attr]
        campaign = Campaign(
            name="t", rule="{}", as_of=date(2020, 12, 31), start_on=date(2021, 1, 1),
            control_share=0.0, seed=1, exclusion_days=0, created_by="t",
            created_at=pd.Timestamp("2021-01-01").to_pydatetime(),
        )  # fmt: skip
        s.add(campaign)
        s.flush()
        task = Task(
            rule="campaign", customer_id=stranger, employee_id=rm, branch_id=branch,
            campaign_id=campaign.id, title="t", created_on=date(2021, 1, 1),
            due_on=date(2021, 2, 1), status="open", run_key="t",
        )  # fmt: skip
        s.add(task)
        s.commit()
        assert _visible(crm, actor) == book | {stranger}
        task.status = "done"
        s.commit()
    assert _visible(crm, actor) == book


def test_a_branch_manager_sees_their_subtree(crm: CrmStore) -> None:
    branches, customers = _csv(crm, "branches"), _csv(crm, "customers")
    for root in ("B0100", "B0102", "B0111"):
        expected = set(
            customers.loc[customers["branch_id"].isin(_subtree(branches, root)), "customer_id"]
        )
        actor = Actor("bm", Role.BRANCH_MANAGER, branch_id=root)
        assert _visible(crm, actor) == expected
        with crm.sessions() as s:
            assert subtree_ids(s, root) == _subtree(branches, root)


@pytest.mark.parametrize("role", [Role.TELLER, Role.AUDITOR, Role.ADMIN])
def test_roles_without_customer_work_see_no_customer(crm: CrmStore, role: Role) -> None:
    actor = Actor("x", role, employee_id="E00002", branch_id="B0001")
    assert _visible(crm, actor) == set()
    with crm.sessions() as s, pytest.raises(Forbidden):
        search(s, actor, SearchQuery(), 0, 10)


def test_an_analyst_may_search_everyone_but_not_open_a_customer(crm: CrmStore) -> None:
    everyone = set(_csv(crm, "customers")["customer_id"])
    analyst = Actor("an", Role.ANALYST)
    assert _visible(crm, analyst) == everyone
    with crm.sessions() as s:
        _, total = search(s, analyst, SearchQuery(), 0, 10)
        assert total == len(everyone)
        with pytest.raises(Forbidden):
            customer_360(s, analyst, crm.warehouse, next(iter(everyone)))


def test_tasks_are_scoped_like_customers(crm: CrmStore) -> None:
    with crm.sessions() as s:
        for i, (employee, branch) in enumerate([("E00005", "B0101"), ("E00006", "B0102")]):
            s.add(
                Task(
                    rule="r", customer_id=_csv(crm, "customers")["customer_id"].iloc[i],
                    employee_id=None, branch_id=branch, title="t", created_on=date(2021, 1, 1),
                    due_on=date(2021, 2, 1), status="open", run_key=f"k{i}",
                )
            )  # fmt: skip
            del employee
        s.commit()
        bm_101 = Actor("bm", Role.BRANCH_MANAGER, branch_id="B0101")
        rows, total = list_tasks(s, bm_101, TaskFilter(), 0, 50)
        assert {t.branch_id for t in rows} == {"B0101"}
        assert total == 1
        _, everything = list_tasks(s, SYSTEM, TaskFilter(), 0, 50)
        assert everything == 2
        rm = Actor("rm", Role.RELATIONSHIP_MANAGER, employee_id="E99999")
        assert list_tasks(s, rm, TaskFilter(), 0, 50) == ([], 0)
        with pytest.raises(Forbidden):
            list_tasks(s, Actor("an", Role.ANALYST), TaskFilter(), 0, 50)
        assert s.scalar(select(Task.id).limit(1)) is not None


def test_analytics_scope_follows_the_role(crm: CrmStore) -> None:
    with crm.sessions() as s:
        bm = Actor("bm", Role.BRANCH_MANAGER, branch_id="B0102")
        assert analytics_branch(s, bm, None) == "B0102"
        assert analytics_branch(s, bm, "B0111") == "B0111"
        with pytest.raises(NotFound):
            analytics_branch(s, bm, "B0101")  # a sibling branch
        with pytest.raises(NotFound):
            analytics_branch(s, bm, "B0100")  # the parent: wider than the manager's own
        assert analytics_branch(s, Actor("an", Role.ANALYST), None) is None
        assert analytics_branch(s, Actor("an", Role.ANALYST), "B0101") == "B0101"
        for role in (Role.RELATIONSHIP_MANAGER, Role.TELLER, Role.AUDITOR, Role.ADMIN):
            with pytest.raises(Forbidden):
                analytics_branch(s, Actor("x", role, branch_id="B0001"), None)


def test_the_permission_table_keeps_duties_apart() -> None:
    """Separation of duties: whoever administers logins or reads the audit trail touches no
    customer, and only the counter serves at the counter."""
    customer_perms = {p for p in Permission if p.value.startswith("customer.")}
    for role in (Role.ADMIN, Role.AUDITOR, Role.TELLER):
        assert not ROLE_PERMISSIONS[role] & customer_perms, role
    holders = {p: {r for r in Role if p in ROLE_PERMISSIONS[r]} for p in Permission}
    assert holders[Permission.AUDIT_READ] == {Role.AUDITOR}
    assert holders[Permission.USER_ADMIN] == {Role.ADMIN}
    assert holders[Permission.COUNTER] == {Role.TELLER}
    assert holders[Permission.UNMASK] == {Role.RELATIONSHIP_MANAGER, Role.BRANCH_MANAGER}
    assert all(allowed(SYSTEM, p) for p in Permission)
