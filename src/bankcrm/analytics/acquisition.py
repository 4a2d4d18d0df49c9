"""Acquisition by age (新增客户年龄结构): the individuals opened in a year, by their age band on
the day they opened. The ageing diagnosis needs it: a base ages both because its customers grow
older and because the branch stops winning young ones, and only this tells the two apart.

Age band as METRICS.md "age band", taken at ``opened_on`` instead of at a year-end; "young"
means under 35 (the bands <25 and 25-34), as in SCENARIO.md.
"""

from __future__ import annotations

import ibis

from bankcrm.analytics._exprs import ORDER, in_order, ratio
from bankcrm.analytics.base import ALL, Scope, Tables
from bankcrm.analytics.structure import AGE_BANDS, INDIVIDUAL, age_band

YOUNG_BANDS: tuple[str, ...] = ("<25", "25-34")


def acquisition_by_age(tables: Tables, year: int, scope: Scope = ALL) -> ibis.Table:
    """New individual customers of ``year`` (``opened_on`` in the year) per age band on their
    opening day, every band listed (0 when empty), in band order.

    Columns: age_band, customers, share (of the year's new individuals; null when none).
    """
    c = scope.customers(tables.customers)
    new = c.filter((c.customer_type == INDIVIDUAL) & (c.opened_on.year() == year))
    banded = new.select("customer_id", age_band=age_band(new.birth_date, new.opened_on))
    counts = banded.group_by("age_band").aggregate(customers=banded.customer_id.count())
    rows = in_order(counts, "age_band", AGE_BANDS)
    rows = rows.mutate(customers=rows.customers.fill_null(0))
    return (
        rows.mutate(share=ratio(rows.customers, rows.customers.sum()))
        .order_by(ORDER)
        .select("age_band", "customers", "share")
    )


def young_acquisition(tables: Tables, year: int, scope: Scope = ALL) -> ibis.Table:
    """One row: new individuals of ``year`` (``new``), those under 35 on their opening day
    (``young``) and their share (``young_share``, null when there were none)."""
    bands = acquisition_by_age(tables, year, scope)
    young = bands.customers.sum(where=bands.age_band.isin(list(YOUNG_BANDS)))
    totals = bands.aggregate(new=bands.customers.sum(), young=young.fill_null(0))
    return totals.mutate(young_share=ratio(totals.young, totals.new))
