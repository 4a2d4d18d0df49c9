"""A segment's members as an Excel workbook for staff: Chinese headers, AUM in 万元."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter

from bankcrm.domain.enums import LABELS_ZH

HEADERS = {
    "customer_id": ("客户号", "Customer ID"),
    "name": ("客户名称", "Name"),
    "branch_id": ("网点", "Branch"),
    "tier": ("客户层级", "Tier"),
    "aum_wan": ("AUM（万元）", "AUM (10k yuan)"),
    "employee_id": ("客户经理", "RM"),
}


def write_members_xlsx(rows: pd.DataFrame, path: Path, title: str, lang: str = "zh") -> Path:
    """Write the members (``segments.members`` columns) to ``path``; returns the path."""
    table = pd.DataFrame(
        {
            "customer_id": rows["customer_id"],
            "name": rows["name"],
            "branch_id": rows["branch_id"],
            "tier": rows["tier"].map(lambda t: LABELS_ZH.get(t, t))
            if lang == "zh"
            else rows["tier"],
            "aum_wan": rows["aum"].astype("float64") / 10_000,
            "employee_id": rows["employee_id"].fillna(""),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    try:
        sheet = book.add_worksheet("客群" if lang == "zh" else "Segment")
        bold = book.add_format({"bold": True})
        wan = book.add_format({"num_format": "#,##0.00"})
        sheet.write(0, 0, title, bold)
        for col, key in enumerate(table.columns):  # six columns, each written whole
            sheet.write(1, col, HEADERS[key][0 if lang == "zh" else 1], bold)
            values = table[key].astype(object).where(table[key].notna(), "").tolist()
            sheet.write_column(2, col, values, wan if key == "aum_wan" else None)
            sheet.set_column(col, col, 16)
        sheet.freeze_panes(2, 0)
        if len(table):
            sheet.autofilter(1, 0, 1 + len(table), len(table.columns) - 1)
    finally:
        book.close()
    return path
