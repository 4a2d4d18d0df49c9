"""``--dirty RATE``: extra bad rows at random places, each with exactly one defect, listed in
``_truth/defects.csv``.

For every chunk written to a table, about RATE x rows copies of valid rows are added (in the
first chunk of a table at least one per target of ``defects.TARGETS``, so every reject kind
appears), each with a fresh key nobody references (so rejecting it loses nothing else) and one
broken value. A duplicate key is an exact copy placed after its original, so the importer keeps
the original. Single keys get identifiers from a namespace no valid row uses; composite keys
get their date moved to before every valid row's (balances: as many months back as the range
is long). Lines count the header as line 1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from bankcrm.domain.contract import TABLES
from bankcrm.domain.contract import RejectKind as R
from bankcrm.synth.columns import dates
from bankcrm.synth.defects import (
    BAD_DATE_TAILS,
    BAD_TIMES,
    REFERENCED,
    TARGETS,
    bad_value,
    eligible,
    made_up_id,
)
from bankcrm.synth.streams import stream
from bankcrm.synth.timeline import Timeline, month_first_day, month_last_day, month_of
from bankcrm.synth.writer import CsvSink, TableSink

IntArray = npt.NDArray[np.int64]
DEFECT_COLUMNS = ("file", "line", "column", "kind")
PERIOD_START = {
    "left_on": "hired_on",
    "closed_on": "opened_on",
    "cancelled_on": "enrolled_on",
    "end_on": "start_on",
}
DATE_KEY = {"balances": "as_of", "channel_enrollments": "enrolled_on", "assignments": "start_on"}
TABLE_NUMBER = {name: i for i, name in enumerate(TABLES)}


def _days(table: pa.Table, column: str) -> IntArray:
    """A date column as day numbers (0 where null)."""
    days = pc.fill_null(table.column(column).cast(pa.int32()), 0).to_numpy()
    return np.asarray(days, dtype=np.int64)


def _date_text(days: IntArray) -> pa.Array:
    return dates(days).cast(pa.string())


class Injector:
    """Adds the bad rows of one extract and collects their defects."""

    def __init__(self, seed: int, rate: float, timeline: Timeline, path: Path) -> None:
        self.seed, self.rate, self.timeline, self.path = seed, rate, timeline, path
        self.active = rate > 0
        self.calls: dict[str, int] = {}
        self.serials: dict[tuple[str, int], int] = {}
        self.records: list[pa.Table] = []
        self.counts: dict[str, int] = {}

    def _serial(self, table: str, namespace: int, count: int) -> IntArray:
        first = self.serials.get((table, namespace), 1)
        self.serials[(table, namespace)] = first + count
        return np.arange(first, first + count, dtype=np.int64)

    def _quotas(self, n_targets: int, rows: int, first: bool, rng: np.random.Generator) -> IntArray:
        total = round(self.rate * rows)
        base = np.ones(n_targets, np.int64) if first else np.zeros(n_targets, np.int64)
        extra = rng.integers(0, n_targets, max(total - int(base.sum()), 0))
        return base + np.bincount(extra, minlength=n_targets)

    def _sources(self, name: str, typed: pa.Table, context: dict[str, np.ndarray], first: bool,
                 rng: np.random.Generator) -> tuple[IntArray, IntArray]:  # fmt: skip
        """(row copied, index of its target in ``TARGETS`` of the table) of every bad row."""
        targets = [(kind, column) for table, kind, column in TARGETS if table == name]
        n = typed.num_rows
        quotas = self._quotas(len(targets), n, first, rng)
        # Copies of one row get different fresh keys in a table with a single key; moving a
        # date key is the same move for both, so there each row is copied at most once.
        reuse = name not in DATE_KEY
        used = np.zeros(n, bool)
        source, which = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        for t, (kind, column) in enumerate(targets):  # a loop over the table's targets
            allowed = eligible(kind, column, typed, context)
            candidates = np.flatnonzero(allowed & ~used)
            if reuse and len(candidates) < quotas[t]:
                candidates = np.flatnonzero(allowed)
            picked = rng.choice(candidates, min(int(quotas[t]), len(candidates)), replace=False)
            used[picked] = True
            source.append(picked)
            which.append(np.full(len(picked), t))
        return np.concatenate(source).astype(np.int64), np.concatenate(which).astype(np.int64)

    def inject(
        self, sink: TableSink, typed: pa.Table, text: pa.Table, context: dict[str, np.ndarray]
    ) -> pa.Table:
        """``text`` (the chunk as written) with bad rows placed at random among its rows."""
        name, n = sink.spec.name, typed.num_rows
        call = self.calls.get(name, 0)
        self.calls[name] = call + 1
        rng = stream(self.seed, "dirty", TABLE_NUMBER[name], call)
        if n == 0:
            return text
        src, target = self._sources(name, typed, context, call == 0, rng)
        if len(src) == 0:
            return text
        targets = [(kind, column) for table, kind, column in TARGETS if table == name]
        duplicate = np.array([kind is R.DUPLICATE_KEY for kind, _ in targets])[target]
        columns = {
            c: text.column(c).take(pa.array(src)).combine_chunks() for c in text.column_names
        }
        typed_copy = typed.take(pa.array(src))
        moved = self._refresh_keys(name, columns, typed_copy, ~duplicate, typed)
        for t, (kind, column) in enumerate(targets):  # a loop over the table's targets
            rows = np.flatnonzero(target == t)
            if len(rows) and kind is not R.DUPLICATE_KEY:
                broken = self._broken(
                    name, kind, column, rows, columns, typed_copy, moved, src, context, rng
                )
                mask = pa.array(np.isin(np.arange(len(src)), rows))
                columns[column] = pc.replace_with_mask(
                    columns[column], mask, broken.cast(pa.string())
                )
        copies = pa.table(columns).cast(text.schema)
        # A duplicate comes after its original (the importer keeps the first); a row pointing
        # into its own table (a branch's parent) comes after the row it points to.
        earliest = np.where(duplicate, src + 1, self._after_parent(sink, text, copies))
        slot = earliest + (rng.random(len(src)) * (n + 1 - earliest)).astype(np.int64)
        order = np.argsort(np.concatenate([2 * np.arange(n) + 1, 2 * slot]), kind="stable")
        position = np.empty(len(order), np.int64)
        position[order] = np.arange(len(order))
        self._record(sink, targets, target, sink.rows + position[n:] + 2)
        return pa.concat_tables([text, copies]).take(pa.array(order))

    def _record(self, sink: TableSink, targets: list[tuple[R, str]], target: IntArray,
                line: IntArray) -> None:  # fmt: skip
        """Remember the defects.csv rows of bad rows written at ``line`` of ``sink``'s file."""
        kind_of = np.asarray([str(kind) for kind, _ in targets], dtype=object)
        key = "+".join(sink.spec.key)
        label_of = np.asarray(
            [key if k is R.DUPLICATE_KEY else c for k, c in targets], dtype=object
        )
        self.records.append(
            pa.table(
                {
                    "file": pa.array(np.full(len(line), sink.path.name, dtype=object), pa.string()),
                    "line": pa.array(line),
                    "column": pa.array(label_of[target], pa.string()),
                    "kind": pa.array(kind_of[target], pa.string()),
                }
            )
        )
        self.counts[sink.spec.name] = self.counts.get(sink.spec.name, 0) + len(line)

    @staticmethod
    def _after_parent(sink: TableSink, text: pa.Table, copies: pa.Table) -> IntArray:
        """Per copy: the first slot after the row its self-reference points to (0 if none)."""
        earliest = np.zeros(copies.num_rows, np.int64)
        key = sink.spec.key[0]
        for column in sink.spec.columns:
            if column.references == f"{sink.spec.name}.{key}":
                position = pc.index_in(copies.column(column.name), value_set=text.column(key))
                found = pc.fill_null(position, -1).to_numpy()
                earliest = np.maximum(earliest, np.asarray(found, dtype=np.int64) + 1)
        return earliest

    def _refresh_keys(
        self,
        name: str,
        columns: dict[str, pa.Array],
        copy: pa.Table,
        fresh: np.ndarray,
        typed: pa.Table,
    ) -> IntArray:
        """Give the non-duplicate copies keys no valid row has; returns the moved date key of
        every copy (tables keyed by a date) or zeros."""
        rows = np.flatnonzero(fresh)
        mask = pa.array(fresh)
        if name in DATE_KEY:
            column = DATE_KEY[name]
            days = _days(copy, column)
            if name == "balances":
                moved = month_last_day(month_of(days) - self.timeline.n_months)
            else:
                span = _days(typed, column)
                moved = days - (int(span.max()) - int(span.min()) + 1)
            shifted = _date_text(moved[rows])
            columns[column] = pc.replace_with_mask(columns[column], mask, shifted)
            return np.asarray(moved, dtype=np.int64)
        key = TABLES[name].key[0]
        ids = made_up_id(name, 9, self._serial(name, 9, len(rows)))
        columns[key] = pc.replace_with_mask(columns[key], mask, ids)
        return np.zeros(copy.num_rows, np.int64)

    def _broken(
        self,
        name: str,
        kind: R,
        column: str,
        rows: IntArray,
        columns: dict[str, pa.Array],
        copy: pa.Table,
        moved: IntArray,
        src: IntArray,
        context: dict[str, np.ndarray],
        rng: np.random.Generator,
    ) -> pa.Array:
        """The broken values of ``column`` for the copies ``rows``."""
        text = columns[column].take(pa.array(rows))
        simple = bad_value(kind, column, text, rng)
        if simple is not None:
            return simple
        n = len(rows)

        def pick(options: tuple[str, ...]) -> pa.Array:
            chosen = np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]
            return pa.array(chosen, pa.string())

        def before_opening() -> pa.Array:
            opened = np.asarray(context["account_opened"], dtype=np.int64)[src[rows]]
            day = _date_text(opened - rng.integers(1, 366, n))
            return pc.binary_join_element_wise(day, pc.utf8_slice_codeunits(text, 10), "")

        def before_start() -> pa.Array:
            start_column = PERIOD_START[column]
            moved_start = DATE_KEY.get(name) == start_column
            start = moved[rows] if moved_start else _days(copy, start_column)[rows]
            return _date_text(start - rng.integers(1, 366, n))

        makers: dict[R, Callable[[], pa.Array]] = {
            R.BAD_DATE: lambda: pc.binary_join_element_wise(
                pc.utf8_slice_codeunits(text, 0, 4), pick(BAD_DATE_TAILS), ""
            ),
            R.BAD_DATETIME: lambda: pc.binary_join_element_wise(
                pc.utf8_slice_codeunits(text, 0, 10), pick(BAD_TIMES), ""
            ),
            R.UNKNOWN_REFERENCE: lambda: made_up_id(
                REFERENCED[column], 8, self._serial(REFERENCED[column], 8, n)
            ),
            R.ID_BIRTH_DATE_MISMATCH: lambda: _date_text(
                _days(copy, column)[rows] + rng.integers(1, 400, n) * rng.choice([-1, 1], n)
            ),
            R.END_BEFORE_START: before_start,
            R.NOT_MONTH_END: lambda: _date_text(
                month_first_day(month_of(moved[rows])) + rng.integers(0, 27, n)
            ),
            R.BOOKED_BEFORE_OPENED: before_opening,
        }
        return makers[kind]()

    def close(self) -> None:
        """Write ``defects.csv`` sorted by file and line (a bare header if nothing was injected)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with CsvSink(self.path, DEFECT_COLUMNS) as sink:
            if self.records:
                table = pa.concat_tables(self.records).sort_by(
                    [("file", "ascending"), ("line", "ascending")]
                )
                sink.write(table.cast(sink.schema))
