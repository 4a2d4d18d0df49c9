"""Small Ibis building blocks shared by the structure metrics: exact money, safe ratios, the
tier ladder order, and categories listed in a fixed order even when empty."""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from bankcrm.domain.enums import Tier

MONEY = dt.Decimal(38, 2)  # every money output column: exact yuan, two decimals
TIERS: tuple[str, ...] = tuple(t.value for t in Tier)  # ladder order, lowest first
ORDER = "_order"


def money(value: ir.Value) -> ir.DecimalValue:
    """``value`` as exact yuan (decimal(38, 2)); a missing sum (no rows) is 0."""
    cast: ir.DecimalValue = value.cast(MONEY).fill_null(ibis.literal(0).cast(MONEY))
    return cast


def ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.FloatingValue:
    """num / den as a float; null where den is 0 (Spark's ANSI mode would raise instead)."""
    result: ir.FloatingValue = num.cast("float64") / den.cast("float64").nullif(0.0)
    return result


def rank_of(value: ir.StringValue, order: Sequence[str]) -> ir.IntegerValue:
    """The position of ``value`` in ``order`` (unknown values last)."""
    cases = [(value == name, i) for i, name in enumerate(order)]
    ranked: ir.IntegerValue = ibis.cases(*cases, else_=len(order))
    return ranked


def in_order(table: ir.Table, column: str, values: Sequence[str]) -> ir.Table:
    """``table`` (one row per value of ``column`` at most) with a row for every one of
    ``values``, in that order, missing rows null; an ``_order`` column to sort by."""
    keys = ibis.memtable({column: list(values), ORDER: list(range(len(values)))})
    joined = keys.left_join(table, keys[column] == table[column])
    others = [c for c in table.columns if c != column]
    return joined.select(keys[column], ORDER, *others)
