"""Reading figures out of the analysis JSON (the ``bankcrm analyze`` contract plus the extra
families of ``inputs.gather``): per-year series, rows by key, and percentages for the text."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]
Series = dict[str, float]
TOP_TIERS: tuple[str, ...] = ("platinum", "diamond", "private")
SENIOR_BANDS: tuple[str, ...] = ("55-64", "65+")


def row(rows: list[Json], key: str, value: Any) -> Json | None:
    """The first row whose ``key`` equals ``value``."""
    return next((r for r in rows if r.get(key) == value), None)


def per_year(data: Json, family: str, pick: Any) -> dict[str, Any]:
    """``pick(value)`` for each year (or period) of ``family``, skipping years where it gives
    None; in key order (years and periods sort as strings)."""
    out: dict[str, Any] = {}
    for key in sorted(data.get(family) or {}):
        value = pick(data[family][key])
        if value is not None:
            out[key] = value
    return out


def last(series: Series) -> tuple[str, float] | None:
    """The latest (key, value) of a series, None when empty."""
    if not series:
        return None
    key = max(series)
    return key, series[key]


def rise(series: Series) -> float:
    """The largest increase from a value to any later one (0 when never rising): a share that
    peaked and fell back still shows the rise it went through."""
    values = [series[k] for k in sorted(series)]
    low, best = float("inf"), 0.0
    for v in values:  # a handful of years: no data path
        low = min(low, v)
        best = max(best, v - low)
    return best


def change(series: Series) -> float | None:
    """Last minus first value of a series (None with fewer than two)."""
    if len(series) < 2:
        return None
    keys = sorted(series)
    return series[keys[-1]] - series[keys[0]]


def pct(value: float) -> str:
    """A fraction as a percentage with one decimal: 0.2345 → '23.5%'."""
    return f"{value * 100:.1f}%"


def points(value: float) -> str:
    """A difference of fractions in percentage points: 0.105 → '10.5'."""
    return f"{value * 100:.1f}"


def share_of(rows: list[Json], key: str, values: tuple[Any, ...], share: str = "share") -> float:
    """Sum of ``share`` over the rows whose ``key`` is one of ``values``."""
    return sum(r.get(share) or 0.0 for r in rows if r.get(key) in values)


def summed(rows: list[Json], key: str, values: tuple[Any, ...], column: str) -> int:
    """Sum of an integer column over the rows whose ``key`` is one of ``values``."""
    return sum(int(r.get(column) or 0) for r in rows if r.get(key) in values)
