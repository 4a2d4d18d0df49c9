"""The one gradient-boosting configuration that churn, propensity and the plain-table check
share, so the figure measured on real data is the figure of the model that scores customers.

scikit-learn's HistGradientBoosting, not LightGBM: on churn-modelling (5-fold ROC AUC) this
configuration scores 0.869 against 0.861 for the library defaults, and STACK.md measured the
two libraries within 0.0001 AUC of each other at 200k rows; one dependency fewer wins.
Slow learning with shallow trees generalises better on the small, noisy tables banks have.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

Params = dict[str, float | int | bool]
CHURN: Params = {
    "learning_rate": 0.02,
    "max_iter": 500,
    "max_depth": 4,
    "min_samples_leaf": 30,
    "l2_regularization": 1.0,
    "early_stopping": False,
}
# Propensity fits one model per product type: fewer, faster-learning trees keep the twelve
# fits affordable (5-fold ROC AUC on UCI bank marketing: see docs/models-churn-segments-nbp.md).
PROPENSITY: Params = CHURN | {"learning_rate": 0.06, "max_iter": 200}


def gbm(
    seed: int = 0, params: Params = CHURN, max_iter: int | None = None
) -> HistGradientBoostingClassifier:
    """A fresh classifier with ``params``; ``max_iter`` lowers the trees for quick checks.
    Pandas ``category`` columns are treated as categorical features."""
    params = dict(params)
    if max_iter is not None:
        params["max_iter"] = max_iter
    return HistGradientBoostingClassifier(
        random_state=seed,
        categorical_features="from_dtype",
        **params,
    )


@contextmanager
def model_threads(count: int | None = None) -> Iterator[None]:
    """Limit OpenMP to ``count`` threads (default ``BANKCRM_MODEL_THREADS``, else 1) while
    models fit and predict. Measured on the 2-core build machine shared with other jobs: a
    500-tree fit takes 2.7 s on one thread and 40 s on two, which spin-wait for each other."""
    limit = count or int(os.environ.get("BANKCRM_MODEL_THREADS", "1"))
    with threadpool_limits(limits=limit, user_api="openmp"):
        yield


def sample_negatives(
    y: npt.NDArray[np.int64], max_rows: int, seed: int
) -> tuple[npt.NDArray[np.bool_], float]:
    """Rows to train on: every positive and a random ``share`` of the negatives, about
    ``max_rows`` in all; returns the mask and the share (1.0 when nothing is dropped).

    Sample weights would keep the probabilities right too, but make scikit-learn 1.9 bin with
    weighted percentiles: 105 of 168 s of a propensity fit. ``unsample`` corrects instead."""
    positives = int((y == 1).sum())
    negatives = len(y) - positives
    share = 1.0 if negatives == 0 else min(1.0, max(max_rows - positives, 1) / negatives)
    keep = (y == 1) | (np.random.default_rng(seed).random(len(y)) < share)
    return keep, share


def unsample(p: npt.NDArray[np.float64], share: float) -> npt.NDArray[np.float64]:
    """The probability on the full data from one fitted with only ``share`` of the negatives:
    the odds scale by ``share`` (prior correction), so the probabilities stay comparable
    across products sampled at different rates and churn is shown as a true probability."""
    result: npt.NDArray[np.float64] = p * share / (p * share + 1.0 - p)
    return result
