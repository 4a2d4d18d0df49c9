"""Cohort retention by year of opening: of the customers who opened in a year, how many are
still in the base at each later year-end (METRICS.md "customer base", "new customers in Y")."""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from bankcrm.analytics._exprs import ratio
from bankcrm.analytics.base import ALL, Scope, Tables


def cohort_retention(tables: Tables, ends: dict[int, date], scope: Scope = ALL) -> ir.Table:
    """[cohort, year, customers, retained, retention] for each cohort and year in ``ends``
    (year → its year-end) with year ≥ cohort.

    cohort = the year of ``opened_on``; customers = customers opened in that year (all of them,
    those already closed included); retained = those of them in the base at the year-end of
    ``year``; retention = retained / customers (a fraction, 0..1).
    """
    if not ends:
        raise ValueError("cohort_retention needs at least one year-end")
    c = scope.customers(tables.customers)
    c = c.mutate(cohort=c.opened_on.year().cast("int64")).filter(
        lambda t: t.cohort.isin(list(ends))
    )
    per_year = []
    for year, end in sorted(ends.items()):
        alive = (c.opened_on <= end) & (c.closed_on.isnull() | (c.closed_on > end))
        rows = (
            c.filter(c.cohort <= year)
            .group_by("cohort")
            .aggregate(customers=c.customer_id.count(), retained=c.customer_id.count(where=alive))
        )
        per_year.append(rows.mutate(year=ibis.literal(year, type="int64")))
    cells = ibis.union(*per_year)
    return cells.select(
        "cohort",
        "year",
        "customers",
        "retained",
        retention=ratio(cells.retained, cells.customers),
    ).order_by("cohort", "year")
