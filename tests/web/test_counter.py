"""柜面连续业务 in a real browser: a teller serves a customer with the cache — verify, cache
granted (countdown shown), two transactions recorded through the cache, one signature, end —
and the store holds exactly that visit."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable

from tests.web.conftest import Server, fill, shot


def _a_customer(server: Server) -> dict[str, str]:
    """A customer of the imported extract, as the teller reads them off the ID card."""
    with (server.data / "extract" / "customers.csv").open(encoding="utf-8-sig") as file:
        for row in csv.DictReader(file):
            if row["id_number"] and row["name"]:
                return row
    raise AssertionError("the extract has no customer with a name and an ID number")


def _visit_rows(server: Server, teller: str) -> tuple[str, list[tuple[str, int, str | None]]]:
    """The teller's latest visit in the store: its end reason and its transactions."""
    with sqlite3.connect(server.data / "bankcrm.sqlite3") as db:
        session_id, reason = db.execute(
            "SELECT session_id, end_reason FROM counter_sessions WHERE teller = ? "
            "ORDER BY started_at DESC LIMIT 1",
            (teller,),
        ).fetchone()
        rows = db.execute(
            "SELECT txn_type, via_cache, confirmation_id FROM counter_transactions "
            "WHERE session_id = ? ORDER BY recorded_at",
            (session_id,),
        ).fetchall()
    return reason, rows


def test_teller_serves_a_customer_with_the_cache(
    server: Server, open_page: Callable[..., object]
) -> None:
    customer = _a_customer(server)
    page = open_page("demo_teller")
    page.goto(f"{server.url}/counter")  # type: ignore[attr-defined]
    fill(page, "cust-id", customer["customer_id"])
    fill(page, "cust-name", customer["name"])
    fill(page, "cust-idno", customer["id_number"])
    page.get_by_test_id("verify").click()  # type: ignore[attr-defined]
    result = page.get_by_test_id("verify-result")  # type: ignore[attr-defined]
    page.wait_for_function("() => document.querySelector('[data-testid=verify-result]')"  # type: ignore[attr-defined]
                           ".innerText.includes('核查通过')")  # fmt: skip
    assert "人像比对" in result.inner_text()

    page.get_by_test_id("consent").click()  # type: ignore[attr-defined]
    page.get_by_test_id("cache-request").click()  # type: ignore[attr-defined]
    page.get_by_text("已缓存：本次服务的后续业务可沿用这次核验").wait_for()  # type: ignore[attr-defined]
    countdown = page.get_by_test_id("cache-countdown")  # type: ignore[attr-defined]
    page.wait_for_function("() => document.querySelector('[data-testid=cache-countdown]')"  # type: ignore[attr-defined]
                           ".innerText.includes('剩余')")  # fmt: skip
    assert "分" in countdown.inner_text()

    fill(page, "txn-amount", "2000")  # a deposit, the default type
    page.get_by_test_id("txn-submit").click()  # type: ignore[attr-defined]
    page.get_by_text("已办理：存款（沿用缓存核验）").wait_for()  # type: ignore[attr-defined]
    page.get_by_test_id("txn-type").click()  # type: ignore[attr-defined]
    page.get_by_role("option", name="打印流水").click()  # type: ignore[attr-defined]
    page.get_by_test_id("txn-submit").click()  # type: ignore[attr-defined]
    page.get_by_text("已办理：打印流水（沿用缓存核验）").wait_for()  # type: ignore[attr-defined]
    table = page.get_by_test_id("txn-table")  # type: ignore[attr-defined]
    assert table.get_by_text("沿用缓存").count() == 2
    assert "0.20万元" in table.inner_text()
    shot(page, "counter")
    # a reload carries on with the open visit, cache countdown included
    page.reload()  # type: ignore[attr-defined]
    page.get_by_test_id("visit-state").get_by_text("继续服务客户").wait_for()  # type: ignore[attr-defined]
    assert page.get_by_test_id("txn-table").get_by_text("沿用缓存").count() == 2  # type: ignore[attr-defined]
    page.wait_for_function("() => document.querySelector('[data-testid=cache-countdown]')"  # type: ignore[attr-defined]
                           ".innerText.includes('剩余')")  # fmt: skip

    # refused: the customer has not signed yet
    page.get_by_test_id("end-visit").click()  # type: ignore[attr-defined]
    page.get_by_text("还有业务未经客户签名确认，不能结束服务。").wait_for()  # type: ignore[attr-defined]
    page.get_by_test_id("sign-visit").click()  # type: ignore[attr-defined]
    page.get_by_test_id("visit-state").get_by_text("客户已签名确认").wait_for()  # type: ignore[attr-defined]
    page.get_by_test_id("end-visit").click()  # type: ignore[attr-defined]
    page.get_by_text("服务已结束，缓存已清除").wait_for()  # type: ignore[attr-defined]

    reason, rows = _visit_rows(server, "demo_teller")
    assert reason == "teller_ended"
    assert [(kind, bool(via)) for kind, via, _ in rows] == [
        ("deposit", True),
        ("statement", True),
    ]
    signatures = {confirmation for _, _, confirmation in rows}
    assert len(signatures) == 1  # one signature for both
    assert None not in signatures


