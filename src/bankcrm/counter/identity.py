"""The identity check at the counter (联网核查 against the citizen register, plus the photo match).

The national service cannot be reached from here, so it is an interface with a seeded simulator
whose latency, failure and mismatch rates are set by the caller."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np


class Outcome(StrEnum):
    PASSED = "passed"
    MISMATCH = "mismatch"  # name/ID do not match the register, or the photo does not match
    UNAVAILABLE = "unavailable"  # the provider failed: the teller retries or follows fallback


OUTCOME_LABELS_ZH: dict[Outcome, str] = {
    Outcome.PASSED: "核查通过",
    Outcome.MISMATCH: "核查不符",
    Outcome.UNAVAILABLE: "核查服务不可用",
}


@dataclass(frozen=True)
class IdentityRequest:
    """What the teller read from the ID card."""

    customer_id: str
    name: str
    id_number: str


@dataclass(frozen=True)
class ProviderResult:
    outcome: Outcome
    photo_score: float | None  # 0..1 similarity of the live photo to the register's photo
    provider_ref: str  # the provider's reference of this check, for reconciliation


class IdentityProvider(Protocol):
    def verify(self, request: IdentityRequest) -> ProviderResult: ...


class SimulatedProvider:
    """A stand-in for the national check: after ``latency_seconds`` it fails with probability
    ``failure_rate``, reports a mismatch with probability ``mismatch_rate``, else passes with
    a photo score in [0.85, 0.99]. Seeded, so a test or a demo sees the same sequence."""

    def __init__(
        self,
        latency_seconds: float = 0.0,
        failure_rate: float = 0.0,
        mismatch_rate: float = 0.0,
        seed: int = 0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0 <= failure_rate + mismatch_rate <= 1 or min(failure_rate, mismatch_rate) < 0:
            raise ValueError("failure_rate and mismatch_rate must be ≥ 0 and sum to ≤ 1")
        self.latency_seconds = latency_seconds
        self.failure_rate = failure_rate
        self.mismatch_rate = mismatch_rate
        self._rng = np.random.default_rng(seed)
        self._sleep = sleep

    def verify(self, request: IdentityRequest) -> ProviderResult:
        if self.latency_seconds > 0:
            self._sleep(self.latency_seconds)
        draw, score = self._rng.random(2)
        ref = f"sim-{uuid.UUID(bytes=self._rng.bytes(16)).hex[:16]}"
        if draw < self.failure_rate:
            return ProviderResult(Outcome.UNAVAILABLE, None, ref)
        if draw < self.failure_rate + self.mismatch_rate:
            return ProviderResult(Outcome.MISMATCH, round(0.2 + 0.4 * float(score), 3), ref)
        return ProviderResult(Outcome.PASSED, round(0.85 + 0.14 * float(score), 3), ref)
