"""管理 in a real browser: the administrator imports an extract with rejects (uploaded as a zip)
and downloads them, creates a login whose password is shown once; the auditor finds those
actions in the audit log, exports it and verifies the chain."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from bankcrm.synth import SynthOptions, generate
from tests.web.conftest import Server, fill, shot


@pytest.fixture(scope="module")
def dirty_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The served branch's own extract (same seed and size) with 2 % bad rows added: the
    clean rows change nothing, so other screens' tests see the same data."""
    folder = tmp_path_factory.mktemp("dirty")
    options = SynthOptions(customers=400, start="2019-01", end="2020-12", seed=7, dirty=0.02)
    generate(folder / "extract", options)
    shutil.rmtree(folder / "extract" / "_truth", ignore_errors=True)
    return Path(shutil.make_archive(str(folder / "extract"), "zip", folder, "extract"))


def _latest_run(server: Server) -> tuple[int, str, dict[str, object]]:
    with sqlite3.connect(server.data / "bankcrm.sqlite3") as db:
        run_id, operator, report = db.execute(
            "SELECT id, operator, report FROM import_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return run_id, operator, json.loads(report)


def _audit_search(page: object, actor: str, action: str) -> str:
    fill(page, "audit-actor", actor)
    fill(page, "audit-action", action)
    page.get_by_test_id("audit-search").click()  # type: ignore[attr-defined]
    page.get_by_test_id("audit-message").get_by_text("找到").wait_for()  # type: ignore[attr-defined]
    text: str = page.get_by_test_id("audit-table").inner_text()  # type: ignore[attr-defined]
    return text


def test_admin_imports_an_extract_with_rejects_and_the_auditor_sees_it(
    server: Server, open_page: Callable[..., object], dirty_zip: Path
) -> None:
    page = open_page("demo_admin")
    page.goto(f"{server.url}/admin")  # type: ignore[attr-defined]
    page.get_by_test_id("tab-imports").click()  # type: ignore[attr-defined]
    upload = page.locator('[data-testid="import-upload"] input[type=file]')  # type: ignore[attr-defined]
    upload.set_input_files(str(dirty_zip))
    summary = page.get_by_test_id("import-summary")  # type: ignore[attr-defined]
    summary.wait_for(timeout=180_000)  # a bound on a loaded machine, not a speed assertion
    run_id, operator, report = _latest_run(server)
    tables = report["tables"]
    assert isinstance(tables, dict)
    rejected = sum(t["rejected"] for t in tables.values())
    assert rejected > 0
    assert operator == "web:demo_admin"
    assert summary.inner_text().startswith(f"导入批次 {run_id}")
    assert f"拒绝 {rejected:,} 行" in summary.inner_text()
    shot(page, "admin-import")
    with page.expect_download() as downloading:  # type: ignore[attr-defined]
        page.get_by_test_id("import-rejects").click()  # type: ignore[attr-defined]
    lines = Path(downloading.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].replace('"', "") == "file,line,column,value,reason,detail"
    assert len(lines) - 1 >= rejected  # one line per rejected value, at least one per row
    personal = [
        row
        for row in csv.reader(lines[1:])
        if row[0] == "customers.csv" and row[2] in ("id_number", "phone", "name", "address")
    ]
    assert all("*" in row[3] for row in personal if row[3])  # masked as in every output
    assert page.get_by_test_id("import-runs").get_by_text(str(run_id), exact=True).count() == 1  # type: ignore[attr-defined]

    auditor = open_page("demo_auditor")
    auditor.goto(f"{server.url}/admin")  # type: ignore[attr-defined]
    found = _audit_search(auditor, "demo_admin", "import.")
    assert "import.run" in found
    assert f"import_run:{run_id}" in found
    assert "import.rejects" in found  # the download is in the trail too


def test_admin_creates_a_login_and_the_auditor_finds_and_verifies(
    server: Server, open_page: Callable[..., object]
) -> None:
    page = open_page("demo_admin")
    page.goto(f"{server.url}/admin")  # type: ignore[attr-defined]
    page.get_by_test_id("user-table").get_by_text("demo_teller").wait_for()  # type: ignore[attr-defined]
    shot(page, "admin-users")
    page.get_by_test_id("tab-settings").click()  # type: ignore[attr-defined]
    ladder = page.get_by_test_id("tier-ladder")  # type: ignore[attr-defined]
    assert "5.00万元" in ladder.inner_text()  # the gold bound in force, 50 000 yuan
    assert "600.00万元" in ladder.inner_text()  # private banking, 6 000 000 yuan
    assert "存款" in page.get_by_test_id("counter-policy").inner_text()  # type: ignore[attr-defined]
    shot(page, "admin-settings")
    page.get_by_test_id("tab-users").click()  # type: ignore[attr-defined]
    page.get_by_test_id("user-new").click()  # type: ignore[attr-defined]
    fill(page, "new-username", "w3.analyst")
    page.get_by_test_id("new-role").click()  # type: ignore[attr-defined]
    page.get_by_role("option", name="分析员").click()  # type: ignore[attr-defined]
    page.get_by_test_id("new-create").click()  # type: ignore[attr-defined]
    password = page.get_by_test_id("new-password").inner_text().strip()  # type: ignore[attr-defined]
    assert len(password) >= 10
    page.get_by_text("我已记下").click()  # type: ignore[attr-defined]
    fill(page, "user-search", "w3.")
    page.get_by_test_id("user-find").click()  # type: ignore[attr-defined]
    users = page.get_by_test_id("user-table")  # type: ignore[attr-defined]
    page.get_by_text("第 1 / 1 页，共 1 条").wait_for()  # type: ignore[attr-defined]
    users.locator("tbody tr").filter(has_text="w3.analyst").locator(".q-checkbox").click()
    page.get_by_test_id("user-reset").click()  # type: ignore[attr-defined]
    page.get_by_text("用户 w3.analyst 的初始密码（仅显示这一次）").wait_for()  # type: ignore[attr-defined]
    again = page.get_by_test_id("new-password").last.inner_text().strip()  # type: ignore[attr-defined]
    assert again != password  # a new random password, shown once more for the reset
    auditor = open_page("demo_auditor")
    auditor.goto(f"{server.url}/admin")  # type: ignore[attr-defined]
    found = _audit_search(auditor, "demo_admin", "user.")
    assert "user.create" in found
    assert "user.reset_password" in found
    assert "user:w3.analyst" in found
    shot(auditor, "admin-audit")
    with auditor.expect_download() as downloading:  # type: ignore[attr-defined]
        auditor.get_by_test_id("audit-export").click()  # type: ignore[attr-defined]
    assert downloading.value.suggested_filename == "audit-log.xlsx"
    data = io.BytesIO(Path(downloading.value.path()).read_bytes())
    sheet = openpyxl.load_workbook(data, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作人", "角色", "操作")
    assert ("demo_admin", "user.create") in {(r[1], r[3]) for r in rows[1:]}
    assert all(r[1] == "demo_admin" for r in rows[1:])  # the filters apply to the export
    auditor.get_by_test_id("audit-verify").click()  # type: ignore[attr-defined]
    auditor.get_by_test_id("audit-verdict").get_by_text("哈希链完整").wait_for()  # type: ignore[attr-defined]


def test_an_rm_cannot_administer(server: Server, open_page: Callable[..., object]) -> None:
    page = open_page("demo_rm")
    page.goto(f"{server.url}/admin")  # type: ignore[attr-defined]
    page.get_by_text("您的角色没有管理功能").wait_for()  # type: ignore[attr-defined]
    assert page.get_by_test_id("user-table").count() == 0  # type: ignore[attr-defined]


def test_the_auditor_screen_in_english(server: Server, open_page: Callable[..., object]) -> None:
    page = open_page("demo_auditor")
    page.context.add_cookies([{"name": "bankcrm_lang", "value": "en", "url": server.url}])  # type: ignore[attr-defined]
    page.goto(f"{server.url}/admin")  # type: ignore[attr-defined]
    page.get_by_test_id("tab-audit").get_by_text("Audit log").wait_for()  # type: ignore[attr-defined]
    fill(page, "audit-actor", "demo_auditor")
    fill(page, "audit-action", "auth.login")
    page.get_by_test_id("audit-search").click()  # type: ignore[attr-defined]
    page.get_by_test_id("audit-message").get_by_text("records found").wait_for()  # type: ignore[attr-defined]
    assert "auth.login" in page.get_by_test_id("audit-table").inner_text()  # type: ignore[attr-defined]
    fill(page, "audit-since", "yesterday")
    page.get_by_test_id("audit-search").click()  # type: ignore[attr-defined]
    page.get_by_text("Cannot read the date yesterday").wait_for()  # type: ignore[attr-defined]
    page.get_by_test_id("audit-verify").click()  # type: ignore[attr-defined]
    page.get_by_test_id("audit-verdict").get_by_text("Intact").wait_for()  # type: ignore[attr-defined]
