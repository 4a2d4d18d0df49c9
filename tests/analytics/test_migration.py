"""Tier migration, its rates, the AUM bridge, flows and cohort retention on the hand-made branch
of ``handmade.py`` (2019-12-31 → 2020-12-31); expected figures worked out by hand below."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bankcrm.analytics.base import Tables
from bankcrm.analytics.flows import base_count, flows
from bankcrm.analytics.migration import aum_bridge, migration, migration_rates
from tests.analytics.conftest import rows
from tests.analytics.handmade import Y2019, Y2020


@pytest.fixture
def tables(handmade: Tables) -> Tables:
    return handmade


def test_migration_matrix_and_rates(tables: Tables) -> None:
    # C1 standard → gold (AUM 2020 70 000.50); C2 platinum → gold (450 000.00); C3 gold →
    # closed (AUM 2019 60 000.00); C5 diamond → diamond (3 000 000); C4 new → standard
    # (20 000.25). Every other cell of the 6 × 6 grid (less new → closed) is empty.
    cells = rows(migration(tables, Y2019, Y2020))
    assert len(cells) == 35
    assert cells[0]["from"] == "standard"
    assert cells[0]["to"] == "standard"
    assert cells[-1]["from"] == "new"
    assert cells[-1]["to"] == "private"
    filled = {(c["from"], c["to"]): (c["customers"], c["aum"]) for c in cells if c["customers"]}
    assert filled == {
        ("standard", "gold"): (1, Decimal("70000.50")),
        ("platinum", "gold"): (1, Decimal("450000.00")),
        ("gold", "closed"): (1, Decimal("60000.00")),
        ("diamond", "diamond"): (1, Decimal("3000000.00")),
        ("new", "standard"): (1, Decimal("20000.25")),
    }
    assert all(c["aum"] == 0 for c in cells if not c["customers"])
    # Rates per tier of 2019: standard 1 of 1 up; gold's one customer closed (neither);
    # platinum 1 of 1 down; diamond stays; private is empty (rates undefined → null).
    rates = {r["tier"]: r for r in rows(migration_rates(tables, Y2019, Y2020))}
    assert list(rates) == ["standard", "gold", "platinum", "diamond", "private"]
    assert [(r["customers"], r["upgraded"], r["downgraded"]) for r in rates.values()] == [
        (1, 1, 0),
        (1, 0, 0),
        (1, 0, 1),
        (1, 0, 0),
        (0, 0, 0),
    ]
    assert rates["standard"]["upgrade_rate"] == 1.0
    assert rates["platinum"]["downgrade_rate"] == 1.0
    assert rates["gold"]["upgrade_rate"] == 0.0
    assert rates["private"]["upgrade_rate"] is None


def test_aum_bridge_flows_and_base(tables: Tables) -> None:
    # start = 10 000 + 600 000 + 60 000 + 3 000 000 = 3 670 000.00; new = C4 20 000.25;
    # closed = −C3's 60 000.00; C1 +60 000.50 (increase), C2 −150 000.00 (decrease), C5 0;
    # end = 70 000.50 + 450 000 + 20 000.25 + 3 000 000 = 3 540 000.75.
    (bridge,) = rows(aum_bridge(tables, Y2019, Y2020))
    assert bridge == {
        "start": Decimal("3670000.00"),
        "new": Decimal("20000.25"),
        "closed": Decimal("-60000.00"),
        "increase": Decimal("60000.50"),
        "decrease": Decimal("-150000.00"),
        "end": Decimal("3540000.75"),
    }
    # 2020: opened C4 and C7, closed C3 and C7 (C7 both); 2019: opened C3 and C6, closed C6.
    assert rows(flows(tables, 2020)) == [{"year": 2020, "new": 2, "closed": 2}]
    assert rows(flows(tables, 2019)) == [{"year": 2019, "new": 2, "closed": 1}]
    # base 2019 = {C1 C2 C3 C5} = 4, base 2020 = 4 + 2 − 2 = 4.
    assert rows(base_count(tables, Y2019)) == [{"as_of": Y2019, "customers": 4}]
    assert rows(base_count(tables, Y2020))[0]["customers"] == 4
