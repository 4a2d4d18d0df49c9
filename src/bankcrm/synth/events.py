"""Transactions of account events: openings, purchases, renewals, maturities, run-offs,
redemptions, attrition and closing.

A purchase moves money from the demand deposit into the product (two legs, own account); an
automatic renewal re-deposits a matured product; at maturity the product pays out to the
demand deposit, and when the money runs off (SCENARIO.md 7) the customer sends it to another
bank or to a third-party payment account within twenty days. An attriting customer redeems
their investments and transfers the money out (SCENARIO.md 4). Amounts come from the month-end
balances of the accounts involved, so the big movements in the transactions and in the
balances tell the same story.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bankcrm.synth import ledger as tx
from bankcrm.synth.accounts import ATTRITION, CUSTOMER_CLOSED, REDEEMED, RUNOFF, TO_DEMAND
from bankcrm.synth.chunk import Chunk, seconds
from bankcrm.synth.products import IS_ASSET

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _channel(k: Chunk, customer: IntArray, day: IntArray, rng: np.random.Generator) -> IntArray:
    """The channel of what customers do themselves: mostly mobile once enrolled, else counter."""
    mobile = (k.enrollments.mobile_day[customer] <= day) & (rng.random(len(customer)) < 0.7)
    return np.where(mobile, tx.MOBILE, tx.COUNTER)


def _legs(
    k: Chunk,
    ledger: tx.Ledger,
    rows: IntArray,
    to_rows: IntArray,
    day: IntArray,
    fen: IntArray,
    memo: IntArray,
    initiated: BoolArray,
    rng: np.random.Generator,
) -> None:
    """Money from ``rows`` to ``to_rows`` (-1: no counterpart) on ``day``: own-account legs."""
    channel = np.where(initiated, _channel(k, k.plan.customer[rows], day, rng), tx.BATCH)
    channel = np.where(memo == tx.MEMO["销户"], tx.COUNTER, channel)  # closing is done in person
    second = seconds(channel, rng)
    n = len(rows)
    both = to_rows >= 0
    ledger.add(
        account=rows,
        day=day,
        second=second,
        amount=-fen,
        channel=channel,
        counterparty=np.full(n, tx.OWN),
        name=np.full(n, -1),
        memo=memo,
        initiated=initiated,
    )
    ledger.add(
        account=to_rows[both],
        day=day[both],
        second=second[both] + 1,
        amount=fen[both],
        channel=channel[both],
        counterparty=np.full(int(both.sum()), tx.OWN),
        name=np.full(int(both.sum()), -1),
        memo=memo[both],
        initiated=initiated[both],
    )


def _balance_near(k: Chunk, rows: IntArray, day: IntArray, before: bool) -> IntArray:
    """Balance (fen) of each account at the month-end before ``day`` or the first one after."""
    m = k.timeline.month_index(day) - (1 if before else 0)
    m = np.clip(m, 0, k.timeline.n_months - 1)
    value = k.fen[rows, m]
    fallback = np.rint(k.plan.share[rows] * k.paths.aum[k.plan.customer[rows], m] * 100).astype(
        np.int64
    )
    return np.maximum(np.where(value > 0, value, fallback), 1)


def account_events(k: Chunk, ledger: tx.Ledger, rng: np.random.Generator) -> None:
    """Openings, purchases, renewals and endings of the chunk's accounts."""
    plan, t = k.plan, k.timeline
    prim = k.primary_row()
    c = k.customers
    # A new customer's first deposit.
    new = np.flatnonzero(c.opened >= t.start_day)
    fen = np.rint(
        1_000
        * np.sqrt(np.clip(c.wealth[new] / 20_000, 0.05, 400))
        * rng.lognormal(0, 0.8, len(new))
        * 100
    )
    n = len(new)
    ledger.add(
        account=prim[new],
        day=c.opened[new],
        second=seconds(np.full(n, tx.COUNTER), rng),
        amount=np.maximum(fen, 100).astype(np.int64),
        channel=np.full(n, tx.COUNTER),
        counterparty=np.full(n, tx.OTHER_PARTY),
        name=np.full(n, -1),
        memo=np.full(n, tx.MEMO["开户存入"]),
        initiated=np.ones(n, bool),
    )
    invest = IS_ASSET[plan.type_code] & ~plan.primary
    # Purchases (from the demand deposit) and automatic renewals.
    rows = np.flatnonzero(invest & (plan.opened >= t.start_day))
    fen = _balance_near(k, rows, plan.opened[rows], before=False)
    bought = plan.purchase[rows]
    source = np.where(bought, prim[plan.customer[rows]], -1)
    purchase_memo = np.full(int(bought.sum()), tx.MEMO["购买"])
    _legs(
        k,
        ledger,
        source[bought],
        rows[bought],
        plan.opened[rows][bought],
        fen[bought],
        purchase_memo,
        bought[bought],
        rng,
    )
    renewed = rows[~bought]
    m = len(renewed)
    ledger.add(
        account=renewed,
        day=plan.opened[renewed],
        second=seconds(np.full(m, tx.BATCH), rng),
        amount=fen[~bought],
        channel=np.full(m, tx.BATCH),
        counterparty=np.full(m, tx.OWN),
        name=np.full(m, -1),
        memo=np.full(m, tx.MEMO["自动转存"]),
        initiated=np.zeros(m, bool),
    )
    # Endings. Matured money goes to a renewal (its own row above) or back to the demand
    # deposit; redemptions and attrition are the customer's doing; closing pays out in cash.
    rows = np.flatnonzero(invest & (plan.closed <= t.end_day))
    outcome = plan.outcome[rows]
    fen = _balance_near(k, rows, plan.closed[rows], before=True)
    memo = np.select(
        [outcome == REDEEMED, outcome == ATTRITION, outcome == CUSTOMER_CLOSED],
        [tx.MEMO["赎回"], tx.MEMO["提前支取"], tx.MEMO["销户"]],
        tx.MEMO["到期"],
    )
    to_demand = np.isin(outcome, [TO_DEMAND, RUNOFF, REDEEMED, ATTRITION])
    target = np.where(to_demand, prim[plan.customer[rows]], -1)
    acts = np.isin(outcome, [REDEEMED, ATTRITION, CUSTOMER_CLOSED])
    _legs(k, ledger, rows, target, plan.closed[rows], fen, memo, acts, rng)
    _runoffs(k, ledger, rows[outcome == RUNOFF], fen[outcome == RUNOFF], rng)
    _attrition_transfers(k, ledger, prim, rng)
    _closings(k, ledger, prim, rng)


