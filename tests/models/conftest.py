"""Fixtures of the churn, segment and propensity tests: a hand-made warehouse whose features
and labels are worked out by hand below, and one synthetic branch per session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import ibis
import pytest

from bankcrm.ingest.loader import Importer
from bankcrm.models.features import SnapshotFeatures, snapshot_tables
from bankcrm.models.gbm import model_threads
from bankcrm.store.db import make_engine, upgrade
from bankcrm.synth import SynthOptions, generate
from bankcrm.warehouse.layout import Warehouse
from tests.analytics.conftest import make_warehouse

D = date(2020, 6, 30)  # the hand-made snapshot

# Month-ends with balances: d-12, d-6, d-3, d, d+3, d+6.
#
# K1 individual F born 1980-07-01 (39 at d), opened 2015-01-15 (tenure 65 months).
#    A1 demand: 100 000 / 100 000 / 80 000 / 60 000 at d-12 / d-6 / d-3 / d, then 5 000, 5 000.
#    A2 time deposit, matures 2020-08-31 (within 3 months), 50 000 at every month-end to d.
#    A3 credit card. AUM at d 110 000; d-3 130 000; d-6 150 000; d-12 150 000.
#    AUM at d+3 is 5 000 < 10 % of 110 000: churned.
#    Transactions (A1): 2020-06-10 −1 000 mobile third-party payment (initiated);
#    2020-05-01 −3 000 counter other bank (initiated); 2020-04-15 +2 000 counter salary (not
#    initiated); 2019-09-01 −6 000 internet banking third-party payment (initiated, 12-month
#    window only); 2019-06-30 −500 ATM (before the 12-month window).
#    Mobile banking since 2018-01-01; RM E1 since 2019-01-01.
# K2 corporate, opened 2020-01-10 (tenure 5): 20 000 at d-3, 40 000 at d, 40 000 and 45 000
#    later. No transactions, no enrolment, no RM.
# K3 100 000 at d, exactly 10 000 (10 %) at d+3 and d+6: not churned.
# K4 closed on 2020-12-31 (= month_end(d, 6)): churned.  K5 closed 2021-01-01: not churned.
# K6 40 000 at d (< 50 000) falls to 0: not churned.  K7 60 000 → 5 999.99 at d+6: churned.
HANDMADE = {
    "branches": "B1,总行,,head_office,360502",
    "employees": "E1,王经理,B1,relationship_manager,2010-01-01,",
    "products": """
        DD,活期,demand_deposit,
        TD,定期,time_deposit,
        CC,信用卡,credit_card,
        """,
    "customers": """
        K1,individual,甲,other,X1,F,1980-07-01,,360502,,,B1,2015-01-15,,true,
        K2,corporate,乙公司,other,X2,,,,360502,,,B1,2020-01-10,,true,
        K3,individual,丙,other,X3,M,1970-01-01,,360502,,,B1,2018-01-01,,true,
        K4,individual,丁,other,X4,M,1970-01-01,,360502,,,B1,2018-01-01,2020-12-31,true,
        K5,individual,戊,other,X5,M,1970-01-01,,360502,,,B1,2018-01-01,2021-01-01,true,
        K6,individual,己,other,X6,M,1970-01-01,,360502,,,B1,2018-01-01,,true,
        K7,individual,庚,other,X7,M,1970-01-01,,360502,,,B1,2018-01-01,,true,
        """,
    "accounts": """
        A1,K1,DD,2015-01-15,,,CNY
        A2,K1,TD,2019-01-01,2020-08-31,2020-08-31,CNY
        A3,K1,CC,2016-01-01,,,CNY
        A4,K2,DD,2020-01-10,,,CNY
        A5,K3,DD,2018-01-01,,,CNY
        A6,K4,DD,2018-01-01,,2020-12-31,CNY
        A7,K5,DD,2018-01-01,,,CNY
        A8,K6,DD,2018-01-01,,,CNY
        A9,K7,DD,2018-01-01,,,CNY
        """,
    "balances": """
        2019-06-30,A1,100000.00
        2019-12-31,A1,100000.00
        2020-03-31,A1,80000.00
        2020-06-30,A1,60000.00
        2020-09-30,A1,5000.00
        2020-12-31,A1,5000.00
        2019-06-30,A2,50000.00
        2019-12-31,A2,50000.00
        2020-03-31,A2,50000.00
        2020-06-30,A2,50000.00
        2020-03-31,A4,20000.00
        2020-06-30,A4,40000.00
        2020-09-30,A4,40000.00
        2020-12-31,A4,45000.00
        2020-06-30,A5,100000.00
        2020-09-30,A5,10000.00
        2020-12-31,A5,10000.00
        2020-06-30,A6,1000.00
        2020-09-30,A6,1000.00
        2020-06-30,A7,1000.00
        2020-09-30,A7,1000.00
        2020-12-31,A7,1000.00
        2020-06-30,A8,40000.00
        2020-09-30,A8,0.00
        2020-12-31,A8,0.00
        2020-06-30,A9,60000.00
        2020-09-30,A9,60000.00
        2020-12-31,A9,5999.99
        """,
    "transactions": """
        T1,A1,2020-06-10T10:00:00,-1000.00,mobile_banking,third_party_payment,,,true
        T2,A1,2020-05-01T10:00:00,-3000.00,counter,other_bank,,,true
        T3,A1,2020-04-15T10:00:00,2000.00,counter,salary,,,false
        T4,A1,2019-09-01T10:00:00,-6000.00,internet_banking,third_party_payment,,,true
        T5,A1,2019-06-30T23:00:00,-500.00,atm,other,,,true
        """,
    "channel_enrollments": "K1,mobile_banking,2018-01-01,",
    "assignments": "K1,E1,2019-01-01,",
}


@pytest.fixture(scope="session", autouse=True)
def _one_model_thread() -> Iterator[None]:
    """Fits run on one OpenMP thread, as in production (gbm.model_threads)."""
    with model_threads():
        yield


@pytest.fixture
def handmade_features(tmp_path: Path) -> SnapshotFeatures:
    """The hand-made warehouse above, loaded in DuckDB."""
    warehouse = make_warehouse(tmp_path, HANDMADE)
    return SnapshotFeatures(
        snapshot_tables(ibis.duckdb.connect(), warehouse, date(2019, 1, 31), date(2020, 12, 31))
    )


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic branch (5 000 customers, 2016–2020, the default scenario) imported into a
    warehouse and a SQLite store under the returned folder (read-only for tests)."""
    root = tmp_path_factory.mktemp("branch")
    options = SynthOptions(customers=5000, start="2016-01", end="2020-12", seed=1, format="parquet")
    generate(root / "extract", options)
    engine = make_engine(f"sqlite:///{root / 'store.sqlite3'}")
    upgrade(engine)
    report = Importer(engine, Warehouse(root / "warehouse")).run(root / "extract")
    engine.dispose()
    assert report.ok, report.failed
    return root


@pytest.fixture(scope="session")
def synthetic(synthetic_root: Path) -> SnapshotFeatures:
    """Features of the synthetic branch, memoised across the session's tests."""
    warehouse = Warehouse(synthetic_root / "warehouse")
    return SnapshotFeatures(
        snapshot_tables(ibis.duckdb.connect(), warehouse, date(2016, 1, 31), date(2020, 12, 31))
    )
