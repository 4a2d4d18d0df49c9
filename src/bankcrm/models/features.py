"""The per-customer feature table at a snapshot, shared by churn, segments and propensity.

One row per customer in the base at month-end ``d`` (METRICS.md), computed with Ibis on the
warehouse (DuckDB by default), never with a loop per customer. Money is float yuan here: the
models need numbers, not exact decimals; the displayed figures come from the analytics.

``snapshot_tables`` registers only the month partitions a snapshot needs (the twelve months up
to d, and the months after d that a label looks at), so a snapshot of a ten-year warehouse does
not scan ten years of transactions.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, datetime, timedelta

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from bankcrm.domain.enums import (
    ASSET_PRODUCT_TYPES,
    LABELS_ZH,
    CounterpartyType,
    ProductType,
    Tier,
)
from bankcrm.warehouse.layout import DERIVED, DIMENSIONS, FACTS, Warehouse

Tables = Mapping[str, ibis.Table]

PRODUCT_TYPES: tuple[str, ...] = tuple(p.value for p in ProductType)
TIERS: tuple[str, ...] = tuple(t.value for t in Tier)
# Channels with their own count; batch and other are in the total only.
CHANNELS = ("counter", "atm", "internet_banking", "mobile_banking", "third_party", "pos")
CHANNELS_ZH = ("柜面", "ATM", "网上银行", "手机银行", "第三方", "POS")
TREND_MONTHS = (3, 6, 12)
NO_TXN_DAYS = 366  # "no customer-initiated transaction in the last twelve months"

# Feature → (Chinese label, English label). Every model feature has one (reasons use them).
FEATURE_LABELS: dict[str, tuple[str, str]] = {
    "aum": ("资产规模", "AUM"),
    "loan_balance": ("贷款余额", "loan balance"),
    **{
        f"aum_change_{k}m": (f"近{k}个月资产变化", f"AUM change over {k} months")
        for k in TREND_MONTHS
    },
    "tier_rank": ("客户层级", "tier"),
    "age": ("年龄", "age"),
    "tenure_months": ("开户时长", "tenure"),
    "is_corporate": ("对公客户", "corporate customer"),
    "txn_count_3m": ("近3个月交易笔数", "transactions, 3 months"),
    **{
        f"txn_{c}_3m": (f"近3个月{zh}交易笔数", f"{c} transactions, 3 months")
        for c, zh in zip(CHANNELS, CHANNELS_ZH, strict=True)
    },
    "inflow_3m": ("近3个月流入金额", "inflow, 3 months"),
    "outflow_3m": ("近3个月流出金额", "outflow, 3 months"),
    "outflow_12m": ("近12个月流出金额", "outflow, 12 months"),
    "third_party_share_12m": ("近12个月第三方支付流出占比", "third-party outflow share"),
    "days_since_txn": ("距上次主动交易天数", "days since last transaction"),
    "product_count": ("持有产品数", "product holding"),
    **{f"holds_{p}": (f"持有{LABELS_ZH[p]}", f"holds {p}") for p in PRODUCT_TYPES},
    "maturing_3m": ("3个月内到期金额", "maturing in 3 months"),
    "mobile_enrolled": ("已开通手机银行", "mobile banking enrolled"),
    "has_rm": ("有管户客户经理", "has a relationship manager"),
    "days_since_contact": ("距上次客户经理联系天数", "days since RM contact"),
}


def month_end(d: date, months: int) -> date:
    """The month-end ``months`` months after (negative: before) the month of ``d``."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def _day_start(d: date) -> datetime:
    """Midnight at the start of the day after ``d``: the exclusive end of a booked_at range."""
    after = d + timedelta(days=1)
    return datetime(after.year, after.month, after.day)


def snapshot_tables(
    con: BaseBackend, warehouse: Warehouse, first: date, last: date
) -> dict[str, ibis.Table]:
    """Warehouse tables registered in ``con`` with the partitioned ones cut to the months
    ``first`` … ``last`` (inclusive); dimensions whole. A clear error when basics are missing."""
    months = {f"{m.year:04d}-{m.month:02d}" for m in _months(first, last)}
    tables: dict[str, ibis.Table] = {}
    for name in (*DIMENSIONS, *FACTS, *DERIVED):
        paths = warehouse.paths(name)
        if warehouse.is_partitioned(name):
            paths = [p for p in paths if p.split("month=")[-1][:7] in months]
        if paths:
            tables[name] = con.read_parquet(paths, table_name=name)
    missing = [
        n for n in ("customers", "accounts", "products", "customer_month") if n not in tables
    ]
    if missing:
        raise LookupError(
            f"the warehouse at {warehouse.root} has no {', '.join(missing)} for "
            f"{first:%Y-%m} … {last:%Y-%m}: import an extract that covers them"
        )
    return tables


def _months(first: date, last: date) -> list[date]:
    count = (last.year - first.year) * 12 + last.month - first.month
    return [month_end(first, k) for k in range(count + 1)]


