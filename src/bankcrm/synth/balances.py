"""AUM paths, high-value attrition and the month-end balance of every account.

A customer's AUM wanders around their wealth level: a mean-reverting log deviation (an AR(1)
with monthly persistence 0.95 and shock 0.04, so about +-13 %), 3 % yearly growth, and a ramp
over the first months after opening. It freezes while the customer is dormant, drops by a
slot's share when a maturing product runs off (SCENARIO.md 7) and falls to 0.5-5 % when the
customer attrites (SCENARIO.md 4); a run-off's dent heals at 3 % a month as savings rebuild.
Attrition is drawn month by month (a loop over the 72 months, vectorised over customers),
because whether a customer is platinum-or-above depends on last month's AUM, and whether their
RM was in touch on the contact log.

Balances are in fen. Term products hold their principal (share of AUM at opening; wealth
products accrue), investments follow AUM, the demand deposit holds the rest and never goes
negative. Loans and credit cards are stored as positive outstanding amounts (the customer owes
the bank this much): METRICS.md sums loan balances as they stand, and a sign convention for
liabilities would be one more thing for every consumer of the extract to get right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bankcrm.domain.enums import ProductType
from bankcrm.synth.accounts import RUNOFF, AccountPlan
from bankcrm.synth.assignments import Assignments, last_contact_before
from bankcrm.synth.customers import NEVER, CustomerFrame
from bankcrm.synth.products import IS_ASSET, IS_LOAN, IS_TERM, TYPES
from bankcrm.synth.scenario import ScenarioParams
from bankcrm.synth.timeline import Timeline, month_of
from bankcrm.synth.util import monthly_probability

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

PERSISTENCE, SHOCK, MONTHLY_GROWTH = 0.95, 0.04, 0.0025
RUNOFF_RECOVERY = 0.97  # monthly persistence of the dent a run-off leaves in AUM (savings rebuild)
PLATINUM_YUAN = 500_000.0
ATTRITION_FLOOR_YUAN = 25_000.0  # customers above this may attrite at the base rate
CONTACT_WINDOW_DAYS = 90
WEALTH_ACCRUAL = 0.0035  # monthly accrual of wealth-management products
NAV_NOISE = {ProductType.FUND: 0.06, ProductType.PRECIOUS_METAL: 0.05}


@dataclass(frozen=True)
class Paths:
    """Per customer of a chunk: AUM target by month-end (yuan) and the attrition, if any."""

    aum: FloatArray  # (customers, months)
    attrition_day: IntArray  # NEVER if the customer did not attrite
    attrition_uncontacted: BoolArray  # no RM contact in the 90 days before attrition
    attrition_high_value: BoolArray  # platinum+ in a high-value attrition year


def _drift(c: CustomerFrame, timeline: Timeline, rng: np.random.Generator) -> FloatArray:
    """log AUM deviation + growth by month (customers x months), frozen while dormant."""
    n, months = len(c), timeline.n_months
    dormant_month = timeline.month_index(np.minimum(c.dormant_from, timeline.end_day + 1))
    shocks = SHOCK * rng.standard_normal((n, months))
    x = np.empty((n, months))
    level = SHOCK / np.sqrt(1 - PERSISTENCE**2) * rng.standard_normal(n)
    for m in range(months):
        awake = m < dormant_month
        level = np.where(awake, PERSISTENCE * level + shocks[:, m], level)
        x[:, m] = level + MONTHLY_GROWTH * np.minimum(m, dormant_month)
    since_open = np.arange(months)[None, :] - timeline.month_index(c.opened)[:, None]
    ramp = np.log(1 - 0.7 * np.exp(-np.maximum(since_open, 0) / 4))
    return np.asarray(x + ramp, dtype=np.float64)


def simulate_paths(
    c: CustomerFrame,
    plan: AccountPlan,
    contacts: Assignments,
    timeline: Timeline,
    params: ScenarioParams,
    rng: np.random.Generator,
) -> Paths:
    """AUM targets with run-offs and attritions applied, month by month."""
    n, months = len(c), timeline.n_months
    free = c.wealth[:, None] * np.exp(_drift(c, timeline, rng))
    runoff = np.zeros((n, months))
    ran = (
        (plan.outcome == RUNOFF)
        & (plan.closed <= timeline.end_day)
        & (plan.closed >= timeline.start_day)
    )
    np.add.at(
        runoff,
        (plan.customer[ran], timeline.month_index(plan.closed[ran])),
        np.log1p(-plan.share[ran]),
    )
    ends = timeline.month_ends
    in_base = (c.opened[:, None] <= ends[None, :]) & (c.exit[:, None] > ends[None, :])
    years = timeline.months // 12 + 1970
    base_p = monthly_probability(params.attrition_base_rate)
    hv_p = monthly_probability(
        [params.high_value_attrition_contacted, params.high_value_attrition_uncontacted]
    )
    aum = np.empty((n, months))
    level = np.ones(n)  # attrition's lasting factor
    dent = np.zeros(n)  # log AUM lost to run-offs, recovering slowly
    attrition_day = np.full(n, NEVER)
    uncontacted = np.zeros(n, bool)
    high_value = np.zeros(n, bool)
    awake_until = c.dormant_from
    for m in range(months):
        dent = RUNOFF_RECOVERY * dent + np.where(attrition_day < NEVER, 0.0, runoff[:, m])
        if m > 0:
            prev = aum[:, m - 1]
            eligible = in_base[:, m] & in_base[:, m - 1] & (attrition_day == NEVER) & ~c.protected
            # Below the gold floor too, so customers hovering around it are not spared.
            eligible &= (awake_until > ends[m - 1]) & (prev >= ATTRITION_FLOOR_YUAN)
            day = timeline.month_starts[m] + rng.integers(
                0, ends[m] - timeline.month_starts[m] + 1, n
            )
            hv = (
                eligible & (prev >= PLATINUM_YUAN) & (years[m] in params.high_value_attrition_years)
            )
            idx = np.flatnonzero(hv)
            silent = np.zeros(n, bool)
            silent[idx] = (
                last_contact_before(contacts, idx, day[idx]) < day[idx] - CONTACT_WINDOW_DAYS
            )
            p = np.where(hv, hv_p[silent.astype(np.int64)], base_p)
            hit = eligible & (rng.random(n) < p)
            attrition_day[hit] = day[hit]
            uncontacted[hit], high_value[hit] = silent[hit], hv[hit]
            level[hit] *= rng.uniform(0.005, 0.05, int(hit.sum()))
        aum[:, m] = free[:, m] * level * np.exp(dent)
    return Paths(aum, attrition_day, uncontacted, high_value)


def balance_matrix(
    plan: AccountPlan, paths: Paths, timeline: Timeline, rng: np.random.Generator
) -> tuple[IntArray, BoolArray]:
    """(balance in fen, open?) of every account at every month-end: accounts x months."""
    ends = timeline.month_ends
    is_open = (plan.opened[:, None] <= ends[None, :]) & (plan.closed[:, None] > ends[None, :])
    months = timeline.n_months
    open_month = np.clip(timeline.month_index(plan.opened) - 1, 0, months - 1)
    aum = paths.aum[plan.customer]
    term = IS_TERM[plan.type_code]
    elapsed = np.maximum(np.arange(months)[None, :] - timeline.month_index(plan.opened)[:, None], 0)
    principal = plan.share * aum[np.arange(len(plan)), open_month]
    accrual = np.where(
        plan.type_code == TYPES.index(ProductType.WEALTH_MANAGEMENT), WEALTH_ACCRUAL, 0.0
    )
    yuan = np.where(term[:, None], principal[:, None] * (1 + accrual[:, None] * elapsed), 0.0)
    noise = np.asarray([NAV_NOISE.get(t, 0.0) for t in TYPES])[plan.type_code]
    investment = IS_ASSET[plan.type_code] & ~term & ~plan.primary
    nav = np.exp(noise[:, None] * rng.standard_normal((len(plan), months)))
    yuan = np.where(investment[:, None], plan.share[:, None] * aum * nav, yuan)
    loan = IS_LOAN[plan.type_code]
    term_months = np.maximum(
        month_of(np.minimum(plan.maturity, NEVER - 1)) - month_of(plan.opened), 1
    )
    remaining = np.clip(1 - elapsed / term_months[:, None], 0, 1)
    yuan = np.where(loan[:, None], plan.principal[:, None] * remaining, yuan)
    card = plan.type_code == TYPES.index(ProductType.CREDIT_CARD)
    used = rng.lognormal(0, 0.5, (len(plan), months)) * (rng.random((len(plan), months)) > 0.3)
    yuan = np.where(card[:, None], plan.principal[:, None] * used, yuan)
    fen = np.where(is_open, np.rint(yuan * 100), 0).astype(np.int64)
    # The primary demand deposit holds what the customer's other assets do not.
    others = np.zeros_like(paths.aum, dtype=np.int64)
    other_asset = IS_ASSET[plan.type_code] & ~plan.primary
    np.add.at(others, plan.customer[other_asset], fen[other_asset])
    primary = np.flatnonzero(plan.primary)
    target = np.rint(paths.aum[plan.customer[primary]] * 100).astype(np.int64)
    fen[primary] = np.where(
        is_open[primary], np.maximum(target - others[plan.customer[primary]], 0), 0
    )
    return fen, is_open
