"""The ``bankcrm`` Typer app and what its commands share: consoles, option enums, the progress
bar, error exit, date parsing. The commands live in the sibling modules by area."""

from __future__ import annotations

import dataclasses
import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session

from bankcrm.config import Settings
from bankcrm.domain.actor import SYSTEM, Actor
from bankcrm.domain.errors import ServiceError
from bankcrm.store.db import is_current, make_engine, session_factory

app = typer.Typer(help="bankcrm: customer-relationship management for a bank branch network.")
db_app = typer.Typer(help="The store's schema (Alembic migrations).")
app.add_typer(db_app, name="db")
warehouse_app = typer.Typer(help="The Parquet warehouse and its derived tables.")
app.add_typer(warehouse_app, name="warehouse")
console = Console()
err = Console(stderr=True)


class Encoding(StrEnum):
    UTF8 = "utf-8"
    GBK = "gbk"
    GB18030 = "gb18030"


class ExtractFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


class Scenario(StrEnum):
    DEFAULT = "default"
    NEUTRAL = "neutral"


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    XLSX = "xlsx"


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"


@contextmanager
def progress() -> Iterator[Progress]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as bar:
        yield bar


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", soft_wrap=True)  # logs grep whole lines
    return typer.Exit(code=1)


def parse_as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"bad --as-of {text!r}: expected YYYY-MM-DD") from None


def parse_years(text: str | None) -> tuple[int, int] | None:
    """``2016-2020`` or ``2020``: an inclusive range of years."""
    if text is None:
        return None
    first, _, last = text.partition("-")
    if not (first.isdigit() and (last.isdigit() or not last)) or len(first) != 4:
        raise fail(f"bad --years {text!r}: expected YYYY or YYYY-YYYY, e.g. 2016-2020")
    years = (int(first), int(last or first))
    if years[0] > years[1]:
        raise fail(f"bad --years {text!r}: the first year is after the last")
    return years


def settings_error(error: ValidationError) -> str:
    """A bad setting named the way users set it: the key, its environment variable, why."""
    problems = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"])
        variable = "BANKCRM_" + "__".join(str(part).upper() for part in item["loc"])
        problems.append(f"{key} ({variable}): {item['msg']}, got {item.get('input')!r}")
    return "bad setting " + "; ".join(problems)


@app.callback()
def check_settings() -> None:
    """Every command starts with valid settings: a bad value is one clear line, not a trace."""
    try:
        Settings()
    except ValidationError as error:
        raise fail(settings_error(error)) from None


def emit_json(data: Any, out: Path | None) -> None:
    """JSON (UTF-8, Chinese as is) to stdout, or to ``out`` with its folder created."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")


def operator() -> Actor:
    """The acting user of a CLI command: the operator on the server, who already holds the
    store's credentials, so commands run unrestricted; the audit trail names the OS account."""
    who = f"cli:{getpass.getuser()}"
    return dataclasses.replace(SYSTEM, username=who, client=who)


@contextmanager
def store_session(settings: Settings) -> Iterator[Session]:
    """A session on the migrated store; a service's refusal ends the command with one line."""
    engine = make_engine(settings.store_url)
    try:
        if not is_current(engine):
            raise fail(
                f"the store at {settings.store_url_safe} has no schema: run `bankcrm db upgrade`"
            )
        with session_factory(engine)() as session:
            yield session
    except ServiceError as error:
        raise fail(str(error)) from None
    finally:
        engine.dispose()
