"""The task rules as queries: each one Ibis query (or one store query) over every customer at
once, returning the customers it fires for with the evidence.

Every rule returns a DataFrame [customer_id, branch_id, detail] where ``detail`` is a dict of
JSON-ready figures (yuan, dates); only customers in the base at the latest month-end on or
before the date are considered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import ibis
import ibis.expr.types as ir
import pandas as pd

from bankcrm.analytics.base import Tables, month_at
from bankcrm.crm.segments_frame import MATURING_TYPES, StoreFacts, customer_frame
from bankcrm.domain.enums import CounterpartyType, Tier
from bankcrm.domain.task_rules import TaskRuleSettings
from bankcrm.domain.tiers import TierLadder


@dataclass(frozen=True)
class RuleInput:
    """What every rule reads: the warehouse, the date, its month-end and the month before,
    the tier ladder, and the store's facts (current RM, scores, last contacts)."""

    tables: Tables
    as_of: date
    month_end: date
    previous_month_end: date | None
    ladder: TierLadder
    facts: StoreFacts
    last_contact: pd.DataFrame  # customer_id, last_contact_at
    settings: TaskRuleSettings


def _base(i: RuleInput) -> ir.Table:
    return month_at(i.tables, i.month_end).select("customer_id", "branch_id", "tier", "aum")


def _tiers_from(tier: Tier) -> list[str]:
    return [t.value for t in Tier if t.rank >= tier.rank]


