"""Shared shape of the per-tier metrics (dormancy, attrition, RM coverage): one row per tier of
a fixed list, zero rows included, plus a total row ``tier = "all"``, in ladder order."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ibis

from bankcrm.domain.enums import Tier

ALL_TIERS = "all"
TIER_NAMES: tuple[str, ...] = tuple(t.value for t in Tier)

Aggregates = Callable[[ibis.Table], dict[str, ibis.Value]]


def share(part: ibis.Value, whole: ibis.Value) -> ibis.Value:
    """``part / whole`` as float64; null where ``whole`` is zero (an empty group)."""
    return part.cast("float64") / whole.nullif(0).cast("float64")


def by_tier(
    frame: ibis.Table, aggregates: Aggregates, tiers: Sequence[str] = TIER_NAMES
) -> ibis.Table:
    """Aggregate ``frame`` (one row per customer, with a ``tier`` column) per tier of ``tiers``
    and over all of ``frame``; counts of a tier without customers are 0.

    ``aggregates(frame)`` gives the integer count columns; the result has ``tier`` first and
    is ordered by the ladder, the total row last.
    """
    names = list(aggregates(frame))
    per = frame.group_by(tier_key=frame.tier).aggregate(**aggregates(frame))
    ladder = ibis.memtable({"tier": list(tiers)})
    rows = ladder.left_join(per, ladder.tier == per.tier_key).select(
        "tier", **{n: per[n].fill_null(0) for n in names}
    )
    total = frame.aggregate(**aggregates(frame)).select(
        tier=ibis.literal(ALL_TIERS, type="string"), **{n: ibis._[n] for n in names}
    )
    return rows.union(total)


def in_ladder_order(table: ibis.Table) -> ibis.Table:
    """``table`` ordered by its ``tier`` column: standard … private, then ``all``."""
    rank = table.tier.cases(
        *((name, i) for i, name in enumerate(TIER_NAMES)), else_=len(TIER_NAMES)
    )
    return table.order_by(rank)
