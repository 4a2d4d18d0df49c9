"""A login whose password an administrator set must change it before any screen: the same
rule the API enforces (403 until changed), in the browser."""

from __future__ import annotations

from collections.abc import Callable

from bankcrm.config import Settings
from bankcrm.domain.actor import SYSTEM
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security.users import create_user
from bankcrm.store.db import make_engine, session_factory
from tests.web.conftest import Server, fill

NEW_PASSWORD = "Xin-Mima-2026!"  # noqa: S105  (a test login)


def test_an_admin_set_password_is_changed_first(
    server: Server, open_page: Callable[..., object]
) -> None:
    engine = make_engine(Settings(data_dir=server.data).store_url)
    with session_factory(engine)() as session:
        _, given = create_user(session, SYSTEM, "new.analyst", "analyst", SecuritySettings())
    engine.dispose()
    assert given is not None
    page = open_page()
    page.goto(f"{server.url}/login")  # type: ignore[attr-defined]
    fill(page, "username", "new.analyst")
    fill(page, "password", given)
    page.get_by_test_id("login").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/password")  # type: ignore[attr-defined]
    page.goto(f"{server.url}/structure")  # type: ignore[attr-defined]
    assert page.url.endswith("/password")  # type: ignore[attr-defined]  # no screen before it
    fill(page, "old-password", given)
    fill(page, "new-password", "short")
    page.get_by_test_id("change-password").click()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('[data-testid=password-error]').innerText.length > 0"
    )
    assert page.url.endswith("/password")  # type: ignore[attr-defined]  # refused, in words
    fill(page, "new-password", NEW_PASSWORD)
    page.get_by_test_id("change-password").click()  # type: ignore[attr-defined]
    page.get_by_test_id("whoami").wait_for()  # type: ignore[attr-defined]
    assert "new.analyst" in page.get_by_test_id("whoami").inner_text()  # type: ignore[attr-defined]
