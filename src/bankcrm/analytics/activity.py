"""Activity figures (METRICS.md): dormant customers at a date, and attrition (流失) between two
consecutive year-ends, alone or counted with the closed customers of the same tiers ("lost").

Every function returns one row per tier plus a total row ``tier = "all"``; counts are
integers, rates and shares float64 fractions (null for an empty group).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import ibis

from bankcrm.analytics.base import ALL, Scope, Tables, dates_table, months_at
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


def month_number(d: date) -> int:
    """Months since year 0: consecutive calendar months differ by one."""
    return d.year * 12 + d.month


def dormancy_at_dates(tables: Tables, dates: Sequence[date], scope: Scope = ALL) -> ibis.Table:
    """Dormant customers (睡眠客户) at each month-end of ``dates``: in the base at d with no
    customer-initiated transaction booked in ``dormancy_window(d)`` (booked date after the same
    month-end a year earlier, up to and including d), per tier at d. Read from the derived
    customer_day, for every date at once.

    Columns: as_of, tier, base (customers), dormant (customers), share (dormant / base).
    """
    # A window is exactly the twelve calendar months ending with d's month. One pass over the
    # derived customer_day (initiated activity per customer and day) counts, per customer, the
    # active days in every window: one column per date.
    if tables.customer_day is None:
        raise LookupError(
            "the warehouse has no customer_day (built by an older version, or no transactions"
            " were imported): import the transactions or run `bankcrm warehouse rebuild`"
        )
    ends = sorted(set(dates))
    days = tables.customer_day
    first, last = dormancy_window(ends[0])[0], dormancy_window(ends[-1])[1]
    days = days.filter((days.day >= first.date()) & (days.day < last.date()))
    month = days.day.year().cast("int64") * 12 + days.day.month().cast("int64")
    per_customer = days.group_by(active_id="customer_id").aggregate(
        **{
            f"w{i}": days.count(where=(month > month_number(d) - 12) & (month <= month_number(d)))
            for i, d in enumerate(ends)
        }
    )
    base = months_at(tables, ends, scope).select("as_of", "customer_id", "tier")
    joined = base.left_join(per_customer, base.customer_id == per_customer.active_id)
    in_window = ibis.cases(*((joined.as_of == d, joined[f"w{i}"]) for i, d in enumerate(ends)))
    frame = joined.select("as_of", "customer_id", "tier", active=in_window.fill_null(0) > 0)
    counts = by_tier(
        frame,
        lambda f: {
            "base": f.customer_id.count(),
            "dormant": f.customer_id.count(where=~f.active),
        },
        dates_table(dates),
    )
    return in_ladder_order(counts.mutate(share=share(counts.dormant, counts.base)), "as_of")


def dormancy(tables: Tables, d: date, scope: Scope = ALL) -> ibis.Table:
    """``dormancy_at_dates`` at the one month-end ``d``, without ``as_of``."""
    return dormancy_at_dates(tables, [d], scope).drop("as_of")


Pair = tuple[date, date]


def year_pairs(pairs: Sequence[Pair]) -> ibis.Table:
    """[d_from, d_to]: consecutive year-ends (the end of Y, the end of Y+1), checked."""
    for d_from, d_to in pairs:
        if d_to <= d_from or d_to.year != d_from.year + 1:
            raise ValueError(f"attrition runs from a year-end to the next, not {d_from}–{d_to}")
    return ibis.memtable(
        {"d_from": [p[0] for p in pairs], "d_to": [p[1] for p in pairs]},
        schema={"d_from": "date", "d_to": "date"},
    )


def _year_pairs(tables: Tables, pairs: Sequence[Pair], scope: Scope) -> ibis.Table:
    """Per pair, customers of the base at ``d_from`` (the end of Y) with AUM ≥ 50 000 there:
    tier and AUM at d_from, AUM at ``d_to`` (the end of Y+1; null when no longer in the base)."""
    keys = year_pairs(pairs)
    start = months_at(tables, [p[0] for p in pairs], scope)
    start = start.filter(start.aum >= ATTRITION_FLOOR)
    start = start.join(keys, start.as_of == keys.d_from).select(
        keys.d_from, keys.d_to, start.customer_id, start.tier, start.aum
    )
    cm = tables.customer_month
    end = cm.filter(cm.as_of.isin(sorted({p[1] for p in pairs}))).select(
        end_as_of="as_of", end_id="customer_id", end_aum="aum"
    )
    return start.left_join(end, (start.d_to == end.end_as_of) & (start.customer_id == end.end_id))


def _attrited(f: ibis.Table) -> ibis.Value:
    """In the base at both year-ends, AUM at the end of Y+1 below 10 % of the end of Y (exact)."""
    return f.end_id.notnull() & (f.end_aum * 10 < f.aum)


def attrition_for_pairs(tables: Tables, pairs: Sequence[Pair], scope: Scope = ALL) -> ibis.Table:
    """Attrition (流失) of each year Y, per pair of year-ends (``d_from`` = end of Y, ``d_to`` =
    end of Y+1): customers in the base at both whose AUM at the end of Y was ≥ 50 000 yuan and
    at the end of Y+1 is below 10 % of it; per tier at the end of Y (gold … private) and over
    all of them.

    Columns: d_from, d_to, tier, eligible (in the base at both year-ends, AUM ≥ 50 000 at the
    end of Y), attrited, rate (attrited / eligible).
    """
    pair = _year_pairs(tables, pairs, scope)
    both = pair.filter(pair.end_id.notnull())
    counts = by_tier(
        both,
        lambda f: {
            "eligible": f.customer_id.count(),
            "attrited": f.customer_id.count(where=_attrited(f)),
        },
        year_pairs(pairs),
        ATTRITION_TIERS,
    )
    return in_ladder_order(
        counts.mutate(rate=share(counts.attrited, counts.eligible)), "d_from", "d_to"
    )


def attrition(
    tables: Tables, year: int, d_from: date, d_to: date, scope: Scope = ALL
) -> ibis.Table:
    """``attrition_for_pairs`` of the one year ``year`` (``d_from`` its year-end, ``d_to`` the
    next), without the date columns."""
    if d_from.year != year:
        raise ValueError(f"attrition of {year} runs from its year-end, not from {d_from}")
    return attrition_for_pairs(tables, [(d_from, d_to)], scope).drop("d_from", "d_to")


def lost(tables: Tables, year: int, d_from: date, d_to: date, scope: Scope = ALL) -> ibis.Table:
    """Lost customers of ``year``: the attrited (see ``attrition``) plus the closed customers of
    the same tiers, i.e. customers with AUM ≥ 50 000 yuan in the base at the end of Y
    (``d_from``) and no longer in the base at the end of Y+1 (``d_to``); per tier at the end
    of Y and over all.

    Columns: tier, eligible (in the base at the end of Y with AUM ≥ 50 000, closed or not),
    attrited, closed, lost (attrited + closed), rate (lost / eligible).
    """
    if d_from.year != year:
        raise ValueError(f"attrition of {year} runs from its year-end, not from {d_from}")
    pair = _year_pairs(tables, [(d_from, d_to)], scope)
    counts = by_tier(
        pair,
        lambda f: {
            "eligible": f.customer_id.count(),
            "attrited": f.customer_id.count(where=_attrited(f)),
            "closed": f.customer_id.count(where=f.end_id.isnull()),
        },
        year_pairs([(d_from, d_to)]),
        ATTRITION_TIERS,
    )
    counts = counts.mutate(lost=counts.attrited + counts.closed)
    rows = in_ladder_order(counts.mutate(rate=share(counts.lost, counts.eligible)))
    return rows.drop("d_from", "d_to")
