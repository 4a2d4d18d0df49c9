"""A hand-made outlet network for the task, segment and campaign tests, imported through the
real importer into the test's store (SQLite and PostgreSQL). Every expected figure of those
tests is read off the table below.

Month-ends 2024-05-31, 2024-06-30, 2024-07-31; tasks and segments are evaluated at 2024-06-30.
Tier ladder: gold 5万, platinum 50万, diamond 200万.

  cust outlet born        consent RM   AUM 05-31  AUM 06-30  tier 06-30
  C01  O1     1980-07-03  yes     R1     100 000    100 000  gold
  C02  O1     1975-01-15  no      R2     600 000    600 000  platinum
  C03  O1     1990-03-03  yes     -       10 000     10 000  standard
  C04  O1     1985-06-30  yes     -      110 000     80 000  gold
  C05  O2     1960-07-05  yes     R3   2 500 000  2 500 000  diamond
  C06  O2     2000-01-01  yes     -        5 000      5 000  standard
  C07  O1     1970-12-12  yes     R1   1 200 000    700 000  platinum
  C08  O1     1995-07-08  yes     -       70 000     54 000  gold

  C01  time deposit matures 07-30 (day 30); dormant (its only transaction is a salary credit)
  C02  time deposit matures 07-31 (day 31); paid 2 000 to a payment platform in February and
       30 000 on 06-20 (a third-party spike)
  C03  dormant; churn score 0.80
  C04  paid out 30 000 on 06-24 (37.5% of AUM)
  C05  paid out 600 000 on 06-23 and 100 000 on 06-28
  C06  dormant; churn score 0.69
  C07  paid out 500 000 on 06-30; on the do-not-contact list
  C08  dormant; 54 000 < 5万 × 1.1 and falling

Employees: M1 manages O1 (branch_manager); R1, R2 are RMs at O1; R3 is the RM at O2, which has
no manager. Contacts: C05 on 2024-05-01, C07 on 2024-03-01 (121 days before 06-30).
After the campaign start (07-01): C04 opens a wealth product on 07-10 (2万 at 07-31); C01's
demand deposit rises by 5万 to AUM 15万 at 07-31.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from textwrap import dedent

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bankcrm.analytics.base import Tables
from bankcrm.ingest.loader import Importer
from bankcrm.store.db import session_factory
from bankcrm.store.models import Contact, CustomerScore, DoNotContact
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse
from tests.analytics.conftest import HEADERS

AS_OF = date(2024, 6, 30)

ROWS = {
    "branches": """
        HO,总行,,head_office,110102
        B1,一分行,HO,branch,110102
        O1,东城网点,B1,outlet,110102
        O2,西城网点,B1,outlet,110102
        """,
    "employees": """
        M1,网点主任,O1,branch_manager,2015-01-01,
        R1,客户经理一,O1,relationship_manager,2015-01-01,
        R2,客户经理二,O1,relationship_manager,2016-01-01,
        R3,客户经理三,O2,relationship_manager,2017-01-01,
        """,
    "products": """
        DD,活期,demand_deposit,
        TD,定期,time_deposit,
        WM,理财,wealth_management,R2
        """,
    "customers": """
        C01,individual,甲,other,X01,F,1980-07-03,,110102,,,O1,2015-01-01,,true,
        C02,individual,乙,other,X02,M,1975-01-15,,110102,,,O1,2015-01-01,,false,
        C03,individual,丙,other,X03,F,1990-03-03,,110102,,,O1,2015-01-01,,true,
        C04,individual,丁,other,X04,M,1985-06-30,,110102,,,O1,2015-01-01,,true,
        C05,individual,戊,other,X05,F,1960-07-05,,110102,,,O2,2015-01-01,,true,
        C06,individual,己,other,X06,M,2000-01-01,,110102,,,O2,2015-01-01,,true,
        C07,individual,庚,other,X07,F,1970-12-12,,110102,,,O1,2015-01-01,,true,
        C08,individual,辛,other,X08,M,1995-07-08,,110102,,,O1,2015-01-01,,true,
        """,
    "accounts": """
        A01,C01,DD,2015-01-01,,,CNY
        A02,C01,TD,2023-07-30,2024-07-30,,CNY
        A03,C02,DD,2015-01-01,,,CNY
        A04,C02,TD,2023-07-31,2024-07-31,,CNY
        A05,C03,DD,2015-01-01,,,CNY
        A06,C04,DD,2015-01-01,,,CNY
        A07,C05,DD,2015-01-01,,,CNY
        A08,C05,WM,2024-01-01,2024-12-31,,CNY
        A09,C06,DD,2015-01-01,,,CNY
        A10,C07,DD,2015-01-01,,,CNY
        A11,C08,DD,2015-01-01,,,CNY
        A12,C04,WM,2024-07-10,2025-07-10,,CNY
        """,
    "balances": """
        2024-05-31,A01,50000
        2024-06-30,A01,50000
        2024-07-31,A01,100000
        2024-05-31,A02,50000
        2024-06-30,A02,50000
        2024-07-31,A02,50000
        2024-05-31,A03,100000
        2024-06-30,A03,100000
        2024-07-31,A03,100000
        2024-05-31,A04,500000
        2024-06-30,A04,500000
        2024-07-31,A04,500000
        2024-05-31,A05,10000
        2024-06-30,A05,10000
        2024-07-31,A05,10000
        2024-05-31,A06,110000
        2024-06-30,A06,80000
        2024-07-31,A06,60000
        2024-05-31,A07,500000
        2024-06-30,A07,500000
        2024-07-31,A07,500000
        2024-05-31,A08,2000000
        2024-06-30,A08,2000000
        2024-07-31,A08,2000000
        2024-05-31,A09,5000
        2024-06-30,A09,5000
        2024-07-31,A09,5000
        2024-05-31,A10,1200000
        2024-06-30,A10,700000
        2024-07-31,A10,700000
        2024-05-31,A11,70000
        2024-06-30,A11,54000
        2024-07-31,A11,54000
        2024-07-31,A12,20000
        """,
    "transactions": """
        T1,A06,2024-06-24 10:00:00,-30000,mobile_banking,other_bank,,,true
        T2,A07,2024-06-23 10:00:00,-600000,counter,other_bank,,,true
        T3,A07,2024-06-28 09:00:00,-100000,mobile_banking,other_bank,,,true
        T4,A10,2024-06-30 15:00:00,-500000,counter,other_bank,,,true
        T5,A01,2024-03-01 08:00:00,1000,batch,salary,,,false
        T6,A03,2024-02-01 12:00:00,-2000,third_party,third_party_payment,,,true
        T7,A03,2024-06-20 12:00:00,-30000,third_party,third_party_payment,,,true
        """,
    "assignments": """
        C01,R1,2020-01-01,
        C02,R2,2020-01-01,
        C05,R3,2020-01-01,
        C07,R1,2020-01-01,
        """,
}


@dataclass
class Branch:
    engine: Engine
    warehouse: Warehouse
    tables: Tables

    def session(self) -> Session:
        return session_factory(self.engine)()


def load_branch(engine: Engine, root: Path) -> Branch:
    """Import ``ROWS`` into ``engine`` and a warehouse under ``root``; add the store-only
    facts (contacts, churn scores, do-not-contact)."""
    extract = root / "extract"
    extract.mkdir(parents=True)
    for table, body in ROWS.items():
        text = HEADERS[table] + "\n" + dedent(body).strip() + "\n"
        (extract / f"{table}.csv").write_text(text, encoding="utf-8")
    warehouse = Warehouse(root / "warehouse")
    report = Importer(engine, warehouse).run(extract)
    assert report.ok, report.failed
    assert not {t: r.rejected for t, r in report.tables.items() if r.rejected}
    with session_factory(engine)() as session:
        for customer, when in (("C05", datetime(2024, 5, 1)), ("C07", datetime(2024, 3, 1))):
            session.add(
                Contact(
                    customer_id=customer,
                    employee_id="R1",
                    channel="call",
                    occurred_at=when,
                    outcome="reached",
                    created_by="test",
                    created_at=when,
                    version=1,
                )
            )
        for customer, score in (("C03", 0.80), ("C06", 0.69)):
            session.add(
                CustomerScore(customer_id=customer, as_of=AS_OF, model="churn", score=score)
            )
        session.add(DoNotContact(customer_id="C07", recorded_on=AS_OF, recorded_by="test"))
        session.commit()
    return Branch(engine, warehouse, Tables.load(connect("duckdb"), warehouse))


@pytest.fixture
def branch(store: Engine, tmp_path: Path) -> Branch:
    return load_branch(store, tmp_path)


def test_the_branch_imports_with_the_tiers_of_the_table(branch: Branch) -> None:
    cm = branch.tables.customer_month
    at = cm.filter(cm.as_of == AS_OF).select("customer_id", "tier").to_pyarrow().to_pylist()
    assert {r["customer_id"]: r["tier"] for r in at} == {
        "C01": "gold",
        "C02": "platinum",
        "C03": "standard",
        "C04": "gold",
        "C05": "diamond",
        "C06": "standard",
        "C07": "platinum",
        "C08": "gold",
    }
