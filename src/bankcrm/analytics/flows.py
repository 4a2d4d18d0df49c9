"""Customer flows (METRICS.md "new customers in Y", "closed customers in Y") and the size of
the customer base at a date. All figures are customer counts."""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from bankcrm.analytics.base import ALL, Scope, Tables, in_base


def flows(tables: Tables, year: int, scope: Scope = ALL) -> ir.Table:
    """One row [year, new, closed]: customers with ``opened_on`` in ``year`` and customers with
    ``closed_on`` in ``year`` (a customer opened and closed in the same year is in both).

    With year-ends on 31 December, base(Y+1) = base(Y) + new(Y+1) − closed(Y+1) exactly.
    """
    c = scope.customers(tables.customers)
    counts = c.aggregate(
        new=c.customer_id.count(where=c.opened_on.year() == year),
        closed=c.customer_id.count(where=c.closed_on.year() == year),
    )
    return counts.mutate(year=ibis.literal(year, type="int64")).select("year", "new", "closed")


def base_count(tables: Tables, d: date, scope: Scope = ALL) -> ir.Table:
    """One row [as_of, customers]: the number of customers in the base at ``d``."""
    base = in_base(scope.customers(tables.customers), d)
    counts = base.aggregate(customers=base.customer_id.count())
    return counts.mutate(as_of=ibis.literal(d, type="date")).select("as_of", "customers")
