"""Read one table file of an extract (EXTRACT_FORMAT.md) as text columns, ready for validation.

Every contract column comes back as a string column (null for an empty field) whatever the file
type, so one validator serves CSV, Parquet and XLSX alike, and a rejected value can be shown
exactly as the bank sent it. A file that cannot be read at all raises ``ExtractReadError`` with
a message saying what is wrong and what to do; nothing is read row by row in Python except the
cells of a spreadsheet (openpyxl has no columnar reader; spreadsheets are small manual uploads).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from bankcrm.domain.contract import TABLES, TableSpec
from bankcrm.domain.errors import BankcrmError
from bankcrm.ingest.formats import Unreadable, read_parquet, read_xlsx, with_lines

_CHUNK = 1 << 24  # bytes decoded at a time when checking the encoding
_ENCODINGS = {"utf-8": "UTF-8", "gbk": "GBK", "gb18030": "GB18030"}


class ExtractReadError(BankcrmError):
    """A file of the extract that cannot be read at all; the message says what and what to do."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(message)
        self.file = file
        self.message = message


@dataclass
class RawTable:
    """One file's rows: the contract columns as strings, in contract order, plus ``_line``.

    ``_line`` is the record's position counting the header as line 1 (a spreadsheet's row).
    """

    spec: TableSpec
    file: str
    table: pa.Table
    warnings: list[str] = field(default_factory=list)


def find_table_file(folder: Path, table: str) -> Path | None:
    """The one file holding ``table`` in an extract folder, or None when the table is absent."""
    spec = TABLES[table]
    names = [f"{table}.csv", f"{table}.csv.gz", f"{table}.parquet", f"{table}.xlsx"]
    found = [folder / name for name in names if (folder / name).is_file()]
    if len(found) > 1:
        listed = ", ".join(p.name for p in found)
        raise ExtractReadError(
            found[0].name,
            f"{folder.name} holds {len(found)} files for table {table} ({listed}); "
            "keep exactly one",
        )
    if found and found[0].suffix == ".xlsx" and not spec.xlsx_allowed:
        raise ExtractReadError(
            found[0].name,
            f"{found[0].name}: {table} cannot come as a spreadsheet (only customers, employees "
            "and branches can); export it as CSV or Parquet",
        )
    return found[0] if found else None


def read_table(path: Path, spec: TableSpec, encoding: str = "utf-8") -> RawTable:
    """Read ``path`` (CSV, CSV.GZ, Parquet or XLSX) as the text columns of ``spec``."""
    name = path.name
    warnings: list[str] = []

    def check(header: list[str]) -> None:
        check_header(name, header, spec)

    try:
        if name.endswith((".csv", ".csv.gz")):
            header, table = _read_csv(path, spec, _codec(name, encoding), warnings)
        elif name.endswith(".parquet"):
            header, table = read_parquet(path, spec, check, warnings)
        elif name.endswith(".xlsx") and spec.xlsx_allowed:
            header, table = read_xlsx(path, spec, check)
        else:
            raise ExtractReadError(name, f"{name}: not a file type {spec.name} can come as")
    except Unreadable as error:
        raise ExtractReadError(name, f"{name} {error}") from None
    extra = list(dict.fromkeys(c for c in header if c and c not in spec.column_names))
    if extra:
        warnings.append(f"{name}: column(s) not in the contract ignored: {', '.join(extra)}")
    return RawTable(spec, name, table, warnings)


def check_header(name: str, header: list[str], spec: TableSpec) -> None:
    """Every contract column must be in the header, once; say which are not and why."""
    missing = [c for c in spec.column_names if c not in header]
    if missing:
        hints = [
            f"{h!r} looks like {c!r}"
            for c in missing
            for h in header
            if h != c and h.strip().lower() == c.lower()
        ]
        hint = f" ({'; '.join(hints)}: header names must match exactly)" if hints else ""
        raise ExtractReadError(
            name,
            f"{name} lacks the column(s) {', '.join(missing)}{hint}; every column of the "
            f"{spec.name} contract must be in the header (leave the values empty if unknown)",
        )
    twice = sorted({c for c in spec.column_names if header.count(c) > 1})
    if twice:
        raise ExtractReadError(name, f"{name} has the column(s) {', '.join(twice)} twice")


def _codec(name: str, encoding: str) -> str:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        codec = ""
    if codec not in _ENCODINGS:
        raise ExtractReadError(
            name, f"unknown encoding {encoding!r}; use one of {', '.join(_ENCODINGS)}"
        )
    return codec


