"""Independent random streams, one per table or stage and per customer chunk.

Each stream is ``PCG64(SeedSequence(seed, spawn_key=(stage, *sub)))``: the same derivation
``SeedSequence.spawn`` uses, but keyed by a fixed stage number rather than by spawn order, so
changing how one table is generated never shifts the random numbers of another.
"""

from __future__ import annotations

import numpy as np

STAGES: dict[str, int] = {
    "branches": 1,
    "employees": 2,
    "products": 3,
    "population": 4,
    "customers": 5,
    "names": 6,
    "assignments": 7,
    "channels": 8,
    "accounts": 9,
    "balances": 10,
    "activity": 11,
    "dirty": 12,
}


def stream(seed: int, stage: str, *sub: int) -> np.random.Generator:
    """The random generator of ``stage`` (optionally of one chunk or table within it)."""
    sequence = np.random.SeedSequence(seed, spawn_key=(STAGES[stage], *sub))
    return np.random.Generator(np.random.PCG64(sequence))
