"""Counter cache operations per second and p99 latency, memory and Redis backends.

Operations: ``use`` (read, decrypt, apply the clearing rules, re-encrypt, compare-and-swap with
the expiry refreshed: what every cached transaction costs) and ``create + clear`` (a visit's
cache requested and ended). Baseline: a bare Redis GET then SET of a payload of the same size
on the same connection (two round trips, as ``use`` makes), printed as a ratio.

``python -m benchmarks.bench_counter [--operations 5000] [--redis-url redis://127.0.0.1:6379/15]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, replace

import numpy as np
import redis

from bankcrm.counter.backends import CacheBackend, MemoryBackend, RedisBackend, utc_now
from bankcrm.counter.cache import CacheEntry, VerificationCache
from bankcrm.counter.crypto import PayloadCipher
from bankcrm.domain.counter.settings import CounterSettings


def timed(operation: Callable[[int], object], count: int) -> tuple[float, float]:
    """(operations per second, p99 latency in microseconds) of ``count`` calls."""
    latencies = np.empty(count)
    started = time.perf_counter()
    for i in range(count):  # one timing per call: the p99 needs each latency
        begun = time.perf_counter_ns()
        operation(i)
        latencies[i] = time.perf_counter_ns() - begun
    seconds = time.perf_counter() - started
    return count / seconds, float(np.percentile(latencies, 99)) / 1000


def entry(customer: str) -> CacheEntry:
    return CacheEntry(
        "s" * 32, "v" * 32, customer, "张三丰", "110101199003071234", "sig-0001",
        "teller-a", "T-01", "B01", time.time(), time.time(),
    )  # fmt: skip


def cache_operations(
    backend: CacheBackend, namespace: str, count: int
) -> dict[str, tuple[float, float]]:
    cache = VerificationCache(backend, CounterSettings(key_namespace=namespace), utc_now)
    one = entry("C-bench")
    cache.create(one)

    def use(_: int) -> None:
        assert cache.use(one.session_id, one.customer_id, "T-01").entry is not None

    def create_clear(i: int) -> None:
        mine = replace(one, customer_id=f"C{i}")
        cache.create(mine)
        cache.clear(mine.session_id, mine.customer_id)

    results = {"use": timed(use, count), "create + clear": timed(create_clear, count)}
    cache.clear(one.session_id, one.customer_id)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--operations", type=int, default=5000)
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BANKCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    )
    args = parser.parse_args(argv)
    namespace = f"bankcrm-bench:{uuid.uuid4().hex[:8]}"
    report("memory", cache_operations(MemoryBackend(), namespace, args.operations), None)
    client = redis.Redis.from_url(args.redis_url)
    try:
        client.ping()
    except redis.RedisError as error:
        print(f"Redis at {args.redis_url} unreachable ({error}): Redis rows skipped")
        return
    sealed = PayloadCipher(CounterSettings().key_bytes()).seal("k", asdict(entry("C")))
    payload = os.urandom(len(sealed))  # the same size as a real entry
    key = f"{namespace}:baseline"

    def bare(_: int) -> None:
        client.get(key)
        client.set(key, payload, px=300_000)

    baseline = timed(bare, args.operations)
    print(f"baseline  bare Redis GET + SET: {baseline[0]:,.0f} ops/s, p99 {baseline[1]:,.0f} µs")
    report(
        "redis",
        cache_operations(RedisBackend(args.redis_url), namespace, args.operations),
        baseline,
    )
    client.delete(key)


def report(
    name: str, results: dict[str, tuple[float, float]], baseline: tuple[float, float] | None
) -> None:
    for operation, (rate, p99) in results.items():
        line = f"{name:<7} {operation:<15} {rate:>10,.0f} ops/s   p99 {p99:>8,.0f} µs"
        if baseline is not None:
            ratio, slower = rate / baseline[0], p99 / baseline[1]
            line += f"   vs bare GET+SET: ops/s {ratio:.2f}x, p99 {slower:.2f}x"
        print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
