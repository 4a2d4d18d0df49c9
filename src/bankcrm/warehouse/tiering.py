"""The tier rule over many customers at once: the vectorised twin of ``domain.tiers``.

Arrays are customers × month-ends of AUM in integer fen; ``in_base`` marks the month-ends at
which a customer is in the customer base (their history is the contiguous run of those).
The loop runs over month-ends (72 for six years), never over customers.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bankcrm.domain.money import FEN_PER_YUAN
from bankcrm.domain.tiers import TierBasis, TierLadder, TierRule

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def bounds_fen(ladder: TierLadder) -> IntArray:
    """Lower bounds of gold..private in fen (exact: the ladder is in whole fen)."""
    return np.array([int(b * FEN_PER_YUAN) for b in ladder.bounds], dtype=np.int64)


def graded_tiers(
    aum_fen: IntArray, in_base: BoolArray, ladder: TierLadder, rule: TierRule
) -> IntArray:
    """Tier rank (0 = standard … 4 = private) graded at each month-end, before any grace.

    With the average basis, the graded AUM is the mean of the last N month-ends in the base;
    comparing ``sum >= bound * count`` keeps the comparison exact in integers.
    """
    window = rule.average_months if rule.basis is TierBasis.AVERAGE else 1
    aum = np.where(in_base, aum_fen, 0)
    sums = np.cumsum(aum, axis=1)
    counts = np.cumsum(in_base.astype(np.int64), axis=1)
    if window > 1:
        shifted_sums = np.zeros_like(sums)
        shifted_counts = np.zeros_like(counts)
        shifted_sums[:, window:] = sums[:, :-window]
        shifted_counts[:, window:] = counts[:, :-window]
        sums, counts = sums - shifted_sums, counts - shifted_counts
    else:
        sums, counts = aum, in_base.astype(np.int64)
    bounds = bounds_fen(ladder)
    ranks = np.zeros(aum.shape, dtype=np.int64)
    for bound in bounds:  # five tiers: a loop over the ladder, not over customers
        ranks += (sums >= bound * counts) & (counts > 0)
    return np.where(in_base, ranks, -1)


def held_tiers(graded: IntArray, in_base: BoolArray, rule: TierRule) -> IntArray:
    """Apply the downgrade grace: keep the tier held through M month-ends graded below it."""
    grace = rule.downgrade_grace_months
    held = np.full(graded.shape, -1, dtype=np.int64)
    current = np.full(graded.shape[0], -1, dtype=np.int64)
    below = np.zeros(graded.shape[0], dtype=np.int64)
    for month in range(graded.shape[1]):
        g = graded[:, month]
        fresh = current < 0  # not in the base at the previous month-end: no tier held yet
        is_below = ~fresh & (g < current)
        below = np.where(is_below, below + 1, 0)
        drop = is_below & (below > grace)
        current = np.where(fresh | ~is_below | drop, g, current)
        below = np.where(drop, 0, below)
        current = np.where(in_base[:, month], current, -1)
        below = np.where(in_base[:, month], below, 0)
        held[:, month] = current
    return held


def tier_ranks(
    aum_fen: IntArray, in_base: BoolArray, ladder: TierLadder, rule: TierRule
) -> IntArray:
    """Tier rank held at each month-end under ``rule``; -1 where not in the base."""
    return held_tiers(graded_tiers(aum_fen, in_base, ladder, rule), in_base, rule)
