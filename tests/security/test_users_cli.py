"""``bankcrm users ...`` as an operator runs them on the server, on the generated branch
(SQLite and PostgreSQL). Passwords printed by a command are checked by logging in with them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyotp
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bankcrm.cli import app
from bankcrm.cli.users import print_bootstrap_admin
from bankcrm.config import Settings
from bankcrm.domain.errors import Unauthenticated
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security.demo_users import DEMO_PASSWORD
from bankcrm.security.login import authenticate
from bankcrm.store.models import AuditRecord, User
from tests.crm.branch import CrmStore, branch_extract, branch_template, crm  # noqa: F401

runner = CliRunner()
SETTINGS = SecuritySettings()


@pytest.fixture
def env(crm: CrmStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CrmStore:  # noqa: F811
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANKCRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BANKCRM_DATABASE_URL", crm.url)
    monkeypatch.setenv("BANKCRM_WAREHOUSE_DIR", str(crm.warehouse.root))
    return crm


def run(*args: str, input: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def printed_password(output: str) -> str:
    """The line after the "shown once" notice."""
    lines = output.splitlines()
    return next(lines[i + 1] for i, line in enumerate(lines) if "shown once" in line).strip()


def can_log_in(env: CrmStore, username: str, password: str) -> bool:
    with env.sessions() as session:
        try:
            authenticate(session, username, password, SETTINGS, None)
        except Unauthenticated:
            return False
    return True


def test_create_with_a_generated_password_printed_once(env: CrmStore) -> None:
    staff = pd.read_csv(env.extract / "employees.csv", dtype=str)
    teller = staff[(staff["role"] == "teller") & staff["left_on"].isna()].iloc[0]
    out = run("users", "create", "zhao.min", "--role", "teller", "--employee", teller.employee_id)
    assert "created zhao.min (柜员, teller)" in out
    password = printed_password(out)
    assert can_log_in(env, "zhao.min", password)
    with env.sessions() as session:
        user = session.scalar(select(User).where(User.username == "zhao.min"))
        assert user is not None
        assert user.branch_id == teller.branch_id
        audit = session.scalar(select(AuditRecord).where(AuditRecord.action == "user.create"))
        assert audit is not None
        assert audit.client is not None
        assert audit.client.startswith("cli:")


def test_create_with_the_password_on_stdin_prints_none(env: CrmStore) -> None:
    out = run(
        "users", "create", "qian", "--role", "auditor", "--password-stdin", input="Tr1cky-Horse\n"
    )
    assert "Tr1cky-Horse" not in out
    assert "shown once" not in out
    assert can_log_in(env, "qian", "Tr1cky-Horse")


def test_refusals_are_one_clear_line(env: CrmStore) -> None:
    bad = runner.invoke(app, ["users", "create", "sun", "--role", "teller", "--employee", "E-X"])
    assert bad.exit_code == 1
    assert "employee_id: no employee E-X in the store" in bad.output
    weak = runner.invoke(
        app, ["users", "create", "sun", "--role", "analyst", "--password-stdin"], input="abc\n"
    )
    assert weak.exit_code == 1
    assert "password: use at least 10 characters" in weak.output
    missing = runner.invoke(app, ["users", "disable", "nobody"])
    assert missing.exit_code == 1
    assert "user nobody not found" in missing.output


def test_disable_enable_reset_and_list(env: CrmStore) -> None:
    run("users", "create", "root", "--role", "admin")
    first = printed_password(run("users", "create", "li", "--role", "analyst"))
    run("users", "disable", "li")
    assert not can_log_in(env, "li", first)
    listed = json.loads(run("users", "list", "--json"))
    assert [(u["username"], u["disabled"]) for u in listed] == [("li", True), ("root", False)]
    assert all("password_hash" not in u and "totp_secret" not in u for u in listed)
    run("users", "enable", "li")
    assert can_log_in(env, "li", first)
    second = printed_password(run("users", "reset-password", "li"))
    assert second != first
    assert can_log_in(env, "li", second)
    assert not can_log_in(env, "li", first)
    table = run("users", "list", "--search", "li")
    assert "li" in table
    assert "root" not in table
    assert "须改密" in table  # a reset password must be changed at the next login


def test_demo_prints_names_and_the_password(env: CrmStore) -> None:
    out = run("users", "demo")
    for name in ("demo_admin", "demo_manager", "demo_rm", "demo_teller", "demo_analyst"):
        assert name in out
        assert can_log_in(env, name, DEMO_PASSWORD)
    assert f"demo password: {DEMO_PASSWORD}" in out
    assert run("users", "demo") == out  # idempotent


def test_bootstrap_only_once(env: CrmStore) -> None:
    password = printed_password(run("users", "bootstrap"))
    assert can_log_in(env, "admin", password)
    again = runner.invoke(app, ["users", "bootstrap"])
    assert again.exit_code == 1
    assert "users exist already" in again.output


def test_totp_enrol_and_remove(env: CrmStore, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = pyotp.random_base32()
    # The secret is random and printed during the command; fix it so the test can answer.
    monkeypatch.setattr("bankcrm.security.totp.pyotp.random_base32", lambda: secret)
    run("users", "create", "root", "--role", "admin")
    wrong = runner.invoke(app, ["users", "totp-enrol", "root", "--code", "12345x"])
    assert wrong.exit_code == 1
    assert "code: the code is wrong" in wrong.output
    out = run("users", "totp-enrol", "root", input=pyotp.TOTP(secret).now() + "\n")
    assert f"secret: {secret}" in out
    assert "otpauth://totp/bankcrm:root" in out
    with env.sessions() as session:
        user = session.scalar(select(User).where(User.username == "root"))
        assert user is not None
        assert user.totp_secret == secret
    run("users", "totp-remove", "root")
    with env.sessions() as session:
        assert session.scalar(select(User.totp_secret).where(User.username == "root")) is None


def test_serve_bootstraps_the_first_admin_once(
    env: CrmStore, capsys: pytest.CaptureFixture[str]
) -> None:
    print_bootstrap_admin(Settings())
    first = capsys.readouterr().out
    assert "created the administrator 'admin'" in first
    assert can_log_in(env, "admin", printed_password(first))
    print_bootstrap_admin(Settings())
    assert capsys.readouterr().out == ""  # users exist: nothing printed
