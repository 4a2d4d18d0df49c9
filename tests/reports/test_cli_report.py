"""``bankcrm diagnose`` and ``bankcrm report`` as a user runs them on the demo branch's data
folder: JSON and table output, the report files, and clear errors with exit code 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bankcrm.cli import app
from tests.diagnosis.branches import Branch

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture
def env(demo: Branch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANKCRM_DATA_DIR", str(demo.data_dir))
    for name in ("BANKCRM_DATABASE_URL", "BANKCRM_WAREHOUSE_DIR", "BANKCRM_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def test_diagnose_json(env: Path) -> None:
    result = runner.invoke(app, ["diagnose", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["as_of"] == "2020-12-31"
    codes = {f["code"]: f for f in payload["findings"]}
    assert {"AGING_BASE", "MATURITY_RUNOFF", "HIGH_VALUE_ATTRITION"} <= set(codes)
    aging = codes["AGING_BASE"]
    assert aging["severity"] in ("high", "medium")
    assert aging["evidence"][0]["threshold"] == 0.05
    assert aging["segment"]["age_band_in"] == ["<25", "25-34"]
    assert aging["actions_zh"]
    assert aging["actions_en"]
    assert aging["title_en"]
    severities = [f["severity"] for f in payload["findings"]]
    order = {"high": 0, "medium": 1, "low": 2}
    assert severities == sorted(severities, key=order.__getitem__)  # most severe first


def test_diagnose_table_in_chinese_and_english(env: Path) -> None:
    zh = runner.invoke(app, ["diagnose", "--as-of", "2019-12-31", "--branch", "B0100"])
    assert zh.exit_code == 0, zh.output
    assert "诊断结果" in zh.stdout
    assert "MATURITY_RUNOFF" in zh.stdout
    en = runner.invoke(app, ["diagnose", "--lang", "en"])
    assert en.exit_code == 0, en.output
    assert "Maturity run-off" in en.stdout


def test_report_writes_the_files_and_prints_the_path(env: Path) -> None:
    out = env / "out"
    result = runner.invoke(app, ["report", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out / "report.html")
    html = (out / "report.html").read_text("utf-8")
    assert "Customer-structure analysis" in html
    assert "<svg" in html
    # The appendix speaks the report's language too: English names and definitions.
    appendix = html[html.index('class="definitions"') :]
    assert "customer base" in appendix
    assert "not closed by it" in appendix
    assert "快照日" not in appendix
    assert (out / "report.xlsx").stat().st_size > 0
    assert not (out / "report.pdf").exists()  # only with --pdf


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["diagnose", "--as-of", "2020-13-01"], "bad --as-of"),
        (["diagnose", "--branch", "NOPE"], "no branch 'NOPE'"),
        (["diagnose", "--as-of", "2001-01-01"], "no month-end balances on or before 2001-01-01"),
        (["report", "--out", "x", "--branch", "NOPE"], "no branch 'NOPE'"),
    ],
)
def test_bad_input_is_a_clear_error(env: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "error:" in result.output
    assert message in result.output


def test_an_empty_warehouse_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANKCRM_DATA_DIR", str(tmp_path / "empty"))
    result = runner.invoke(app, ["diagnose"])
    assert result.exit_code == 1
    assert "import an extract" in result.output
