"""Small vectorised helpers shared by the generator's modules."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]


def make_ids(prefix: str, numbers: npt.ArrayLike, width: int) -> pa.Array:
    """Identifiers such as ``C0000000042``: prefix and zero-padded number, for a whole column."""
    digits = pc.utf8_lpad(
        pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0"
    )
    return pc.binary_join_element_wise(prefix, digits, "")


def group_starts(groups: IntArray) -> npt.NDArray[np.bool_]:
    """True at the first element of each run of equal values in a sorted array."""
    first = np.ones(len(groups), dtype=bool)
    first[1:] = groups[1:] != groups[:-1]
    return first


def strictly_increasing(groups: IntArray, values: IntArray) -> IntArray:
    """``values`` (sorted within each group of the sorted ``groups``) nudged up by as little as
    needed to be strictly increasing within each group, e.g. days of successive events."""
    i = np.arange(len(values), dtype=np.int64)
    offset = (groups - groups.min(initial=0)) * (np.int64(1) << 40)
    running = np.maximum.accumulate(offset + values - i)
    return np.asarray(running - offset + i, dtype=np.int64)


def expand(counts: IntArray) -> tuple[IntArray, IntArray]:
    """For per-parent counts: (parent index, rank within parent) of every child row."""
    parent = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    return parent, np.arange(len(parent), dtype=np.int64) - starts[parent]


def pick(values: npt.ArrayLike, index: IntArray) -> pa.Array:
    """``values[index]`` as a string array, null where ``index`` < 0."""
    table = pa.array(np.asarray(values, dtype=object), pa.string())
    return table.take(pa.array(index, mask=index < 0))


def scatter(parts: list[tuple[IntArray, pa.Array]], n: int) -> pa.Array:
    """One array of length ``n`` from parts computed for disjoint row subsets: (rows, values)."""
    rows = np.concatenate([r for r, _ in parts])
    if len(rows) != n:
        raise ValueError("scatter parts must cover every row exactly once")
    position = np.empty(n, np.int64)
    position[rows] = np.arange(n)
    return pa.concat_arrays(
        [pa.array(v) if not isinstance(v, pa.Array) else v for _, v in parts]
    ).take(pa.array(position))


def monthly_probability(yearly: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The monthly probability that compounds to a yearly probability."""
    return 1.0 - (1.0 - np.asarray(yearly, dtype=np.float64)) ** (1.0 / 12.0)
