"""Validate one file's rows against the contract: typed accepted rows plus a rejects report.

Each column is parsed once, column-wise (``checks``); then the rules that span columns, rows or
tables run (duplicate keys, periods, the table's own rules, references). A row failing several
rules gets one report row per failure but counts once, so ``read == accepted + rejected``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bankcrm.domain.contract import (
    DEFAULT_CURRENCY,
    FALSE_TEXTS,
    TRUE_TEXTS,
    Column,
    Kind,
    RejectKind,
)
from bankcrm.ingest import checks, columns
from bankcrm.ingest.columns import Ints, Mask
from bankcrm.ingest.dates import parse_dates, parse_datetimes
from bankcrm.ingest.formats import LINE
from bankcrm.ingest.reader import RawTable
from bankcrm.ingest.rules import TABLE_RULES, Context, Lookups, Rejects, Text, join

__all__ = ["Lookups", "Validated", "validate"]

MONEY = pa.decimal128(18, 2)
_BOOLS = sorted(TRUE_TEXTS | FALSE_TEXTS)
_FORMAT_REJECT = {
    Kind.ENUM: RejectKind.BAD_ENUM,
    Kind.DATE: RejectKind.BAD_DATE,
    Kind.DATETIME: RejectKind.BAD_DATETIME,
    Kind.BOOL: RejectKind.BAD_BOOL,
    Kind.MONEY: RejectKind.BAD_MONEY,
    Kind.REGION_CODE: RejectKind.BAD_REGION_CODE,
    Kind.CURRENCY: RejectKind.BAD_CURRENCY,
}


@dataclass
class Validated:
    """The outcome for one file; always ``read == accepted_count + rejected_count``."""

    accepted: pa.Table  # typed contract columns in contract order, plus _line
    rejects: pa.Table  # file, line, column, value, reason, detail
    read: int
    accepted_count: int
    rejected_count: int


def validate(raw: RawTable, lookups: Lookups) -> Validated:
    """Check every row of ``raw`` against the contract and what ``lookups`` knows."""
    spec = raw.spec
    text = {name: _array(raw.table.column(name)) for name in spec.column_names}
    lines = np.asarray(_array(raw.table.column(LINE)).to_numpy(), np.int64)
    ctx = Context(spec, text, {}, {}, {}, lookups, Rejects(raw.file, lines, text))
    for column in spec.columns:
        _parse(ctx, column)
    _duplicates(ctx)
    _periods(ctx)
    if spec.name in TABLE_RULES:
        TABLE_RULES[spec.name](ctx)
    _references(ctx)  # last: a self-reference must resolve to a row accepted otherwise

    keep = ~ctx.rejects.rejected
    columns = {name: ctx.typed[name] for name in spec.column_names}
    columns[LINE] = pa.array(lines)
    accepted = pa.table(columns)
    if not keep.all():
        accepted = accepted.filter(pa.array(keep))
    rejected = int((~keep).sum())
    return Validated(accepted, ctx.rejects.table(), len(lines), len(lines) - rejected, rejected)


def _array(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _parse(ctx: Context, column: Column) -> None:
    """Type one column; reject missing required values and values not in the column's form."""
    name, kind, values = column.name, column.kind, ctx.raw[column.name]
    given = columns.present(values)
    if not column.nullable:
        missing = np.flatnonzero(~given)
        ctx.rejects.add(missing, name, RejectKind.MISSING_VALUE, "a value is required")
    typed, valid = values, given
    if kind is Kind.ENUM:
        valid = columns.is_in(ctx.encoded(name), column.values)
    elif kind in (Kind.DATE, Kind.DATETIME):
        # dates repeat (parse each once); datetimes are mostly distinct (parse every row)
        dates = parse_dates(ctx.encoded(name)) if kind is Kind.DATE else parse_datetimes(values)
        ctx.dates[name], valid = dates, dates.valid
        if kind is Kind.DATE:
            typed = pa.array(dates.days.astype(np.int32), pa.date32(), mask=~valid)
        else:
            typed = pa.array(dates.seconds, pa.timestamp("s"), mask=~valid)
    elif kind is Kind.BOOL:
        valid = columns.is_in(ctx.encoded(name), _BOOLS)
        true = columns.is_in(ctx.encoded(name), sorted(TRUE_TEXTS))
        typed = pa.array(true, pa.bool_(), mask=~valid)
    elif kind is Kind.MONEY:
        valid = checks.valid_money(values)
        typed = pc.if_else(pa.array(valid), values, pa.scalar(None, pa.string())).cast(MONEY)
    elif kind is Kind.REGION_CODE:
        valid = checks.valid_region_code(values)
    elif kind is Kind.CURRENCY:
        valid = checks.valid_currency(values)
        typed = pc.fill_null(values, DEFAULT_CURRENCY)
    ctx.typed[name], ctx.valid[name] = typed, valid
    bad = np.flatnonzero(given & ~valid)
    if len(bad):
        reason = _FORMAT_REJECT[kind]
        shown = values.take(pa.array(bad))
        ctx.rejects.add(bad, name, reason, join("'", shown, "' ", _why(column, bad, shown, ctx)))


