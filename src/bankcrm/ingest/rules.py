"""The rejects collector and the rules that look beyond one column (EXTRACT_FORMAT.md, "Rules").

Every rule works on whole columns and reports its failures as index arrays; ``Rejects`` turns
them into rows of the rejects report (file, line, column, value, reason, detail). A detail is
English then Chinese and names the field, so a branch clerk and a developer both see why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from bankcrm.domain.contract import REJECT_REASONS_ZH, RejectKind, TableSpec
from bankcrm.domain.enums import IdType
from bankcrm.ingest import checks, columns
from bankcrm.ingest.columns import Ints, Mask
from bankcrm.ingest.dates import Dates, last_of_month

Text: TypeAlias = "str | pa.Array"  # part of a message: the same for every row, or one per row
REJECT_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("line", pa.int64()),
        ("column", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
    ]
)


@dataclass
class Lookups:
    """What is already known when a file is validated (the store plus earlier files).

    ``keys["customers.customer_id"]`` holds the known customer IDs (no entry: none known);
    ``accounts`` has account_id, opened_on (date32) and is_asset (bool) of known accounts.
    """

    keys: dict[str, pa.Array] = field(default_factory=dict)
    accounts: pa.Table | None = None


def join(*parts: Text) -> Text:
    """Concatenate message parts, row by row where a part is an array."""
    if all(isinstance(p, str) for p in parts):
        return "".join(str(p) for p in parts)
    return pc.binary_join_element_wise(
        *(p if isinstance(p, str) else pc.fill_null(p.cast(pa.string()), "") for p in parts), ""
    )


def date_text(days: Ints) -> pa.Array:
    """Epoch days as ``YYYY-MM-DD`` strings."""
    return pa.array(days.astype(np.int32), pa.date32()).cast(pa.string())


class Rejects:
    """The failures found so far in one file, and which rows they reject."""

    def __init__(self, file: str, lines: Ints, raw: dict[str, pa.Array]) -> None:
        self.file = file
        self.lines = lines
        self.raw = raw
        self.rejected: Mask = np.zeros(len(lines), np.bool_)
        self._parts: list[pa.Table] = []

    def add(
        self,
        rows: Ints,
        column: str,
        reason: RejectKind,
        why: Text,
        value: pa.Array | None = None,
    ) -> None:
        """Reject ``rows`` (indices) for ``reason`` on ``column``, saying ``why`` in English.

        ``value`` (the text shown in the report) defaults to the column's text in those rows.
        """
        if len(rows) == 0:
            return
        self.rejected[rows] = True
        detail = join(f"{column}: ", why, f" / {REJECT_REASONS_ZH[reason]}")
        count = len(rows)
        if value is None:
            value = self.raw[column].take(pa.array(rows)) if column in self.raw else None
        self._parts.append(
            pa.table(
                {
                    "file": pa.repeat(self.file, count),
                    "line": pa.array(self.lines[rows]),
                    "column": pa.repeat(column, count),
                    "value": pa.nulls(count, pa.string()) if value is None else value,
                    "reason": pa.repeat(reason.value, count),
                    "detail": pa.repeat(detail, count) if isinstance(detail, str) else detail,
                },
                schema=REJECT_SCHEMA,
            )
        )

    def table(self) -> pa.Table:
        """The rejects report rows, by line (stable: a row's failures in the order found)."""
        if not self._parts:
            return REJECT_SCHEMA.empty_table()
        table = pa.concat_tables(self._parts)
        return table.take(pc.sort_indices(table, [("line", "ascending")]))


@dataclass
class Context:
    """One file under validation: its text, its parsed columns and the failures so far."""

    spec: TableSpec
    raw: dict[str, pa.Array]
    typed: dict[str, pa.Array]
    valid: dict[str, Mask]  # the value is present and well formed
    dates: dict[str, Dates]
    lookups: Lookups
    rejects: Rejects
    _encoded: dict[str, pa.DictionaryArray] = field(default_factory=dict)

    def encoded(self, column: str) -> pa.DictionaryArray:
        """The column dictionary-encoded (once), to check each distinct value only once."""
        if column not in self._encoded:
            self._encoded[column] = columns.encode(self.raw[column])
        return self._encoded[column]

    def at(self, column: str, rows: Ints) -> pa.Array:
        """The text of ``column`` in ``rows``."""
        return self.raw[column].take(pa.array(rows, pa.int64()))


def _choose(codes: Ints, options: dict[int, Text]) -> Text:
    """Per row, the option for its code (every code must be a key)."""
    chosen: Text = next(iter(options.values()))
    for code, option in options.items():
        chosen = pc.if_else(pa.array(codes == code), option, chosen)
    return chosen


def check_identity(ctx: Context) -> None:
    """customers: resident IDs, unified social credit codes and phone numbers."""
    has_number = columns.present(ctx.raw["id_number"])
    id_type = ctx.encoded("id_type")
    _resident_ids(ctx, np.flatnonzero(columns.is_in(id_type, [IdType.RESIDENT_ID]) & has_number))
    credit = columns.is_in(id_type, [IdType.UNIFIED_SOCIAL_CREDIT_CODE]) & has_number
    _credit_codes(ctx, np.flatnonzero(credit))
    phone = ctx.raw["phone"]
    bad = np.flatnonzero(columns.present(phone) & ~checks.valid_phone(phone))
    why = (
        "' is neither a mobile number (1[3-9] and 9 more digits) nor a fixed line "
        "(0, a 2-3 digit area code, an optional '-', 7-8 digits)"
    )
    ctx.rejects.add(bad, "phone", RejectKind.BAD_PHONE, join("'", ctx.at("phone", bad), why))


def _check_char_text(expected: npt.NDArray[np.uint8]) -> pa.Array:
    return pa.array(expected.view("S1")).cast(pa.string())


def _resident_ids(ctx: Context, rows: Ints) -> None:
    """GB 11643 on ``rows``; where valid, the birth date and gender they encode must agree."""
    ids = checks.check_resident_ids(ctx.at("id_number", rows))
    bad = np.flatnonzero(~ids.valid)
    given = ctx.at("id_number", rows[bad])
    problem = checks.IdProblem
    why = _choose(
        ids.problem[bad],
        {
            problem.LENGTH: join("should be 18 characters, got ", pc.utf8_length(given)),
            problem.CHARACTERS: "should be 17 digits then a digit or X",
            problem.CHECK_CHAR: join(
                "GB 11643 check character should be ",
                _check_char_text(ids.expected_check[bad]),
                ", got ",
                pc.utf8_slice_codeunits(given, 17, 18),
            ),
            problem.PROVINCE: join("unknown province code ", pc.utf8_slice_codeunits(given, 0, 2)),
            problem.BIRTH_DATE: join(
                "encodes no real birth date (", pc.utf8_slice_codeunits(given, 6, 14), ")"
            ),
        },
    )
    ctx.rejects.add(rows[bad], "id_number", RejectKind.BAD_RESIDENT_ID, why)

    rows, birth, male = rows[ids.valid], ids.birth_days[ids.valid], ids.male[ids.valid]
    born = ctx.dates["birth_date"]
    differs = born.valid[rows] & (born.days[rows] != birth)
    why = join(
        ctx.at("birth_date", rows[differs]),
        " but the resident ID encodes ",
        date_text(birth[differs]),
    )
    ctx.rejects.add(rows[differs], "birth_date", RejectKind.ID_BIRTH_DATE_MISMATCH, why)
    says_male = columns.is_in(ctx.at("gender", rows), ["M"])
    differs = ctx.valid["gender"][rows] & (says_male != male)
    why = join(
        ctx.at("gender", rows[differs]),
        " but the resident ID encodes ",
        pa.array(np.where(male[differs], "M", "F")),
        " (17th digit odd for M, even for F)",
    )
    ctx.rejects.add(rows[differs], "gender", RejectKind.ID_GENDER_MISMATCH, why)


def _credit_codes(ctx: Context, rows: Ints) -> None:
    """GB 32100 on ``rows``."""
    codes = checks.check_credit_codes(ctx.at("id_number", rows))
    bad = np.flatnonzero(~codes.valid)
    given = ctx.at("id_number", rows[bad])
    problem = checks.IdProblem
    why = _choose(
        codes.problem[bad],
        {
            problem.LENGTH: join("should be 18 characters, got ", pc.utf8_length(given)),
            problem.CHARACTERS: "should be digits and capitals other than I, O, S, V, Z",
            problem.CHECK_CHAR: join(
                "GB 32100 check character should be ",
                _check_char_text(codes.expected_check[bad]),
                ", got ",
                pc.utf8_slice_codeunits(given, 17, 18),
            ),
        },
    )
    ctx.rejects.add(rows[bad], "id_number", RejectKind.BAD_CREDIT_CODE, why)


def _accounts(ctx: Context) -> tuple[pa.Table, Ints, Ints] | None:
    """The known accounts, the rows whose account is among them, and its position there."""
    accounts = ctx.lookups.accounts
    if accounts is None or accounts.num_rows == 0:
        return None
    known_ids = accounts.column("account_id").combine_chunks().cast(pa.string())
    position = columns.index_in(ctx.encoded("account_id"), known_ids)
    rows = np.flatnonzero(position >= 0)
    return accounts, rows, position[rows]


def check_balances(ctx: Context) -> None:
    """balances: as_of is a month-end; an asset product's balance is not negative."""
    as_of = ctx.dates["as_of"]
    bad = np.flatnonzero(as_of.valid & ~as_of.month_end)
    why = join(
        ctx.at("as_of", bad),
        " is not a month-end (that month ends on ",
        date_text(last_of_month(as_of.days[bad])),
        ")",
    )
    ctx.rejects.add(bad, "as_of", RejectKind.NOT_MONTH_END, why)
    known = _accounts(ctx)
    if known is None:
        return
    accounts, rows, position = known
    is_asset = columns.to_mask(accounts.column("is_asset").combine_chunks().take(position))
    balance = ctx.typed["balance"].take(pa.array(rows))
    negative = columns.to_mask(pc.less(balance, 0))
    bad = rows[is_asset & negative & ctx.valid["balance"][rows]]
    why = join(
        ctx.at("balance", bad),
        " on account ",
        ctx.at("account_id", bad),
        " of an asset product, whose balance cannot be negative",
    )
    ctx.rejects.add(bad, "balance", RejectKind.NEGATIVE_ASSET_BALANCE, why)


def check_transactions(ctx: Context) -> None:
    """transactions: not booked before the account was opened."""
    known = _accounts(ctx)
    if known is None:
        return
    accounts, rows, position = known
    opened_on = accounts.column("opened_on").combine_chunks().cast(pa.date32()).take(position)
    opened = np.asarray(
        pc.fill_null(opened_on.cast(pa.int32()), np.iinfo(np.int32).min).to_numpy(), np.int64
    )
    booked = ctx.dates["booked_at"]
    early = booked.valid[rows] & (booked.days[rows] < opened)
    why = join(
        ctx.at("booked_at", rows[early]),
        " is before the account's opening date ",
        date_text(opened[early]),
    )
    ctx.rejects.add(rows[early], "booked_at", RejectKind.BOOKED_BEFORE_OPENED, why)


TABLE_RULES: dict[str, Callable[[Context], None]] = {
    "customers": check_identity,
    "balances": check_balances,
    "transactions": check_transactions,
}
