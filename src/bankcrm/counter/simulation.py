"""A discrete-event simulation of a counter day, with and without the verification cache, to
measure what the cache saves: identity checks, signatures, time at the counter and in the queue.

Both arms see the same customers (common random numbers): the same arrivals, the same number of
transactions per visit and the same durations, so every difference comes from the cache.
Sampling is vectorised; the first-come-first-served queue over several tellers is sequential by
nature, so it steps through the visits in arrival order, vectorised across the simulated days
and both arms at once. Parameters and their reasoning are in docs/counter.md."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SimOptions:
    """Times in seconds; rates per hour for the whole branch."""

    tellers: int = 4
    hours: float = 8.0
    arrival_rate: float = 30.0
    seed: int = 0
    days: int = 20
    another_txn: float = 0.4  # P(one more transaction): 1 + geometric, mean 1.67
    max_txns: int = 8
    verify_seconds: tuple[float, float] = (60.0, 90.0)  # card read, 联网核查, photo match
    sign_seconds: tuple[float, float] = (20.0, 30.0)  # print, read, sign on the pad
    service_median_seconds: float = 150.0  # the transaction itself (lognormal)
    service_sigma: float = 0.5
    fresh_share: float = 0.10  # transactions the policy sends to a fresh check
    own_signature_share: float = 0.05  # cached, but signed on their own (wealth purchase)
    cache_request_seconds: float = 5.0  # the teller's request and the consent question

    def check(self) -> None:
        """Raise ValueError naming the first option out of range."""
        for name in ("tellers", "days", "max_txns"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1")
        for name in ("hours", "arrival_rate", "service_median_seconds"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name}: must be positive")
        for name in ("another_txn", "fresh_share", "own_signature_share"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name}: must be in [0, 1)")


@dataclass(frozen=True)
class Visits:
    """Every visit of every day, padded to the busiest day: arrays of shape (days, n)."""

    arrival: Floats  # seconds after opening; +inf for padding
    txns: npt.NDArray[np.int64]  # 0 for padding
    without_cache: Floats  # seconds at the counter
    with_cache: Floats
    verifications: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]  # (without, with)
    signatures: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]


def draw_visits(options: SimOptions) -> Visits:
    """Sample arrivals (a Poisson process), transactions per visit and every duration."""
    rng = np.random.default_rng(options.seed)
    day_seconds = options.hours * 3600
    counts = rng.poisson(options.arrival_rate * options.hours, options.days)
    n = max(int(counts.max()), 1)
    present = np.arange(n) < counts[:, None]
    # Given the count, Poisson arrival times are sorted uniforms over the day.
    arrival = np.sort(np.where(present, rng.uniform(0, day_seconds, (options.days, n)), np.inf))
    txns = np.minimum(rng.geometric(1 - options.another_txn, (options.days, n)), options.max_txns)
    txns = np.where(present, txns, 0)
    shape = (options.days, n, options.max_txns)
    slot = np.arange(options.max_txns) < txns[..., None]  # which transaction slots are used
    later = slot & (np.arange(options.max_txns) > 0)
    verify = rng.uniform(*options.verify_seconds, shape)
    sign = rng.uniform(*options.sign_seconds, shape)
    service = options.service_median_seconds * rng.lognormal(0, options.service_sigma, shape)
    policy_draw = rng.random(shape)
    fresh = later & (policy_draw < options.fresh_share)
    own = later & ~fresh & (policy_draw < options.fresh_share + options.own_signature_share)
    without = ((verify + sign + service) * slot).sum(axis=2)
    # With the cache: one check and one signature for the list, plus the policy's fresh ones;
    # a one-transaction visit gains nothing, so the teller does not ask for the cache.
    cached = (
        verify[..., 0]
        + sign[..., 0]
        + options.cache_request_seconds
        + (service * slot).sum(axis=2)
        + ((verify + sign) * fresh).sum(axis=2)
        + (sign * own).sum(axis=2)
    )
    single = txns <= 1
    with_cache = np.where(single, without, np.where(present, cached, 0))
    checks_with = np.where(single, txns, 1 + fresh.sum(axis=2))
    signed_with = np.where(single, txns, 1 + fresh.sum(axis=2) + own.sum(axis=2))
    return Visits(arrival, txns, without, with_cache, (txns, checks_with), (txns, signed_with))


def fifo_waits(arrival: Floats, service: Floats, tellers: int) -> tuple[Floats, Floats]:
    """Queue waits and finish times of first-come-first-served visits over ``tellers``
    counters, each row an independent day; visits sorted by arrival, padding at +inf."""
    rows, n = arrival.shape
    free = np.zeros((rows, tellers))
    waits = np.zeros((rows, n))
    finish = np.zeros((rows, n))
    every = np.arange(rows)
    for i in range(n):  # in arrival order; each step serves visit i of every day at once
        live = np.isfinite(arrival[:, i])
        arrived = np.where(live, arrival[:, i], 0)
        teller = free.argmin(axis=1)
        start = np.maximum(arrived, free[every, teller])
        waits[:, i] = np.where(live, start - arrived, 0)
        finish[:, i] = np.where(live, start + service[:, i], 0)
        free[every, teller] = np.where(live, finish[:, i], free[every, teller])
    return waits, finish


def _summary(
    visits: Visits, service: Floats, waits: Floats, finish: Floats, arm: int, options: SimOptions
) -> dict[str, float]:
    present = visits.txns > 0
    open_seconds = np.maximum(options.hours * 3600, finish.max(axis=1))
    busy = (service * present).sum(axis=1) / (options.tellers * open_seconds)
    return {
        "visits": float(present.sum() / options.days),
        "transactions": float(visits.txns.sum() / options.days),
        "verifications": float(visits.verifications[arm].sum() / options.days),
        "signatures": float(visits.signatures[arm].sum() / options.days),
        "mean_visit_seconds": float(service[present].mean()),
        "p90_visit_seconds": float(np.percentile(service[present], 90)),
        "mean_wait_seconds": float(waits[present].mean()),
        "p90_wait_seconds": float(np.percentile(waits[present], 90)),
        "teller_utilisation": float(busy.mean()),
    }


def simulate(options: SimOptions) -> dict[str, Any]:
    """The counter day with and without the cache: counts per day (mean over ``days``), times
    over every visit. Same seed, same result."""
    options.check()
    visits = draw_visits(options)
    both = np.concatenate([visits.without_cache, visits.with_cache])
    waits, finish = fifo_waits(
        np.concatenate([visits.arrival, visits.arrival]), both, options.tellers
    )
    d = options.days
    without = _summary(visits, visits.without_cache, waits[:d], finish[:d], 0, options)
    with_ = _summary(visits, visits.with_cache, waits[d:], finish[d:], 1, options)
    return {
        "parameters": asdict(options),
        "without_cache": without,
        "with_cache": with_,
        "saved": {
            key: without[key] - with_[key]
            for key in without
            if key not in ("visits", "transactions")
        },
    }
