"""The analysis as rich tables, in Chinese (default) or English; amounts in 万元 with the unit
in the header, shares as percentages.

The customer structure is shown at the last year-end only (the JSON and xlsx forms carry every
year-end); every other family is shown for every year or period.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, JustifyMethod
from rich.table import Table

from bankcrm.domain.money import format_wan
from bankcrm.reports.shape import (
    CODED,
    FAMILIES,
    Row,
    as_decimal,
    columns,
    family_rows,
    header,
    label,
    money_columns,
    title,
)

LANGS = ("zh", "en")
PLAIN = frozenset({"year", "cohort", "product_holding"})  # integers shown without separators
LEFT = frozenset({"year", "period", "name", "branch_id"}) | CODED
LAST_YEAR_ONLY = ("structure", "lorenz")  # long families: the table shows the last year-end


def _text(column: str, value: Any, money: bool, lang: str) -> str:
    if value is None:
        return "—"
    if money:
        return format_wan(as_decimal(value))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4f}" if column == "gini" else f"{value * 100:.2f}%"
    if isinstance(value, int):
        return str(value) if column in PLAIN else f"{value:,}"
    return str(label(column, value, lang))


def family_table(family: str, rows: list[Row], lang: str = "zh") -> Table:
    """One family's rows as a rich table with translated headers and 万元 amounts."""
    names = columns(rows)
    money = money_columns(rows, names)
    table = Table(title=title(family, lang))
    for name in names:
        justify: JustifyMethod = "left" if name in LEFT else "right"
        table.add_column(header(name, lang, name in money), justify=justify, no_wrap=True)
    for row in rows:
        table.add_row(*(_text(n, row.get(n), n in money, lang) for n in names))
    return table


def migration_matrix(period: str, rows: list[Row], lang: str = "zh") -> Table:
    """The tier migration of one period as a matrix: rows the tier at the start (plus new),
    columns the tier at the end (plus closed); each cell the count and, below it, the AUM in
    万元."""
    cells = {(r["from"], r["to"]): r for r in rows if r["period"] == period}
    sources = list(dict.fromkeys(r["from"] for r in cells.values()))
    targets = list(dict.fromkeys(r["to"] for r in cells.values()))
    unit = "客户数 / AUM（万元）" if lang == "zh" else "customers / AUM (10k CNY)"
    table = Table(
        title=f"{title('migration', lang)} {period}（{unit}）"
        if lang == "zh"
        else f"{title('migration', lang)} {period} ({unit})"
    )
    corner = "期初＼期末" if lang == "zh" else "from \\ to"
    table.add_column(corner, no_wrap=True)
    for target in targets:
        table.add_column(str(label("to", target, lang)), justify="right", no_wrap=True)
    for source in sources:
        row = [str(label("from", source, lang))]
        for target in targets:
            cell = cells.get((source, target))
            row.append(
                ""
                if cell is None
                else f"{cell['customers']:,}\n{format_wan(as_decimal(cell['aum']))}"
            )
        table.add_row(*row)
    return table


def tables(result: dict[str, Any], lang: str = "zh") -> list[Table]:
    """Every non-empty family of the analysis as a table, in report order."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    out: list[Table] = []
    last = max(result.get("year_ends", {}) or [""])
    for family in FAMILIES:
        rows = family_rows(result, family)
        if family in LAST_YEAR_ONLY:
            rows = [r for r in rows if r["year"] == last]
        if family == "migration":
            out.extend(
                migration_matrix(p, rows, lang) for p in dict.fromkeys(r["period"] for r in rows)
            )
        elif rows:
            out.append(family_table(family, rows, lang))
    return out


def print_tables(result: dict[str, Any], console: Console, lang: str = "zh") -> None:
    """Print the heading line (as-of date, scope) and every table."""
    scope = result.get("branch")
    if lang == "zh":
        head = f"数据日期 {result['as_of']}" + (f"，机构 {scope}" if scope else "，全部机构")
        head += "（金额单位：万元）"
    else:
        head = f"as of {result['as_of']}" + (f", branch {scope}" if scope else ", all branches")
        head += " (amounts in 10k CNY, 万元)"
    console.print(head)
    for table in tables(result, lang):
        console.print(table)
