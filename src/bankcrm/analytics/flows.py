"""Customer flows (METRICS.md "new customers in Y", "closed customers in Y") and the size of
the customer base at a date. All figures are customer counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import ibis
import ibis.expr.types as ir

from bankcrm.analytics.base import ALL, Scope, Tables, in_base


def flows_in_years(tables: Tables, years: Sequence[int], scope: Scope = ALL) -> ir.Table:
    """One row per year of ``years`` [year, new, closed]: customers with ``opened_on`` in the
    year and customers with ``closed_on`` in it (a customer opened and closed in the same year
    is in both).

    With year-ends on 31 December, base(Y+1) = base(Y) + new(Y+1) − closed(Y+1) exactly.
    """
    c = scope.customers(tables.customers)
    opened = c.group_by(o_year=c.opened_on.year().cast("int64")).aggregate(new=c.count())
    gone = c.filter(c.closed_on.notnull())
    closed = gone.group_by(c_year=gone.closed_on.year().cast("int64")).aggregate(
        closed=gone.count()
    )
    grid = ibis.memtable({"year": sorted(set(years))}, schema={"year": "int64"})
    rows = grid.left_join(opened, grid.year == opened.o_year).left_join(
        closed, grid.year == closed.c_year
    )
    return rows.select(
        rows.year, new=rows.new.fill_null(0), closed=rows.closed.fill_null(0)
    ).order_by("year")


def flows(tables: Tables, year: int, scope: Scope = ALL) -> ir.Table:
    """``flows_in_years`` of the one year ``year``."""
    return flows_in_years(tables, [year], scope)


def base_count(tables: Tables, d: date, scope: Scope = ALL) -> ir.Table:
    """One row [as_of, customers]: the number of customers in the base at ``d``."""
    base = in_base(scope.customers(tables.customers), d)
    counts = base.aggregate(customers=base.customer_id.count())
    return counts.mutate(as_of=ibis.literal(d, type="date")).select("as_of", "customers")
