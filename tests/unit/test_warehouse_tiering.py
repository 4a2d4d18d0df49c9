"""The vectorised tier rule (warehouse.tiering) agrees with the scalar one (domain.tiers)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bankcrm.domain.enums import Tier
from bankcrm.domain.tiers import TierBasis, TierLadder, TierRule, tier_history
from bankcrm.warehouse.tiering import tier_ranks

LADDER = TierLadder()
# AUM in fen around the default ladder's bounds, so tiers change often.
aum_fen = st.sampled_from(
    [0, 4_999_999, 5_000_000, 5_000_001, 49_999_999, 50_000_000, 199_999_999, 200_000_000,
     600_000_000, 650_000_000, 1_000_000_000]
)  # fmt: skip
rules = st.builds(
    TierRule,
    basis=st.sampled_from(list(TierBasis)),
    average_months=st.integers(1, 4),
    downgrade_grace_months=st.integers(0, 3),
)


@st.composite
def customers(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """A few customers over up to 12 month-ends, each in the base for one contiguous run."""
    n, months = draw(st.integers(1, 5)), draw(st.integers(1, 12))
    aum = np.array(draw(st.lists(st.lists(aum_fen, min_size=months, max_size=months),
                                 min_size=n, max_size=n)), dtype=np.int64)  # fmt: skip
    in_base = np.zeros((n, months), dtype=bool)
    for row in range(n):
        start = draw(st.integers(0, months - 1))
        end = draw(st.integers(start + 1, months))
        in_base[row, start:end] = True
    return aum, in_base


@settings(max_examples=300, deadline=None)
@given(customers(), rules)
def test_vectorised_rule_equals_scalar_rule(
    data: tuple[np.ndarray, np.ndarray], rule: TierRule
) -> None:
    aum, in_base = data
    ranks = tier_ranks(aum, in_base, LADDER, rule)
    tiers = list(Tier)
    for row in range(aum.shape[0]):
        months = np.flatnonzero(in_base[row])
        history = [Decimal(int(v)) / 100 for v in aum[row, months]]
        expected = [t.rank for t in tier_history(history, LADDER, rule)]
        assert ranks[row, months].tolist() == expected
        assert (ranks[row, ~in_base[row]] == -1).all()
        assert all(tiers[r] in tiers for r in expected)


def test_grace_keeps_tier_then_drops_hand_made() -> None:
    """Gold for two months, then standard for three, grace 2: kept twice, dropped at the third."""
    aum = np.array([[6_000_000, 6_000_000, 100, 100, 100]], dtype=np.int64)
    in_base = np.ones_like(aum, dtype=bool)
    rule = TierRule(downgrade_grace_months=2)
    assert tier_ranks(aum, in_base, LADDER, rule).tolist() == [[1, 1, 1, 1, 0]]
