"""The CRM commands as a user runs them: search, assign, handover, workload, summaries."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from bankcrm.cli import app
from tests.crm.branch import CrmStore

runner = CliRunner()


@pytest.fixture
def env(crm: CrmStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CrmStore:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANKCRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BANKCRM_DATABASE_URL", crm.url)
    monkeypatch.setenv("BANKCRM_WAREHOUSE_DIR", str(crm.warehouse.root))
    return crm


def test_search_shows_wan_and_exports(env: CrmStore, tmp_path: Path) -> None:
    customers = pd.read_csv(env.extract / "customers.csv", dtype=str)
    cid = customers["customer_id"].iloc[0]
    out = tmp_path / "hits.xlsx"
    result = runner.invoke(app, ["search", cid, "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    assert cid in result.output
    assert "万元" in result.output
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    assert sheet["A2"].value == cid
    empty = runner.invoke(app, ["search", "  "])
    assert empty.exit_code == 1
    assert "q: the search text is empty" in empty.output


def test_handover_preview_changes_nothing_then_moves(env: CrmStore) -> None:
    rows = pd.read_csv(env.extract / "assignments.csv", dtype=str).query("end_on != end_on")
    books = rows.groupby("employee_id")["customer_id"].count()
    rm_from = books.idxmax()
    employees = pd.read_csv(env.extract / "employees.csv", dtype=str)
    rm_to = next(
        e
        for e in employees.query("role == 'relationship_manager' and left_on != left_on")[
            "employee_id"
        ]
        if e != rm_from
    )
    args = ["handover", "--from", rm_from, "--to", rm_to, "--on", "2021-01-15"]
    preview = runner.invoke(app, [*args, "--preview"])
    assert preview.exit_code == 0, preview.output
    assert f"preview (nothing changed): {books[rm_from]} customers" in preview.output
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert f"{books[rm_from]} customers" in done.output
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert "from_employee_id" in again.output


def test_assign_errors_name_the_field(env: CrmStore) -> None:
    cid = pd.read_csv(env.extract / "customers.csv", dtype=str)["customer_id"].iloc[0]
    result = runner.invoke(app, ["assign", cid, "E99999", "--on", "2021-01-15"])
    assert result.exit_code == 1
    assert "employee_id: employee E99999 not found" in result.output
    bad_day = runner.invoke(app, ["assign", cid, "E99999", "--on", "15/01/2021"])
    assert bad_day.exit_code == 1
    assert "bad --on" in bad_day.output


def test_workload_and_summaries(env: CrmStore, tmp_path: Path) -> None:
    out = tmp_path / "workload.xlsx"
    result = runner.invoke(app, ["workload", "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_excel(out)
    current = pd.read_csv(env.extract / "assignments.csv", dtype=str).query("end_on != end_on")
    assert frame["客户数"].sum() == len(current)
    refreshed = runner.invoke(app, ["summaries"])
    assert refreshed.exit_code == 0, refreshed.output
    assert "customer summaries refreshed" in refreshed.output
