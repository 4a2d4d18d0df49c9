"""``bankcrm serve``: the REST API (FastAPI) under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from bankcrm.cli.app import app, console, fail
from bankcrm.cli.users import print_bootstrap_admin
from bankcrm.config import Settings
from bankcrm.store.db import is_current, make_engine


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the staff web UI at / and the API under /api/v1 (OpenAPI docs at /api/docs).
    With --workers above 1, the API only."""
    import uvicorn  # noqa: PLC0415  (only this command needs the server)

    settings = Settings()
    engine = make_engine(settings.store_url)
    current = is_current(engine)
    engine.dispose()
    if not current:
        raise fail(
            f"the store at {settings.store_url_safe} has no schema: run `bankcrm db upgrade`"
        )
    print_bootstrap_admin(settings)
    console.print(f"bankcrm API on http://{host}:{port}/api/docs (store {settings.store_url_safe})")
    if workers == 1:
        from bankcrm.web.mount import create_web_app  # noqa: PLC0415

        console.print(f"bankcrm 网页 web UI on http://{host}:{port}/")
        uvicorn.run(create_web_app(settings), host=host, port=port, log_level="info")
    else:  # several processes: the API only (each screen keeps a WebSocket to its process)
        uvicorn.run(
            "bankcrm.api.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
