"""Customers: the customers table and the hidden traits that drive their accounts and activity.

Every trait is drawn for the whole column at once from the population (``population``): ages
and dates become birth dates and opening dates, and wealth, activity, dormancy, product
appetite, mobile-banking readiness and RM neglect are drawn here so that every later stage
(accounts, balances, transactions, enrollments, assignments), which runs per chunk of
customers, reads the same customer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from bankcrm.synth import population
from bankcrm.synth.branches import BRANCHES, serving_branches
from bankcrm.synth.scenario import ScenarioParams
from bankcrm.synth.timeline import DAYS_PER_YEAR, Timeline, whole_years_between, years_to_days

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NEVER = np.int64(10**7)  # day number standing for "no date" (closed_on null, never dormant)
LEGACY_YEARS = 25  # opening dates older than this are the legacy-ledger migration dates
MEDIAN_WEALTH_YUAN = 8_000.0
WEALTH_SIGMA = 1.7  # log-normal spread: the top 10 % hold about three quarters of AUM
CORPORATE_MEDIAN_WEALTH_YUAN = 150_000.0
CORPORATE_WEALTH_SIGMA = 1.3
PRIVATE_FLOOR_YUAN = 6_000_000.0
PRIVATE_ANCHOR_SHARE = 0.0004  # customers guaranteed to be private-bank clients all along
NEGLECTED_SHARE = 0.45  # customers whose RM rarely gets in touch
SLOT_GAP_SHARE = 0.17  # measured: share of customers with slots who hold none at a year-end
DORMANCY_DELAY_YEARS = 3.0
DORMANCY_REACH = 0.75  # measured: share of the base's sleepers whose twelve months have passed


@dataclass(frozen=True)
class CustomerFrame:
    """One row per customer, sorted by opening date; ``number`` + 1 is the customer number."""

    number: IntArray
    corporate: BoolArray
    male: BoolArray
    birth: IntArray  # day number; NEVER for corporates
    opened: IntArray  # day number
    exit: IntArray  # day number of closing, NEVER if still open after the range
    branch: IntArray  # index into BRANCHES
    region: IntArray  # 6-digit GB/T 2260 code
    wealth: FloatArray  # yuan: the level this customer's AUM wanders around
    rate: FloatArray  # customer-initiated transactions per active month
    dormant_from: IntArray  # day from which the customer initiates nothing; NEVER if active
    extra_products: IntArray  # product slots beyond the demand deposit
    adoption_rank: FloatArray  # uniform in [0, 1): low = early mobile-banking adopter
    neglected: BoolArray
    salary: FloatArray  # yuan a month paid through the bank in the start year; 0 = none
    pension: FloatArray  # yuan a month once retired; 0 = none
    retirement: IntArray  # day of statutory retirement (60 for men, 55 for women); NEVER
    protected: BoolArray  # private-bank anchors: never close, never attrite

    def __len__(self) -> int:
        return len(self.number)

    def slice(self, lo: int, hi: int) -> CustomerFrame:
        """Rows ``lo`` .. ``hi - 1`` (a chunk)."""
        return CustomerFrame(**{f.name: getattr(self, f.name)[lo:hi] for f in fields(self)})

    def age_at(self, day: npt.ArrayLike) -> IntArray:
        """Whole years of age at ``day`` (meaningless for corporates)."""
        return whole_years_between(np.where(self.corporate, 0, self.birth), day)


def _regions(branch: IntArray, rng: np.random.Generator) -> IntArray:
    """Residence (and, for residents, ID-issuing) region: mostly the branch's own county."""
    home = np.array([int(BRANCHES[b][4]) for b in range(len(BRANCHES))], dtype=np.int64)[branch]
    other_xinyu = np.where(home == 360521, 360502, 360521)
    elsewhere = np.array([360102, 360902, 360802, 360302, 360982, 430102, 441900, 330106])
    u = rng.random(len(branch))
    far = elsewhere[rng.integers(0, len(elsewhere), len(branch))]
    return np.where(u < 0.82, home, np.where(u < 0.93, other_xinyu, far))


