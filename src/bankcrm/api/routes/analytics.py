"""Customer-structure analysis, diagnosis and the report over HTTP, each over the caller's scope
(a branch manager: their subtree; an analyst: any branch, or the whole bank)."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.background import BackgroundTask

from bankcrm.api.common import ActorDep, BadRequest, SessionDep
from bankcrm.api.routes.segments import XLSX, TablesDep
from bankcrm.reports import scoped
from bankcrm.reports.xlsx import write_xlsx

router = APIRouter(tags=["analytics"])
Branch = Annotated[
    str | None, Query(max_length=100, description="a branch within your scope (default: all of it)")
]
Year = Annotated[int | None, Query(ge=1990, le=2100)]
Lang = Literal["zh", "en"]


def _years(from_year: int | None, to_year: int | None) -> tuple[int, int] | None:
    if from_year is None and to_year is None:
        return None
    if from_year is None or to_year is None:
        raise BadRequest("from_year" if from_year is None else "to_year", "give both years")
    if from_year > to_year:
        raise BadRequest("from_year", "must not be after to_year")
    return from_year, to_year


def _engine_errors(error: Exception) -> BadRequest:
    return BadRequest(None, str(error).strip("'\""))


@router.get(
    "/analytics",
    summary="Customer structure and its change (客户结构分析)",
    responses={200: {"content": {"application/json": {}, XLSX: {}}}},
)
def analytics(
    session: SessionDep,
    actor: ActorDep,
    tables: TablesDep,
    as_of: date | None = None,
    from_year: Year = None,
    to_year: Year = None,
    branch_id: Branch = None,
    format: Literal["json", "xlsx"] = "json",
    lang: Lang = "zh",
) -> Response:
    """Every METRICS.md family at every year-end, as JSON (the `bankcrm analyze` contract) or
    as a workbook with one sheet per family."""
    try:
        result = scoped.analysis(
            session, actor, tables, as_of, _years(from_year, to_year), branch_id
        )
    except (LookupError, ValueError) as error:
        raise _engine_errors(error) from None
    if format == "json":
        return JSONResponse(result)
    return _download(lambda path: write_xlsx(result, path, lang), "analysis.xlsx", XLSX)


@router.get("/diagnosis", summary="Problems of the customer structure (结构诊断)")
def diagnosis(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    tables: TablesDep,
    as_of: date | None = None,
    branch_id: Branch = None,
) -> dict[str, Any]:
    try:
        return scoped.diagnosis(
            session, actor, tables, request.app.state.diagnosis, as_of, branch_id
        )
    except (LookupError, ValueError) as error:
        raise _engine_errors(error) from None


@router.get(
    "/report",
    summary="The customer-structure analysis report (分析报告)",
    response_class=FileResponse,
    responses={200: {"content": {"text/html": {}, XLSX: {}}}},
)
def report(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    tables: TablesDep,
    as_of: date | None = None,
    branch_id: Branch = None,
    format: Literal["html", "xlsx"] = "html",
    lang: Lang = "zh",
) -> Response:
    """The report as one self-contained HTML page, or its tables as a workbook."""
    folder = Path(tempfile.mkdtemp(prefix="bankcrm-report-"))
    try:
        files = scoped.report(
            session, actor, tables, request.app.state.diagnosis, folder, lang, as_of, branch_id
        )
    except (LookupError, ValueError) as error:
        _remove(folder)
        raise _engine_errors(error) from None
    except BaseException:
        _remove(folder)
        raise
    path, media = (files.html, "text/html") if format == "html" else (files.xlsx, XLSX)
    return FileResponse(
        path,
        media_type=media,
        filename=path.name,
        background=BackgroundTask(_remove, folder),
        # the report is an inline-SVG page with its own styles and no script
        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                 "img-src data:; font-src data:; frame-ancestors 'none'"},
    )  # fmt: skip


def _download(write: Any, name: str, media: str) -> FileResponse:
    folder = Path(tempfile.mkdtemp(prefix="bankcrm-export-"))
    path = folder / name
    write(path)
    return FileResponse(
        path, media_type=media, filename=name, background=BackgroundTask(_remove, folder)
    )


def _remove(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
