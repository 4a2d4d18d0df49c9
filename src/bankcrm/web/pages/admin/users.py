"""用户与角色: the logins (searched and paged by the service), creating one for an employee of
the extract, disabling, enabling and resetting a password (shown once)."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from bankcrm.domain.actor import ROLE_LABELS_ZH, Actor, Role
from bankcrm.security import users
from bankcrm.web.auth import Visit
from bankcrm.web.fmt import day, moment
from bankcrm.web.layout import ROLE_LABELS_EN
from bankcrm.web.pages.admin.common import guarded, pager
from bankcrm.web.runtime import runtime

PAGE_SIZE = 20


def build(visit: Visit) -> None:
    t, lang = visit.t, visit.lang
    roles = ROLE_LABELS_ZH if lang == "zh" else ROLE_LABELS_EN
    state: dict[str, Any] = {"page": 1}
    create = _create_dialog(visit, roles, lambda: load(1))
    with ui.row().classes("items-end gap-2"):
        search = ui.input(t("按用户名查找", "Find by username")).props(
            'clearable data-testid="user-search"'
        )
        ui.button(t("查找", "Search"), on_click=lambda: load(1)).props('data-testid="user-find"')
        ui.space()
        ui.button(
            t("新建用户", "New login"),
            icon="person_add",
            on_click=create.open,
        ).props('data-testid="user-new"')
    columns = [
        {"name": k, "label": label, "field": k, "align": "left"}
        for k, label in (
            ("username", t("用户名", "Username")),
            ("role", t("角色", "Role")),
            ("employee", t("员工号", "Employee")),
            ("branch", t("网点", "Branch")),
            ("status", t("状态", "Status")),
            ("totp", t("动态码", "2FA")),
            ("created", t("创建时间", "Created")),
        )
    ]
    table = ui.table(columns=columns, rows=[], row_key="username", selection="single")
    table.props('flat bordered dense data-testid="user-table"').classes("w-full")
    update_pager = pager(visit, lambda page: load(page))  # noqa: PLW0108  (defined below)
    with ui.row().classes("gap-2"):
        for zh, en, action, testid in (
            ("停用", "Disable", "disable", "user-disable"),
            ("启用（并解除锁定）", "Enable (and unlock)", "enable", "user-enable"),
            ("重置密码", "Reset password", "reset", "user-reset"),
        ):
            ui.button(t(zh, en), on_click=lambda _, a=action: change(a)).props(
                f'outline data-testid="{testid}"'
            )

    def status(view: users.UserView) -> str:
        if view.disabled:
            return t("已停用", "disabled")
        if view.locked_until is not None:
            return t(f"锁定至 {moment(view.locked_until, lang)}", "locked")
        return t("正常", "active")

    def load(page: int) -> None:
        def fetch(actor: Actor) -> tuple[list[users.UserView], int]:
            with runtime().sessions() as session:
                return users.list_users(
                    session, actor, search.value or None, (page - 1) * PAGE_SIZE, PAGE_SIZE
                )

        found = guarded(visit, fetch)
        if found is None:
            return
        views, total = found
        state["page"] = page
        table.rows = [
            {
                "username": v.username,
                "role": roles[v.role],
                "employee": v.employee_id or "—",
                "branch": v.branch_id or "—",
                "status": status(v),
                "totp": t("已启用", "on") if v.totp_enabled else "—",
                "created": day(v.created_at, lang),
            }
            for v in views
        ]
        table.selected = []
        table.update()
        update_pager(page, PAGE_SIZE, total)

    def change(action: str) -> None:
        if not table.selected:
            ui.notify(t("请先在表中选中一个用户。", "Select a login first."), type="warning")
            return
        username = table.selected[0]["username"]
        settings = runtime().settings.security

        def run(actor: Actor) -> str | None:
            with runtime().sessions() as session:
                if action == "disable":
                    users.disable_user(session, actor, username)
                    return None
                if action == "enable":
                    users.enable_user(session, actor, username)
                    return None
                return users.reset_password(session, actor, username, settings)[1]

        done = guarded(visit, run)
        if action == "reset" and done:
            show_password(visit, username, done)
        load(state["page"])

    _create_dialog(visit, roles, lambda: load(1))
    load(1)


def _create_dialog(visit: Visit, roles: dict[Role, str], after: Any) -> ui.dialog:
    t = visit.t
    with ui.dialog() as dialog, ui.card().classes("w-96"):
        ui.label(t("新建用户", "New login")).classes("text-h6")
        username = ui.input(t("用户名", "Username")).props('data-testid="new-username"')
        ui.label(t("2–60 位小写字母、数字或 . _ -，以字母开头", users.USERNAME_RULE)).classes(
            "text-caption text-grey-7"
        )
        role = ui.select(
            {r.value: roles[r] for r in Role}, value=Role.TELLER.value, label=t("角色", "Role")
        ).props('data-testid="new-role"')
        employee = ui.input(
            t("员工号（客户经理、网点负责人、柜员必填）", "Employee id (required for staff roles)")
        ).props('data-testid="new-employee"')

        def submit() -> None:
            def run(actor: Actor) -> tuple[users.UserView, str | None]:
                with runtime().sessions() as session:
                    return users.create_user(
                        session,
                        actor,
                        username.value or "",
                        role.value,
                        runtime().settings.security,
                        (employee.value or "").strip() or None,
                    )

            made = guarded(visit, run)
            if made is None:
                return
            dialog.close()
            view, password = made
            if password:
                show_password(visit, view.username, password)
            after()

        with ui.row():
            ui.button(t("创建", "Create"), on_click=submit).props('data-testid="new-create"')
            ui.button(t("取消", "Cancel"), on_click=dialog.close).props("flat")
    return dialog


def show_password(visit: Visit, username: str, password: str) -> None:
    """The new password, shown this once: it is not kept anywhere it could be shown again."""
    t = visit.t
    with ui.dialog() as dialog, ui.card():
        ui.label(
            t(f"用户 {username} 的初始密码（仅显示这一次）", f"Password of {username} (shown once)")
        ).classes("text-h6")
        ui.label(password).classes("text-h5 font-mono").props('data-testid="new-password"')
        ui.label(
            t(
                "请当面交给本人；首次登录时须修改。",
                "Hand it over in person; it must be changed at first login.",
            )
        ).classes("text-grey-7")
        ui.button(t("我已记下", "Done"), on_click=dialog.close)
    dialog.open()
