"""End-to-end fixtures: a small synthetic branch imported with the demo logins, served by a real
``bankcrm serve`` process, driven by Debian's headless Chromium through Playwright.

Every page a test opens fails the test on a browser console error or on any request to a host
other than the app. ``BANKCRM_SCREENSHOTS=DIR`` makes ``shot`` save screenshots there (the docs'
pictures are taken this way: ``BANKCRM_SCREENSHOTS=docs/img/ui make test``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import missing_engine

CHROMIUM = Path("/usr/bin/chromium")
DEMO_PASSWORD = "Demo-2020-xinyu"  # noqa: S105  (the published demo password)
STARTUP_SECONDS = 90  # a bound on a loaded CI machine, not a speed assertion
BIN = Path(sys.executable).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One server and one browser for every web test: they run in one xdist worker."""
    for item in items:
        if "tests/web/" in str(item.path):
            item.add_marker(pytest.mark.xdist_group("web"))


def _cli(data: Path, *args: str) -> None:
    env = os.environ | {"BANKCRM_DATA_DIR": str(data)}
    done = subprocess.run(
        [str(BIN / "bankcrm"), *args],
        check=False,
        env=env,
        cwd=data,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"bankcrm {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="session")
def web_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small branch (400 customers, 2019–2020) imported, scored and with the demo logins."""
    data = tmp_path_factory.mktemp("web")
    _cli(data, "generate", "--out", "extract", "--customers", "400", "--start", "2019-01",
         "--end", "2020-12", "--seed", "7")  # fmt: skip
    _cli(data, "db", "upgrade")
    _cli(data, "import", "extract", "--rejects", "rejects.csv")
    _cli(data, "users", "demo")
    return data


@dataclass
class Server:
    url: str
    data: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server(web_data: Path) -> Iterator[Server]:
    port = _free_port()
    env = os.environ | {
        "BANKCRM_DATA_DIR": str(web_data),
        # the test server speaks plain HTTP on 127.0.0.1; production keeps the Secure flag
        "BANKCRM_SECURITY__COOKIE_SECURE": "false",
    }
    log = (web_data / "serve.log").open("w")
    process = subprocess.Popen(
        [str(BIN / "bankcrm"), "serve", "--port", str(port)],
        env=env, cwd=web_data, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert process.poll() is None, (web_data / "serve.log").read_text()
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "bankcrm serve did not start"
        time.sleep(0.3)
    yield Server(url, web_data)
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[object]:
    if not CHROMIUM.exists():
        missing_engine("browser: Debian's chromium is not installed (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@dataclass
class Watch:
    """What a page did that it must not: console errors, requests to other hosts."""

    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(server: Server, browser: object) -> Iterator[Callable[..., object]]:
    """``open_page(username=None, width=1280, height=800)``: a fresh browser context, logged in
    through the login screen as ``username`` (a demo login) when given."""
    contexts: list[object] = []
    watches: list[Watch] = []
    host = server.url.removeprefix("http://")

    def open_(username: str | None = None, width: int = 1280, height: int = 800) -> object:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")  # type: ignore[attr-defined]
        contexts.append(context)
        page = context.new_page()
        watch = Watch()
        watches.append(watch)
        page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith((f"http://{host}", f"ws://{host}", "data:", "blob:"))
                else watch.foreign.append(r.url)
            ),
        )
        page.set_default_timeout(20_000)
        if username is not None:
            login(page, server, username)
        return page

    yield open_
    for context in contexts:
        context.close()  # type: ignore[attr-defined]
    for watch in watches:
        assert not watch.errors, f"browser console errors: {watch.errors}"
        assert not watch.foreign, f"requests to other hosts: {watch.foreign}"


def login(page: object, server: Server, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{server.url}/login")  # type: ignore[attr-defined]
    fill(page, "username", username)
    fill(page, "password", password)
    page.get_by_test_id("login").click()  # type: ignore[attr-defined]
    page.get_by_test_id("whoami").wait_for()  # type: ignore[attr-defined]


def fill(page: object, test_id: str, value: str) -> None:
    """Type into a NiceGUI input (the test id sits on the <input> or on Quasar's wrapper)."""
    field = f'[data-testid="{test_id}"]'
    target = page.locator(f"input{field}, textarea{field}, {field} input, {field} textarea")  # type: ignore[attr-defined]
    target.first.fill(value)


def shot(page: object, name: str) -> None:
    """Save a screenshot for the docs when BANKCRM_SCREENSHOTS names a folder."""
    folder = os.environ.get("BANKCRM_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
