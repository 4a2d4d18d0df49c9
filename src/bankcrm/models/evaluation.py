"""How good a risk or propensity score is: ranking (ROC AUC, PR AUC), the top decile (lift and
capture rate: what a branch gets when it calls the riskiest 10 %), and calibration (Brier score
and observed rate per decile of predicted probability). Plus stratified k-fold cross-validation
for a plain table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

TOP = 0.10  # the top decile
CALIBRATION_BINS = 10


def top_decile(y: npt.ArrayLike, score: npt.ArrayLike, top: float = TOP) -> dict[str, float]:
    """Lift (positive rate in the top ``top`` share by score ÷ overall rate) and capture rate
    (share of all positives found there). Ties at the cut are broken by order, not by luck:
    the ``ceil(top · n)`` highest scores, stable sort."""
    truth = np.asarray(y, dtype=np.float64)
    order = np.argsort(-np.asarray(score, dtype=np.float64), kind="stable")
    count = int(np.ceil(top * len(truth)))
    found = truth[order[:count]].sum()
    total = truth.sum()
    rate = total / len(truth)
    return {
        "top_decile_lift": float(found / count / rate) if rate > 0 else float("nan"),
        "top_decile_capture": float(found / total) if total > 0 else float("nan"),
    }


def calibration(y: npt.ArrayLike, score: npt.ArrayLike) -> list[dict[str, float]]:
    """Per decile of predicted probability: rows, mean predicted, observed positive rate."""
    frame = pd.DataFrame({"y": np.asarray(y, float), "p": np.asarray(score, float)})
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), CALIBRATION_BINS, labels=False)
    grouped = frame.groupby("bin").agg(
        rows=("y", "size"), predicted=("p", "mean"), observed=("y", "mean")
    )
    return [
        {"rows": int(r.rows), "predicted": float(r.predicted), "observed": float(r.observed)}
        for r in grouped.itertuples()
    ]


def binary_metrics(y: npt.ArrayLike, score: npt.ArrayLike) -> dict[str, Any]:
    """Every metric above for one labelled, scored set (needs both classes present)."""
    truth = np.asarray(y)
    if len(np.unique(truth)) < 2:
        raise ValueError("the evaluation set has only one class: metrics need both")
    return {
        "roc_auc": float(roc_auc_score(truth, score)),
        "pr_auc": float(average_precision_score(truth, score)),
        **top_decile(truth, score),
        "brier": float(brier_score_loss(truth, score)),
        "base_rate": float(truth.mean()),
        "rows": len(truth),
        "calibration": calibration(truth, score),
    }


def cross_validate(
    x: pd.DataFrame,
    y: pd.Series,
    make_model: Callable[[int], ClassifierMixin],
    folds: int = 5,
    seed: int = 0,
) -> dict[str, Any]:
    """Stratified ``folds``-fold cross-validation (shuffled with ``seed``): mean and standard
    deviation of ROC AUC and PR AUC over the folds, and the top decile of the pooled
    out-of-fold scores."""
    if y.value_counts().min() < folds:
        raise ValueError(f"the label needs at least {folds} rows of each class for {folds} folds")
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    scores = np.zeros(len(y))
    aucs, praucs = [], []
    for train, test in splitter.split(x, y):
        model = make_model(seed).fit(x.iloc[train], y.iloc[train])
        scores[test] = model.predict_proba(x.iloc[test])[:, 1]
        aucs.append(roc_auc_score(y.iloc[test], scores[test]))
        praucs.append(average_precision_score(y.iloc[test], scores[test]))
    return {
        "roc_auc": round(float(np.mean(aucs)), 4),
        "roc_auc_std": round(float(np.std(aucs)), 4),
        "pr_auc": round(float(np.mean(praucs)), 4),
        "pr_auc_std": round(float(np.std(praucs)), 4),
        **{k: round(v, 4) for k, v in top_decile(y, scores).items()},
        "folds": folds,
        "rows": len(y),
        "positives": int(y.sum()),
    }
