"""RFM at a month-end: recency, frequency and monetary value of every customer in the base,
quintile scores 1–5 and the eight segments of Chinese CRM practice (重要价值客户 …).

Definitions (docs/models-rfm-clv.md):

- R, ``recency_days``: days from the calendar day of the last customer-initiated transaction
  booked up to and including ``as_of`` to ``as_of``; a customer who never made one counts from
  the day the customer relationship opened (the last time they did anything with the bank).
- F, ``frequency``: customer-initiated transactions booked in the twelve months up to and
  including ``as_of`` (after the same month-end a year earlier; the dormancy window of
  METRICS.md, so F = 0 exactly for dormant customers).
- M, ``monetary``: mean AUM over the last three month-ends up to ``as_of`` at which the
  customer was in the base (a newer customer is averaged over the month-ends they had), yuan
  as float64: a ranking input, not an amount to be added up.
- Scores: 1 + ⌊5 · k / n⌋ where n is the base and k the number of customers strictly worse
  (larger recency; smaller frequency or monetary). Ties get the same score, the lowest one
  their group reaches; fewer than five customers use fewer than five scores.
- Segment: R, F and M each "high" when strictly better than the base's median (recency below
  it; frequency, monetary above it), combined as in ``SEGMENTS``.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Protocol

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from bankcrm.models.rfm_log import (
    PERIOD_DAYS,
    customer_days,
    summary_from_days,
    summary_from_log,
    warehouse_days,
)

__all__ = [
    "PERIOD_DAYS",
    "SEGMENTS",
    "WarehouseTables",
    "customer_days",
    "rfm_at",
    "summary_at",
    "summary_from_days",
    "summary_from_log",
    "warehouse_days",
]

# (R high, F high, M high) → (stable code, Chinese label). "High" R means recent.
SEGMENTS: dict[tuple[bool, bool, bool], tuple[str, str]] = {
    (True, True, True): ("important_value", "重要价值客户"),
    (True, False, True): ("important_development", "重要发展客户"),
    (False, True, True): ("important_retention", "重要保持客户"),
    (False, False, True): ("important_winback", "重要挽留客户"),
    (True, True, False): ("general_value", "一般价值客户"),
    (True, False, False): ("general_development", "一般发展客户"),
    (False, True, False): ("general_retention", "一般保持客户"),
    (False, False, False): ("general_winback", "一般挽留客户"),
}
M_MONTHS = 3  # M averages AUM over this many month-ends


class WarehouseTables(Protocol):
    """The warehouse tables the models read (``bankcrm.analytics.base.Tables`` is one)."""

    @property
    def customers(self) -> ir.Table: ...
    @property
    def accounts(self) -> ir.Table: ...
    @property
    def customer_month(self) -> ir.Table: ...
    @property
    def transactions(self) -> ir.Table | None: ...
    @property
    def customer_day(self) -> ir.Table | None: ...


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def twelve_months(as_of: date) -> tuple[datetime, datetime]:
    """[start, end) ``booked_at`` bounds of the twelve months up to and including ``as_of``:
    from the day after the same month-end a year earlier to the end of day as_of."""
    year_before = date(
        as_of.year - 1, as_of.month, calendar.monthrange(as_of.year - 1, as_of.month)[1]
    )
    return _midnight(year_before + timedelta(days=1)), _midnight(as_of + timedelta(days=1))


def _base(tables: WarehouseTables, as_of: date) -> ir.Table:
    """The base at month-end ``as_of`` (customer_month rows), with opened_on; an error naming
    as_of when it is not a month-end with balances."""
    cm = tables.customer_month
    base = cm.filter(cm.as_of == as_of).select("customer_id")
    if int(base.count().execute()) == 0:
        raise ValueError(f"as_of: no customer in the base at {as_of} (not a month-end with data)")
    return base.join(tables.customers.select("customer_id", "opened_on"), "customer_id")


def _customer_transactions(tables: WarehouseTables, end: datetime) -> ir.Table:
    """Customer-initiated transactions booked before ``end``, with their customer_id."""
    txns = tables.transactions
    if txns is None:
        raise ValueError("transactions: the warehouse has no transactions table to score")
    txns = txns.filter(txns.customer_initiated & (txns.booked_at < end))
    return txns.join(tables.accounts.select("account_id", "customer_id"), "account_id")


def initiated_days(tables: WarehouseTables, end: datetime) -> ir.Table:
    """[customer_id, day, amount, transactions]: customer-initiated activity per customer and
    day booked before ``end`` (a midnight): the warehouse's derived customer_day when it has one
    (built at import), else aggregated here from the transactions."""
    if tables.customer_day is not None:
        days = tables.customer_day
        return days.filter(days.day < end.date())
    txns = _customer_transactions(tables, end)
    return txns.group_by("customer_id", day=txns.booked_at.date()).aggregate(
        amount=txns.amount.abs().sum().cast("float64"), transactions=txns.count()
    )


def _score(value: ir.NumericValue, n: ir.IntegerValue, higher_is_better: bool) -> ir.IntegerValue:
    """Quintile score 1–5 from the count of strictly worse customers (a 0-based min rank)."""
    order = value if higher_is_better else value.desc()
    worse = ibis.rank().over(order_by=order)
    score: ir.IntegerValue = (1 + (worse * 5) // n).cast("int8")
    return score


def rfm_at(tables: WarehouseTables, as_of: date) -> pd.DataFrame:
    """RFM of every customer in the base at month-end ``as_of`` (definitions in the module
    docstring), computed by Ibis in the engine.

    Columns: customer_id, recency_days, frequency, monetary (yuan, float64), r_score, f_score,
    m_score (1–5), segment (English code), segment_zh; rows sorted by customer_id.
    """
    start, end = twelve_months(as_of)
    base = _base(tables, as_of)
    days = initiated_days(tables, end)
    activity = days.group_by("customer_id").aggregate(
        last_day=days.day.max(),
        frequency=days.transactions.sum(where=days.day >= start.date()),
    )
    cm = tables.customer_month
    month_ends = cm.filter(cm.as_of <= as_of).select("as_of").distinct()
    recent = month_ends.order_by(ibis.desc("as_of")).limit(M_MONTHS)
    values = cm.filter(cm.as_of.isin(recent.as_of))
    aum = values.group_by("customer_id").aggregate(monetary=values.aum.cast("float64").mean())
    rfm = base.left_join(activity, "customer_id").left_join(aum, "customer_id")
    rfm = rfm.select(
        "customer_id",
        recency_days=ibis.literal(as_of).delta(rfm.last_day.fill_null(rfm.opened_on), unit="day"),
        frequency=rfm.frequency.fill_null(0),
        monetary=rfm.monetary.fill_null(0.0),
    )
    n = rfm.count().as_scalar()
    medians = rfm.aggregate(
        r_median=rfm.recency_days.median(),
        f_median=rfm.frequency.median(),
        m_median=rfm.monetary.median(),
    )
    rfm = rfm.cross_join(medians)
    rfm = rfm.mutate(
        r_score=_score(rfm.recency_days, n, higher_is_better=False),
        f_score=_score(rfm.frequency, n, higher_is_better=True),
        m_score=_score(rfm.monetary, n, higher_is_better=True),
        r_high=rfm.recency_days < rfm.r_median,
        f_high=rfm.frequency > rfm.f_median,
        m_high=rfm.monetary > rfm.m_median,
    )
    rfm = rfm.mutate(segment=_label(rfm, 0), segment_zh=_label(rfm, 1)).order_by("customer_id")
    columns = ["customer_id", "recency_days", "frequency", "monetary"]
    scores = ["r_score", "f_score", "m_score", "segment", "segment_zh"]
    frame: pd.DataFrame = rfm.select(*columns, *scores).to_pandas()
    return frame.astype({"recency_days": "int64", "frequency": "int64", "monetary": "float64"})


def _label(rfm: ir.Table, which: int) -> ir.StringValue:
    """The segment code (which = 0) or Chinese name (1) from the three high/low flags."""
    cases = [
        ((rfm.r_high == r) & (rfm.f_high == f) & (rfm.m_high == m), names[which])
        for (r, f, m), names in SEGMENTS.items()
    ]
    label: ir.StringValue = ibis.cases(*cases)
    return label


def summary_at(tables: WarehouseTables, as_of: date, history_days: int = 3 * 365) -> pd.DataFrame:
    """The daily BG/NBD summary (``summary_from_days``) of the base at month-end ``as_of`` from
    customer-initiated transactions booked in the ``history_days`` up to and including as_of;
    amount = the absolute amount of the day's transactions in yuan (float64).

    Customers of the base without a transaction in the window are kept with NaN in frequency,
    recency, T and monetary_value: the summary is undefined for them (and 0s would read as a
    first purchase on as_of). Rows sorted by customer_id.
    """
    if history_days < 1:
        raise ValueError(f"history_days: must be ≥ 1, not {history_days}")
    end = _midnight(as_of + timedelta(days=1))
    base = _base(tables, as_of).select("customer_id")
    days = initiated_days(tables, end)
    days = days.filter(days.day >= (end - timedelta(days=history_days)).date())
    # One row per customer and day in the engine, so only days travel to the summary.
    days = days.semi_join(base, "customer_id").select("customer_id", "day", "amount")
    ids = base.order_by("customer_id").to_pyarrow()["customer_id"].to_pandas()
    everyone = pd.DataFrame({"customer_id": ids})
    arrow = days.to_pyarrow()
    if arrow.num_rows == 0:
        return everyone.assign(frequency=np.nan, recency=np.nan, T=np.nan, monetary_value=np.nan)
    summary = summary_from_days(arrow, as_of)
    return everyone.merge(summary, on="customer_id", how="left")
