"""Churn early warning (流失预警): the probability that a customer churns (labels.py) within six
months of a snapshot, with the top reasons in Chinese.

Validation is out of time, the way the model is used: train on snapshots whose six-month
outcome was fully known before the test snapshot, test on that later snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from bankcrm.models.evaluation import binary_metrics
from bankcrm.models.features import SnapshotFeatures, month_end
from bankcrm.models.gbm import CHURN, gbm, sample_negatives, unsample
from bankcrm.models.labels import CHURN_HORIZON, churn_labels, last_month_end
from bankcrm.models.reasons import contributions, reference, top_reasons

SNAPSHOTS = 4  # training snapshots per fit
STEP = 3  # months between training snapshots
MAX_ROWS = 100_000  # training rows: every churner, a weighted sample of the others
EXPLAIN_SHARE = 0.2  # reasons for the riskiest fifth: the customers an RM will call


@dataclass
class ChurnModel:
    """A fitted churn model: the classifier, its features, the reference customer of the
    reasons, the snapshots it was trained on and its validation metrics."""

    classifier: HistGradientBoostingClassifier
    features: list[str]
    reference: pd.Series
    snapshots: list[date]
    negative_share: float = 1.0  # of the non-churners kept for training (gbm.unsample)
    metrics: dict[str, Any] = field(default_factory=dict)

    def probability(self, x: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Churn probability on the full population, per row of ``x`` (model features only)."""
        return unsample(self.classifier.predict_proba(x)[:, 1], self.negative_share)

    def score(self, x: pd.DataFrame) -> pd.Series:
        """Churn probability per row of a feature table."""
        p = self.probability(x[self.features])
        return pd.Series(p, index=x.index, name="churn_score")

    def explain(self, x: pd.DataFrame) -> pd.Series:
        """The top reasons (Chinese) for each row; see reasons.py."""
        frame = x[self.features]
        return top_reasons(contributions(self.probability, frame, self.reference), frame)


def snapshots_before(end: date, count: int = SNAPSHOTS, step: int = STEP) -> list[date]:
    """``count`` month-ends ``step`` months apart, the last one ``end``, ascending."""
    return [month_end(end, -step * k) for k in reversed(range(count))]


def dataset(features: SnapshotFeatures, snapshots: list[date]) -> tuple[pd.DataFrame, pd.Series]:
    """Features and churn labels of several snapshots stacked (index: as_of, customer_id)."""
    xs, ys = [], []
    for d in snapshots:
        x, y = features.at(d), churn_labels(features.tables, d)
        if x.empty:
            raise ValueError(f"snapshot {d}: no customers in the base (is the month loaded?)")
        xs.append(x)
        ys.append(y.reindex(x.index))
    return pd.concat(xs, keys=snapshots, names=["as_of"]), pd.concat(
        ys, keys=snapshots, names=["as_of"]
    )


def fit(
    features: SnapshotFeatures, snapshots: list[date], seed: int = 0, max_iter: int | None = None
) -> ChurnModel:
    """Train on the stacked ``snapshots`` (each needs six months of outcome in the warehouse)."""
    x, y = dataset(features, snapshots)
    if y.nunique() < 2:
        raise ValueError(f"no churn (or only churn) in the snapshots {snapshots}: cannot train")
    keep, share = sample_negatives(y.to_numpy(), MAX_ROWS, seed)
    x, y = x[keep], y[keep]
    x = x[[c for c in x.columns if x[c].notna().any()]]  # e.g. a trend with no history yet
    classifier = gbm(seed, CHURN, max_iter).fit(x, y)
    return ChurnModel(classifier, list(x.columns), reference(x), snapshots, share)


def last_labelled(features: SnapshotFeatures, as_of: date | None = None) -> date:
    """The newest snapshot whose six-month outcome is known at ``as_of`` (default: the end of
    the warehouse)."""
    end = as_of or last_month_end(features.tables)
    return month_end(end, -CHURN_HORIZON)


def validate_out_of_time(
    features: SnapshotFeatures, test: date, seed: int = 0, max_iter: int | None = None
) -> dict[str, Any]:
    """Train on the snapshots whose outcome window ends by ``test``; metrics on ``test``."""
    train = features.available(snapshots_before(month_end(test, -CHURN_HORIZON)))
    model = fit(features, train, seed, max_iter)
    x = features.at(test)
    y = churn_labels(features.tables, test).reindex(x.index)
    metrics = binary_metrics(y, model.score(x))
    return {
        "test_snapshot": test.isoformat(),
        "train_snapshots": [d.isoformat() for d in train],
    } | metrics


def fit_for(
    features: SnapshotFeatures, as_of: date, seed: int = 0, max_iter: int | None = None
) -> ChurnModel:
    """The model to score at ``as_of``: trained on the newest labelled snapshots, with the
    out-of-time metrics of the same recipe one horizon earlier."""
    newest = last_labelled(features, as_of)
    metrics = validate_out_of_time(features, newest, seed, max_iter)
    model = fit(features, features.available(snapshots_before(newest)), seed, max_iter)
    model.metrics = metrics
    return model


def score_at(
    model: ChurnModel, x: pd.DataFrame, explain_share: float = EXPLAIN_SHARE
) -> pd.DataFrame:
    """churn_score for every row and churn_reasons for the riskiest ``explain_share``."""
    scores = model.score(x)
    out = scores.to_frame()
    out["churn_reasons"] = ""
    cut = scores.quantile(1 - explain_share) if len(scores) else 0.0
    risky = scores >= cut
    if risky.any():
        out.loc[risky, "churn_reasons"] = model.explain(x[risky])
    return out
