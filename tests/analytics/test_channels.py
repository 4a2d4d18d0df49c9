"""Channel figures on hand-made warehouses, on every engine: e-channel adoption, channel mix
and third-party outflow. Expected values are worked out by hand in each test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bankcrm.analytics.base import Tables, scope_of
from bankcrm.analytics.channels import channel_adoption, channel_mix, third_party_outflow
from tests.analytics.conftest import make_warehouse

Load = Callable[[Any], Tables]
D = date(2020, 12, 31)

# Branch tree: B1 head office; B2 and B3 below it. C1, C2 at B2; C3, C4, C5 at B3.
ROWS = {
    "branches": """
        B1,总行,,head_office,360502
        B2,一支行,B1,sub_branch,360502
        B3,二支行,B1,sub_branch,360502
    """,
    "products": "DD001,个人活期储蓄,demand_deposit,",
    "customers": """
        C1,individual,甲,passport,P1,M,1980-01-01,,360502,,,B2,2019-01-01,,false,
        C2,individual,乙,passport,P2,F,1980-01-01,,360502,,,B2,2019-01-01,,false,
        C3,individual,丙,passport,P3,M,1980-01-01,,360502,,,B3,2019-01-01,,false,
        C4,individual,丁,passport,P4,F,1980-01-01,,360502,,,B3,2019-01-01,,false,
        C5,individual,戊,passport,P5,M,1980-01-01,,360502,,,B3,2019-01-01,2020-12-31,false,
    """,
    "accounts": """
        A1,C1,DD001,2019-01-01,,,CNY
        A2,C2,DD001,2019-01-01,,,CNY
        A3,C3,DD001,2019-01-01,,,CNY
        A4,C4,DD001,2019-01-01,,,CNY
        A5,C5,DD001,2019-01-01,,2020-12-31,CNY
    """,
    "balances": """
        2019-12-31,A1,100.00
        2020-12-31,A1,100.00
    """,
    "channel_enrollments": """
        C1,mobile_banking,2019-03-01,
        C1,mobile_banking,2020-01-01,
        C2,mobile_banking,2019-01-01,2020-12-31
        C3,mobile_banking,2020-12-31,
        C4,internet_banking,2020-06-01,2021-01-01
        C5,wechat_banking,2019-01-01,2020-12-31
    """,
    "transactions": """
        T1,A1,2020-01-01T00:00:00,-100.00,counter,other_bank,某人,转账,true
        T2,A1,2020-12-31T23:59:59,250.50,mobile_banking,own_account,本人,转入,true
        T3,A2,2020-06-15T10:00:00,-49.50,mobile_banking,third_party_payment,支付宝,消费,true
        T4,A2,2019-12-31T23:59:59,-1000.00,counter,other_bank,某人,转账,true
        T6,A1,2020-05-05T08:00:00,-300.00,batch,third_party_payment,财付通,代扣,false
        T7,A3,2020-03-01T09:00:00,-200.00,atm,other,,取现,true
    """,
}


@pytest.fixture
def tables(load: Load, tmp_path: Path) -> Tables:
    return load(make_warehouse(tmp_path, ROWS))


def rows(table: Any, key: str) -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in table.to_pyarrow().to_pylist()}


def test_adoption_counts_active_enrollments_of_the_base(tables: Tables) -> None:
    # Base at 2020-12-31: C1..C4 (C5 closed on d, so closed_on > d fails) → 4.
    # mobile: C1 (two enrollments, one customer) + C3 (enrolled on d, ≤ d) = 2 → 2/4;
    #   C2 cancelled on d (cancelled_on > d fails) does not count.
    # internet: C4 (cancelled 2021-01-01 > d) = 1 → 1/4; wechat: only C5, not in base → 0.
    got = rows(channel_adoption(tables, D), "channel")
    expected = {"mobile_banking": 2, "internet_banking": 1, "wechat_banking": 0, "sms_alerts": 0}
    assert {c: r["customers"] for c, r in got.items()} == expected
    assert {c: r["share"] for c, r in got.items()} == {c: n / 4 for c, n in expected.items()}
    # Scope B3: base C3, C4 → mobile C3 1/2, internet C4 1/2.
    b3 = rows(channel_adoption(tables, D, scope_of(tables, "B3")), "channel")
    assert b3["mobile_banking"]["share"] == 0.5
    assert b3["internet_banking"]["share"] == 0.5


def test_channel_mix_counts_customer_initiated_in_the_year(tables: Tables) -> None:
    # 2020, customer-initiated: T1 counter |−100.00|; T2 mobile 250.50; T3 mobile |−49.50|;
    # T7 atm |−200.00|. T4 is in 2019, T6 is not customer-initiated.
    # Count 4: counter 1/4, mobile 2/4, atm 1/4. Amount 600.00: counter 100.00 (1/6),
    # mobile 300.00 (1/2), atm 200.00 (1/3). Every other channel: 0, share 0.
    got = rows(channel_mix(tables, 2020), "channel")
    assert len(got) == 8
    assert {c: r["transactions"] for c, r in got.items() if r["transactions"]} == {
        "counter": 1,
        "mobile_banking": 2,
        "atm": 1,
    }
    assert got["mobile_banking"]["amount"] == Decimal("300.00")
    assert got["counter"]["amount"] == Decimal("100.00")
    assert got["atm"]["amount"] == Decimal("200.00")
    assert got["batch"]["amount"] == Decimal("0")
    assert got["mobile_banking"]["count_share"] == 0.5
    assert got["counter"]["amount_share"] == pytest.approx(1 / 6, abs=1e-12)
    assert got["atm"]["amount_share"] == pytest.approx(1 / 3, abs=1e-12)
    assert got["pos"]["count_share"] == 0.0


def test_third_party_outflow_of_a_year(tables: Tables) -> None:
    # 2020 outflows (amount < 0): T1 100.00, T3 49.50 (third party), T6 300.00 (third party,
    # counts though not customer-initiated), T7 200.00 → all 649.50, third party 349.50.
    (row,) = third_party_outflow(tables, 2020).to_pyarrow().to_pylist()
    assert row["year"] == 2020
    assert row["outflow"] == Decimal("349.50")
    assert row["all_outflows"] == Decimal("649.50")
    assert row["share"] == pytest.approx(349.5 / 649.5, abs=1e-12)
    # 2019: only T4, 1000.00 to another bank → no third-party outflow.
    (y2019,) = third_party_outflow(tables, 2019).to_pyarrow().to_pylist()
    assert (y2019["outflow"], y2019["all_outflows"], y2019["share"]) == (0, 1000, 0.0)
    # Scope B3: only A3's T7 (200.00, counterparty other).
    (b3,) = third_party_outflow(tables, 2020, scope_of(tables, "B3")).to_pyarrow().to_pylist()
    assert (b3["outflow"], b3["all_outflows"]) == (Decimal("0"), Decimal("200.00"))
