"""管理 Administration: for the administrator, logins and roles, imports with their rejects,
and the settings in force; for the auditor, the audit log. Each tab shows only to a role whose
permission the service behind it checks."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from nicegui import ui

from bankcrm.security.policy import Permission, allowed
from bankcrm.web.auth import to_login, visit_of
from bankcrm.web.layout import empty, frame
from bankcrm.web.pages.admin.audit_log import build as audit_tab
from bankcrm.web.pages.admin.imports import build as imports_tab
from bankcrm.web.pages.admin.settings_view import build as settings_tab
from bankcrm.web.pages.admin.users import build as users_tab


@ui.page("/admin")
def admin_page(request: Request) -> Any:
    visit = visit_of(request)
    if visit is None:
        return to_login(request)
    t = visit.t
    actor = visit.actor
    shown = [
        (name, zh, en, build)
        for name, zh, en, permission, build in (
            ("users", "用户与角色", "Users and roles", Permission.USER_ADMIN, users_tab),
            ("imports", "数据导入", "Imports", Permission.CONFIG, imports_tab),
            ("settings", "参数设置", "Settings", Permission.CONFIG, settings_tab),
            ("audit", "审计日志", "Audit log", Permission.AUDIT_READ, audit_tab),
        )
        if allowed(actor, permission)
    ]
    with frame(visit, "管理", "Administration"):
        if not shown:
            empty(
                t(
                    "您的角色没有管理功能：此页供系统管理员和审计员使用。",
                    "Administration is for administrators and auditors.",
                )
            )
            return None
        with ui.tabs().classes("w-full").props("align=left") as tabs:
            for name, zh, en, _ in shown:
                ui.tab(name, t(zh, en)).props(f'data-testid="tab-{name}"')
        with ui.tab_panels(tabs, value=shown[0][0], animated=False).classes("w-full"):
            for name, _, _, build in shown:
                with ui.tab_panel(name):
                    build(visit)
    return None
