"""Demo logins on the generated branch: one per role, bound to real employees, idempotent, and
refused on a store that was not imported from a generated extract. SQLite and PostgreSQL.

The expected employees come from the extract's CSV files (employees, branches, assignments)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, update

from bankcrm.domain.actor import SYSTEM, Role
from bankcrm.domain.errors import BadRequest
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security.demo_users import DEMO_PASSWORD, ensure_demo_users
from bankcrm.security.login import authenticate
from bankcrm.security.scope import visible_customers
from bankcrm.security.sessions import actor_of
from bankcrm.security.users import get_user
from bankcrm.store.models import AuditRecord, Customer, ImportRun, User
from tests.crm.branch import CrmStore, branch_extract, branch_template, crm  # noqa: F401

SETTINGS = SecuritySettings()


def test_demo_users_are_bound_to_the_branch_that_has_outlets(crm: CrmStore) -> None:  # noqa: F811
    branches = pd.read_csv(crm.extract / "branches.csv", dtype=str)
    staff = pd.read_csv(crm.extract / "employees.csv", dtype=str)
    staff = staff[staff["left_on"].isna()].set_index("employee_id")
    book = pd.read_csv(crm.extract / "assignments.csv", dtype=str)
    book = book[book["end_on"].isna()].groupby("employee_id")["customer_id"].count()
    with crm.sessions() as session:
        made, password = ensure_demo_users(session, SYSTEM, SETTINGS)
        assert password == DEMO_PASSWORD
        by_role = {u.role: u for u in made}
        assert set(by_role) == set(Role)
        manager = by_role[Role.BRANCH_MANAGER]
        outlet_parents = set(branches.loc[branches["level"] == "outlet", "parent_id"])
        assert manager.branch_id in outlet_parents
        assert staff.loc[manager.employee_id, "role"] == "branch_manager"
        for role in (Role.RELATIONSHIP_MANAGER, Role.TELLER):
            user = by_role[role]
            assert staff.loc[user.employee_id, "role"] == role.value
            assert user.branch_id == manager.branch_id  # the manager sees what they see
        assert book.get(by_role[Role.RELATIONSHIP_MANAGER].employee_id, 0) > 0
        for demo in made:
            user = authenticate(session, demo.username, DEMO_PASSWORD, SETTINGS, None)
            assert not user.must_change_password
        # The demo RM sees their book, and it lies within the demo manager's scope.
        rm, mgr = (
            actor_of(get_user(session, by_role[r].username))
            for r in (Role.RELATIONSHIP_MANAGER, Role.BRANCH_MANAGER)
        )
        rm_sees = set(
            session.scalars(visible_customers(rm).with_only_columns(Customer.customer_id))
        )
        mgr_sees = set(
            session.scalars(visible_customers(mgr).with_only_columns(Customer.customer_id))
        )
        assert rm_sees
        assert rm_sees <= mgr_sees


def test_demo_users_are_idempotent_and_get_their_password_back(crm: CrmStore) -> None:  # noqa: F811
    with crm.sessions() as session:
        first, _ = ensure_demo_users(session, SYSTEM, SETTINGS)
        records = session.scalar(select(func.count()).select_from(AuditRecord))
        again, _ = ensure_demo_users(session, SYSTEM, SETTINGS)
        assert again == first
        assert session.scalar(select(func.count()).select_from(User)) == len(Role)
        assert session.scalar(select(func.count()).select_from(AuditRecord)) == records
        session.execute(update(User).where(User.username == "demo_rm").values(disabled=True))
        session.commit()
        ensure_demo_users(session, SYSTEM, SETTINGS)
        assert authenticate(session, "demo_rm", DEMO_PASSWORD, SETTINGS, None)


def test_demo_users_are_refused_on_a_store_not_from_the_generator(
    crm: CrmStore,  # noqa: F811
    tmp_path: Path,
) -> None:
    bank_extract = tmp_path / "real-extract"  # no _truth/scenario.json: a bank's extract
    bank_extract.mkdir()
    with crm.sessions() as session:
        session.execute(update(ImportRun).values(source=str(bank_extract)))
        session.commit()
        with pytest.raises(BadRequest, match="only for a store imported from a generated"):
            ensure_demo_users(session, SYSTEM, SETTINGS)
        assert session.scalar(select(func.count()).select_from(User)) == 0
