"""Everyday transactions and the bank's batch postings, for a chunk of customers.

Everyday activity: each active customer-month draws a Poisson number of customer-initiated
transactions at the customer's rate (none once dormant, SCENARIO.md 6), split into card
payments, ATM and counter cash, transfers, bill payments and third-party payments. The
third-party share rises and falls with the planted outflow curve (SCENARIO.md 2); transfers and
bills go through mobile banking once the customer has enrolled, so the counter's share falls as
mobile adoption spreads (SCENARIO.md 3). Batch postings, which no customer initiates: salaries
and pensions, quarterly interest on demand deposits (21st of the last month of each quarter,
on the previous month-end balance), loan instalments and credit-card repayments.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bankcrm.synth import ledger as tx
from bankcrm.synth.accounts import CARD
from bankcrm.synth.channels import INTERNET as INTERNET_ENROLLMENT
from bankcrm.synth.channels import Enrollments
from bankcrm.synth.chunk import Chunk, seconds
from bankcrm.synth.customers import NEVER, CustomerFrame
from bankcrm.synth.products import IS_LOAN
from bankcrm.synth.timeline import DAYS_PER_YEAR, month_first_day, month_of

IntArray = npt.NDArray[np.int64]

DEMAND_INTEREST = 0.0035  # yearly rate on demand deposits
PAYMENT_COUNT_FACTOR = 1.2  # share of everyday transactions that are third-party payments,
# per unit of the planted outflow share
# Everyday kinds: weight (third-party payments take their share first), median yuan, log
# spread, wealth elasticity, sign, channel, counterparty type, memo.
KINDS = (
    (0.26, 150.0, 1.0, 0.2, -1, tx.POS, tx.MERCHANT, "消费"),
    (0.20, 800.0, 0.6, 0.2, -1, tx.ATM, tx.OTHER_PARTY, "ATM取款"),
    (0.08, 3000.0, 0.9, 0.35, 1, tx.COUNTER, tx.OTHER_PARTY, "现金存入"),
    (0.08, 2000.0, 0.9, 0.35, -1, tx.COUNTER, tx.OTHER_PARTY, "现金支取"),
    (0.18, 2000.0, 1.2, 0.4, -1, tx.COUNTER, tx.OTHER_BANK, "转账"),
    (0.10, 2500.0, 1.2, 0.4, 1, tx.OTHER_CHANNEL, tx.OTHER_BANK, "转账"),
    (0.06, 120.0, 0.6, 0.0, -1, tx.COUNTER, tx.MERCHANT, "代缴费"),
    (0.04, 800.0, 1.0, 0.2, 1, tx.THIRD_PARTY, tx.PAYMENT, "提现"),
    (0.00, 400.0, 1.3, 0.3, -1, tx.THIRD_PARTY, tx.PAYMENT, "快捷支付"),
)
POS, ATM_CASH, CASH_IN, CASH_OUT, TRANSFER_OUT, TRANSFER_IN, BILL, PAYMENT_IN, PAYMENT_OUT = range(
    9
)
_columns = list(zip(*KINDS, strict=True))
KIND_WEIGHT = np.array(_columns[0][:-1])
KIND_MEDIAN, KIND_SIGMA, KIND_ELASTICITY = (np.array(c, dtype=np.float64) for c in _columns[1:4])
KIND_SIGN, KIND_CHANNEL, KIND_PARTY = (np.array(c, dtype=np.int64) for c in _columns[4:7])
KIND_MEMO = np.array([tx.MEMO[m] for m in _columns[7]])


def wealth_factor(c: CustomerFrame) -> npt.NDArray[np.float64]:
    """Amounts scale with wealth (relative to 20 000 yuan), within sane bounds."""
    return np.clip(c.wealth / 20_000.0, 0.03, 3_000.0)


def _enrolled(e: Enrollments, channel: int, n: int) -> tuple[IntArray, IntArray]:
    """Per customer: (from, until) of their first enrollment in ``channel``, empty if none."""
    start, until = np.full(n, NEVER), np.full(n, NEVER)
    rows = np.flatnonzero(e.channel == channel)[::-1]  # last written wins: the first enrollment
    start[e.customer[rows]], until[e.customer[rows]] = e.enrolled[rows], e.cancelled[rows]
    return start, until


def everyday(k: Chunk, ledger: tx.Ledger, rng: np.random.Generator) -> None:
    """Customer-initiated activity on demand deposits (and card payments on credit cards)."""
    c, t = k.customers, k.timeline
    row = k.primary_row()
    until = np.minimum(k.plan.closed[row], c.dormant_from)  # exclusive
    lo = np.maximum(t.month_starts[None, :], k.plan.opened[row][:, None])
    hi = np.minimum(t.month_ends[None, :], until[:, None] - 1)
    width = np.maximum(hi - lo + 1, 0)
    counts = rng.poisson(c.rate[:, None] * width / (t.month_ends - t.month_starts + 1)[None, :])
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    cust, m = cell // t.n_months, cell % t.n_months
    day = lo[cust, m] + (rng.random(len(cell)) * width[cust, m]).astype(np.int64)
    share = np.array([k.params.outflow_share(int(y)) for y in t.months // 12 + 1970])
    weight_pay = np.minimum(PAYMENT_COUNT_FACTOR * share, 0.5)
    weights = np.concatenate(
        [KIND_WEIGHT[None, :] * (1 - weight_pay)[:, None], weight_pay[:, None]], axis=1
    )
    cumulative = np.cumsum(weights, axis=1)
    kind = np.minimum((rng.random(len(cell))[:, None] >= cumulative[m]).sum(axis=1), PAYMENT_OUT)
    factor = wealth_factor(c)[cust] ** KIND_ELASTICITY[kind]
    yuan = KIND_MEDIAN[kind] * factor * np.exp(KIND_SIGMA[kind] * rng.standard_normal(len(cell)))
    yuan = np.where(kind == ATM_CASH, np.clip(np.ceil(yuan / 100) * 100, 100, 20_000), yuan)
    fen = np.maximum(np.rint(yuan * 100), 1).astype(np.int64) * KIND_SIGN[kind]
    mobile_on = k.enrollments.mobile_day[cust] <= day
    net_from, net_until = _enrolled(k.enrollments, INTERNET_ENROLLMENT, len(c))
    internet_on = (net_from[cust] <= day) & (day < net_until[cust])
    remote = np.isin(kind, [TRANSFER_OUT, BILL])
    u = rng.random(len(cell))
    channel = np.where(remote & mobile_on & (u < 0.85), tx.MOBILE, KIND_CHANNEL[kind])
    channel = np.where(remote & ~mobile_on & internet_on & (u < 0.6), tx.INTERNET, channel)
    party = np.where(
        (kind == TRANSFER_OUT) | (kind == TRANSFER_IN),
        np.where(u < 0.4, tx.SAME_BANK, tx.OTHER_BANK),
        KIND_PARTY[kind],
    )
    name = np.select(
        [
            kind == POS,
            kind == BILL,
            (kind == PAYMENT_IN) | (kind == PAYMENT_OUT),
            (kind == TRANSFER_OUT) | (kind == TRANSFER_IN),
        ],
        [
            tx.MERCHANT_BASE + rng.integers(0, len(tx.MERCHANTS), len(cell)),
            tx.UTILITY_BASE + rng.integers(0, len(tx.UTILITIES), len(cell)),
            tx.PAYMENT_BASE + rng.choice(len(tx.PAYMENT_COMPANIES), len(cell), p=tx.PAYMENT_P),
            tx.person(rng, len(cell)),
        ],
        -1,
    )
    account = row[cust]
    card = _card_rows(k, len(c))[cust]
    on_card = (kind == POS) & (card >= 0) & (rng.random(len(cell)) < 0.5)
    on_card &= (k.plan.opened[np.maximum(card, 0)] <= day) & (
        day < k.plan.closed[np.maximum(card, 0)]
    )
    ledger.add(
        account=np.where(on_card, card, account),
        day=day,
        second=seconds(channel, rng),
        amount=fen,
        channel=channel,
        counterparty=party,
        name=name,
        memo=KIND_MEMO[kind],
        initiated=kind != TRANSFER_IN,
        scaled=kind == PAYMENT_OUT,
    )


def _card_rows(k: Chunk, n: int) -> IntArray:
    card = np.full(n, -1)
    rows = np.flatnonzero(k.plan.type_code == CARD)
    card[k.plan.customer[rows]] = rows
    return card


def _monthly(
    rows: IntArray, day_in_month: IntArray, k: Chunk
) -> tuple[IntArray, IntArray, IntArray]:
    """(row, month index, day) of a monthly posting on ``day_in_month`` (1-based, clamped to the
    month) for every month of the range, kept where the account is open that day."""
    months = k.timeline.n_months
    r = np.repeat(rows, months)
    m = np.tile(np.arange(months), len(rows))
    first = k.timeline.month_starts[m]
    last = k.timeline.month_ends[m]
    day = np.minimum(first + np.repeat(day_in_month, months) - 1, last)
    keep = (k.plan.opened[r] <= day) & (day < k.plan.closed[r])
    return r[keep], m[keep], day[keep]


def batch(k: Chunk, ledger: tx.Ledger, rng: np.random.Generator) -> None:
    """Salaries, pensions, interest, loan instalments, card repayments: none customer-initiated."""
    c, t = k.customers, k.timeline
    prim = k.primary_row()
    paid = np.flatnonzero(c.salary > 0)
    r, _, day = _monthly(prim[paid], 5 + 5 * (c.number[paid] % 3), k)
    who = k.plan.customer[r]
    keep = (day < c.dormant_from[who]) & (day < c.retirement[who])
    r, day, who = r[keep], day[keep], who[keep]
    amount = (
        c.salary[who]
        * 1.06 ** ((day - t.start_day) / DAYS_PER_YEAR)
        * rng.lognormal(0, 0.03, len(r))
    )
    _post(
        ledger,
        r,
        day,
        amount,
        tx.SALARY,
        tx.EMPLOYER_BASE + c.number[who] % len(tx.EMPLOYERS),
        "代发工资",
        rng,
    )
    retired = np.flatnonzero(c.pension > 0)
    r, _, day = _monthly(prim[retired], np.full(len(retired), 8), k)
    who = k.plan.customer[r]
    keep = day >= c.retirement[who]
    r, day, who = r[keep], day[keep], who[keep]
    _post(
        ledger,
        r,
        day,
        c.pension[who] * 1.05 ** ((day - t.start_day) / DAYS_PER_YEAR),
        tx.GOVERNMENT,
        np.full(len(r), tx.PENSION_NAME),
        "养老金",
        rng,
    )
    r, m, day = _monthly(prim, np.full(len(prim), 21), k)
    quarter = (t.months[m] % 12) % 3 == 2
    r, m, day = r[quarter], m[quarter], day[quarter]
    interest = k.fen[r, np.maximum(m - 1, 0)] * DEMAND_INTEREST / 4 / 100
    keep = interest >= 0.01
    _post(
        ledger,
        r[keep],
        day[keep],
        interest[keep],
        tx.OTHER_PARTY,
        np.full(int(keep.sum()), -1),
        "结息",
        rng,
    )
    loans = np.flatnonzero(IS_LOAN[k.plan.type_code])
    pay_day = k.plan.opened[loans] - month_first_day(month_of(k.plan.opened[loans])) + 1
    r, _, day = _monthly(loans, np.minimum(pay_day, 28), k)
    term = np.maximum(month_of(k.plan.maturity[r]) - month_of(k.plan.opened[r]), 1)
    keep = day > k.plan.opened[r]
    _post(
        ledger,
        r[keep],
        day[keep],
        (k.plan.principal[r] / term * 1.004)[keep],
        tx.OWN,
        np.full(int(keep.sum()), -1),
        "贷款还款",
        rng,
    )
    cards = np.flatnonzero(k.plan.type_code == CARD)
    r, m, day = _monthly(cards, np.full(len(cards), 25), k)
    owed = np.where(m > 0, k.fen[r, np.maximum(m - 1, 0)], 0) / 100
    keep = owed > 0
    _post(
        ledger,
        r[keep],
        day[keep],
        owed[keep],
        tx.OWN,
        np.full(int(keep.sum()), -1),
        "信用卡还款",
        rng,
    )


def _post(
    ledger: tx.Ledger,
    rows: IntArray,
    day: IntArray,
    yuan: npt.NDArray[np.float64],
    party: int,
    name: IntArray,
    memo: str,
    rng: np.random.Generator,
) -> None:
    """Batch credits into ``rows`` (positive amounts, at night, not customer-initiated)."""
    n = len(rows)
    channel = np.full(n, tx.BATCH)
    ledger.add(
        account=rows,
        day=day,
        second=seconds(channel, rng),
        amount=np.maximum(np.rint(yuan * 100), 1).astype(np.int64),
        channel=channel,
        counterparty=np.full(n, party),
        name=name,
        memo=np.full(n, tx.MEMO[memo]),
        initiated=np.zeros(n, bool),
    )
