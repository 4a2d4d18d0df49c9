"""Movement between two year-ends (METRICS.md "tier migration Y → Y+1", "AUM bridge Y → Y+1").

Both start from the customers in the base at either date, each with its tier and AUM at
``d_from`` and at ``d_to`` (null where not in the base). Counts are customers; money is exact
yuan (decimal(38, 2)); rates are fractions (0..1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import ibis
import ibis.expr.types as ir

from bankcrm.analytics._exprs import TIERS, money, rank_of, ratio
from bankcrm.analytics.base import ALL, Scope, Tables, months_at

NEW = "new"  # row: in the base at d_to only
CLOSED = "closed"  # column: in the base at d_from only
ROWS: tuple[str, ...] = (*TIERS, NEW)
COLUMNS: tuple[str, ...] = (*TIERS, CLOSED)


Pair = tuple[date, date]


def pairs_table(pairs: Sequence[Pair]) -> ibis.Table:
    """[d_from, d_to]: the pairs of dates a movement is measured between."""
    return ibis.memtable(
        {"d_from": [p[0] for p in pairs], "d_to": [p[1] for p in pairs]},
        schema={"d_from": "date", "d_to": "date"},
    )


def paired(tables: Tables, pairs: Sequence[Pair], scope: Scope = ALL) -> ir.Table:
    """[d_from, d_to, customer_id, tier_from, aum_from, tier_to, aum_to]: per pair, the base at
    either date; the side where a customer is not in the base is null."""
    keys = pairs_table(pairs)
    months = months_at(tables, sorted({d for p in pairs for d in p}), scope)
    months = months.select("as_of", "customer_id", "tier", "aum")
    a = months.join(keys, months.as_of == keys.d_from).select(
        keys.d_from, keys.d_to, id_from=months.customer_id, tier_from="tier", aum_from="aum"
    )
    b = months.join(keys, months.as_of == keys.d_to).select(
        b_from=keys.d_from, b_to=keys.d_to, id_to=months.customer_id, tier_to="tier", aum_to="aum"
    )
    joined = a.outer_join(b, (a.d_from == b.b_from) & (a.id_from == b.id_to))
    return joined.select(
        d_from=joined.d_from.fill_null(joined.b_from),
        d_to=joined.d_to.fill_null(joined.b_to),
        customer_id=joined.id_from.fill_null(joined.id_to),
        tier_from=joined.tier_from,
        aum_from=joined.aum_from,
        tier_to=joined.tier_to,
        aum_to=joined.aum_to,
    )


def migration_for_pairs(tables: Tables, pairs: Sequence[Pair], scope: Scope = ALL) -> ir.Table:
    """[d_from, d_to, from, to, customers, aum]: per pair, the migration matrix from ``d_from``
    to ``d_to``, one row per cell, rows (``from``) the tiers then ``new``, columns (``to``) the
    tiers then ``closed``.

    Every cell is listed (0 when empty) except new → closed, which cannot hold anyone. ``aum``
    is at ``d_to``, or at ``d_from`` in the ``closed`` column.
    """
    p = paired(tables, pairs, scope)
    moves = p.select(
        "d_from",
        "d_to",
        src=p.tier_from.fill_null(NEW),
        dst=p.tier_to.fill_null(CLOSED),
        aum=ibis.ifelse(p.tier_to.isnull(), p.aum_from, p.aum_to),
    )
    cells = moves.group_by("d_from", "d_to", "src", "dst").aggregate(
        customers=moves.src.count(), aum=moves.aum.sum()
    )
    cell_names = [(r, c) for r in ROWS for c in COLUMNS if (r, c) != (NEW, CLOSED)]
    grid = pairs_table(pairs).cross_join(
        ibis.memtable({"from": [r for r, _ in cell_names], "to": [c for _, c in cell_names]})
    )
    joined = grid.left_join(
        cells,
        (grid.d_from == cells.d_from) & (grid["from"] == cells.src) & (grid.to == cells.dst),
    )
    rows = joined.select(
        grid.d_from,
        grid.d_to,
        grid["from"],
        grid.to,
        customers=cells.customers.fill_null(0),
        aum=money(cells.aum),
    )
    return rows.order_by("d_from", rank_of(rows["from"], ROWS), rank_of(rows.to, COLUMNS))


def migration(tables: Tables, d_from: date, d_to: date, scope: Scope = ALL) -> ir.Table:
    """``migration_for_pairs`` of the one pair (``d_from``, ``d_to``), without the dates."""
    return migration_for_pairs(tables, [(d_from, d_to)], scope).drop("d_from", "d_to")


def migration_rates_for_pairs(
    tables: Tables, pairs: Sequence[Pair], scope: Scope = ALL
) -> ir.Table:
    """[d_from, d_to, tier, customers, upgraded, downgraded, upgrade_rate, downgrade_rate] per
    pair and tier at ``d_from``: customers of the tier (its whole row, closed included), those
    in a higher / lower tier at ``d_to``, and those as shares of the row (null for an empty
    tier)."""
    m = migration_for_pairs(tables, pairs, scope)
    m = m.filter(m["from"] != NEW)
    rank_from, rank_to = rank_of(m["from"], TIERS), rank_of(m.to, TIERS)
    moved = m.to != CLOSED
    rows = m.group_by("d_from", "d_to", tier=m["from"]).aggregate(
        customers=m.customers.sum(),
        upgraded=ibis.ifelse(moved & (rank_to > rank_from), m.customers, 0).sum(),
        downgraded=ibis.ifelse(moved & (rank_to < rank_from), m.customers, 0).sum(),
    )
    rows = rows.mutate(
        upgrade_rate=ratio(rows.upgraded, rows.customers),
        downgrade_rate=ratio(rows.downgraded, rows.customers),
    )
    return rows.order_by("d_from", rank_of(rows.tier, TIERS))


def migration_rates(tables: Tables, d_from: date, d_to: date, scope: Scope = ALL) -> ir.Table:
    """``migration_rates_for_pairs`` of the one pair (``d_from``, ``d_to``), without the dates."""
    return migration_rates_for_pairs(tables, [(d_from, d_to)], scope).drop("d_from", "d_to")


def aum_bridge_for_pairs(tables: Tables, pairs: Sequence[Pair], scope: Scope = ALL) -> ir.Table:
    """One row per pair [d_from, d_to, start, new, closed, increase, decrease, end] in yuan:
    total AUM at ``d_from``; AUM at ``d_to`` of customers new to the base; minus the AUM at
    ``d_from`` of customers who left it (a negative amount); the net change of customers in the
    base at both dates split into its positive and negative parts; total AUM at ``d_to``.
    start + new + closed + increase + decrease == end exactly (decimal sums)."""
    p = paired(tables, pairs, scope)
    both = p.aum_from.notnull() & p.aum_to.notnull()
    change = p.aum_to - p.aum_from
    sums = p.group_by("d_from", "d_to").aggregate(
        start=p.aum_from.sum(),
        new=p.aum_to.sum(where=p.aum_from.isnull()),
        closed=(-p.aum_from).sum(where=p.aum_to.isnull()),
        increase=change.sum(where=both & (change > 0)),
        decrease=change.sum(where=both & (change < 0)),
        end=p.aum_to.sum(),
    )
    keys = pairs_table(pairs)
    rows = keys.left_join(sums, keys.d_from == sums.d_from)
    parts = ("start", "new", "closed", "increase", "decrease", "end")
    return rows.select(
        keys.d_from, keys.d_to, **{name: money(rows[name]) for name in parts}
    ).order_by("d_from")


def aum_bridge(tables: Tables, d_from: date, d_to: date, scope: Scope = ALL) -> ir.Table:
    """``aum_bridge_for_pairs`` of the one pair (``d_from``, ``d_to``), without the dates."""
    return aum_bridge_for_pairs(tables, [(d_from, d_to)], scope).drop("d_from", "d_to")
