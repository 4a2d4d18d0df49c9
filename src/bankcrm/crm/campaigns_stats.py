"""The statistics of a campaign: conversion of targets vs control, the absolute lift with a
95% confidence interval, incremental AUM, cost and ROI.

The interval of the lift (a difference of two independent proportions) is Newcombe's hybrid
score interval (Newcombe 1998, method 10), built from the two Wilson score intervals. Branch
campaigns convert a few per cent of a few hundred customers, often with zero conversions in a
small control group; there the Wald interval collapses to zero width or overshoots [-1, 1],
while Newcombe's keeps its nominal coverage. The Wald interval is reported beside it because
it is the one most staff have met.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # the 97.5% normal quantile
DEFAULT_MARGIN = 0.01  # net revenue per yuan of AUM over a campaign's horizon, for ROI


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """Wilson's score interval of a proportion ``successes / n`` (n > 0)."""
    if n <= 0:
        raise ValueError("n: a proportion needs at least one trial")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def newcombe(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> Interval:
    """Newcombe's hybrid score interval of ``x1/n1 - x2/n2``."""
    p1, p2 = x1 / n1, x2 / n2
    w1, w2 = wilson(x1, n1, z), wilson(x2, n2, z)
    d = p1 - p2
    return Interval(
        d - math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2),
        d + math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2),
    )


def wald(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> Interval:
    """The Wald interval of ``x1/n1 - x2/n2``: d ± z·sqrt(p1q1/n1 + p2q2/n2)."""
    p1, p2 = x1 / n1, x2 / n2
    half = z * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return Interval(p1 - p2 - half, p1 - p2 + half)


@dataclass(frozen=True)
class CampaignStats:
    """Results of a campaign; rates are shares, money in yuan; None where undefined (an
    empty group, no cost entered)."""

    targets: int
    target_conversions: int
    controls: int
    control_conversions: int
    target_rate: float | None
    control_rate: float | None
    lift: float | None
    lift_ci: Interval | None  # Newcombe
    lift_ci_wald: Interval | None
    incremental_conversions: float | None
    incremental_aum: float | None
    cost: float | None
    roi: float | None
    cost_per_incremental_conversion: float | None


def campaign_stats(
    targets: int,
    target_conversions: int,
    controls: int,
    control_conversions: int,
    target_aum_change: float,
    control_aum_change: float,
    cost: float | None = None,
    margin: float = DEFAULT_MARGIN,
) -> CampaignStats:
    """The figures of a campaign from its 2×2 table and the summed AUM change of each group.

    Incremental AUM = (mean AUM change of targets − mean of control) × targets: what the
    targets gained beyond what they would have without the campaign, as the control shows.
    ROI = (incremental AUM × ``margin`` − cost) / cost."""
    for name, x, n in (
        ("target_conversions", target_conversions, targets),
        ("control_conversions", control_conversions, controls),
    ):
        if not 0 <= x <= n:
            raise ValueError(f"{name}: {x} conversions out of {n} customers")
    t_rate = target_conversions / targets if targets else None
    c_rate = control_conversions / controls if controls else None
    both = t_rate is not None and c_rate is not None
    lift = t_rate - c_rate if t_rate is not None and c_rate is not None else None
    incremental = lift * targets if lift is not None else None
    inc_aum = (
        (target_aum_change / targets - control_aum_change / controls) * targets if both else None
    )
    roi = per_conversion = None
    if cost is not None and cost > 0 and inc_aum is not None:
        roi = (inc_aum * margin - cost) / cost
        per_conversion = cost / incremental if incremental and incremental > 0 else None
    return CampaignStats(
        targets=targets,
        target_conversions=target_conversions,
        controls=controls,
        control_conversions=control_conversions,
        target_rate=t_rate,
        control_rate=c_rate,
        lift=lift,
        lift_ci=newcombe(target_conversions, targets, control_conversions, controls)
        if both
        else None,
        lift_ci_wald=wald(target_conversions, targets, control_conversions, controls)
        if both
        else None,
        incremental_conversions=incremental,
        incremental_aum=inc_aum,
        cost=cost,
        roi=roi,
        cost_per_incremental_conversion=per_conversion,
    )
