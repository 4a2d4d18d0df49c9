"""Churn early warning: the label's edge cases by hand, the metrics by hand, the Chinese
reasons, out-of-time validation on the synthetic branch and the trainer on real bank data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankcrm.models import churn
from bankcrm.models.evaluation import binary_metrics, cross_validate, top_decile
from bankcrm.models.features import SnapshotFeatures
from bankcrm.models.gbm import CHURN, gbm, sample_negatives, unsample
from bankcrm.models.labels import churn_labels
from bankcrm.models.plain import prepare, read_table
from bankcrm.models.reasons import phrases, top_reasons
from tests.models.conftest import D


def test_label_edge_cases(handmade_features: SnapshotFeatures) -> None:
    labels = churn_labels(handmade_features.tables, D).to_dict()
    assert labels == {
        "K1": 1,  # 110 000 → 5 000 at d+3: below 10 %
        "K2": 0,  # grows
        "K3": 0,  # exactly 10 % is not below 10 %
        "K4": 1,  # closed on 2020-12-31, the last day of the horizon
        "K5": 0,  # closed on 2021-01-01, after the horizon
        "K6": 0,  # under the 50 000 floor
        "K7": 1,  # 60 000 → 5 999.99: just below 10 %
    }


def test_label_needs_the_whole_horizon(handmade_features: SnapshotFeatures) -> None:
    with pytest.raises(ValueError, match=r"labels need balances up to 2021-03-31"):
        churn_labels(handmade_features.tables, date(2020, 9, 30))


def test_top_decile_by_hand() -> None:
    # 20 customers, 4 churners; the top 2 by score hold 2 of them.
    y = np.zeros(20, dtype=int)
    y[[0, 5, 10, 15]] = 1
    score = np.linspace(1, 0, 20)
    score[5] = 0.99  # second highest
    found = top_decile(y, score)
    assert found["top_decile_capture"] == pytest.approx(2 / 4)
    assert found["top_decile_lift"] == pytest.approx((2 / 2) / (4 / 20))


def test_metrics_of_a_perfect_and_a_reversed_score() -> None:
    y = np.array([0, 0, 0, 1, 1] * 4)
    perfect = binary_metrics(y, y * 0.9 + 0.05)
    assert perfect["roc_auc"] == 1.0
    assert perfect["pr_auc"] == 1.0
    assert binary_metrics(y, 1 - y)["roc_auc"] == 0.0
    assert [b["observed"] for b in perfect["calibration"]][-1] == 1.0


def test_phrases_in_chinese() -> None:
    assert list(phrases("aum_change_3m", np.array([-0.42, 0.1]))) == [
        "近3个月资产下降42%",
        "近3个月资产上升10%",
    ]
    assert phrases("aum", np.array([1_234_567.0]))[0] == "资产规模123.46万元"
    assert phrases("days_since_txn", np.array([366.0]))[0] == "近12个月无主动交易"
    assert phrases("holds_wealth_management", np.array([0.0]))[0] == "未持有理财"
    assert phrases("tier_rank", np.array([2.0]))[0] == "白金客户"
    assert phrases("age", np.array([np.nan]))[0] == "年龄：无数据"
    assert phrases("aum_change_12m", np.array([np.nan]))[0] == "12个月前尚无资产"


def test_top_reasons_keep_only_what_raises_the_score() -> None:
    x = pd.DataFrame({"age": [70.0, 30.0], "has_rm": [0.0, 1.0]}, index=["a", "b"])
    contrib = pd.DataFrame({"age": [0.05, -0.01], "has_rm": [0.10, -0.02]}, index=x.index)
    reasons = top_reasons(contrib, x)
    assert reasons["a"] == "无管户客户经理；70岁"  # largest contribution first
    assert reasons["b"] == ""  # nothing raises b's risk


def test_out_of_time_on_the_synthetic_branch(synthetic: SnapshotFeatures) -> None:
    """Train on 2018 snapshots (outcomes known by 2018-12-31), test on 2019-06-30, when the
    scenario's high-value attrition runs. The synthetic churn is mostly a constant closure
    hazard, so the ranking is modest; the top decile must still catch well over its 10 %."""
    result = churn.validate_out_of_time(synthetic, date(2019, 6, 30), max_iter=150)
    assert result["train_snapshots"] == ["2018-03-31", "2018-06-30", "2018-09-30", "2018-12-31"]
    assert result["roc_auc"] > 0.56
    assert result["top_decile_capture"] > 0.17  # chance is 0.10
    assert result["rows"] == len(synthetic.at(date(2019, 6, 30)))


def test_scores_and_reasons_for_the_riskiest(synthetic: SnapshotFeatures) -> None:
    model = churn.fit(synthetic, churn.snapshots_before(date(2019, 12, 31)), max_iter=80)
    x = synthetic.at(date(2020, 6, 30))
    scored = churn.score_at(model, x, explain_share=0.1)
    assert scored.index.equals(x.index)
    assert scored["churn_score"].between(0, 1).all()
    top = scored.nlargest(20, "churn_score")
    assert (top["churn_reasons"] != "").all()
    assert top["churn_reasons"].str.contains("[\u4e00-\u9fff]").all()  # Chinese
    assert (scored.nsmallest(100, "churn_score")["churn_reasons"] == "").all()


def test_trainer_on_churn_modelling(shared_data: Path) -> None:
    """The real Kaggle bank-churn table: a quick 3-fold run must clear 0.85 ROC AUC (the full
    5-fold figure, 0.869, is in docs/models-churn-segments-nbp.md)."""
    frame = read_table(shared_data / "churn-modelling" / "Churn_Modelling.csv")
    x, y, ignored = prepare(frame, "Exited", "CustomerId", ["RowNumber"])
    assert ignored == ["Surname"]  # 2 932 distinct surnames: an identifier, not a feature
    result = cross_validate(x, y, lambda seed: gbm(seed, CHURN, max_iter=250), folds=3)
    assert result["roc_auc"] > 0.85
    assert result["folds"] == 3
    assert result["positives"] == 2037  # SOURCE.txt: Exited = 1 for 2 037 rows


def test_sampled_negatives_and_the_prior_correction() -> None:
    """1 000 positives and 99 000 negatives cut to about 10 000 rows: every positive kept;
    a rate of 1 000 / 10 000 in the sample is 1 % on the full data again after ``unsample``."""
    y = np.r_[np.ones(1_000, dtype=np.int64), np.zeros(99_000, dtype=np.int64)]
    keep, share = sample_negatives(y, 10_000, seed=0)
    assert share == pytest.approx(9_000 / 99_000)
    assert y[keep].sum() == 1_000
    assert 9_500 < keep.sum() < 10_500
    sampled_rate = y[keep].mean()
    # By hand: odds 1/9 in the sample × share 9 000/99 000 = 1/99, i.e. probability 1 %.
    assert unsample(np.array([sampled_rate]), share)[0] == pytest.approx(0.01, rel=0.05)
    assert unsample(np.array([0.3]), 1.0)[0] == 0.3  # nothing dropped, nothing changed
    everything, whole = sample_negatives(y[:5_000], 10_000, seed=0)
    assert everything.all()
    assert whole == 1.0
