"""Maximum likelihood for the lifetime-value models: input checks that name the field, the
distinct histories a fit weighs, and BFGS over log-parameters with an analytic gradient, warm
started from a subsample on a large base."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import minimize

Array = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike


def as_float(name: str, values: ArrayLike) -> Array:
    """``values`` as a float array; a clear error naming ``name`` if any is negative or NaN."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        array = np.atleast_1d(array)
    if np.isnan(array).any():
        raise ValueError(f"{name}: missing values (NaN) are not allowed")
    if (array < 0).any():
        raise ValueError(f"{name}: must be ≥ 0, found {array.min()}")
    return array


def check_summary(frequency: ArrayLike, recency: ArrayLike, t: ArrayLike) -> tuple[Array, ...]:
    """The three summary columns as arrays, consistent with each other, or a clear ValueError."""
    x, t_x, big_t = (
        as_float(n, v) for n, v in (("frequency", frequency), ("recency", recency), ("T", t))
    )
    if not x.shape == t_x.shape == big_t.shape:
        raise ValueError(
            f"frequency, recency and T must have the same length, not {x.size}, {t_x.size}, "
            f"{big_t.size}"
        )
    if (t_x > big_t).any():
        raise ValueError("recency: must be ≤ T (the last purchase is inside the observation)")
    if ((x == 0) & (t_x != 0)).any():
        raise ValueError("recency: must be 0 for customers with frequency 0")
    return x, t_x, big_t


Objective = Callable[[Array], tuple[float, Array]]  # log-parameters → (−mean LL, gradient)
# The gradient of the mean log-likelihood is met to 1e-7: tighter than the printed precision
# of any published estimate, and above the rounding noise of a sum over millions of terms
# (asking for 1e-9 makes BFGS grind through failed line searches on large data).
GTOL = 1e-7
WARM_START = 20_000  # distinct histories: above this a subsample's optimum starts the fit


def maximise(
    objective: Callable[[list[Array], Array], Objective],
    columns: list[Array],
    weights: Array,
    n_params: int,
) -> tuple[Array, float]:
    """Maximise the weighted mean log-likelihood over log-parameters; returns the parameters
    and the summed log-likelihood. On many histories BFGS first runs on a fixed random
    subsample and the full fit starts from its optimum and curvature, so the full data pays
    for a few iterations instead of a few dozen."""
    start, hess_inv = np.zeros(n_params), None
    if weights.size > WARM_START:
        pick = np.random.default_rng(0).choice(weights.size, WARM_START, replace=False)
        warm = _bfgs(objective([c[pick] for c in columns], weights[pick]), start, None, 1e-5)
        start, hess_inv = warm.x, (warm.hess_inv + warm.hess_inv.T) / 2
        if np.linalg.eigvalsh(hess_inv).min() <= 0:  # a degenerate curvature estimate
            hess_inv = None
    result = _bfgs(objective(columns, weights), start, hess_inv, GTOL)
    if not np.isfinite(result.fun):
        raise ValueError(f"the maximum-likelihood fit did not converge: {result.message}")
    return np.exp(result.x), -float(result.fun) * float(weights.sum())


def _bfgs(objective: Objective, start: Array, hess_inv: Array | None, gtol: float) -> Any:
    options: dict[str, Any] = {"gtol": gtol}
    if hess_inv is not None:
        options["hess_inv0"] = hess_inv
    return minimize(objective, start, jac=True, method="BFGS", options=options)


def distinct(*columns: Array) -> tuple[list[Array], Array]:
    """The distinct rows of ``columns`` and how many customers share each (the fit's weights):
    a hash group-by, far cheaper than sorting rows."""
    frame = pd.DataFrame({str(i): c for i, c in enumerate(columns)})
    counts = frame.groupby(list(frame.columns), sort=False).size()
    rows = counts.index.to_frame(index=False)
    return [rows[c].to_numpy(np.float64) for c in rows.columns], counts.to_numpy(np.float64)


def mean_objective(terms: Callable[[Array], tuple[Array, Array]], weights: Array) -> Objective:
    """−(weighted mean log-likelihood) and its gradient, from per-customer terms."""
    total = weights.sum()

    def objective(log_params: Array) -> tuple[float, Array]:
        ll, grad = terms(log_params)
        # einsum, not BLAS: a BLAS call wakes its thread pool, slower at this size.
        value = np.einsum("i,i->", weights, ll)
        return -float(value) / total, -np.einsum("ji,i->j", grad, weights) / total

    return objective