def _attach(left: ir.Table, right: ir.Table) -> ir.Table:
    """Left join on customer_id, keeping one customer_id column."""
    return left.left_join(right, "customer_id").drop("customer_id_right")


def _yuan(value: ir.Value) -> ir.FloatingValue:
    result: ir.FloatingValue = value.cast("float64")
    return result


def _change(now: ir.FloatingValue, before: ir.FloatingValue) -> ir.FloatingValue:
    """Relative change (−0.42 = down 42 %); null when there was nothing before."""
    result: ir.FloatingValue = (now - before) / before.nullif(0.0)
    return result


def _base(tables: Tables, d: date) -> ir.Table:
    """The base at d with AUM, loan balance, tier, age, tenure, type (customer_month at d)."""
    cm, customers = tables["customer_month"], tables["customers"]
    at = cm.filter(cm.as_of == d).select("customer_id", "aum", "loan_balance", "tier")
    joined = at.join(customers, "customer_id")
    tier_rank = ibis.cases(*[(joined.tier == t, i) for i, t in enumerate(TIERS)], else_=0)
    age = (
        (d.year - joined.birth_date.year())
        - ibis.ifelse(
            (joined.birth_date.month() > d.month)
            | ((joined.birth_date.month() == d.month) & (joined.birth_date.day() > d.day)),
            1,
            0,
        )
    ).cast("float64")
    tenure = (d.year - joined.opened_on.year()) * 12 + (d.month - joined.opened_on.month())
    return joined.select(
        "customer_id",
        aum=_yuan(joined.aum),
        loan_balance=_yuan(joined.loan_balance),
        tier_rank=tier_rank.cast("int64"),
        age=ibis.ifelse(joined.customer_type == "individual", age, ibis.null("float64")),
        tenure_months=tenure.cast("int64"),
        is_corporate=(joined.customer_type == "corporate").cast("int64"),
    )


def _trends(tables: Tables, d: date, base: ir.Table) -> ir.Table:
    """AUM change over 3, 6 and 12 months (customer_month at the earlier month-ends)."""
    cm = tables["customer_month"]
    for k in TREND_MONTHS:
        then = cm.filter(cm.as_of == month_end(d, -k))
        then = then.select("customer_id", **{f"aum_{k}m": _yuan(then.aum)})
        base = _attach(base, then)
        base = base.mutate(**{f"aum_change_{k}m": _change(base.aum, base[f"aum_{k}m"])}).drop(
            f"aum_{k}m"
        )
    return base


def _activity(tables: Tables, d: date) -> ir.Table | None:
    """Customer-initiated transactions by channel (3 months), flows (3 and 12 months), the
    third-party payment share of outflows and the days since the last transaction."""
    if "transactions" not in tables:
        return None
    txns = tables["transactions"]
    end, start_3m = _day_start(d), _day_start(month_end(d, -3))
    start_12m = _day_start(month_end(d, -12))
    window = txns.filter((txns.booked_at >= start_12m) & (txns.booked_at < end))
    window = window.join(tables["accounts"].select("account_id", "customer_id"), "account_id")
    recent = window.booked_at >= start_3m
    own = window.customer_initiated
    out = ibis.ifelse(window.amount < 0, -window.amount, 0).cast("float64")
    third = ibis.ifelse(window.counterparty_type == CounterpartyType.THIRD_PARTY_PAYMENT, out, 0.0)
    counts = {
        f"txn_{c}_3m": window.count(where=own & recent & (window.channel == c)) for c in CHANNELS
    }
    last = window.booked_at.max(where=own).date()
    return window.group_by("customer_id").aggregate(
        txn_count_3m=window.count(where=own & recent),
        **counts,
        inflow_3m=ibis.ifelse(recent & (window.amount > 0), window.amount, 0).cast("float64").sum(),
        outflow_3m=ibis.ifelse(recent, out, 0.0).sum(),
        outflow_12m=out.sum(),
        third_party_12m=third.sum(),
        last_txn=last,
    )


def _holdings(tables: Tables, d: date) -> ir.Table:
    """Product types held at d (accounts open at d) and the balance maturing within 3 months."""
    accounts, products = tables["accounts"], tables["products"]
    open_at = accounts.filter(
        (accounts.opened_on <= d) & (accounts.closed_on.isnull() | (accounts.closed_on > d))
    ).join(products.select("product_code", "product_type"), "product_code")
    flags = {f"holds_{p}": (open_at.product_type == p).any().cast("int64") for p in PRODUCT_TYPES}
    held = open_at.group_by("customer_id").aggregate(
        product_count=open_at.product_type.nunique(), **flags
    )
    if "balances" not in tables:
        return held.mutate(maturing_3m=0.0)
    balances = tables["balances"]
    horizon = month_end(d, 3)
    maturing = open_at.filter(
        (open_at.maturity_on > d)
        & (open_at.maturity_on <= horizon)
        & open_at.product_type.isin(sorted(ASSET_PRODUCT_TYPES))
    ).join(balances.filter(balances.as_of == d).select("account_id", "balance"), "account_id")
    due = maturing.group_by("customer_id").aggregate(maturing_3m=_yuan(maturing.balance).sum())
    return _attach(held, due)


