"""The Redis backend against the real server (database 15): native expiry, its refresh on use,
the encrypted payload, and failing closed when Redis is unreachable or goes away mid-visit."""

from __future__ import annotations

import logging
import time
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from bankcrm.config import CacheBackend as CacheChoice
from bankcrm.config import Settings
from bankcrm.counter.backends import RedisBackend
from bankcrm.counter.crypto import PayloadCipher
from bankcrm.counter.outcomes import Status
from bankcrm.counter.wiring import build_service as build_from_settings
from bankcrm.domain.counter.settings import CounterSettings
from tests.counter.conftest import (
    DEAD_REDIS_URL,
    REDIS_URL,
    TELLER,
    ZHANG,
    build_service,
    redis_client,
)
from tests.counter.proxy import StoppableProxy
from tests.counter.test_clearing import T1, cached_visit


def test_entry_vanishes_by_native_expiry_after_the_idle_timeout(
    engine: Engine, namespace: str
) -> None:
    client = redis_client()
    settings = CounterSettings(
        key_namespace=namespace, idle_timeout_seconds=1, absolute_timeout_seconds=10
    )
    service = build_service(RedisBackend(REDIS_URL), engine, settings)  # the real clock
    session_id = cached_visit(service)
    key = service.cache.key(ZHANG.customer_id)
    assert 0 < client.pttl(key) <= 1000
    time.sleep(1.3)
    assert client.exists(key) == 0  # Redis itself removed it
    outcome = service.transact(TELLER, session_id, T1, "statement")
    assert outcome.status is Status.NEEDS_VERIFICATION


def test_each_use_refreshes_the_native_expiry(engine: Engine, namespace: str) -> None:
    client = redis_client()
    settings = CounterSettings(
        key_namespace=namespace, idle_timeout_seconds=1.5, absolute_timeout_seconds=10
    )
    service = build_service(RedisBackend(REDIS_URL), engine, settings)
    session_id = cached_visit(service)
    key = service.cache.key(ZHANG.customer_id)
    for _ in range(2):  # 2 s in all, longer than the 1.5 s TTL set at creation
        time.sleep(1.0)
        assert service.transact(TELLER, session_id, T1, "statement").via_cache
    assert client.exists(key) == 1


def test_the_raw_value_shows_no_identity(service_on_redis: tuple[bytes, str]) -> None:
    raw, key = service_on_redis
    for secret in (ZHANG.id_number, ZHANG.name, "sig-001", ZHANG.customer_id, "teller-a"):
        assert secret.encode() not in raw
    assert ZHANG.id_number not in key
    assert ZHANG.customer_id not in key


@pytest.fixture
def service_on_redis(engine: Engine, namespace: str) -> tuple[bytes, str]:
    service = build_service(
        RedisBackend(REDIS_URL), engine, CounterSettings(key_namespace=namespace)
    )
    cached_visit(service)
    key = service.cache.key(ZHANG.customer_id)
    raw = redis_client().get(key)
    assert isinstance(raw, bytes)
    return raw, key


def test_the_payload_opens_only_under_its_own_key_name(
    service_on_redis: tuple[bytes, str],
) -> None:
    raw, key = service_on_redis
    cipher = PayloadCipher(CounterSettings().key_bytes())
    payload = cipher.open(key, raw)
    assert payload is not None
    assert (payload["id_number"], payload["name"]) == (ZHANG.id_number, ZHANG.name)
    assert cipher.open(key + "x", raw) is None  # moved under another name: refused
    tampered = raw[:-1] + bytes([raw[-1] ^ 1])
    assert cipher.open(key, tampered) is None
    other = PayloadCipher(bytes(32))
    assert other.open(key, raw) is None


def test_two_writes_of_the_same_payload_differ() -> None:
    cipher = PayloadCipher(CounterSettings().key_bytes())
    assert cipher.seal("k", {"a": 1}) != cipher.seal("k", {"a": 1})  # a fresh nonce each time


def test_unreachable_redis_fails_closed_with_an_alert(
    engine: Engine, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = CounterSettings(key_namespace=namespace)
    service = build_service(RedisBackend(DEAD_REDIS_URL, timeout_seconds=0.2), engine, settings)
    session, verification = service.start_session(TELLER, ZHANG, T1, "sig-001")
    assert verification.outcome == "passed"  # the counter keeps working
    with caplog.at_level(logging.ERROR, logger="bankcrm.counter"):
        grant = service.request_cache(TELLER, session.session_id, T1, ZHANG)
        outcomes = [
            service.transact(TELLER, session.session_id, T1, "deposit", Decimal(100)),
            service.transact(TELLER, session.session_id, T1, "statement"),
        ]
        service.logout(TELLER)
    assert (grant.granted, grant.reason) == (False, "cache_unavailable")
    assert [o.status for o in outcomes] == [Status.NEEDS_VERIFICATION] * 2
    alerts = [r for r in caplog.records if r.getMessage().startswith("ALERT")]
    assert len(alerts) >= 2
    assert "failing closed" in alerts[0].getMessage()


def test_redis_going_away_mid_visit_fails_closed(
    engine: Engine, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    redis_client()
    proxy = StoppableProxy(("127.0.0.1", 6379))
    url = REDIS_URL.replace("127.0.0.1:6379", f"127.0.0.1:{proxy.port}")
    settings = CounterSettings(key_namespace=namespace)
    service = build_service(RedisBackend(url, timeout_seconds=0.2), engine, settings)
    session_id = cached_visit(service)
    assert service.transact(TELLER, session_id, T1, "statement").via_cache
    proxy.stop()
    with caplog.at_level(logging.ERROR, logger="bankcrm.counter"):
        outcome = service.transact(TELLER, session_id, T1, "statement")
        service.confirm(TELLER, session_id, "sig-visit")
        service.end(TELLER, session_id)  # ends although the cache cannot be reached
    assert outcome.status is Status.NEEDS_VERIFICATION
    assert outcome.reason == "cache unavailable"
    assert sum(r.getMessage().startswith("ALERT") for r in caplog.records) == 2
    ended = service.repository.session(session_id)
    assert ended is not None
    assert ended.end_reason == "teller_ended"


def test_settings_choose_the_redis_backend(engine: Engine) -> None:
    client = redis_client()
    service = build_from_settings(Settings(cache=CacheChoice.REDIS, redis_url=REDIS_URL), engine)
    key = service.cache.key(ZHANG.customer_id)
    try:
        session_id = cached_visit(service)
        assert client.exists(key) == 1
        assert key.startswith("bankcrm:counter:")  # the default namespace
        assert service.transact(TELLER, session_id, T1, "statement").via_cache
    finally:
        client.delete(key)
