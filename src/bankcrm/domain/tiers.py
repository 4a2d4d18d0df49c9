"""The tier ladder (客户层级) and the tier rule, as pure functions.

The ladder maps an AUM to a tier, lower bounds inclusive (METRICS.md). The rule says which AUM
is graded: the month-end AUM (METRICS.md's definition, the default) or the average of the last
N month-ends, and whether a downgrade waits for M consecutive month-ends below the tier held, as
Chinese banks grade on average AUM with grace periods.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bankcrm.domain.enums import Tier


@dataclass(frozen=True)
class TierLadder:
    """Lower bounds in yuan of each tier above ``standard``, ascending."""

    gold: Decimal = Decimal(50_000)
    platinum: Decimal = Decimal(500_000)
    diamond: Decimal = Decimal(2_000_000)
    private: Decimal = Decimal(6_000_000)

    def __post_init__(self) -> None:
        bounds = self.bounds
        if bounds[0] <= 0 or any(a >= b for a, b in itertools.pairwise(bounds)):
            raise ValueError(f"tier bounds must be positive and strictly ascending: {bounds}")

    @property
    def bounds(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        return (self.gold, self.platinum, self.diamond, self.private)

    def tier_of(self, aum: Decimal) -> Tier:
        """The tier whose band [lower, next lower) holds ``aum``."""
        return list(Tier)[bisect_right(self.bounds, aum)]


class TierBasis(StrEnum):
    MONTH_END = "month_end"
    AVERAGE = "average"


@dataclass(frozen=True)
class TierRule:
    """Which AUM is graded, and how long a downgrade waits.

    ``average_months``: N month-ends averaged when ``basis`` is ``average`` (fewer at the start
    of a history). ``downgrade_grace_months``: M; a customer keeps the tier held through M
    consecutive month-ends graded below it and drops at the (M+1)-th, to that month-end's
    graded tier. M = 0 grades every month-end on its own. Upgrades are immediate.
    """

    basis: TierBasis = TierBasis.MONTH_END
    average_months: int = 3
    downgrade_grace_months: int = 0

    def __post_init__(self) -> None:
        if self.average_months < 1:
            raise ValueError("average_months must be at least 1")
        if self.downgrade_grace_months < 0:
            raise ValueError("downgrade_grace_months must not be negative")


def tier_history(aum_by_month: Sequence[Decimal], ladder: TierLadder, rule: TierRule) -> list[Tier]:
    """The tier at each month-end of one customer's consecutive month-end AUM history."""
    window = rule.average_months if rule.basis is TierBasis.AVERAGE else 1
    held: list[Tier] = []
    below = 0
    for i in range(len(aum_by_month)):
        recent = aum_by_month[max(0, i - window + 1) : i + 1]
        graded = ladder.tier_of(sum(recent, Decimal(0)) / len(recent))
        if not held or graded.rank >= held[-1].rank:
            below = 0
            held.append(graded)
            continue
        below += 1
        if below > rule.downgrade_grace_months:
            below = 0
            held.append(graded)
        else:
            held.append(held[-1])
    return held
