"""Why a customer scored high, in Chinese: per-feature contributions and their phrases.

Contribution of feature j to customer i's score: p(x_i) − p(x_i with x_ij replaced by the
reference value r_j), where r is the median customer of the training data. A positive value
means the customer's own value of j raises the score above what a typical value would give.
This is occlusion ("what if this one thing were ordinary"), chosen over SHAP because
HistGradientBoosting has no exact tree contributions and the question a relationship manager
asks is exactly this counterfactual. It costs one prediction per feature, vectorised over all
customers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

from bankcrm.domain.enums import LABELS_ZH
from bankcrm.domain.money import YUAN_PER_WAN
from bankcrm.models.features import (
    CHANNELS,
    CHANNELS_ZH,
    FEATURE_LABELS,
    NO_TXN_DAYS,
    TIERS,
)

TOP_REASONS = 3
MONEY_FEATURES = ("aum", "loan_balance", "maturing_3m", "inflow_3m", "outflow_3m", "outflow_12m")
SWITCHES = {
    "is_corporate": ("对公客户", "个人客户"),
    "mobile_enrolled": ("已开通手机银行", "未开通手机银行"),
    "has_rm": ("有管户客户经理", "无管户客户经理"),
}
# Feature → (text before, printf format, text after).
PATTERNS = {
    "txn_count_3m": ("近3个月主动交易", "%.0f", "笔"),
    "product_count": ("持有", "%.0f", "种产品"),
    "age": ("", "%.0f", "岁"),
    "tenure_months": ("开户", "%.0f", "个月"),
    "days_since_contact": ("客户经理", "%.0f", "天未联系"),
    **{
        f"txn_{c}_3m": (f"近3个月{zh}交易", "%.0f", "笔")
        for c, zh in zip(CHANNELS, CHANNELS_ZH, strict=True)
    },
}


def reference(x: pd.DataFrame) -> pd.Series:
    """The typical customer: the median of each feature (NaN-aware) in the training data."""
    return x.median(numeric_only=True)


def contributions(
    predict: Callable[[pd.DataFrame], npt.NDArray[np.float64]], x: pd.DataFrame, ref: pd.Series
) -> pd.DataFrame:
    """Occlusion contributions (probability points) of ``predict`` (a probability per row),
    one column per feature, rows as ``x``."""
    base = predict(x)
    out = np.empty(x.shape, dtype=np.float64)
    for j, column in enumerate(x.columns):  # a loop over features, each over all customers
        replaced = x.copy(deep=False)
        replaced[column] = ref[column]
        out[:, j] = base - predict(replaced)
    return pd.DataFrame(out, index=x.index, columns=x.columns)


def _num(values: npt.NDArray[np.float64], fmt: str) -> npt.NDArray[np.str_]:
    return np.char.mod(fmt, values)


def _pick(flag: npt.NDArray[np.float64], yes: str, no: str) -> npt.NDArray[np.str_]:
    return np.where(flag > 0, yes, no)


def phrases(feature: str, values: npt.NDArray[np.float64]) -> npt.NDArray[np.str_]:
    """The values of one feature as a relationship manager would say them, e.g.
    近3个月资产下降42%; vectorised over customers. Amounts in 万元 with the unit."""
    v = np.asarray(values, dtype=np.float64)
    label = FEATURE_LABELS.get(feature, (feature, feature))[0]
    finite = np.nan_to_num(v)
    text: npt.NDArray[np.str_]
    if feature.startswith("aum_change_"):
        months = feature.removeprefix("aum_change_").removesuffix("m")
        verb = _pick(-finite, "下降", "上升")
        text = np.char.add(
            np.char.add(f"近{months}个月资产", verb), _num(np.abs(finite) * 100, "%.0f%%")
        )
    elif feature in MONEY_FEATURES:
        text = np.char.add(np.char.add(label, _num(finite / YUAN_PER_WAN, "%.2f")), "万元")
    elif feature == "tier_rank":
        names = np.array([LABELS_ZH[t] + "客户" for t in TIERS])
        text = names[np.clip(finite.astype(np.int64), 0, len(TIERS) - 1)]
    elif feature == "third_party_share_12m":
        text = np.char.add("近12个月第三方支付流出占比", _num(finite * 100, "%.0f%%"))
    elif feature == "days_since_txn":
        text = np.where(
            finite >= NO_TXN_DAYS,
            "近12个月无主动交易",
            np.char.add(_num(finite, "%.0f"), "天无主动交易"),
        )
    elif feature.startswith("holds_"):
        product = LABELS_ZH[feature.removeprefix("holds_")]
        text = _pick(finite, f"持有{product}", f"未持有{product}")
    elif feature in SWITCHES:
        text = _pick(finite, *SWITCHES[feature])
    elif feature in PATTERNS:
        before, fmt, after = PATTERNS[feature]
        text = np.char.add(np.char.add(before, _num(finite, fmt)), after)
    else:
        text = np.char.add(f"{label}：", _num(finite, "%g"))
    if feature.startswith("aum_change_"):  # no AUM k months ago: a customer that new
        months = feature.removeprefix("aum_change_").removesuffix("m")
        return np.where(np.isnan(v), f"{months}个月前尚无资产", text)
    return np.where(np.isnan(v), f"{label}：无数据", text)


def top_reasons(contrib: pd.DataFrame, x: pd.DataFrame, top: int = TOP_REASONS) -> pd.Series:
    """For each row, the phrases of the ``top`` features that raise the score most (positive
    contributions only), joined with "；"; empty when nothing raises it."""
    values = contrib.to_numpy()
    order = np.argsort(-values, axis=1, kind="stable")[:, :top]
    rows = np.arange(len(values))[:, None]
    positive = values[rows, order] > 0
    features = x[contrib.columns].to_numpy(dtype=np.float64)[rows, order]
    text = np.full(order.shape, "", dtype=object)
    for j, feature in enumerate(contrib.columns):  # per feature, each over all customers
        hit = (order == j) & positive
        if hit.any():
            text[hit] = phrases(feature, features[hit])
    joined = pd.Series(text[:, 0], index=x.index, dtype=object)
    for k in range(1, order.shape[1]):
        part = pd.Series(text[:, k], index=x.index, dtype=object)
        joined = joined.where(part == "", joined + "；" + part)
    return joined.rename("reasons")
