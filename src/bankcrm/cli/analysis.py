"""``bankcrm analyze``: the customer-structure analytics as tables, JSON or xlsx."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bankcrm.analytics.analyze import analyze
from bankcrm.analytics.base import Tables, scope_of
from bankcrm.cli.app import (
    Lang,
    OutputFormat,
    app,
    console,
    emit_json,
    err,
    fail,
    parse_as_of,
    parse_years,
)
from bankcrm.config import Engine, Settings
from bankcrm.domain.errors import BankcrmError
from bankcrm.reports.tables import print_tables
from bankcrm.reports.xlsx import write_xlsx
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse


@app.command("analyze")
def analyze_command(
    as_of: Annotated[str | None, typer.Option(help="Snapshot date, YYYY-MM-DD.")] = None,
    years: Annotated[str | None, typer.Option(help="Year-ends to cover, e.g. 2016-2020.")] = None,
    branch: Annotated[
        str | None, typer.Option(help="Branch id: it and everything below it.")
    ] = None,
    engine: Annotated[Engine | None, typer.Option(help="Analytics engine.")] = None,
    format: Annotated[OutputFormat, typer.Option(help="Output form.")] = OutputFormat.TABLE,
    out: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
    lang: Annotated[Lang, typer.Option(help="Language of tables and sheets.")] = Lang.ZH,
) -> None:
    """Customer structure and its change (METRICS.md) at every year-end, as tables, JSON or
    xlsx."""
    snapshot, span = parse_as_of(as_of), parse_years(years)
    if format is OutputFormat.XLSX and out is None:
        raise fail("--format xlsx needs --out FILE.xlsx")
    settings = Settings()
    try:
        con = connect((engine or settings.engine).value)
        tables = Tables.load(con, Warehouse(settings.warehouse_path))
        result = analyze(tables, snapshot, span, scope_of(tables, branch))
    except (BankcrmError, LookupError, ValueError) as error:
        raise fail(str(error).strip("'\"")) from None
    if format is OutputFormat.JSON:
        emit_json(result, out)
    elif format is OutputFormat.XLSX:
        assert out is not None
        sheets = write_xlsx(result, out, lang.value)
        err.print(f"{len(sheets)} sheets written to {out}")
    elif out is None:
        print_tables(result, console, lang.value)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as file:
            print_tables(result, Console(file=file, width=200), lang.value)
