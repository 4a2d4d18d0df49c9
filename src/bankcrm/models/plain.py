"""A plain table (one row per customer, a 0/1 outcome column) for checking the trainers on
real bank data: read it, check the columns, turn text into categories.

Accepts CSV (separator sniffed: the UCI files use ';'), CSV.gz, Parquet and XLSX.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

MAX_LEVELS = 100  # text columns with more distinct values are identifiers, not features
POSITIVE = {"1", "yes", "y", "true", "t"}
NEGATIVE = {"0", "no", "n", "false", "f"}


def read_table(path: Path) -> pd.DataFrame:
    """The table at ``path``; a clear error when it is missing or of an unknown kind."""
    if not path.is_file():
        raise ValueError(f"--table {path}: no such file")
    name = path.name.lower()
    if name.endswith(".parquet"):
        return pd.read_parquet(path)
    if name.endswith(".xlsx"):
        return pd.read_excel(path)
    if name.endswith((".csv", ".csv.gz", ".txt")):
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig") as file:
            head = file.readline()
        separator = csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
        return pd.read_csv(path, sep=separator, encoding="utf-8-sig")
    raise ValueError(f"--table {path}: expected .csv, .csv.gz, .parquet or .xlsx")


def binary_label(column: pd.Series, name: str) -> pd.Series:
    """The outcome as 0/1: accepts 0/1, yes/no, y/n, true/false (any case)."""
    if column.isna().any():
        raise ValueError(f"label column {name!r}: {int(column.isna().sum())} rows are empty")
    text = column.astype(str).str.strip().str.lower()
    text = text.str.replace(r"\.0$", "", regex=True)  # 1.0 read from a float column
    unknown = sorted(set(text.unique()) - POSITIVE - NEGATIVE)
    if unknown:
        raise ValueError(
            f"label column {name!r} must be binary (0/1, yes/no, true/false); "
            f"found {', '.join(repr(v) for v in unknown[:5])}"
        )
    return text.isin(POSITIVE).astype("int64").rename(name)


def prepare(
    frame: pd.DataFrame, label: str, id_column: str | None = None, drop: Sequence[str] = ()
) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """Features, 0/1 label and the text columns left out as identifiers. Errors name the
    column: a missing label, id or dropped column is a mistake in the command, not data."""
    for role, column in [("label", label), ("id", id_column), *(("drop", d) for d in drop)]:
        if column is not None and column not in frame.columns:
            raise ValueError(
                f"{role} column {column!r} is not in the table; its columns are "
                f"{', '.join(map(str, frame.columns))}"
            )
    y = binary_label(frame[label], label)
    x = frame.drop(columns=[label, *([id_column] if id_column else []), *drop])
    text = [c for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
    identifiers = [c for c in text if x[c].nunique() > MAX_LEVELS]
    x = x.drop(columns=identifiers)
    for column in text:
        if column not in identifiers:
            x[column] = x[column].astype("category")
    if x.shape[1] == 0:
        raise ValueError("the table has no feature columns left besides the label and id")
    return x, y, identifiers
