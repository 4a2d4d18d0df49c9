"""User administration (用户管理), for administrators: list, create, disable, enable, reset a
password. Answers never carry a password hash or a TOTP secret; a generated password appears
once, in the answer that created it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from bankcrm.api.auth import security_settings
from bankcrm.api.common import ActorDep, Page, PagingDep, SessionDep
from bankcrm.api.schemas import UtcDateTime
from bankcrm.domain.actor import ROLE_LABELS_ZH, Role
from bankcrm.security import users
from bankcrm.security.passwords import MAX_LENGTH

router = APIRouter(prefix="/users", tags=["users"])


Username = Annotated[str, Path(min_length=1, max_length=100)]


class UserOut(BaseModel):
    username: str
    role: Role
    role_label_zh: str
    employee_id: str | None
    branch_id: str | None
    disabled: bool
    must_change_password: bool
    totp_enabled: bool
    locked_until: UtcDateTime | None
    created_at: UtcDateTime
    password_changed_at: UtcDateTime


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=100)
    role: Role
    employee_id: str | None = Field(None, max_length=100)
    # Without one, a password is generated and returned once; either way it must be changed
    # at first login.
    password: str | None = Field(None, min_length=1, max_length=MAX_LENGTH)


class UserWithPassword(BaseModel):
    user: UserOut
    password: str | None = Field(
        description="The new password, shown this once (null when the caller chose it)"
    )


def user_out(view: users.UserView) -> UserOut:
    return UserOut(
        username=view.username,
        role=view.role,
        role_label_zh=ROLE_LABELS_ZH[view.role],
        employee_id=view.employee_id,
        branch_id=view.branch_id,
        disabled=view.disabled,
        must_change_password=view.must_change_password,
        totp_enabled=view.totp_enabled,
        locked_until=view.locked_until,
        created_at=view.created_at,
        password_changed_at=view.password_changed_at,
    )


@router.get("", summary="Logins, by username")
def list_users(
    session: SessionDep,
    actor: ActorDep,
    paging: PagingDep,
    search: Annotated[str | None, Query(max_length=100, description="Part of a username")] = None,
) -> Page[UserOut]:
    found, total = users.list_users(session, actor, search, paging.offset, paging.page_size)
    return paging.of([user_out(u) for u in found], total)


@router.post("", status_code=201, summary="Create a login")
def create_user(
    body: UserCreate, request: Request, session: SessionDep, actor: ActorDep
) -> UserWithPassword:
    view, generated = users.create_user(
        session,
        actor,
        body.username,
        body.role,
        security_settings(request),
        body.employee_id,
        body.password,
    )
    return UserWithPassword(user=user_out(view), password=generated)


@router.post("/{username}/disable", summary="Disable a login and end its sessions")
def disable_user(username: Username, session: SessionDep, actor: ActorDep) -> UserOut:
    return user_out(users.disable_user(session, actor, username))


@router.post("/{username}/enable", summary="Enable a login again (also lifts a lockout)")
def enable_user(username: Username, session: SessionDep, actor: ActorDep) -> UserOut:
    return user_out(users.enable_user(session, actor, username))


@router.post("/{username}/reset-password", summary="A new random password, shown once")
def reset_password(
    username: Username, request: Request, session: SessionDep, actor: ActorDep
) -> UserWithPassword:
    view, password = users.reset_password(session, actor, username, security_settings(request))
    return UserWithPassword(user=user_out(view), password=password)
