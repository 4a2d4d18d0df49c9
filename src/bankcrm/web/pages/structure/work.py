"""The structure screen's calls to the services, run in a worker thread (``run.io_bound``): each
opens its own store session and its own DuckDB connection, so nothing is shared between
threads or visitors."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bankcrm.analytics.base import Tables, scope_of
from bankcrm.domain.actor import Actor, Role
from bankcrm.reports import scoped
from bankcrm.reports.xlsx import write_xlsx
from bankcrm.warehouse.engines import connect
from bankcrm.web.runtime import runtime

Json = dict[str, Any]


def tables() -> Tables:
    return Tables.load(connect("duckdb"), runtime().warehouse)


@dataclass(frozen=True)
class Choices:
    """What the selectors offer: the branches the actor may analyse (id → name) and the
    year-ends of the data."""

    branches: dict[str, str]
    years: list[int]
    last: date | None


def choices(actor: Actor) -> Choices:
    """A manager's own subtree, or every branch for an analyst; the branch table is small."""
    t = tables()
    rows = t.branches.select("branch_id", "name").order_by("branch_id").to_pyarrow().to_pylist()
    if actor.role is Role.BRANCH_MANAGER and actor.branch_id:
        mine = scope_of(t, actor.branch_id).branch_ids or frozenset()
        rows = [r for r in rows if r["branch_id"] in mine]
    cm = t.customer_month
    ends = cm.group_by(year=cm.as_of.year()).aggregate(last=cm.as_of.max()).order_by("year")
    found = ends.to_pyarrow().to_pylist()
    return Choices(
        {r["branch_id"]: f"{r['branch_id']} {r['name']}" for r in rows},
        [int(r["year"]) for r in found],
        found[-1]["last"] if found else None,
    )


def analysis(
    actor: Actor, as_of: date | None, years: tuple[int, int] | None, branch: str | None
) -> Json:
    with runtime().sessions() as session:
        return scoped.analysis(session, actor, tables(), as_of, years, branch)


def analysis_xlsx(result: Json, lang: str) -> bytes:
    """The whole analysis as the workbook of ``bankcrm analyze --format xlsx``."""
    with tempfile.TemporaryDirectory(prefix="bankcrm-web-") as folder:
        path = Path(folder) / "analysis.xlsx"
        write_xlsx(result, path, lang)
        return path.read_bytes()


def report(actor: Actor, as_of: date | None, branch: str | None, lang: str) -> tuple[bytes, bytes]:
    """The report (HTML page, workbook) over the actor's scope; audited as an export."""
    rt = runtime()
    with tempfile.TemporaryDirectory(prefix="bankcrm-web-") as folder, rt.sessions() as session:
        files = scoped.report(
            session, actor, tables(), rt.settings.diagnosis, Path(folder), lang, as_of, branch
        )
        return files.html.read_bytes(), files.xlsx.read_bytes()
