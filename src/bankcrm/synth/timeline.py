"""Calendar arithmetic for the generator, vectorised over numpy arrays of day numbers.

Dates are int64 day numbers since 1970-01-01 (numpy ``datetime64[D]``'s epoch), months are
int64 month numbers since 1970-01, times of day are seconds. Working in integers keeps every
step exact and lets numpy do it for whole columns at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

Days = npt.NDArray[np.int64]
DAYS_PER_YEAR = 365.2425
SECONDS_PER_DAY = 86_400


def parse_month(text: str) -> int:
    """Month number since 1970-01 of a ``YYYY-MM`` string; ValueError if it is not one."""
    try:
        year, month = (int(part) for part in text.split("-"))
    except ValueError:
        raise ValueError(f"not a YYYY-MM month: {text!r}") from None
    if not 1 <= month <= 12 or not 1900 <= year <= 2200 or len(text) != 7:
        raise ValueError(f"not a YYYY-MM month: {text!r}")
    return (year - 1970) * 12 + month - 1


def month_first_day(months: npt.ArrayLike) -> Days:
    """Day number of the first day of each month number."""
    return (
        np.asarray(months, dtype=np.int64)
        .astype("datetime64[M]")
        .astype("datetime64[D]")
        .astype(np.int64)
    )


def month_last_day(months: npt.ArrayLike) -> Days:
    """Day number of the last day (the month-end) of each month number."""
    return month_first_day(np.asarray(months, dtype=np.int64) + 1) - 1


def month_of(days: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Month number since 1970-01 of each day number."""
    return (
        np.asarray(days, dtype=np.int64)
        .astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype(np.int64)
    )


def year_of(days: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Calendar year of each day number."""
    return month_of(days) // 12 + 1970


def add_months(days: npt.ArrayLike, months: npt.ArrayLike) -> Days:
    """Each date moved by whole months, the day clamped to the target month's length.

    This is how a bank computes a term product's maturity: opened 2016-01-31 for 1 month
    matures 2016-02-29.
    """
    d = np.asarray(days, dtype=np.int64)
    m = month_of(d)
    day_in_month = d - month_first_day(m)
    target = m + np.asarray(months, dtype=np.int64)
    first = month_first_day(target)
    return np.asarray(first + np.minimum(day_in_month, month_last_day(target) - first), np.int64)


def day_number(text: str) -> int:
    """Day number of a ``YYYY-MM-DD`` string."""
    return int(np.datetime64(text, "D").astype(np.int64))


def years_to_days(years: npt.ArrayLike) -> Days:
    """Day numbers of fractional calendar years (2015.0 = 2015-01-01), floored to the day."""
    t = np.asarray(years, dtype=np.float64)
    return np.floor((t - 1970.0) * DAYS_PER_YEAR).astype(np.int64)


def days_to_years(days: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Fractional calendar years of day numbers (inverse of ``years_to_days``)."""
    return np.asarray(days, dtype=np.float64) / DAYS_PER_YEAR + 1970.0


def whole_years_between(born: npt.ArrayLike, on: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Age in whole years at ``on`` of someone born on ``born`` (the birthday counts)."""
    b, d = np.asarray(born, dtype=np.int64), np.asarray(on, dtype=np.int64)
    bm, dm = month_of(b), month_of(d)
    # Compare (month, day) rather than the day of the year, so leap years shift nothing.
    b_day, d_day = b - month_first_day(bm), d - month_first_day(dm)
    before = (dm % 12 < bm % 12) | ((dm % 12 == bm % 12) & (d_day < b_day))
    return np.asarray(dm // 12 - bm // 12 - before, dtype=np.int64)


@dataclass(frozen=True)
class Timeline:
    """The months of an extract: ``first_month`` .. ``first_month + n_months - 1``."""

    first_month: int
    n_months: int

    @classmethod
    def from_text(cls, start: str, end: str) -> Timeline:
        first, last = parse_month(start), parse_month(end)
        if last < first:
            raise ValueError(f"end month {end} is before start month {start}")
        return cls(first, last - first + 1)

    @cached_property
    def months(self) -> npt.NDArray[np.int64]:
        """Month numbers of the range."""
        return np.arange(self.first_month, self.first_month + self.n_months, dtype=np.int64)

    @cached_property
    def month_ends(self) -> Days:
        """Day number of every month-end in the range (the balance snapshot dates)."""
        return month_last_day(self.months)

    @cached_property
    def month_starts(self) -> Days:
        return month_first_day(self.months)

    @property
    def start_day(self) -> int:
        """First day of the range."""
        return int(self.month_starts[0])

    @property
    def end_day(self) -> int:
        """Last day of the range (the last month-end)."""
        return int(self.month_ends[-1])

    @property
    def start_year(self) -> float:
        return float(days_to_years(np.int64(self.start_day)))

    @property
    def end_year(self) -> float:
        """Fractional year just after the last day of the range."""
        return float(days_to_years(np.int64(self.end_day + 1)))

    @cached_property
    def year_ends(self) -> dict[int, int]:
        """Calendar year -> index of its last month-end in the range (METRICS: year-end)."""
        years = self.months // 12 + 1970
        return {int(y): int(np.flatnonzero(years == y)[-1]) for y in np.unique(years)}

    def month_index(self, days: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Index of each day's month within the range (may be negative or >= n_months)."""
        return month_of(days) - self.first_month
