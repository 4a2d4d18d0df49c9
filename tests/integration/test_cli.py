"""The bankcrm command as a user runs it: generate, db upgrade, import, info; exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bankcrm.cli import app
from bankcrm.store.db import make_engine
from bankcrm.store.models import CustomerSummary

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANKCRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("BANKCRM_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps at the terminal width
    return tmp_path


def test_generate_upgrade_import_info(env: Path) -> None:
    out = env / "extract"
    result = runner.invoke(
        app,
        [
            "generate",
            "--out",
            str(out),
            "--customers",
            "200",
            "--start",
            "2020-01",
            "--end",
            "2020-06",
            "--seed",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "_truth" / "scenario.json").exists()

    result = runner.invoke(app, ["import", str(out)])
    assert result.exit_code == 1
    assert "bankcrm db upgrade" in result.output

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    report_path = env / "report.json"
    result = runner.invoke(
        app,
        ["import", str(out), "--report", str(report_path), "--rejects", str(env / "rejects.csv")],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    for name, t in report["tables"].items():
        assert t["read"] == t["accepted"] + t["rejected"], name
        assert set(t) >= {"read", "accepted", "rejected", "inserted", "updated", "unchanged"}
    customers = report["tables"]["customers"]["accepted"]
    # The CRM follows the import: every customer in the base at the last month-end is
    # summarised for search (the base = customer_month rows at 2020-06-30).
    summarised = int(result.stderr.split("CRM refreshed: ")[1].split(" customer summaries")[0])
    engine = make_engine(f"sqlite:///{env / 'data' / 'bankcrm.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CustomerSummary)).scalar() == (
            summarised
        )
    engine.dispose()
    assert 0 < summarised <= customers

    result = runner.invoke(app, ["info", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["tables"]["customers"] == {"store": customers, "warehouse": customers}
    assert info["store_url"].startswith("sqlite:///")
    assert "2020-06-30" in info["dates"]["balances month-ends"]
    months = info["tables"]["customer_month"]["warehouse"]

    result = runner.invoke(app, ["warehouse", "rebuild"], env={"BANKCRM_TIERS__GOLD": "1000"})
    assert result.exit_code == 0, result.output
    assert f"{months:,}" in result.output


def test_import_exit_code_when_a_file_cannot_be_read(env: Path) -> None:
    out = env / "extract"
    assert (
        runner.invoke(
            app,
            [
                "generate",
                "--out",
                str(out),
                "--customers",
                "50",
                "--start",
                "2020-01",
                "--end",
                "2020-03",
            ],
        ).exit_code
        == 0
    )
    text = (out / "customers.csv").read_text(encoding="utf-8")
    (out / "customers.csv").write_bytes(text.encode("gbk"))
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["import", str(out)])
    assert result.exit_code == 2
    assert "customers.csv" in result.output
    result = runner.invoke(app, ["import", str(out), "--encoding", "gbk"])
    assert result.exit_code == 0, result.output


def test_info_hides_the_database_password(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bankcrm.config import Settings  # noqa: PLC0415

    monkeypatch.setenv(
        "BANKCRM_DATABASE_URL", "postgresql+psycopg://crm:s3cret@db.example:5432/crm"
    )
    assert "s3cret" not in Settings().store_url_safe
    assert "***" in Settings().store_url_safe


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("BANKCRM_DIAGNOSIS__DORMANT_SHARE", "7", "diagnosis.dormant_share"),
        ("BANKCRM_TIERS__GOLD", "abc", "tiers.gold"),
    ],
)
def test_a_bad_setting_is_one_clear_line_for_any_command(
    env: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    for command in (["info"], ["analyze"], ["diagnose"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1, result.output
        assert f"bad setting {named} ({variable})" in result.stderr
        assert "Traceback" not in result.output
