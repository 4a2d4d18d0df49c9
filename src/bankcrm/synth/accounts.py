"""Accounts: each customer's demand deposit plus "product slots" that open, renew and close.

Every customer has one primary demand deposit, open from their opening day to their closing
day. Beyond it a customer has ``extra_products`` slots, each of one product type chosen by
wealth and customer type. A slot of a term product (time deposit, large CD, wealth management,
savings bond) is a chain of accounts: each matures after its term and is then renewed into a
new account, or its money goes back to the demand deposit, or it leaves the bank (maturity
run-off, SCENARIO.md 7, with probability ``maturity_runoff_share``). Other slots are one
account each, closed when redeemed, repaid or cancelled. Everything closes when the customer
does, and high-value attrition (``balances``) closes a customer's investments early.

Day numbers use NEVER for "no date" (maturity of a demand deposit, closing of an open account).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import numpy.typing as npt

from bankcrm.domain.enums import ProductType
from bankcrm.synth.customers import NEVER, CustomerFrame
from bankcrm.synth.products import IS_ASSET, IS_LOAN, IS_RUNOFF, IS_TERM, TYPES, Catalogue
from bankcrm.synth.scenario import ScenarioParams
from bankcrm.synth.timeline import DAYS_PER_YEAR, Timeline, add_months
from bankcrm.synth.util import expand

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

P = ProductType
# Slot product-type weights (columns: products.TYPES order, demand deposit first) by segment
# (rows): individual <50k, 50k-500k, 500k+ yuan; corporate.
SLOT_WEIGHTS = np.array(
    [
        [0.005, 0.34, 0.00, 0.02, 0.04, 0.07, 0.03, 0.03, 0.12, 0.09, 0.03, 0.25],
        [0.010, 0.33, 0.02, 0.18, 0.10, 0.08, 0.05, 0.03, 0.06, 0.03, 0.03, 0.08],
        [0.020, 0.18, 0.22, 0.30, 0.10, 0.07, 0.04, 0.03, 0.01, 0.00, 0.03, 0.05],
        [0.000, 0.35, 0.10, 0.25, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.30, 0.00],
    ]
)
MINIMUM_YUAN = {P.LARGE_CD: 200_000.0, P.WEALTH_MANAGEMENT: 50_000.0}
RENEWAL = {P.TIME_DEPOSIT: 0.75, P.LARGE_CD: 0.4, P.WEALTH_MANAGEMENT: 0.65, P.BOND: 0.0}
# Loan amounts; any other slot's "principal" is a credit card's typical monthly spending.
LOAN_MEDIAN_YUAN = {
    P.MORTGAGE_LOAN: 350_000.0,
    P.CONSUMER_LOAN: 60_000.0,
    P.BUSINESS_LOAN: 300_000.0,
}
LOAN_TERMS = {P.MORTGAGE_LOAN: (120, 360), P.CONSUMER_LOAN: (12, 60), P.BUSINESS_LOAN: (12, 36)}
MAX_ASSET_SHARE = 0.85  # slots together hold at most this share of a customer's AUM
SLOT_HISTORY_YEARS = 8  # a slot's first episode may start this long before the range
EPISODE_GAP_YEARS = 0.5  # mean gap between two holding episodes of a slot (loans: 3 years)
CARD = TYPES.index(P.CREDIT_CARD)
RENEWAL_P = np.array([RENEWAL.get(t, 0.0) for t in TYPES])
LOAN_TERM_MONTHS = np.array([LOAN_TERMS.get(t, (0, 0)) for t in TYPES], dtype=np.int64)
LOAN_MEDIAN = np.array([LOAN_MEDIAN_YUAN.get(t, 3_000.0) for t in TYPES])

# How an account ended.
OPEN, RENEWED, TO_DEMAND, RUNOFF, REDEEMED, CUSTOMER_CLOSED, ATTRITION = range(7)


@dataclass(frozen=True)
class AccountPlan:
    """Accounts of a chunk (chunk-local customer index), before account numbers are given."""

    customer: IntArray
    product: IntArray  # index into the catalogue
    type_code: IntArray  # index into products.TYPES
    opened: IntArray
    maturity: IntArray
    closed: IntArray
    outcome: IntArray
    primary: BoolArray  # the customer's main demand deposit
    share: FloatArray  # share of the customer's AUM held (asset slots), else 0
    principal: FloatArray  # yuan: loan amount, or a card's typical monthly spending
    purchase: BoolArray  # bought by the customer (not an automatic renewal)

    def __len__(self) -> int:
        return len(self.customer)

    def take(self, index: IntArray | BoolArray) -> AccountPlan:
        return AccountPlan(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


def _slot_types(
    c: CustomerFrame, customer: IntArray, catalogue: Catalogue, rng: np.random.Generator
) -> tuple[IntArray, FloatArray]:
    """Product and AUM share of each slot."""
    wealth = c.wealth[customer]
    segment = np.where(c.corporate[customer], 3, np.digitize(wealth, [50_000, 500_000]))
    cumulative = np.cumsum(SLOT_WEIGHTS / SLOT_WEIGHTS.sum(axis=1, keepdims=True), axis=1)
    drawn = (rng.random(len(customer))[:, None] >= cumulative[segment]).sum(axis=1)
    ptype = np.minimum(drawn, len(TYPES) - 1)  # a type code
    share = rng.uniform(0.2, 0.55, len(customer))
    for product_type, minimum in MINIMUM_YUAN.items():  # too small for the product: a deposit
        small = (ptype == TYPES.index(product_type)) & (share * wealth < minimum)
        ptype[small] = TYPES.index(P.TIME_DEPOSIT)
    product = np.empty(len(customer), np.int64)
    corporate = c.corporate[customer]
    for code in np.unique(ptype):  # a loop over the dozen product types, not over rows
        for corp in (False, True):
            rows = np.flatnonzero((ptype == code) & (corporate == corp))
            choices = catalogue.products_of(TYPES[code], corp)
            if TYPES[code] is P.DEMAND_DEPOSIT:  # a second demand deposit: the foreign-currency one
                choices = np.flatnonzero(catalogue.currency != "CNY")
            product[rows] = choices[rng.integers(0, len(choices), len(rows))]
    return product, np.where(IS_ASSET[ptype], share, 0.0)


def _term_chains(
    slot_start: IntArray,
    limit: IntArray,
    term: IntArray,
    ptype: IntArray,
    runoff: FloatArray,
    rng: np.random.Generator,
) -> tuple[IntArray, ...]:
    """(slot, rank, opened, maturity, closed, outcome) of the accounts of term-product slots;
    ``runoff`` is each slot's probability that a maturity leaves the bank."""
    renew = RENEWAL_P[ptype] * (1 - runoff)
    renewals = rng.geometric(np.clip(1 - renew, 1e-6, 1)) - 1
    span_months = (limit - slot_start) / DAYS_PER_YEAR * 12
    count = np.minimum(renewals + 1, (span_months // term).astype(np.int64) + 2)  # excess dropped
    slot, rank = expand(count)
    opened = add_months(slot_start[slot], rank * term[slot])
    maturity = add_months(slot_start[slot], (rank + 1) * term[slot])
    keep = opened < limit[slot]
    slot, rank, opened, maturity = slot[keep], rank[keep], opened[keep], maturity[keep]
    matured = maturity < limit[slot]
    terminal = rank == renewals[slot]
    leaves = rng.random(len(slot)) * np.where(renew[slot] < 1, 1 - renew[slot], 1) < runoff[slot]
    outcome = np.where(
        matured, np.where(terminal, np.where(leaves, RUNOFF, TO_DEMAND), RENEWED), OPEN
    )
    return slot, rank, opened, maturity, np.where(matured, maturity, NEVER), outcome


@dataclass(frozen=True)
class _Slots:
    """The product slots of a chunk: who holds them, what, and how much."""

    customer: IntArray
    product: IntArray
    ptype: IntArray
    share: FloatArray
    principal: FloatArray
    loan_months: IntArray
    limit: IntArray  # the customer's closing day, or the day after the range
    runoff: FloatArray  # probability that a maturity leaves the bank (SCENARIO.md 7)


def _one_episode(
    slots: _Slots,
    index: IntArray,
    begin: IntArray,
    catalogue: Catalogue,
    rng: np.random.Generator,
) -> tuple[dict[str, IntArray], IntArray]:
    """The accounts of one holding episode of each slot in ``index`` starting on ``begin``,
    and the day each episode ends (NEVER if it lasts past the slot's limit)."""
    ptype, limit = slots.ptype[index], slots.limit[index]
    term = IS_TERM[ptype]
    t = np.flatnonzero(term)
    chain, rank, t_open, t_mat, t_closed, t_outcome = _term_chains(
        begin[t],
        limit[t],
        catalogue.term_months[slots.product[index[t]]],
        ptype[t],
        slots.runoff[index[t]],
        rng,
    )
    o = np.flatnonzero(~term)
    loan = IS_LOAN[ptype[o]]
    o_open = begin[o]
    o_mat = np.where(loan, add_months(o_open, slots.loan_months[index[o]]), NEVER)
    life = (rng.exponential(np.where(ptype[o] == CARD, 20.0, 4.0)) * DAYS_PER_YEAR).astype(np.int64)
    repaid_early = o_open + (rng.random(len(o)) * (o_mat - o_open)).astype(np.int64)
    ends = np.where(loan, np.where(rng.random(len(o)) < 0.25, repaid_early, o_mat), o_open + life)
    o_end = np.where(ends < limit[o], ends, NEVER)
    slot = np.concatenate([index[t[chain]], index[o]])
    closed = np.concatenate([t_closed, o_end])
    accounts = {
        "slot": slot,
        "opened": np.concatenate([t_open, o_open]),
        "maturity": np.concatenate([t_mat, o_mat]),
        "closed": closed,
        "outcome": np.concatenate([t_outcome, np.where(o_end < NEVER, REDEEMED, OPEN)]),
        "purchase": np.concatenate([rank == 0, np.ones(len(o), bool)]),
    }
    episode_end = np.full(len(slots.customer), -1, dtype=np.int64)
    np.maximum.at(episode_end, slot, closed)
    return accounts, episode_end[index]


def _slot_accounts(
    slots: _Slots,
    first: IntArray,
    catalogue: Catalogue,
    rng: np.random.Generator,
) -> dict[str, IntArray]:
    """Every account of every slot: holding episodes separated by gaps, until the limit.

    A slot is a lasting need (a deposit habit, a fund, a card): an episode of holding ends
    (to-demand, run-off, redemption, repayment) and after a gap a new one starts. This keeps
    the share of customers holding a product type steady over time.
    """
    parts: list[dict[str, IntArray]] = []
    index = np.flatnonzero(first < slots.limit)
    begin = first[index]
    while True:  # a loop over successive episodes (a dozen at most), not over rows
        accounts, end = _one_episode(slots, index, begin, catalogue, rng)
        parts.append(accounts)
        if not len(index):
            break
        gap_years = np.where(IS_LOAN[slots.ptype[index]], 3.0, EPISODE_GAP_YEARS)
        following = end + 1 + (rng.exponential(gap_years) * DAYS_PER_YEAR).astype(np.int64)
        again = (end < NEVER) & (following < slots.limit[index])
        index, begin = index[again], following[again]
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def plan_accounts(
    c: CustomerFrame,
    timeline: Timeline,
    params: ScenarioParams,
    catalogue: Catalogue,
    rng: np.random.Generator,
) -> AccountPlan:
    """All accounts of a chunk of customers that are open at some time in the range."""
    n = len(c)
    limit_c = np.minimum(c.exit, timeline.end_day + 1)
    customer, _ = expand(c.extra_products)
    product, share = _slot_types(c, customer, catalogue, rng)
    total = np.bincount(customer, weights=share, minlength=n)
    share *= np.minimum(1.0, MAX_ASSET_SHARE / np.maximum(total, 1e-9))[customer]
    ptype = catalogue.type_code[product]
    lo_term, hi_term = LOAN_TERM_MONTHS[:, 0][ptype], LOAN_TERM_MONTHS[:, 1][ptype]
    median = np.where(c.corporate[customer], 5.0, 1.0) * LOAN_MEDIAN[ptype]
    slots = _Slots(
        customer=customer,
        product=product,
        ptype=ptype,
        share=share,
        principal=median * rng.lognormal(0.0, 0.5, len(customer)),
        loan_months=12 * ((lo_term + rng.random(len(customer)) * (hi_term - lo_term + 12)) // 12),
        limit=limit_c[customer],
        # Private-bank anchors keep their money: they stay private all along.
        runoff=np.where(
            IS_RUNOFF[ptype] & ~c.protected[customer], params.maturity_runoff_share, 0.0
        ),
    )
    lo = np.maximum(c.opened, timeline.start_day - int(SLOT_HISTORY_YEARS * DAYS_PER_YEAR))[
        customer
    ]
    first = lo + (rng.exponential(0.5, len(customer)) * DAYS_PER_YEAR).astype(np.int64)
    a = _slot_accounts(slots, first, catalogue, rng)
    slot = a["slot"]
    primary_product = np.where(c.corporate, np.flatnonzero(catalogue.code == "DD002")[0], 0)
    k = len(slot)
    plan = AccountPlan(
        customer=np.concatenate([np.arange(n), customer[slot]]),
        product=np.concatenate([primary_product, product[slot]]),
        type_code=np.concatenate([np.zeros(n, np.int64), ptype[slot]]),
        opened=np.concatenate([c.opened, a["opened"]]),
        maturity=np.concatenate([np.full(n, NEVER), a["maturity"]]),
        closed=np.concatenate([np.full(n, NEVER), a["closed"]]),
        outcome=np.concatenate([np.full(n, OPEN), a["outcome"]]),
        primary=np.r_[np.ones(n, bool), np.zeros(k, bool)],
        share=np.concatenate([np.zeros(n), share[slot]]),
        principal=np.concatenate([np.zeros(n), slots.principal[slot]]),
        purchase=np.concatenate([np.ones(n, bool), a["purchase"].astype(bool)]),
    )
    # Everything closes when the customer does.
    customer_exit = c.exit[plan.customer]
    closing = (customer_exit < NEVER) & (plan.closed >= customer_exit)
    plan = replace(
        plan,
        closed=np.where(closing, customer_exit, plan.closed),
        outcome=np.where(closing, CUSTOMER_CLOSED, plan.outcome),
    )
    live = (
        (plan.closed >= timeline.start_day)
        & (plan.opened <= timeline.end_day)
        & (plan.opened < plan.closed)
    )
    return plan.take(live | plan.primary)


def close_for_attrition(plan: AccountPlan, attrition_day: IntArray) -> AccountPlan:
    """Investments (asset accounts other than the primary demand deposit) are closed on the
    customer's attrition day; those that would have opened later are never opened."""
    day = attrition_day[plan.customer]
    investment = IS_ASSET[plan.type_code] & ~plan.primary
    cut = investment & (plan.opened <= day) & (plan.closed > day)
    plan = replace(
        plan,
        closed=np.where(cut, day, plan.closed),
        outcome=np.where(cut, ATTRITION, plan.outcome),
    )
    return plan.take(~(investment & (plan.opened > day)))
