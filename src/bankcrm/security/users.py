"""User administration (用户管理): create, disable, enable, reset a password, list; and changing
one's own password.

Every administrative action needs ``Permission.USER_ADMIN`` and writes an audit record in the
same transaction (``user.create``, ``user.disable``, ...). A staff login (relationship manager,
branch manager, teller) belongs to a current employee of the extract with the same role; its
branch is the employee's, so its data scope follows the extract. Audit details never hold a
password or a hash."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bankcrm.domain.actor import SYSTEM, Actor, Role
from bankcrm.domain.errors import BadRequest, NotFound
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security import audit
from bankcrm.security.passwords import (
    check_password,
    hash_password,
    random_password,
    verify_password,
)
from bankcrm.security.policy import Permission, authorize
from bankcrm.security.sessions import token_hash
from bankcrm.store.models import AuthSession, Employee, LoginFailure, User

STAFF_ROLES = frozenset({Role.RELATIONSHIP_MANAGER, Role.BRANCH_MANAGER, Role.TELLER})
USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,59}")
USERNAME_RULE = (
    "2–60 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter"
)
PENDING_TOTP = "pending:"  # a TOTP secret enrolled but not yet confirmed with a code


@dataclass(frozen=True)
class UserView:
    """What may be shown of a login: never its hash or its TOTP secret."""

    id: int
    username: str
    role: Role
    employee_id: str | None
    branch_id: str | None
    disabled: bool
    must_change_password: bool
    totp_enabled: bool
    locked_until: datetime | None
    created_at: datetime
    password_changed_at: datetime


def now() -> datetime:
    """Naive UTC, as the store keeps times."""
    return datetime.now(UTC).replace(tzinfo=None)


def view(user: User) -> UserView:
    return UserView(
        id=user.id,
        username=user.username,
        role=Role(user.role),
        employee_id=user.employee_id,
        branch_id=user.branch_id,
        disabled=user.disabled,
        must_change_password=user.must_change_password,
        totp_enabled=totp_enabled(user),
        locked_until=user.locked_until,
        created_at=user.created_at,
        password_changed_at=user.password_changed_at,
    )


def totp_enabled(user: User) -> bool:
    return user.totp_secret is not None and not user.totp_secret.startswith(PENDING_TOTP)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == normalise_username(username)))


def get_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise NotFound("user", username, field="username")
    return user


def parse_role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise BadRequest("role", f"unknown role {role!r}: one of {known}") from None


def _check_username(session: Session, username: str) -> None:
    if not USERNAME.fullmatch(username):
        raise BadRequest("username", f"{username!r} is not a valid username: {USERNAME_RULE}")
    if find_user(session, username) is not None:
        raise BadRequest("username", f"the username {username} is already taken")


def _employee_for(session: Session, role: Role, employee_id: str | None) -> Employee | None:
    """The employee a login of ``role`` belongs to, checked: staff roles need a current
    employee with the same role in the extract, and one employee has one login."""
    if employee_id is None:
        if role in STAFF_ROLES:
            raise BadRequest("employee_id", f"a {role.value} login must name its employee")
        return None
    employee = session.get(Employee, employee_id)
    if employee is None:
        raise BadRequest("employee_id", f"no employee {employee_id} in the store")
    if employee.left_on is not None:
        raise BadRequest("employee_id", f"employee {employee_id} left on {employee.left_on}")
    if role in STAFF_ROLES and employee.role != role.value:
        raise BadRequest(
            "employee_id", f"employee {employee_id} is a {employee.role}, not a {role.value}"
        )
    taken = session.scalar(
        select(User.username).where(User.employee_id == employee_id, User.disabled.is_(False))
    )
    if taken is not None:
        raise BadRequest("employee_id", f"employee {employee_id} already has the login {taken}")
    return employee


def create_user(
    session: Session,
    actor: Actor,
    username: str,
    role: str | Role,
    settings: SecuritySettings,
    employee_id: str | None = None,
    password: str | None = None,
    *,
    must_change_password: bool = True,
    at: datetime | None = None,
) -> tuple[UserView, str | None]:
    """Create a login. Without ``password`` one is generated and returned (shown once);
    either way the user must change it at first login, since the administrator knows it."""
    authorize(actor, Permission.USER_ADMIN)
    username = normalise_username(username)
    role = parse_role(role)
    _check_username(session, username)
    employee = _employee_for(session, role, employee_id or None)
    generated = None
    if password is None:
        password = generated = random_password(settings)
    else:
        check_password(password, username, settings)
    at = at or now()
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role.value,
        employee_id=employee.employee_id if employee else None,
        branch_id=employee.branch_id if employee else None,
        disabled=False,
        must_change_password=must_change_password,
        created_at=at,
        password_changed_at=at,
        version=1,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # a concurrent create of the same username won the race
        session.rollback()
        raise BadRequest("username", f"the username {username} is already taken") from None
    detail = {"role": role.value, "employee_id": user.employee_id, "branch_id": user.branch_id}
    audit.record(session, actor, "user.create", entity="user", entity_id=username, detail=detail)
    session.commit()
    return view(user), generated


def _admin_change(session: Session, actor: Actor, username: str) -> User:
    authorize(actor, Permission.USER_ADMIN)
    return get_user(session, username)


def disable_user(
    session: Session, actor: Actor, username: str, at: datetime | None = None
) -> UserView:
    """Disable a login and end all its sessions at once. Refused for one's own login and for
    the last enabled administrator, so the system always keeps someone who can administer it."""
    user = _admin_change(session, actor, username)
    if user.username == actor.username:
        raise BadRequest("username", "you cannot disable your own login")
    if user.role == Role.ADMIN.value and not user.disabled:
        admins = session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN.value, User.disabled.is_(False))
        )
        if admins == 1:
            raise BadRequest("username", f"{user.username} is the last enabled admin")
    user.disabled = True
    user.version += 1
    revoke_sessions(session, user.id, at=at)
    audit.record(session, actor, "user.disable", entity="user", entity_id=user.username)
    session.commit()
    return view(user)


def enable_user(session: Session, actor: Actor, username: str) -> UserView:
    """Enable a login again; this also lifts a lockout (the failure count starts afresh)."""
    user = _admin_change(session, actor, username)
    detail = {"was_disabled": user.disabled, "was_locked_until": user.locked_until}
    user.disabled = False
    _unlock(session, user)
    audit.record(
        session, actor, "user.enable", entity="user", entity_id=user.username, detail=detail
    )
    session.commit()
    return view(user)


def reset_password(
    session: Session,
    actor: Actor,
    username: str,
    settings: SecuritySettings,
    at: datetime | None = None,
) -> tuple[UserView, str]:
    """Give a login a new random password (returned, to be handed over once), to be changed at
    the next login; all its sessions end and any lockout is lifted."""
    user = _admin_change(session, actor, username)
    password = random_password(settings)
    _set_password(user, password, must_change=True, at=at or now())
    _unlock(session, user)
    revoke_sessions(session, user.id, at=at)
    audit.record(session, actor, "user.reset_password", entity="user", entity_id=user.username)
    session.commit()
    return view(user), password


def change_password(
    session: Session,
    actor: Actor,
    old_password: str,
    new_password: str,
    settings: SecuritySettings,
    keep_token: str | None = None,
    at: datetime | None = None,
) -> UserView:
    """Change one's own password (the old one is required). Every other session of the user
    ends; ``keep_token`` (the session making the change) stays."""
    user = get_user(session, actor.username)
    if not verify_password(old_password, user.password_hash)[0]:
        audit.record(
            session,
            actor,
            "user.change_password",
            entity="user",
            entity_id=user.username,
            outcome=audit.Outcome.FAILED,
            detail={"reason": "wrong old password"},
        )
        session.commit()
        raise BadRequest("old_password", "the current password is wrong")
    if new_password == old_password:
        raise BadRequest("new_password", "the new password must differ from the current one")
    check_password(new_password, user.username, settings, field="new_password")
    _set_password(user, new_password, must_change=False, at=at or now())
    revoke_sessions(session, user.id, keep_token=keep_token, at=at)
    audit.record(session, actor, "user.change_password", entity="user", entity_id=user.username)
    session.commit()
    return view(user)


def _set_password(user: User, password: str, *, must_change: bool, at: datetime) -> None:
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.password_changed_at = at
    user.version += 1


def _unlock(session: Session, user: User) -> None:
    user.locked_until = None
    user.version += 1
    session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))


def revoke_sessions(
    session: Session, user_id: int, keep_token: str | None = None, at: datetime | None = None
) -> None:
    """End the user's live sessions but ``keep_token``'s. The caller commits."""
    query = update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    if keep_token is not None:
        query = query.where(AuthSession.token_hash != token_hash(keep_token))
    session.execute(query.values(revoked_at=at or now()))


def list_users(
    session: Session, actor: Actor, search: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[UserView], int]:
    """Logins ordered by username, optionally those whose username contains ``search``; and
    the total count of the (filtered) list."""
    authorize(actor, Permission.USER_ADMIN)
    query = select(User)
    if search:
        escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(User.username.like(f"%{escaped}%", escape="\\"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(User.username).offset(offset).limit(limit))
    return [view(u) for u in rows], total


def bootstrap_admin(
    session: Session, settings: SecuritySettings, username: str = "admin"
) -> str | None:
    """On first start (no users at all): create the administrator ``username`` with a random
    password and return it, for the caller to print once. None when users exist already
    (also when another process bootstrapped at the same moment)."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    try:
        _, password = create_user(session, SYSTEM, username, Role.ADMIN, settings)
    except BadRequest:  # the username was taken by a concurrent bootstrap
        return None
    return password
