"""Structure of the customer base at a date (METRICS.md "structure by tier", "age band",
"product holding"): how many customers and how much AUM fall in each group.

Counts are customers; ``aum``, ``mean_aum`` and ``median_aum`` are yuan (``aum`` an exact
decimal sum, mean and median floats); shares are fractions (0..1) of the population shown,
which is the base at d, or for ``age_band`` the individual customers of the base at d.
The median is the engines' exact interpolated median (DuckDB ``quantile_cont``, Spark
``percentile``, not ``percentile_approx``), taken over AUM as a float.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import ibis
import ibis.expr.types as ir

from bankcrm.analytics._exprs import ORDER, TIERS, in_order, money, ratio
from bankcrm.analytics.base import ALL, Scope, Tables, in_base, month_at

Dimension = Literal["tier", "age_band", "gender", "customer_type", "product_holding"]
DIMENSIONS: tuple[str, ...] = ("tier", "age_band", "gender", "customer_type", "product_holding")
AGE_BANDS: tuple[str, ...] = ("<25", "25-34", "35-44", "45-54", "55-64", "65+", "unknown")
UNKNOWN = "unknown"
INDIVIDUAL = "individual"


def age_at(birth_date: ir.DateValue, d: date) -> ir.IntegerValue:
    """Age in whole years at ``d`` (the birthday counts from its day; 29 Feb from 1 Mar)."""
    before_birthday = (d.month * 100 + d.day) < (birth_date.month() * 100 + birth_date.day())
    age: ir.IntegerValue = d.year - birth_date.year() - before_birthday.cast("int64")
    return age


def age_band(birth_date: ir.DateValue, d: date) -> ir.StringValue:
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


def open_accounts(tables: Tables, d: date) -> ir.Table:
    """Accounts open at ``d`` (opened on or before d, not closed by d) with their product type."""
    a = tables.accounts
    is_open = (a.opened_on <= d) & (a.closed_on.isnull() | (a.closed_on > d))
    products = tables.products.select("product_code", "product_type")
    return a.filter(is_open).select("customer_id", "product_code").join(products, "product_code")


def holdings(tables: Tables, d: date, scope: Scope = ALL) -> ir.Table:
    """[customer_id, aum, product_holding]: the base at ``d`` with its number of distinct product
    types among accounts open at d (0 when none)."""
    base = month_at(tables, d, scope).select("customer_id", "aum")
    held = (
        open_accounts(tables, d)
        .group_by("customer_id")
        .aggregate(held=lambda t: t.product_type.nunique())
    )
    joined = base.left_join(held, base.customer_id == held.customer_id)
    return joined.select(
        base.customer_id, base.aum, product_holding=held.held.fill_null(0).cast("int64")
    )


def _grouped(tables: Tables, d: date, by: str, scope: Scope) -> ir.Table:
    """[customer_id, aum, <by>]: the population of the structure ``by`` at ``d``."""
    if by == "product_holding":
        return holdings(tables, d, scope)
    at = month_at(tables, d, scope)
    if by == "tier":
        return at.select("customer_id", "aum", "tier")
    if by == "age_band":
        people = at.filter(at.customer_type == INDIVIDUAL)
        return people.select("customer_id", "aum", age_band=age_band(people.birth_date, d))
    if by in ("gender", "customer_type"):
        return at.select("customer_id", "aum", **{by: at[by].fill_null(UNKNOWN)})
    raise ValueError(f"unknown structure dimension {by!r}; choose one of {', '.join(DIMENSIONS)}")


def structure(tables: Tables, d: date, by: Dimension, scope: Scope = ALL) -> ir.Table:
    """[<by>, customers, share, aum, aum_share, mean_aum, median_aum] over the base at ``d``.

    Tiers and age bands list every group in their natural order, empty ones with 0 customers;
    other dimensions list the groups present, sorted.
    """
    rows = _grouped(tables, d, by, scope)
    groups = rows.group_by(by).aggregate(
        customers=rows.customer_id.count(),
        aum=rows.aum.sum(),
        mean_aum=rows.aum.cast("float64").mean(),
        median_aum=rows.aum.cast("float64").median(),
    )
    if by in ("tier", "age_band"):
        groups = in_order(groups, by, TIERS if by == "tier" else AGE_BANDS)
    else:
        groups = groups.mutate(**{ORDER: groups[by]})
    counts = groups.customers.fill_null(0)
    amounts = money(groups.aum)
    result = groups.mutate(customers=counts, aum=amounts).mutate(
        share=lambda t: ratio(t.customers, t.customers.sum()),
        aum_share=lambda t: ratio(t.aum, t.aum.sum()),
    )
    return result.order_by(ORDER).select(
        by, "customers", "share", "aum", "aum_share", "mean_aum", "median_aum"
    )


def product_penetration(tables: Tables, d: date, scope: Scope = ALL) -> ir.Table:
    """[product_type, customers, share]: per product type present in ``products``, customers of
    the base at ``d`` with an account of that type open at d, and their share of the base."""
    base = in_base(scope.customers(tables.customers), d).select("customer_id")
    held = open_accounts(tables, d).join(base, "customer_id")
    counts = held.group_by("product_type").aggregate(customers=held.customer_id.nunique())
    types = tables.products.select("product_type").distinct()
    joined = types.left_join(counts, types.product_type == counts.product_type)
    n = base.count()
    rows = joined.select(types.product_type, customers=counts.customers.fill_null(0))
    return rows.mutate(share=ratio(rows.customers, n)).order_by("product_type")
