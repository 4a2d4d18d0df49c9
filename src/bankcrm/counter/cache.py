"""The verification cache itself: one encrypted entry per customer, keyed by a pseudonym of the
customer id, carrying the verification the visit's later transactions may rely on.

Clearing rules live here, checked against the injected clock on every use (so they hold on any
backend and tests control time); the backend's native expiry, refreshed on each use, is what
makes an abandoned entry vanish by itself. Every backend failure fails closed: the caller sees
a miss (fresh verification) and an alert is logged, never an exception."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from enum import StrEnum

from bankcrm.counter.backends import CacheBackend, CacheUnavailable, Clock
from bankcrm.counter.crypto import PayloadCipher
from bankcrm.domain.counter.settings import CounterSettings

log = logging.getLogger("bankcrm.counter")


class Miss(StrEnum):
    ABSENT = "absent"  # never created, cleared, or expired in the backend
    IDLE = "idle"  # unused longer than the idle timeout
    ABSOLUTE = "absolute"  # older than the absolute limit
    TERMINAL_CHANGE = "terminal_change"  # used from another terminal than it was created at
    OTHER_SESSION = "other_session"  # the customer's entry belongs to another visit
    UNREADABLE = "unreadable"  # does not decrypt (tampered, other key)
    RACED = "raced"  # cleared or changed between our read and our write
    UNAVAILABLE = "unavailable"  # the backend is down: fail closed


@dataclass(frozen=True)
class CacheEntry:
    """What the visit's later transactions reuse; times are POSIX seconds of the clock."""

    session_id: str
    verification_id: str
    customer_id: str
    name: str
    id_number: str
    signature_ref: str | None
    teller: str
    terminal_id: str
    branch_id: str | None
    created_at: float
    last_used_at: float


@dataclass(frozen=True)
class Use:
    entry: CacheEntry | None
    miss: Miss | None = None


class VerificationCache:
    def __init__(self, backend: CacheBackend, settings: CounterSettings, clock: Clock) -> None:
        self._backend = backend
        self._settings = settings
        self._clock = clock
        self._cipher = PayloadCipher(settings.key_bytes())

    def key(self, customer_id: str) -> str:
        return f"{self._settings.key_namespace}:v1:{self._cipher.name('customer', customer_id)}"

    def now(self) -> float:
        return self._clock().timestamp()

    def create(self, entry: CacheEntry) -> bool:
        """Store the entry unless the customer already has one (one visit, one terminal).

        Raises CacheUnavailable: the caller decides how to tell the teller."""
        key = self.key(entry.customer_id)
        ttl_ms = int(self._settings.idle_timeout_seconds * 1000)
        return self._backend.create(key, self._cipher.seal(key, asdict(entry)), ttl_ms)

    def holder(self, customer_id: str) -> str | None:
        """The visit whose entry the customer has, if any. Raises CacheUnavailable."""
        key = self.key(customer_id)
        raw = self._backend.get(key)
        payload = None if raw is None else self._cipher.open(key, raw)
        return None if payload is None else str(payload["session_id"])

    def use(self, session_id: str, customer_id: str, terminal_id: str) -> Use:
        """The entry of this visit, with its last use and expiry moved to now; or why not."""
        key = self.key(customer_id)
        try:
            used = self._use(key, session_id, terminal_id)
            if used.miss is Miss.RACED:  # a concurrent use of the same visit: read again once
                used = self._use(key, session_id, terminal_id)
            return used
        except CacheUnavailable as error:
            alert(error)
            return Use(None, Miss.UNAVAILABLE)

    def _use(self, key: str, session_id: str, terminal_id: str) -> Use:
        raw = self._backend.get(key)
        if raw is None:
            return Use(None, Miss.ABSENT)
        payload = self._cipher.open(key, raw)
        if payload is None:
            log.error("ALERT counter cache entry %s does not decrypt; removed", key)
            self._backend.delete(key, expected=raw)
            return Use(None, Miss.UNREADABLE)
        entry = CacheEntry(**payload)
        if entry.session_id != session_id:
            return Use(None, Miss.OTHER_SESSION)
        miss = self._clearing_rule(entry, terminal_id)
        if miss is not None:
            self._backend.delete(key, expected=raw)
            return Use(None, miss)
        used = replace(entry, last_used_at=self.now())
        age = used.last_used_at - entry.created_at
        ttl = min(
            self._settings.idle_timeout_seconds, self._settings.absolute_timeout_seconds - age
        )
        sealed = self._cipher.seal(key, asdict(used))
        if not self._backend.replace(key, raw, sealed, max(1, int(ttl * 1000))):
            return Use(None, Miss.RACED)
        return Use(used)

    def _clearing_rule(self, entry: CacheEntry, terminal_id: str) -> Miss | None:
        now = self.now()
        if entry.terminal_id != terminal_id:
            return Miss.TERMINAL_CHANGE
        if now - entry.created_at >= self._settings.absolute_timeout_seconds:
            return Miss.ABSOLUTE
        if now - entry.last_used_at >= self._settings.idle_timeout_seconds:
            return Miss.IDLE
        return None

    def clear(self, session_id: str, customer_id: str) -> bool:
        """Remove this visit's entry (not another visit's); True if there was one."""
        key = self.key(customer_id)
        try:
            raw = self._backend.get(key)
            if raw is None:
                return False
            payload = self._cipher.open(key, raw)
            if payload is not None and payload["session_id"] != session_id:
                return False
            return self._backend.delete(key, expected=raw)
        except CacheUnavailable as error:
            alert(error)  # the entry will expire by itself; nothing can use it meanwhile
            return False


def alert(error: Exception) -> None:
    log.error(
        "ALERT counter cache unavailable, failing closed (fresh verification for every "
        "transaction): %s",
        error,
    )
