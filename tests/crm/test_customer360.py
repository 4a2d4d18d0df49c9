"""Customer 360 and the customer summaries it shows, each figure recomputed with pandas from
the extract's CSV files (an independent path from the DuckDB/SQL under test)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import select

from bankcrm.crm.customer360 import customer_360, customer_transactions, tier_changes
from bankcrm.crm.errors import NotFound
from bankcrm.crm.summary import latest_month_end, refresh_summaries
from bankcrm.crm.warehouse_reads import MonthRow, TransactionFilter
from bankcrm.domain.actor import SYSTEM
from bankcrm.domain.crm_settings import FlagSettings
from bankcrm.domain.enums import TransactionChannel
from bankcrm.store.models import CustomerScore, CustomerSummary
from tests.crm.branch import CrmStore

D = date(2020, 12, 31)  # the branch's last month-end


def _csv(crm: CrmStore, name: str) -> pd.DataFrame:
    return pd.read_csv(crm.extract / f"{name}.csv", dtype=str)


def _txns(crm: CrmStore) -> pd.DataFrame:
    t = _csv(crm, "transactions").merge(_csv(crm, "accounts"), on="account_id")
    t["booked_at"] = pd.to_datetime(t["booked_at"])
    t["amount"] = t["amount"].astype(float)
    return t


def _summaries(crm: CrmStore) -> pd.DataFrame:
    with crm.sessions() as session:
        rows = session.scalars(select(CustomerSummary)).all()
    return pd.DataFrame(
        [
            (r.customer_id, r.tier, r.aum_fen, r.dormant, r.maturity_soon, r.large_outflow)
            for r in rows
        ],
        columns=["customer_id", "tier", "aum_fen", "dormant", "maturity_soon", "large_outflow"],
    ).set_index("customer_id")


def test_summary_flags_match_pandas(crm: CrmStore) -> None:
    assert latest_month_end(crm.warehouse) == D
    got = _summaries(crm)
    t = _txns(crm)
    active = set(
        t.loc[
            (t["customer_initiated"] == "true")
            & (t["booked_at"] >= datetime(2020, 1, 1))
            & (t["booked_at"] < datetime(2021, 1, 1)),
            "customer_id",
        ]
    )
    expected_dormant = {c for c in got.index if c not in active}
    assert set(got.index[got["dormant"]]) == expected_dormant

    out = t[
        (t["amount"] < 0)
        & (t["counterparty_type"] != "own_account")
        & (t["booked_at"] >= datetime(2021, 1, 1) - timedelta(days=30))
        & (t["booked_at"] < datetime(2021, 1, 1))
    ]
    totals = (-out.groupby("customer_id")["amount"].sum()).round(2)
    expected_outflow = set(totals[totals >= 50_000].index) & set(got.index)
    assert set(got.index[got["large_outflow"]]) == expected_outflow

    a = _csv(crm, "accounts")
    maturity = pd.to_datetime(a["maturity_on"])
    closed = pd.to_datetime(a["closed_on"])
    soon = a[
        (maturity > pd.Timestamp(D))
        & (maturity <= pd.Timestamp(D) + pd.Timedelta(days=30))
        & (closed.isna() | (closed > pd.Timestamp(D)))
    ]
    assert set(got.index[got["maturity_soon"]]) == set(soon["customer_id"]) & set(got.index)


def test_summary_aum_is_the_sum_of_asset_balances(crm: CrmStore) -> None:
    b = _csv(crm, "balances").query("as_of == '2020-12-31'")
    b = b.merge(_csv(crm, "accounts"), on="account_id").merge(
        _csv(crm, "products"), on="product_code"
    )
    assets = {
        "demand_deposit",
        "time_deposit",
        "large_cd",
        "wealth_management",
        "fund",
        "insurance",
        "bond",
        "precious_metal",
    }
    b["fen"] = (b["balance"].map(Decimal) * 100).map(int)
    expected = b[b["product_type"].isin(assets)].groupby("customer_id")["fen"].sum()
    got = _summaries(crm)["aum_fen"]
    joined = got.to_frame().join(expected, how="left").fillna(0)
    assert (joined["aum_fen"] == joined["fen"]).all()
    assert joined["aum_fen"].sum() > 0


def test_a_lower_threshold_flags_more_outflows(crm: CrmStore) -> None:
    before = int(_summaries(crm)["large_outflow"].sum())
    refresh_summaries(crm.engine, crm.warehouse, FlagSettings(large_outflow_yuan=Decimal(1_000)))
    after = int(_summaries(crm)["large_outflow"].sum())
    assert after > before


def _busy_customer(crm: CrmStore) -> str:
    t = _txns(crm)
    return str(t["customer_id"].value_counts().index[0])


def test_360_of_a_customer(crm: CrmStore) -> None:
    cid = _busy_customer(crm)
    with crm.sessions() as session:
        session.add(
            CustomerScore(
                customer_id=cid,
                as_of=D,
                model="churn",
                score=0.42,
                reasons="AUM连续下降；活期占比上升",
                detail='{"churn_score": 0.42}',
            )
        )
        session.add(
            CustomerScore(customer_id=cid, as_of=date(2020, 11, 30), model="churn", score=0.9)
        )
        session.commit()
        view = customer_360(session, SYSTEM, crm.warehouse, cid)
    balances = _csv(crm, "balances").merge(_csv(crm, "accounts"), on="account_id")
    months = sorted(balances.loc[balances["customer_id"] == cid, "as_of"].unique())
    assert [str(m.as_of) for m in view.months] == [
        m for m in months if m in {str(r.as_of) for r in view.months}
    ]
    assert view.months[-1].as_of == D
    assert len(view.months) >= 1
    assert view.profile.customer_id == cid
    assert [(s.model, s.score, s.reasons) for s in view.scores] == [
        ("churn", 0.42, ["AUM连续下降", "活期占比上升"])
    ]
    rm_rows = _csv(crm, "assignments").query("customer_id == @cid").sort_values("start_on")
    assert [p.employee_id for p in view.rm_history] == list(rm_rows["employee_id"])
    open_accounts = _csv(crm, "accounts").query("customer_id == @cid and closed_on != closed_on")
    assert sum(h.accounts for h in view.holdings) == len(open_accounts)
    assert view.flags == [
        f for f in ("dormant", "maturity_soon", "large_outflow") if getattr(view.summary, f)
    ]
    assert view.open_tasks == []
    assert view.campaigns == []
    assert view.contact_count == 0


def test_tier_changes_by_hand() -> None:
    rows = [
        MonthRow(date(2020, m, 28), Decimal(0), Decimal(0), t)
        for m, t in [(1, "standard"), (2, "gold"), (3, "gold"), (4, "standard")]
    ]
    assert [(c.as_of.month, c.from_tier, c.to_tier) for c in tier_changes(rows)] == [
        (1, None, "standard"),
        (2, "standard", "gold"),
        (4, "gold", "standard"),
    ]


def test_transactions_are_filtered_and_paged(crm: CrmStore) -> None:
    cid = _busy_customer(crm)
    t = _txns(crm).query("customer_id == @cid")
    window = t[(t["booked_at"] >= datetime(2020, 7, 1)) & (t["booked_at"] < datetime(2020, 10, 1))]
    channel = window["channel"].value_counts().index[0]
    expected = window[window["channel"] == channel].sort_values(
        ["booked_at", "txn_id"], ascending=False
    )
    which = TransactionFilter(date(2020, 7, 1), date(2020, 9, 30), TransactionChannel(channel))
    with crm.sessions() as session:
        first, total = customer_transactions(session, SYSTEM, crm.warehouse, cid, which, 0, 5)
        rest, _ = customer_transactions(session, SYSTEM, crm.warehouse, cid, which, 5, 10_000)
        past_end, past_total = customer_transactions(
            session, SYSTEM, crm.warehouse, cid, which, 10_000, 5
        )
        everything, all_total = customer_transactions(
            session, SYSTEM, crm.warehouse, cid, TransactionFilter(), 0, 1
        )
        with pytest.raises(NotFound):
            customer_transactions(session, SYSTEM, crm.warehouse, "C-NOPE", which)
    assert total == len(expected)
    assert past_end == []
    assert past_total == len(expected)
    assert [r.txn_id for r in first + rest] == list(expected["txn_id"])
    assert [r.amount for r in first] == [
        Decimal(a)
        for a in _csv(crm, "transactions")
        .set_index("txn_id")
        .loc[[r.txn_id for r in first], "amount"]
    ]
    assert all_total == len(t)
    assert everything[0].booked_at == t["booked_at"].max()