def _dormancy(
    opened: IntArray,
    wealth: FloatArray,
    protected: BoolArray,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> IntArray:
    """Day each dormant customer stops initiating transactions (NEVER for active ones).

    A sleeper falls asleep some years after opening (exponential, mean DORMANCY_DELAY_YEARS),
    so in a stationary base the dormant share is the same at every date; small accounts fall
    asleep more often. The share is calibrated so that about ``params.dormant_share`` of the
    base is dormant (a sleeper counts once twelve months have passed).
    """
    appetite = np.select([wealth < 10_000, wealth < 50_000], [1.6, 0.8], 0.3)
    p = np.clip(params.dormant_share / DORMANCY_REACH * appetite / appetite.mean(), 0, 0.95)
    day = opened + (rng.exponential(DORMANCY_DELAY_YEARS, len(opened)) * DAYS_PER_YEAR).astype(
        np.int64
    )
    dormant = (rng.random(len(opened)) < p) & ~protected
    return np.where(dormant, day, NEVER)


def _extra_products(
    wealth: FloatArray,
    corporate: BoolArray,
    dormant: BoolArray,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> IntArray:
    """Product slots beyond the demand deposit: richer customers hold more."""
    z = (np.log(wealth) - np.log(20_000.0)) / WEALTH_SIGMA
    # Some holders have no slot open at a given time (between episodes): aim higher.
    target = min(0.98, (1.0 - params.single_product_share) / (1.0 - SLOT_GAP_SHARE))
    lo, hi = -10.0, 10.0
    for _ in range(30):  # bisection on the intercept: mean P(K >= 1) over the active = target
        mid = (lo + hi) / 2
        p = 1 / (1 + np.exp(-(mid + 1.2 * z + 2.0 * corporate)))
        lo, hi = (mid, hi) if p[~dormant].mean() * (~dormant).mean() < target else (lo, mid)
    has_any = rng.random(len(wealth)) < p
    more = rng.poisson(np.clip(0.4 + 0.35 * z, 0.05, 2.0))
    return np.where(has_any & ~dormant, np.minimum(1 + more, 4), 0).astype(np.int64)


def make_customers(
    n: int,
    timeline: Timeline,
    params: ScenarioParams,
    pop_rng: np.random.Generator,
    rng: np.random.Generator,
) -> CustomerFrame:
    """``n`` customers in opening-date order with all their traits."""
    pop = population.simulate(n, timeline, params, pop_rng)
    arrival = years_to_days(pop.arrival)
    legacy = timeline.start_day - int(LEGACY_YEARS * DAYS_PER_YEAR)
    migrated = legacy + rng.integers(0, 5 * 365, n)
    opened = np.where(arrival < legacy, migrated, arrival)
    order = np.lexsort((rng.random(n), opened))
    opened, corporate = opened[order], pop.corporate[order].copy()
    if not corporate.any():  # at least one company, so every kind of row exists
        corporate[-1] = True
    exit_ = np.maximum(years_to_days(pop.exit[order]), opened + 1)
    age = np.nan_to_num(pop.age_at_arrival[order], nan=40.0)
    birth = np.where(corporate, NEVER, years_to_days(pop.arrival[order] - age))
    protected = np.zeros(n, bool)
    senior_old = np.flatnonzero(
        ~corporate & (opened < timeline.start_day) & (birth < timeline.start_day - 40 * 365)
    )
    candidates = senior_old if len(senior_old) else np.arange(n)
    anchors = rng.choice(
        candidates, min(len(candidates), max(1, round(n * PRIVATE_ANCHOR_SHARE))), replace=False
    )
    protected[anchors] = True
    exit_ = np.where(protected, NEVER, np.where(exit_ > timeline.end_day, NEVER, exit_))
    serving, share = serving_branches()
    branch = serving[rng.choice(len(serving), n, p=share)]
    age_end = (timeline.end_day - birth) / DAYS_PER_YEAR
    wealth = np.where(
        corporate,
        CORPORATE_MEDIAN_WEALTH_YUAN * np.exp(CORPORATE_WEALTH_SIGMA * rng.standard_normal(n)),
        MEDIAN_WEALTH_YUAN
        * np.exp(
            0.6 * np.exp(-(((age_end - 58) / 18) ** 2))
            - 0.3
            + WEALTH_SIGMA * rng.standard_normal(n)
        ),
    )
    wealth = np.where(protected, PRIVATE_FLOOR_YUAN * rng.uniform(1.6, 2.5, n), wealth)
    dormant_from = _dormancy(opened, wealth, protected, params, rng)
    rate = np.where(corporate, 3.0, 0.5) + np.minimum(rng.lognormal(np.log(0.5), 1.0, n), 30.0)
    rate *= np.where(corporate | (age_end > 65), 0.7, 1.0)
    # Independent of age on purpose: a birth-cohort link would drift the adopted share of a
    # stationary base as cohorts replace each other, and the neutral scenario must stay flat.
    adoption_rank = rng.random(n)
    male = np.where(corporate, False, rng.random(n) < 0.5)
    retirement = np.where(corporate, NEVER, birth + np.where(male, 60, 55) * 36525 // 100)
    working = ~corporate & (age_end > 20) & (retirement > timeline.start_day)
    salary = np.where(working & (rng.random(n) < 0.30), rng.lognormal(np.log(3_500), 0.35, n), 0.0)
    retired = ~corporate & (retirement <= timeline.end_day)
    pension = np.where(retired & (rng.random(n) < 0.6), rng.lognormal(np.log(2_400), 0.3, n), 0.0)
    return CustomerFrame(
        number=np.arange(n, dtype=np.int64),
        corporate=corporate,
        male=male,
        birth=birth,
        opened=opened,
        exit=exit_,
        branch=branch,
        region=_regions(branch, rng),
        wealth=wealth,
        rate=rate,
        dormant_from=dormant_from,
        extra_products=_extra_products(wealth, corporate, dormant_from < NEVER, params, rng),
        adoption_rank=adoption_rank,
        neglected=rng.random(n) < NEGLECTED_SHARE,
        salary=salary,
        pension=pension,
        retirement=retirement,
        protected=protected,
    )
