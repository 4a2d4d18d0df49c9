"""``bankcrm audit verify|search|export``: the audit trail (审计日志) from the server's shell.

The commands run as the system actor, with the operating-system user as the record's source
(``cli:<user>``); each use is itself audited, as through the API."""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from bankcrm.cli.app import app, console, emit_json, fail, operator, store_session
from bankcrm.config import Settings
from bankcrm.security import audit_query
from bankcrm.security.audit_query import AuditFilter, ExportFormat

audit_app = typer.Typer(help="The hash-chained audit trail (审计日志): verify, search, export.")
app.add_typer(audit_app, name="audit")


class ListFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


ActorOpt = Annotated[str | None, typer.Option("--actor", help="Username, exactly.")]
ActionOpt = Annotated[
    str | None, typer.Option("--action", help="Action prefix, e.g. counter.cache.")
]
CustomerOpt = Annotated[str | None, typer.Option("--customer", help="customer_id.")]
OutcomeOpt = Annotated[str | None, typer.Option("--outcome", help="ok, denied or failed.")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="First day, YYYY-MM-DD (UTC).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Last day, YYYY-MM-DD (UTC).")]
TextOpt = Annotated[str | None, typer.Option("--text", help="Text in the detail.")]


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"bad {option} {text!r}: expected YYYY-MM-DD") from None


def _filter(
    actor: str | None,
    action: str | None,
    customer: str | None,
    outcome: str | None,
    since: str | None,
    until: str | None,
    text: str | None,
) -> AuditFilter:
    return AuditFilter(
        actor, action, customer, outcome, _day(since, "--since"), _day(until, "--until"), text
    )


@audit_app.command("verify")
def verify_command(
    expect_tip: Annotated[
        str | None,
        typer.Option(help="A tip hash kept elsewhere earlier: it must still be in the chain."),
    ] = None,
) -> None:
    """Check the whole chain: exit 0 when intact, 1 naming the first broken record."""
    with store_session(Settings()) as session:
        result = audit_query.check(session, operator(), expect_tip)
    if result.first_break is not None:
        raise fail(
            f"审计日志校验失败 audit log BROKEN at seq {result.first_break.seq}: "
            f"{result.first_break.reason} ({result.records:,} records intact before it)"
        )
    anchored = f", expected tip found at seq {result.anchor_seq}" if result.anchor_seq else ""
    console.print(
        f"[green]审计日志完整 audit log intact: {result.records:,} records, "
        f"tip seq {result.tip_seq or 0} hash {result.tip_hash}{anchored}[/green]",
        soft_wrap=True,
    )


@audit_app.command("search")
def search_command(
    actor: ActorOpt = None,
    action: ActionOpt = None,
    customer: CustomerOpt = None,
    outcome: OutcomeOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    text: TextOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Newest records shown.")] = 50,
    format: Annotated[ListFormat, typer.Option(help="Output form.")] = ListFormat.TABLE,
) -> None:
    """Find audit records, newest first (审计查询)."""
    filters = _filter(actor, action, customer, outcome, since, until, text)
    with store_session(Settings()) as session:
        found = audit_query.search(session, operator(), filters, 1, limit)
    if format is ListFormat.JSON:
        emit_json(
            {
                "total": found.total,
                "items": [{**dataclasses.asdict(e), "at": e.at.isoformat()} for e in found.entries],
            },
            None,
        )
        return
    table = Table(
        title=f"审计记录 audit records {len(found.entries):,} / {found.total:,}",
        box=box.SIMPLE_HEAD,
    )
    for header in ("序号", "时间", "操作人", "操作", "客户号", "结果"):
        table.add_column(header, overflow="fold", max_width=22)
    table.add_column("详情", overflow="fold", ratio=1)  # what the record is about: the rest
    for entry in found.entries:
        at, who, _role, action, _target, customer, outcome, detail, _client = audit_query.cells(
            entry
        )
        table.add_row(str(entry.seq), at, who, action, customer, outcome, detail)
    console.print(table)


@audit_app.command("export")
def export_command(
    out: Annotated[Path, typer.Option("--out", help="FILE.xlsx or FILE.csv.")],
    actor: ActorOpt = None,
    action: ActionOpt = None,
    customer: CustomerOpt = None,
    outcome: OutcomeOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    text: TextOpt = None,
) -> None:
    """Write the matching records, newest first, to XLSX or CSV (审计导出)."""
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in set(ExportFormat):
        raise fail(f"bad --out {str(out)!r}: the file must end in .xlsx or .csv")
    filters = _filter(actor, action, customer, outcome, since, until, text)
    with store_session(Settings()) as session:
        rows = audit_query.export(session, operator(), filters, out, ExportFormat(suffix))
    console.print(f"{rows:,} audit records written to {out}")
