"""Activity figures (METRICS.md): dormant customers at a date, and attrition (流失) between two
consecutive year-ends, alone or counted with the closed customers of the same tiers ("lost").

Every function returns one row per tier plus a total row ``tier = "all"``; counts are
integers, rates and shares float64 fractions (null for an empty group).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import ibis

from bankcrm.analytics.base import ALL, Scope, Tables, month_at
from bankcrm.analytics.channels import scoped_transactions
from bankcrm.analytics.tiered import TIER_NAMES, by_tier, in_ladder_order, share

ATTRITION_FLOOR = 50_000  # yuan: attrition counts customers with AUM ≥ this at the end of Y
ATTRITION_TIERS: tuple[str, ...] = TIER_NAMES[1:]  # gold … private: the tiers above the floor


def dormancy_window(d: date) -> tuple[datetime, datetime]:
    """The twelve months up to and including ``d`` as a half-open ``booked_at`` range
    [start, end): from the day after the same month-end a year earlier (e.g. 2019-12-31 for
    d = 2020-12-31, 2019-02-28 for d = 2020-02-29) to the end of day d."""
    year_before = date(d.year - 1, d.month, calendar.monthrange(d.year - 1, d.month)[1])
    start = year_before + timedelta(days=1)
    end = d + timedelta(days=1)
    return datetime(start.year, start.month, start.day), datetime(end.year, end.month, end.day)


def dormancy(tables: Tables, d: date, scope: Scope = ALL) -> ibis.Table:
    """Dormant customers (睡眠客户) at month-end ``d``: in the base at d with no customer-
    initiated transaction booked in ``dormancy_window(d)`` (booked date after the same
    month-end a year earlier, up to and including d), per tier at d.

    Columns: tier, base (customers), dormant (customers), share (dormant / base).
    """
    start, end = dormancy_window(d)
    txns = scoped_transactions(tables, scope)
    recent = txns.filter(
        txns.customer_initiated & (txns.booked_at >= start) & (txns.booked_at < end)
    )
    active = recent.join(tables.accounts, "account_id").select(active_id="customer_id").distinct()
    base = month_at(tables, d, scope).select("customer_id", "tier")
    frame = base.left_join(active, base.customer_id == active.active_id)
    counts = by_tier(
        frame,
        lambda f: {
            "base": f.customer_id.count(),
            "dormant": f.customer_id.count(where=f.active_id.isnull()),
        },
    )
    return in_ladder_order(counts.mutate(share=share(counts.dormant, counts.base)))


def _year_pair(tables: Tables, year: int, d_from: date, d_to: date, scope: Scope) -> ibis.Table:
    """Customers of the base at ``d_from`` (the end of Y) with AUM ≥ 50 000 there: tier and AUM
    at d_from, AUM at ``d_to`` (the end of Y+1; null when no longer in the base)."""
    if d_from.year != year or d_to <= d_from:
        raise ValueError(
            f"attrition of {year} runs from its year-end to the next, not {d_from}–{d_to}"
        )
    start = month_at(tables, d_from, scope)
    start = start.filter(start.aum >= ATTRITION_FLOOR).select("customer_id", "tier", "aum")
    cm = tables.customer_month
    end = cm.filter(cm.as_of == d_to).select(end_id="customer_id", end_aum="aum")
    return start.left_join(end, start.customer_id == end.end_id)


def _attrited(f: ibis.Table) -> ibis.Value:
    """In the base at both year-ends, AUM at the end of Y+1 below 10 % of the end of Y (exact)."""
    return f.end_id.notnull() & (f.end_aum * 10 < f.aum)


def attrition(
    tables: Tables, year: int, d_from: date, d_to: date, scope: Scope = ALL
) -> ibis.Table:
    """Attrition (流失) of ``year``: customers in the base at both year-ends ``d_from`` (end of
    Y) and ``d_to`` (end of Y+1) whose AUM at the end of Y was ≥ 50 000 yuan and at the end of
    Y+1 is below 10 % of it; per tier at the end of Y (gold … private) and over all of them.

    Columns: tier, eligible (in the base at both year-ends, AUM ≥ 50 000 at the end of Y),
    attrited, rate (attrited / eligible).
    """
    pair = _year_pair(tables, year, d_from, d_to, scope)
    both = pair.filter(pair.end_id.notnull())
    counts = by_tier(
        both,
        lambda f: {
            "eligible": f.customer_id.count(),
            "attrited": f.customer_id.count(where=_attrited(f)),
        },
        ATTRITION_TIERS,
    )
    return in_ladder_order(counts.mutate(rate=share(counts.attrited, counts.eligible)))


def lost(tables: Tables, year: int, d_from: date, d_to: date, scope: Scope = ALL) -> ibis.Table:
    """Lost customers of ``year``: the attrited (see ``attrition``) plus the closed customers of
    the same tiers, i.e. customers with AUM ≥ 50 000 yuan in the base at the end of Y
    (``d_from``) and no longer in the base at the end of Y+1 (``d_to``); per tier at the end
    of Y and over all.

    Columns: tier, eligible (in the base at the end of Y with AUM ≥ 50 000, closed or not),
    attrited, closed, lost (attrited + closed), rate (lost / eligible).
    """
    pair = _year_pair(tables, year, d_from, d_to, scope)
    counts = by_tier(
        pair,
        lambda f: {
            "eligible": f.customer_id.count(),
            "attrited": f.customer_id.count(where=_attrited(f)),
            "closed": f.customer_id.count(where=f.end_id.isnull()),
        },
        ATTRITION_TIERS,
    )
    counts = counts.mutate(lost=counts.attrited + counts.closed)
    return in_ladder_order(counts.mutate(rate=share(counts.lost, counts.eligible)))
