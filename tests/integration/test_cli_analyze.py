"""``bankcrm analyze`` as a user runs it: json, table and xlsx output, branch scope, and clear
errors with exit code 1 for bad input."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from bankcrm.cli import app
from bankcrm.ingest.loader import Importer
from bankcrm.store.db import make_engine, upgrade
from bankcrm.synth import SynthOptions, generate
from bankcrm.warehouse.layout import Warehouse

runner = CliRunner()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding an imported 300-customer, 2018-2020 extract (read-only)."""
    root = tmp_path_factory.mktemp("cli_analyze")
    data = root / "data"
    generate(root / "extract", SynthOptions(customers=300, start="2018-01", end="2020-12", seed=5))
    engine = make_engine(f"sqlite:///{data / 'bankcrm.sqlite3'}")
    data.mkdir(exist_ok=True)
    upgrade(engine)
    report = Importer(engine, Warehouse(data / "warehouse")).run(root / "extract")
    engine.dispose()
    assert report.ok, report.failed
    return data


@pytest.fixture
def env(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANKCRM_DATA_DIR", str(data_dir))
    monkeypatch.delenv("BANKCRM_DATABASE_URL", raising=False)
    monkeypatch.delenv("BANKCRM_WAREHOUSE_DIR", raising=False)
    monkeypatch.delenv("BANKCRM_ENGINE", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps at the terminal width
    return tmp_path


def test_json_to_stdout_and_file(env: Path) -> None:
    result = runner.invoke(app, ["analyze", "--format", "json", "--years", "2019-2020"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["definitions_version"] == 1
    assert data["year_ends"] == {"2019": "2019-12-31", "2020": "2020-12-31"}
    assert list(data["migration"]) == ["2019-2020"]
    assert re.fullmatch(r"-?\d+\.\d{2}", data["aum_bridge"]["2019-2020"]["end"])

    out = env / "out" / "analysis.json"
    result = runner.invoke(app, ["analyze", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["as_of"] == "2020-12-31"


def test_branch_scope_with_per_outlet(env: Path, data_dir: Path) -> None:
    everyone = json.loads(runner.invoke(app, ["analyze", "--format", "json"]).stdout)
    result = runner.invoke(app, ["analyze", "--format", "json", "--branch", "B0100"])
    assert result.exit_code == 0, result.output
    scoped = json.loads(result.stdout)
    tiers = scoped["structure"]["2020"]["tier"]
    total = sum(r["customers"] for r in tiers)
    assert 0 < total <= sum(r["customers"] for r in everyone["structure"]["2020"]["tier"])
    assert sum(o["customers"] for o in scoped["per_outlet"]) == total
    assert sum(Decimal(o["aum"]) for o in scoped["per_outlet"]) == sum(
        Decimal(r["aum"]) for r in tiers
    )


@pytest.mark.spark
def test_pyspark_engine_gives_the_same_json(env: Path, spark: Any) -> None:
    """``--engine pyspark`` runs the same metrics on Spark (the session's one local Spark):
    the whole JSON, branch scope and per-outlet rows included, equals DuckDB's. One year-end
    keeps it short: Spark in local mode takes seconds per query even on tiny data, and the
    between-year families run on Spark in tests/analytics already."""
    args = ["analyze", "--format", "json", "--years", "2020", "--branch", "B0100"]
    duck = runner.invoke(app, [*args, "--engine", "duckdb"])
    assert duck.exit_code == 0, duck.output
    on_spark = runner.invoke(app, [*args, "--engine", "pyspark"])
    assert on_spark.exit_code == 0, on_spark.output
    assert json.loads(on_spark.stdout) == json.loads(duck.stdout)
    assert json.loads(duck.stdout)["per_outlet"]


def test_table_in_chinese_and_english(env: Path) -> None:
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 0, result.output
    assert "万元" in result.stdout
    assert "客户结构" in result.stdout
    assert "层级迁移" in result.stdout
    result = runner.invoke(app, ["analyze", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Tier migration" in result.stdout


def test_xlsx(env: Path) -> None:
    out = env / "analysis.xlsx"
    result = runner.invoke(app, ["analyze", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert "客户结构" in book.sheetnames
    assert "资产变动分解" in book.sheetnames
    assert book["客户结构"]["A1"].value == "年份"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2020-13-01"], "--as-of"),
        (["--years", "2020-2016"], "--years"),
        (["--years", "twenty"], "--years"),
        (["--branch", "NOPE"], "NOPE"),
        (["--as-of", "1999-12-31"], "1999-12-31"),
        (["--years", "2030-2031"], "year"),
        (["--format", "xlsx"], "--out"),
    ],
)
def test_bad_input_is_a_clear_error(env: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["analyze", *args])
    assert result.exit_code == 1, result.output
    assert "error" in result.output
    assert message in result.output


def test_no_data_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANKCRM_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 1, result.output
    assert "import an extract" in result.output
