"""Typed Arrow columns from integer day numbers, seconds and fen, and their contract text.

The generator computes in integers (days, seconds, fen) and turns them into Arrow columns here:
``date32``, ``timestamp[s]``, ``decimal128(18, 2)`` built straight from the integer fen (so no
float ever touches an amount), ``bool`` and ``string``. ``as_text`` renders a typed table as the
contract's text (EXTRACT_FORMAT.md): ``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM:SS``, ``true``/``false``,
decimal yuan with exactly two decimals, empty for null.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from bankcrm.domain.contract import Kind, TableSpec

MONEY_TYPE = pa.decimal128(18, 2)
ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.TEXT: pa.string(),
    Kind.DATE: pa.date32(),
    Kind.DATETIME: pa.timestamp("s"),
    Kind.BOOL: pa.bool_(),
    Kind.MONEY: MONEY_TYPE,
    Kind.ENUM: pa.string(),
    Kind.REGION_CODE: pa.string(),
    Kind.CURRENCY: pa.string(),
}


def dates(days: npt.ArrayLike, null: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """A ``date32`` column from day numbers; null where ``null`` is True."""
    d = np.asarray(days, dtype=np.int64)
    if null is not None:
        d = np.where(null, 0, d)
    return pa.array(d.astype(np.int32), pa.int32(), mask=null).view(pa.date32())


def datetimes(seconds: npt.ArrayLike) -> pa.Array:
    """A ``timestamp[s]`` column from seconds since 1970-01-01T00:00:00 (bank time)."""
    return pa.array(np.asarray(seconds, dtype=np.int64), pa.int64()).view(pa.timestamp("s"))


def money(fen: npt.ArrayLike) -> pa.Array:
    """A ``decimal128(18, 2)`` column of yuan from integer fen, exactly."""
    f = np.asarray(fen, dtype=np.int64)
    words = np.empty(2 * len(f), dtype=np.int64)
    words[0::2] = f  # little-endian 128-bit two's complement: low word, then the sign
    words[1::2] = f >> 63
    return pa.Array.from_buffers(MONEY_TYPE, len(f), [None, pa.py_buffer(words.tobytes())])


def typed_table(spec: TableSpec, columns: dict[str, pa.Array]) -> pa.Table:
    """The columns in contract order with their contract Arrow types (checks nothing is amiss)."""
    if set(columns) != set(spec.column_names):
        raise ValueError(f"{spec.name}: columns {sorted(columns)} != {sorted(spec.column_names)}")
    arrays = [columns[c.name].cast(ARROW_TYPES[c.kind]) for c in spec.columns]
    return pa.Table.from_arrays(arrays, names=list(spec.column_names))


def text_column(array: pa.Array | pa.ChunkedArray, kind: Kind) -> pa.Array | pa.ChunkedArray:
    """One column as contract text (nulls stay null; the writer leaves them empty)."""
    if kind is Kind.DATETIME:  # Arrow writes "YYYY-MM-DD HH:MM:SS"; the contract wants the T
        return pc.replace_substring(array.cast(pa.string()), " ", "T", max_replacements=1)
    return array.cast(pa.string())


def as_text(spec: TableSpec, table: pa.Table) -> pa.Table:
    """A typed table as all-string columns in the contract's text formats."""
    arrays = [text_column(table.column(c.name), c.kind) for c in spec.columns]
    return pa.Table.from_arrays(arrays, names=list(spec.column_names))


def text_schema(spec: TableSpec) -> pa.Schema:
    return pa.schema([(name, pa.string()) for name in spec.column_names])


def typed_schema(spec: TableSpec) -> pa.Schema:
    return pa.schema([(c.name, ARROW_TYPES[c.kind]) for c in spec.columns])
