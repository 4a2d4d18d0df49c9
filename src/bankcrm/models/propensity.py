"""Next-best-product (下一最佳产品): for each product type a customer does not hold, the
probability of taking it up (labels.py) within three months of a snapshot; the top two
recommendations with their reasons.

One classifier per product type, trained on the customers who did not hold it. A product type
with too few take-ups to learn from (fewer than ``MIN_TAKEUPS`` in training) falls back to its
take-up rate among non-holders. Evaluation is out of time against the popularity baseline (the
two products most often taken up in training, among those the customer does not hold).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from bankcrm.domain.enums import LABELS_ZH
from bankcrm.models.features import PRODUCT_TYPES, SnapshotFeatures, month_end
from bankcrm.models.gbm import PROPENSITY, gbm, sample_negatives, unsample
from bankcrm.models.labels import TAKEUP_HORIZON, last_month_end, takeup_labels

SNAPSHOTS = 4
STEP = 3
MIN_TAKEUPS = 20
MAX_ROWS = 50_000  # training rows per product: every take-up, a weighted sample of the rest
TOP = 2


@dataclass
class PropensityModel:
    """Per product type: a classifier or, with too few take-ups, a constant rate."""

    classifiers: dict[str, HistGradientBoostingClassifier]
    rates: dict[str, float]  # take-up rate among non-holders in training, every product type
    features: list[str]
    snapshots: list[date]
    negative_shares: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, x: pd.DataFrame) -> pd.DataFrame:
        """Take-up probability per customer (rows) and product type (columns); NaN where the
        customer already holds the type."""
        out = pd.DataFrame(index=x.index, columns=list(PRODUCT_TYPES), dtype=np.float64)
        for product in PRODUCT_TYPES:
            model = self.classifiers.get(product)
            if model is None:
                out[product] = self.rates[product]
            else:
                p = model.predict_proba(x[self.features])[:, 1]
                out[product] = unsample(p, self.negative_shares[product])
        held = x[[f"holds_{p}" for p in PRODUCT_TYPES]].to_numpy() == 1
        return out.mask(held)


def _stack(features: SnapshotFeatures, snapshots: list[date]) -> tuple[pd.DataFrame, pd.DataFrame]:
    xs, ys = [], []
    for d in snapshots:
        x = features.at(d)
        xs.append(x)
        ys.append(takeup_labels(features.tables, d, TAKEUP_HORIZON).reindex(x.index))
    return pd.concat(xs, keys=snapshots), pd.concat(ys, keys=snapshots)


def fit(
    features: SnapshotFeatures, snapshots: list[date], seed: int = 0, max_iter: int | None = None
) -> PropensityModel:
    """Train the per-product models on the stacked ``snapshots``."""
    x, y = _stack(features, snapshots)
    x = x[[c for c in x.columns if x[c].notna().any()]]
    classifiers: dict[str, HistGradientBoostingClassifier] = {}
    rates: dict[str, float] = {}
    shares: dict[str, float] = {}  # of the non-takers kept for training (gbm.unsample)
    for product in PRODUCT_TYPES:  # twelve product types, each fit over all customers
        eligible = (x[f"holds_{product}"] == 0).to_numpy()
        taken = y[product].to_numpy()[eligible]
        rates[product] = float(taken.mean()) if len(taken) else 0.0
        if taken.sum() < MIN_TAKEUPS or taken.sum() == len(taken):
            continue
        keep, shares[product] = sample_negatives(taken, MAX_ROWS, seed)
        model = gbm(seed, PROPENSITY, max_iter)
        classifiers[product] = model.fit(x[eligible][keep], taken[keep])
    return PropensityModel(classifiers, rates, list(x.columns), snapshots, shares)


def top_products(prob: pd.DataFrame, top: int = TOP) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The ``top`` product types by probability per row (held ones never) and their
    probabilities; "" and NaN when fewer are left."""
    values = prob.fillna(-1.0).to_numpy()
    order = np.argsort(-values, axis=1, kind="stable")[:, :top]
    chosen = np.take_along_axis(values, order, axis=1)
    names = np.asarray(prob.columns)[order]
    return np.where(chosen >= 0, names, ""), np.where(chosen >= 0, chosen, np.nan)


