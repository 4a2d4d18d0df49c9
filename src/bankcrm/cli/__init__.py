"""The ``bankcrm`` command line (Typer). Thin: parse, call one service, render with rich.

Each sibling module registers its commands on the one ``app`` when imported here."""

from bankcrm.cli import (  # noqa: F401  (registers the commands)
    analysis,
    audit,
    counter,
    crm,
    crm_work,
    data,
    diagnosis,
    models,
    privacy,
    serve,
    users,
)
from bankcrm.cli.app import app

__all__ = ["app"]
