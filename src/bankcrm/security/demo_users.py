"""Demo logins for ``make demo``: one per role, bound to real employees of the generated demo
branch, all with one published password.

A published password on a real store would be a back door, so demo users are created only in
a store whose every import came from the synthetic generator (its extract folder holds the
generator's ``_truth/scenario.json``, which no bank extract has)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.enums import BranchLevel
from bankcrm.domain.errors import BadRequest
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security import audit
from bankcrm.security.passwords import hash_password, verify_password
from bankcrm.security.policy import Permission, authorize
from bankcrm.security.users import create_user, find_user
from bankcrm.store.models import Assignment, Branch, Employee, ImportRun

DEMO_PASSWORD = "Demo-2020-xinyu"  # noqa: S105  (published on purpose: demo stores only)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    employee_id: str | None
    employee_name: str | None
    branch_id: str | None


def is_demo_store(session: Session) -> bool:
    """Whether every import into the store read a generated (synthetic) extract."""
    sources = session.scalars(select(ImportRun.source).where(ImportRun.status == "succeeded"))
    found = [Path(s) for s in sources]
    return bool(found) and all((s / "_truth" / "scenario.json").is_file() for s in found)


def _current(role: Role) -> ColumnElement[bool]:
    return (Employee.role == role.value) & Employee.left_on.is_(None)


def _manager_branch(session: Session) -> tuple[str, str] | None:
    """The branch manager of a branch with outlets under it (the first by branch id) and that
    branch, so the demo manager's scope is a real subtree."""
    outlet_parents = select(Branch.parent_id).where(Branch.level == BranchLevel.OUTLET.value)
    row = session.execute(
        select(Employee.employee_id, Employee.branch_id)
        .where(_current(Role.BRANCH_MANAGER), Employee.branch_id.in_(outlet_parents))
        .order_by(Employee.branch_id, Employee.employee_id)
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def _staff(session: Session, branch_id: str) -> dict[Role, str]:
    """The demo staff of ``branch_id``: its manager's RM with the largest current book, and a
    teller (the first by id), so the three see overlapping customers."""
    book = func.count(Assignment.customer_id)
    rm = session.scalar(
        select(Employee.employee_id)
        .join(Assignment, Assignment.employee_id == Employee.employee_id)
        .where(
            _current(Role.RELATIONSHIP_MANAGER),
            Employee.branch_id == branch_id,
            Assignment.end_on.is_(None),
        )
        .group_by(Employee.employee_id)
        .order_by(book.desc(), Employee.employee_id)
        .limit(1)
    )
    teller = session.scalar(
        select(Employee.employee_id)
        .where(_current(Role.TELLER), Employee.branch_id == branch_id)
        .order_by(Employee.employee_id)
        .limit(1)
    )
    found = {Role.RELATIONSHIP_MANAGER: rm, Role.TELLER: teller}
    return {role: e for role, e in found.items() if e is not None}


def demo_plan(session: Session) -> dict[str, tuple[Role, str | None]]:
    """Username → (role, employee) of the demo logins for the store's demo branch."""
    manager = _manager_branch(session)
    if manager is None:
        raise BadRequest(None, "no current branch manager of a branch with outlets: not a demo")
    manager_id, branch_id = manager
    staff = _staff(session, branch_id)
    if len(staff) < 2:
        raise BadRequest(None, f"branch {branch_id} has no current RM with a book or no teller")
    return {
        "demo_admin": (Role.ADMIN, None),
        "demo_manager": (Role.BRANCH_MANAGER, manager_id),
        "demo_rm": (Role.RELATIONSHIP_MANAGER, staff[Role.RELATIONSHIP_MANAGER]),
        "demo_teller": (Role.TELLER, staff[Role.TELLER]),
        "demo_analyst": (Role.ANALYST, None),
        "demo_auditor": (Role.AUDITOR, None),
    }


def ensure_demo_users(
    session: Session, actor: Actor, settings: SecuritySettings
) -> tuple[list[DemoUser], str]:
    """Create the demo logins that are missing (with ``DEMO_PASSWORD``, no change required),
    and give back the published password to any that lost it; idempotent."""
    authorize(actor, Permission.USER_ADMIN)
    if not is_demo_store(session):
        raise BadRequest(
            None,
            "demo users are only for a store imported from a generated demo extract (each "
            "import's folder, relative to where it ran, must hold _truth/scenario.json)",
        )
    users = []
    for username, (role, employee_id) in demo_plan(session).items():
        user = find_user(session, username)
        if user is None:
            create_user(
                session,
                actor,
                username,
                role,
                settings,
                employee_id,
                DEMO_PASSWORD,
                must_change_password=False,
            )
            user = find_user(session, username)
        elif user.disabled or not verify_password(DEMO_PASSWORD, user.password_hash)[0]:
            user.password_hash, user.disabled, user.locked_until = (
                hash_password(DEMO_PASSWORD),
                False,
                None,
            )
            audit.record(session, actor, "user.demo_reset", entity="user", entity_id=username)
            session.commit()
        assert user is not None
        employee = session.get(Employee, user.employee_id) if user.employee_id else None
        users.append(
            DemoUser(
                username,
                Role(user.role),
                user.employee_id,
                employee.name if employee else None,
                user.branch_id,
            )
        )
    return users, DEMO_PASSWORD
