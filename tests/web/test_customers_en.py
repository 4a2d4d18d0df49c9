"""The customer screens in English (the language switch): labels, figures and dates follow."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from bankcrm.web import fmt
from tests.web.conftest import Server
from tests.web.test_customers import actor, book_customer, store, text_of


def test_the_customer_screens_switch_to_english(
    server: Server, open_page: Callable[..., object]
) -> None:
    with store(server)() as session:
        customer, summary = book_customer(session, actor(session, "demo_rm"))
    page = open_page("demo_rm")
    page.context.add_cookies([{"name": "bankcrm_lang", "value": "en", "url": server.url}])  # type: ignore[attr-defined]
    page.goto(f"{server.url}/customers")  # type: ignore[attr-defined]
    page.get_by_test_id("search-total").get_by_text("customers").wait_for()  # type: ignore[attr-defined]
    page.goto(f"{server.url}/customers/{customer.customer_id}")  # type: ignore[attr-defined]
    page.get_by_text("Profile", exact=True).wait_for()  # type: ignore[attr-defined]
    aum = fmt.wan(Decimal(summary.aum_fen) / 100, "en")
    assert aum in text_of(page, "customer-aum")
    page.goto(f"{server.url}/workbench")  # type: ignore[attr-defined]
    page.get_by_text("My tasks", exact=True).wait_for()  # type: ignore[attr-defined]