def _day(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def _outflows(i: RuleInput, first: date, last: date) -> ir.Table:
    """Money out (positive yuan) of each customer's accounts booked on days first … last,
    transfers between the customer's own accounts left out."""
    t = i.tables.transactions
    assert t is not None  # callers check
    out = t.filter(
        (t.booked_at >= _day(first))
        & (t.booked_at < _day(last + timedelta(days=1)))
        & (t.amount < 0)
        & (t.counterparty_type != CounterpartyType.OWN_ACCOUNT.value)
    )
    return out.join(i.tables.accounts.select("account_id", "customer_id"), "account_id")


def maturity(i: RuleInput) -> ir.Table:
    rule = i.settings.maturity
    a, p = i.tables.accounts, i.tables.products
    held = a.join(p.select("product_code", "product_type"), "product_code")
    due = held.filter(
        held.product_type.isin([t.value for t in MATURING_TYPES])
        & (held.opened_on <= i.as_of)
        & (held.closed_on.isnull() | (held.closed_on > i.as_of))
        & held.maturity_on.between(i.as_of, i.as_of + timedelta(days=rule.days))
    )
    per = due.group_by("customer_id").aggregate(
        maturity_on=due.maturity_on.min(), accounts=due.count()
    )
    return per.join(_base(i), "customer_id")


def large_outflow(i: RuleInput) -> ir.Table | None:
    rule = i.settings.large_outflow
    if i.tables.transactions is None:
        return None
    first = i.as_of - timedelta(days=rule.window_days - 1)
    out = _outflows(i, first, i.as_of)
    per = out.group_by("customer_id").aggregate(outflow=(-out.amount).sum().cast("float64"))
    hits = per.join(_base(i), "customer_id")
    aum = hits.aum.cast("float64")
    fires = (hits.outflow >= float(rule.amount_yuan)) | (
        (aum > 0) & (hits.outflow >= rule.aum_share * aum)
    )
    return hits.filter(fires).mutate(aum=aum)


def third_party_spike(i: RuleInput) -> ir.Table | None:
    rule = i.settings.third_party_spike
    if i.tables.transactions is None:
        return None
    recent_from = i.as_of - timedelta(days=rule.window_days - 1)
    baseline_from = recent_from - timedelta(days=rule.baseline_days)
    out = _outflows(i, baseline_from, i.as_of)
    out = out.filter(out.counterparty_type == CounterpartyType.THIRD_PARTY_PAYMENT.value)
    recent = out.booked_at >= _day(recent_from)
    per = out.group_by("customer_id").aggregate(
        recent=(-out.amount).sum(where=recent).cast("float64").fill_null(0),
        baseline=(-out.amount).sum(where=~recent).cast("float64").fill_null(0),
    )
    # The baseline scaled to one window's length: "what a normal window looks like".
    usual = per.baseline * (rule.window_days / rule.baseline_days)
    hits = per.filter((per.recent >= float(rule.min_yuan)) & (per.recent >= rule.multiple * usual))
    return hits.mutate(usual=usual).join(_base(i), "customer_id")


def downgrade_risk(i: RuleInput) -> ir.Table | None:
    rule = i.settings.downgrade_risk
    if i.previous_month_end is None:
        return None
    now = _base(i).filter(lambda t: t.tier != Tier.STANDARD.value)
    before = month_at(i.tables, i.previous_month_end).select("customer_id", aum_before="aum")
    floors = dict(zip(list(Tier)[1:], i.ladder.bounds, strict=True))
    floor = ibis.cases(*((now.tier == t.value, float(b)) for t, b in floors.items()))
    hits = now.mutate(floor=floor).join(before, "customer_id")
    aum = hits.aum.cast("float64")
    fires = (aum < hits.aum_before.cast("float64")) & (aum < hits.floor * (1 + rule.margin))
    return hits.filter(fires).mutate(aum=aum, aum_before=hits.aum_before.cast("float64"))


def churn_risk(i: RuleInput) -> ir.Table | None:
    scores = i.facts.scores
    if "churn_score" not in scores.columns:
        return None
    risky = scores.loc[scores["churn_score"] >= i.settings.churn_risk.min_score]
    table = ibis.memtable(
        risky[["customer_id", "churn_score"]],
        schema={"customer_id": "string", "churn_score": "float64"},
    )
    return table.join(_base(i), "customer_id")


def no_contact(i: RuleInput) -> ir.Table:
    rule = i.settings.no_contact
    since = _day(i.as_of - timedelta(days=rule.days - 1))
    contacts = ibis.memtable(
        i.last_contact.reindex(columns=["customer_id", "last_contact_at"]),
        schema={"customer_id": "string", "last_contact_at": "timestamp"},
    )
    base = _base(i).filter(lambda t: t.tier.isin(_tiers_from(rule.min_tier)))
    joined = base.left_join(contacts, "customer_id").drop("customer_id_right")
    return joined.filter(joined.last_contact_at.isnull() | (joined.last_contact_at < since))


def dormant_value(i: RuleInput) -> ir.Table:
    rule = i.settings.dormant_value
    frame = customer_frame(i.tables, i.month_end, i.facts)
    hits = frame.filter(frame.dormant & frame.tier.isin(_tiers_from(rule.min_tier)))
    return hits.select("customer_id", "branch_id", "tier", "aum")


def birthday(i: RuleInput) -> ir.Table:
    rule = i.settings.birthday
    days = [i.as_of + timedelta(days=k) for k in range(rule.days + 1)]  # the window's days
    month_days = {d.month * 100 + d.day for d in days}
    if 228 in month_days and 229 not in month_days:
        month_days.add(229)  # 29 February births are greeted on the 28th in common years
    c = i.tables.customers.select("customer_id", "birth_date")
    c = c.filter(c.birth_date.notnull())
    born = c.filter((c.birth_date.month() * 100 + c.birth_date.day()).isin(sorted(month_days)))
    base = _base(i).filter(lambda t: t.tier.isin(_tiers_from(rule.min_tier)))
    return born.join(base, "customer_id")


RULES: dict[str, Callable[[RuleInput], ir.Table | None]] = {
    "maturity": maturity,
    "large_outflow": large_outflow,
    "third_party_spike": third_party_spike,
    "downgrade_risk": downgrade_risk,
    "churn_risk": churn_risk,
    "no_contact": no_contact,
    "dormant_value": dormant_value,
    "birthday": birthday,
}


def fired(i: RuleInput, name: str) -> pd.DataFrame:
    """The customers rule ``name`` fires for: customer_id, branch_id and the evidence in the
    other columns (sorted by customer_id); empty when the rule is off or lacks its data."""
    enabled = getattr(i.settings, name).enabled
    query = RULES[name](i) if enabled else None
    if query is None:
        return pd.DataFrame(columns=["customer_id", "branch_id"])
    rows: pd.DataFrame = query.order_by("customer_id").to_pandas()
    return rows