def _why(column: Column, rows: Ints, shown: pa.Array, ctx: Context) -> Text:
    """Why the values ``shown`` (in ``rows``) are not in the form ``column`` needs."""
    kind = column.kind
    if kind is Kind.ENUM:
        return f"is not one of {', '.join(column.values)}"
    if kind in (Kind.DATE, Kind.DATETIME):
        form = "YYYY-MM-DD" if kind is Kind.DATE else "YYYY-MM-DDTHH:MM:SS"
        formed = pa.array(ctx.dates[column.name].well_formed[rows])
        return pc.if_else(formed, "is not a real date or time", f"is not in the form {form}")
    if kind is Kind.BOOL:
        return "is not one of true/false, 1/0, Y/N"
    if kind is Kind.MONEY:
        decimals = columns.to_mask(pc.match_substring_regex(shown, r"^-?[0-9]*\.[0-9]{3,}$"))
        large = columns.to_mask(pc.match_substring_regex(shown, r"^-?0*[1-9][0-9]{16,}(\.|$)"))
        general = "is not an amount in yuan (digits, an optional '-' and '.', no exponent, "
        general += "spaces or thousands separators)"
        return pc.if_else(
            pa.array(decimals),
            "has more than 2 decimals",
            pc.if_else(pa.array(large), "has more than 16 digits before the point", general),
        )
    if kind is Kind.REGION_CODE:
        six = columns.to_mask(pc.match_substring_regex(shown, "^[0-9]{6}$"))
        return pc.if_else(
            pa.array(six), "has an unknown province code (first 2 digits)", "is not 6 digits"
        )
    return "is not 3 capital letters (ISO 4217, e.g. CNY)"


def _duplicates(ctx: Context) -> None:
    """The first row with a key (lowest line) is kept; each later one is rejected."""
    key = ctx.spec.key
    keys = [ctx.encoded(k) for k in key] if len(key) > 1 else [ctx.raw[key[0]]]
    rows, first = columns.first_occurrences(keys)
    if not len(rows):
        return
    parts: list[Text] = []
    for k in key:
        parts += ["+", ctx.at(k, rows)]
    first_line = pa.array(ctx.rejects.lines[first]).cast(pa.string())
    why = join("key repeated; first seen on line ", first_line)
    ctx.rejects.add(rows, "+".join(key), RejectKind.DUPLICATE_KEY, why, join(*parts[1:]))


def _periods(ctx: Context) -> None:
    """An end, when given, is not before its start (both must have parsed)."""
    for start, end in ctx.spec.periods:
        s, e = ctx.dates[start], ctx.dates[end]
        bad = np.flatnonzero(s.valid & e.valid & (e.seconds < s.seconds))
        why = join(ctx.at(end, bad), f" is before {start} ", ctx.at(start, bad))
        ctx.rejects.add(bad, end, RejectKind.END_BEFORE_START, why)


def _references(ctx: Context) -> None:
    """Every given reference resolves to a known key (or, within a table, to an accepted row)."""
    for column in ctx.spec.columns:
        if column.references is None:
            continue
        values = ctx.raw[column.name]
        known = ctx.lookups.keys.get(column.references)
        unknown = columns.present(values)
        if known is not None:
            unknown &= ~columns.is_in(ctx.encoded(column.name), _array(known).cast(pa.string()))
        table, key = column.references.split(".")
        if table == ctx.spec.name:
            unknown = _unresolved_in_file(ctx, column.name, key, unknown)
        bad = np.flatnonzero(unknown)
        why = join("'", ctx.at(column.name, bad), f"' is not a known {column.references}")
        ctx.rejects.add(bad, column.name, RejectKind.UNKNOWN_REFERENCE, why)


def _unresolved_in_file(ctx: Context, column: str, key: str, unknown: Mask) -> Mask:
    """Of the ``unknown`` rows, those whose reference is not the key of a row accepted here.

    Rejecting a parent can orphan its children, so repeat until nothing changes (as many rounds
    as the hierarchy is deep).
    """
    accepted_before = ~ctx.rejects.rejected
    orphan = np.zeros(len(unknown), np.bool_)
    while True:
        parents = ctx.raw[key].filter(pa.array(accepted_before & ~orphan))
        now = unknown & ~columns.is_in(ctx.encoded(column), parents)
        if (now == orphan).all():
            return orphan
        orphan = now
