"""首页 Dashboard by role in a real browser: the headline customer count equals the analytics'
figure for the manager's subtree and the segment service's count of the RM's book."""

from __future__ import annotations

from collections.abc import Callable

from bankcrm.crm import segments
from bankcrm.web import fmt
from bankcrm.web.pages.home_figures import EVERY_CUSTOMER
from tests.web.conftest import Server, shot
from tests.web.w2_expect import actor, last_year_totals, store, tables


def test_the_manager_dashboard_shows_the_headline_of_their_scope(
    server: Server, open_page: Callable[..., object]
) -> None:
    manager = actor(server.data, "demo_manager")
    customers, aum = last_year_totals(server.data, manager.branch_id)
    page = open_page("demo_manager")
    shown = page.get_by_test_id("dash-customers")  # type: ignore[attr-defined]
    shown.wait_for(timeout=60_000)
    assert shown.inner_text() == f"{customers:,}"
    assert page.get_by_test_id("dash-aum").inner_text() == fmt.wan(aum)  # type: ignore[attr-defined]
    page.get_by_test_id("finding").first.wait_for()  # type: ignore[attr-defined]
    shot(page, "dashboard")


def test_the_rm_dashboard_shows_their_book(
    server: Server, open_page: Callable[..., object]
) -> None:
    rm = actor(server.data, "demo_rm")
    with store(server.data) as session:
        book = segments.preview(session, rm, tables(server.data), EVERY_CUSTOMER)
    page = open_page("demo_rm")
    shown = page.get_by_test_id("dash-customers")  # type: ignore[attr-defined]
    shown.wait_for(timeout=60_000)
    assert shown.inner_text() == f"{book.customers:,}"
    assert page.get_by_test_id("dash-aum").inner_text() == fmt.wan(book.aum)  # type: ignore[attr-defined]
    assert page.get_by_test_id("dash-coverage").inner_text().endswith("%")  # type: ignore[attr-defined]
    shot(page, "dashboard-rm")


def test_a_teller_is_told_what_they_can_do(
    server: Server, open_page: Callable[..., object]
) -> None:
    page = open_page("demo_teller")
    assert "柜面" in page.get_by_test_id("welcome").inner_text()  # type: ignore[attr-defined]
