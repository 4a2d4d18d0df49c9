"""``bankcrm audit verify|search|export`` as an operator runs them (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import getpass
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from bankcrm.cli import app
from bankcrm.domain.actor import Actor, Role
from bankcrm.security import audit
from bankcrm.store.db import session_factory
from bankcrm.store.models import AuditRecord

runner = CliRunner()
RM = Actor("rm-1", Role.RELATIONSHIP_MANAGER)
TELLER = Actor("teller-1", Role.TELLER)


@pytest.fixture
def chain(store: Engine, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A store holding three records (rm-1, teller-1, rm-1), which the CLI is pointed at."""
    monkeypatch.setenv("BANKCRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BANKCRM_DATABASE_URL", store_url)
    with session_factory(store)() as session:
        for i, actor in enumerate((RM, TELLER, RM)):
            audit.record(session, actor, "customer.view", customer_id=f"C{i}",
                         at=datetime(2026, 11, 2, 9, i))  # fmt: skip
        session.commit()
    return store


def tip(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(text("SELECT hash FROM audit_log WHERE seq = 3")))


def test_verify_intact_exits_0_with_count_and_tip(chain: Engine) -> None:
    anchored = tip(chain)
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"audit log intact: 3 records, tip seq 3 hash {anchored}" in result.output
    again = runner.invoke(app, ["audit", "verify", "--expect-tip", anchored])
    assert again.exit_code == 0, again.output
    assert "expected tip found at seq 3" in again.output


def test_verify_names_the_first_broken_record_and_exits_1(chain: Engine) -> None:
    with chain.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2"))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at seq 2: content does not match its hash: the record was edited" in (
        result.output
    )


def test_verify_finds_a_cut_tail_only_with_the_anchor(chain: Engine) -> None:
    anchored = tip(chain)
    with chain.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    # That verify appended its own record as a new seq 3: the anchored one is still gone.
    result = runner.invoke(app, ["audit", "verify", "--expect-tip", anchored])
    assert result.exit_code == 1
    assert "BROKEN at seq 4" in result.output
    assert f"the expected tip {anchored} is not in the chain" in result.output


def test_verify_refuses_a_malformed_anchor(chain: Engine) -> None:
    result = runner.invoke(app, ["audit", "verify", "--expect-tip", "abc"])
    assert result.exit_code == 1
    assert "expect_tip: must be a SHA-256 hash" in result.output


def test_verify_is_audited_as_the_operator_from_the_cli(chain: Engine) -> None:
    runner.invoke(app, ["audit", "verify"])
    with session_factory(chain)() as session:
        last = session.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
    assert last is not None
    assert (last.seq, last.actor, last.action, last.client) == (
        4, f"cli:{getpass.getuser()}", "audit.verify", f"cli:{getpass.getuser()}",
    )  # fmt: skip


def test_search_json_filters_by_actor(chain: Engine) -> None:
    result = runner.invoke(app, ["audit", "search", "--actor", "rm-1", "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["total"] == 2
    assert [(i["seq"], i["customer_id"]) for i in found["items"]] == [(3, "C2"), (1, "C0")]


def test_search_table_and_bad_date(chain: Engine) -> None:
    table = runner.invoke(app, ["audit", "search", "--customer", "C1", "--since", "2026-11-02"])
    assert table.exit_code == 0, table.output
    assert "audit records 1 / 1" in table.output
    assert "teller-1" in table.output
    assert "rm-1" not in table.output
    bad = runner.invoke(app, ["audit", "search", "--until", "2 Nov"])
    assert bad.exit_code == 1
    assert "bad --until '2 Nov': expected YYYY-MM-DD" in bad.output


def test_export_xlsx_and_csv(chain: Engine, tmp_path: Path) -> None:
    xlsx, csv_path = tmp_path / "out" / "audit.xlsx", tmp_path / "audit.csv"
    first = runner.invoke(app, ["audit", "export", "--out", str(xlsx), "--actor", "teller-1"])
    assert first.exit_code == 0, first.output
    assert "1 audit records written" in first.output
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet is not None
    assert [c.value for c in sheet[2]][:4] == [
        "2026-11-02 09:01:00",
        "teller-1",
        "柜员",
        "customer.view",
    ]
    second = runner.invoke(app, ["audit", "export", "--out", str(csv_path), "--customer", "C0"])
    assert second.exit_code == 0, second.output
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[1] for r in rows] == ["操作人", "rm-1"]


def test_export_refuses_another_file_type(chain: Engine, tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", "export", "--out", str(tmp_path / "a.pdf")])
    assert result.exit_code == 1
    assert "the file must end in .xlsx or .csv" in result.output
    assert not (tmp_path / "a.pdf").exists()
