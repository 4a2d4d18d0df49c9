"""The menu follows the role (each role sees what its job needs), the language switch, and
the frame at a 1920-wide monitor."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.web.conftest import shot

MENUS = {
    "demo_manager": {"首页", "客户查询", "我的工作台", "客户结构分析", "客群与营销"},
    "demo_rm": {"首页", "客户查询", "我的工作台", "客群与营销"},
    "demo_teller": {"首页", "柜面连续业务"},
    "demo_analyst": {"首页", "客户查询", "客户结构分析", "客群与营销"},
    "demo_auditor": {"首页", "管理"},
    "demo_admin": {"首页", "管理"},
}


def _menu(page: object) -> set[str]:
    links = page.locator(".q-drawer a")  # type: ignore[attr-defined]
    return {links.nth(i).inner_text().strip() for i in range(links.count())}


@pytest.mark.parametrize("username", sorted(MENUS))
def test_each_role_sees_its_menu(open_page: Callable[..., object], username: str) -> None:
    page = open_page(username)
    assert _menu(page) == MENUS[username]


def test_the_language_switch_and_a_wide_screen(open_page: Callable[..., object]) -> None:
    page = open_page("demo_rm", width=1920, height=1080)
    page.get_by_role("button", name="English").click()  # type: ignore[attr-defined]
    page.get_by_text("Workbench").wait_for()  # type: ignore[attr-defined]
    assert "relationship manager" in page.get_by_test_id("whoami").inner_text()  # type: ignore[attr-defined]
    shot(page, "dashboard-rm-en-1920")
    page.get_by_role("button", name="中文").click()  # type: ignore[attr-defined]
    page.get_by_text("我的工作台").wait_for()  # type: ignore[attr-defined]
