"""The importer: read, validate and load an extract into the store and the warehouse.

Each file is its own unit of work. Its rows go to the store in one database transaction and to
the warehouse through a staged publish; a failure anywhere in between undoes both, so the store
and warehouse are exactly as before that file. Re-importing the same extract changes nothing
and reports every row as unchanged.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy import Engine, insert, update

from bankcrm.domain.contract import TABLES, TableSpec
from bankcrm.domain.enums import ASSET_PRODUCT_TYPES
from bankcrm.domain.errors import BankcrmError
from bankcrm.domain.tiers import TierLadder, TierRule
from bankcrm.ingest.duplicates import possible_duplicate_customers
from bankcrm.ingest.merge import compute_delta, stage_dimension, stage_fact
from bankcrm.ingest.reader import ExtractReadError, find_table_file, read_table
from bankcrm.ingest.report import ImportReport, TableReport, write_rejects
from bankcrm.ingest.store_writer import write_balance_summary, write_rows
from bankcrm.ingest.validate import Lookups, validate
from bankcrm.store.models import ImportRun
from bankcrm.warehouse.activity import CUSTOMER_DAY, stage_customer_day
from bankcrm.warehouse.activity import FEEDS as _FEEDS_CUSTOMER_DAY
from bankcrm.warehouse.derived import built_with, rule_description, stage_customer_month
from bankcrm.warehouse.layout import FACTS, Warehouse, WarehouseTransaction, sql_strings

# Tables whose change makes the derived customer_month stale.
_FEEDS_CUSTOMER_MONTH = frozenset({"customers", "products", "accounts", "balances"})

Progress = Callable[[str, int, int], None]  # (what, files done, files in all)
Fault = Callable[[str], None]  # called at named points; tests raise from it to inject failures


def _no_fault(_point: str) -> None:
    return None


@dataclass
class Importer:
    """Loads extracts into one store (SQLAlchemy engine) and one warehouse."""

    engine: Engine
    warehouse: Warehouse
    ladder: TierLadder = field(default_factory=TierLadder)
    rule: TierRule = field(default_factory=TierRule)
    clock: Callable[[], datetime] = datetime.now
    fault: Fault = _no_fault

    def run(
        self,
        folder: Path,
        encoding: str = "utf-8",
        rejects_path: Path | None = None,
        operator: str | None = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Import every table file found in ``folder``, in dependency order."""
        if not folder.is_dir():
            raise BankcrmError(f"{folder} is not a folder with an extract in it")
        report = self._start(folder, encoding, operator or getpass.getuser())
        files: list[tuple[TableSpec, Path]] = []
        for spec in TABLES.values():
            try:
                path = find_table_file(folder, spec.name)
            except ExtractReadError as error:  # e.g. two files for one table: which is meant?
                report.failed[error.file] = str(error)
                continue
            if path is not None:
                files.append((spec, path))
        if not files and not report.failed:
            raise BankcrmError(f"{folder} holds no extract file ({', '.join(TABLES)})")
        rejects, changed = self._load_files(files, encoding, report, progress)
        if "customers" in changed:
            report.possible_duplicate_customers = possible_duplicate_customers(self.warehouse)
        graded_with = rule_description(self.ladder, self.rule)
        if changed & _FEEDS_CUSTOMER_MONTH or built_with(self.warehouse) != graded_with:
            try:
                report.customer_month_rows = self.rebuild_customer_month()
            except Exception as error:  # noqa: BLE001  the loaded files stay; say why, fail
                report.failed["customer_month"] = f"{type(error).__name__}: {error}"
        if changed & _FEEDS_CUSTOMER_DAY or not self.warehouse.table_dir(CUSTOMER_DAY).exists():
            try:
                report.customer_day_rows = self.rebuild_customer_day()
            except Exception as error:  # noqa: BLE001  the loaded files stay; say why, fail
                report.failed[CUSTOMER_DAY] = f"{type(error).__name__}: {error}"
        if rejects_path is not None:
            write_rejects(rejects, rejects_path)
        if progress:
            progress("done", len(files), len(files))
        return self._finish(report)

    def _load_files(
        self,
        files: list[tuple[TableSpec, Path]],
        encoding: str,
        report: ImportReport,
        progress: Progress | None,
    ) -> tuple[list[pa.Table], set[str]]:
        """Load file after file; after a failure, list the rest as not loaded."""
        rejects: list[pa.Table] = []
        changed: set[str] = set()
        for done, (spec, path) in enumerate(files):
            if progress:
                progress(path.name, done, len(files))
            if report.failed:
                report.not_loaded.append(path.name)
                continue
            try:
                table_report, table_rejects = self._load_file(spec, path, encoding, report.run_id)
            except ExtractReadError as error:
                report.failed[path.name] = str(error)
                continue
            except Exception as error:  # noqa: BLE001  the file is rolled back; say why, stop
                report.failed[path.name] = f"{type(error).__name__}: {error}"
                continue
            report.tables[spec.name] = table_report
            rejects.append(table_rejects)
            if table_report.inserted or table_report.updated:
                changed.add(spec.name)
        return rejects, changed

    def _start(self, folder: Path, encoding: str, operator: str) -> ImportReport:
        started = self.clock()
        with self.engine.begin() as conn:
            run_id = conn.execute(
                insert(ImportRun).returning(ImportRun.id),
                {
                    "started_at": started,
                    "source": str(folder),
                    "operator": operator,
                    "status": "running",
                },
            ).scalar_one()
        return ImportReport(run_id, str(folder), encoding, operator, started.isoformat())

    def _finish(self, report: ImportReport) -> ImportReport:
        finished = self.clock()
        report.finished_at = finished.isoformat()
        report.status = "succeeded" if report.ok else "failed"
        with self.engine.begin() as conn:
            conn.execute(
                update(ImportRun)
                .where(ImportRun.id == report.run_id)
                .values(finished_at=finished, status=report.status, report=report.to_json())
            )
        return report

    def _load_file(
        self, spec: TableSpec, path: Path, encoding: str, run_id: int
    ) -> tuple[TableReport, pa.Table]:
        raw = read_table(path, spec, encoding)
        checked = validate(raw, self._lookups())
        self.fault(f"{spec.name}:validated")
        report = TableReport(
            file=raw.file,
            read=checked.read,
            accepted=checked.accepted_count,
            rejected=checked.rejected_count,
            warnings=list(raw.warnings),
        )
        wtx = self.warehouse.begin()
        try:
            with self.engine.begin() as conn, duckdb.connect() as con:
                con.register("incoming", checked.accepted.drop_columns(["_line"]))
                delta = compute_delta(con, self.warehouse, spec)
                report.inserted = delta.inserted.num_rows
                report.updated = delta.updated.num_rows
                report.unchanged = delta.unchanged
                if delta.changed:
                    write_rows(conn, spec, delta, run_id)
                    if spec.name == "balances":
                        write_balance_summary(conn, delta)
                    self.fault(f"{spec.name}:store_written")
                    if spec.name in FACTS:
                        stage_fact(con, spec, delta, wtx)
                    else:
                        stage_dimension(con, spec, wtx)
                    self.fault(f"{spec.name}:staged")
                    wtx.publish()
                    self.fault(f"{spec.name}:published")
        except BaseException:
            wtx.rollback()
            raise
        wtx.finish()
        return report, checked.rejects

    def _lookups(self) -> Lookups:
        """Keys the warehouse already holds, for foreign-key checks of the next file."""
        keys: dict[str, pa.Array] = {}
        with duckdb.connect() as con:
            for spec in TABLES.values():
                if (
                    self.warehouse.exists(spec.name)
                    and spec.name not in FACTS
                    and len(spec.key) == 1
                ):
                    column = spec.key[0]
                    keys[f"{spec.name}.{column}"] = (
                        con.sql(f'SELECT "{column}" FROM {self.warehouse.scan(spec.name)}')
                        .to_arrow_table()
                        .column(0)
                        .combine_chunks()
                    )
            accounts = None
            if self.warehouse.exists("accounts") and self.warehouse.exists("products"):
                assets = sql_strings(ASSET_PRODUCT_TYPES)
                accounts = con.sql(
                    f"""SELECT a.account_id, a.opened_on, p.product_type IN ({assets}) AS is_asset
                        FROM {self.warehouse.scan("accounts")} a
                        JOIN {self.warehouse.scan("products")} p USING (product_code)"""
                ).to_arrow_table()
        return Lookups(keys=keys, accounts=accounts)

    def rebuild_customer_month(self) -> int:
        """Rebuild the derived customer_month (after a change of the tier settings, say)."""
        return self._rebuild(
            "customer_month",
            lambda wtx: stage_customer_month(self.warehouse, wtx, self.ladder, self.rule),
        )

    def rebuild_customer_day(self) -> int:
        """Rebuild the derived customer_day from the transactions and accounts loaded."""
        return self._rebuild(CUSTOMER_DAY, lambda wtx: stage_customer_day(self.warehouse, wtx))

    def _rebuild(self, name: str, stage: Callable[[WarehouseTransaction], int]) -> int:
        """Stage a derived table and publish it, all or nothing."""
        wtx = self.warehouse.begin()
        try:
            rows = stage(wtx)
            self.fault(f"{name}:staged")
            wtx.publish()
        except BaseException:
            wtx.rollback()
            raise
        wtx.finish()
        return rows
