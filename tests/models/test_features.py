"""Features at a snapshot on the hand-made warehouse (conftest.HANDMADE), each expected value
worked out by hand from the rows there."""

from __future__ import annotations

import math
from datetime import date

import pytest

from bankcrm.models.features import FEATURE_LABELS, SnapshotFeatures, month_end
from tests.models.conftest import D


def test_month_end_arithmetic() -> None:
    assert month_end(date(2020, 6, 30), 6) == date(2020, 12, 31)
    assert month_end(date(2020, 8, 31), -6) == date(2020, 2, 29)  # leap year
    assert month_end(date(2021, 1, 31), -1) == date(2020, 12, 31)


def test_base_at_snapshot(handmade_features: SnapshotFeatures) -> None:
    x = handmade_features.at(D)
    # Everyone was opened by d and none closed by d.
    assert list(x.index) == ["K1", "K2", "K3", "K4", "K5", "K6", "K7"]
    assert set(x.columns) <= set(FEATURE_LABELS)
    assert "days_since_contact" not in x.columns  # no contact log in the warehouse yet


def test_individual_features_by_hand(handmade_features: SnapshotFeatures) -> None:
    k1 = handmade_features.at(D).loc["K1"]
    assert k1["aum"] == 110_000.0
    assert k1["aum_change_3m"] == pytest.approx((110_000 - 130_000) / 130_000)
    assert k1["aum_change_6m"] == pytest.approx((110_000 - 150_000) / 150_000)
    assert k1["aum_change_12m"] == pytest.approx((110_000 - 150_000) / 150_000)
    assert k1["tier_rank"] == 1  # gold: 50 000 ≤ 110 000 < 500 000
    assert k1["age"] == 39  # born 1980-07-01, birthday not yet reached on 2020-06-30
    assert k1["tenure_months"] == 65  # 2015-01 → 2020-06
    assert k1["is_corporate"] == 0
    # T1 (mobile) and T2 (counter) are initiated in the 3 months; T3 is not initiated.
    assert k1["txn_count_3m"] == 2
    assert k1["txn_mobile_banking_3m"] == 1
    assert k1["txn_counter_3m"] == 1
    assert k1["txn_atm_3m"] == 0
    assert k1["inflow_3m"] == 2_000.0
    assert k1["outflow_3m"] == 4_000.0
    assert k1["outflow_12m"] == 10_000.0  # T5 is before the 12-month window
    assert k1["third_party_share_12m"] == pytest.approx(7_000 / 10_000)
    assert k1["days_since_txn"] == 20  # 2020-06-10 → 2020-06-30
    assert k1["product_count"] == 3
    assert (k1["holds_demand_deposit"], k1["holds_time_deposit"], k1["holds_credit_card"]) == (
        1,
        1,
        1,
    )
    assert k1["holds_wealth_management"] == 0
    assert k1["maturing_3m"] == 50_000.0  # the time deposit matures 2020-08-31
    assert k1["mobile_enrolled"] == 1
    assert k1["has_rm"] == 1


def test_corporate_without_history(handmade_features: SnapshotFeatures) -> None:
    k2 = handmade_features.at(D).loc["K2"]
    assert k2["aum"] == 40_000.0
    assert k2["aum_change_3m"] == pytest.approx(1.0)  # 20 000 → 40 000
    assert math.isnan(k2["aum_change_6m"])  # not in the base at 2019-12-31
    assert math.isnan(k2["age"])  # corporate
    assert k2["is_corporate"] == 1
    assert k2["tenure_months"] == 5
    assert k2["txn_count_3m"] == 0
    assert k2["days_since_txn"] == 366  # no transaction in twelve months
    assert k2["third_party_share_12m"] == 0.0
    assert (k2["product_count"], k2["maturing_3m"], k2["mobile_enrolled"], k2["has_rm"]) == (
        1,
        0.0,
        0,
        0,
    )


def test_training_needs_loaded_snapshots(handmade_features: SnapshotFeatures) -> None:
    with pytest.raises(ValueError, match="the warehouse starts at 2019-06-30"):
        handmade_features.available([date(2018, 12, 31)])
    assert handmade_features.available([date(2018, 12, 31), D]) == [D]
