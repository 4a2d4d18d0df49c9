"""The report of the demo branch read back: every figure of report.html and report.xlsx equals
the analytics output for the same date and scope (computed here by ``analyze`` again, and
formatted here by hand), every finding appears with its evidence, the PDF embeds the CJK font
and is not blank, and the HTML opens in headless Chromium with no console error and no
request leaving the file."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bankcrm.analytics.analyze import analyze
from bankcrm.analytics.base import scope_of
from bankcrm.diagnosis.catalogue import diagnose
from bankcrm.diagnosis.inputs import extras
from bankcrm.reports.build import ReportFiles, write_report
from tests.diagnosis.branches import Branch
from tests.reports.parse import Parsed, parse_report

pytestmark = pytest.mark.slow
AS_OF, BRANCH = date(2019, 12, 31), "B0100"


def wan_text(yuan: str) -> str:
    """Yuan → 万元 with two decimals, half up, thousands separators (written out here)."""
    wan = (Decimal(yuan) / Decimal(10000)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{wan:,.2f}"


def pct_text(share: float) -> str:
    return f"{(Decimal(str(share)) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


@pytest.fixture(scope="module")
def scoped(demo: Branch) -> dict[str, Any]:
    """The analytics of the demo's city branch at the end of 2019, computed independently of
    the report (analyze + the extra families)."""
    tables = demo.tables()
    scope = scope_of(tables, BRANCH)
    data = analyze(tables, AS_OF, None, scope)
    return data | extras(tables, [int(y) for y in data["year_ends"]], scope)


@pytest.fixture(scope="module")
def report(scoped: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    return write_report(scoped, tmp_path_factory.mktemp("report"), "zh", pdf=True)


@pytest.fixture(scope="module")
def parsed(report: ReportFiles) -> Parsed:
    return parse_report(report.html.read_text("utf-8"))


def test_the_scope_and_date_are_the_asked_ones(scoped: dict[str, Any], parsed: Parsed) -> None:
    assert scoped["as_of"] == "2019-12-31"
    assert scoped["branch"] == BRANCH
    assert [r["year"].value for r in parsed.tables["headline"]] == sorted(scoped["year_ends"])


def test_tier_structure_equals_the_analytics(scoped: dict[str, Any], parsed: Parsed) -> None:
    expected = scoped["structure"]["2019"]["tier"]
    shown = parsed.tables["tiers"]
    assert [r["tier"].value for r in shown] == [t["tier"] for t in expected]
    for row, tier in zip(shown, expected, strict=True):
        assert row["customers"].text == f"{tier['customers']:,}"
        assert row["aum"].value == tier["aum"]
        assert row["aum"].text == wan_text(tier["aum"])
        assert row["share"].text == pct_text(tier["share"])
    assert [t["tier"] for t in expected][:2] == ["standard", "gold"]
    assert shown[0]["tier"].text == "普通"
    assert "AUM（万元）" in parsed.headers["tiers"]


def test_headline_figures_equal_the_analytics(scoped: dict[str, Any], parsed: Parsed) -> None:
    for row in parsed.tables["headline"]:
        tiers = scoped["structure"][row["year"].value]["tier"]
        assert row["customers"].text == f"{sum(t['customers'] for t in tiers):,}"
        total = sum(Decimal(t["aum"]) for t in tiers)
        assert row["aum"].text == wan_text(str(total))
        dormant = scoped["dormancy"][row["year"].value][-1]
        assert row["dormant"].text == pct_text(dormant["share"])


def test_change_tables_equal_the_analytics(scoped: dict[str, Any], parsed: Parsed) -> None:
    for row in parsed.tables["outflow"]:
        expected = scoped["third_party_outflow"][row["year"].value]
        assert row["outflow"].text == wan_text(expected["outflow"])
        assert row["share"].text == pct_text(expected["share"])
    period = max(scoped["migration"])
    cells = {(c["from"], c["to"]): c["customers"] for c in scoped["migration"][period]}
    for row in parsed.tables["migration"]:
        for column, cell in row.items():
            if column == "from":
                continue
            if (row["from"].value, column) in cells:
                assert int(cell.value) == cells[(row["from"].value, column)]
            else:  # new → closed: no such cell in the analytics, shown empty
                assert (cell.value, cell.text) == ("", "—")
    bridge = scoped["aum_bridge"][period]
    assert {r["step"].value: r["amount"].value for r in parsed.tables["aum_bridge"]} == bridge
    retention = {(str(c["cohort"]), str(c["year"])): c["retention"] for c in scoped["cohorts"]}
    for row in parsed.tables["cohorts"]:
        for column, cell in row.items():
            if column != "cohort" and cell.value:
                assert float(cell.value) == retention[(row["cohort"].value, column)]
    for row in parsed.tables["runoff"]:
        assert int(row["left"].value) == scoped["maturity_runoff"][row["year"].value]["left"]


def test_every_finding_appears_with_its_evidence(
    scoped: dict[str, Any], parsed: Parsed, report: ReportFiles
) -> None:
    findings = diagnose(scoped)
    assert findings  # the city branch of the demo has problems to report
    assert parsed.findings == {f.code: f.severity.value for f in findings}
    for finding in findings:
        shown = parsed.evidence[finding.code]
        for figure in finding.evidence:
            assert set(shown[figure.name]) == set(figure.values)
            for key, value in figure.values.items():
                assert shown[figure.name][key] == str(value)
    html = report.html.read_text("utf-8")
    for finding in findings:
        assert finding.explanation_zh in html
        assert all(action in html for action in finding.actions_zh)


def test_every_chart_is_inline_svg_with_title_and_unit(parsed: Parsed) -> None:
    charted = ["headline", "tiers", "ages", "holding", "channels", "tier_trend", "age_trend",
               "migration", "aum_bridge", "cohorts", "outflow", "runoff"]  # fmt: skip
    assert len(parsed.svgs) == len(charted)
    for svg in parsed.svgs:
        assert "单位" in svg
    assert all(name in parsed.tables for name in charted)  # a data table with each chart
    assert parsed.resources == []  # nothing loaded from anywhere: no src, no href


def test_xlsx_figures_formats_and_charts(scoped: dict[str, Any], report: ReportFiles) -> None:
    book = openpyxl.load_workbook(report.xlsx)
    sheet = book["客户层级结构（2019年末）"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["层级", "客户数", "占比（%）", "AUM（万元）"]
    for row, tier in zip(
        sheet.iter_rows(min_row=2), scoped["structure"]["2019"]["tier"], strict=True
    ):
        assert row[1].value == tier["customers"]
        assert row[3].value == pytest.approx(float(Decimal(tier["aum"]) / 10000), abs=1e-9)
        assert row[3].number_format == "#,##0.00"
        assert row[2].number_format == "0.00%"
    assert "存在问题" in book.sheetnames
    assert "改进建议" in book.sheetnames
    with zipfile.ZipFile(report.xlsx) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 10  # every chart but the two heatmaps (colour scales instead)


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_pdf_embeds_the_cjk_font_and_renders(report: ReportFiles, tmp_path: Path) -> None:
    assert report.pdf is not None
    fonts = subprocess.run(
        ["pdffonts", str(report.pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "Noto-Sans-CJK-SC" in fonts or "NotoSansCJK" in fonts, fonts
    text = subprocess.run(["pdftotext", "-l", "1", str(report.pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "客户结构分析报告" in text
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(report.pdf),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    from PIL import Image  # noqa: PLC0415

    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(page.histogram()[:128])  # pixels darker than mid-grey
    assert dark > 500  # the title, headline boxes and text: not a blank page


def test_html_opens_in_chromium_without_errors_or_requests(
    report: ReportFiles, tmp_path: Path
) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium is not installed")
    errors: list[str] = []
    outside: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", route)
            page.goto(report.html.as_uri())
            assert page.title().startswith("客户结构分析报告")
            assert page.locator("svg").count() == 12
            page.screenshot(path=str(tmp_path / "first.png"))
        finally:
            browser.close()
    assert errors == []
    assert outside == []
    assert (tmp_path / "first.png").stat().st_size > 10_000
