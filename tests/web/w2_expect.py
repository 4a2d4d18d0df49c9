"""What the W2 screens should show, computed in the test through the services and the
analytics over the server's own store and warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bankcrm.analytics.analyze import analyze
from bankcrm.analytics.base import Tables, scope_of
from bankcrm.domain.actor import Actor
from bankcrm.security.sessions import actor_of
from bankcrm.security.users import get_user
from bankcrm.store.db import make_engine, session_factory
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse


@contextmanager
def store(data: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{data / 'bankcrm.sqlite3'}")
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def tables(data: Path) -> Tables:
    return Tables.load(connect("duckdb"), Warehouse(data / "warehouse"))


def actor(data: Path, username: str) -> Actor:
    with store(data) as session:
        return actor_of(get_user(session, username))


def last_year_totals(data: Path, branch: str | None) -> tuple[int, Decimal]:
    """Customers and AUM (yuan) of a branch subtree at the last year-end, from ``analyze``."""
    t = tables(data)
    result: dict[str, Any] = analyze(t, None, None, scope_of(t, branch))
    rows = result["structure"][max(result["year_ends"])]["tier"]
    return sum(int(r["customers"]) for r in rows), sum(
        (Decimal(r["aum"]) for r in rows), Decimal(0)
    )
