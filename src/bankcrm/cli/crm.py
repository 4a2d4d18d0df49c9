"""CRM commands: search customers, assign, hand over an RM's book, the RM workload, and the
refresh of the customer summaries search filters on. The acting user is the operating-system
user, unrestricted (``cli:<user>`` in the audit trail): whoever runs it holds the store's
credentials already."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bankcrm.cli.app import app, console, fail, operator, progress
from bankcrm.config import Settings
from bankcrm.crm import assignments
from bankcrm.crm.errors import CrmError
from bankcrm.crm.search import Flag, SearchQuery, SearchSort, search
from bankcrm.crm.search_index import ensure_search_index
from bankcrm.crm.summary import refresh_summaries
from bankcrm.domain.actor import Actor
from bankcrm.domain.enums import LABELS_ZH, Tier
from bankcrm.domain.money import fen_to_yuan, format_wan
from bankcrm.store.db import is_current, make_engine, session_factory
from bankcrm.warehouse.layout import Warehouse


def _actor() -> Actor:
    return operator()


def _sessions(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    engine = make_engine(settings.store_url)
    if not is_current(engine):
        raise fail(
            f"the store at {settings.store_url_safe} has no schema: run `bankcrm db upgrade`"
        )
    return engine, session_factory(engine)


def _wan(fen: int | None) -> str:
    return "" if fen is None else format_wan(fen_to_yuan(fen))


def _day(text: str | None, option: str) -> date:
    if text is None:
        return datetime.now(UTC).date()  # the effective day, UTC like every stored time
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"bad {option} {text!r}: expected YYYY-MM-DD") from None


def _export(frame: pd.DataFrame, path: Path | None) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_excel(path, index=False, engine="xlsxwriter")
        console.print(f"written {path}")


@app.command("summaries")
def summaries_command() -> None:
    """Refresh the customer summaries (tier, AUM, flags at the latest month-end) and the
    search index from the warehouse; run after each import."""
    settings = Settings()
    engine, _ = _sessions(settings)
    flags = settings.crm.flags
    with progress() as bar:
        task = bar.add_task("customer summaries", total=2)
        rows = refresh_summaries(engine, Warehouse(settings.warehouse_path), flags)
        bar.update(task, advance=1, description="search index")
        ensure_search_index(engine)
        bar.update(task, advance=1)
    console.print(f"{rows:,} customer summaries refreshed")


@app.command("search")
def search_command(
    text: Annotated[
        str | None, typer.Argument(help="Name, customer_id, id_number or phone.")
    ] = None,
    tier: Annotated[Tier | None, typer.Option(help="Only this tier.")] = None,
    rm: Annotated[str | None, typer.Option(help="Only this RM's customers (employee_id).")] = None,
    branch: Annotated[str | None, typer.Option(help="Only this branch_id.")] = None,
    flag: Annotated[list[Flag] | None, typer.Option(help="Only customers with this flag.")] = None,
    sort: Annotated[SearchSort, typer.Option(help="Order.")] = SearchSort.NAME,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    xlsx: Annotated[Path | None, typer.Option(help="Also write the list to this .xlsx.")] = None,
) -> None:
    """Find customers (客户查询); AUM in 万元."""
    settings = Settings()
    _, sessions = _sessions(settings)
    query = SearchQuery(text, tier, branch, rm, None, tuple(flag or ()), sort)
    try:
        with sessions() as session:
            hits, total = search(session, _actor(), query, 0, limit)
    except CrmError as error:
        raise fail(str(error)) from None
    table = Table(title=f"客户 {len(hits):,} / {total:,}")
    for column in ("客户号", "姓名", "网点", "层级", "AUM（万元）", "客户经理", "标记"):
        table.add_column(column, justify="right" if "万元" in column else "left")
    for h in hits:
        flags = ",".join(f.value for f in Flag if getattr(h, f.value))
        tier_zh = LABELS_ZH.get(h.tier, "") if h.tier else ""
        table.add_row(
            h.customer_id, h.name, h.branch_id, tier_zh, _wan(h.aum_fen), h.rm_name or "", flags
        )
    console.print(table)
    _export(
        pd.DataFrame(
            {
                "客户号": [h.customer_id for h in hits],
                "姓名": [h.name for h in hits],
                "层级": [LABELS_ZH.get(h.tier or "", "") for h in hits],
                "AUM（万元）": [float(fen_to_yuan(h.aum_fen or 0)) / 10_000 for h in hits],
                "客户经理": [h.rm_name for h in hits],
            }
        ),
        xlsx,
    )


@app.command("assign")
def assign_command(
    customer_id: Annotated[str, typer.Argument()],
    employee_id: Annotated[str, typer.Argument(help="The new RM.")],
    on: Annotated[
        str | None, typer.Option(help="Effective date, YYYY-MM-DD (default today).")
    ] = None,
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Make an RM the customer's RM (管户分配); the previous assignment ends that day."""
    settings = Settings()
    _, sessions = _sessions(settings)
    try:
        with sessions() as session:
            period = assignments.assign(
                session, _actor(), customer_id, employee_id, _day(on, "--on"), note
            )
    except CrmError as error:
        raise fail(str(error)) from None
    console.print(
        f"{customer_id} → {period.employee_name} ({period.employee_id}) from {period.start_on}"
    )


