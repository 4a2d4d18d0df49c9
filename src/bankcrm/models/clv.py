"""Customer lifetime value: the BG/NBD purchase model (Fader, Hardie & Lee 2005) and the
Gamma-Gamma spend model (Fader & Hardie, note 025), fitted by maximum likelihood.

Both fits minimise the mean negative log-likelihood over log-parameters (so the parameters stay
positive without bounds) with BFGS and the analytic gradient. Customers with the same
(frequency, recency, T) are one weighted term, and a large base is first fitted on a
subsample whose optimum starts the full fit (``clv_mle.maximise``). Every formula is vectorised over
customers; the log-likelihood is summed in log space (``logaddexp``) so long histories do not
underflow.

Units: frequency is a count of repeat purchase periods, recency and T are in periods (days or
weeks, whatever the summary used); monetary value is in the unit of the amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from bankcrm.models.clv_mle import (
    Array,
    ArrayLike,
    Objective,
    as_float,
    check_summary,
    distinct,
    maximise,
    mean_objective,
)
from bankcrm.models.rfm import WarehouseTables, summary_at

DAYS_PER_MONTH = 365.25 / 12  # CLV months are calendar months on average, not 30 days


@dataclass(frozen=True)
class BgNbdFit:
    """A fitted BG/NBD model: purchase rate λ ~ Gamma(r, α), dropout p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float  # summed over the customers it was fitted on

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Array:  # noqa: N803
        """P(the customer is still active at T) given the history (FHL 2005, eq. 11)."""
        x, t_x, big_t = check_summary(frequency, recency, T)
        log_odds = (
            np.log(self.a)
            - np.log(np.maximum(self.b + x - 1, 1e-300))
            + (self.r + x) * (np.log(self.alpha + big_t) - np.log(self.alpha + t_x))
        )
        # A customer without repeat purchases cannot have dropped out after one (p_alive = 1).
        alive: Array = np.where(x > 0, expit(-log_odds), 1.0)
        return alive

    def expected_transactions(
        self,
        t: float | ArrayLike,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,  # noqa: N803
    ) -> Array:
        """Expected purchases in the next ``t`` periods given the history (FHL 2005, eq. 10)."""
        x, t_x, big_t = check_summary(frequency, recency, T)
        horizon = np.asarray(t, dtype=np.float64)
        if (horizon < 0).any():
            raise ValueError("t: the horizon must be ≥ 0 periods")
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = horizon / (alpha + big_t + horizon)
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
        ratio = np.exp((r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + horizon)))
        numerator = (a + b + x - 1) / (a - 1) * (1 - ratio * hyp)
        odds = np.exp(
            np.log(a)
            - np.log(np.maximum(b + x - 1, 1e-300))
            + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
        )
        expected: Array = numerator / (1 + np.where(x > 0, odds, 0.0))
        return expected


def bgnbd_log_likelihood(
    params: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,  # noqa: N803
) -> Array:
    """The BG/NBD log-likelihood of each customer at (r, α, a, b) (FHL 2005, eq. 6)."""
    x, t_x, big_t = check_summary(frequency, recency, T)
    histories = _Histories.of(x, t_x, big_t)
    lls, _ = histories.terms(np.log(np.asarray(params, dtype=np.float64)))
    in_input_order = np.empty_like(lls)
    in_input_order[histories.order] = lls
    return in_input_order


