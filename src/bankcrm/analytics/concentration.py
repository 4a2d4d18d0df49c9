"""Concentration of AUM over the base at a date (METRICS.md "concentration at d"): the share of
total AUM held by the richest customers, the Gini coefficient, and Lorenz curve points.

"Top k%" is the first max(1, floor(k/100 × n)) customers of the base (n customers) ranked by
AUM descending, ties broken by ascending customer_id; the same convention as the synthetic
generator's truth file (``_truth/scenario.json``), so the two can be compared. Shares are
fractions (0..1) computed from exact decimal sums; null when total AUM is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import ibis
import ibis.expr.types as ir

from bankcrm.analytics._exprs import money, ratio
from bankcrm.analytics.base import ALL, Scope, Tables, months_at

TOP_PERCENTS = (1, 10, 20)


def ranked(tables: Tables, dates: Sequence[date], scope: Scope = ALL) -> ir.Table:
    """[as_of, customer_id, aum, rank, n]: the base at each of ``dates``; ``rank`` 1 = the
    largest AUM of that date (ties by customer_id), ``n`` the size of that date's base."""
    at = months_at(tables, dates, scope).select("as_of", "customer_id", "aum")
    order = ibis.window(group_by="as_of", order_by=[ibis.desc(at.aum), at.customer_id])
    return at.mutate(
        rank=ibis.row_number().over(order) + 1,
        n=at.customer_id.count().over(ibis.window(group_by="as_of")),
    )


def top_count(n: ir.IntegerValue, percent: int) -> ir.IntegerValue:
    """How many customers make the top ``percent``% of ``n``: max(1, floor(percent × n / 100))."""
    count: ir.IntegerValue = ibis.greatest((n * percent) // 100, 1)
    return count


def concentration_at_dates(tables: Tables, dates: Sequence[date], scope: Scope = ALL) -> ir.Table:
    """One row [as_of, top1, top10, top20, gini] per date with customers.

    Gini = 2 Σ i·x_i / (n Σ x) − (n + 1) / n over AUM x sorted ascending (i = 1..n), the same
    formula as the generator's truth; 0 = all equal, → 1 = one customer holds everything.
    """
    r = ranked(tables, dates, scope)
    ascending = (r.n - r.rank + 1).cast("float64")  # i: 1 = the smallest AUM
    total = r.aum.sum()
    tops = {
        f"top{p}": ratio(money(r.aum.sum(where=r.rank <= top_count(r.n, p))), total)
        for p in TOP_PERCENTS
    }
    n = r.n.max().cast("float64")
    weighted = (ascending * r.aum.cast("float64")).sum()
    gini = 2 * weighted / (n * total.cast("float64")).nullif(0.0) - (n + 1) / n.nullif(0.0)
    return r.group_by("as_of").aggregate(**tops, gini=gini).order_by("as_of")


def concentration(tables: Tables, d: date, scope: Scope = ALL) -> ir.Table:
    """``concentration_at_dates`` at the one date ``d``, without ``as_of``."""
    return concentration_at_dates(tables, [d], scope).drop("as_of")


def lorenz_at_dates(
    tables: Tables, dates: Sequence[date], scope: Scope = ALL, points: int = 20
) -> ir.Table:
    """[as_of, population_share, aum_share]: per date, ``points`` + 1 points of the Lorenz
    curve, from (0, 0) to (1, 1): the poorest floor(j × n / points) customers (j = 0..points)
    and their share of total AUM. population_share is that count over n (exactly j / points
    when points divides n)."""
    r = ranked(tables, dates, scope)
    # The poorest k hold the total minus what the richest n − k hold: one running sum in the
    # ranking's own order, rather than a second sort the other way.
    richest = r.mutate(
        held=r.aum.sum().over(
            ibis.window(
                group_by="as_of", order_by=[ibis.desc(r.aum), r.customer_id], rows=(None, 0)
            )
        )
    )
    stats = r.group_by("as_of").aggregate(n=r.customer_id.count(), total=r.aum.sum())
    grid = ibis.memtable({"j": list(range(points + 1))}).cross_join(stats)
    grid = grid.mutate(k=(grid.j * grid.n) // points)
    joined = grid.left_join(
        richest, (grid.as_of == richest.as_of) & (richest.rank == grid.n - grid.k)
    )
    poorest = joined.total - joined.held.fill_null(0)
    curve = joined.select(
        grid.as_of,
        grid.j,
        population_share=ratio(grid.k, grid.n),
        aum_share=ratio(money(poorest), joined.total),
    )
    return curve.mutate(aum_share=curve.aum_share.fill_null(0.0)).order_by("as_of", "j").drop("j")


def lorenz(tables: Tables, d: date, scope: Scope = ALL, points: int = 20) -> ir.Table:
    """``lorenz_at_dates`` at the one date ``d``, without ``as_of``."""
    return lorenz_at_dates(tables, [d], scope, points).drop("as_of")
