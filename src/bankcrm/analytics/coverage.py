"""RM coverage (客户经理覆盖率, METRICS.md): the share of the customers of each tier with an
active relationship-manager assignment at a date.

Contact coverage (a logged contact in the 90 days up to d) needs the CRM contact log, which the
warehouse does not hold yet; it is deliberately not computed here rather than approximated.
"""

from __future__ import annotations

from datetime import date

import ibis

from bankcrm.analytics.base import ALL, Scope, Tables, month_at
from bankcrm.analytics.tiered import by_tier, in_ladder_order, share


def rm_coverage(tables: Tables, d: date, scope: Scope = ALL) -> ibis.Table:
    """RM coverage at month-end ``d``: per tier at d (and ``all``), the customers of the base
    and those with an active assignment at d (``start_on ≤ d`` and ``end_on`` null or ``> d``).

    Columns: tier, customers, assigned, coverage (assigned / customers, a fraction).
    Contact coverage is not included: the contact log is not in the warehouse yet.
    """
    if tables.assignments is None:
        raise LookupError("the warehouse has no assignments: import an extract that includes it")
    a = tables.assignments
    active = a.filter((a.start_on <= d) & (a.end_on.isnull() | (a.end_on > d)))
    assigned = active.select(assigned_id="customer_id").distinct()
    base = month_at(tables, d, scope).select("customer_id", "tier")
    frame = base.left_join(assigned, base.customer_id == assigned.assigned_id)
    counts = by_tier(
        frame,
        lambda f: {
            "customers": f.customer_id.count(),
            "assigned": f.customer_id.count(where=f.assigned_id.notnull()),
        },
    )
    return in_ladder_order(counts.mutate(coverage=share(counts.assigned, counts.customers)))
