"""Channel figures (METRICS.md): e-channel adoption at a date, the channel mix of customer-
initiated transactions in a year, and the third-party payment outflow of a year.

Transactions belong to a customer through their account; a branch scope keeps the transactions
of accounts whose customer is in scope. Money columns are exact decimals in yuan; shares are
float64 fractions (0.25 = 25 %), null when the denominator is zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import ibis

from bankcrm.analytics.base import ALL, Scope, Tables, months_at, open_at
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


def booked_in_years(txns: ibis.Table, years: Sequence[int]) -> ibis.Table:
    """Transactions booked (bank local time) in the calendar years ``years``, with a ``year``
    column; one range filter, so the engine reads only the partitions it needs."""
    wanted = sorted(set(years))
    start, end = datetime(wanted[0], 1, 1), datetime(wanted[-1] + 1, 1, 1)
    booked = txns.filter((txns.booked_at >= start) & (txns.booked_at < end))
    booked = booked.mutate(year=booked.booked_at.year().cast("int64"))
    return booked.filter(booked.year.isin(wanted))


def _years(years: Sequence[int]) -> ibis.Table:
    return ibis.memtable({"year": sorted(set(years))}, schema={"year": "int64"})


def channel_adoption_at_dates(
    tables: Tables, dates: Sequence[date], scope: Scope = ALL
) -> ibis.Table:
    """E-channel adoption at each of ``dates``: per enrollment channel (all four, zero rows
    included), the customers of the base with an enrollment active then (``enrolled_on ≤ d``
    and ``cancelled_on`` null or ``> d``) and their ``share`` of the base.

    Columns: as_of, channel, customers (count), share (fraction of the base in scope).
    """
    enrollments = _need(tables.channel_enrollments, "channel_enrollments")
    base = months_at(tables, dates, scope).select("as_of", "customer_id")
    active = enrollments.join(
        base,
        (enrollments.customer_id == base.customer_id)
        & open_at(enrollments.enrolled_on, enrollments.cancelled_on, base.as_of),
    )
    enrolled = active.select(base.as_of, "channel", base.customer_id).distinct()
    per = enrolled.group_by("as_of", key="channel").aggregate(n=enrolled.customer_id.count())
    sizes = base.group_by("as_of").aggregate(base_n=base.customer_id.count())
    grid = ibis.memtable({"channel": list(ENROLLMENT_CHANNELS)}).cross_join(sizes)
    rows = grid.left_join(per, (grid.as_of == per.as_of) & (grid.channel == per.key))
    n = rows.n.fill_null(0)
    return rows.select(grid.as_of, grid.channel, customers=n, share=share(n, rows.base_n)).order_by(
        "as_of", "channel"
    )


def channel_adoption(tables: Tables, d: date, scope: Scope = ALL) -> ibis.Table:
    """``channel_adoption_at_dates`` at the one date ``d``, without ``as_of``."""
    return channel_adoption_at_dates(tables, [d], scope).drop("as_of")


def channel_mix_in_years(tables: Tables, years: Sequence[int], scope: Scope = ALL) -> ibis.Table:
    """Channel mix of each of ``years``: customer-initiated transactions booked in the year, per
    transaction channel (every channel, zero rows included), by count and by absolute amount.

    Columns: year, channel, transactions (count), count_share, amount (Σ|amount|, yuan, exact
    decimal), amount_share.
    """
    txns = booked_in_years(scoped_transactions(tables, scope), years)
    mine = txns.filter(txns.customer_initiated)
    per = mine.group_by("year", key="channel").aggregate(
        n=mine.count(), money=mine.amount.abs().sum()
    )
    totals = per.group_by(total_year="year").aggregate(all_n=per.n.sum(), all_money=per.money.sum())
    grid = _years(years).cross_join(ibis.memtable({"channel": list(TRANSACTION_CHANNELS)}))
    rows = grid.left_join(per, (grid.year == per.year) & (grid.channel == per.key))
    rows = rows.left_join(totals, rows.year == totals.total_year)
    n, money = rows.n.fill_null(0), rows.money.fill_null(0)
    return rows.select(
        rows.year,
        rows.channel,
        transactions=n,
        count_share=share(n, rows.all_n),
        amount=money,
        amount_share=share(money, rows.all_money),
    ).order_by("year", "channel")


def channel_mix(tables: Tables, year: int, scope: Scope = ALL) -> ibis.Table:
    """``channel_mix_in_years`` of the one year ``year``, without ``year``."""
    return channel_mix_in_years(tables, [year], scope).drop("year")


def third_party_outflow_in_years(
    tables: Tables, years: Sequence[int], scope: Scope = ALL
) -> ibis.Table:
    """Third-party payment outflow of each of ``years``: Σ(−amount) over transactions booked in
    the year with amount < 0 and counterparty_type = third_party_payment, and its share of all
    outflows (Σ(−amount) over every amount < 0 booked in the year).

    One row per year: year, outflow (yuan, exact decimal), all_outflows (yuan), share.
    """
    txns = booked_in_years(scoped_transactions(tables, scope), years)
    out = txns.filter(txns.amount < 0)
    third = out.counterparty_type == CounterpartyType.THIRD_PARTY_PAYMENT.value
    sums = out.group_by(key="year").aggregate(
        outflow=(-out.amount).sum(where=third), all_outflows=(-out.amount).sum()
    )
    grid = _years(years)
    rows = grid.left_join(sums, grid.year == sums.key)
    outflow, all_outflows = rows.outflow.fill_null(0), rows.all_outflows.fill_null(0)
    return rows.select(
        year=rows.year.cast("int32"),
        outflow=outflow,
        all_outflows=all_outflows,
        share=share(outflow, all_outflows),
    ).order_by("year")


def third_party_outflow(tables: Tables, year: int, scope: Scope = ALL) -> ibis.Table:
    """``third_party_outflow_in_years`` of the one year ``year``."""
    return third_party_outflow_in_years(tables, [year], scope)
