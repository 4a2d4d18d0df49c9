"""The ``tasks``, ``segments`` and ``campaigns`` commands over the hand-made outlets (SQLite):
thin wiring, so each is checked for its figures and its error messages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from bankcrm.cli import app
from bankcrm.store.db import make_engine, upgrade
from tests.crm.test_tasks_branch import Branch, load_branch

runner = CliRunner()
GOLD_UP = {"field": "tier", "op": "in", "value": ["gold", "platinum", "diamond", "private"]}


def counts(output: str, rule: str) -> list[str]:
    """The two figures (fired, created) of a rule's row in the generate table."""
    row = next(line for line in output.splitlines() if f" {rule} " in line)
    return re.findall(r"\d+", row)[-2:]


@pytest.fixture
def cli_branch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Branch:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(engine)
    branch = load_branch(engine, tmp_path)
    monkeypatch.setenv("BANKCRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BANKCRM_DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite3'}")
    monkeypatch.setenv("BANKCRM_WAREHOUSE_DIR", str(branch.warehouse.root))
    monkeypatch.setenv("COLUMNS", "200")
    return branch


def test_tasks_generate_twice_then_list(cli_branch: Branch, tmp_path: Path) -> None:
    first = runner.invoke(app, ["tasks", "generate", "--as-of", "2024-06-30"])
    assert first.exit_code == 0, first.output
    # The birthday row: 3 customers fired, 3 tasks created (tests/crm/test_tasks.py).
    assert counts(first.output, "birthday") == ["3", "3"]
    again = runner.invoke(app, ["tasks", "generate", "--as-of", "2024-06-30"])
    assert counts(again.output, "birthday") == ["3", "0"]
    listed = runner.invoke(
        app, ["tasks", "list", "--employee", "R1", "--out", str(tmp_path / "t.xlsx")]
    )
    assert listed.exit_code == 0
    assert "共 5 条" in listed.output
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert sheet is not None
    assert sheet.max_row == 6


def test_segments_preview_save_export(cli_branch: Branch, tmp_path: Path) -> None:
    rule = json.dumps(GOLD_UP)
    shown = runner.invoke(app, ["segments", "preview", "--rule", rule, "--as-of", "2024-06-30"])
    assert shown.exit_code == 0, shown.output
    assert "403.40 万元" in shown.output  # 4 034 000 yuan
    saved = runner.invoke(app, ["segments", "save", "--name", "高端", "--rule", rule])
    assert saved.exit_code == 0, saved.output
    assert "客群 #1 高端：6 位客户" in saved.output
    out = tmp_path / "seg.xlsx"
    assert runner.invoke(app, ["segments", "export", "1", "--out", str(out)]).exit_code == 0
    assert out.exists()
    bad = runner.invoke(app, ["segments", "preview", "--rule", '{"field": "x", "op": "eq"}'])
    assert bad.exit_code == 1
    assert "unknown field 'x'" in bad.output


def test_campaigns_create_detect_results(cli_branch: Branch, tmp_path: Path) -> None:
    spec = {
        "name": "理财新客",
        "rule": GOLD_UP,
        "as_of": "2024-06-30",
        "start_on": "2024-07-01",
        "product_type": "wealth_management",
        "goal_aum_yuan": 50000,
        "control_share": 0,
        "seed": 3,
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    made = runner.invoke(app, ["campaigns", "create", "--spec", f"@{tmp_path / 'spec.json'}"])
    assert made.exit_code == 0, made.output
    assert "目标组：4" in made.output
    assert "未授权营销：1" in made.output
    detected = runner.invoke(app, ["campaigns", "detect", "--as-of", "2024-07-31"])
    assert "新识别转化 2" in detected.output
    shown = runner.invoke(app, ["campaigns", "results", "1"])
    assert "2/4（50.00%）" in shown.output
    missing = runner.invoke(app, ["campaigns", "results", "9"])
    assert missing.exit_code == 1
    assert "campaign 9 not found" in missing.output
