"""User administration: creating logins bound to the extract's employees, disabling, enabling,
resetting and changing passwords, listing, the first administrator; permissions and audit.

Expected employees and branches are read from the generated extract's CSV files, not through
the code under test; SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bankcrm.domain.actor import SYSTEM, Actor, Role
from bankcrm.domain.errors import BadRequest, Forbidden, Unauthenticated
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security import users
from bankcrm.security.login import authenticate
from bankcrm.security.passwords import policy_problems
from bankcrm.security.sessions import Kind, actor_of, issue, resolve
from bankcrm.store.db import session_factory
from bankcrm.store.models import AuditRecord
from tests.crm.branch import CrmStore, branch_extract, branch_template, crm  # noqa: F401

SETTINGS = SecuritySettings()
PASSWORD = "Tr1cky-Horse"  # noqa: S105  (a test password)
T0 = datetime(2026, 3, 2, 9, 0)


@pytest.fixture
def session(store: Engine) -> Iterator[Session]:
    with session_factory(store)() as s:
        yield s


@pytest.fixture
def branch_session(crm: CrmStore) -> Iterator[Session]:  # noqa: F811  (the fixture)
    with crm.sessions() as s:
        yield s


def employees(crm: CrmStore, role: str) -> pd.DataFrame:  # noqa: F811
    frame = pd.read_csv(crm.extract / "employees.csv", dtype=str)
    return frame[(frame["role"] == role) & frame["left_on"].isna()].sort_values("employee_id")


def audit_rows(session: Session, action: str) -> list[AuditRecord]:
    return list(
        session.scalars(
            select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.seq)
        )
    )


def make(session: Session, username: str, role: Role = Role.ANALYST) -> Actor:
    users.create_user(session, SYSTEM, username, role, SETTINGS, password=PASSWORD)
    return actor_of(users.get_user(session, username))


# -- staff logins and the extract ---------------------------------------------------------


def test_a_staff_login_takes_its_employees_branch(
    crm: CrmStore,  # noqa: F811
    branch_session: Session,
) -> None:
    rm = employees(crm, "relationship_manager").iloc[0]
    view, password = users.create_user(
        branch_session, SYSTEM, "Wang.Li", "relationship_manager", SETTINGS, rm["employee_id"]
    )
    assert view.username == "wang.li"  # usernames are kept in lower case
    assert (view.role, view.employee_id, view.branch_id) == (
        Role.RELATIONSHIP_MANAGER,
        rm["employee_id"],
        rm["branch_id"],
    )
    assert view.must_change_password
    assert password is not None
    assert policy_problems(password, "wang.li", SETTINGS) == []
    user = authenticate(branch_session, "wang.li", password, SETTINGS, None)
    actor = actor_of(user)
    assert (actor.employee_id, actor.branch_id) == (rm["employee_id"], rm["branch_id"])
    [created] = audit_rows(branch_session, "user.create")
    assert (created.actor, created.entity_id) == ("system", "wang.li")
    assert json.loads(created.detail or "") == {
        "role": "relationship_manager",
        "employee_id": rm["employee_id"],
        "branch_id": rm["branch_id"],
    }
    assert password not in (created.detail or "")


def test_staff_logins_are_checked_against_the_extract(
    crm: CrmStore,  # noqa: F811
    branch_session: Session,
) -> None:
    rm = employees(crm, "relationship_manager").iloc[0]["employee_id"]
    teller = employees(crm, "teller").iloc[0]["employee_id"]
    frame = pd.read_csv(crm.extract / "employees.csv", dtype=str)
    gone = frame[frame["left_on"].notna()].iloc[0]

    def refusal(role: str, employee: str | None, username: str = "li.na") -> tuple[str, str]:
        with pytest.raises(BadRequest) as caught:
            users.create_user(branch_session, SYSTEM, username, role, SETTINGS, employee)
        return caught.value.field or "", caught.value.reason

    assert refusal("teller", None) == ("employee_id", "a teller login must name its employee")
    assert refusal("teller", "E-NONE") == ("employee_id", "no employee E-NONE in the store")
    assert refusal("relationship_manager", teller) == (
        "employee_id",
        f"employee {teller} is a teller, not a relationship_manager",
    )
    assert refusal(gone["role"], gone["employee_id"]) == (
        "employee_id",
        f"employee {gone['employee_id']} left on {gone['left_on']}",
    )
    users.create_user(branch_session, SYSTEM, "li.na", "relationship_manager", SETTINGS, rm)
    assert refusal("relationship_manager", rm, "li.na2") == (
        "employee_id",
        f"employee {rm} already has the login li.na",
    )
    assert refusal("relationship_manager", rm, "LI.NA") == (
        "username",
        "the username li.na is already taken",
    )


def test_admin_analyst_and_auditor_need_no_employee(session: Session) -> None:
    for role in (Role.ADMIN, Role.ANALYST, Role.AUDITOR):
        view, _ = users.create_user(session, SYSTEM, f"{role.value}1", role, SETTINGS)
        assert (view.role, view.employee_id, view.branch_id) == (role, None, None)


@pytest.mark.parametrize(
    ("username", "role", "password", "field", "reason"),
    [
        ("ab cd", "analyst", None, "username", "is not a valid username"),
        ("9lives", "analyst", None, "username", "is not a valid username"),
        ("x", "analyst", None, "username", "is not a valid username"),
        ("ana", "superuser", None, "role", "unknown role 'superuser': one of admin, "),
        ("ana", "analyst", "short", "password", "use at least 10 characters"),
        ("ana", "analyst", "Ana-and-more-1", "password", "do not include the username"),
    ],
)
def test_bad_input_names_the_field(
    session: Session, username: str, role: str, password: str | None, field: str, reason: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        users.create_user(session, SYSTEM, username, role, SETTINGS, password=password)
    assert caught.value.field == field
    assert reason in caught.value.reason
    assert audit_rows(session, "user.create") == []


# -- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_user_admins_administer_users(session: Session, role: Role) -> None:
    make(session, "victim")
    actor = Actor(username="someone", role=role, employee_id="E1", branch_id="B1")
    calls = [
        lambda: users.create_user(session, actor, "newbie", Role.ANALYST, SETTINGS),
        lambda: users.list_users(session, actor),
        lambda: users.disable_user(session, actor, "victim"),
        lambda: users.enable_user(session, actor, "victim"),
        lambda: users.reset_password(session, actor, "victim", SETTINGS),
    ]
    for call in calls:
        with pytest.raises(Forbidden, match=r"may not do user\.admin"):
            call()
    assert users.find_user(session, "newbie") is None


# -- disable, enable, reset, change --------------------------------------------------------


def test_disable_ends_every_session_and_enable_lets_in_again(session: Session) -> None:
    admin = make(session, "root", Role.ADMIN)
    make(session, "ana")
    user = users.get_user(session, "ana")
    tokens = [issue(session, user, kind, SETTINGS).token for kind in (Kind.API, Kind.WEB)]
    view = users.disable_user(session, admin, "ana")
    assert view.disabled
    for token in tokens:
        with pytest.raises(Unauthenticated, match="logged out"):
            resolve(session, token, SETTINGS)
    with pytest.raises(Unauthenticated, match="disabled"):
        authenticate(session, "ana", PASSWORD, SETTINGS, None)
    assert not users.enable_user(session, admin, "ana").disabled
    assert authenticate(session, "ana", PASSWORD, SETTINGS, None).username == "ana"
    assert [r.entity_id for r in audit_rows(session, "user.disable")] == ["ana"]


def test_no_one_disables_themselves_or_the_last_admin(session: Session) -> None:
    root = make(session, "root", Role.ADMIN)
    with pytest.raises(BadRequest, match="your own login"):
        users.disable_user(session, root, "root")
    with pytest.raises(BadRequest, match="root is the last enabled admin"):
        users.disable_user(session, SYSTEM, "root")
    make(session, "root2", Role.ADMIN)
    assert users.disable_user(session, root, "root2").disabled  # root remains


def test_enable_lifts_a_lockout(session: Session) -> None:
    strict = SecuritySettings(lockout_failures=1)
    make(session, "ana")
    with pytest.raises(Unauthenticated, match="locked until"):
        authenticate(session, "ana", "x", strict, None, at=T0)
    with pytest.raises(Unauthenticated, match="locked until"):
        authenticate(session, "ana", PASSWORD, strict, None, at=T0)
    users.enable_user(session, SYSTEM, "ana")
    assert authenticate(session, "ana", PASSWORD, strict, None, at=T0).username == "ana"


def test_reset_password_gives_a_new_one_and_ends_sessions(session: Session) -> None:
    make(session, "ana")
    token = issue(session, users.get_user(session, "ana"), Kind.API, SETTINGS).token
    view, password = users.reset_password(session, SYSTEM, "ana", SETTINGS)
    assert view.must_change_password
    assert password != PASSWORD
    with pytest.raises(Unauthenticated):
        resolve(session, token, SETTINGS)
    with pytest.raises(Unauthenticated, match="wrong username or password"):
        authenticate(session, "ana", PASSWORD, SETTINGS, None)
    assert authenticate(session, "ana", password, SETTINGS, None).must_change_password
    [reset] = audit_rows(session, "user.reset_password")
    assert (reset.entity_id, reset.detail) == ("ana", None)


def test_change_own_password(session: Session) -> None:
    actor = make(session, "ana")
    user = users.get_user(session, "ana")
    this, other = (issue(session, user, Kind.WEB, SETTINGS).token for _ in range(2))
    with pytest.raises(BadRequest) as wrong:
        users.change_password(session, actor, "Not-The-0ld", "N3w-Password-x", SETTINGS)
    assert (wrong.value.field, wrong.value.reason) == (
        "old_password",
        "the current password is wrong",
    )
    with pytest.raises(BadRequest) as weak:
        users.change_password(session, actor, PASSWORD, "weakling", SETTINGS)
    assert weak.value.field == "new_password"
    with pytest.raises(BadRequest, match="must differ"):
        users.change_password(session, actor, PASSWORD, PASSWORD, SETTINGS)
    users.change_password(session, actor, PASSWORD, "N3w-Password-x", SETTINGS, keep_token=this)
    assert resolve(session, this, SETTINGS).user.username == "ana"
    with pytest.raises(Unauthenticated):
        resolve(session, other, SETTINGS)
    assert authenticate(session, "ana", "N3w-Password-x", SETTINGS, None).username == "ana"
    outcomes = [r.outcome for r in audit_rows(session, "user.change_password")]
    assert outcomes == ["failed", "ok"]
    details = " ".join(r.detail or "" for r in session.scalars(select(AuditRecord)))
    assert "N3w-Password-x" not in details
    assert "weakling" not in details


# -- list and bootstrap ---------------------------------------------------------------------


def test_list_pages_and_searches_usernames_literally(session: Session) -> None:
    for name in ("ana_1", "anax1", "bob", "carl"):
        make(session, name)
    found, total = users.list_users(session, SYSTEM, "a_1")
    # "_" is a LIKE wildcard: searched literally, "anax1" must not match.
    assert ([u.username for u in found], total) == (["ana_1"], 1)
    found, total = users.list_users(session, SYSTEM, "%")
    assert (found, total) == ([], 0)
    found, total = users.list_users(session, SYSTEM, None, offset=1, limit=2)
    assert ([u.username for u in found], total) == (["anax1", "bob"], 4)
    assert not hasattr(found[0], "password_hash")
    assert not hasattr(found[0], "totp_secret")


def test_bootstrap_creates_one_admin_only_on_an_empty_store(session: Session) -> None:
    password = users.bootstrap_admin(session, SETTINGS)
    assert password is not None
    user = authenticate(session, "admin", password, SETTINGS, None)
    assert (user.role, user.must_change_password) == ("admin", True)
    assert users.bootstrap_admin(session, SETTINGS) is None
    assert users.list_users(session, SYSTEM)[1] == 1
