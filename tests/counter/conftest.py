"""The counter cache's fixtures: an injected clock, the backend over memory and the real Redis
(database 15), a SQLite store at the latest migration, and the service wired from them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine

from bankcrm.counter.audit import StoreCounterAudit
from bankcrm.counter.backends import CacheBackend, Clock, MemoryBackend, RedisBackend, utc_now
from bankcrm.counter.identity import IdentityProvider, IdentityRequest, SimulatedProvider
from bankcrm.counter.repository import CounterRepository
from bankcrm.counter.service import CounterService
from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.counter.settings import CounterSettings
from bankcrm.store.db import make_engine, upgrade
from tests.conftest import missing_engine

REDIS_URL = os.environ.get("BANKCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"  # port 1: nothing listens there

TELLER = Actor("teller-a", Role.TELLER, employee_id="E001", branch_id="B01")
TELLER_B = Actor("teller-b", Role.TELLER, employee_id="E002", branch_id="B01")
MANAGER = Actor("manager", Role.BRANCH_MANAGER, employee_id="E100", branch_id="B01")
ZHANG = IdentityRequest("C0001", "张三丰", "110101199003071234")
LI = IdentityRequest("C0002", "李四", "310101198512125678")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def redis_client() -> redis.Redis:
    """The test database of the real Redis; skips (or fails in CI) when it is down."""
    client: redis.Redis = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        missing_engine(f"Redis at {REDIS_URL} unreachable: {error}")
    return client


@pytest.fixture
def namespace() -> Iterator[str]:
    """A key namespace of this test only; its keys are removed afterwards."""
    name = f"bankcrm-test:{uuid.uuid4().hex[:8]}"
    yield name
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        for key in client.scan_iter(f"{name}:*"):
            client.delete(key)
    except redis.RedisError:
        pass  # Redis was never there: nothing to clean


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "redis"])
def backend_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def backend(backend_kind: str, clock: FakeClock) -> CacheBackend:
    if backend_kind == "memory":
        return MemoryBackend(clock)
    redis_client()
    return RedisBackend(REDIS_URL)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(namespace: str) -> CounterSettings:
    return CounterSettings(key_namespace=namespace)


@pytest.fixture
def audit(engine: Engine) -> StoreCounterAudit:
    return StoreCounterAudit(engine)


@pytest.fixture
def service(
    backend: CacheBackend,
    engine: Engine,
    audit: StoreCounterAudit,
    settings: CounterSettings,
    clock: FakeClock,
) -> CounterService:
    return build_service(backend, engine, settings, clock)


def build_service(
    backend: CacheBackend,
    engine: Engine,
    settings: CounterSettings,
    clock: Clock = utc_now,
    provider: IdentityProvider | None = None,
) -> CounterService:
    """The service over a real store (audit in counter_events) and the seeded simulator."""
    return CounterService(
        backend,
        CounterRepository(engine),
        StoreCounterAudit(engine),
        provider or SimulatedProvider(seed=1),
        settings,
        clock,
    )
