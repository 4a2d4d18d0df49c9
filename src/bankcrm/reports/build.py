"""``bankcrm report``: diagnosis input → findings → report.html, report.xlsx (and
report.pdf) in one folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bankcrm.diagnosis.catalogue import diagnose
from bankcrm.diagnosis.findings import Finding
from bankcrm.domain.diagnosis_thresholds import DEFAULTS, DiagnosisSettings
from bankcrm.reports.html import render_html
from bankcrm.reports.pdf import write_pdf
from bankcrm.reports.report_tables import report_tables
from bankcrm.reports.report_xlsx import write_report_xlsx


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    xlsx: Path
    pdf: Path | None
    findings: list[Finding]


def write_report(
    data: dict[str, Any],
    out: Path,
    lang: str = "zh",
    pdf: bool = False,
    thresholds: DiagnosisSettings = DEFAULTS,
) -> ReportFiles:
    """Diagnose ``data`` (``diagnosis.inputs.gather``) and write the report files to ``out``."""
    findings = diagnose(data, thresholds)
    tables = report_tables(data, findings)
    out.mkdir(parents=True, exist_ok=True)
    html = render_html(data, findings, lang, tables)
    html_path = out / "report.html"
    html_path.write_text(html, encoding="utf-8")
    xlsx_path = out / "report.xlsx"
    write_report_xlsx(tables, xlsx_path, lang)
    pdf_path = write_pdf(html, out / "report.pdf") if pdf else None
    return ReportFiles(html_path, xlsx_path, pdf_path, findings)
