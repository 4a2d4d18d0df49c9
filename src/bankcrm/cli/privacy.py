"""Privacy commands (个人信息保护): erase contact notes past their retention, and export
everything held about one customer for a data-subject request (PIPL 查阅、复制).

The operator runs these on the server, with the store's own credentials: the acting user is
the operating-system user (``cli:<user>``) with the system's reach, and every run is audited
under that name."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from bankcrm.cli.app import app, console, emit_json, err, fail, operator
from bankcrm.config import Settings
from bankcrm.domain.errors import ServiceError
from bankcrm.security.privacy import purge_contact_notes, purge_count, retention_cutoff
from bankcrm.security.privacy import subject_export as export_subject
from bankcrm.store.db import is_current, make_engine, session_factory
from bankcrm.warehouse.layout import Warehouse

privacy_app = typer.Typer(help="Personal-data duties: retention of notes, data-subject export.")
app.add_typer(privacy_app, name="privacy")


def _sessions(settings: Settings) -> sessionmaker[Session]:
    engine = make_engine(settings.store_url)
    if not is_current(engine):
        raise fail(
            f"the store at {settings.store_url_safe} has no schema: run `bankcrm db upgrade`"
        )
    return session_factory(engine)


def _today(text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"bad --today {text!r}: expected YYYY-MM-DD") from None


@privacy_app.command("purge-notes")
def purge_notes(
    today: Annotated[
        str | None, typer.Option(help="The day to count retention from, YYYY-MM-DD.")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Only count; erase nothing.")] = False,
) -> None:
    """Erase the free-text notes of contacts older than security.contact_note_retention_days
    (清除超过保留期限的联系记录备注); who, when, channel and outcome stay."""
    settings = Settings()
    day = _today(today)
    cutoff = retention_cutoff(day, settings.security).date()
    with _sessions(settings)() as session:
        if dry_run:
            n = purge_count(session, day, settings.security)
            console.print(f"{cutoff} 之前的联系记录中有 {n:,} 条备注将被清除（未执行）")
            return
        try:
            n = purge_contact_notes(session, operator(), day, settings.security)
        except ServiceError as error:
            raise fail(str(error)) from None
    console.print(
        f"已清除 {cutoff} 之前 {n:,} 条联系记录的备注（保留期限 "
        f"{settings.security.contact_note_retention_days} 天）"
    )


@privacy_app.command("export")
def export(
    customer_id: Annotated[str, typer.Argument(help="The customer's customer_id.")],
    reason: Annotated[str, typer.Option(help="Why (the request's reference): audited.")],
    out: Annotated[Path, typer.Option(help="The .json file to write.")],
) -> None:
    """Write everything held about one customer to a JSON file (个人信息查阅/复制)."""
    settings = Settings()
    with _sessions(settings)() as session:
        try:
            data = export_subject(
                session, operator(), Warehouse(settings.warehouse_path), customer_id, reason
            )
        except ServiceError as error:
            raise fail(str(error)) from None
    emit_json(data, out)
    sizes = ", ".join(f"{k} {len(v)}" for k, v in data.items() if isinstance(v, list))
    err.print(f"客户 {customer_id} 的个人信息已写入 {out}（{sizes}）")
