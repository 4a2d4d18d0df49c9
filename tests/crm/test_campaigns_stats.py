"""Campaign statistics against values computed by hand and published ones.

The Newcombe intervals are those of Newcombe (1998), "Interval estimation for the difference
between independent proportions", Statistics in Medicine 17, Table II, method 10."""

from __future__ import annotations

import math

import pytest

from bankcrm.crm.campaigns_stats import campaign_stats, newcombe, wald, wilson

Z = 1.959963984540054


def wilson_by_quadratic(x: int, n: int) -> tuple[float, float]:
    """Wilson's bounds as the roots of (p̂ - p)² = z² p (1 - p) / n, a different route from
    the closed form under test."""
    p_hat, k = x / n, Z * Z / n
    a, b, c = 1 + k, -(2 * p_hat + k), p_hat * p_hat
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


@pytest.mark.parametrize(("x", "n"), [(56, 70), (48, 80), (0, 29), (7, 7), (1, 3)])
def test_wilson_matches_the_quadratic_roots(x: int, n: int) -> None:
    low, high = wilson_by_quadratic(x, n)
    got = wilson(x, n)
    assert got.low == pytest.approx(max(low, 0.0), abs=1e-12)
    assert got.high == pytest.approx(min(high, 1.0), abs=1e-12)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [  # Newcombe (1998) Table II, method 10, to the published four decimals
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_newcombe_reproduces_the_published_table(
    x1: int, n1: int, x2: int, n2: int, low: float, high: float
) -> None:
    got = newcombe(x1, n1, x2, n2)
    assert round(got.low, 4) == low
    assert round(got.high, 4) == high


def test_a_known_two_by_two_table() -> None:
    """Targets 30 of 200 converted, control 5 of 100; AUM rose 1 200 000 yuan in total for
    the targets and 100 000 for the control; the campaign cost 20 000 yuan."""
    stats = campaign_stats(200, 30, 100, 5, 1_200_000.0, 100_000.0, cost=20_000.0, margin=0.01)
    # By hand: 30/200 = 0.15, 5/100 = 0.05, lift 0.10.
    assert stats.target_rate == pytest.approx(0.15)
    assert stats.control_rate == pytest.approx(0.05)
    assert stats.lift == pytest.approx(0.10)
    # Wald: 0.10 ± 1.96 · sqrt(0.15·0.85/200 + 0.05·0.95/100)
    #     = 0.10 ± 1.96 · sqrt(0.0011125) = 0.10 ± 0.0654
    half = 1.959963984540054 * math.sqrt(0.0006375 + 0.000475)
    assert stats.lift_ci_wald is not None
    assert stats.lift_ci_wald.low == pytest.approx(0.10 - half)
    assert stats.lift_ci_wald.high == pytest.approx(0.10 + half)
    assert round(0.10 - half, 4) == 0.0346  # the figure a reader checks by calculator
    # Newcombe from the two Wilson intervals computed by the quadratic route.
    l1, u1 = wilson_by_quadratic(30, 200)
    l2, u2 = wilson_by_quadratic(5, 100)
    assert stats.lift_ci is not None
    assert stats.lift_ci.low == pytest.approx(0.10 - math.hypot(0.15 - l1, u2 - 0.05))
    assert stats.lift_ci.high == pytest.approx(0.10 + math.hypot(u1 - 0.15, 0.05 - l2))
    # Incremental: 0.10 · 200 = 20 conversions; AUM (6 000 - 1 000) per target · 200 = 1 000 000.
    assert stats.incremental_conversions == pytest.approx(20.0)
    assert stats.incremental_aum == pytest.approx(1_000_000.0)
    # ROI = (1 000 000 · 1% - 20 000) / 20 000 = -0.5; 1 000 yuan per extra conversion.
    assert stats.roi == pytest.approx(-0.5)
    assert stats.cost_per_incremental_conversion == pytest.approx(1_000.0)


def test_an_empty_control_group_leaves_the_lift_undefined() -> None:
    stats = campaign_stats(50, 5, 0, 0, 10_000.0, 0.0, cost=1_000.0)
    assert stats.target_rate == pytest.approx(0.1)
    assert stats.control_rate is None
    assert stats.lift is None
    assert stats.lift_ci is None
    assert stats.roi is None


def test_zero_conversions_in_control_keeps_a_proper_interval() -> None:
    """Wald collapses the control's variance to zero at 0/n; Newcombe does not."""
    assert wald(0, 20, 0, 20).low == wald(0, 20, 0, 20).high == 0.0
    interval = newcombe(0, 20, 0, 20)
    assert interval.low < 0 < interval.high


def test_impossible_counts_are_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="control_conversions"):
        campaign_stats(10, 1, 5, 6, 0.0, 0.0)