def test_a_large_withdrawal_needs_the_supervisor_in_words(
    server: Server, open_page: Callable[..., object]
) -> None:
    customer = _a_customer(server)
    page = open_page("demo_teller", width=1920, height=1080)
    page.goto(f"{server.url}/counter")  # type: ignore[attr-defined]
    left = page.get_by_test_id("verify").bounding_box()  # type: ignore[attr-defined]
    right = page.get_by_test_id("txn-submit").bounding_box()  # type: ignore[attr-defined]
    assert right["x"] > left["x"] + 300  # side by side on a wide monitor, not stacked
    fill(page, "cust-id", customer["customer_id"])
    fill(page, "cust-name", customer["name"])
    fill(page, "cust-idno", customer["id_number"])
    page.get_by_test_id("verify").click()  # type: ignore[attr-defined]
    page.get_by_text("核查通过").wait_for()  # type: ignore[attr-defined]
    page.get_by_test_id("txn-type").click()  # type: ignore[attr-defined]
    page.get_by_role("option", name="取款").click()  # type: ignore[attr-defined]
    fill(page, "txn-amount", "80000")
    page.get_by_test_id("txn-submit").click()  # type: ignore[attr-defined]
    page.get_by_text("该业务需网点负责人授权").wait_for()  # type: ignore[attr-defined]
    fill(page, "supervisor-user", "demo_manager")
    fill(page, "supervisor-password", "Demo-2020-xinyu")
    page.get_by_test_id("supervisor-ok").click()  # type: ignore[attr-defined]
    # authorized, but above the large-cash line it still needs a fresh identity check
    page.get_by_text("须重新核验客户身份").wait_for()  # type: ignore[attr-defined]
    page.get_by_test_id("fresh-verify").click()  # type: ignore[attr-defined]
    page.get_by_text("已办理：取款（使用本次重新核验").wait_for()  # type: ignore[attr-defined]
    table = page.get_by_test_id("txn-table")  # type: ignore[attr-defined]
    assert "demo_manager" in table.inner_text()
    assert "8.00万元" in table.inner_text()


def test_the_counter_in_english(server: Server, open_page: Callable[..., object]) -> None:
    customer = _a_customer(server)
    page = open_page("demo_teller")
    page.context.add_cookies([{"name": "bankcrm_lang", "value": "en", "url": server.url}])  # type: ignore[attr-defined]
    page.goto(f"{server.url}/counter")  # type: ignore[attr-defined]
    fill(page, "cust-id", customer["customer_id"])
    fill(page, "cust-name", customer["name"])
    fill(page, "cust-idno", customer["id_number"])
    page.get_by_test_id("verify").click()  # type: ignore[attr-defined]
    page.get_by_test_id("verify-result").get_by_text("passed (photo match").wait_for()  # type: ignore[attr-defined]
    page.get_by_test_id("cache-request").click()  # type: ignore[attr-defined]
    page.get_by_test_id("cache-countdown").get_by_text("left").wait_for()  # type: ignore[attr-defined]
    fill(page, "txn-amount", "1,234.60")
    page.get_by_test_id("txn-submit").click()  # type: ignore[attr-defined]
    page.get_by_text("Recorded: deposit (relied on the cache)").wait_for()  # type: ignore[attr-defined]
    assert "¥1,235" in page.get_by_test_id("txn-table").inner_text()  # type: ignore[attr-defined]
    page.get_by_test_id("sign-visit").click()  # type: ignore[attr-defined]
    page.get_by_test_id("end-visit").click()  # type: ignore[attr-defined]
    page.get_by_text("Visit ended; cache cleared.").wait_for()  # type: ignore[attr-defined]
