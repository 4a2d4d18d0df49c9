"""Retention of contact notes (on the hand-made outlets of tests/crm/test_tasks_branch.py) and
the data-subject export (on the synthetic branch of tests/crm/branch.py), through the service,
the API and the CLI; SQLite and PostgreSQL. Expected contents come from the extract's CSV
files and from rows the tests add themselves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from bankcrm.cli import app as cli
from bankcrm.crm.warehouse_reads import month_history
from bankcrm.domain.actor import SYSTEM, Actor, Role
from bankcrm.domain.errors import BadRequest, Forbidden, NotFound
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security.masking import unmask
from bankcrm.security.privacy import PURGED, purge_contact_notes, subject_export
from bankcrm.store.models import Contact, CounterSession, DoNotContact, Need
from tests.crm.branch import CrmStore, branch_extract, branch_template, crm  # noqa: F401
from tests.crm.test_tasks_branch import Branch, load_branch
from tests.security.privacy_support import (
    Cast,
    add_user,
    app_for,
    audit_rows,
    bearer,
    cast,
    detail,
)

# --- retention ---------------------------------------------------------------------------

YEAR = SecuritySettings(contact_note_retention_days=365)
TODAY = date(2025, 1, 1)  # 365 days before is 2024-01-02 (2024 is a leap year): the cutoff


@pytest.fixture
def branch(store: Engine, tmp_path: Path) -> Branch:
    return load_branch(store, tmp_path)


def _contact(
    when: datetime,
    notes: str | None,
    next_step: str | None = None,
    customer_id: str = "C01",
    employee_id: str = "R1",
) -> Contact:
    return Contact(
        customer_id=customer_id,
        employee_id=employee_id,
        channel="call",
        occurred_at=when,
        outcome="reached",
        notes=notes,
        next_step=next_step,
        created_by="r1",
        created_at=when,
        version=1,
    )


def test_notes_past_retention_are_erased_and_the_facts_kept(branch: Branch) -> None:
    cases = {
        "old": _contact(datetime(2023, 12, 31, 9), "客户说下月到期转理财", "月底回访"),
        "last_moment": _contact(datetime(2024, 1, 1, 23, 59), "电话 13812345678"),
        "next_step_only": _contact(datetime(2023, 6, 1), None, "寄送资料"),
        "at_cutoff": _contact(datetime(2024, 1, 2, 0, 0), "保留期限内"),
        "recent": _contact(datetime(2024, 12, 1), "近期备注"),
    }
    with branch.session() as s:
        s.add_all(cases.values())
        s.commit()
        ids = {k: c.id for k, c in cases.items()}
        # The two contacts of the branch itself (2024) have no notes: untouched either way.
        assert purge_contact_notes(s, SYSTEM, TODAY, YEAR) == 3
        assert purge_contact_notes(s, SYSTEM, TODAY, YEAR) == 0  # idempotent
        got = {k: s.get(Contact, i) for k, i in ids.items()}
        [first, second] = audit_rows(s, "contact.notes_purged")
    seen = {k: (c.notes, c.next_step, c.version) for k, c in got.items() if c}
    assert seen == {
        "old": (PURGED, None, 2),
        "last_moment": (PURGED, None, 2),
        "next_step_only": (None, None, 2),  # no notes were taken: none are invented
        "at_cutoff": ("保留期限内", None, 1),
        "recent": ("近期备注", None, 1),
    }
    old = got["old"]
    assert old is not None
    assert (old.customer_id, old.employee_id, old.channel, old.outcome, old.occurred_at) == (
        "C01",
        "R1",
        "call",
        "reached",
        datetime(2023, 12, 31, 9),
    )
    assert detail(first) == {"contacts": 3, "before": "2024-01-02", "retention_days": 365}
    assert detail(second)["contacts"] == 0


def test_only_the_operator_purges(branch: Branch) -> None:
    with branch.session() as s, pytest.raises(Forbidden):
        purge_contact_notes(s, Actor("m1", Role.BRANCH_MANAGER, branch_id="O1"), TODAY, YEAR)


# --- data-subject export -----------------------------------------------------------------


@pytest.fixture
def people(crm: CrmStore) -> Cast:  # noqa: F811  (the fixture)
    return cast(crm)


def _manager(c: Cast) -> Actor:
    return Actor("bm1", Role.BRANCH_MANAGER, employee_id=c.manager, branch_id=c.manager_branch)


def _add_records(crm: CrmStore, c: Cast) -> None:  # noqa: F811  (the fixture's type)
    """What the CRM holds about the customer beyond the extract: a contact, a need, the
    do-not-contact entry, a counter visit, and an earlier unmasking (an audit record)."""
    cid = c.rm_customer
    with crm.sessions() as s:
        s.add(_contact(datetime(2020, 11, 3, 10), "想了解大额存单", None, cid, c.rm))
        s.add(
            Need(
                customer_id=cid,
                need_code="wealth",
                status="open",
                notes="五年期",
                employee_id=c.rm,
                recorded_by="rm1",
                recorded_at=datetime(2020, 11, 3),
                updated_at=datetime(2020, 11, 3),
                version=1,
            )
        )
        s.add(DoNotContact(customer_id=cid, recorded_on=date(2020, 12, 1), recorded_by="rm1"))
        s.add(
            CounterSession(
                session_id="S-1",
                customer_id=cid,
                teller="te1",
                terminal_id="T9",
                branch_id=c.manager_branch,
                started_at=datetime(2020, 12, 2, 9),
            )
        )
        s.commit()
        rm = Actor("rm1", Role.RELATIONSHIP_MANAGER, employee_id=c.rm)
        unmask(s, rm, cid, ["phone"], "客户来电核实身份")
        with pytest.raises(NotFound):  # refused, and audited: a record about another customer
            unmask(s, rm, c.outside, ["phone"], "看看别的客户")


def test_the_export_holds_everything_about_the_customer(
    crm: CrmStore,  # noqa: F811
    people: Cast,
) -> None:
    c, cid = people, people.rm_customer
    _add_records(crm, c)
    with crm.sessions() as s:
        export = subject_export(s, _manager(c), crm.warehouse, cid, " 客户书面申请 #2021-07 ")
        records = audit_rows(s, "customer.subject_export")
    clear = c.customers.loc[cid]
    profile = export["profile"]
    assert (profile["name"], profile["id_number"], profile["phone"]) == (
        clear["name"],
        clear["id_number"],
        clear["phone"],
    )  # in clear: the export is for the customer
    accounts = pd.read_csv(crm.extract / "accounts.csv", dtype=str)
    assert {a["account_id"] for a in export["accounts"]} == set(
        accounts.loc[accounts["customer_id"] == cid, "account_id"]
    )
    assignments = pd.read_csv(crm.extract / "assignments.csv", dtype=str)
    assert [a["employee_id"] for a in export["assignments"]] == list(
        assignments.loc[assignments["customer_id"] == cid].sort_values("start_on")["employee_id"]
    )
    months = month_history(crm.warehouse, cid)  # the 360's own reader: an independent path
    assert [m["as_of"] for m in export["months"]] == [m.as_of.isoformat() for m in months]
    assert [m["tier"] for m in export["months"]] == [m.tier for m in months]
    assert [x["notes"] for x in export["contacts"]] == ["想了解大额存单"]
    assert [(n["need_code"], n["notes"]) for n in export["needs"]] == [("wealth", "五年期")]
    assert export["do_not_contact"]["recorded_on"] == "2020-12-01"
    assert [v["session_id"] for v in export["counter_sessions"]] == ["S-1"]
    assert [(r["action"], r["actor"], r["outcome"]) for r in export["audit"]] == [
        ("customer.unmask", "rm1", "ok")
    ]  # the refused look at another customer is not theirs to see
    assert "hash" not in export["audit"][0]
    assert export["summary"]["customer_id"] == cid
    assert (export["customer_id"], export["reason"]) == (cid, "客户书面申请 #2021-07")
    json.dumps(export, ensure_ascii=False)  # JSON-ready as it is
    [record] = records
    assert (record.actor, record.customer_id, record.outcome) == ("bm1", cid, "ok")
    assert detail(record)["reason"] == "客户书面申请 #2021-07"
    assert detail(record)["sections"]["contacts"] == 1


def test_the_export_needs_the_permission_a_reason_and_the_scope(
    crm: CrmStore,  # noqa: F811
    people: Cast,
) -> None:
    c = people
    rm = Actor("rm1", Role.RELATIONSHIP_MANAGER, employee_id=c.rm)
    with crm.sessions() as s:
        with pytest.raises(Forbidden):
            subject_export(s, rm, crm.warehouse, c.rm_customer, "客户书面申请")
        with pytest.raises(BadRequest) as short:
            subject_export(s, _manager(c), crm.warehouse, c.rm_customer, "申请")
        assert short.value.field == "reason"
        with pytest.raises(NotFound):
            subject_export(s, _manager(c), crm.warehouse, c.outside, "客户书面申请")
        records = audit_rows(s, "customer.subject_export")
    assert [(r.actor, r.outcome, detail(r)["refused"]) for r in records] == [
        ("rm1", "denied", "permission"),
        ("bm1", "denied", "scope"),
    ]


@pytest.fixture
def api(crm: CrmStore, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:  # noqa: F811
    c = cast(crm)
    with crm.sessions() as s:
        user = add_user(s, "bm1", Role.BRANCH_MANAGER, c.manager, c.manager_branch)
        headers = bearer(s, user)
    with TestClient(app_for(crm, tmp_path)) as client:
        yield client, headers


def test_the_api_serves_the_export_as_json(
    api: tuple[TestClient, dict[str, str]], people: Cast
) -> None:
    client, headers = api
    url = f"/api/v1/customers/{people.rm_customer}/subject-export"
    answer = client.get(url, params={"reason": "客户书面申请"}, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["profile"]["id_number"] == people.customers.loc[people.rm_customer, "id_number"]
    missing = client.get(url, headers=headers)
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "reason"
    outside = client.get(
        f"/api/v1/customers/{people.outside}/subject-export",
        params={"reason": "客户书面申请"},
        headers=headers,
    )
    assert outside.status_code == 404
    assert people.customers.loc[people.outside, "id_number"] not in outside.text


@pytest.fixture
def env(crm: CrmStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CrmStore:  # noqa: F811
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANKCRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BANKCRM_DATABASE_URL", crm.url)
    monkeypatch.setenv("BANKCRM_WAREHOUSE_DIR", str(crm.warehouse.root))
    monkeypatch.setenv("BANKCRM_SECURITY__CONTACT_NOTE_RETENTION_DAYS", "365")
    return crm


def test_the_cli_exports_and_purges(env: CrmStore, people: Cast, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "subject.json"
    args = ["privacy", "export", people.rm_customer, "--reason", "客户书面申请", "--out", str(out)]
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["profile"]["phone"] == people.customers.loc[people.rm_customer, "phone"]
    refused = runner.invoke(cli, [*args[:3], "--reason", "x", "--out", str(out)])
    assert refused.exit_code == 1
    assert "reason" in refused.output
    with env.sessions() as s:
        s.add(_contact(datetime(2019, 3, 1), "旧备注", None, people.rm_customer, people.rm))
        s.commit()
    dry = runner.invoke(cli, ["privacy", "purge-notes", "--today", "2021-01-01", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 条" in dry.output
    with env.sessions() as s:
        assert s.scalars(select(Contact.notes)).all() == ["旧备注"]  # a dry run erases nothing
    purge = runner.invoke(cli, ["privacy", "purge-notes", "--today", "2021-01-01"])
    assert purge.exit_code == 0, purge.output
    assert "1 条" in purge.output
    with env.sessions() as s:
        notes = s.scalars(select(Contact.notes)).all()
        assert notes == [PURGED]
        [record] = audit_rows(s, "contact.notes_purged")
    assert record.actor.startswith("cli:")
