"""RM coverage (客户经理覆盖率, METRICS.md): the share of the customers of each tier with an
active relationship-manager assignment at a date.

Contact coverage (a logged contact in the 90 days up to d) needs the CRM contact log, which the
warehouse does not hold yet; it is deliberately not computed here rather than approximated.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import ibis

from bankcrm.analytics.base import ALL, Scope, Tables, dates_table, months_at, open_at
from bankcrm.analytics.tiered import by_tier, in_ladder_order, share


def rm_coverage_at_dates(tables: Tables, dates: Sequence[date], scope: Scope = ALL) -> ibis.Table:
    """RM coverage at each month-end of ``dates``: per tier at d (and ``all``), the customers of
    the base and those with an active assignment at d (``start_on ≤ d`` and ``end_on`` null or
    ``> d``).

    Columns: as_of, tier, customers, assigned, coverage (assigned / customers, a fraction).
    Contact coverage is not included: the contact log is not in the warehouse yet.
    """
    if tables.assignments is None:
        raise LookupError("the warehouse has no assignments: import an extract that includes it")
    a, on = tables.assignments, dates_table(dates)
    active = a.join(on, open_at(a.start_on, a.end_on, on.as_of))
    assigned = active.select(assigned_as_of=on.as_of, assigned_id=active.customer_id).distinct()
    base = months_at(tables, dates, scope).select("as_of", "customer_id", "tier")
    frame = base.left_join(
        assigned,
        (base.as_of == assigned.assigned_as_of) & (base.customer_id == assigned.assigned_id),
    )
    counts = by_tier(
        frame,
        lambda f: {
            "customers": f.customer_id.count(),
            "assigned": f.customer_id.count(where=f.assigned_id.notnull()),
        },
        on,
    )
    return in_ladder_order(
        counts.mutate(coverage=share(counts.assigned, counts.customers)), "as_of"
    )


def rm_coverage(tables: Tables, d: date, scope: Scope = ALL) -> ibis.Table:
    """``rm_coverage_at_dates`` at the one month-end ``d``, without ``as_of``."""
    return rm_coverage_at_dates(tables, [d], scope).drop("as_of")
