"""The customer frame segments are evaluated on: one row per customer in the base at a
month-end, with every field of ``segments_rules.FIELDS`` as a column.

Attributes, metrics and flags come from the warehouse (DuckDB over Parquet); the current RM and
the model scores come from the store, joined in as in-memory tables. Every segment, campaign
and task query about "which customers" starts here (``customer_frame``), within the actor's
data scope (``bankcrm.security.scope.warehouse_scope``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis
import pandas as pd
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bankcrm.analytics.activity import dormancy_window
from bankcrm.analytics.base import Tables, month_at, scope_of
from bankcrm.analytics.structure import age_at, age_band, open_accounts
from bankcrm.crm.errors import BadRequest
from bankcrm.domain.enums import CounterpartyType, ProductType
from bankcrm.security.scope import EVERYONE, WarehouseScope
from bankcrm.store.models import Assignment, CustomerScore

MATURING_TYPES = (ProductType.TIME_DEPOSIT, ProductType.LARGE_CD, ProductType.WEALTH_MANAGEMENT)


@dataclass(frozen=True)
class StoreFacts:
    """What the store knows per customer: the current RM, and the latest model scores."""

    rm: pd.DataFrame  # customer_id, employee_id
    scores: pd.DataFrame  # customer_id, churn_score, clv, rfm_segment, next_best_product


def month_end(tables: Tables, as_of: date | None) -> date:
    """The latest month-end with data on or before ``as_of`` (the latest of all if None)."""
    cm = tables.customer_month
    dates = cm if as_of is None else cm.filter(cm.as_of <= as_of)
    found = dates.as_of.max().to_pyarrow().as_py()
    if found is None:
        raise BadRequest("as_of", f"the warehouse has no month-end on or before {as_of}")
    result: date = found
    return result


def store_facts(session: Session, d: date) -> StoreFacts:
    """Current RM at ``d`` and each customer's latest scores on or before ``d`` (store)."""
    bind = session.get_bind()
    active = and_(Assignment.start_on <= d, or_(Assignment.end_on.is_(None), Assignment.end_on > d))
    rm = pd.read_sql(select(Assignment.customer_id, Assignment.employee_id).where(active), bind)
    rm = rm.drop_duplicates("customer_id", keep="last")
    latest = (
        select(CustomerScore.model, CustomerScore.as_of)
        .where(CustomerScore.as_of <= d)
        .order_by(CustomerScore.as_of.desc())
        .limit(1)
    )
    newest = session.execute(latest).first()
    scores = pd.DataFrame({"customer_id": pd.Series(dtype=object)})
    if newest is not None:
        long = pd.read_sql(
            select(
                CustomerScore.customer_id,
                CustomerScore.model,
                CustomerScore.score,
                CustomerScore.label,
            ).where(CustomerScore.as_of == newest.as_of),
            bind,
        )
        scores = _wide_scores(long)
    return StoreFacts(rm=rm, scores=scores)


def _wide_scores(long: pd.DataFrame) -> pd.DataFrame:
    """customer_scores rows → one row per customer with the fields segments test."""
    wanted = {
        ("churn", "score"): "churn_score",
        ("clv", "score"): "clv",
        ("rfm", "label"): "rfm_segment",
        ("nbp", "label"): "next_best_product",
    }
    wide = pd.DataFrame({"customer_id": pd.unique(long["customer_id"])})
    for (model, column), name in wanted.items():
        part = long.loc[long["model"] == model, ["customer_id", column]]
        wide = wide.merge(part.rename(columns={column: name}), on="customer_id", how="left")
    return wide


def customer_frame(
    tables: Tables, d: date, facts: StoreFacts, scope: WarehouseScope = EVERYONE
) -> ibis.Table:
    """One row per customer in the base (and in ``scope``) at month-end ``d``, with every
    segment field as a column; money in yuan."""
    base = month_at(tables, d, scope_of(tables, scope.branch_id))
    if scope.customer_ids is not None:  # (an empty IN list is not valid SQL everywhere)
        ids = sorted(scope.customer_ids)
        base = base.filter(base.customer_id.isin(ids) if ids else ibis.literal(False))
    frame = base.mutate(
        age=age_at(base.birth_date, d),
        age_band=age_band(base.birth_date, d),
        aum=base.aum.cast("float64"),
        loan_balance=base.loan_balance.cast("float64"),
    )
    for part in (
        _product_counts(tables, d),
        _maturities(tables, d),
        *_transaction_flags(tables, d),
        _memtable(facts.rm, {"customer_id": "string", "employee_id": "string"}),
        _memtable(
            facts.scores,
            {
                "customer_id": "string",
                "churn_score": "float64",
                "clv": "float64",
                "rfm_segment": "string",
                "next_best_product": "string",
            },
        ),
    ):
        frame = frame.left_join(part, "customer_id").drop("customer_id_right")
    return frame.mutate(
        product_count=frame.product_count.fill_null(0),
        rm_assigned=frame.employee_id.notnull(),
        dormant=frame.active.isnull(),
        third_party_outflow=frame.third_party_outflow.notnull(),
    ).drop("active")


def _memtable(rows: pd.DataFrame, schema: dict[str, str]) -> ibis.Table:
    """A store DataFrame as an Ibis table with a fixed schema (so an empty one still joins)."""
    return ibis.memtable(rows.reindex(columns=list(schema)), schema=schema)


def _product_counts(tables: Tables, d: date) -> ibis.Table:
    held = open_accounts(tables, [d])
    return held.group_by("customer_id").aggregate(product_count=held.product_type.nunique())


def _maturities(tables: Tables, d: date) -> ibis.Table:
    """Days from ``d`` to the nearest maturity of an open time deposit, CD or wealth product."""
    held = open_accounts(tables, [d])
    types = held.filter(held.product_type.isin([str(t) for t in MATURING_TYPES]))
    a = tables.accounts.select("account_id", "customer_id", "product_code", "maturity_on")
    upcoming = a.filter(a.maturity_on > d).join(
        types.select("customer_id", "product_code").distinct(), ["customer_id", "product_code"]
    )
    days = (upcoming.maturity_on - ibis.literal(d, type="date")).cast("int64")
    return upcoming.group_by("customer_id").aggregate(days_to_maturity=days.min())


def _transaction_flags(tables: Tables, d: date) -> tuple[ibis.Table, ibis.Table]:
    """[customer_id, active] for customers with a customer-initiated transaction in the
    dormancy window (METRICS.md), and [customer_id, third_party_outflow] for those who paid
    out to a third-party payment counterparty in the same twelve months."""
    empty_active = ibis.memtable(
        {"customer_id": [], "active": []}, schema={"customer_id": "string", "active": "int64"}
    )
    empty_tp = ibis.memtable(
        {"customer_id": [], "third_party_outflow": []},
        schema={"customer_id": "string", "third_party_outflow": "int64"},
    )
    if tables.transactions is None:
        return empty_active, empty_tp
    start, end = dormancy_window(d)
    t = tables.transactions
    window = t.filter((t.booked_at >= start) & (t.booked_at < end))
    owners = tables.accounts.select("account_id", "customer_id")
    per_customer = window.join(owners, "account_id")
    active = per_customer.filter(per_customer.customer_initiated)
    outflow = per_customer.filter(
        (per_customer.counterparty_type == str(CounterpartyType.THIRD_PARTY_PAYMENT))
        & (per_customer.amount < 0)
    )
    return (
        active.group_by("customer_id").aggregate(active=active.count()),
        outflow.group_by("customer_id").aggregate(third_party_outflow=outflow.count()),
    )
