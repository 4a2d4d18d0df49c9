"""Concentration of AUM over the base at a date (METRICS.md "concentration at d"): the share of
total AUM held by the richest customers, the Gini coefficient, and Lorenz curve points.

"Top k%" is the first max(1, floor(k/100 × n)) customers of the base (n customers) ranked by
AUM descending, ties broken by ascending customer_id; the same convention as the synthetic
generator's truth file (``_truth/scenario.json``), so the two can be compared. Shares are
fractions (0..1) computed from exact decimal sums; null when total AUM is 0.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from bankcrm.analytics._exprs import money, ratio
from bankcrm.analytics.base import ALL, Scope, Tables, month_at

TOP_PERCENTS = (1, 10, 20)


def ranked(tables: Tables, d: date, scope: Scope = ALL) -> ir.Table:
    """[customer_id, aum, rank, n]: the base at ``d``; ``rank`` 1 = the largest AUM (ties by
    customer_id), ``n`` the size of the base."""
    at = month_at(tables, d, scope).select("customer_id", "aum")
    order = ibis.window(order_by=[ibis.desc(at.aum), at.customer_id])
    return at.mutate(rank=ibis.row_number().over(order) + 1, n=at.customer_id.count())


def top_count(n: ir.IntegerValue, percent: int) -> ir.IntegerValue:
    """How many customers make the top ``percent``% of ``n``: max(1, floor(percent × n / 100))."""
    count: ir.IntegerValue = ibis.greatest((n * percent) // 100, 1)
    return count


def concentration(tables: Tables, d: date, scope: Scope = ALL) -> ir.Table:
    """One row [top1, top10, top20, gini] at ``d``.

    Gini = 2 Σ i·x_i / (n Σ x) − (n + 1) / n over AUM x sorted ascending (i = 1..n), the same
    formula as the generator's truth; 0 = all equal, → 1 = one customer holds everything.
    """
    r = ranked(tables, d, scope)
    ascending = (r.n - r.rank + 1).cast("float64")  # i: 1 = the smallest AUM
    total = r.aum.sum()
    tops = {
        f"top{p}": ratio(money(r.aum.sum(where=r.rank <= top_count(r.n, p))), total)
        for p in TOP_PERCENTS
    }
    n = r.n.max().cast("float64")
    weighted = (ascending * r.aum.cast("float64")).sum()
    gini = 2 * weighted / (n * total.cast("float64")).nullif(0.0) - (n + 1) / n.nullif(0.0)
    return r.aggregate(**tops, gini=gini)


def lorenz(tables: Tables, d: date, scope: Scope = ALL, points: int = 20) -> ir.Table:
    """[population_share, aum_share]: ``points`` + 1 points of the Lorenz curve at ``d``, from
    (0, 0) to (1, 1): the poorest floor(j × n / points) customers (j = 0..points) and their share
    of total AUM. population_share is that count over n (exactly j / points when points divides
    n)."""
    r = ranked(tables, d, scope)
    poorest = r.mutate(
        i=r.n - r.rank + 1,
        cumulative=r.aum.sum().over(
            ibis.window(order_by=[r.aum, ibis.desc(r.customer_id)], rows=(None, 0))
        ),
        total=r.aum.sum(),
    )
    stats = r.aggregate(n=r.customer_id.count())
    grid = ibis.memtable({"j": list(range(points + 1))}).cross_join(stats)
    grid = grid.mutate(k=(grid.j * grid.n) // points)
    joined = grid.left_join(poorest, grid.k == poorest.i)
    curve = joined.select(
        grid.j,
        population_share=ratio(grid.k, grid.n),
        aum_share=ratio(money(joined.cumulative), joined.total),
    )
    return curve.mutate(aum_share=curve.aum_share.fill_null(0.0)).order_by("j").drop("j")
