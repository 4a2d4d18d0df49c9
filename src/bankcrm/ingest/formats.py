"""Parquet and XLSX extract files as contract text, and what every reader shares.

A typed file is turned back into the contract's text form (dates ``YYYY-MM-DD``, datetimes
``YYYY-MM-DDTHH:MM:SS``, booleans ``true``/``false``, money as plain decimals) so the same
validator, with the same rejects, serves every file type. Parquet is converted column-wise with
Arrow; spreadsheet cells are converted one by one, as openpyxl hands them out (spreadsheets are
small manual uploads of customers, employees and branches).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from openpyxl.utils.exceptions import InvalidFileException

from bankcrm.domain.contract import Column, Kind, TableSpec

LINE = "_line"
_ISO = "%Y-%m-%dT%H:%M:%S"
Check = Callable[[list[str]], None]  # raises when the header lacks a contract column


class Unreadable(Exception):  # noqa: N818  the reader turns it into ExtractReadError
    """The file cannot be read; the message continues the sentence ``"<file name> ..."``."""


def with_lines(table: pa.Table, lines: pa.Array | None = None) -> pa.Table:
    """Append ``_line``: given, or the record position counting the header as line 1."""
    if lines is None:
        lines = pa.array(np.arange(2, table.num_rows + 2, dtype=np.int64))
    return table.append_column(LINE, lines)


def read_parquet(
    path: Path, spec: TableSpec, check: Check, warnings: list[str]
) -> tuple[list[str], pa.Table]:
    """The contract columns of a Parquet file, as contract text."""
    try:
        parquet = pq.ParquetFile(path)
        header = list(parquet.schema_arrow.names)
    except (pa.ArrowException, OSError) as error:
        raise Unreadable(f"is not a readable Parquet file ({error})") from None
    check(header)
    try:
        table = parquet.read(columns=list(spec.column_names))
    except (pa.ArrowException, OSError) as error:
        raise Unreadable(f"cannot be read: {error}") from None
    text = {c.name: _as_text(table.column(c.name), c, warnings, path.name) for c in spec.columns}
    return header, with_lines(pa.table(text))


def _as_text(
    values: pa.ChunkedArray, column: Column, warnings: list[str], file: str
) -> pa.ChunkedArray:
    """One typed Parquet column in the contract's text form."""
    kind, typ = column.kind, values.type
    if pa.types.is_dictionary(typ):
        values, typ = values.cast(typ.value_type), typ.value_type
    if pa.types.is_timestamp(typ):
        seconds = pc.strftime(values.cast(pa.timestamp("s", typ.tz), safe=False), format=_ISO)
        whole = pc.equal(values, pc.floor_temporal(values, unit="second"))
        text = pc.if_else(whole, seconds, pc.strftime(values, format=_ISO))  # fraction: rejected
        if kind is Kind.DATE:  # a date stored as a midnight timestamp is that date
            midnight = pc.equal(values, pc.floor_temporal(values, unit="day"))
            return pc.if_else(midnight, values.cast(pa.date32()).cast(pa.string()), text)
        return text
    if pa.types.is_date(typ):
        return values.cast(pa.date32()).cast(pa.string())
    if pa.types.is_decimal(typ) and typ.scale > 2:  # 1.5000 is 1.50; 1.505 stays, rejected
        rounded = pc.round(values, 2)
        exact = pc.equal(rounded, values)
        two = pa.decimal128(min(typ.precision - typ.scale + 2, 38), 2)
        return pc.if_else(exact, rounded.cast(two).cast(pa.string()), values.cast(pa.string()))
    if pa.types.is_floating(typ) and kind is Kind.MONEY:
        warnings.append(
            f"{file}: {column.name} is stored as floating point; money should be a decimal "
            "type (values are read as their shortest decimal text)"
        )
    readable = (
        pa.types.is_string(typ)
        or pa.types.is_large_string(typ)
        or pa.types.is_string_view(typ)
        or pa.types.is_boolean(typ)
        or pa.types.is_integer(typ)
        or pa.types.is_floating(typ)
        or pa.types.is_decimal(typ)
        or pa.types.is_null(typ)
    )
    if not readable:
        raise Unreadable(f"has column {column.name} of type {typ}, which cannot be read as text")
    return values.cast(pa.string())


def read_xlsx(path: Path, spec: TableSpec, check: Check) -> tuple[list[str], pa.Table]:
    """The contract columns of the first sheet of a workbook, as contract text.

    The first row is the header; ``_line`` is the spreadsheet row. Wholly blank rows (common at
    the end of a formatted sheet) are not records and are skipped.
    """
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise Unreadable(f"is not a readable XLSX workbook ({error})") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = ["" if v is None else str(v) for v in next(rows, ())]
        check(header)
        data = list(rows)
    finally:
        book.close()
    text: dict[str, pa.Array] = {}
    for column in spec.columns:
        i = header.index(column.name)
        cells = [_cell_text(row[i] if i < len(row) else None, column.kind) for row in data]
        text[column.name] = pa.array(cells, pa.string())
    table = with_lines(pa.table(text), pa.array(np.arange(2, len(data) + 2, dtype=np.int64)))
    if table.num_rows == 0:
        return header, table
    blank = np.ones(table.num_rows, np.bool_)
    for name in spec.column_names:
        blank &= np.asarray(table.column(name).is_null().to_numpy(), np.bool_)
    return header, table.filter(pa.array(~blank))


def _cell_text(value: object, kind: Kind) -> str | None:
    """A spreadsheet cell in the contract's text form (empty → None)."""
    if isinstance(value, datetime):
        return _datetime_text(value, kind)
    text: str | None
    if value is None or value == "":
        text = None
    elif isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        text = str(int(value))  # an ID or phone number typed as a number
    else:
        text = str(value)
    return text


def _datetime_text(value: datetime, kind: Kind) -> str:
    """Excel keeps times as fractions of a day: round to the second; a DATE cell is its date."""
    value = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
    if kind is Kind.DATE and value.time() == time():
        return value.date().isoformat()
    return value.isoformat(timespec="seconds")
