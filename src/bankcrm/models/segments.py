"""Behavioural segments (客群细分): k-means on standardised behavioural features, k chosen by
silhouette within a range, reproducible with a seed; each segment profiled and named in
Chinese from its dominant traits.

MiniBatchKMeans above ``MINIBATCH_FROM`` customers (full k-means is quadratic in practice at a
million rows); the silhouette is computed on a fixed-seed sample, since it is O(n²).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import silhouette_score

K_RANGE = (3, 8)
MINIBATCH_FROM = 50_000
SILHOUETTE_SAMPLE = 5_000
MIN_TRAIT_Z = 0.3  # a trait names a segment when its mean is this many SDs from the base

# Behavioural features: log amounts (heavy tails would otherwise make one cluster of the rich).
BEHAVIOUR = (
    "log_aum",
    "product_count",
    "txn_count_3m",
    "mobile_share",
    "counter_share",
    "third_party_share_12m",
    "age",
    "tenure_months",
)
# Trait → (Chinese word when high, when low), in order of precedence when naming.
TRAITS: dict[str, tuple[str, str]] = {
    "log_aum": ("高资产", "低资产"),
    "product_count": ("多产品", "单一产品"),
    "txn_count_3m": ("高活跃", "低活跃"),
    "mobile_share": ("手机银行偏好", "少用手机银行"),
    "counter_share": ("柜面偏好", "少到柜面"),
    "third_party_share_12m": ("第三方支付外流", "资金留存"),
    "age": ("年长", "年轻"),
    "tenure_months": ("老客户", "新客户"),
}


def behaviour(x: pd.DataFrame) -> pd.DataFrame:
    """The behavioural features from a customer feature table (features.py); missing ages
    (corporate customers) take the median."""
    txns = x["txn_count_3m"].where(x["txn_count_3m"] > 0)
    frame = pd.DataFrame(
        {
            "log_aum": np.log10(x["aum"].clip(lower=0) + 1),
            "product_count": x["product_count"],
            "txn_count_3m": np.log1p(x["txn_count_3m"]),
            "mobile_share": (x["txn_mobile_banking_3m"] / txns).fillna(0.0),
            "counter_share": (x["txn_counter_3m"] / txns).fillna(0.0),
            "third_party_share_12m": x["third_party_share_12m"],
            "age": x["age"].fillna(x["age"].median()),
            "tenure_months": x["tenure_months"],
        },
        index=x.index,
    )
    return frame.fillna(0.0)


@dataclass
class SegmentModel:
    """Fitted segmentation: scaling, centres, chosen k, silhouettes tried, names, profiles."""

    mean: pd.Series
    scale: pd.Series
    clusterer: KMeans | MiniBatchKMeans
    k: int
    silhouettes: dict[int, float]
    names: list[str] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)

    def assign(self, x: pd.DataFrame) -> pd.Series:
        """Segment number (0 … k−1) per customer of a feature table."""
        z = (behaviour(x) - self.mean) / self.scale
        labels = self.clusterer.predict(z.to_numpy())
        return pd.Series(labels, index=x.index, name="segment")


def _clusterer(k: int, n: int, seed: int) -> KMeans | MiniBatchKMeans:
    if n >= MINIBATCH_FROM:
        return MiniBatchKMeans(k, random_state=seed, n_init=3, batch_size=4096)
    return KMeans(k, random_state=seed, n_init=4)


def choose_k(
    z: np.ndarray[Any, Any], k_range: tuple[int, int], seed: int
) -> tuple[dict[int, float], dict[int, KMeans | MiniBatchKMeans]]:
    """Fit every k in the (inclusive) range; silhouette of each on a fixed-seed sample."""
    rng = np.random.default_rng(seed)
    sample = rng.choice(len(z), min(len(z), SILHOUETTE_SAMPLE), replace=False)
    scores, fitted = {}, {}
    for k in range(k_range[0], k_range[1] + 1):  # a handful of k values, each over all rows
        if k >= len(z):
            break
        model = _clusterer(k, len(z), seed).fit(z)
        labels = model.predict(z[sample])
        if len(np.unique(labels)) < 2:
            continue
        scores[k] = float(silhouette_score(z[sample], labels))
        fitted[k] = model
    if not scores:
        raise ValueError(f"too few distinct customers to form segments in k = {k_range}")
    return scores, fitted


def name_segments(centres_z: pd.DataFrame) -> list[str]:
    """A Chinese name per segment from its two most distinctive traits (largest |mean z|
    beyond ``MIN_TRAIT_Z``), e.g. 高资产·多产品客群; 大众客群 when nothing stands out.
    Duplicate names get a number."""
    names = []
    for _, row in centres_z.iterrows():  # one row per segment (k ≤ 8), not per customer
        strongest = row.abs().sort_values(ascending=False, kind="stable")
        traits = [
            TRAITS[f][0] if row[f] > 0 else TRAITS[f][1]
            for f in strongest.index[:2]
            if strongest[f] >= MIN_TRAIT_Z
        ]
        names.append("·".join(traits) + "客群" if traits else "大众客群")
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}{seen[name]}")
    return unique


def profile(x: pd.DataFrame, segment: pd.Series, names: list[str]) -> list[dict[str, Any]]:
    """Per segment: size, share, AUM (mean and median, yuan), mean age, mean products, the
    mobile and counter shares of transactions."""
    b = behaviour(x)
    frame = pd.DataFrame(
        {
            "segment": segment,
            "aum": x["aum"],
            "age": x["age"],
            "products": x["product_count"],
            "mobile": b["mobile_share"],
            "counter": b["counter_share"],
        }
    )
    grouped = frame.groupby("segment").agg(
        customers=("aum", "size"),
        aum_mean=("aum", "mean"),
        aum_median=("aum", "median"),
        age_mean=("age", "mean"),
        products_mean=("products", "mean"),
        mobile_share=("mobile", "mean"),
        counter_share=("counter", "mean"),
    )
    grouped["share"] = grouped["customers"] / grouped["customers"].sum()
    rows = grouped.reset_index().to_dict("records")
    for row in rows:
        row["name"] = names[int(row["segment"])]
    return [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in rows]


def fit(x: pd.DataFrame, k_range: tuple[int, int] = K_RANGE, seed: int = 0) -> SegmentModel:
    """Segments of the customers of a feature table (see module docstring)."""
    b = behaviour(x)
    mean, scale = b.mean(), b.std(ddof=0).replace(0.0, 1.0)
    z = ((b - mean) / scale).to_numpy()
    scores, fitted = choose_k(z, k_range, seed)
    k = max(scores, key=lambda key: (scores[key], -key))  # ties: the fewer segments
    model = SegmentModel(mean, scale, fitted[k], k, scores)
    centres = pd.DataFrame(model.clusterer.cluster_centers_, columns=list(BEHAVIOUR))
    model.names = name_segments(centres)
    model.profiles = profile(x, model.assign(x), model.names)
    return model
