"""What every metric starts from: the warehouse tables, the branch scope, the customer base at a
date, and the year-ends of the history (METRICS.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from bankcrm.warehouse.engines import warehouse_tables
from bankcrm.warehouse.layout import Warehouse

REQUIRED = ("branches", "customers", "accounts", "products", "customer_month")


@dataclass(frozen=True)
class Tables:
    """The warehouse tables on one backend. Absent optional tables are None."""

    branches: ibis.Table
    customers: ibis.Table
    accounts: ibis.Table
    products: ibis.Table
    customer_month: ibis.Table
    balances: ibis.Table | None = None
    transactions: ibis.Table | None = None
    channel_enrollments: ibis.Table | None = None
    assignments: ibis.Table | None = None
    employees: ibis.Table | None = None
    customer_day: ibis.Table | None = None

    @classmethod
    def load(cls, con: BaseBackend, warehouse: Warehouse) -> Tables:
        """Register the warehouse's tables in ``con``; a clear error if the basics are missing."""
        found = warehouse_tables(con, warehouse)
        missing = [name for name in REQUIRED if name not in found]
        if missing:
            raise LookupError(
                f"the warehouse at {warehouse.root} has no {', '.join(missing)}: import an extract"
            )
        return cls(**{k: v for k, v in found.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Scope:
    """The branches a figure covers: one branch and everything below it; None = all."""

    branch_ids: frozenset[str] | None = None
    root: str | None = None

    def customers(self, customers: ibis.Table) -> ibis.Table:
        if self.branch_ids is None:
            return customers
        return customers.filter(customers.branch_id.isin(sorted(self.branch_ids)))


ALL = Scope()


def scope_of(tables: Tables, branch_id: str | None) -> Scope:
    """The scope of ``branch_id`` and its descendants in the branch tree (a small table)."""
    if branch_id is None:
        return ALL
    rows = tables.branches.select("branch_id", "parent_id").to_pyarrow().to_pylist()
    children: dict[str | None, list[str]] = {}
    for row in rows:  # the branch tree: tens of rows, not customers
        children.setdefault(row["parent_id"], []).append(row["branch_id"])
    if branch_id not in {row["branch_id"] for row in rows}:
        raise LookupError(f"no branch {branch_id!r} in the warehouse")
    found, todo = set(), [branch_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return Scope(frozenset(found), branch_id)


def dates_table(dates: Sequence[date]) -> ibis.Table:
    """A one-column table [as_of] of ``dates`` (distinct), to join or cross with."""
    return ibis.memtable({"as_of": sorted(set(dates))}, schema={"as_of": "date"})


def open_at(opened: ir.DateValue, closed: ir.DateValue, d: date | ir.DateValue) -> ir.BooleanValue:
    """Open at ``d`` (a date or a date column): opened on or before d, not closed by d."""
    is_open: ir.BooleanValue = (opened <= d) & (closed.isnull() | (closed > d))
    return is_open


def in_base(customers: ibis.Table, d: date) -> ibis.Table:
    """Customers in the base at ``d``: opened on or before d and not closed by d."""
    return customers.filter(open_at(customers.opened_on, customers.closed_on, d))


def months_at(tables: Tables, dates: Sequence[date], scope: Scope = ALL) -> ibis.Table:
    """customer_month rows at the month-ends ``dates`` (the base at each, with AUM and tier),
    in scope, with the customer's attributes joined; ``as_of`` says which date."""
    cm = tables.customer_month
    at = cm.filter(cm.as_of.isin(sorted(set(dates))))
    at = at.select("as_of", "customer_id", "aum", "loan_balance", "tier")
    return at.join(scope.customers(tables.customers), "customer_id")


def month_at(tables: Tables, d: date, scope: Scope = ALL) -> ibis.Table:
    """``months_at`` at the one month-end ``d``, without the ``as_of`` column."""
    return months_at(tables, [d], scope).drop("as_of")


def year_ends(tables: Tables, years: tuple[int, int] | None = None) -> dict[int, date]:
    """The last month-end with balances in each year (METRICS.md), optionally within years."""
    cm = tables.customer_month
    per_year = cm.group_by(year=cm.as_of.year()).aggregate(as_of=cm.as_of.max()).order_by("year")
    ends = {int(r["year"]): r["as_of"] for r in per_year.to_pyarrow().to_pylist()}
    if years is not None:
        ends = {y: d for y, d in ends.items() if years[0] <= y <= years[1]}
    return ends
