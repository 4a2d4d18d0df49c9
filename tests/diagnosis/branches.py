"""The demo and neutral branches of SCENARIO.md (10 000 customers, 2015-2020, seed 20201231),
generated and imported once per test session into the session's base temp folder, so the
diagnosis and report suites share them (each takes ~20 s to build; one pytest worker)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from bankcrm.analytics.base import Tables
from bankcrm.diagnosis.inputs import gather
from bankcrm.ingest.loader import Importer
from bankcrm.store.db import make_engine, upgrade
from bankcrm.synth import SynthOptions, generate
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse

Scenario = Literal["default", "neutral"]


@dataclass(frozen=True)
class Branch:
    """An imported synthetic branch: its data folder, the generator's truth, and the
    diagnosis input (analysis + extra families) at its last month-end."""

    data_dir: Path
    truth: dict[str, Any]
    data: dict[str, Any]

    @property
    def realised(self) -> dict[str, Any]:
        return self.truth["realised"]  # type: ignore[no-any-return]

    def tables(self) -> Tables:
        return Tables.load(connect("duckdb"), Warehouse(self.data_dir / "warehouse"))


_CACHE: dict[Scenario, Branch] = {}


def _build(root: Path, scenario: Scenario) -> None:
    options = SynthOptions(
        customers=10_000, start="2015-01", end="2020-12", seed=20201231, scenario=scenario
    )
    generate(root / "extract", options)
    data = root / "data"
    data.mkdir()
    engine = make_engine(f"sqlite:///{data / 'bankcrm.sqlite3'}")
    upgrade(engine)
    report = Importer(engine, Warehouse(data / "warehouse")).run(root / "extract")
    engine.dispose()
    assert report.ok, report.failed
    (root / "ready").touch()


def branch(factory: pytest.TempPathFactory, scenario: Scenario) -> Branch:
    """The scenario's branch, built on first use in this session."""
    if scenario in _CACHE:
        return _CACHE[scenario]
    root = factory.getbasetemp() / f"branch_{scenario}"
    if not (root / "ready").exists():
        root.mkdir(exist_ok=True)
        _build(root, scenario)
    truth = json.loads((root / "extract" / "_truth" / "scenario.json").read_text("utf-8"))
    tables = Tables.load(connect("duckdb"), Warehouse(root / "data" / "warehouse"))
    _CACHE[scenario] = Branch(root / "data", truth, gather(tables))
    return _CACHE[scenario]
