"""Movement between two year-ends (METRICS.md "tier migration Y → Y+1", "AUM bridge Y → Y+1").

Both start from the customers in the base at either date, each with its tier and AUM at
``d_from`` and at ``d_to`` (null where not in the base). Counts are customers; money is exact
yuan (decimal(38, 2)); rates are fractions (0..1).
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from bankcrm.analytics._exprs import TIERS, money, rank_of, ratio
from bankcrm.analytics.base import ALL, Scope, Tables, month_at

NEW = "new"  # row: in the base at d_to only
CLOSED = "closed"  # column: in the base at d_from only
ROWS: tuple[str, ...] = (*TIERS, NEW)
COLUMNS: tuple[str, ...] = (*TIERS, CLOSED)


def paired(tables: Tables, d_from: date, d_to: date, scope: Scope = ALL) -> ir.Table:
    """[customer_id, tier_from, aum_from, tier_to, aum_to]: the base at either date; the side
    where a customer is not in the base is null."""
    a = month_at(tables, d_from, scope).select(
        id_from="customer_id", tier_from="tier", aum_from="aum"
    )
    b = month_at(tables, d_to, scope).select(id_to="customer_id", tier_to="tier", aum_to="aum")
    joined = a.outer_join(b, a.id_from == b.id_to)
    return joined.select(
        customer_id=joined.id_from.fill_null(joined.id_to),
        tier_from=joined.tier_from,
        aum_from=joined.aum_from,
        tier_to=joined.tier_to,
        aum_to=joined.aum_to,
    )


def migration(tables: Tables, d_from: date, d_to: date, scope: Scope = ALL) -> ir.Table:
    """[from, to, customers, aum]: the migration matrix from ``d_from`` to ``d_to``, one row per
    cell, rows (``from``) the tiers then ``new``, columns (``to``) the tiers then ``closed``.

    Every cell is listed (0 when empty) except new → closed, which cannot hold anyone. ``aum``
    is at ``d_to``, or at ``d_from`` in the ``closed`` column.
    """
    p = paired(tables, d_from, d_to, scope)
    moves = p.select(
        src=p.tier_from.fill_null(NEW),
        dst=p.tier_to.fill_null(CLOSED),
        aum=ibis.ifelse(p.tier_to.isnull(), p.aum_from, p.aum_to),
    )
    cells = moves.group_by("src", "dst").aggregate(customers=moves.src.count(), aum=moves.aum.sum())
    grid = ibis.memtable(
        {
            "from": [r for r in ROWS for c in COLUMNS if (r, c) != (NEW, CLOSED)],
            "to": [c for r in ROWS for c in COLUMNS if (r, c) != (NEW, CLOSED)],
        }
    )
    joined = grid.left_join(cells, (grid["from"] == cells.src) & (grid.to == cells.dst))
    rows = joined.select(
        grid["from"],
        grid.to,
        customers=cells.customers.fill_null(0),
        aum=money(cells.aum),
    )
    return rows.order_by(rank_of(rows["from"], ROWS), rank_of(rows.to, COLUMNS))


def migration_rates(tables: Tables, d_from: date, d_to: date, scope: Scope = ALL) -> ir.Table:
    """[tier, customers, upgraded, downgraded, upgrade_rate, downgrade_rate] per tier at
    ``d_from``: customers of the tier (its whole row, closed included), those in a higher / lower
    tier at ``d_to``, and those as shares of the row (null for an empty tier)."""
    m = migration(tables, d_from, d_to, scope)
    m = m.filter(m["from"] != NEW)
    rank_from, rank_to = rank_of(m["from"], TIERS), rank_of(m.to, TIERS)
    moved = m.to != CLOSED
    rows = m.group_by(tier=m["from"]).aggregate(
        customers=m.customers.sum(),
        upgraded=ibis.ifelse(moved & (rank_to > rank_from), m.customers, 0).sum(),
        downgraded=ibis.ifelse(moved & (rank_to < rank_from), m.customers, 0).sum(),
    )
    rows = rows.mutate(
        upgrade_rate=ratio(rows.upgraded, rows.customers),
        downgrade_rate=ratio(rows.downgraded, rows.customers),
    )
    return rows.order_by(rank_of(rows.tier, TIERS))


def aum_bridge(tables: Tables, d_from: date, d_to: date, scope: Scope = ALL) -> ir.Table:
    """One row [start, new, closed, increase, decrease, end] in yuan: total AUM at ``d_from``;
    AUM at ``d_to`` of customers new to the base; minus the AUM at ``d_from`` of customers who
    left it (a negative amount); the net change of customers in the base at both dates split
    into its positive and negative parts; total AUM at ``d_to``.
    start + new + closed + increase + decrease == end exactly (decimal sums)."""
    p = paired(tables, d_from, d_to, scope)
    both = p.aum_from.notnull() & p.aum_to.notnull()
    change = p.aum_to - p.aum_from
    sums = p.aggregate(
        start=p.aum_from.sum(),
        new=p.aum_to.sum(where=p.aum_from.isnull()),
        closed=(-p.aum_from).sum(where=p.aum_to.isnull()),
        increase=change.sum(where=both & (change > 0)),
        decrease=change.sum(where=both & (change < 0)),
        end=p.aum_to.sum(),
    )
    parts = ("start", "new", "closed", "increase", "decrease", "end")
    return sums.select(**{name: money(sums[name]) for name in parts})
