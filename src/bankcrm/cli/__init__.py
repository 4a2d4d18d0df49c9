"""The ``bankcrm`` command line (Typer). Thin: parse, call one service, render with rich.

Each sibling module registers its commands on the one ``app`` when imported here."""

from bankcrm.cli import analysis, data, diagnosis  # noqa: F401  (registers the commands)
from bankcrm.cli.app import app

__all__ = ["app"]
