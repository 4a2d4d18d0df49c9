"""Where cache entries live: in-process memory (the default) or Redis. Both offer the same five
atomic operations on opaque (already encrypted) values with an expiry in milliseconds; the
service holds the rules, the backend only stores and forgets."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

import redis
from redis.commands.core import Script

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class CacheUnavailable(Exception):  # noqa: N818  (a state, not a bug: the service fails closed)
    """The backend cannot be reached or answered with an error."""


class CacheBackend(Protocol):
    def create(self, key: str, value: bytes, ttl_ms: int) -> bool:
        """Store ``value`` only if ``key`` is absent (exactly one of racing writers wins)."""
        ...

    def get(self, key: str) -> bytes | None: ...

    def replace(self, key: str, expected: bytes, value: bytes, ttl_ms: int) -> bool:
        """Swap the value and refresh the expiry only if it is still ``expected``."""
        ...

    def put(self, key: str, value: bytes, ttl_ms: int) -> None:
        """Store unconditionally (indexes that the latest writer owns)."""
        ...

    def delete(self, key: str, expected: bytes | None = None) -> bool:
        """Remove the key (only if its value is ``expected``, when given)."""
        ...


class MemoryBackend:
    """A dict behind a lock; expiry is checked against the injected clock on every read."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._items: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def _now_ms(self) -> float:
        return self._clock().timestamp() * 1000

    def _live(self, key: str) -> bytes | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[1] <= self._now_ms():
            del self._items[key]  # expired: gone, as Redis would have it
            return None
        return item[0]

    def create(self, key: str, value: bytes, ttl_ms: int) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._items[key] = (value, self._now_ms() + ttl_ms)
            return True

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._live(key)

    def replace(self, key: str, expected: bytes, value: bytes, ttl_ms: int) -> bool:
        with self._lock:
            if self._live(key) != expected:
                return False
            self._items[key] = (value, self._now_ms() + ttl_ms)
            return True

    def put(self, key: str, value: bytes, ttl_ms: int) -> None:
        with self._lock:
            self._items[key] = (value, self._now_ms() + ttl_ms)

    def delete(self, key: str, expected: bytes | None = None) -> bool:
        with self._lock:
            current = self._live(key)
            if current is None or (expected is not None and current != expected):
                return False
            del self._items[key]
            return True


_REPLACE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""
_DELETE_IF = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisBackend:
    """Redis with native key expiry (``PX``); compare-and-swap as Lua scripts, so a use and its
    expiry refresh are one atomic step. Any Redis error becomes ``CacheUnavailable``."""

    def __init__(self, url: str, timeout_seconds: float = 0.5) -> None:
        # Short timeouts: a dead Redis must cost the counter half a second, not a minute.
        self.client: redis.Redis = redis.Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )
        self._replace: Script = self.client.register_script(_REPLACE)
        self._delete_if: Script = self.client.register_script(_DELETE_IF)

    def create(self, key: str, value: bytes, ttl_ms: int) -> bool:
        try:
            return bool(self.client.set(key, value, px=ttl_ms, nx=True))
        except redis.RedisError as error:
            raise CacheUnavailable(str(error)) from error

    def get(self, key: str) -> bytes | None:
        try:
            value = self.client.get(key)
        except redis.RedisError as error:
            raise CacheUnavailable(str(error)) from error
        return value if isinstance(value, bytes) else None

    def replace(self, key: str, expected: bytes, value: bytes, ttl_ms: int) -> bool:
        try:
            return bool(self._replace(keys=[key], args=[expected, value, ttl_ms]))
        except redis.RedisError as error:
            raise CacheUnavailable(str(error)) from error

    def put(self, key: str, value: bytes, ttl_ms: int) -> None:
        try:
            self.client.set(key, value, px=ttl_ms)
        except redis.RedisError as error:
            raise CacheUnavailable(str(error)) from error

    def delete(self, key: str, expected: bytes | None = None) -> bool:
        try:
            if expected is None:
                return bool(self.client.delete(key))
            return bool(self._delete_if(keys=[key], args=[expected]))
        except redis.RedisError as error:
            raise CacheUnavailable(str(error)) from error