def hit_rate(recommended: npt.NDArray[Any], taken: pd.DataFrame) -> float:
    """Share of the customers who took up at least one product not held before for whom one
    of the recommendations was such a product (hit rate at ``TOP``)."""
    columns = {p: i for i, p in enumerate(taken.columns)}
    takers = taken.to_numpy().sum(axis=1) > 0
    hits = np.zeros(len(taken), dtype=bool)
    for k in range(recommended.shape[1]):
        for product, i in columns.items():  # per product type, over all customers
            hits |= (recommended[:, k] == product) & (taken.to_numpy()[:, i] == 1)
    return float(hits[takers].mean()) if takers.any() else float("nan")


def popularity(model: PropensityModel, x: pd.DataFrame) -> pd.DataFrame:
    """The baseline: every customer gets the training take-up rates; held types excluded."""
    rates = pd.DataFrame([model.rates] * len(x), index=x.index)[list(PRODUCT_TYPES)]
    held = x[[f"holds_{p}" for p in PRODUCT_TYPES]].to_numpy() == 1
    return rates.mask(held)


def validate_out_of_time(
    features: SnapshotFeatures, test: date, seed: int = 0, max_iter: int | None = None
) -> dict[str, Any]:
    """Train on snapshots whose take-up window ends by ``test``; hit rate at 2 on ``test`` for
    the model and for the popularity baseline."""
    train = [month_end(test, -TAKEUP_HORIZON - STEP * k) for k in reversed(range(SNAPSHOTS))]
    train = features.available(train)
    model = fit(features, train, seed, max_iter)
    x = features.at(test)
    held = x[[f"holds_{p}" for p in PRODUCT_TYPES]].to_numpy() == 1
    taken = takeup_labels(features.tables, test).reindex(x.index).mask(held, 0)
    ours, _ = top_products(model.probabilities(x))
    baseline, _ = top_products(popularity(model, x))
    return {
        "test_snapshot": test.isoformat(),
        "train_snapshots": [d.isoformat() for d in train],
        "customers_taking_up": int((taken.sum(axis=1) > 0).sum()),
        "hit_rate_at_2": hit_rate(ours, taken),
        "popularity_hit_rate_at_2": hit_rate(baseline, taken),
        "modelled_products": sorted(model.classifiers),
    }


def fit_for(
    features: SnapshotFeatures, as_of: date, seed: int = 0, max_iter: int | None = None
) -> PropensityModel:
    """The model to score at ``as_of`` (newest labelled snapshots), with the out-of-time
    evaluation of the same recipe one horizon earlier."""
    newest = month_end(as_of or last_month_end(features.tables), -TAKEUP_HORIZON)
    metrics = validate_out_of_time(features, newest, seed, max_iter)
    snapshots = [month_end(newest, -STEP * k) for k in reversed(range(SNAPSHOTS))]
    model = fit(features, features.available(snapshots), seed, max_iter)
    model.metrics = metrics
    return model


def _reasons(products: npt.NDArray[Any], x: pd.DataFrame, peers: pd.DataFrame) -> npt.NDArray[Any]:
    """Why a product is recommended: how many customers of the same tier hold it, and a
    maturity coming up for investment products (money about to be free to reinvest)."""
    tier = x["tier_rank"].to_numpy()
    text = np.full(len(x), "", dtype=object)
    maturing = x["maturing_3m"].to_numpy() > 0
    for product in PRODUCT_TYPES:  # per product type, over all customers
        hit = products == product
        if not hit.any():
            continue
        share = peers[product].reindex(tier[hit]).to_numpy()
        phrase = np.char.add(
            np.char.add("同层级客户", np.char.mod("%.0f%%", share * 100)),
            f"持有{LABELS_ZH[product]}",
        )
        if product in ("time_deposit", "large_cd", "wealth_management", "fund", "bond"):
            phrase = np.where(maturing[hit], np.char.add(phrase, "；3个月内有资金到期"), phrase)
        text[hit] = phrase
    return text


def recommend(model: PropensityModel, x: pd.DataFrame) -> pd.DataFrame:
    """Top-2 product types per customer with probabilities and reasons (Chinese)."""
    names, probs = top_products(model.probabilities(x))
    holds = x[[f"holds_{p}" for p in PRODUCT_TYPES]].set_axis(list(PRODUCT_TYPES), axis=1)
    peers = holds.groupby(x["tier_rank"].to_numpy()).mean()
    out = pd.DataFrame(index=x.index)
    for k in range(TOP):
        out[f"nbp_{k + 1}"] = names[:, k]
        out[f"nbp_{k + 1}_probability"] = probs[:, k]
        out[f"nbp_{k + 1}_reason"] = _reasons(names[:, k], x, peers)
    return out
