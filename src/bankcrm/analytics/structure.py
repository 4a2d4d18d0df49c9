"""Structure of the customer base at a date (METRICS.md "structure by tier", "age band",
"product holding"): how many customers and how much AUM fall in each group.

Counts are customers; ``aum``, ``mean_aum`` and ``median_aum`` are yuan (``aum`` an exact
decimal sum, mean and median floats); shares are fractions (0..1) of the population shown,
which is the base at d, or for ``age_band`` the individual customers of the base at d.
The median is the engines' exact interpolated median (DuckDB ``quantile_cont``, Spark
``percentile``, not ``percentile_approx``), taken over AUM as a float.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

import ibis
import ibis.expr.types as ir

from bankcrm.analytics._exprs import ORDER, TIERS, money, ratio
from bankcrm.analytics.base import ALL, Scope, Tables, dates_table, months_at, open_at

Dimension = Literal["tier", "age_band", "gender", "customer_type", "product_holding"]
DIMENSIONS: tuple[str, ...] = ("tier", "age_band", "gender", "customer_type", "product_holding")
AGE_BANDS: tuple[str, ...] = ("<25", "25-34", "35-44", "45-54", "55-64", "65+", "unknown")
UNKNOWN = "unknown"
INDIVIDUAL = "individual"


def age_at(birth_date: ir.DateValue, d: date | ir.DateValue) -> ir.IntegerValue:
    """Age in whole years at ``d``, a date or a date column (the birthday counts from its day;
    29 Feb from 1 Mar)."""
    day = ibis.literal(d, type="date") if isinstance(d, date) else d
    before_birthday = (day.month() * 100 + day.day()) < (
        birth_date.month() * 100 + birth_date.day()
    )
    age: ir.IntegerValue = day.year() - birth_date.year() - before_birthday.cast("int64")
    return age


def age_band(birth_date: ir.DateValue, d: date | ir.DateValue) -> ir.StringValue:
    """The METRICS.md age band at ``d``; ``unknown`` without a birth date."""
    age = age_at(birth_date, d)
    band: ir.StringValue = ibis.cases(
        (birth_date.isnull(), UNKNOWN),
        (age < 25, "<25"),
        (age < 35, "25-34"),
        (age < 45, "35-44"),
        (age < 55, "45-54"),
        (age < 65, "55-64"),
        else_="65+",
    )
    return band


def open_accounts(tables: Tables, dates: Sequence[date]) -> ir.Table:
    """[as_of, customer_id, product_code, product_type]: accounts open at each of ``dates``
    (opened on or before it, not closed by it)."""
    a, on = tables.accounts, dates_table(dates)
    hits = a.join(on, open_at(a.opened_on, a.closed_on, on.as_of))
    products = tables.products.select("product_code", "product_type")
    return hits.select(on.as_of, hits.customer_id, hits.product_code).join(products, "product_code")


def holdings(tables: Tables, dates: Sequence[date], scope: Scope = ALL) -> ir.Table:
    """[as_of, customer_id, aum, product_holding]: the base at each of ``dates`` with its number
    of distinct product types among accounts open then (0 when none)."""
    base = months_at(tables, dates, scope).select("as_of", "customer_id", "aum")
    accounts = open_accounts(tables, dates)
    held = accounts.group_by("as_of", "customer_id").aggregate(held=accounts.product_type.nunique())
    joined = base.left_join(
        held, (base.as_of == held.as_of) & (base.customer_id == held.customer_id)
    )
    return joined.select(
        base.as_of,
        base.customer_id,
        base.aum,
        product_holding=held.held.fill_null(0).cast("int64"),
    )


def _grouped(tables: Tables, dates: Sequence[date], by: str, scope: Scope) -> ir.Table:
    """[as_of, customer_id, aum, <by>]: the population of the structure ``by`` at each date."""
    if by == "product_holding":
        return holdings(tables, dates, scope)
    at = months_at(tables, dates, scope)
    if by == "tier":
        return at.select("as_of", "customer_id", "aum", "tier")
    if by == "age_band":
        people = at.filter(at.customer_type == INDIVIDUAL)
        return people.select(
            "as_of", "customer_id", "aum", age_band=age_band(people.birth_date, people.as_of)
        )
    if by in ("gender", "customer_type"):
        return at.select("as_of", "customer_id", "aum", **{by: at[by].fill_null(UNKNOWN)})
    raise ValueError(f"unknown structure dimension {by!r}; choose one of {', '.join(DIMENSIONS)}")


def structure_at_dates(
    tables: Tables, dates: Sequence[date], by: Dimension, scope: Scope = ALL
) -> ir.Table:
    """[as_of, <by>, customers, share, aum, aum_share, mean_aum, median_aum] over the base at
    each of ``dates``: one query for every date.

    Tiers and age bands list every group in their natural order, empty ones with 0 customers;
    other dimensions list the groups present, sorted.
    """
    rows = _grouped(tables, dates, by, scope)
    groups = rows.group_by("as_of", by).aggregate(
        customers=rows.customer_id.count(),
        aum=rows.aum.sum(),
        mean_aum=rows.aum.cast("float64").mean(),
        median_aum=rows.aum.cast("float64").median(),
    )
    if by in ("tier", "age_band"):
        order = TIERS if by == "tier" else AGE_BANDS
        keys = dates_table(dates).cross_join(
            ibis.memtable({by: list(order), ORDER: list(range(len(order)))})
        )
        joined = keys.left_join(groups, (keys.as_of == groups.as_of) & (keys[by] == groups[by]))
        groups = joined.select(
            keys.as_of, keys[by], keys[ORDER], *(groups[c] for c in groups.columns[2:])
        )
    else:
        groups = groups.mutate(**{ORDER: groups[by]})
    per_date = ibis.window(group_by="as_of")
    result = groups.mutate(customers=groups.customers.fill_null(0), aum=money(groups.aum)).mutate(
        share=lambda t: ratio(t.customers, t.customers.sum().over(per_date)),
        aum_share=lambda t: ratio(t.aum, t.aum.sum().over(per_date)),
    )
    return result.order_by("as_of", ORDER).select(
        "as_of", by, "customers", "share", "aum", "aum_share", "mean_aum", "median_aum"
    )


def structure(tables: Tables, d: date, by: Dimension, scope: Scope = ALL) -> ir.Table:
    """``structure_at_dates`` at the one date ``d``, without ``as_of``."""
    return structure_at_dates(tables, [d], by, scope).drop("as_of")


def product_penetration_at_dates(
    tables: Tables, dates: Sequence[date], scope: Scope = ALL
) -> ir.Table:
    """[as_of, product_type, customers, share]: per date and product type present in
    ``products``, customers of the base with an account of that type open then, and their share
    of the base."""
    base = months_at(tables, dates, scope).select("as_of", "customer_id")
    accounts = open_accounts(tables, dates)
    held = accounts.join(base, ["as_of", "customer_id"])
    counts = held.group_by("as_of", "product_type").aggregate(customers=held.customer_id.nunique())
    sizes = base.group_by("as_of").aggregate(n=base.customer_id.count())
    types = tables.products.select("product_type").distinct().cross_join(dates_table(dates))
    joined = types.left_join(
        counts, (types.as_of == counts.as_of) & (types.product_type == counts.product_type)
    )
    rows = joined.select(types.as_of, types.product_type, customers=counts.customers.fill_null(0))
    rows = rows.left_join(sizes, rows.as_of == sizes.as_of)
    return rows.select(
        rows.as_of,
        rows.product_type,
        rows.customers,
        share=ratio(rows.customers, sizes.n.fill_null(0)),
    ).order_by("as_of", "product_type")


def product_penetration(tables: Tables, d: date, scope: Scope = ALL) -> ir.Table:
    """``product_penetration_at_dates`` at the one date ``d``, without ``as_of``."""
    return product_penetration_at_dates(tables, [d], scope).drop("as_of")