@app.command("handover")
def handover_command(
    from_rm: Annotated[str, typer.Option("--from", help="The RM leaving (employee_id).")],
    to_rm: Annotated[str, typer.Option("--to", help="The RM taking over.")],
    on: Annotated[str | None, typer.Option(help="Effective date (default today).")] = None,
    reason: Annotated[str | None, typer.Option()] = None,
    preview: Annotated[
        bool, typer.Option("--preview", help="Show what would move; change nothing.")
    ] = False,
    xlsx: Annotated[
        Path | None, typer.Option(help="Write the customers moved to this .xlsx.")
    ] = None,
) -> None:
    """Hand over an RM's whole book to another RM (离职移交), with an audit record."""
    settings = Settings()
    _, sessions = _sessions(settings)
    day = _day(on, "--on")
    try:
        with sessions() as session:
            if preview:
                moved = assignments.preview_handover(session, _actor(), from_rm, to_rm, day)
                title = "preview (nothing changed)"
            else:
                handover_id, moved = assignments.handover(
                    session, _actor(), from_rm, to_rm, day, reason
                )
                title = f"handover {handover_id} done"
    except CrmError as error:
        raise fail(str(error)) from None
    console.print(
        f"{title}: {len(moved.customer_ids):,} customers, AUM {_wan(moved.aum_fen)} 万元, "
        f"{from_rm} → {to_rm} from {day}"
    )
    _export(pd.DataFrame({"客户号": moved.customer_ids}), xlsx)


@app.command("workload")
def workload_command(
    branch: Annotated[str | None, typer.Option(help="Only RMs of this branch_id.")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="Also write the table to this .xlsx.")] = None,
) -> None:
    """Customers and AUM (万元) per RM and tier (客户经理工作量)."""
    settings = Settings()
    _, sessions = _sessions(settings)
    with sessions() as session:
        rows = assignments.workload(session, _actor(), branch)
    table = Table(title="客户经理管户")
    for column in ("工号", "姓名", "层级", "客户数", "AUM（万元）"):
        table.add_column(column, justify="right" if column in ("客户数", "AUM（万元）") else "left")
    for r in rows:
        tier = LABELS_ZH.get(r.tier, r.tier) if r.tier else "—"
        table.add_row(r.employee_id, r.employee_name, tier, f"{r.customers:,}", _wan(r.aum_fen))
    console.print(table)
    _export(
        pd.DataFrame(
            {
                "工号": [r.employee_id for r in rows],
                "姓名": [r.employee_name for r in rows],
                "层级": [LABELS_ZH.get(r.tier or "", "") for r in rows],
                "客户数": [r.customers for r in rows],
                "AUM（万元）": [r.aum_fen / 1_000_000 for r in rows],
            }
        ),
        xlsx,
    )
