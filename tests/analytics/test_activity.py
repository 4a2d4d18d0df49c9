"""Dormancy and attrition on hand-made warehouses, on every engine. Expected values are worked
out by hand in each test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from bankcrm.analytics.activity import attrition, dormancy, dormancy_window, lost
from bankcrm.analytics.base import Tables
from tests.analytics.conftest import make_warehouse

Load = Callable[[Any], Tables]
COMMON = {
    "branches": "B1,总行,,head_office,360502",
    "products": "DD001,个人活期储蓄,demand_deposit,",
}


def customer(cid: str, opened: str = "2019-01-01", closed: str = "") -> str:
    return f"{cid},individual,某,passport,P{cid},M,1980-01-01,,360502,,,B1,{opened},{closed},false,"


def account(cid: str, opened: str = "2019-01-01", closed: str = "") -> str:
    return f"A{cid},{cid},DD001,{opened},,{closed},CNY"


def by_tier(table: Any) -> dict[str, tuple[Any, ...]]:
    return {r.pop("tier"): tuple(r.values()) for r in table.to_pyarrow().to_pylist()}


def test_dormancy_window_is_twelve_months_up_to_d() -> None:
    # After the same month-end a year earlier, up to the end of day d; leap days handled.
    assert dormancy_window(date(2020, 12, 31)) == (datetime(2020, 1, 1), datetime(2021, 1, 1))
    assert dormancy_window(date(2020, 2, 29)) == (datetime(2019, 3, 1), datetime(2020, 3, 1))


def test_dormancy_per_tier(load: Load, tmp_path: Path) -> None:
    # d = 2020-12-31, window: booked_at in [2020-01-01 00:00, 2021-01-01 00:00).
    # K1 standard (1 000): initiated at 2020-01-01 00:00:00, first instant → active.
    # K2 standard (no balance, AUM 0): initiated 2019-12-31 23:59:59, before → dormant.
    # K3 gold (60 000): initiated 2020-12-31 23:59:59, last instant → active.
    # K4 gold (60 000): only a transaction not initiated by the customer → dormant.
    # K5 platinum (600 000): no transaction → dormant.  K6 closed 2020-06-30: not in base.
    ids = ["K1", "K2", "K3", "K4", "K5", "K6"]
    closed = {"K6": "2020-06-30"}
    warehouse = make_warehouse(
        tmp_path,
        COMMON
        | {
            "customers": "\n".join(customer(c, closed=closed.get(c, "")) for c in ids),
            "accounts": "\n".join(account(c, closed=closed.get(c, "")) for c in ids),
            "balances": """
                2020-12-31,AK1,1000.00
                2020-12-31,AK3,60000.00
                2020-12-31,AK4,60000.00
                2020-12-31,AK5,600000.00
            """,
            "transactions": """
                T1,AK1,2020-01-01T00:00:00,-10.00,counter,other_bank,某,转账,true
                T2,AK2,2019-12-31T23:59:59,-10.00,counter,other_bank,某,转账,true
                T3,AK3,2020-12-31T23:59:59,10.00,mobile_banking,own_account,某,转入,true
                T4,AK4,2020-07-01T12:00:00,5.00,batch,government,某,利息,false
                T6,AK6,2020-03-01T12:00:00,-5.00,atm,other,,取现,true
            """,
        },
    )
    got = by_tier(dormancy(load(warehouse), date(2020, 12, 31)))
    assert list(got) == ["standard", "gold", "platinum", "diamond", "private", "all"]
    # (base, dormant, share): standard 2/1, gold 2/1, platinum 1/1, all 5/3.
    assert got == {
        "standard": (2, 1, 0.5),
        "gold": (2, 1, 0.5),
        "platinum": (1, 1, 1.0),
        "diamond": (0, 0, None),
        "private": (0, 0, None),
        "all": (5, 3, 0.6),
    }


# Attrition of 2019: end of Y = 2019-12-31, end of Y+1 = 2020-12-31.
# M1 gold 100 000.00 → 9 999.99 (< 10 %): attrited.   M2 gold 100 000.00 → 10 000.00 (= 10 %): not.
# M3 platinum 1 000 000.00 → no balance row (AUM 0), still in base: attrited.
# M4 platinum 800 000.00, closed 2020-05-31: closed (not eligible for attrition, lost).
# M5 standard 49 999.99 → 0: below the 50 000 floor, never counted.
# M6 diamond 3 000 000.00 → 3 000 000.00: stays.   M7 gold, opened 2020-03-01: not in base at Y.
ATTRITION_IDS = ("M1", "M2", "M3", "M5", "M6")
ATTRITION_ROWS = COMMON | {
    "customers": "\n".join(
        [
            *(customer(c) for c in ATTRITION_IDS),
            customer("M4", closed="2020-05-31"),
            customer("M7", opened="2020-03-01"),
        ]
    ),
    "accounts": "\n".join(
        [
            *(account(c) for c in ATTRITION_IDS),
            account("M4", closed="2020-05-31"),
            account("M7", opened="2020-03-01"),
        ]
    ),
    "balances": """
        2019-12-31,AM1,100000.00
        2019-12-31,AM2,100000.00
        2019-12-31,AM3,1000000.00
        2019-12-31,AM4,800000.00
        2019-12-31,AM5,49999.99
        2019-12-31,AM6,3000000.00
        2020-12-31,AM1,9999.99
        2020-12-31,AM2,10000.00
        2020-12-31,AM6,3000000.00
        2020-12-31,AM7,900000.00
    """,
}


@pytest.fixture
def attrition_tables(load: Load, tmp_path: Path) -> Tables:
    return load(make_warehouse(tmp_path, ATTRITION_ROWS))


def test_attrition_per_tier(attrition_tables: Tables) -> None:
    got = by_tier(attrition(attrition_tables, 2019, date(2019, 12, 31), date(2020, 12, 31)))
    # (eligible, attrited, rate): gold M1, M2 → 2/1; platinum M3 (M4 closed) → 1/1;
    # diamond M6 → 1/0; private none; all 4/2.
    assert got == {
        "gold": (2, 1, 0.5),
        "platinum": (1, 1, 1.0),
        "diamond": (1, 0, 0.0),
        "private": (0, 0, None),
        "all": (4, 2, 0.5),
    }


def test_lost_adds_closed_customers_of_the_same_tiers(attrition_tables: Tables) -> None:
    got = by_tier(lost(attrition_tables, 2019, date(2019, 12, 31), date(2020, 12, 31)))
    # (eligible, attrited, closed, lost, rate): platinum now M3 and M4 → 2, 1, 1, 2, 1.0;
    # all: 5 eligible, 2 attrited + 1 closed = 3 lost, 3/5.
    assert got == {
        "gold": (2, 1, 0, 1, 0.5),
        "platinum": (2, 1, 1, 2, 1.0),
        "diamond": (1, 0, 0, 0, 0.0),
        "private": (0, 0, 0, 0, None),
        "all": (5, 2, 1, 3, 0.6),
    }
