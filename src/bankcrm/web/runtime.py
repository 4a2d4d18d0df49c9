"""What the pages need from the running app: the settings, the store and the warehouse. Set
once by ``mount.create_web_app``; NiceGUI pages are module-level functions, so they read it
here rather than from a request's app (NiceGUI serves them from its own sub-application)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bankcrm.config import Settings
from bankcrm.counter.service import CounterService
from bankcrm.security.login import LoginRateLimiter
from bankcrm.warehouse.layout import Warehouse


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    warehouse: Warehouse
    limiter: LoginRateLimiter  # the API's own: the screens and the API share one budget
    counter: CounterService  # the API's own: one cache for the screens and the terminals


_current: list[Runtime] = []


def install(runtime: Runtime) -> None:
    _current[:] = [runtime]


def runtime() -> Runtime:
    if not _current:
        raise RuntimeError("the web UI is not mounted: use bankcrm.web.mount.create_web_app")
    return _current[0]
