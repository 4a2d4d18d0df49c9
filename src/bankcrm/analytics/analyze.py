"""The whole analysis (``bankcrm analyze``): every METRICS.md family at every year-end, shaped
as the stable JSON contract of issue 3.

This module only orchestrates: a table of (family, metric function) and a generic converter of
Arrow rows to JSON values. Money comes out as a string of decimal yuan with exactly two
decimals (never through float when the engine returns decimals), shares as floats rounded to
six decimals, dates as ISO strings.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import ibis
import pyarrow as pa

from bankcrm.analytics import (
    activity,
    channels,
    cohorts,
    concentration,
    coverage,
    flows,
    migration,
    structure,
)
from bankcrm.analytics.base import ALL, Scope, Tables, month_at, year_ends
from bankcrm.domain.enums import Tier

DEFINITIONS_VERSION = 1
STRUCTURE_BY: tuple[structure.Dimension, ...] = (
    "tier",
    "age_band",
    "gender",
    "customer_type",
    "product_holding",
)
# Columns that hold money even when an engine returns them as float (a mean, a median).
MONEY_COLUMNS = frozenset({"aum", "mean_aum", "median_aum", "amount", "outflow", "all_outflows"})
SHARE_DECIMALS = 6
CENT = Decimal("0.01")

Json = dict[str, Any]
AtDate = Callable[[Tables, date, Scope], ibis.Table]
InYear = Callable[[Tables, int, Scope], ibis.Table]
Between = Callable[[Tables, int, date, date, Scope], ibis.Table]

# family → (metric, optional table it needs, one row per key?)
AT_DATE: dict[str, tuple[AtDate, str | None, bool]] = {
    "concentration": (concentration.concentration, None, True),
    "lorenz": (concentration.lorenz, None, False),
    "channel_adoption": (channels.channel_adoption, "channel_enrollments", False),
    "dormancy": (activity.dormancy, "transactions", False),
    "rm_coverage": (coverage.rm_coverage, "assignments", False),
}
IN_YEAR: dict[str, tuple[InYear, str | None, bool]] = {
    "flows": (flows.flows, None, True),
    "channel_mix": (channels.channel_mix, "transactions", False),
    "third_party_outflow": (channels.third_party_outflow, "transactions", True),
}
BETWEEN: dict[str, tuple[Between, str | None, bool]] = {
    "migration": (lambda t, y, a, b, s: migration.migration(t, a, b, s), None, False),
    "migration_rates": (lambda t, y, a, b, s: migration.migration_rates(t, a, b, s), None, False),
    "aum_bridge": (lambda t, y, a, b, s: migration.aum_bridge(t, a, b, s), None, True),
    "attrition": (activity.attrition, None, False),
}


def money(value: Decimal | float | int) -> str:
    """Decimal yuan as a string with exactly two decimals (half up)."""
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return str(exact.quantize(CENT, ROUND_HALF_UP))


def cell(name: str, value: Any) -> Any:
    """One Arrow value as JSON: money strings, rounded shares, ISO dates, plain ints/strings."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return money(value) if name in MONEY_COLUMNS else round(value, SHARE_DECIMALS)
    if isinstance(value, date):
        return value.isoformat()
    return value


def json_rows(table: pa.Table, drop: Iterable[str] = ()) -> list[Json]:
    """Every row of an Arrow table as a JSON object, in column order, without ``drop``."""
    dropped = set(drop)
    return [
        {k: cell(k, v) for k, v in row.items() if k not in dropped} for row in table.to_pylist()
    ]


def _fetch(expr: ibis.Table, single: bool, drop: Iterable[str] = ()) -> Any:
    rows = json_rows(expr.to_pyarrow(), drop)
    if single:
        return rows[0] if rows else {}
    return rows


def resolve_as_of(tables: Tables, as_of: date | None) -> date:
    """The last month-end with balances on or before ``as_of`` (or at all); error if none."""
    cm = tables.customer_month
    scoped = cm if as_of is None else cm.filter(cm.as_of <= as_of)
    found = scoped.aggregate(last=scoped.as_of.max()).to_pyarrow().to_pylist()[0]["last"]
    if found is None:
        when = "" if as_of is None else f" on or before {as_of.isoformat()}"
        raise LookupError(f"the warehouse has no month-end balances{when}: import an extract")
    return found  # type: ignore[no-any-return]


