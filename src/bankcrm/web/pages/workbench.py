"""我的工作台 RM workbench: my customers (one server-side page at a time, by AUM and, where the
search offers them, by churn risk or last contact), my open tasks by due date with the overdue
ones marked, and the campaign tasks given to me."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from nicegui import ui

from bankcrm.crm import tasks
from bankcrm.crm.search import CustomerHit, SearchQuery, SearchSort, search
from bankcrm.crm.tasks import TaskFilter, TaskStatus
from bankcrm.security.policy import Permission, allowed
from bankcrm.web.auth import Visit, to_login, visit_of
from bankcrm.web.layout import empty, frame
from bankcrm.web.pages.customers.common import (
    attempt,
    customer_grid,
    hit_rows,
    pages,
    set_rows,
)
from bankcrm.web.pages.customers.work import task_row, today

BOOK_PAGE = 20
TASK_PAGE = 20
# Sorts of the book, in the order offered; a sort the search service does not (yet) know is
# left out rather than faked on one page.
SORTS: dict[str, tuple[str, str]] = {
    "-aum": ("资产从高到低", "AUM, highest first"),
    "-churn": ("流失风险从高到低", "Churn risk, highest first"),
    "last_contact": ("最久未联系在前", "Longest without contact first"),
    "aum": ("资产从低到高", "AUM, lowest first"),
    "name": ("按姓名", "By name"),
}


@ui.page("/workbench")
def workbench_page(request: Request) -> Any:
    visit = visit_of(request)
    if visit is None:
        return to_login(request)
    t = visit.t
    with frame(visit, "我的工作台", "My workbench"):
        if not allowed(visit.actor, Permission.TASKS):
            empty(t("您的角色没有工作台。", "Your role has no workbench."))
            return None
        if visit.actor.employee_id is None:
            empty(t("当前登录未关联员工，没有管户客户和任务。", "This login has no employee."))
            return None
        counts = ui.row().classes("gap-4")
        with ui.tabs() as tabs:
            ui.tab("tasks", label=t("我的任务", "My tasks")).props('data-testid="wb-tab-tasks"')
            ui.tab("campaign", label=t("营销任务", "Campaign tasks")).props(
                'data-testid="wb-tab-campaign"'
            )
            ui.tab("book", label=t("我的客户", "My customers")).props('data-testid="wb-tab-book"')
        with ui.tab_panels(tabs, value="tasks", animated=False).classes("w-full"):
            with ui.tab_panel("tasks").props('data-testid="wb-panel-tasks"'):
                refresh_tasks = _task_list(visit, rule=None)
            with ui.tab_panel("campaign").props('data-testid="wb-panel-campaign"'):
                refresh_campaign = _task_list(visit, rule="campaign")
            with ui.tab_panel("book").props('data-testid="wb-panel-book"'):
                book_total = _book(visit)

        @ui.refreshable
        def headline() -> None:
            found = attempt(visit, lambda actor, s: tasks.open_counts(s, actor, today()))
            if found is None:
                return
            _figure(t("管户客户", "My customers"), f"{book_total():,}", "wb-book-count")
            _figure(t("待办任务", "Open tasks"), f"{found['open']:,}", "wb-open-count")
            _figure(t("已逾期", "Overdue"), f"{found['overdue']:,}", "wb-overdue-count")

        with counts:
            headline()
        refresh_tasks.after = headline.refresh
        refresh_campaign.after = headline.refresh
    return None


def _figure(caption: str, value: str, test_id: str) -> None:
    with ui.card().classes("q-pa-sm min-w-[9rem]"):
        ui.label(caption).classes("text-caption text-grey-7")
        ui.label(value).classes("text-h5").props(f'data-testid="{test_id}"')


@dataclass
class _Listing:
    """A task list that reloads itself, then tells the headline (``after``)."""

    rule: str | None
    page: int = 1
    overdue_only: bool = False
    after: Any = None


def _task_list(visit: Visit, rule: str | None) -> _Listing:
    t = visit.t
    state = _Listing(rule)

    def flip() -> None:
        state.page = 1
        listing.refresh()

    ui.checkbox(t("只看已逾期", "Overdue only"), on_change=flip).bind_value(state, "overdue_only")

    def reload() -> None:
        listing.refresh()
        if state.after is not None:
            state.after()

    @ui.refreshable
    def listing() -> None:
        which = TaskFilter(
            mine=True,
            status=TaskStatus.OPEN,
            rule=state.rule,
            overdue_on=today() if state.overdue_only else None,
        )
        offset = (state.page - 1) * TASK_PAGE
        found = attempt(
            visit, lambda actor, s: tasks.list_tasks(s, actor, which, offset, TASK_PAGE)
        )
        if found is None:
            return
        rows, total = found
        if not rows:
            if state.rule == "campaign":
                empty(t("没有分配给您的营销任务。", "No campaign tasks for you."))
            else:
                empty(t("没有待办任务。任务由规则每日生成，或由营销活动分配。", "No open tasks."))
            return
        ui.label(t(f"共 {total:,} 项待办，按到期日排列", f"{total:,} open, earliest due first"))
        with ui.column().classes("w-full gap-1"):
            for task in rows:
                task_row(visit, task, reload, show_customer=True)
        if total > TASK_PAGE:

            def go(e: Any) -> None:
                state.page = int(e.value)
                listing.refresh()

            ui.pagination(1, pages(total, TASK_PAGE), direction_links=True, value=state.page,
                          on_change=go)  # fmt: skip

    listing()
    return state


@dataclass
class _Book:
    sort: str
    total: int = 0


def _book(visit: Visit) -> Any:
    """The RM's book in a grid, one page at a time; returns a function giving its total."""
    t = visit.t
    known = {s.value for s in SearchSort}
    sorts = {k: v[0 if visit.lang == "zh" else 1] for k, v in SORTS.items() if k in known}
    state = _Book(sort=next(iter(sorts)))
    with ui.row().classes("items-center gap-4"):
        ui.select(sorts, label=t("排序", "Sort"), on_change=lambda: resort()).bind_value(  # noqa: PLW0108
            state, "sort"
        ).classes("w-48").props('data-testid="wb-sort"')
        total_label = ui.label("").props('data-testid="wb-book-total"')
    grid = customer_grid(visit, lambda cid: ui.navigate.to(f"/customers/{cid}"), work=True)
    pager = ui.pagination(1, 1, direction_links=True, on_change=lambda e: load(int(e.value)))
    pager.props("max-pages=9 boundary-numbers")

    def resort() -> None:
        if pager.value != 1:
            pager.set_value(1)  # its change loads the first page
        else:
            load(1)

    def load(page: int) -> None:
        query = SearchQuery(employee_id=visit.actor.employee_id, sort=SearchSort(state.sort))
        offset = (page - 1) * BOOK_PAGE
        found: tuple[list[CustomerHit], int] | None = attempt(
            visit, lambda actor, s: search(s, actor, query, offset, BOOK_PAGE)
        )
        if found is None:
            return
        hits, total = found
        state.total = total
        set_rows(grid, hit_rows(visit, hits))
        total_label.set_text(t(f"共 {total:,} 位管户客户", f"{total:,} customers"))
        pager.max = pages(total, BOOK_PAGE)

    load(1)
    return lambda: state.total
