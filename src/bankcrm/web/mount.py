"""The API and the web UI in one process: ``create_web_app(settings)`` is the app that
``bankcrm serve`` runs."""

from __future__ import annotations

import secrets

from fastapi import FastAPI

from bankcrm.api.app import create_app
from bankcrm.config import Settings
from bankcrm.security.login import LoginRateLimiter
from bankcrm.store.db import session_factory
from bankcrm.warehouse.layout import Warehouse
from bankcrm.web.runtime import Runtime, install


def create_web_app(settings: Settings) -> FastAPI:
    """The API app with the staff screens mounted at ``/`` (the API stays under ``/api``).

    NiceGUI keeps its pages in one process-wide registry, so this is called once per process;
    its assets (Vue, Quasar, ECharts, AG Grid) are served from the package: no internet."""
    from nicegui import ui  # noqa: PLC0415  (the UI is loaded only when served)

    from bankcrm.web import pages  # noqa: F401, PLC0415  (registers the pages)
    from bankcrm.web.pages.login import complete_login  # noqa: PLC0415

    app = create_app(settings)
    limiter = LoginRateLimiter(settings.security.login_attempts_per_minute)
    app.state.login_limiter = limiter  # the API's logins and the screen's share one budget
    warehouse = Warehouse(settings.warehouse_path)
    sessions = session_factory(app.state.engine)
    install(Runtime(settings, sessions, warehouse, limiter, app.state.counter))
    app.add_api_route("/login/complete", complete_login, methods=["GET"], include_in_schema=False)
    ui.run_with(
        app,
        title="bankcrm",
        language="zh-CN",
        # NiceGUI's own per-browser storage is not used for anything that matters (the login
        # lives in bankcrm's session cookie); a per-process secret keeps it signed.
        storage_secret=secrets.token_urlsafe(32),
        favicon="🏦",
        show_welcome_message=False,
    )
    return app
