"""Structure of the base (tier, age band, gender, customer type, product holding, penetration)
on the hand-made branch of ``handmade.py``; expected figures worked out by hand below."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bankcrm.analytics.base import Tables
from bankcrm.analytics.structure import product_penetration, structure
from tests.analytics.conftest import rows
from tests.analytics.handmade import Y2019, Y2020


@pytest.fixture
def tables(handmade: Tables) -> Tables:
    return handmade


def test_structure_by_tier_lists_every_tier_in_ladder_order(tables: Tables) -> None:
    # 2020-12-31: standard C4 20 000.25; gold C1 70 000.50 + C2 450 000.00 = 520 000.50,
    # mean = median = 260 000.25; diamond C5 3 000 000; platinum and private empty.
    # total AUM 3 540 000.75, base 4.
    got = {r["tier"]: r for r in rows(structure(tables, Y2020, "tier"))}
    assert list(got) == ["standard", "gold", "platinum", "diamond", "private"]
    assert [got[t]["customers"] for t in got] == [1, 2, 0, 1, 0]
    assert got["gold"]["aum"] == Decimal("520000.50")
    assert got["platinum"]["aum"] == Decimal("0.00")
    assert got["gold"]["share"] == pytest.approx(2 / 4)
    assert got["gold"]["aum_share"] == pytest.approx(520000.50 / 3540000.75)
    assert got["gold"]["mean_aum"] == pytest.approx(260000.25)
    assert got["gold"]["median_aum"] == pytest.approx(260000.25)
    assert got["diamond"]["median_aum"] == pytest.approx(3_000_000)
    assert got["private"]["median_aum"] is None


def test_age_band_counts_individuals_by_whole_years(tables: Tables) -> None:
    # 2019-12-31, individuals in the base C1 C2 C3: C1 (1990-06-15) is 29 → 25-34; C2
    # (1955-12-31) turns 2019 - 1955 = 64 that day → 55-64; C3 (1995-01-01) is 24, turning 25
    # the next day → <25. C5 is corporate: left out.
    at_2019 = {r["age_band"]: r["customers"] for r in rows(structure(tables, Y2019, "age_band"))}
    assert at_2019 == {
        "<25": 1,
        "25-34": 1,
        "35-44": 0,
        "45-54": 0,
        "55-64": 1,
        "65+": 0,
        "unknown": 0,
    }
    # 2020-12-31: C1 30 → 25-34; C2 turns 65 that day → 65+; C4 has no birth date → unknown.
    got = rows(structure(tables, Y2020, "age_band"))
    assert [r["customers"] for r in got] == [0, 1, 0, 0, 0, 1, 1]
    assert got[5]["share"] == pytest.approx(1 / 3)  # a third of the 3 individuals
    assert got[5]["aum"] == Decimal("450000.00")


def test_gender_and_customer_type(tables: Tables) -> None:
    # 2020-12-31: F C1; M C2; no gender C4 and C5 (corporate) → unknown.
    got = {r["gender"]: r["customers"] for r in rows(structure(tables, Y2020, "gender"))}
    assert got == {"F": 1, "M": 1, "unknown": 2}
    by_type = {r["customer_type"]: r for r in rows(structure(tables, Y2020, "customer_type"))}
    assert by_type["corporate"]["aum"] == Decimal("3000000.00")
    assert by_type["individual"]["aum"] == Decimal("540000.75")  # 70 000.50 + 450 000 + 20 000.25
    assert by_type["individual"]["share"] == pytest.approx(3 / 4)


def test_product_holding_and_penetration(tables: Tables) -> None:
    # Accounts open at 2020-12-31: C1 demand + time + mortgage + credit card = 4 types; C2
    # demand only (wealth management closed 2020-06-30); C4 and C5 demand → holding 1 ×3, 4 ×1.
    got = {r["product_holding"]: r for r in rows(structure(tables, Y2020, "product_holding"))}
    assert {k: v["customers"] for k, v in got.items()} == {1: 3, 4: 1}
    assert got[4]["aum"] == Decimal("70000.50")
    # 2019-12-31: C1 demand + mortgage + card = 3 (time deposit opens 2020); C2 demand + wealth
    # = 2; C3 and C5 demand = 1.
    at_2019 = rows(structure(tables, Y2019, "product_holding"))
    assert {r["product_holding"]: r["customers"] for r in at_2019} == {1: 2, 2: 1, 3: 1}
    # Penetration at 2020-12-31 over a base of 4; wealth management is in products, held by 0.
    shares = {r["product_type"]: r["share"] for r in rows(product_penetration(tables, Y2020))}
    assert shares == pytest.approx(
        {
            "demand_deposit": 1.0,
            "time_deposit": 0.25,
            "wealth_management": 0.0,
            "mortgage_loan": 0.25,
            "credit_card": 0.25,
        }
    )