@dataclass(frozen=True)
class _Histories:
    """Customer histories prepared for the likelihood, sorted by frequency (``order`` maps
    back). Customers without a repeat purchase (often most of them) have a two-term likelihood
    and are a separate slice; for the others every gamma-family term depends on the frequency
    only, so it is computed once per distinct count (tens of values) and gathered."""

    x: Array
    t_x: Array
    big_t: Array
    order: npt.NDArray[np.intp]  # sorted position → input position
    single: int  # customers [0, single) have frequency 0
    counts: Array  # the distinct frequencies of the repeat buyers
    at: npt.NDArray[np.intp]  # each repeat buyer's position in ``counts``

    @classmethod
    def of(cls, x: Array, t_x: Array, big_t: Array) -> _Histories:
        order = np.argsort(x, kind="stable")
        x, t_x, big_t = x[order], t_x[order], big_t[order]
        single = int(np.searchsorted(x, 0.0, side="right"))
        counts, at = np.unique(x[single:], return_inverse=True)
        return cls(x, t_x, big_t, order, single, counts, at)

    def terms(self, log_params: Array) -> tuple[Array, Array]:
        """Per-customer log-likelihood and its gradient with respect to the log-parameters,
        in sorted order (FHL 2005, eq. 6; d/d(log θ) = θ · d/dθ)."""
        r, alpha, a, b = np.exp(log_params)
        n0, log_alpha = self.single, np.log(alpha)
        ll, grad = np.empty(self.x.size), np.zeros((4, self.x.size))
        # No repeat purchase: LL = r ln α − r ln(α + T); a and b do not enter.
        ll[:n0] = r * (log_alpha - np.log(alpha + self.big_t[:n0]))
        grad[0, :n0] = ll[:n0]
        grad[1, :n0] = r - r * alpha / (alpha + self.big_t[:n0])
        ll[n0:], grad[:, n0:] = self._repeat_terms(r, alpha, a, b)
        return ll, grad

    def _repeat_terms(self, r: float, alpha: float, a: float, b: float) -> tuple[Array, Array]:
        """The same for the repeat buyers: A1 + A2 + ln(e^A3 + e^A4) of FHL eq. 6."""
        n0, k, at = self.single, self.counts, self.at
        x, t_x, big_t = self.x[n0:], self.t_x[n0:], self.big_t[n0:]
        head = (gammaln(r + k) - gammaln(r) + betaln(a, b + k) - betaln(a, b))[at]
        d_r_head = (digamma(r + k) - digamma(r))[at]
        d_a_head = (digamma(a + b) - digamma(a + b + k))[at]
        d_b_head = (digamma(a + b) + digamma(b + k) - digamma(b) - digamma(a + b + k))[at]
        log_b_x1, inv_b_x1 = np.log(b + k - 1)[at], (1 / (b + k - 1))[at]
        log_at, log_atx = np.log(alpha + big_t), np.log(alpha + t_x)
        a3 = -(r + x) * log_at
        gap = np.log(a) - log_b_x1 - (r + x) * log_atx - a3  # A4 − A3
        ll = head + r * np.log(alpha) + a3 + np.logaddexp(0.0, gap)
        w = expit(gap)  # the share of e^A4 in e^A3 + e^A4
        d_r = d_r_head + np.log(alpha) - (1 - w) * log_at - w * log_atx
        d_alpha = r / alpha - (r + x) * ((1 - w) / (alpha + big_t) + w / (alpha + t_x))
        d_a = d_a_head + w / a
        d_b = d_b_head - w * inv_b_x1
        return ll, np.stack([r * d_r, alpha * d_alpha, a * d_a, b * d_b])


def fit_bgnbd(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> BgNbdFit:  # noqa: N803
    """Fit BG/NBD by maximum likelihood to a summary (see ``rfm.summary_from_log``)."""
    x, t_x, big_t = check_summary(frequency, recency, T)
    if x.size == 0:
        raise ValueError("frequency: no customers to fit")
    columns, weights = distinct(x, t_x, big_t)

    def objective(cols: list[Array], w: Array) -> Objective:
        histories = _Histories.of(*cols)
        return mean_objective(histories.terms, w[histories.order])

    (r, alpha, a, b), log_likelihood = maximise(objective, columns, weights, 4)
    return BgNbdFit(float(r), float(alpha), float(a), float(b), log_likelihood)


@dataclass(frozen=True)
class GammaGammaFit:
    """A fitted Gamma-Gamma spend model: spend per purchase ~ Gamma(p, ν), ν ~ Gamma(q, γ)."""

    p: float
    q: float
    v: float  # γ in Fader & Hardie's note
    log_likelihood: float

    def expected_spend(self, frequency: ArrayLike, monetary_value: ArrayLike) -> Array:
        """E[spend per purchase | x purchases averaging m̄] (note 025, eq. 5): a weighted mean of
        the population mean p·γ/(q−1) and the customer's own average."""
        x = as_float("frequency", frequency)
        m = as_float("monetary_value", monetary_value)
        p, q, v = self.p, self.q, self.v
        expected: Array = p * (v + x * m) / (p * x + q - 1)
        return expected


def _gamma_gamma_terms(log_params: Array, x: Array, m: Array) -> tuple[Array, Array]:
    """Per-customer log-likelihood of the average spend and its gradient (log-parameters)."""
    p, q, v = np.exp(log_params)
    px = p * x
    log_vxm = np.log(v + x * m)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_vxm
    )
    psi = digamma(px + q)
    d_p = x * (psi - digamma(px) + np.log(m) + np.log(x) - log_vxm)
    d_q = psi - digamma(q) + np.log(v) - log_vxm
    d_v = q / v - (px + q) / (v + x * m)
    return ll, np.stack([p * d_p, q * d_q, v * d_v])


