"""客户结构分析 Structure analysis in a real browser: a branch manager reads the analysis of their
subtree (the figures equal the analytics' own), opens a chart's table and downloads it."""

from __future__ import annotations

from collections.abc import Callable

from bankcrm.analytics.base import scope_of
from bankcrm.web import fmt
from tests.web.conftest import Server, shot
from tests.web.w2_expect import actor, last_year_totals, tables


def test_a_manager_reads_the_analysis_of_their_subtree(
    server: Server, open_page: Callable[..., object]
) -> None:
    manager = actor(server.data, "demo_manager")
    customers, aum = last_year_totals(server.data, manager.branch_id)
    page = open_page("demo_manager")
    page.goto(f"{server.url}/structure")  # type: ignore[attr-defined]
    shown = page.get_by_test_id("structure-customers")  # type: ignore[attr-defined]
    shown.wait_for(timeout=60_000)
    assert shown.inner_text() == f"{customers:,}"
    assert page.get_by_test_id("structure-aum").inner_text() == fmt.wan(aum)  # type: ignore[attr-defined]
    for key in ("tier", "age", "trends", "migration", "bridge", "lorenz", "channels", "outflow"):
        page.get_by_test_id(f"chart-{key}").wait_for()  # type: ignore[attr-defined]
    shot(page, "structure")
    page.get_by_test_id("table-tier").click()  # type: ignore[attr-defined]
    table = page.get_by_test_id("chart-tier").locator("table")  # type: ignore[attr-defined]
    table.wait_for()
    assert "金卡" in table.inner_text()
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.get_by_test_id("xlsx-tier").click()  # type: ignore[attr-defined]
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as f:
        assert f.read(2) == b"PK"  # an xlsx is a zip


def test_a_branch_outside_the_scope_is_not_offered(
    server: Server, open_page: Callable[..., object]
) -> None:
    manager = actor(server.data, "demo_manager")
    t = tables(server.data)
    subtree = scope_of(t, manager.branch_id).branch_ids
    page = open_page("demo_manager", width=1920, height=1080)  # a wide monitor: two columns
    page.goto(f"{server.url}/structure")  # type: ignore[attr-defined]
    page.get_by_test_id("structure-customers").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    tier = page.get_by_test_id("chart-tier").bounding_box()  # type: ignore[attr-defined]
    age = page.get_by_test_id("chart-age").bounding_box()  # type: ignore[attr-defined]
    assert tier["y"] == age["y"]  # side by side on a wide screen
    assert age["x"] >= tier["x"] + tier["width"]
    page.get_by_test_id("branch").click()  # type: ignore[attr-defined]
    menu = page.locator(".q-menu .q-item")  # type: ignore[attr-defined]
    menu.first.wait_for()
    offered = {text.split()[0] for text in menu.all_inner_texts()}
    assert offered == set(
        subtree or ()
    )  # the manager's own subtree, no other branch, no whole bank


def test_an_analyst_reads_the_whole_bank(server: Server, open_page: Callable[..., object]) -> None:
    customers, aum = last_year_totals(server.data, None)
    page = open_page("demo_analyst")
    page.goto(f"{server.url}/structure")  # type: ignore[attr-defined]
    shown = page.get_by_test_id("structure-customers")  # type: ignore[attr-defined]
    shown.wait_for(timeout=60_000)
    assert shown.inner_text() == f"{customers:,}"  # the default scope is the whole bank
    assert page.get_by_test_id("structure-aum").inner_text() == fmt.wan(aum)  # type: ignore[attr-defined]
    shot(page, "structure-analyst")
