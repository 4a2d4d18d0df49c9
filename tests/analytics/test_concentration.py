"""Concentration and the Lorenz curve on ten hand-made customers; expected figures by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from bankcrm.analytics.base import Tables
from bankcrm.analytics.concentration import concentration, lorenz
from bankcrm.warehouse.layout import Warehouse
from tests.analytics.conftest import make_warehouse

Load = Callable[[Warehouse], Tables]
D = date(2020, 12, 31)
# AUM of K01..K10 at D in yuan; K08..K10 have an account but no balance row (AUM 0).
AUM = [1000, 400, 300, 100, 100, 50, 50, 0, 0, 0]


def ten_customers() -> dict[str, str]:
    ids = [f"K{i:02d}" for i in range(1, 11)]
    return {
        "branches": "B1,总行,,head_office,110102",
        "products": "DD,活期,demand_deposit,",
        "customers": "\n".join(
            f"{c},individual,客户,other,X{c},F,1980-01-01,,110102,,,B1,2020-01-01,,false,"
            for c in ids
        ),
        "accounts": "\n".join(f"A{c},{c},DD,2020-01-01,,,CNY" for c in ids),
        "balances": "\n".join(
            f"2020-12-31,A{c},{a}.00" for c, a in zip(ids, AUM, strict=True) if a
        ),
    }


@pytest.fixture
def tables(load: Load, tmp_path: Path) -> Tables:
    return load(make_warehouse(tmp_path, ten_customers()))


def test_concentration(tables: Tables) -> None:
    # n = 10, total 2 000. Top counts max(1, floor(k% × 10)): 1% → 1, 10% → 1, 20% → 2.
    # top1 = top10 = 1 000 / 2 000; top20 = (1 000 + 400) / 2 000.
    # Gini: ascending x = 0 0 0 50 50 100 100 300 400 1000, Σ i·x = 4·50 + 5·50 + 6·100 +
    # 7·100 + 8·300 + 9·400 + 10·1000 = 17 750; 2 · 17 750 / (10 · 2 000) − 11/10 = 0.675.
    (got,) = concentration(tables, D).to_pyarrow().to_pylist()
    assert got == pytest.approx({"top1": 0.5, "top10": 0.5, "top20": 0.7, "gini": 0.675})


def test_lorenz(tables: Tables) -> None:
    # points = 5: the poorest 0, 2, 4, 6, 8, 10 customers hold 0, 0, 50, 200, 600, 2 000
    # of 2 000.
    got = lorenz(tables, D, points=5).to_pyarrow().to_pylist()
    assert [r["population_share"] for r in got] == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1])
    assert [r["aum_share"] for r in got] == pytest.approx([0, 0, 0.025, 0.1, 0.3, 1])
