"""修改密码 Change password: one's own, with the current one. A login whose password an
administrator set (new, or reset) is sent here before any other screen."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from nicegui import ui

from bankcrm.domain.errors import ServiceError
from bankcrm.security.users import change_password
from bankcrm.web.auth import session_of, to_login
from bankcrm.web.runtime import runtime


@ui.page("/password")
def password_page(request: Request) -> Any:
    visit = session_of(request)
    if visit is None:
        return to_login(request)
    t = visit.t
    ui.page_title(t("修改密码 · bankcrm", "Change password · bankcrm"))
    with ui.card().classes("absolute-center w-96"):
        ui.label(t("修改密码", "Change password")).classes("text-h6")
        if visit.login.user.must_change_password:
            ui.label(
                t(
                    "您的密码由管理员设置，请先修改密码再继续使用。",
                    "An administrator set your password: change it before you go on.",
                )
            ).classes("text-body2")
        old = ui.input(t("当前密码", "Current password"), password=True).props(
            'data-testid="old-password"'
        )
        new = ui.input(t("新密码", "New password"), password=True).props(
            'data-testid="new-password"'
        )
        ui.label(
            t(
                "至少 10 位，含大写字母、小写字母、数字、符号中的三类，不含用户名。",
                "At least 10 characters, three of upper, lower, digits and others; not your name.",
            )
        ).classes("text-caption text-grey-7")
        message = ui.label("").classes("text-negative").props('data-testid="password-error"')

        def submit() -> None:
            rt = runtime()
            try:
                actor = visit.fresh()
                with rt.sessions() as session:
                    change_password(
                        session, actor, old.value or "", new.value or "", rt.settings.security,
                        keep_token=visit.token,
                    )  # fmt: skip
            except ServiceError as refused:
                message.set_text(refused.reason)
                return
            ui.navigate.to("/")

        ui.button(t("修改", "Change"), on_click=submit).props(
            'data-testid="change-password"'
        ).classes("w-full")
    return None
