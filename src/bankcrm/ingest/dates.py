"""Contract dates and datetimes, parsed a whole column at a time.

A DATE is ``YYYY-MM-DD`` and a real date (years 0001-9999, as Python's ``date``); a DATETIME is
``YYYY-MM-DDTHH:MM:SS`` (or a space for the ``T``), a real local time. The fixed-width bytes of
each row are read two at a time as one ``uint16`` and looked up in a table of two-digit values;
the calendar is a few more table look-ups. A column of few distinct values (month-end dates,
opening dates) is parsed once per distinct value and the result spread over the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from bankcrm.ingest.columns import Bytes, Ints, Mask, encode, fixed_width, spread

_NOT_TWO_DIGITS = 255
_TENS, _ONES = np.divmod(np.arange(100), 10)
_PAIR = np.full(1 << 16, _NOT_TWO_DIGITS, np.uint8)  # two bytes read as uint16 → 0..99 or 255
_PAIR[np.stack([_TENS + 48, _ONES + 48], 1).astype(np.uint8).copy().view(np.uint16)[:, 0]] = (
    np.arange(100)
)


def epoch_days(year: Ints, month: Ints, day: Ints) -> Ints:
    """Days since 1970-01-01 of real dates (the Arrow ``date32`` value).

    Integer arithmetic after H. Hinnant's ``days_from_civil`` (years counted from 1 March).
    """
    y = year - (month <= 2)
    era = y // 400
    year_of_era = y - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return np.asarray(era * 146_097 + day_of_era - 719_468, np.int64)


# Tables indexed by any value two "pairs" can make (up to 255 * 100 + 255), so rows that are
# not digits still index safely (they are masked out afterwards).
_YEARS = np.arange(255 * 100 + 256, dtype=np.int64)
_LEAP = ((_YEARS % 4 == 0) & ((_YEARS % 100 != 0) | (_YEARS % 400 == 0))).astype(np.int64)
_YEAR_START = epoch_days(_YEARS, np.ones_like(_YEARS), np.ones_like(_YEARS))
_MONTH_DAYS = np.zeros((2, 256), np.int64)  # [leap, month] → days in month; 0 if no such month
_MONTH_DAYS[0, 1:13] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
_MONTH_DAYS[1, 1:13] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
_DAYS_BEFORE = np.zeros((2, 256), np.int64)  # [leap, month] → days of the year before month
_DAYS_BEFORE[:, 1:13] = np.cumsum(_MONTH_DAYS[:, 1:13], axis=1) - _MONTH_DAYS[:, 1:13]


@dataclass(frozen=True)
class Dates:
    """A parsed DATE or DATETIME column."""

    well_formed: Mask  # the pattern's shape (digits and separators in place)
    valid: Mask  # well formed and a real date (and time)
    days: Ints  # days since 1970-01-01 (of the date part), 0 where not valid
    seconds: Ints  # seconds since 1970-01-01T00:00:00 (a DATE's midnight), 0 where not valid
    month_end: Mask  # valid and the last day of its month

    def take(self, index: Ints, given: Mask) -> Dates:
        """The parse of ``index``'s values (distinct values to rows); False where not ``given``."""
        return Dates(
            self.well_formed[index] & given,
            self.valid[index] & given,
            self.days[index],
            self.seconds[index],
            self.month_end[index] & given,
        )


def pairs(matrix: Bytes, start: int) -> Bytes:
    """The two-digit number at bytes ``start, start + 1`` of each row; 255 if not two digits."""
    two = np.ascontiguousarray(matrix[:, start : start + 2]).view(np.uint16)[:, 0]
    return np.asarray(_PAIR[two], np.uint8)


def calendar(
    matrix: Bytes, starts: tuple[int, int, int, int], shaped: Mask
) -> tuple[Mask, Mask, Ints, Mask]:
    """Read a date from the byte pairs at ``starts`` (century, year, month, day) of each row.

    Returns (well formed, real date, epoch days, last day of its month); ``shaped`` says which
    rows have the right length and separators.
    """
    century, year, month, day = (pairs(matrix, p) for p in starts)
    formed = shaped & (century < 100) & (year < 100) & (month < 100) & (day < 100)
    full_year = century.astype(np.int64) * 100 + year
    slot = _LEAP[full_year] * 256 + month
    last = _MONTH_DAYS.ravel()[slot]
    real = formed & (full_year >= 1) & (day >= 1) & (day <= last)
    days = _YEAR_START[full_year] + _DAYS_BEFORE.ravel()[slot] + day - 1
    return formed, real, np.where(real, days, 0), real & (day == last)


def _parse_dates(values: pa.Array) -> Dates:
    matrix, fits = fixed_width(values, 10)
    shaped = fits & (matrix[:, 4] == ord("-")) & (matrix[:, 7] == ord("-"))
    formed, real, days, month_end = calendar(matrix, (0, 2, 5, 8), shaped)
    return Dates(formed, real, days, days * 86_400, month_end)


def _parse_datetimes(values: pa.Array) -> Dates:
    matrix, fits = fixed_width(values, 19)
    shaped = fits & (matrix[:, 4] == ord("-")) & (matrix[:, 7] == ord("-"))
    shaped &= (matrix[:, 10] == ord("T")) | (matrix[:, 10] == ord(" "))
    shaped &= (matrix[:, 13] == ord(":")) & (matrix[:, 16] == ord(":"))
    hour, minute, second = (pairs(matrix, p) for p in (11, 14, 17))
    shaped &= (hour < 100) & (minute < 100) & (second < 100)
    formed, real, days, month_end = calendar(matrix, (0, 2, 5, 8), shaped)
    real &= (hour <= 23) & (minute <= 59) & (second <= 59)
    seconds = days * 86_400 + hour.astype(np.int64) * 3600 + minute.astype(np.int64) * 60 + second
    return Dates(
        formed, real, np.where(real, days, 0), np.where(real, seconds, 0), month_end & real
    )


def _per_value(encoded: pa.DictionaryArray, parse: Callable[[pa.Array], Dates]) -> Dates:
    """Parse each distinct value once and spread the result over the rows."""
    if len(encoded.dictionary) == 0:
        return parse(pa.nulls(len(encoded), pa.string()))
    index = np.asarray(spread(encoded, np.arange(len(encoded.dictionary)), -1), np.int64)
    given = index >= 0
    return parse(encoded.dictionary).take(np.where(given, index, 0), given)


def parse_dates(values: pa.Array) -> Dates:
    """Check ``YYYY-MM-DD`` real dates, once per distinct value."""
    return _per_value(encode(values), _parse_dates)


def parse_datetimes(values: pa.Array) -> Dates:
    """Check ``YYYY-MM-DDTHH:MM:SS`` (or ``T`` as a space) real local datetimes.

    Datetimes are mostly distinct, so they are parsed row by row (vectorised) unless the caller
    already dictionary-encoded them.
    """
    if pa.types.is_dictionary(values.type):
        return _per_value(values, _parse_datetimes)
    return _parse_datetimes(values)


def last_of_month(days: Ints) -> Ints:
    """The epoch day of the last day of each day's month."""
    month = days.astype("datetime64[D]").astype("datetime64[M]")
    return np.asarray((month + 1).astype("datetime64[D]").astype(np.int64) - 1, np.int64)
