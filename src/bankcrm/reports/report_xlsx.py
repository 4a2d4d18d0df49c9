"""The report's tables as an xlsx workbook (``report.xlsx``): one sheet per table, money in
万元 (numbers, two decimals, the unit in the header), shares as percentages, the header row
frozen, and a native Excel chart beside every table that has one in the HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from bankcrm.reports.report_tables import ReportTable, label, wan
from bankcrm.reports.xlsx import SHARE_FORMAT, SHEET_NAME_MAX, YUAN_FORMAT

WAN_FORMAT = YUAN_FORMAT  # the same two-decimal format; the header says 万元
COLUMN_WIDTH = 14
TEXT_WIDTH = 48
NATIVE: dict[str, tuple[str, str | None]] = {  # report chart kind → xlsxwriter type, subtype
    "barh": ("bar", None),
    "bar": ("column", None),
    "line": ("line", None),
    "waterfall": ("column", None),
}


def _cell(kind: str, value: Any, lang: str) -> Any:
    if value is None:
        return None
    if kind == "wan":
        return wan(value)
    if kind == "label":
        return label(value, lang)
    return value


def _sheet(book: Any, table: ReportTable, lang: str, formats: dict[str, Any]) -> str:
    name = table.title(lang).replace("/", "-")[:SHEET_NAME_MAX]
    sheet = book.add_worksheet(name)
    for c, column in enumerate(table.columns):
        sheet.write_string(0, c, column.header(lang), formats["bold"])
        wide = column.kind == "text" and column.name.startswith(("explanation", "action", "title"))
        sheet.set_column(c, c, TEXT_WIDTH if wide else COLUMN_WIDTH)
    for r, values in enumerate(table.rows, start=1):
        for c, column in enumerate(table.columns):
            value = _cell(column.kind, values[c], lang)
            if value is None:
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, c, value, formats.get(column.kind))
            else:
                sheet.write_string(r, c, str(value))
    sheet.freeze_panes(1, 0)
    if table.chart.kind in NATIVE:
        _chart(book, sheet, name, table, lang)
    elif table.chart.kind == "heatmap":  # no native heatmap: a colour scale on the cells
        sheet.conditional_format(
            1,
            1,
            len(table.rows),
            len(table.columns) - 1,
            {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#1F4E79"},
        )
    return name


def _chart(book: Any, sheet: Any, name: str, table: ReportTable, lang: str) -> None:
    kind, subtype = NATIVE[table.chart.kind]
    chart = book.add_chart({"type": kind, **({"subtype": subtype} if subtype else {})})
    names = [c.name for c in table.columns]
    x = names.index(table.chart.x)
    last_row = len(table.rows)
    for column in table.chart.y:
        y = names.index(column)
        chart.add_series(
            {
                "name": [name, 0, y],
                "categories": [name, 1, x, last_row, x],
                "values": [name, 1, y, last_row, y],
            }
        )
    unit = table.chart.unit_zh if lang == "zh" else table.chart.unit_en
    chart.set_title({"name": table.title(lang)})
    axis = chart.set_x_axis if kind == "bar" else chart.set_y_axis
    axis({"name": f"单位：{unit}" if lang == "zh" else f"unit: {unit}"})
    sheet.insert_chart(1, len(table.columns) + 1, chart)


def write_report_xlsx(tables: list[ReportTable], path: Path, lang: str = "zh") -> list[str]:
    """Write every report table to ``path`` as a sheet; returns the sheet names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    formats = {
        "bold": book.add_format({"bold": True, "bg_color": "#E8EEF5", "text_wrap": True}),
        "wan": book.add_format({"num_format": WAN_FORMAT}),
        "share": book.add_format({"num_format": SHARE_FORMAT}),
        "int": book.add_format({"num_format": "#,##0"}),
    }
    try:
        return [_sheet(book, t, lang, formats) for t in tables]
    finally:
        book.close()
