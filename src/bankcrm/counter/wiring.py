"""Build the counter service from the application's settings: the backend they choose (memory
or Redis), the store's repository, the audit (``counter_events`` and the hash-chained audit
log) and the identity provider."""

from __future__ import annotations

from sqlalchemy import Engine

from bankcrm.config import CacheBackend as BackendChoice
from bankcrm.config import Settings
from bankcrm.counter.audit import ChainedCounterAudit
from bankcrm.counter.backends import CacheBackend, MemoryBackend, RedisBackend
from bankcrm.counter.identity import IdentityProvider, SimulatedProvider
from bankcrm.counter.repository import CounterRepository
from bankcrm.counter.service import CounterService


def make_backend(settings: Settings) -> CacheBackend:
    if settings.cache is BackendChoice.REDIS:
        return RedisBackend(settings.redis_url)
    return MemoryBackend()


def build_service(
    settings: Settings, engine: Engine, provider: IdentityProvider | None = None
) -> CounterService:
    """The counter service; the identity provider defaults to the simulator, since the
    national check cannot be reached from here (a real adapter implements IdentityProvider)."""
    return CounterService(
        make_backend(settings),
        CounterRepository(engine),
        ChainedCounterAudit(engine),
        provider or SimulatedProvider(),
        settings.counter,
    )
