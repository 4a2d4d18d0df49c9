"""``bankcrm diagnose`` (the catalogue of findings as tables or JSON) and ``bankcrm report``
(report.html, report.xlsx and optionally report.pdf for a date and branch)."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bankcrm.analytics.base import Tables, scope_of
from bankcrm.cli.app import Lang, app, console, err, fail, parse_as_of, progress
from bankcrm.config import Settings
from bankcrm.diagnosis.catalogue import diagnose
from bankcrm.diagnosis.findings import SEVERITY_ZH, Finding
from bankcrm.diagnosis.inputs import gather
from bankcrm.domain.errors import BankcrmError
from bankcrm.reports.build import write_report
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse

AsOf = Annotated[str | None, typer.Option(help="Snapshot date, YYYY-MM-DD.")]
Branch = Annotated[str | None, typer.Option(help="Branch id: it and everything below it.")]


class DiagnoseFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def _gather(as_of: date | None, branch: str | None, settings: Settings) -> dict[str, Any]:
    try:
        tables = Tables.load(connect(settings.engine.value), Warehouse(settings.warehouse_path))
        return gather(tables, as_of, scope_of(tables, branch))
    except (BankcrmError, LookupError, ValueError) as error:
        raise fail(str(error).strip("'\"")) from None


def findings_table(findings: list[Finding], lang: str) -> Table:
    """The findings as a rich table: severity, code, title, explanation."""
    zh = lang == "zh"
    table = Table(title="诊断结果" if zh else "Diagnosis", show_lines=True)
    for name in (
        ("严重程度", "代码", "问题", "说明")
        if zh
        else ("severity", "code", "problem", "explanation")
    ):
        table.add_column(name, overflow="fold")
    for f in findings:
        table.add_row(
            SEVERITY_ZH[f.severity.value] if zh else f.severity.value,
            f.code,
            f.title_zh if zh else f.title_en,
            "\n".join((f.explanation_zh, *f.notes_zh) if zh else (f.explanation_en, *f.notes_en)),
        )
    return table


@app.command("diagnose")
def diagnose_command(
    as_of: AsOf = None,
    branch: Branch = None,
    format: Annotated[DiagnoseFormat, typer.Option(help="Output form.")] = DiagnoseFormat.TABLE,
    lang: Annotated[Lang, typer.Option(help="Language of the table.")] = Lang.ZH,
) -> None:
    """What is wrong with the customer structure: the diagnosis catalogue's findings, with
    evidence, affected customers and recommended actions."""
    settings = Settings()
    with progress() as bar:
        task = bar.add_task("诊断 diagnosing", total=2)
        data = _gather(parse_as_of(as_of), branch, settings)
        bar.advance(task)
        findings = diagnose(data, settings.diagnosis)
        bar.advance(task)
    if format is DiagnoseFormat.JSON:
        payload = {
            "as_of": data["as_of"],
            "branch": data.get("branch"),
            "findings": [f.to_json() for f in findings],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    elif not findings:
        console.print("未发现问题。" if lang is Lang.ZH else "No findings.")
    else:
        console.print(findings_table(findings, lang.value))


@app.command("report")
def report_command(
    out: Annotated[Path, typer.Option(help="Folder for report.html, report.xlsx (report.pdf).")],
    as_of: AsOf = None,
    branch: Branch = None,
    lang: Annotated[Lang, typer.Option(help="Language of the report.")] = Lang.ZH,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print report.pdf.")] = False,
) -> None:
    """The customer-structure analysis report: report.html (self-contained), report.xlsx and,
    with --pdf, report.pdf."""
    settings = Settings()
    with progress() as bar:
        task = bar.add_task("报告 report", total=2)
        data = _gather(parse_as_of(as_of), branch, settings)
        bar.advance(task)
        files = write_report(data, out, lang.value, pdf, settings.diagnosis)
        bar.advance(task)
    for path in (files.html, files.xlsx, files.pdf):
        if path is not None:
            err.print(f"written {path}")
    typer.echo(str(files.html))
