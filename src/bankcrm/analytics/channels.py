"""Channel figures (METRICS.md): e-channel adoption at a date, the channel mix of customer-
initiated transactions in a year, and the third-party payment outflow of a year.

Transactions belong to a customer through their account; a branch scope keeps the transactions
of accounts whose customer is in scope. Money columns are exact decimals in yuan; shares are
float64 fractions (0.25 = 25 %), null when the denominator is zero.
"""

from __future__ import annotations

from datetime import date, datetime

import ibis

from bankcrm.analytics.base import ALL, Scope, Tables, in_base
from bankcrm.analytics.tiered import share
from bankcrm.domain.enums import CounterpartyType, EnrollmentChannel, TransactionChannel

ENROLLMENT_CHANNELS: tuple[str, ...] = tuple(c.value for c in EnrollmentChannel)
TRANSACTION_CHANNELS: tuple[str, ...] = tuple(c.value for c in TransactionChannel)


def _need(table: ibis.Table | None, name: str) -> ibis.Table:
    if table is None:
        raise LookupError(f"the warehouse has no {name}: import an extract that includes it")
    return table


def scoped_transactions(tables: Tables, scope: Scope = ALL) -> ibis.Table:
    """The transactions of accounts whose customer is in ``scope`` (all of them for ALL)."""
    txns = _need(tables.transactions, "transactions")
    if scope.branch_ids is None:
        return txns
    owners = tables.accounts.join(scope.customers(tables.customers), "customer_id")
    return txns.semi_join(owners.select("account_id"), "account_id")


def booked_in_year(txns: ibis.Table, year: int) -> ibis.Table:
    """Transactions whose ``booked_at`` falls in calendar year ``year`` (bank local time)."""
    start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    return txns.filter((txns.booked_at >= start) & (txns.booked_at < end))


def channel_adoption(tables: Tables, d: date, scope: Scope = ALL) -> ibis.Table:
    """E-channel adoption at ``d``: per enrollment channel (all four, zero rows included), the
    customers of the base at d with an enrollment active at d (``enrolled_on ≤ d`` and
    ``cancelled_on`` null or ``> d``) and their ``share`` of the base.

    Columns: channel, customers (count), share (fraction of the base in scope).
    """
    enrollments = _need(tables.channel_enrollments, "channel_enrollments")
    base = in_base(scope.customers(tables.customers), d).select(base_id="customer_id")
    active = enrollments.filter(
        (enrollments.enrolled_on <= d)
        & (enrollments.cancelled_on.isnull() | (enrollments.cancelled_on > d))
    )
    enrolled = (
        active.join(base, active.customer_id == base.base_id)
        .select("channel", "customer_id")
        .distinct()
    )
    per = enrolled.group_by(key="channel").aggregate(n=enrolled.customer_id.count())
    channels = ibis.memtable({"channel": list(ENROLLMENT_CHANNELS)})
    size = base.aggregate(base_n=base.base_id.count())
    rows = channels.left_join(per, channels.channel == per.key).cross_join(size)
    return rows.select(
        "channel", customers=rows.n.fill_null(0), share=share(rows.n.fill_null(0), rows.base_n)
    ).order_by("channel")


def channel_mix(tables: Tables, year: int, scope: Scope = ALL) -> ibis.Table:
    """Channel mix of ``year``: customer-initiated transactions booked in the year, per
    transaction channel (every channel, zero rows included), by count and by absolute amount.

    Columns: channel, transactions (count), count_share, amount (Σ|amount|, yuan, exact
    decimal), amount_share.
    """
    txns = booked_in_year(scoped_transactions(tables, scope), year)
    mine = txns.filter(txns.customer_initiated)
    per = mine.group_by(key="channel").aggregate(n=mine.count(), money=mine.amount.abs().sum())
    totals = mine.aggregate(all_n=mine.count(), all_money=mine.amount.abs().sum())
    channels = ibis.memtable({"channel": list(TRANSACTION_CHANNELS)})
    rows = channels.left_join(per, channels.channel == per.key).cross_join(totals)
    n, money = rows.n.fill_null(0), rows.money.fill_null(0)
    return rows.select(
        "channel",
        transactions=n,
        count_share=share(n, rows.all_n),
        amount=money,
        amount_share=share(money, rows.all_money),
    ).order_by("channel")


def third_party_outflow(tables: Tables, year: int, scope: Scope = ALL) -> ibis.Table:
    """Third-party payment outflow of ``year``: Σ(−amount) over transactions booked in the year
    with amount < 0 and counterparty_type = third_party_payment, and its share of all outflows
    (Σ(−amount) over every amount < 0 booked in the year).

    One row: year, outflow (yuan, exact decimal), all_outflows (yuan), share (fraction).
    """
    txns = booked_in_year(scoped_transactions(tables, scope), year)
    out = txns.filter(txns.amount < 0)
    third = out.counterparty_type == CounterpartyType.THIRD_PARTY_PAYMENT.value
    sums = out.aggregate(
        outflow=(-out.amount).sum(where=third).fill_null(0),
        all_outflows=(-out.amount).sum().fill_null(0),
    )
    return sums.select(
        year=ibis.literal(year, type="int32"),
        outflow=sums.outflow,
        all_outflows=sums.all_outflows,
        share=share(sums.outflow, sums.all_outflows),
    )
