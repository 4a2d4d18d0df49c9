"""Segmentation: k chosen by silhouette on data with known clusters, reproducible with a seed,
named from dominant traits, profiled; and on the synthetic branch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from bankcrm.models import segments
from bankcrm.models.features import SnapshotFeatures
from tests.models.conftest import D

GROUP = 150


def _group(rng: np.random.Generator, **values: float) -> pd.DataFrame:
    """``GROUP`` customers around the given feature values (small noise)."""
    frame = {k: np.abs(v + rng.normal(0, 0.05 * (abs(v) + 1), GROUP)) for k, v in values.items()}
    return pd.DataFrame(frame)


def _three_groups() -> tuple[pd.DataFrame, np.ndarray]:
    """Rich multi-product elders at the counter; young mobile users with third-party outflow;
    dormant small savers."""
    rng = np.random.default_rng(3)
    common = {"txn_atm_3m": 0.0}
    rich = _group(rng, aum=2_000_000, product_count=5, txn_count_3m=20, txn_mobile_banking_3m=1,
                  txn_counter_3m=15, third_party_share_12m=0.05, age=68, tenure_months=240,
                  **common)  # fmt: skip
    young = _group(rng, aum=20_000, product_count=2, txn_count_3m=30, txn_mobile_banking_3m=25,
                   txn_counter_3m=1, third_party_share_12m=0.8, age=26, tenure_months=24,
                   **common)  # fmt: skip
    dormant = _group(rng, aum=3_000, product_count=1, txn_count_3m=0, txn_mobile_banking_3m=0,
                     txn_counter_3m=0, third_party_share_12m=0.0, age=50, tenure_months=120,
                     **common)  # fmt: skip
    x = pd.concat([rich, young, dormant], ignore_index=True)
    x["product_count"] = x["product_count"].round()
    x["txn_count_3m"] = x["txn_count_3m"].round()
    x["txn_mobile_banking_3m"] = np.minimum(x["txn_mobile_banking_3m"].round(), x["txn_count_3m"])
    x["txn_counter_3m"] = np.minimum(x["txn_counter_3m"].round(), x["txn_count_3m"])
    x["third_party_share_12m"] = x["third_party_share_12m"].clip(0, 1)
    truth = np.repeat([0, 1, 2], GROUP)
    return x.set_axis([f"C{i}" for i in range(len(x))]), truth


def test_k_by_silhouette_finds_the_known_clusters() -> None:
    x, truth = _three_groups()
    model = segments.fit(x, k_range=(2, 6), seed=0)
    assert model.k == 3
    assert max(model.silhouettes, key=lambda k: model.silhouettes[k]) == 3
    assert adjusted_rand_score(truth, model.assign(x)) == pytest.approx(1.0)


def test_names_from_dominant_traits() -> None:
    x, truth = _three_groups()
    model = segments.fit(x, k_range=(3, 3), seed=0)
    label = model.assign(x).to_numpy()
    rich, young, dormant = (model.names[label[truth == g][0]] for g in range(3))
    assert "高资产" in rich or "多产品" in rich or "年长" in rich
    assert "年轻" in young or "手机银行偏好" in young or "第三方支付外流" in young
    assert "低活跃" in dormant or "少到柜面" in dormant or "低资产" in dormant
    assert len(set(model.names)) == 3
    assert all(name.endswith(("客群", "客群2", "客群3")) for name in model.names)


def test_profiles_add_up() -> None:
    x, _ = _three_groups()
    model = segments.fit(x, k_range=(3, 3), seed=0)
    assert sum(p["customers"] for p in model.profiles) == len(x)
    assert sum(p["share"] for p in model.profiles) == pytest.approx(1.0, abs=1e-3)
    richest = max(model.profiles, key=lambda p: p["aum_mean"])
    assert richest["customers"] == GROUP
    assert richest["aum_median"] == pytest.approx(2_000_000, rel=0.1)


def test_reproducible_with_a_seed(synthetic: SnapshotFeatures) -> None:
    x = synthetic.at(D)
    first, second = segments.fit(x, seed=7), segments.fit(x, seed=7)
    assert first.k == second.k
    assert first.silhouettes == second.silhouettes
    assert first.names == second.names
    assert first.assign(x).equals(second.assign(x))
    assert segments.K_RANGE[0] <= first.k <= segments.K_RANGE[1]


def test_too_few_customers_is_a_clear_error() -> None:
    x, _ = _three_groups()
    with pytest.raises(ValueError, match="too few distinct customers"):
        segments.fit(x.iloc[:3], k_range=(3, 4))