def fit_gamma_gamma(frequency: ArrayLike, monetary_value: ArrayLike) -> GammaGammaFit:
    """Fit Gamma-Gamma by maximum likelihood on the repeat buyers (frequency > 0, spend > 0);
    the others carry no information about spend per repeat purchase."""
    x = as_float("frequency", frequency)
    m = as_float("monetary_value", monetary_value)
    if x.shape != m.shape:
        raise ValueError(
            f"frequency and monetary_value must have the same length, not {x.size}, {m.size}"
        )
    keep = (x > 0) & (m > 0)
    if not keep.any():
        raise ValueError("frequency: no repeat buyers with a positive monetary_value to fit")
    columns, weights = distinct(x[keep], m[keep])

    def objective(cols: list[Array], w: Array) -> Objective:
        return mean_objective(lambda lp: _gamma_gamma_terms(lp, *cols), w)

    (p, q, v), log_likelihood = maximise(objective, columns, weights, 3)
    return GammaGammaFit(float(p), float(q), float(v), log_likelihood)


def clv(
    bgnbd: BgNbdFit,
    gg: GammaGammaFit,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,  # noqa: N803
    monetary_value: ArrayLike,
    months: int = 12,
    discount_rate_monthly: float = 0.01,
    period_days: float = 1.0,
) -> Array:
    """Discounted value of each customer's purchases over the next ``months`` months: for each
    month i, the expected purchases in month i times the expected spend per purchase, divided
    by (1 + discount_rate_monthly)^i. ``period_days`` is the length of the summary's period in
    days (1 for daily summaries, 7 for weekly)."""
    if months < 1:
        raise ValueError(f"months: must be ≥ 1, not {months}")
    if discount_rate_monthly < 0:
        raise ValueError(f"discount_rate_monthly: must be ≥ 0, not {discount_rate_monthly}")
    if period_days <= 0:
        raise ValueError(f"period_days: must be > 0, not {period_days}")
    spend = gg.expected_spend(frequency, monetary_value)
    steps = np.arange(months + 1) * DAYS_PER_MONTH / period_days
    # Expected purchases up to each month-end: one vectorised call per month, not per customer.
    cumulative = np.stack(
        [bgnbd.expected_transactions(float(s), frequency, recency, T) for s in steps]
    )
    discount = (1 + discount_rate_monthly) ** -np.arange(1, months + 1)
    value: Array = (np.diff(cumulative, axis=0) * discount[:, None]).sum(axis=0) * spend
    return value


def clv_at(
    tables: WarehouseTables,
    as_of: date,
    months: int = 12,
    discount_rate_monthly: float = 0.01,
    history_days: int = 3 * 365,
) -> pd.DataFrame:
    """CLV of the customers in the base at month-end ``as_of``, from their customer-initiated
    transactions in the ``history_days`` up to as_of (daily periods; amount = the absolute
    amount of the customer's transactions per day, in yuan as float; see
    docs/models-rfm-clv.md for why).

    Columns: customer_id, frequency, recency, T (days), monetary_value (yuan per repeat day),
    p_alive, expected_transactions_12m (purchase days in the next 12 months), clv (yuan).
    Customers of the base without a transaction in the window keep NaN in every model column:
    the model has nothing to say about them (they are not in the fit either).
    """
    summary = summary_at(tables, as_of, history_days)
    known = summary["frequency"].notna().to_numpy()
    if not known.any():
        raise ValueError(f"as_of: no customer-initiated transaction in the {history_days} days")
    f, r, t, m = (
        summary.loc[known, c].to_numpy(np.float64)
        for c in ("frequency", "recency", "T", "monetary_value")
    )
    bgnbd, gg = fit_bgnbd(f, r, t), fit_gamma_gamma(f, m)
    twelve_months = 12 * DAYS_PER_MONTH
    columns = {
        "p_alive": bgnbd.p_alive(f, r, t),
        "expected_transactions_12m": bgnbd.expected_transactions(twelve_months, f, r, t),
        "clv": clv(bgnbd, gg, f, r, t, m, months, discount_rate_monthly, 1.0),
    }
    for name, values in columns.items():
        summary[name] = np.nan
        summary.loc[known, name] = values
    return summary
