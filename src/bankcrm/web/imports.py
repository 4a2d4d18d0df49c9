"""Imports from the administration screen: the runs so far (the ``import_runs`` table has no
read service of its own yet), an extract uploaded as a zip of its folder, and the rejected
values of a run, kept beside the store for download.

An upload runs the importer exactly as ``bankcrm import`` does (then ``crm.after_import``), as
the logged-in administrator (``Permission.CONFIG``), and leaves ``import.run`` in the audit
trail; a download of rejects leaves ``import.rejects``, since rejected rows may hold personal
data as it was sent."""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bankcrm.config import Settings
from bankcrm.crm.after_import import after_import
from bankcrm.domain.actor import Actor
from bankcrm.domain.errors import BadRequest, BankcrmError, NotFound
from bankcrm.ingest.loader import Importer
from bankcrm.ingest.report import REJECT_COLUMNS, ImportReport
from bankcrm.security import audit
from bankcrm.security.masking import MASKERS, PersonalField
from bankcrm.security.policy import Permission, authorize
from bankcrm.store.db import session_factory
from bankcrm.store.models import ImportRun
from bankcrm.warehouse.layout import Warehouse

# A zip bomb guard: an extract unpacks to a few times its zipped size, never hundreds.
MAX_UNZIPPED_RATIO = 50
MAX_ZIP_ENTRIES = 200


@dataclass(frozen=True)
class RunView:
    """One import run as the administrator sees it."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    source: str
    operator: str
    status: str
    read: int
    accepted: int
    rejected: int
    failed: dict[str, str]
    has_rejects: bool


@dataclass(frozen=True)
class Imported:
    report: ImportReport
    rejected_rows: int  # rows refused, over every file
    rejects_file: Path | None


def rejects_path(settings: Settings, run_id: int) -> Path:
    return settings.data_dir / "imports" / f"run-{run_id}-rejects.csv"


def _view(settings: Settings, run: ImportRun) -> RunView:
    report: dict[str, Any] = json.loads(run.report) if run.report else {}
    tables = report.get("tables", {}).values()
    return RunView(
        id=run.id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        source=PurePosixPath(run.source.replace("\\", "/")).name or run.source,
        operator=run.operator,
        status=run.status,
        read=sum(int(t.get("read", 0)) for t in tables),
        accepted=sum(int(t.get("accepted", 0)) for t in tables),
        rejected=sum(int(t.get("rejected", 0)) for t in tables),
        failed=dict(report.get("failed", {})),
        has_rejects=rejects_path(settings, run.id).exists(),
    )


def list_runs(
    session: Session, actor: Actor, settings: Settings, offset: int = 0, limit: int = 20
) -> tuple[list[RunView], int]:
    """One page of the import runs, newest first, and how many there are."""
    authorize(actor, Permission.CONFIG)
    total = session.scalar(select(func.count()).select_from(ImportRun)) or 0
    runs = session.scalars(
        select(ImportRun).order_by(ImportRun.id.desc()).offset(offset).limit(limit)
    )
    return [_view(settings, r) for r in runs], total


def rejects_of(session: Session, actor: Actor, settings: Settings, run_id: int) -> bytes:
    """The rejects file of a run, for download (audited), with the customers' personal values
    masked as in every other output: the reason says what to correct, the value stays hidden."""
    authorize(actor, Permission.CONFIG)
    path = rejects_path(settings, run_id)
    if session.get(ImportRun, run_id) is None or not path.exists():
        raise NotFound("rejects of import run", run_id, field="run_id")
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file)
        writer.writerow(next(reader, list(REJECT_COLUMNS)))
        for row in reader:  # the rejects of one run: a few per bad row, not per customer
            writer.writerow(_masked(row))
    audit.record_now(session, actor, "import.rejects", entity="import_run", entity_id=run_id)
    return ("\ufeff" + out.getvalue()).encode()


def _masked(row: list[str]) -> list[str]:
    file, line, column, value, reason, detail = (row + [""] * 6)[:6]
    masker = MASKERS.get(PersonalField(column)) if column in set(PersonalField) else None
    if masker is not None and file.startswith("customers.") and value:
        hidden = masker(value) or ""
        value, detail = hidden, detail.replace(row[3], hidden)
    return [file, line, column, value, reason, detail]


def _unzip(archive: Path, into: Path) -> Path:
    """Unpack the uploaded zip safely into ``into``; the folder holding the extract's files."""
    size = archive.stat().st_size
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > MAX_ZIP_ENTRIES:
                raise BadRequest("file", f"the zip holds {len(members)} entries: not an extract")
            if sum(m.file_size for m in members) > MAX_UNZIPPED_RATIO * max(size, 1 << 20):
                raise BadRequest("file", "the zip unpacks to far more than an extract would")
            for member in members:
                name = PurePosixPath(member.filename)
                if name.is_absolute() or ".." in name.parts:
                    raise BadRequest("file", f"unsafe path in the zip: {member.filename}")
            zipped.extractall(into / "extract")
    except zipfile.BadZipFile:
        raise BadRequest("file", "the file is not a zip archive") from None
    folder = into / "extract"
    # A zip of the folder itself holds one directory: descend while that is all there is.
    while True:
        entries = [p for p in folder.iterdir() if not p.name.startswith(("__MACOSX", "."))]
        if len(entries) == 1 and entries[0].is_dir():
            folder = entries[0]
        else:
            return folder


def import_zip(
    settings: Settings, engine: Engine, actor: Actor, archive: Path, filename: str
) -> Imported:
    """Import an extract uploaded as a zip of its folder, as ``bankcrm import`` does.

    Blocking (minutes for a large extract): call it off the event loop."""
    authorize(actor, Permission.CONFIG)
    warehouse = Warehouse(settings.warehouse_path)
    importer = Importer(engine, warehouse, settings.tiers.ladder(), settings.tiers.rule())
    with tempfile.TemporaryDirectory(prefix="bankcrm-upload-") as tmp:
        try:
            folder = _unzip(archive, Path(tmp))
            rejects = Path(tmp) / "rejects.csv"
            report = importer.run(folder, "utf-8", rejects, operator=f"web:{actor.username}")
        except BankcrmError as error:  # not an extract at all: the attempt is in the trail too
            with session_factory(engine)() as session:
                audit.record_now(
                    session, actor, "import.run", outcome=audit.Outcome.FAILED,
                    detail={"file": filename, "reason": str(error)},
                )  # fmt: skip
            raise
        report.source = filename  # not the temporary folder, which is gone after this
        kept: Path | None = None
        if rejects.exists():
            kept = rejects_path(settings, report.run_id)
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(rejects, kept)
    if report.tables:
        after_import(engine, warehouse, settings.crm.flags)
    rejected = sum(t.rejected for t in report.tables.values())
    with session_factory(engine)() as session:
        run = session.get(ImportRun, report.run_id)
        if run is not None:
            run.source = filename
            run.report = report.to_json()
        detail = {
            "file": filename,
            "status": report.status,
            "read": sum(t.read for t in report.tables.values()),
            "rejected": rejected,
            "failed": sorted(report.failed),
        }
        audit.record(
            session,
            actor,
            "import.run",
            entity="import_run",
            entity_id=report.run_id,
            detail=detail,
        )
        session.commit()
    return Imported(report, rejected, kept)
