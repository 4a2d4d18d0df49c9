"""The frame of every staff page: the header with the user and role, the navigation the role
may use, the language switch and logout."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from nicegui import ui

from bankcrm.api.auth import CSRF_HEADER
from bankcrm.domain.actor import ROLE_LABELS_ZH, Actor
from bankcrm.security.policy import Permission, allowed
from bankcrm.web.auth import LANG_COOKIE, Visit
from bankcrm.web.runtime import runtime


@dataclass(frozen=True)
class NavItem:
    path: str
    zh: str
    en: str
    icon: str
    needs: tuple[Permission, ...]  # any one of them; () = every role

    def shown_to(self, actor: Actor) -> bool:
        return not self.needs or any(allowed(actor, p) for p in self.needs)


NAV: tuple[NavItem, ...] = (
    NavItem("/", "首页", "Dashboard", "home", ()),
    NavItem("/customers", "客户查询", "Customers", "search", (Permission.CUSTOMER_SEARCH,)),
    NavItem("/workbench", "我的工作台", "Workbench", "work", (Permission.TASKS,)),
    NavItem("/structure", "客户结构分析", "Structure", "insights", (Permission.ANALYTICS,)),
    NavItem("/segments", "客群与营销", "Segments", "groups", (Permission.SEGMENTS,)),
    NavItem("/counter", "柜面连续业务", "Counter", "point_of_sale", (Permission.COUNTER,)),
    NavItem("/admin", "管理", "Admin", "admin_panel_settings",
            (Permission.USER_ADMIN, Permission.AUDIT_READ)),
)  # fmt: skip
ROLE_LABELS_EN = {role: role.value.replace("_", " ") for role in ROLE_LABELS_ZH}


@contextmanager
def frame(visit: Visit, title_zh: str, title_en: str) -> Iterator[None]:
    """Lay out a staff page around what the ``with`` block builds."""
    actor = visit.actor
    t = visit.t
    ui.page_title(f"{t(title_zh, title_en)} · bankcrm")
    with ui.header().classes("items-center bg-blue-900 text-white q-px-md"):
        ui.label(t("银行网点客户关系管理", "bankcrm")).classes("text-h6")
        ui.space()
        role = ROLE_LABELS_ZH[actor.role] if visit.lang == "zh" else ROLE_LABELS_EN[actor.role]
        ui.label(f"{actor.username} · {role}").props('data-testid="whoami"')
        other = "en" if visit.lang == "zh" else "zh"
        ui.button("English" if other == "en" else "中文", on_click=lambda: _switch(other)).props(
            "flat color=white"
        )
        ui.button(t("修改密码", "Password"), on_click=lambda: ui.navigate.to("/password")).props(
            "flat color=white"
        )
        ui.button(t("退出", "Log out"), icon="logout", on_click=lambda: _logout(visit)).props(
            'flat color=white data-testid="logout"'
        )
    with ui.left_drawer(value=True).classes("bg-grey-2").props("width=200 bordered"):
        for item in NAV:
            if item.shown_to(actor):
                ui.link(t(item.zh, item.en), item.path).classes(
                    "block q-py-sm text-body1 no-underline text-blue-10"
                )
    with ui.column().classes("w-full q-pa-md gap-4"):
        ui.label(t(title_zh, title_en)).classes("text-h5")
        yield


def _switch(lang: str) -> None:
    ui.run_javascript(
        f"document.cookie = '{LANG_COOKIE}={lang}; path=/; SameSite=Strict'; location.reload()"
    )


async def _logout(visit: Visit) -> None:
    # A teller leaving ends their open visits and clears those caches, as the counter requires.
    if allowed(visit.actor, Permission.COUNTER):
        runtime().counter.logout(visit.actor)
    csrf = visit.login.csrf_token or ""
    await ui.run_javascript(
        "return fetch('/api/v1/auth/logout', {method: 'POST', credentials: 'same-origin', "
        f"headers: {{'{CSRF_HEADER}': '{csrf}'}}}}).then(r => r.status)"
    )
    ui.navigate.to("/login")


def empty(text: str) -> None:
    """An empty state, explained in words."""
    ui.label(text).classes("text-grey-7 q-pa-md")
