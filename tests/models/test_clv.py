"""BG/NBD and Gamma-Gamma: the published CDNOW estimates (Fader, Hardie & Lee 2005; Fader &
Hardie, note 025), conditional expectations against numeric integration written here, parameter
recovery on data simulated from the model, and lifetime value on a synthetic branch."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad
from scipy.optimize import approx_fprime
from scipy.special import gammaln

from bankcrm.analytics.base import Tables
from bankcrm.models.clv import (
    DAYS_PER_MONTH,
    BgNbdFit,
    GammaGammaFit,
    _Histories,
    bgnbd_log_likelihood,
    clv,
    clv_at,
    fit_bgnbd,
    fit_gamma_gamma,
)
from bankcrm.models.rfm import summary_from_log
from tests.models.test_rfm import END, cdnow_calibration_log, rfm_branch  # noqa: F401

CDNOW = Path("/work/shared/data/real/cdnow")


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """The published CDNOW summary: 2 357 customers, 39 weeks (ID, x, t_x, T, zbar)."""
    return pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="module")
def bgnbd(cdnow: pd.DataFrame) -> BgNbdFit:
    return fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])


def test_bgnbd_reproduces_fader_hardie_lee_2005(bgnbd: BgNbdFit) -> None:
    # FHL 2005, section 5: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
    assert round(bgnbd.r, 3) == 0.243
    assert round(bgnbd.alpha, 3) == 4.414
    assert round(bgnbd.a, 3) == 0.793
    assert round(bgnbd.b, 3) == 2.426
    assert round(bgnbd.log_likelihood, 1) == -9582.4


def test_gamma_gamma_reproduces_fader_hardie_note_025(cdnow: pd.DataFrame) -> None:
    # Note 025 on the 946 repeat buyers: p = 6.25, q = 3.74, γ = 15.44.
    fit = fit_gamma_gamma(cdnow["x"], cdnow["zbar"])
    assert round(fit.p, 2) == 6.25
    assert round(fit.q, 2) == 3.74
    # The exact maximum is γ = 15.4477 (lifetimes prints 15.45): the note's 15.44 is its
    # solver's stopping point, 0.008 short. Ours is the higher likelihood.
    assert abs(fit.v - 15.44) < 0.01
    published = GammaGammaFit(6.25, 3.74, 15.44, 0.0)
    assert fit.log_likelihood >= gg_log_likelihood(published, cdnow) > fit.log_likelihood - 0.01
    assert round(fit.log_likelihood, 2) == -4055.92  # recomputed by MLE in SOURCE.txt


def gg_log_likelihood(fit: GammaGammaFit, cdnow: pd.DataFrame) -> float:
    """Note 025, eq. 3 summed over the repeat buyers, written out with scipy's gamma function
    on a log scale term by term (not the fitter's vectorised code)."""
    rows = cdnow[cdnow["x"] > 0]
    x, m = rows["x"].to_numpy(float), rows["zbar"].to_numpy(float)
    p, q, v = fit.p, fit.q, fit.v
    log_density = (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(v + m * x)
    )
    return float(log_density.sum())


def test_fit_from_the_raw_cdnow_log_agrees() -> None:
    # From the raw transactions through summary_from_log (daily periods, in weeks): the same
    # estimates up to the 2-decimal rounding of the published summary.
    summary = summary_from_log(cdnow_calibration_log(), date(1997, 9, 30))
    fit = fit_bgnbd(summary["frequency"], summary["recency"] / 7, summary["T"] / 7)
    np.testing.assert_allclose(
        [fit.r, fit.alpha, fit.a, fit.b], [0.243, 4.414, 0.793, 2.426], rtol=2e-3
    )


def test_expected_transactions_of_the_paper_customer(bgnbd: BgNbdFit) -> None:
    # FHL 2005, section 5: a customer with x = 2, t_x = 30.43, T = 38.86 is expected to make
    # 1.226 purchases in the next 39 weeks.
    got = bgnbd.expected_transactions(39, [2], [30.43], [38.86])
    assert round(float(got[0]), 3) == 1.226


def posterior_by_integration(
    fit: BgNbdFit, x: float, t_x: float, big_t: float, t: float
) -> tuple[float, float]:
    """P(alive) and E[purchases in (T, T + t]] by integrating over the dropout probability p
    (λ integrated in closed form: E[λ^x e^{−λc}] ∝ (α + c)^{−(r+x)} under Gamma(r, α)), from
    the model's definition rather than FHL's hypergeometric formula."""

    def h(c: float) -> float:
        return float((fit.alpha + c) ** -(fit.r + x))

    def alive(p: float) -> float:
        return float((1 - p) ** x * h(big_t))

    def likelihood(p: float) -> float:
        dropped = p * (1 - p) ** (x - 1) * h(t_x) if x > 0 else 0.0
        return alive(p) + dropped

    def purchases(p: float) -> float:
        # Alive at T with (λ, p): expected purchases in t are (1 − e^{−λpt}) / p, → λt at p = 0.
        if p == 0:
            return float((fit.r + x) * t * (fit.alpha + big_t) ** -(fit.r + x + 1))
        return float((1 - p) ** x * (h(big_t) - h(big_t + p * t)) / p)

    weight = {"weight": "alg", "wvar": (fit.a - 1, fit.b - 1)}  # the Beta(a, b) prior
    denominator = quad(likelihood, 0, 1, **weight)[0]  # type: ignore[arg-type]
    p_alive = quad(alive, 0, 1, **weight)[0] / denominator  # type: ignore[arg-type]
    expected = quad(purchases, 0, 1, **weight)[0] / denominator  # type: ignore[arg-type]
    return p_alive, expected


@pytest.mark.parametrize(
    ("x", "t_x", "big_t"),
    [(0, 0.0, 38.86), (1, 1.71, 38.86), (2, 30.43, 38.86), (7, 10.0, 35.0), (20, 38.0, 38.5)],
)
def test_p_alive_and_expected_transactions_match_numeric_integration(
    bgnbd: BgNbdFit, x: int, t_x: float, big_t: float
) -> None:
    want_alive, want_expected = posterior_by_integration(bgnbd, x, t_x, big_t, 52.0)
    assert bgnbd.p_alive([x], [t_x], [big_t])[0] == pytest.approx(want_alive, rel=1e-7)
    got = bgnbd.expected_transactions(52.0, [x], [t_x], [big_t])[0]
    assert got == pytest.approx(want_expected, rel=1e-7)


def test_the_analytic_gradient_matches_finite_differences(cdnow: pd.DataFrame) -> None:
    x, t_x, big_t = (cdnow[c].to_numpy(float) for c in ("x", "t_x", "T"))
    for params in ([0.243, 4.414, 0.793, 2.426], [1.5, 0.7, 3.0, 0.4]):
        log_params = np.log(params)
        _, grad = _Histories.of(x, t_x, big_t).terms(log_params)

        def total(lp: np.ndarray) -> float:
            return float(bgnbd_log_likelihood(np.exp(lp), x, t_x, big_t).sum())

        numeric = approx_fprime(log_params, total, 1e-6)
        np.testing.assert_allclose(grad.sum(axis=1), numeric, rtol=1e-4, atol=1e-3)


def simulate_bgnbd(
    n: int, r: float, alpha: float, a: float, b: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Histories drawn from the BG/NBD story itself: λ ~ Gamma(r, α), p ~ Beta(a, b), Poisson
    purchases at rate λ after the first one at 0, dropping out after each repeat purchase with
    probability p; observed until T ~ U(26, 52) weeks."""
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    big_t = rng.uniform(26, 52, n)
    times = np.cumsum(rng.exponential(1.0, (n, 400)) / lam[:, None], axis=1)
    in_window = (times <= big_t[:, None]).sum(axis=1)
    last_purchase = rng.geometric(p)  # the repeat purchase after which the customer leaves
    x = np.minimum(in_window, last_purchase)
    t_x = np.where(x > 0, times[np.arange(n), np.maximum(x - 1, 0)], 0.0)
    assert (in_window < 400).all()  # no customer ran out of simulated purchases
    return x.astype(float), t_x, big_t


def test_the_fit_recovers_the_parameters_of_simulated_data() -> None:
    truth = (0.5, 5.0, 0.8, 2.5)
    x, t_x, big_t = simulate_bgnbd(40_000, *truth, np.random.default_rng(5))
    fit = fit_bgnbd(x, t_x, big_t)
    # Sampling error at 40 000 customers is a few percent on each parameter.
    np.testing.assert_allclose([fit.r, fit.alpha, fit.a, fit.b], truth, rtol=0.12)
    assert fit.log_likelihood >= bgnbd_log_likelihood(truth, x, t_x, big_t).sum()


def test_clv_without_discount_is_purchases_times_spend(
    bgnbd: BgNbdFit, cdnow: pd.DataFrame
) -> None:
    gg = fit_gamma_gamma(cdnow["x"], cdnow["zbar"])
    x, t_x, big_t, m = (cdnow[c].to_numpy(float) for c in ("x", "t_x", "T", "zbar"))
    undiscounted = clv(bgnbd, gg, x, t_x, big_t, m, 12, 0.0, period_days=7)
    # With no discount the monthly increments add up to 12 months of purchases.
    horizon = 12 * DAYS_PER_MONTH / 7
    want = bgnbd.expected_transactions(horizon, x, t_x, big_t) * gg.expected_spend(x, m)
    np.testing.assert_allclose(undiscounted, want, rtol=1e-10)
    discounted = clv(bgnbd, gg, x, t_x, big_t, m, 12, 0.01, period_days=7)
    assert (discounted < undiscounted).all()
    assert (discounted > undiscounted / 1.01**12).all()


def test_expected_spend_matches_the_posterior_mean_by_integration() -> None:
    fit = GammaGammaFit(6.25, 3.74, 15.44, 0.0)
    x, m = 3.0, 40.0
    # ν | data ~ Gamma(px + q, rate γ + x·m̄); the spend per purchase is p / ν.
    shape, rate = fit.p * x + fit.q, fit.v + x * m

    def density(nu: float) -> float:  # up to a constant, scaled to be O(1) near the mode
        return float(np.exp((shape - 1) * np.log(rate * nu) - rate * nu - (shape - 1)))

    mean = quad(lambda nu: fit.p / nu * density(nu), 0, np.inf)[0] / quad(density, 0, np.inf)[0]
    assert fit.expected_spend([x], [m])[0] == pytest.approx(mean, rel=1e-8)


@pytest.mark.parametrize(
    ("frequency", "recency", "big_t", "message"),
    [
        ([1, 2], [1.0, 2.0], [-3.0, 4.0], "T: must be ≥ 0"),
        ([1, -2], [1.0, 2.0], [3.0, 4.0], "frequency: must be ≥ 0"),
        ([1, 2], [5.0, 2.0], [3.0, 4.0], "recency: must be ≤ T"),
        ([0, 2], [1.0, 2.0], [3.0, 4.0], "recency: must be 0 for customers with frequency 0"),
        ([1, 2], [1.0], [3.0, 4.0], "must have the same length"),
        ([1, np.nan], [1.0, 2.0], [3.0, 4.0], r"frequency: missing values \(NaN\)"),
        ([], [], [], "frequency: no customers to fit"),
    ],
)
def test_bgnbd_rejects_bad_summaries_naming_the_field(
    frequency: list[float], recency: list[float], big_t: list[float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        fit_bgnbd(frequency, recency, big_t)


def test_gamma_gamma_and_clv_reject_bad_input(bgnbd: BgNbdFit) -> None:
    with pytest.raises(ValueError, match="frequency: no repeat buyers"):
        fit_gamma_gamma([0, 0], [0.0, 0.0])
    with pytest.raises(ValueError, match="monetary_value: must be ≥ 0"):
        fit_gamma_gamma([1, 2], [-5.0, 3.0])
    gg = GammaGammaFit(6.25, 3.74, 15.44, 0.0)
    with pytest.raises(ValueError, match="months: must be ≥ 1"):
        clv(bgnbd, gg, [1], [1.0], [2.0], [3.0], months=0)
    with pytest.raises(ValueError, match="discount_rate_monthly: must be ≥ 0"):
        clv(bgnbd, gg, [1], [1.0], [2.0], [3.0], discount_rate_monthly=-0.1)


def test_clv_at_on_a_synthetic_branch(rfm_branch: tuple[Tables, Path]) -> None:  # noqa: F811
    tables, _ = rfm_branch
    got = clv_at(tables, END)
    assert list(got.columns) == [
        "customer_id",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "p_alive",
        "expected_transactions_12m",
        "clv",
    ]
    known = got["frequency"].notna()
    assert got.loc[~known, ["p_alive", "clv"]].isna().all(axis=None)
    scored = got[known]
    assert scored["p_alive"].between(0, 1).all()
    assert (scored["clv"] >= 0).all()
    assert (scored["expected_transactions_12m"] >= 0).all()
    # Repeat buyers silent for the last year (dormant, with older history) are less likely
    # alive than those who bought in the last month, and are expected to buy less. (Without a
    # repeat purchase BG/NBD cannot see a dropout: p_alive is 1 by construction.)
    assert (scored.loc[scored["frequency"] == 0, "p_alive"] == 1).all()
    silent = (scored["T"] - scored["recency"] > 366) & (scored["frequency"] > 0)
    recent = scored["T"] - scored["recency"] <= 31
    assert silent.any()
    assert recent.any()
    assert scored.loc[silent, "p_alive"].max() < scored.loc[recent, "p_alive"].median()
    assert (
        scored.loc[silent, "expected_transactions_12m"].mean()
        < scored.loc[recent, "expected_transactions_12m"].mean()
    )