def _active_at(table: ir.Table, start: str, end: str, d: date) -> ir.BooleanValue:
    result: ir.BooleanValue = (table[start] <= d) & (table[end].isnull() | (table[end] > d))
    return result


def _relationship(tables: Tables, d: date, base: ir.Table) -> ir.Table:
    """Mobile banking enrolment and an RM assignment active at d; RM contact recency when the
    warehouse has a contact log (it does not yet: that feature is then absent)."""
    for name, column, start, end, where in (
        ("channel_enrollments", "mobile_enrolled", "enrolled_on", "cancelled_on", "mobile"),
        ("assignments", "has_rm", "start_on", "end_on", None),
    ):
        if name not in tables:
            base = base.mutate(**{column: ibis.literal(0, "int64")})
            continue
        t = tables[name]
        active = t.filter(_active_at(t, start, end, d))
        if where == "mobile":
            active = active.filter(active.channel == "mobile_banking")
        flag = active.select("customer_id").distinct().mutate(**{column: ibis.literal(1, "int64")})
        base = _attach(base, flag)
    if "contacts" in tables:
        contacts = tables["contacts"]
        last = (
            contacts.filter(contacts.contacted_at < _day_start(d))
            .group_by("customer_id")
            .aggregate(last_contact=contacts.contacted_at.max().date())
        )
        base = _attach(base, last)
        base = base.mutate(days_since_contact=(ibis.literal(d) - base.last_contact).cast("int64"))
        base = base.drop("last_contact")
    return base


def feature_expr(tables: Tables, d: date) -> ir.Table:
    """The feature table at month-end ``d`` as one Ibis expression (see ``customer_features``)."""
    frame = _trends(tables, d, _base(tables, d))
    activity = _activity(tables, d)
    if activity is not None:
        frame = _attach(frame, activity)
    frame = _attach(frame, _holdings(tables, d))
    return _relationship(tables, d, frame)


def customer_features(tables: Tables, d: date) -> pd.DataFrame:
    """One row per customer in the base at month-end ``d``, indexed by customer_id, with the
    columns of ``FEATURE_LABELS`` that the warehouse can give (contact recency only with a
    contact log). Counts are 0 and amounts 0.0 where a customer has no rows; AUM changes are
    NaN where there was no AUM before; age is NaN for corporate customers."""
    frame = feature_expr(tables, d).to_pandas().set_index("customer_id").sort_index()
    if "last_txn" in frame:
        last = pd.to_datetime(frame.pop("last_txn"))
        days = (pd.Timestamp(d) - last).dt.days
        frame["days_since_txn"] = days.fillna(NO_TXN_DAYS).clip(upper=NO_TXN_DAYS).astype("int64")
        third = frame.pop("third_party_12m")
        frame["third_party_share_12m"] = third / frame["outflow_12m"].where(lambda s: s > 0)
    filled: dict[str, float] = {
        c: 0 for c in frame.columns if c.startswith(("txn_", "holds_", "product_count"))
    }
    filled |= dict.fromkeys(("inflow_3m", "outflow_3m", "outflow_12m", "maturing_3m"), 0.0)
    filled |= {"mobile_enrolled": 0, "has_rm": 0, "third_party_share_12m": 0.0}
    frame = frame.fillna({c: v for c, v in filled.items() if c in frame})
    for column in frame.columns:
        if column.startswith(("txn_", "holds_")) or column in (
            "product_count", "mobile_enrolled", "has_rm",
        ):  # fmt: skip
            frame[column] = frame[column].astype("int64")
    order = [c for c in FEATURE_LABELS if c in frame.columns]
    return frame[order]


class SnapshotFeatures:
    """Feature tables by snapshot, each computed once: training, validation and scoring share
    snapshots, and a snapshot of a million customers takes seconds."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self._cache: dict[date, pd.DataFrame] = {}

    @property
    def first_month_end(self) -> date:
        """The earliest month-end loaded (a snapshot before it has no customers)."""
        first: date = self.tables["customer_month"].as_of.min().to_pyarrow().as_py()
        return first

    def available(self, snapshots: list[date]) -> list[date]:
        """The snapshots that are loaded, or a clear error when none is."""
        first = self.first_month_end
        kept = [d for d in snapshots if d >= first]
        if not kept:
            raise ValueError(
                f"the warehouse starts at {first}: training needs snapshots from "
                f"{snapshots[0]}; import a longer history or score a later date"
            )
        return kept

    def at(self, d: date) -> pd.DataFrame:
        """``customer_features(tables, d)``, memoised."""
        if d not in self._cache:
            self._cache[d] = customer_features(self.tables, d)
        return self._cache[d]
