"""Whole-column helpers for validation: Arrow ↔ numpy masks, fixed-width byte matrices, set
membership and repeated keys.

Validation never loops over rows in Python; these are the building blocks that let it work on a
column at a time. Dictionary-encoded input is checked once per distinct value and the answer
spread over the rows, which makes low-cardinality columns (dates, enums, references) cheap.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
Bytes = npt.NDArray[np.uint8]


def to_mask(values: pa.Array | pa.ChunkedArray) -> Mask:
    """A boolean Arrow array as a numpy mask, null counting as False."""
    filled = pc.fill_null(values, False)
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    return np.asarray(filled.to_numpy(zero_copy_only=False), np.bool_)


def present(values: pa.Array) -> Mask:
    """Rows holding a value (not null)."""
    return to_mask(pc.is_valid(values))


def fixed_width(values: pa.Array, width: int) -> tuple[Bytes, Mask]:
    """The strings of exactly ``width`` bytes as an ``(n, width)`` matrix, and which rows those are.

    Rows of another length (or null) are zero bytes in the matrix and False in the mask.
    """
    fits = to_mask(pc.equal(pc.binary_length(values), width))
    if not fits.all():
        values = pc.if_else(pa.array(fits), values, "\0" * width)
    fixed = values.cast(pa.binary(width))
    data = fixed.buffers()[1]
    n = len(fixed)
    if data is None or n == 0:
        return np.zeros((n, width), np.uint8), fits
    flat = np.frombuffer(data, np.uint8)[fixed.offset * width : (fixed.offset + n) * width]
    return flat.reshape(n, width), fits


def encode(values: pa.Array) -> pa.DictionaryArray:
    """Dictionary-encode (Arrow hashing) unless already encoded."""
    return values if pa.types.is_dictionary(values.type) else pc.dictionary_encode(values)


def spread(encoded: pa.DictionaryArray, per_value: npt.NDArray[Any], fill: object) -> Any:
    """A result computed per dictionary value, spread over the rows (``fill`` for null rows)."""
    index = pc.fill_null(encoded.indices, -1).to_numpy()
    return np.append(per_value, np.array([fill], per_value.dtype))[index]


def is_in(values: pa.Array, allowed: pa.Array | list[str] | tuple[str, ...]) -> Mask:
    """Rows whose value is one of ``allowed`` (null never is)."""
    value_set = allowed if isinstance(allowed, pa.Array) else pa.array(allowed, pa.string())
    if pa.types.is_dictionary(values.type):
        return np.asarray(spread(values, is_in(values.dictionary, value_set), False), np.bool_)
    return to_mask(pc.is_in(values, value_set=value_set, skip_nulls=True))


def index_in(values: pa.Array, value_set: pa.Array) -> Ints:
    """Each row's position in ``value_set`` (the first, if repeated), -1 when not there."""
    if pa.types.is_dictionary(values.type):
        return np.asarray(spread(values, index_in(values.dictionary, value_set), -1), np.int64)
    found = pc.fill_null(pc.index_in(values, value_set=value_set), -1)
    return np.asarray(found.to_numpy(), np.int64)


def first_occurrences(keys: list[pa.Array]) -> tuple[Ints, Ints]:
    """Repeats of a (composite) key: the rows repeating an earlier row's key, and that first row.

    Both are row indices, ordered by the repeating row; rows with a null in a key column take no
    part. A single key column is an identifier, unique by design: DuckDB's parallel GROUP BY
    finds its repeats faster than hashing it into a dictionary. A composite key's columns are
    dictionary-encoded (the encodings are reused by other checks), combined into one code and
    sorted (stable, so a run's first row is the earliest; data in key order sorts in linear time).
    """
    if len(keys) == 1 and not pa.types.is_dictionary(keys[0].type):
        return _repeats_in_duckdb(keys[0])
    usable: Mask | None = None
    code = np.zeros(0, np.int64)
    for i, column in enumerate(keys):
        encoded = encode(column)
        if column.null_count:
            usable = present(column) if usable is None else usable & present(column)
        index = np.asarray(pc.fill_null(encoded.indices, 0).to_numpy(), np.int64)
        if i > 1:  # keep the codes below n before combining another column
            code = np.unique(code, return_inverse=True)[1].astype(np.int64)
        code = code * (len(encoded.dictionary) + 1) + index if i else index
    rows = None if usable is None else np.flatnonzero(usable)
    if rows is not None:
        code = code[rows]
    order = np.argsort(code, kind="stable")
    ordered = code[order]
    again = np.flatnonzero(ordered[1:] == ordered[:-1]) + 1  # positions in the sorted order
    starts = np.ones(len(order), np.bool_)
    starts[again] = False
    run_start = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
    repeats, firsts = order[again], order[run_start[again]]
    by_row = np.argsort(repeats)
    repeats, firsts = repeats[by_row], firsts[by_row]
    if rows is not None:
        repeats, firsts = rows[repeats], rows[firsts]
    return repeats, firsts


def _repeats_in_duckdb(key: pa.Array) -> tuple[Ints, Ints]:
    rows = pa.table({"k": key, "r": pa.array(np.arange(len(key), dtype=np.int64))})
    with duckdb.connect() as con:
        con.register("rows", rows)
        found = con.execute(
            """WITH repeated AS (
                   SELECT k, min(r) AS first FROM rows WHERE k IS NOT NULL
                   GROUP BY k HAVING count(*) > 1)
               SELECT rows.r, repeated.first FROM rows JOIN repeated USING (k)
               WHERE rows.r <> repeated.first ORDER BY rows.r"""
        ).fetchnumpy()
    return np.asarray(found["r"], np.int64), np.asarray(found["first"], np.int64)
