"""The analysis as an xlsx workbook: one sheet per metric family, a header row, frozen panes,
numbers as numeric cells (money in yuan with a two-decimal format, shares as percentages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from bankcrm.reports.shape import (
    FAMILIES,
    as_decimal,
    columns,
    family_rows,
    header,
    label,
    money_columns,
    title,
)

SHEET_NAME_MAX = 31
YUAN_FORMAT = "#,##0.00"
SHARE_FORMAT = "0.00%"
KEY_COLUMNS = ("year", "period", "dimension", "cohort")


def _sheet_header(name: str, lang: str, money: bool) -> str:
    text = header(name, lang, money=False)
    if money:
        return f"{text}（元）" if lang == "zh" else f"{text} (CNY)"
    return text


def write_xlsx(result: dict[str, Any], path: Path, lang: str = "zh") -> list[str]:
    """Write every non-empty family to ``path``; returns the sheet names written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    yuan = workbook.add_format({"num_format": YUAN_FORMAT})
    share = workbook.add_format({"num_format": SHARE_FORMAT})
    bold = workbook.add_format({"bold": True})
    sheets = []
    try:
        for family in FAMILIES:
            rows = family_rows(result, family)
            if not rows:
                continue
            name = title(family, lang)[:SHEET_NAME_MAX]
            sheet = workbook.add_worksheet(name)
            sheets.append(name)
            names = columns(rows)
            money = money_columns(rows, names)
            for c, column in enumerate(names):
                sheet.write_string(0, c, _sheet_header(column, lang, column in money), bold)
                sheet.set_column(c, c, 14)
            for r, row in enumerate(rows, start=1):
                for c, column in enumerate(names):
                    _write(sheet, r, c, column, row.get(column), column in money, lang, yuan, share)
            sheet.freeze_panes(1, 0)
    finally:
        workbook.close()
    return sheets


def _write(
    sheet: Any,
    r: int,
    c: int,
    column: str,
    value: Any,
    money: bool,
    lang: str,
    yuan: Any,
    share: Any,
) -> None:
    if value is None:
        return
    if money:
        sheet.write_number(r, c, float(as_decimal(value)), yuan)
    elif isinstance(value, bool):
        sheet.write_boolean(r, c, value)
    elif isinstance(value, float):
        sheet.write_number(r, c, value, None if column == "gini" else share)
    elif isinstance(value, int):
        sheet.write_number(r, c, value)
    elif column in KEY_COLUMNS and isinstance(value, str) and value.isdigit():
        sheet.write_number(r, c, int(value))
    else:
        sheet.write_string(r, c, str(label(column, value, lang)))
