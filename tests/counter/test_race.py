"""Two terminals racing to cache the same customer: exactly one wins, on both backends; the
loser's transactions need a fresh verification and cannot touch the winner's entry."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from bankcrm.counter.backends import CacheBackend
from bankcrm.counter.outcomes import CacheGrant, Status
from bankcrm.counter.service import CounterService
from bankcrm.domain.counter.settings import CounterSettings
from tests.counter.conftest import TELLER, TELLER_B, ZHANG, build_service


def test_exactly_one_of_two_racing_terminals_wins(
    service: CounterService, backend: CacheBackend, engine: Engine
) -> None:
    visit_a, _ = service.start_session(TELLER, ZHANG, "T-01", "sig-a")
    visit_b, _ = service.start_session(TELLER_B, ZHANG, "T-02", "sig-b")
    start = threading.Barrier(2)
    grants: dict[str, CacheGrant] = {}

    def request(teller: str, session_id: str, terminal: str) -> None:
        actor = TELLER if teller == "a" else TELLER_B
        start.wait()
        grants[teller] = service.request_cache(actor, session_id, terminal, ZHANG)

    threads = [
        threading.Thread(target=request, args=("a", visit_a.session_id, "T-01")),
        threading.Thread(target=request, args=("b", visit_b.session_id, "T-02")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for name, grant in grants.items() if grant.granted]
    assert len(winners) == 1
    loser = "b" if winners == ["a"] else "a"
    assert grants[loser].reason == "held_elsewhere"
    sessions = {
        "a": (TELLER, visit_a.session_id, "T-01"),
        "b": (TELLER_B, visit_b.session_id, "T-02"),
    }
    actor, session_id, terminal = sessions[loser]
    assert service.transact(actor, session_id, terminal, "statement").status is (
        Status.NEEDS_VERIFICATION
    )
    service.end(actor, session_id)  # the loser's end must not clear the winner's entry
    actor, session_id, terminal = sessions[winners[0]]
    assert service.transact(actor, session_id, terminal, "statement").via_cache


class InterleavedBackend:
    """The real backend, with a second use of the same visit slipped in just before the first
    use's compare-and-swap: the interleaving a race would produce, made deterministic."""

    def __init__(self, backend: CacheBackend) -> None:
        self.backend = backend
        self.swaps: list[bool] = []
        self.meanwhile: Callable[[], object] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)

    def replace(self, key: str, expected: bytes, value: bytes, ttl_ms: int) -> bool:
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        swapped = self.backend.replace(key, expected, value, ttl_ms)
        self.swaps.append(swapped)
        return swapped


def test_a_use_that_loses_the_swap_reads_again(
    backend: CacheBackend, engine: Engine, settings: CounterSettings
) -> None:
    interleaved = InterleavedBackend(backend)
    service = build_service(interleaved, engine, settings)  # type: ignore[arg-type]
    visit, _ = service.start_session(TELLER, ZHANG, "T-01", "sig-a")
    assert service.request_cache(TELLER, visit.session_id, "T-01", ZHANG).granted
    other = []
    interleaved.meanwhile = lambda: other.append(
        service.cache.use(visit.session_id, ZHANG.customer_id, "T-01")
    )
    first = service.cache.use(visit.session_id, ZHANG.customer_id, "T-01")
    assert first.entry is not None
    assert other[0].entry is not None
    assert interleaved.swaps == [True, False, True]  # the other's, ours lost, ours again
