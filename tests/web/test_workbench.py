"""我的工作台 in a real browser: the RM's figures equal the services', tasks come earliest due
first with the overdue marked, a task is completed from the list, campaign tasks have their
own tab, and the book opens largest first."""

from __future__ import annotations

from collections.abc import Callable

from bankcrm.crm import tasks
from bankcrm.crm.search import SearchQuery, SearchSort, search
from bankcrm.web.pages.customers.work import today
from bankcrm.web.pages.workbench import SORTS
from tests.web.conftest import Server, fill, shot
from tests.web.test_customers import actor, book_customer, give_task, store, text_of


def test_the_rm_workbench_lists_tasks_and_the_book(
    server: Server, open_page: Callable[..., object]
) -> None:
    with store(server)() as session:
        rm = actor(session, "demo_rm")
        customer, _ = book_customer(session, rm)
        task = give_task(session, customer, rm, "产品即将到期（测试）")
        campaign_task = give_task(session, customer, rm, "营销活动：到期理财转化（测试）")
        campaign_task.rule = "campaign"
        session.commit()
        counts = tasks.open_counts(session, rm, today())
        query = SearchQuery(employee_id=rm.employee_id, sort=SearchSort.AUM_DESC)
        top, book = search(session, rm, query, 0, 1)
    page = open_page("demo_rm")
    page.goto(f"{server.url}/workbench")  # type: ignore[attr-defined]
    assert text_of(page, "wb-book-count") == f"{book:,}"
    assert text_of(page, "wb-open-count") == f"{counts['open']:,}"
    assert text_of(page, "wb-overdue-count") == f"{counts['overdue']:,}"
    row = page.get_by_test_id(f"task-{task.id}")  # type: ignore[attr-defined]
    assert "已逾期" in row.inner_text()
    shot(page, "workbench-tasks")

    page.get_by_test_id(f"task-done-{task.id}").click()  # type: ignore[attr-defined]
    fill(page, "task-outcome", "客户已办理续存")
    page.get_by_test_id("task-confirm").click()  # type: ignore[attr-defined]
    row.wait_for(state="detached")
    page.get_by_test_id("wb-open-count").get_by_text(f"{counts['open'] - 1:,}").wait_for()  # type: ignore[attr-defined]

    page.get_by_test_id("wb-tab-campaign").click()  # type: ignore[attr-defined]
    panel = page.get_by_test_id("wb-panel-campaign")  # type: ignore[attr-defined]
    panel.get_by_test_id(f"task-{campaign_task.id}").wait_for()
    shot(page, "workbench-campaign")

    page.get_by_test_id("wb-tab-book").click()  # type: ignore[attr-defined]
    page.get_by_test_id("wb-book-total").get_by_text(f"共 {book:,} 位管户客户").wait_for()  # type: ignore[attr-defined]
    first = page.locator('.ag-row[row-index="0"]')  # type: ignore[attr-defined]
    assert top[0].customer_id in first.inner_text()
    page.locator(".q-notification").wait_for(state="detached")  # type: ignore[attr-defined]
    shot(page, "workbench-book")

    # the other orders the search offers (churn risk, last contact) sort on the server too
    for sort in [s for s in SearchSort if s.value in SORTS and s is not SearchSort.AUM_DESC]:
        with store(server)() as session:
            query = SearchQuery(employee_id=rm.employee_id, sort=sort)
            top, _ = search(session, rm, query, 0, 1)
        page.get_by_test_id("wb-sort").click()  # type: ignore[attr-defined]
        page.locator(".q-item").get_by_text(SORTS[sort.value][0], exact=True).click()  # type: ignore[attr-defined]
        first.get_by_text(top[0].customer_id).wait_for()
