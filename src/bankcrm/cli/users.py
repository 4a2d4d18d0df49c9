"""``bankcrm users create|disable|enable|reset-password|list|demo|totp-enrol|totp-remove``:
logins administered from the server's shell.

The commands run as the system actor, with the operating-system user as the record's source
(``cli:<user>``); every change is audited as through the API. A generated password is printed
once and stored only as its hash."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from bankcrm.cli.app import app, console, emit_json, fail, operator, store_session
from bankcrm.config import Settings
from bankcrm.domain.actor import ROLE_LABELS_ZH, Role
from bankcrm.security import totp, users
from bankcrm.security.demo_users import ensure_demo_users
from bankcrm.store.db import make_engine, session_factory

users_app = typer.Typer(help="Logins (用户): create, disable, enable, reset a password, list.")
app.add_typer(users_app, name="users")

UsernameArg = Annotated[str, typer.Argument(help="The login name.")]


@contextmanager
def _session() -> Iterator[tuple[Session, Settings]]:
    """A store session and the settings; service refusals end the command with one line."""
    settings = Settings()
    with store_session(settings) as session:
        yield session, settings


def _show_password(username: str, password: str) -> None:
    console.print(f"用户 {username} 的密码（仅显示这一次，首次登录须修改）/ password, shown once:")
    console.print(password, markup=False, highlight=False)


@users_app.command("create")
def create_command(
    username: UsernameArg,
    role: Annotated[Role, typer.Option(help="The login's role.")],
    employee: Annotated[
        str | None, typer.Option(help="employee_id (required for rm, manager, teller).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a login; without --password-stdin a password is generated and printed once."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    with _session() as (session, settings):
        view, generated = users.create_user(
            session, operator(), username, role, settings.security, employee, password
        )
    console.print(f"已创建 created {view.username} ({ROLE_LABELS_ZH[view.role]}, {view.role})")
    if generated is not None:
        _show_password(view.username, generated)


@users_app.command("disable")
def disable_command(username: UsernameArg) -> None:
    """Disable a login; its sessions end at once."""
    with _session() as (session, _):
        view = users.disable_user(session, operator(), username)
    console.print(f"已停用 disabled {view.username}")


@users_app.command("enable")
def enable_command(username: UsernameArg) -> None:
    """Enable a login again (also lifts a lockout)."""
    with _session() as (session, _):
        view = users.enable_user(session, operator(), username)
    console.print(f"已启用 enabled {view.username}")


@users_app.command("reset-password")
def reset_password_command(username: UsernameArg) -> None:
    """Give a login a new random password, printed once; its sessions end."""
    with _session() as (session, settings):
        view, password = users.reset_password(session, operator(), username, settings.security)
    _show_password(view.username, password)


@users_app.command("list")
def list_command(
    search: Annotated[str | None, typer.Option(help="Part of a username.")] = None,
    json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """The logins, by username."""
    with _session() as (session, _):
        found, total = users.list_users(session, operator(), search, 0, 10_000)
    if json:
        emit_json([_row(u) for u in found], None)
        return
    table = Table(title=f"用户 users {len(found):,} / {total:,}")
    for column in ("用户名", "角色", "员工号", "机构", "状态", "双因素", "锁定至 (UTC)"):
        table.add_column(column)
    for u in found:
        state = "停用" if u.disabled else ("须改密" if u.must_change_password else "正常")
        locked = f"{u.locked_until:%Y-%m-%d %H:%M}" if u.locked_until else ""
        table.add_row(
            u.username,
            ROLE_LABELS_ZH[u.role],
            u.employee_id or "",
            u.branch_id or "",
            state,
            "是" if u.totp_enabled else "",
            locked,
        )
    console.print(table)


def _row(u: users.UserView) -> dict[str, object]:
    row = dataclasses.asdict(u)
    for key in ("locked_until", "created_at", "password_changed_at"):
        row[key] = row[key].isoformat() if row[key] else None
    return row


@users_app.command("demo")
def demo_command() -> None:
    """Demo logins, one per role, on the generated demo branch; prints names and password."""
    with _session() as (session, settings):
        demo, password = ensure_demo_users(session, operator(), settings.security)
    table = Table(title="演示用户 demo users")
    for column in ("用户名", "角色", "员工", "机构"):
        table.add_column(column)
    for u in demo:
        employee = f"{u.employee_name} ({u.employee_id})" if u.employee_id else ""
        table.add_row(u.username, ROLE_LABELS_ZH[u.role], employee, u.branch_id or "")
    console.print(table)
    console.print(f"演示密码 demo password: {password}", markup=False, highlight=False)


@users_app.command("totp-enrol")
def totp_enrol_command(
    username: UsernameArg,
    code: Annotated[
        str | None, typer.Option(help="A code from the app (asked for when not given).")
    ] = None,
) -> None:
    """Enrol a second factor for an admin or branch manager: shows the secret and URI to add
    to the authenticator app, then confirms it with a code from the app."""
    with _session() as (session, _):
        enrolment = totp.enrol(session, operator(), username)
        console.print(f"密钥 secret: {enrolment.secret}", markup=False, highlight=False)
        console.print(f"URI: {enrolment.uri}", markup=False, highlight=False)
        typed = code or typer.prompt("验证码 code from the app")
        totp.confirm(session, operator(), typed, username)
    console.print(f"已启用双因素 second factor on for {username}")


@users_app.command("totp-remove")
def totp_remove_command(username: UsernameArg) -> None:
    """Remove a login's second factor (a lost phone), so it can enrol again."""
    with _session() as (session, _):
        totp.remove(session, operator(), username)
    console.print(f"已移除双因素 second factor removed for {username}")


def print_bootstrap_admin(settings: Settings) -> None:
    """On first start (no users): create ``admin`` and print its password once. For
    ``bankcrm serve``, after it has checked the schema."""
    engine = make_engine(settings.store_url)
    try:
        with session_factory(engine)() as session:
            password = users.bootstrap_admin(session, settings.security)
    finally:
        engine.dispose()
    if password is not None:
        console.print("首次启动：已创建管理员 first start: created the administrator 'admin'")
        _show_password("admin", password)


@users_app.command("bootstrap")
def bootstrap_command() -> None:
    """Create the first administrator when there are no users (as `bankcrm serve` does)."""
    with _session() as (session, settings):
        password = users.bootstrap_admin(session, settings.security)
    if password is None:
        raise fail("users exist already: nothing to bootstrap")
    _show_password("admin", password)
