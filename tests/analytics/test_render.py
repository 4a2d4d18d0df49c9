"""Rendering of the analysis JSON: rich tables in Chinese / English with 万元, and the xlsx
workbook read back with openpyxl. The input is a small hand-written analysis dict (the
contract of issue 3), so these tests do not depend on the metric code."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
from rich.console import Console

from bankcrm.reports.shape import family_rows
from bankcrm.reports.tables import print_tables
from bankcrm.reports.xlsx import write_xlsx

RESULT: dict[str, Any] = {
    "definitions_version": 1,
    "as_of": "2020-12-31",
    "year_ends": {"2019": "2019-12-31", "2020": "2020-12-31"},
    "structure": {
        year: {
            "tier": [
                {
                    "tier": "standard",
                    "customers": 90,
                    "share": 0.9,
                    "aum": "1234567.89",
                    "aum_share": 0.25,
                    "mean_aum": "13717.42",
                    "median_aum": "5000.00",
                },
                {
                    "tier": "gold",
                    "customers": 10,
                    "share": 0.1,
                    "aum": "3703703.67",
                    "aum_share": 0.75,
                    "mean_aum": "370370.37",
                    "median_aum": "300000.00",
                },
            ],
            "product_penetration": [{"product_type": "fund", "customers": 7, "share": 0.07}],
        }
        for year in ("2019", "2020")
    },
    "flows": {"2020": {"new": 12, "closed": 3}},
    "migration": {"2019-2020": [{"from": "new", "to": "gold", "customers": 2, "aum": "120000.00"}]},
    "aum_bridge": {
        "2019-2020": {
            "start": "100.00",
            "new": "10.00",
            "closed": "-5.00",
            "increase": "20.00",
            "decrease": "-3.00",
            "end": "122.00",
        }
    },
    "concentration": {"2020": {"top1": 0.21, "top10": 0.74, "top20": 0.85, "gini": 0.81}},
    "cohorts": [{"cohort": 2019, "year": 2020, "customers": 5, "retained": 4, "retention": 0.8}],
}


def render(lang: str) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    print_tables(RESULT, console, lang)
    return console.export_text()


def test_chinese_tables_show_wan_and_labels() -> None:
    text = render("zh")
    assert "万元" in text
    assert "层级" in text
    assert "客户数" in text
    assert "AUM（万元）" in text
    assert "普通" in text
    assert "金卡" in text
    assert "新增" in text
    # 1 234 567.89 yuan = 123.46 万元 (rounded half up by hand)
    assert "123.46" in text
    assert "90.00%" in text


def test_english_tables() -> None:
    text = render("en")
    assert "standard" in text
    assert "customers" in text
    assert "10k CNY" in text
    assert "普通" not in text


def test_structure_rows_carry_year_and_dimension() -> None:
    rows = family_rows(RESULT, "structure")
    assert len(rows) == 6
    assert rows[0]["year"] == "2019"
    assert rows[0]["dimension"] == "tier"
    assert rows[0]["group"] == "standard"
    assert rows[2]["group"] == "fund"


def test_xlsx_sheets_header_and_numbers(tmp_path: Path) -> None:
    path = tmp_path / "out" / "analysis.xlsx"
    sheets = write_xlsx(RESULT, path, "zh")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == sheets
    assert "客户结构" in sheets
    assert "资产变动分解" in sheets
    assert all(len(name) <= 31 for name in sheets)
    sheet = book["客户结构"]
    head = [c.value for c in sheet[1]]
    assert head[:4] == ["年份", "维度", "分组", "客户数"]
    aum = sheet.cell(row=2, column=head.index("AUM（元）") + 1)
    assert aum.value == 1234567.89
    assert aum.number_format == "#,##0.00"
    assert sheet.cell(row=2, column=1).value == 2019
    assert sheet.freeze_panes == "A2"
    bridge = book["资产变动分解"]
    assert [c.value for c in bridge[2]] == ["2019-2020", 100, 10, -5, 20, -3, 122]


def test_xlsx_in_english(tmp_path: Path) -> None:
    sheets = write_xlsx(RESULT, tmp_path / "a.xlsx", "en")
    assert "Customer structure" in sheets
    book = openpyxl.load_workbook(tmp_path / "a.xlsx")
    assert book["Customer structure"]["C2"].value == "standard"
