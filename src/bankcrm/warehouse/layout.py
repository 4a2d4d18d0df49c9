"""Where each warehouse table lives, and how a change is published atomically.

Layout under the warehouse root::

    <dimension>/data.parquet                 branches, employees, products, customers, ...
    <fact>/month=YYYY-MM/data.parquet        balances (by as_of), transactions (by booked_at)
    customer_month/month=YYYY-MM/data.parquet  derived: AUM, loan balance and tier per month-end
    customer_day/month=YYYY-MM/data.parquet    derived: customer-initiated activity per day

A change is written to a staging folder first, then published by renaming folders, keeping the
replaced ones aside until the store has committed too; ``rollback`` puts them back. So an error
anywhere in one file's import leaves the warehouse as it was.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DIMENSIONS = (
    "branches",
    "employees",
    "products",
    "customers",
    "accounts",
    "assignments",
    "channel_enrollments",
)
# Fact table → the column whose month partitions it.
FACTS = {"balances": "as_of", "transactions": "booked_at"}
DERIVED = ("customer_month", "customer_day")
DATA_FILE = "data.parquet"
_STAGING = "_staging"
_BACKUP = "_backup"


def sql_strings(values: Iterable[str]) -> str:
    """Contract code names as a SQL list of string literals, for ``IN (...)``."""
    return ", ".join(f"'{v}'" for v in sorted(values))


@dataclass
class Warehouse:
    """The warehouse folder."""

    root: Path

    def table_dir(self, name: str) -> Path:
        return self.root / name

    def is_partitioned(self, name: str) -> bool:
        return name in FACTS or name in DERIVED

    def partition_dir(self, name: str, month: str) -> Path:
        return self.root / name / f"month={month}"

    def exists(self, name: str) -> bool:
        if self.is_partitioned(name):
            return any(self.table_dir(name).glob(f"month=*/{DATA_FILE}"))
        return (self.table_dir(name) / DATA_FILE).exists()

    def months(self, name: str) -> list[str]:
        """The month partitions (YYYY-MM) a partitioned table has, ascending."""
        return sorted(p.parent.name.removeprefix("month=") for p in self._files(name))

    def paths(self, name: str) -> list[str]:
        """The Parquet files of a table, for ``read_parquet``; empty if it has none."""
        return [str(p) for p in self._files(name)]

    def scan(self, name: str) -> str:
        """DuckDB SQL reading every Parquet file of a table (which must have data)."""
        return f"read_parquet({self.paths(name)!r})"

    def _files(self, name: str) -> list[Path]:
        if self.is_partitioned(name):
            return sorted(self.table_dir(name).glob(f"month=*/{DATA_FILE}"))
        file = self.table_dir(name) / DATA_FILE
        return [file] if file.exists() else []

    def begin(self) -> WarehouseTransaction:
        """Start a change; nothing is visible until ``publish``."""
        return WarehouseTransaction(self, uuid.uuid4().hex)


@dataclass
class WarehouseTransaction:
    """Staged folders, published by rename, undone by ``rollback`` until ``finish``."""

    warehouse: Warehouse
    txid: str
    _staged: dict[Path, Path] = field(default_factory=dict)  # target folder → staged folder
    _moved: list[tuple[Path, Path | None]] = field(default_factory=list)  # (target, backup)

    @property
    def _staging(self) -> Path:
        return self.warehouse.root / _STAGING / self.txid

    @property
    def _backup(self) -> Path:
        return self.warehouse.root / _BACKUP / self.txid

    def stage(self, name: str, month: str | None = None) -> Path:
        """A file path to write the new content of a table (or one month of it) to."""
        target = (
            self.warehouse.partition_dir(name, month)
            if month is not None
            else self.warehouse.table_dir(name)
        )
        staged = self._staging / target.relative_to(self.warehouse.root)
        staged.mkdir(parents=True, exist_ok=True)
        self._staged[target] = staged
        return staged / DATA_FILE

    def stage_months(self, name: str, months: list[str]) -> Path:
        """A folder to write ``month=YYYY-MM`` partitions of a table into, for those months."""
        folder = self._staging / name
        folder.mkdir(parents=True, exist_ok=True)
        for month in months:
            self._staged[self.warehouse.partition_dir(name, month)] = folder / f"month={month}"
        return folder

    def stage_table(self, name: str) -> Path:
        """A folder to write a whole partitioned table into (a derived table being rebuilt)."""
        target = self.warehouse.table_dir(name)
        staged = self._staging / name
        staged.mkdir(parents=True, exist_ok=True)
        self._staged[target] = staged
        return staged

    @property
    def staged_count(self) -> int:
        return len(self._staged)

    def publish(self) -> None:
        """Swap the staged folders in; the replaced ones are kept aside for ``rollback``."""
        for target, staged in sorted(self._staged.items()):
            backup: Path | None = None
            if target.exists():
                backup = self._backup / target.relative_to(self.warehouse.root)
                backup.parent.mkdir(parents=True, exist_ok=True)
                target.rename(backup)
            self._moved.append((target, backup))
            target.parent.mkdir(parents=True, exist_ok=True)
            staged.rename(target)
        self._staged.clear()

    def rollback(self) -> None:
        """Put back everything ``publish`` replaced and discard the staged content."""
        for target, backup in reversed(self._moved):
            if target.exists():
                shutil.rmtree(target)
            if backup is not None:
                backup.rename(target)
        self._moved.clear()
        self._staged.clear()
        self._cleanup()

    def finish(self) -> None:
        """The store has committed: the replaced folders are no longer needed."""
        self._moved.clear()
        self._cleanup()

    def _cleanup(self) -> None:
        shutil.rmtree(self._staging, ignore_errors=True)
        shutil.rmtree(self._backup, ignore_errors=True)
