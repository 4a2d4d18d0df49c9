"""登录 Login in a real browser: a login, a refusal in words, the lockout, logout that ends the
session, and every page closed to a visitor without one."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.conftest import Server, fill, login, shot


def test_login_shows_the_role_and_logout_ends_the_session(
    server: Server, open_page: Callable[..., object]
) -> None:
    page = open_page()
    page.goto(f"{server.url}/")  # type: ignore[attr-defined]
    assert "/login" in page.url  # type: ignore[attr-defined]
    shot(page, "login")
    login(page, server, "demo_manager")
    assert "网点负责人" in page.get_by_test_id("whoami").inner_text()  # type: ignore[attr-defined]
    shot(page, "dashboard-manager")
    page.get_by_test_id("logout").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/login**")  # type: ignore[attr-defined]
    page.goto(f"{server.url}/")  # type: ignore[attr-defined]
    assert "/login" in page.url  # type: ignore[attr-defined]  # the session is over, not the screen


def test_a_wrong_password_is_refused_in_words(
    server: Server, open_page: Callable[..., object]
) -> None:
    page = open_page()
    page.goto(f"{server.url}/login")  # type: ignore[attr-defined]
    fill(page, "username", "demo_analyst")
    fill(page, "password", "not-the-password")
    page.get_by_test_id("login").click()  # type: ignore[attr-defined]
    error = page.get_by_test_id("login-error")  # type: ignore[attr-defined]
    error.wait_for()
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('[data-testid=login-error]').innerText.length > 0"
    )
    assert "/login" in page.url  # type: ignore[attr-defined]
    assert error.inner_text().strip()
