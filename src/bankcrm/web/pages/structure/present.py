"""A chart's table on screen (万元, percentages) and as a one-sheet workbook (numbers as
numbers: 万元 with two decimals, shares as percentages)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import xlsxwriter
from nicegui import ui

from bankcrm.web import fmt
from bankcrm.web.pages.structure.views import ChartView, Column


def header(column: Column, lang: str) -> str:
    text = column.zh if lang == "zh" else column.en
    if column.kind == "wan":
        return f"{text}（万元）" if lang == "zh" else f"{text} (10k CNY)"
    return text


def cell(column: Column, value: Any, lang: str) -> str:
    if value is None:
        return "—"
    if column.kind == "wan":
        return fmt.wan(Decimal(str(value)), lang).removesuffix("万元")
    if column.kind == "share":
        return fmt.share(float(value))
    if column.kind == "int":
        return f"{int(value):,}"
    return str(value)


def show_table(view: ChartView, lang: str) -> ui.table:
    names = [f"c{i}" for i in range(len(view.columns))]
    columns = [
        {"name": n, "label": header(c, lang), "field": n,
         "align": "left" if c.kind == "text" else "right"}
        for n, c in zip(names, view.columns, strict=True)
    ]  # fmt: skip
    rows = [
        {"id": i, **{n: cell(c, v, lang) for n, c, v in zip(names, view.columns, row, strict=True)}}
        for i, row in enumerate(view.rows)
    ]
    return (
        ui.table(columns=columns, rows=rows, row_key="id")
        .props("dense flat bordered")
        .classes("w-full")
    )


def table_xlsx(view: ChartView, lang: str) -> bytes:
    """The chart's table as an xlsx workbook, in memory."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    share = book.add_format({"num_format": "0.00%"})
    sheet = book.add_worksheet(view.title(lang)[:31])
    for c, column in enumerate(view.columns):
        sheet.write_string(0, c, header(column, lang), bold)
        sheet.set_column(c, c, 16)
    for r, row in enumerate(view.rows, start=1):  # a chart's table: tens of rows
        for c, (column, value) in enumerate(zip(view.columns, row, strict=True)):
            if value is None:
                continue
            if column.kind == "wan":
                sheet.write_number(r, c, float(Decimal(str(value)) / 10_000), money)
            elif column.kind == "share":
                sheet.write_number(r, c, float(value), share)
            elif column.kind in ("int", "num"):
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, str(value))
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
