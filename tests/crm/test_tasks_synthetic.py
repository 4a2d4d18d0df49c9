"""Task rules on a synthetic branch (300 customers, two years), checked against the same rules
computed independently with pandas straight from the extract's CSV files (not through the
warehouse, Ibis or the store)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from bankcrm.analytics.base import Tables
from bankcrm.crm.tasks_generate import generate_tasks
from bankcrm.domain.actor import SYSTEM
from bankcrm.domain.task_rules import TaskRuleSettings
from bankcrm.ingest.loader import Importer
from bankcrm.store.db import make_engine, session_factory, upgrade
from bankcrm.store.models import Task
from bankcrm.synth import SynthOptions, generate
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse

AS_OF = date(2020, 12, 31)
BIRTHDAY_DAYS = 60  # wider than the default week, so 300 customers give several birthdays
SETTINGS = TaskRuleSettings.model_validate({"birthday": {"days": BIRTHDAY_DAYS}})
ASSETS = ["demand_deposit", "time_deposit", "large_cd", "wealth_management", "fund"]
ASSETS += ["insurance", "bond", "precious_metal"]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[str]]]:
    root = tmp_path_factory.mktemp("synthetic")
    generate(root / "extract", SynthOptions(customers=300, start="2019-01", end="2020-12", seed=3))
    engine = make_engine(f"sqlite:///{root / 'store.sqlite3'}")
    upgrade(engine)
    warehouse = Warehouse(root / "warehouse")
    assert Importer(engine, warehouse).run(root / "extract").ok
    tables = Tables.load(connect("duckdb"), warehouse)
    with session_factory(engine)() as session:
        generate_tasks(session, SYSTEM, tables, AS_OF, SETTINGS)
        rows = session.execute(select(Task.rule, Task.customer_id)).all()
    found: dict[str, set[str]] = {}
    for rule, customer in rows:
        found.setdefault(rule, set()).add(customer)
    return root / "extract", found


def read(extract: Path, table: str, dates: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = pd.read_csv(extract / f"{table}.csv", dtype=str, keep_default_na=False)
    for column in dates:
        frame[column] = pd.to_datetime(frame[column].replace("", None))
    return frame


def in_base(extract: Path) -> pd.DataFrame:
    c = read(extract, "customers", ("opened_on", "closed_on", "birth_date"))
    d = pd.Timestamp(AS_OF)
    return c[(c.opened_on <= d) & (c.closed_on.isna() | (c.closed_on > d))]


def aum_at(extract: Path) -> pd.Series:
    """AUM (yuan) per customer at AS_OF: asset products' balances (METRICS.md)."""
    b = read(extract, "balances", ("as_of",))
    b = b[b.as_of == pd.Timestamp(AS_OF)].merge(read(extract, "accounts"), on="account_id")
    b = b.merge(read(extract, "products"), on="product_code")
    assets = b[b.product_type.isin(ASSETS)]
    return assets.assign(balance=assets.balance.astype(float)).groupby("customer_id").balance.sum()


def test_maturity_matches_pandas(synthetic: tuple[Path, dict[str, set[str]]]) -> None:
    extract, found = synthetic
    a = read(extract, "accounts", ("opened_on", "maturity_on", "closed_on"))
    p = read(extract, "products")
    a = a.merge(p[["product_code", "product_type"]], on="product_code")
    d, end = pd.Timestamp(AS_OF), pd.Timestamp(AS_OF + timedelta(days=30))
    due = a[
        a.product_type.isin(["time_deposit", "large_cd", "wealth_management"])
        & (a.opened_on <= d)
        & (a.closed_on.isna() | (a.closed_on > d))
        & (a.maturity_on >= d)
        & (a.maturity_on <= end)
    ]
    expected = set(due.customer_id) & set(in_base(extract).customer_id)
    assert expected  # the synthetic branch has time deposits maturing at the year-end
    assert found.get("maturity", set()) == expected


def test_large_outflow_matches_pandas(synthetic: tuple[Path, dict[str, set[str]]]) -> None:
    extract, found = synthetic
    t = read(extract, "transactions", ("booked_at",))
    t["amount"] = t.amount.astype(float)
    owners = read(extract, "accounts")[["account_id", "customer_id"]]
    first = pd.Timestamp(AS_OF - timedelta(days=6))
    window = t[
        (t.booked_at >= first)
        & (t.booked_at < pd.Timestamp(AS_OF + timedelta(days=1)))
        & (t.amount < 0)
        & (t.counterparty_type != "own_account")
    ].merge(owners, on="account_id")
    out = (-window.groupby("customer_id").amount.sum()).rename("out")
    aum = aum_at(extract)
    joined = pd.concat([out, aum.rename("aum")], axis=1).fillna(0)
    joined = joined[joined.index.isin(in_base(extract).customer_id) & (joined.out > 0)]
    fires = (joined.out >= 500_000) | ((joined.aum > 0) & (joined.out >= 0.3 * joined.aum))
    assert found.get("large_outflow", set()) == set(joined.index[fires])


def test_birthday_matches_pandas(synthetic: tuple[Path, dict[str, set[str]]]) -> None:
    extract, found = synthetic
    base = in_base(extract).dropna(subset=["birth_date"])
    days = {(AS_OF + timedelta(days=k)).strftime("%m-%d") for k in range(BIRTHDAY_DAYS + 1)}
    born = set(base.customer_id[base.birth_date.dt.strftime("%m-%d").isin(days)])
    aum = aum_at(extract)
    gold_up = set(aum.index[aum >= 50_000])  # the default ladder; month-end basis, no grace
    assert found.get("birthday", set()) == born & gold_up
    assert len(born & gold_up) >= 3  # the window is wide enough to test something
