"""Maturity run-off (到期资金流失): of the time deposits, large CDs and wealth-management
products that matured in a year and were not rolled over, how many took the money out of the
bank rather than moving it to another product here.

Definition (the same as the demo generator's ``_truth`` definition, so the two can be
compared): an account of one of those product types whose ``closed_on`` equals its
``maturity_on`` in year Y ("matured"), with customer_month rows possible at the month-end
before the maturity month ("before") and at the end of the month after it ("after"). It
"left" when the customer's AUM at "after" is lower than at "before" by at least half the
account's balance at "before" (a customer no longer in the base has AUM 0 at "after").
Accounts whose "before" or "after" month-end is outside the data are not counted.
"""

from __future__ import annotations

import ibis

from bankcrm.analytics._exprs import money, ratio
from bankcrm.analytics.base import ALL, Scope, Tables

MATURING_TYPES: tuple[str, ...] = ("time_deposit", "large_cd", "wealth_management")


def _month_index(d: ibis.Value) -> ibis.Value:
    """Months since year 0: consecutive months differ by 1 (portable across engines)."""
    return d.year() * 12 + d.month()


def matured_accounts(tables: Tables, year: int, scope: Scope = ALL) -> ibis.Table:
    """Matured accounts of ``year`` with [account_id, customer_id, balance (yuan at "before"),
    aum_before, aum_after, left (bool)]; see the module docstring."""
    if tables.balances is None:
        raise LookupError("the warehouse has no balances: import an extract that includes it")
    a, p = tables.accounts, tables.products
    kinds = p.filter(p.product_type.isin(list(MATURING_TYPES))).select("product_code")
    closed = a.filter(
        a.maturity_on.notnull() & (a.closed_on == a.maturity_on) & (a.maturity_on.year() == year)
    ).join(kinds, "product_code")
    closed = closed.join(scope.customers(tables.customers).select("customer_id"), "customer_id")
    matured = closed.select("account_id", "customer_id", month=_month_index(closed.maturity_on))

    months = tables.customer_month.select(month=_month_index(tables.customer_month.as_of))
    months = months.distinct()
    # "before" and "after" must be month-ends inside the data: otherwise the account is unseen.
    seen = matured.filter(
        (matured.month - 1).isin(months.month) & (matured.month + 1).isin(months.month)
    )
    b = tables.balances
    bal = b.select("account_id", b_month=_month_index(b.as_of), balance=b.balance)
    cm = tables.customer_month
    aum_b = cm.select(b_id="customer_id", b_aum_month=_month_index(cm.as_of), b_aum=cm.aum)
    aum_a = cm.select(a_id="customer_id", a_aum_month=_month_index(cm.as_of), a_aum=cm.aum)

    with_balance = seen.left_join(
        bal, (seen.account_id == bal.account_id) & (bal.b_month == seen.month - 1)
    ).select(seen.account_id, seen.customer_id, seen.month, balance=money(bal.balance))
    before = with_balance.left_join(
        aum_b,
        (with_balance.customer_id == aum_b.b_id) & (aum_b.b_aum_month == with_balance.month - 1),
    ).select(*with_balance.columns, aum_before=money(aum_b.b_aum))
    after = before.left_join(
        aum_a, (before.customer_id == aum_a.a_id) & (aum_a.a_aum_month == before.month + 1)
    ).select(*before.columns, aum_after=money(aum_a.a_aum))
    # AUM fell by at least half the balance: (before - after) * 2 >= balance, exact decimals.
    left = ((after.aum_before - after.aum_after) * 2 >= after.balance) & (after.balance > 0)
    return after.select(
        "account_id", "customer_id", "balance", "aum_before", "aum_after", left=left
    )


def maturity_runoff(tables: Tables, year: int, scope: Scope = ALL) -> ibis.Table:
    """One row for ``year``: matured (accounts), left (accounts whose money left the bank),
    stayed (matured - left), share_left (left / matured; null when none matured), and the
    balances at "before" of all matured accounts (matured_amount) and of those that left
    (left_amount), in yuan."""
    m = matured_accounts(tables, year, scope)
    totals = m.aggregate(
        matured=m.account_id.count(),
        left=m.account_id.count(where=m.left),
        matured_amount=money(m.balance.sum()),
        left_amount=money(m.balance.sum(where=m.left)),
    )
    return totals.mutate(
        stayed=totals.matured - totals.left, share_left=ratio(totals.left, totals.matured)
    ).select("matured", "left", "stayed", "share_left", "matured_amount", "left_amount")
