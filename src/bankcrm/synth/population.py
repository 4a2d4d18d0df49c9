"""Who is a customer when: arrivals, ages and exits, simulated as a stationary population.

Customers arrive at a constant rate over a long history (a century before the range, so the
base at the start is in its steady state), at an age drawn from a fixed distribution, and
leave by closing (a constant yearly rate) or by death (Gompertz mortality). Without planted
effects the age structure of the base is therefore flat over the range: ageing of the base is
balanced by the arrival of younger customers. The ageing phenomenon (SCENARIO.md, 1) thins
arrivals under 35, adds arrivals aged 50+, and lets customers under 35 close more often.

Times are fractional calendar years here; ``customers`` turns them into dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bankcrm.synth.scenario import ScenarioParams
from bankcrm.synth.timeline import Timeline

FloatArray = npt.NDArray[np.float64]

HISTORY_YEARS = 100.0
MIN_AGE = 18.0
AGE_SHAPE, AGE_SCALE = 1.3, 16.0  # age at arrival = 18 + Gamma(shape, scale) years
MAX_AGE = 100.0
CLOSURE_RATE = 0.07  # yearly hazard of closing the relationship
GOMPERTZ_BASE, GOMPERTZ_GROWTH = 0.0008, 0.085  # mortality hazard b * exp(g * (age - 30))
CORPORATE_SHARE = 0.03
YOUNG_AGE, SENIOR_AGE = 35.0, 50.0


@dataclass(frozen=True)
class Population:
    """Customers whose relationship overlaps the range, in arrival-draw order."""

    arrival: FloatArray  # year the relationship began
    exit: FloatArray  # year it ended (may lie after the range)
    age_at_arrival: FloatArray  # NaN for corporates
    corporate: npt.NDArray[np.bool_]


def _arrival_weight(arrival: FloatArray, age: FloatArray, params: ScenarioParams) -> FloatArray:
    """Relative arrival intensity by age: 1 before the trend start year, then compounding."""
    k = np.maximum(np.floor(arrival) - params.trend_start_year + 1, 0)
    return np.where(
        age < YOUNG_AGE,
        params.young_acquisition_decline**k,
        np.where(age >= SENIOR_AGE, params.senior_acquisition_growth**k, 1.0),
    )


def _max_weight(timeline: Timeline, params: ScenarioParams) -> float:
    """The largest arrival weight in the range (the thinning envelope)."""
    k = max(0.0, np.floor(timeline.end_year) - params.trend_start_year + 1)
    factors = (1.0, params.young_acquisition_decline**k, params.senior_acquisition_growth**k)
    return float(max(factors))


def _exits(
    arrival: FloatArray,
    age: FloatArray,
    corporate: npt.NDArray[np.bool_],
    params: ScenarioParams,
    rng: np.random.Generator,
) -> FloatArray:
    n = len(arrival)
    closing = arrival + rng.exponential(1.0 / CLOSURE_RATE, n)
    # Gompertz: survival from age a to x is exp(-(b/g)(e^{g(x-30)} - e^{g(a-30)})).
    b, g = GOMPERTZ_BASE, GOMPERTZ_GROWTH
    safe_age = np.where(corporate, MIN_AGE, age)
    death_age = 30 + np.log(np.exp(g * (safe_age - 30)) - g / b * np.log(rng.random(n))) / g
    death = arrival + np.minimum(death_age, MAX_AGE) - safe_age
    exit_ = np.where(corporate, closing, np.minimum(closing, death))
    if params.young_closure_rate > 0:
        begins = np.maximum(arrival, float(params.trend_start_year))
        young_exit = begins + rng.exponential(1.0 / params.young_closure_rate, n)
        still_young = young_exit - arrival + safe_age < YOUNG_AGE
        exit_ = np.where(~corporate & still_young, np.minimum(exit_, young_exit), exit_)
    else:
        rng.exponential(1.0, n)  # keep the stream aligned with the planted scenario
    return exit_


def _candidates(
    size: int, timeline: Timeline, params: ScenarioParams, rng: np.random.Generator
) -> Population:
    """A century of arrivals at ``size`` per century, thinned in the range by the trend."""
    start, end = timeline.start_year, timeline.end_year
    n_range = rng.poisson(size * (end - start) / HISTORY_YEARS * _max_weight(timeline, params))
    arrival = np.concatenate(
        [rng.uniform(start - HISTORY_YEARS, start, size), rng.uniform(start, end, n_range)]
    )
    n = len(arrival)
    corporate = rng.random(n) < CORPORATE_SHARE
    age = MIN_AGE + rng.gamma(AGE_SHAPE, AGE_SCALE, n)
    weight = np.where(corporate, 1.0, _arrival_weight(arrival, age, params))
    accept = rng.random(n) * _max_weight(timeline, params) < np.where(
        arrival < start, np.inf, weight
    )
    age = np.where(corporate, np.nan, np.minimum(age, MAX_AGE - 1))
    exit_ = _exits(arrival, age, corporate, params, rng)
    keep = accept & (exit_ > start)
    order = rng.permutation(int(keep.sum()))
    return Population(
        arrival[keep][order], exit_[keep][order], age[keep][order], corporate[keep][order]
    )


def simulate(
    n: int, timeline: Timeline, params: ScenarioParams, rng: np.random.Generator
) -> Population:
    """Exactly ``n`` customers whose relationship overlaps the range, in random order."""
    batches: list[Population] = []
    found = 0
    while found < n:
        batch = _candidates(max(8 * (n - found), 20_000), timeline, params, rng)
        batches.append(batch)
        found += len(batch.arrival)
    return Population(
        arrival=np.concatenate([p.arrival for p in batches])[:n],
        exit=np.concatenate([p.exit for p in batches])[:n],
        age_at_arrival=np.concatenate([p.age_at_arrival for p in batches])[:n],
        corporate=np.concatenate([p.corporate for p in batches])[:n],
    )