def _load_bytes(path: Path) -> bytes:
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as stream:
                return stream.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        raise ExtractReadError(path.name, f"{path.name} cannot be read: {error}") from None


def _first_bad_byte(data: bytes | memoryview, codec: str) -> int | None:
    """Offset of the first byte not valid in ``codec``, or None; decodes in chunks."""
    decoder = codecs.getincrementaldecoder(codec)()
    for start in range(0, max(len(data), 1), _CHUNK):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(data[start : start + _CHUNK], start + _CHUNK >= len(data))
        except UnicodeDecodeError as error:
            return start - pending + error.start
    return None


def _to_utf8(name: str, data: bytes, codec: str, warnings: list[str]) -> pa.Buffer:
    """The file's text as UTF-8 without a BOM, or ExtractReadError if it is not valid ``codec``.

    A file that is valid UTF-8 is read as UTF-8 whatever ``codec`` says: the contract's own
    encoding, and GBK text with Chinese in it practically never happens to be valid UTF-8, while
    UTF-8 Chinese can happen to be valid GBK (and would be read as nonsense). So an extract whose
    legacy files are GBK (``--encoding gbk``) may still hold UTF-8 files.
    """
    view = memoryview(data)
    utf8_bad = _first_bad_byte(view, "utf-8")
    if utf8_bad is None:
        if codec != "utf-8" and not data.isascii():
            warnings.append(
                f"{name} is valid UTF-8, so it was read as UTF-8, not {_ENCODINGS[codec]}"
            )
        text = pa.py_buffer(data)
    elif codec == "utf-8":
        raise _not_valid(name, data, codec, utf8_bad)
    else:
        try:
            text = pa.py_buffer(data.decode(codec).encode())
        except UnicodeDecodeError:
            raise _not_valid(name, data, codec, _first_bad_byte(view, codec) or 0) from None
    if text[:3].equals(pa.py_buffer(codecs.BOM_UTF8)):
        text = text[3:]
    return text


def _not_valid(name: str, data: bytes, codec: str, offset: int) -> ExtractReadError:
    """Say where ``data`` stops being ``codec``, and which encoding to try instead if any fits."""
    others = [c for c in ("utf-8", "gb18030") if c != codec]
    fits = [c for c in others if _first_bad_byte(memoryview(data), c) is None]
    advice = (
        f"it decodes as {_ENCODINGS[fits[0]]} — try --encoding {fits[0]}"
        if fits
        else "it is not valid UTF-8 or GB18030 either — check how it was exported"
    )
    return ExtractReadError(
        name,
        f"{name} is not valid {_ENCODINGS[codec]} (first bad byte at offset {offset}); {advice}",
    )


def _read_csv(
    path: Path, spec: TableSpec, codec: str, warnings: list[str]
) -> tuple[list[str], pa.Table]:
    name = path.name
    text = _to_utf8(name, _load_bytes(path), codec, warnings)
    if len(text) == 0:
        raise ExtractReadError(name, f"{name} is empty; it needs at least the header row")
    first = text[: min(len(text), 1 << 16)].to_pybytes().decode("utf-8", "ignore")
    header = next(csv.reader(io.StringIO(first)), [])
    check_header(name, header, spec)
    columns = list(spec.column_names)
    bad_rows: list[pacsv.InvalidRow] = []

    def table(use_threads: bool) -> pa.Table:
        def invalid(row: pacsv.InvalidRow) -> str:
            bad_rows.append(row)
            return "skip"

        return pacsv.read_csv(
            pa.BufferReader(text),
            read_options=pacsv.ReadOptions(use_threads=use_threads),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(
                include_columns=columns,
                column_types=dict.fromkeys(columns, pa.string()),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )

    try:
        result = table(use_threads=True)
        if bad_rows:  # read again in one thread: only that way Arrow knows the rows' numbers
            bad_rows.clear()
            table(use_threads=False)
    except (pa.ArrowInvalid, pa.ArrowKeyError) as error:
        raise ExtractReadError(name, f"{name} is not a readable CSV file: {error}") from None
    if bad_rows:
        first_bad = bad_rows[0]
        raise ExtractReadError(
            name,
            f"{name}: {len(bad_rows)} row(s) do not have {first_bad.expected_columns} fields, "
            f"first on line {first_bad.number} ({first_bad.actual_columns} fields: "
            f"{first_bad.text[:80]!r}); quote values holding commas, or fix those rows",
        )
    return header, with_lines(result.select(columns))