def per_outlet(tables: Tables, d: date, scope: Scope) -> list[Json]:
    """Customers, AUM and tier counts at ``d`` per branch (outlet or sub-branch) of the scope
    that holds customers; the rows add up to the scope's totals exactly."""
    at = month_at(tables, d, scope)
    grouped = at.group_by("branch_id", "tier").aggregate(customers=at.count(), aum=at.aum.sum())
    names = {
        r["branch_id"]: r["name"]
        for r in tables.branches.select("branch_id", "name").to_pyarrow().to_pylist()
    }
    outlets: dict[str, Json] = {}
    for row in grouped.to_pyarrow().to_pylist():
        branch = row["branch_id"]
        entry = outlets.setdefault(
            branch,
            {"branch_id": branch, "name": names.get(branch), "customers": 0, "aum": Decimal(0)}
            | {tier.value: 0 for tier in Tier},
        )
        entry["customers"] += row["customers"]
        entry["aum"] += Decimal(row["aum"] or 0)
        entry[row["tier"]] = entry.get(row["tier"], 0) + row["customers"]
    return [outlets[b] | {"aum": money(outlets[b]["aum"])} for b in sorted(outlets)]


def _structure_at(tables: Tables, d: date, scope: Scope) -> Json:
    result: Json = {
        by: _fetch(structure.structure(tables, d, by, scope), False) for by in STRUCTURE_BY
    }
    result["product_penetration"] = _fetch(structure.product_penetration(tables, d, scope), False)
    return result


def analyze(
    tables: Tables,
    as_of: date | None = None,
    years: tuple[int, int] | None = None,
    scope: Scope = ALL,
) -> Json:
    """Every metric family at every year-end ≤ ``as_of`` (within ``years``), as the issue-3
    JSON contract. ``as_of`` defaults to the last month-end with balances."""
    if years is not None and years[0] > years[1]:
        raise ValueError(f"bad years range {years[0]}-{years[1]}: the first year is later")
    last = resolve_as_of(tables, as_of)
    upto = tables.customer_month.filter(tables.customer_month.as_of <= last)
    ends = year_ends(dataclasses.replace(tables, customer_month=upto), years)
    if not ends:
        raise LookupError(f"no year-end in the data for years {years} on or before {last}")
    return _families(_materialised(tables, ends), last, ends, scope)


def _materialised(tables: Tables, ends: dict[int, date]) -> Tables:
    """On DuckDB, the tables every metric reads many times, read once into Arrow for this
    analysis (zero-copy scans afterwards): customer_month at the year-ends only, customers,
    accounts, products. Facts (transactions) stay in the warehouse files."""
    cm = tables.customer_month
    month_ends = cm.filter(cm.as_of.isin(list(ends.values())))
    if cm._find_backend().name != "duckdb":  # Spark: keep the plan lazy, filtered to year-ends
        return dataclasses.replace(tables, customer_month=month_ends)
    return dataclasses.replace(
        tables,
        customer_month=ibis.memtable(month_ends.to_pyarrow()),
        customers=ibis.memtable(tables.customers.to_pyarrow()),
        accounts=ibis.memtable(tables.accounts.to_pyarrow()),
        products=ibis.memtable(tables.products.to_pyarrow()),
    )


def _families(tables: Tables, last: date, ends: dict[int, date], scope: Scope) -> Json:
    keys = {str(y): d for y, d in ends.items()}
    pairs = {f"{y}-{y + 1}": (y, ends[y], ends[y + 1]) for y in ends if y + 1 in ends}
    present = {f.name for f in dataclasses.fields(tables) if getattr(tables, f.name) is not None}
    out: Json = {
        "definitions_version": DEFINITIONS_VERSION,
        "as_of": last.isoformat(),
        "year_ends": {k: d.isoformat() for k, d in keys.items()},
        "structure": {k: _structure_at(tables, d, scope) for k, d in keys.items()},
    }
    for name, (at_date, needs, single) in AT_DATE.items():
        ok = needs is None or needs in present
        out[name] = {k: _fetch(at_date(tables, d, scope), single) for k, d in keys.items() if ok}
    for name, (in_year, needs, single) in IN_YEAR.items():
        ok = needs is None or needs in present
        out[name] = {
            k: _fetch(in_year(tables, int(k), scope), single, ("year",)) for k in keys if ok
        }
    for name, (between, needs, single) in BETWEEN.items():
        ok = needs is None or needs in present
        out[name] = {
            p: _fetch(between(tables, y, a, b, scope), single)
            for p, (y, a, b) in pairs.items()
            if ok
        }
    out["cohorts"] = _fetch(cohorts.cohort_retention(tables, ends, scope), False)
    if scope.root is not None:
        out["branch"] = scope.root
        out["per_outlet"] = per_outlet(tables, last, scope)
    return out
