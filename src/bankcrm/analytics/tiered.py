"""Shared shape of the per-tier metrics (dormancy, attrition, RM coverage): one row per tier of
a fixed list, zero rows included, plus a total row ``tier = "all"``, in ladder order, for each
key (a date, or a pair of dates) the metric is computed at."""

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
    frame: ibis.Table,
    aggregates: Aggregates,
    keys: ibis.Table,
    tiers: Sequence[str] = TIER_NAMES,
) -> ibis.Table:
    """Aggregate ``frame`` (one row per customer and key, with a ``tier`` column and the key
    columns of ``keys``) per key and tier of ``tiers``, and per key over all tiers; counts of a
    tier without customers are 0, and every row of ``keys`` gets its rows.

    ``aggregates(frame)`` gives the integer count columns; the result has the key columns, then
    ``tier``, then the counts.
    """
    on = list(keys.columns)
    names = list(aggregates(frame))
    per = frame.group_by(*on, tier_key=frame.tier).aggregate(**aggregates(frame))
    ladder = keys.cross_join(ibis.memtable({"tier": list(tiers)}))
    matched = [ladder[k] == per[k] for k in on] + [ladder.tier == per.tier_key]
    rows = ladder.left_join(per, matched).select(
        *(ladder[k] for k in on), ladder.tier, **{n: per[n].fill_null(0) for n in names}
    )
    total = frame.group_by(*on).aggregate(**aggregates(frame))
    total = keys.left_join(total, [keys[k] == total[k] for k in on]).select(
        *(keys[k] for k in on),
        tier=ibis.literal(ALL_TIERS, type="string"),
        **{n: total[n].fill_null(0) for n in names},
    )
    return rows.union(total)


def in_ladder_order(table: ibis.Table, *keys: str) -> ibis.Table:
    """``table`` ordered by ``keys``, then its ``tier`` column: standard … private, ``all``."""
    rank = table.tier.cases(
        *((name, i) for i, name in enumerate(TIER_NAMES)), else_=len(TIER_NAMES)
    )
    return table.order_by(*keys, rank)
