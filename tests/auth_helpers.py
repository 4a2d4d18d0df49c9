"""Logins for tests: a user row and a live bearer token, without the (slow, on purpose) Argon2
password check — the authentication tests exercise that path themselves."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bankcrm.domain.actor import Role
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security.sessions import Kind, issue, now
from bankcrm.store.models import Assignment, Branch, Employee, User

NO_PASSWORD = "!"  # noqa: S105  (not an Argon2 hash: no password can match it)


def root_branch(session: Session) -> str | None:
    """The top of the store's branch tree (None in an empty store)."""
    return session.scalar(select(Branch.branch_id).where(Branch.parent_id.is_(None)).limit(1))


def make_user(
    session: Session,
    username: str,
    role: Role,
    employee_id: str | None = None,
    branch_id: str | None = None,
) -> User:
    """A user row (committed); a staff login's branch defaults to its employee's."""
    existing = session.scalar(select(User).where(User.username == username))
    if existing is not None:
        return existing
    if branch_id is None and employee_id is not None:
        branch_id = session.get(Employee, employee_id).branch_id  # type: ignore[union-attr]
    at = now()
    user = User(
        username=username,
        password_hash=NO_PASSWORD,
        role=role.value,
        employee_id=employee_id,
        branch_id=branch_id,
        disabled=False,
        must_change_password=False,
        created_at=at,
        password_changed_at=at,
        version=1,
    )
    session.add(user)
    session.commit()
    return user


def token_for(
    sessions: sessionmaker[Session],
    username: str,
    role: Role,
    employee_id: str | None = None,
    branch_id: str | None = None,
    settings: SecuritySettings | None = None,
) -> str:
    with sessions() as session:
        user = make_user(session, username, role, employee_id, branch_id)
        return issue(session, user, Kind.API, settings or SecuritySettings()).token


def auth_headers(
    sessions: sessionmaker[Session],
    username: str,
    role: Role,
    employee_id: str | None = None,
    branch_id: str | None = None,
) -> dict[str, str]:
    """``Authorization: Bearer …`` for a user (created if new) with a fresh token."""
    token = token_for(sessions, username, role, employee_id, branch_id)
    return {"Authorization": f"Bearer {token}"}


def manager_headers(sessions: sessionmaker[Session], username: str = "manager") -> dict[str, str]:
    """A branch manager of the whole tree: sees every customer, may do every CRM action."""
    with sessions() as session:
        root = root_branch(session)
    return auth_headers(sessions, username, Role.BRANCH_MANAGER, branch_id=root)


def current_rm(sessions: sessionmaker[Session], customer_id: str) -> str:
    """The employee id of the customer's current RM (the test branch assigns every customer)."""
    with sessions() as session:
        rm = session.scalar(
            select(Assignment.employee_id).where(
                Assignment.customer_id == customer_id, Assignment.end_on.is_(None)
            )
        )
    assert rm is not None, f"{customer_id} has no current RM"
    return rm