def _runoffs(
    k: Chunk, ledger: tx.Ledger, rows: IntArray, fen: IntArray, rng: np.random.Generator
) -> None:
    """The matured money leaves: to another bank, or into internet finance (余额宝 and the like)."""
    customer = k.plan.customer[rows]
    demand = k.primary_row()[customer]
    day = k.plan.closed[rows] + rng.integers(0, 21, len(rows))
    online = rng.random(len(rows)) < 0.3
    channel = np.where(online, tx.THIRD_PARTY, _channel(k, customer, day, rng))
    party = np.where(online, tx.PAYMENT, tx.OTHER_BANK)
    name = np.where(online, tx.PAYMENT_BASE + rng.choice(2, len(rows)), tx.person(rng, len(rows)))
    memo = np.where(online, tx.MEMO["转入余额宝"], tx.MEMO["跨行转出"])
    ledger.add(
        account=demand,
        day=day,
        second=seconds(channel, rng),
        amount=-fen,
        channel=channel,
        counterparty=party,
        name=name,
        memo=memo,
        initiated=np.ones(len(rows), bool),
    )


def _attrition_transfers(
    k: Chunk, ledger: tx.Ledger, prim: IntArray, rng: np.random.Generator
) -> None:
    """An attriting customer wires the bulk of their money to another bank."""
    t = k.timeline
    who = np.flatnonzero(k.paths.attrition_day <= t.end_day)
    day = k.paths.attrition_day[who]
    m = t.month_index(day)
    drop = k.paths.aum[who, np.maximum(m - 1, 0)] - k.paths.aum[who, m]
    keep = drop > 1
    who, day, n = who[keep], day[keep], int(keep.sum())
    channel = _channel(k, who, day, rng)
    ledger.add(
        account=prim[who],
        day=day,
        second=seconds(channel, rng) + 2,
        amount=-np.rint(drop[keep] * 100).astype(np.int64),
        channel=channel,
        counterparty=np.full(n, tx.OTHER_BANK),
        name=tx.person(rng, n),
        memo=np.full(n, tx.MEMO["跨行转出"]),
        initiated=np.ones(n, bool),
    )


def _closings(k: Chunk, ledger: tx.Ledger, prim: IntArray, rng: np.random.Generator) -> None:
    """A closing customer takes the rest of the demand deposit in cash at the counter."""
    c, t = k.customers, k.timeline
    who = np.flatnonzero(c.exit <= t.end_day)
    day = c.exit[who]
    fen = _balance_near(k, prim[who], day, before=True)
    n = len(who)
    ledger.add(
        account=prim[who],
        day=day,
        second=seconds(np.full(n, tx.COUNTER), rng),
        amount=-fen,
        channel=np.full(n, tx.COUNTER),
        counterparty=np.full(n, tx.OTHER_PARTY),
        name=np.full(n, -1),
        memo=np.full(n, tx.MEMO["销户"]),
        initiated=np.ones(n, bool),
    )


def keep_valid(k: Chunk, ledger: tx.Ledger) -> None:
    """Drop postings outside the range or outside their account's life (a generator's safety
    net: no transaction is ever booked before its account opened)."""
    ok = k.posting_day_ok(
        ledger.column("account").astype(np.int64), ledger.column("day").astype(np.int64)
    )
    ledger.parts = {key: [ledger.column(key)[ok]] for key in ledger.parts}
