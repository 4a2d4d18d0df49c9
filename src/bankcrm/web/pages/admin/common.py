"""What the administration tabs share: running an action with the visitor re-checked and any
refusal shown in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from nicegui import ui

from bankcrm.domain.actor import Actor
from bankcrm.domain.errors import BankcrmError, Forbidden, Unauthenticated
from bankcrm.web.auth import Visit

T = TypeVar("T")


def guarded(visit: Visit, step: Callable[[Actor], T]) -> T | None:
    """``step(actor)`` with the session re-checked (to /login once it ended); a refusal is a
    notification in the visitor's language, and None."""
    try:
        actor = visit.fresh()
    except Unauthenticated:
        ui.navigate.to("/login?next=/admin")
        return None
    try:
        return step(actor)
    except Forbidden:
        ui.notify(
            visit.t("您的角色无权执行此操作。", "Your role may not do this."), type="negative"
        )
    except BankcrmError as error:
        reason = getattr(error, "reason", str(error))
        ui.notify(
            visit.t(f"操作未完成：{reason}", f"Not done: {reason}"), type="warning", multi_line=True
        )
    return None


def pager(visit: Visit, on_page: Callable[[int], None]) -> Callable[[int, int, int], None]:
    """Previous/next controls with "page x of y, n in all"; returns the function that updates
    them after a page was fetched (page, page size, total)."""
    state = {"page": 1}
    with ui.row().classes("items-center gap-2"):
        back = ui.button(icon="chevron_left", on_click=lambda: on_page(state["page"] - 1)).props(
            "flat dense"
        )
        label = ui.label("")
        forward = ui.button(icon="chevron_right", on_click=lambda: on_page(state["page"] + 1))
        forward.props("flat dense")

    def update(page: int, size: int, total: int) -> None:
        pages = max(1, -(-total // size))
        state["page"] = page
        back.enabled = page > 1
        forward.enabled = page < pages
        label.set_text(
            visit.t(
                f"第 {page:,} / {pages:,} 页，共 {total:,} 条",
                f"page {page:,} of {pages:,}, {total:,} in all",
            )
        )

    return update
