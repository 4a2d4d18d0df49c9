"""Maturity run-off on a hand-made warehouse, on every engine; expected values worked by hand.

Month-ends with balances: 2020-01-31, 02-29, 03-31, 04-30. A product maturing in March 2020
is judged from the customer's AUM at 02-29 ("before") and at 04-30 ("after").

  customer  maturing account (02-29 balance)      demand 02-29 → 04-30   AUM before → after
  K1        TD  100 000.00, matures+closed 03-15   10 000 → 10 000        110 000 → 10 000: left
  K2        WM   50 000.00, matures+closed 03-20    5 000 → 55 000         55 000 → 55 000: stayed
  K3        TD   80 000.00, matures+closed 03-10        0 → 40 000         80 000 → 40 000: fell by
                                                                          exactly half: left
  K4        TD   80 000.00, matures+closed 03-10        0 → 40 000.01      fell 39 999.99: stayed
  K5        TD   60 000.00, matures 03-31, not closed (rolled over): not matured
  K6        TD   70 000.00, matures+closed 04-15: "after" (05-31) not in the data: not counted
  K7 (B3)   CD   30 000.00, matures+closed 03-05; customer closed 03-31: AUM after 0: left

2020: matured 5 (K1 K2 K3 K4 K7), left 3 (K1 K3 K7), stayed 2, share 0.6; matured amount
340 000.00, left amount 210 000.00. In branch B2 only (K7 is in B3): 4 matured, 2 left.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bankcrm.analytics.base import Tables, scope_of
from bankcrm.analytics.maturity import matured_accounts, maturity_runoff
from tests.analytics.conftest import make_warehouse, rows

Load = Callable[[Any], Tables]
CUSTOMERS = ("K1", "K2", "K3", "K4", "K5", "K6", "K7")


def _warehouse(tmp_path: Path) -> Any:
    customer = (
        "{c},individual,某,passport,P{c},M,1980-01-01,,360502,,,{b},2019-01-01,{closed},false,"
    )
    return make_warehouse(
        tmp_path,
        {
            "branches": "B1,分行,,branch,360502\nB2,一支行,B1,sub_branch,360502\n"
            "B3,二支行,B1,sub_branch,360502",
            "products": "DD,活期,demand_deposit,\nTD,定期,time_deposit,\n"
            "WM,理财,wealth_management,R2\nCD,大额存单,large_cd,",
            "customers": "\n".join(
                customer.format(
                    c=c, b="B3" if c == "K7" else "B2", closed="2020-03-31" if c == "K7" else ""
                )
                for c in CUSTOMERS
            ),
            "accounts": """
                D1,K1,DD,2019-01-01,,,CNY
                D2,K2,DD,2019-01-01,,,CNY
                D3,K3,DD,2019-01-01,,,CNY
                D4,K4,DD,2019-01-01,,,CNY
                T1,K1,TD,2019-03-15,2020-03-15,2020-03-15,CNY
                W2,K2,WM,2019-03-20,2020-03-20,2020-03-20,CNY
                T3,K3,TD,2019-03-10,2020-03-10,2020-03-10,CNY
                T4,K4,TD,2019-03-10,2020-03-10,2020-03-10,CNY
                T5,K5,TD,2019-03-31,2020-03-31,,CNY
                T6,K6,TD,2019-04-15,2020-04-15,2020-04-15,CNY
                C7,K7,CD,2019-03-05,2020-03-05,2020-03-05,CNY
            """,
            "balances": """
                2020-01-31,D1,10000.00
                2020-02-29,D1,10000.00
                2020-02-29,T1,100000.00
                2020-04-30,D1,10000.00
                2020-02-29,D2,5000.00
                2020-02-29,W2,50000.00
                2020-04-30,D2,55000.00
                2020-02-29,T3,80000.00
                2020-04-30,D3,40000.00
                2020-02-29,T4,80000.00
                2020-04-30,D4,40000.01
                2020-02-29,T5,60000.00
                2020-03-31,T5,60000.00
                2020-04-30,T5,60000.00
                2020-03-31,T6,70000.00
                2020-02-29,C7,30000.00
            """,
        },
    )


def test_maturity_runoff(load: Load, tmp_path: Path) -> None:
    tables = load(_warehouse(tmp_path))
    [row] = rows(maturity_runoff(tables, 2020))
    assert row["matured"] == 5
    assert row["left"] == 3
    assert row["stayed"] == 2
    assert row["share_left"] == 0.6
    assert Decimal(row["matured_amount"]) == Decimal("340000.00")
    assert Decimal(row["left_amount"]) == Decimal("210000.00")


def test_which_accounts_left(load: Load, tmp_path: Path) -> None:
    tables = load(_warehouse(tmp_path))
    found = {r["account_id"]: r["left"] for r in rows(matured_accounts(tables, 2020))}
    assert found == {"T1": True, "W2": False, "T3": True, "T4": False, "C7": True}


def test_scope_and_a_year_without_maturities(load: Load, tmp_path: Path) -> None:
    tables = load(_warehouse(tmp_path))
    [scoped] = rows(maturity_runoff(tables, 2020, scope_of(tables, "B2")))
    assert (scoped["matured"], scoped["left"]) == (4, 2)
    [empty] = rows(maturity_runoff(tables, 2019))
    assert empty["matured"] == 0
    assert empty["share_left"] is None
