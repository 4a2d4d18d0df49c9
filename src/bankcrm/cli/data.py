"""Commands that bring data in and say what is there: generate, import, db, warehouse, info."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bankcrm.cli.app import (
    Encoding,
    ExtractFormat,
    Scenario,
    app,
    console,
    db_app,
    err,
    fail,
    progress,
    warehouse_app,
)
from bankcrm.config import Settings
from bankcrm.crm.after_import import after_import
from bankcrm.domain.errors import BankcrmError
from bankcrm.ingest.loader import Importer
from bankcrm.inventory import inventory
from bankcrm.store.db import is_current, make_engine, upgrade
from bankcrm.synth import SynthOptions, generate
from bankcrm.warehouse.layout import Warehouse


@app.command("generate")
def generate_command(
    out: Annotated[Path, typer.Option(help="Folder to write the extract to.")],
    customers: Annotated[int, typer.Option(min=1, help="Number of customers.")] = 10_000,
    start: Annotated[str, typer.Option(help="First month, YYYY-MM.")] = "2015-01",
    end: Annotated[str, typer.Option(help="Last month, YYYY-MM.")] = "2020-12",
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 20201231,
    format: Annotated[ExtractFormat, typer.Option(help="File format.")] = ExtractFormat.CSV,
    dirty: Annotated[
        float, typer.Option(min=0.0, max=0.5, help="Rate of injected bad rows (see _truth/).")
    ] = 0.0,
    scenario: Annotated[
        Scenario, typer.Option(help="'neutral' plants none of the scenario's phenomena.")
    ] = Scenario.DEFAULT,
) -> None:
    """Write a synthetic city-branch extract (SCENARIO.md), with its truth in _truth/."""
    options = SynthOptions(
        customers=customers,
        start=start,
        end=end,
        seed=seed,
        format=format.value,
        dirty=dirty,
        scenario=scenario.value,
    )
    try:
        with progress() as bar:
            task = bar.add_task("generating", total=1.0)
            result = generate(
                out, options, lambda what, done: bar.update(task, description=what, completed=done)
            )
    except (BankcrmError, ValueError) as error:
        raise fail(str(error)) from None
    table = Table(title=f"extract written to {out}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in result.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"{result.seconds:.1f} s")


@app.command("import")
def import_command(
    folder: Annotated[Path, typer.Argument(help="Extract folder (EXTRACT_FORMAT.md).")],
    encoding: Annotated[Encoding, typer.Option(help="Encoding of CSV files.")] = Encoding.UTF8,
    report: Annotated[Path | None, typer.Option(help="Write the import report (JSON).")] = None,
    rejects: Annotated[Path | None, typer.Option(help="Write rejected rows (CSV).")] = None,
) -> None:
    """Validate and load an extract into the store and the warehouse."""
    settings = Settings()
    engine = make_engine(settings.store_url)
    if not is_current(engine):
        raise fail(
            f"the store at {settings.store_url_safe} has no schema: run `bankcrm db upgrade`"
        )
    importer = Importer(
        engine, Warehouse(settings.warehouse_path), settings.tiers.ladder(), settings.tiers.rule()
    )
    try:
        with progress() as bar:
            task = bar.add_task("importing", total=None)

            def step(what: str, done: int, total: int) -> None:
                bar.update(task, description=what, completed=done, total=total)

            result = importer.run(folder, encoding.value, rejects, progress=step)
    except BankcrmError as error:
        raise fail(str(error)) from None
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(result.to_json(), encoding="utf-8")
    if result.tables:
        crm = after_import(engine, Warehouse(settings.warehouse_path), settings.crm.flags)
        err.print(
            f"CRM refreshed: {crm.summaries:,} customer summaries, "
            f"{crm.conversions:,} new campaign conversions"
        )
    table = Table(title=f"import run {result.run_id}: {folder}")
    table.add_column("file", no_wrap=True)
    for column in ("read", "accepted", "rejected", "inserted", "updated", "unchanged"):
        table.add_column(column, justify="right", no_wrap=True)
    for t in result.tables.values():
        counts = (t.read, t.accepted, t.rejected, t.inserted, t.updated, t.unchanged)
        table.add_row(t.file, *(f"{n:,}" for n in counts))
    console.print(table)
    for name, t in result.tables.items():
        for warning in t.warnings:
            err.print(f"[yellow]warning:[/yellow] {name}: {warning}")
    if result.possible_duplicate_customers:
        err.print(
            f"[yellow]{len(result.possible_duplicate_customers)} possible duplicate customers"
            " (same id_number under several customer_ids); see the report[/yellow]"
        )
    for file, why in result.failed.items():
        err.print(f"[red]not loaded:[/red] {file}: {why}")
    if result.not_loaded:
        err.print(f"[red]skipped after the failure:[/red] {', '.join(result.not_loaded)}")
    if not result.ok:
        raise typer.Exit(code=2)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Create or migrate the store's tables (Alembic)."""
    settings = Settings()
    upgrade(make_engine(settings.store_url), revision)
    console.print(f"store at {settings.store_url_safe} is at revision {revision}")


@warehouse_app.command("rebuild")
def warehouse_rebuild() -> None:
    """Rebuild the derived tables: customer_month graded with the current tier settings, and
    customer_day (the import does this itself whenever the data or the settings changed)."""
    settings = Settings()
    importer = Importer(
        make_engine(settings.store_url),
        Warehouse(settings.warehouse_path),
        settings.tiers.ladder(),
        settings.tiers.rule(),
    )
    rows = importer.rebuild_customer_month()
    console.print(f"customer_month rebuilt: {rows:,} customer-months")
    rows = importer.rebuild_customer_day()
    console.print(f"customer_day rebuilt: {rows:,} customer-days with activity")


@app.command("info")
def info_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """What is loaded: rows per table in the store and the warehouse, dates, where."""
    settings = Settings()
    facts = inventory(settings)
    if as_json:
        console.print_json(json.dumps(facts, ensure_ascii=False, default=str))
        return
    console.print(f"store:     {facts['store_url']}")
    console.print(f"warehouse: {facts['warehouse']}")
    table = Table(title="what is loaded")
    table.add_column("table")
    table.add_column("store rows", justify="right")
    table.add_column("warehouse rows", justify="right")
    for name, counts in facts["tables"].items():
        table.add_row(name, *(f"{n:,}" if n is not None else "—" for n in counts.values()))
    console.print(table)
    for label, value in facts["dates"].items():
        console.print(f"{label}: {value}")
    if facts["last_import"]:
        console.print(f"last import: {facts['last_import']}")
