"""What an import did: per-table counts, failures, possible duplicates; as JSON and rejects CSV."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

REJECT_COLUMNS = ("file", "line", "column", "value", "reason", "detail")


@dataclass
class TableReport:
    """Counts for one table's file. Always ``read == accepted + rejected``."""

    file: str
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    run_id: int
    source: str
    encoding: str
    operator: str
    started_at: str
    finished_at: str | None = None
    status: str = "running"  # succeeded | failed
    tables: dict[str, TableReport] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # file → why it could not be loaded
    not_loaded: list[str] = field(default_factory=list)  # files skipped after a failure
    possible_duplicate_customers: list[dict[str, Any]] = field(default_factory=list)
    customer_month_rows: int | None = None  # rows of the derived table, when rebuilt
    customer_day_rows: int | None = None  # rows of the derived table, when rebuilt

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=False)


def empty_rejects() -> pa.Table:
    return pa.table(
        {
            "file": pa.array([], pa.string()),
            "line": pa.array([], pa.int64()),
            "column": pa.array([], pa.string()),
            "value": pa.array([], pa.string()),
            "reason": pa.array([], pa.string()),
            "detail": pa.array([], pa.string()),
        }
    )


def write_rejects(rejects: list[pa.Table], path: Path) -> int:
    """Write every rejected value as CSV (UTF-8 with BOM, so Excel shows Chinese); rows written."""
    table = pa.concat_tables([empty_rejects(), *(r.select(REJECT_COLUMNS) for r in rejects)])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write("\ufeff".encode())
        pacsv.write_csv(table, out)
    return int(table.num_rows)
