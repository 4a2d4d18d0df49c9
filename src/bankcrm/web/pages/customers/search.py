"""客户查询 Customer search: the CRM search (name, customer number, ID number or phone) with
tier and flag filters, one server-side page at a time in an AG Grid; a click opens the 360."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from nicegui import ui

from bankcrm.crm.search import CustomerHit, Flag, SearchQuery, SearchSort, search
from bankcrm.domain.actor import Role
from bankcrm.domain.enums import Tier
from bankcrm.security.policy import Permission, allowed
from bankcrm.web.auth import Visit, to_login, visit_of
from bankcrm.web.layout import empty, frame
from bankcrm.web.pages.customers.common import (
    FLAG_LABELS,
    attempt,
    customer_grid,
    hit_rows,
    label,
    pages,
    set_rows,
)

PAGE_SIZES = (20, 50, 100)


@dataclass
class _State:
    q: str = ""
    tier: str = ""
    flags: list[str] = field(default_factory=list)
    sort: str = SearchSort.NAME.value
    page: int = 1
    size: int = PAGE_SIZES[0]
    busy: bool = False  # the pager's own change while a result is shown is not a new search

    def query(self) -> SearchQuery:
        return SearchQuery(
            q=self.q.strip() or None,
            tier=Tier(self.tier) if self.tier else None,
            flags=tuple(Flag(f) for f in self.flags),
            sort=SearchSort(self.sort),
        )


def sort_labels(visit: Visit) -> dict[str, str]:
    t = visit.t
    return {
        SearchSort.NAME.value: t("按姓名", "By name"),
        SearchSort.AUM_DESC.value: t("资产从高到低", "AUM, highest first"),
        SearchSort.AUM.value: t("资产从低到高", "AUM, lowest first"),
        SearchSort.CUSTOMER_ID.value: t("按客户号", "By customer no."),
        SearchSort.OPENED_ON.value: t("按开户日期", "By opening date"),
    }


@ui.page("/customers")
def customers_page(request: Request) -> Any:
    visit = visit_of(request)
    if visit is None:
        return to_login(request)
    with frame(visit, "客户查询", "Customer search"):
        if not allowed(visit.actor, Permission.CUSTOMER_SEARCH):
            empty(visit.t("您的角色不查询客户。", "Your role does not search customers."))
            return None
        _build(visit)
    return None


def _build(visit: Visit) -> None:
    t = visit.t
    state = _State()
    if visit.actor.role is Role.ANALYST:
        hint = t("分析员只能按客户号查询，姓名已脱敏。", "Analysts search by customer number only.")
    else:
        hint = t(
            "输入姓名（1–2个字按姓氏开头匹配，3个字以上任意位置匹配）、客户号、证件号或手机号。",
            "A name (1–2 characters: the start; 3 or more: anywhere), customer no., ID or phone.",
        )
    with ui.row().classes("items-end gap-3 w-full"):
        ui.input(t("查询", "Search"), placeholder=hint).bind_value(state, "q").props(
            'clearable data-testid="search-q"'
        ).classes("w-96").on("keydown.enter", lambda: run(reset=True))
        tiers = {"": t("全部层级", "All tiers")} | {x.value: label(visit, x.value) for x in Tier}
        ui.select(tiers, label=t("层级", "Tier")).bind_value(state, "tier").classes("w-36").props(
            'data-testid="search-tier"'
        )
        flags = {f.value: FLAG_LABELS[f][0 if visit.lang == "zh" else 1] for f in Flag}
        ui.select(flags, label=t("提示", "Flags"), multiple=True).bind_value(
            state, "flags"
        ).classes("w-56").props("use-chips")
        ui.select(sort_labels(visit), label=t("排序", "Sort")).bind_value(state, "sort").classes(
            "w-40"
        )
        ui.button(t("查询", "Search"), icon="search", on_click=lambda: run(reset=True)).props(
            'data-testid="search-go"'
        )
    ui.label(hint).classes("text-caption text-grey-7")
    total_label = ui.label("").props('data-testid="search-total"').classes("text-subtitle1")
    grid = customer_grid(visit, lambda cid: ui.navigate.to(f"/customers/{cid}"))
    nothing = ui.label(
        t("没有符合条件的客户。请换一个姓名、客户号或放宽筛选条件。",
          "No customer matches. Try another name or number, or fewer filters.")
    ).classes("text-grey-7")  # fmt: skip
    nothing.set_visibility(False)
    with ui.row().classes("items-center gap-4"):
        pager = ui.pagination(1, 1, direction_links=True, on_change=lambda: run(reset=False))
        pager.props('data-testid="search-pager" max-pages=9 boundary-numbers')
        sizes = {n: t(f"每页{n}条", f"{n} per page") for n in PAGE_SIZES}
        ui.select(sizes, on_change=lambda: run(reset=True)).bind_value(state, "size").classes(
            "w-32"
        )

    def run(reset: bool) -> None:
        if state.busy:
            return
        if reset:
            state.page = 1
        else:
            state.page = int(pager.value or 1)
        offset = (state.page - 1) * state.size
        found = attempt(visit, lambda actor, s: search(s, actor, state.query(), offset, state.size))
        if found is None:
            return
        show(*found)

    def show(hits: list[CustomerHit], total: int) -> None:
        set_rows(grid, hit_rows(visit, hits))
        total_label.set_text(t(f"共 {total:,} 位客户", f"{total:,} customers"))
        nothing.set_visibility(total == 0)
        state.busy = True
        try:
            pager.max = pages(total, state.size)
            pager.set_value(state.page)
        finally:
            state.busy = False

    run(reset=True)
