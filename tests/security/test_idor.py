"""Insecure direct object references: one RM reaching another RM's customer by id, by search,
through a segment and via an export; a manager reaching outside their subtree. Every attempt
answers as if the customer did not exist (404) or leaves them out, and nothing changes."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bankcrm.api.app import create_app
from bankcrm.crm import contacts, needs
from bankcrm.crm.contacts import ContactChannel, ContactInput, ContactOutcome
from bankcrm.domain.actor import SYSTEM, Role
from bankcrm.domain.crm_settings import CrmSettings
from bankcrm.store.models import Assignment, Contact, Customer, Need, Task
from tests.api.conftest import settings_for
from tests.auth_helpers import auth_headers
from tests.crm.branch import CrmStore

V1 = "/api/v1"
ALL_TIERS = {"field": "tier", "op": "in", "value": ["standard", "gold", "platinum", "diamond",
                                                   "private"]}  # fmt: skip


def _csv(crm: CrmStore, name: str) -> pd.DataFrame:
    return pd.read_csv(crm.extract / f"{name}.csv", dtype=str)


@pytest.fixture
def two_rms(crm: CrmStore, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, object]]]:
    a = _csv(crm, "assignments")
    books = a[a["end_on"].isna()].groupby("employee_id")["customer_id"].apply(sorted)
    books = books[books.apply(len) >= 2]
    mine, theirs = books.index[0], books.index[1]
    victim = books.iloc[1][0]
    with crm.sessions() as s:
        contact = contacts.log_contact(
            s, SYSTEM, victim,
            ContactInput(ContactChannel.VISIT, ContactOutcome.INTERESTED,
                         pd.Timestamp("2021-01-04 09:00").to_pydatetime(), notes="私人备注"),
        )  # fmt: skip
        need = needs.record_need(s, SYSTEM, CrmSettings(), victim, "retirement")
        branch = s.scalar(select(Customer.branch_id).where(Customer.customer_id == victim))
        task = Task(rule="maturity", customer_id=victim, employee_id=theirs, branch_id=branch,
                    title="到期", created_on=date(2021, 1, 4), due_on=date(2021, 2, 1),
                    status="open", run_key="idor")  # fmt: skip
        s.add(task)
        s.commit()
        ids = {"contact": contact.id, "need": need.id, "task": task.id}
    with TestClient(create_app(settings_for(crm, tmp_path))) as client:
        client.headers.update(auth_headers(crm.sessions, "rm.a", Role.RELATIONSHIP_MANAGER, mine))
        yield client, {"mine": set(books.iloc[0]), "victim": victim, "theirs": theirs, **ids}


def _counts(client: TestClient) -> tuple[int, int, int]:
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        return (
            s.scalar(select(func.count()).select_from(Contact)) or 0,
            s.scalar(select(func.count()).select_from(Need)) or 0,
            s.scalar(select(func.count()).select_from(Assignment)) or 0,
        )


def test_by_id_every_customer_route_answers_404(two_rms: tuple[TestClient, dict]) -> None:  # type: ignore[type-arg]
    client, w = two_rms
    victim = w["victim"]
    before = _counts(client)
    reads = [
        f"{V1}/customers/{victim}",
        f"{V1}/customers/{victim}/transactions",
        f"{V1}/customers/{victim}/contacts",
        f"{V1}/customers/{victim}/needs",
        f"{V1}/customers/{victim}/assignments",
        f"{V1}/contacts/{w['contact']}",
        f"{V1}/needs/{w['need']}",
        f"{V1}/tasks/{w['task']}",
    ]
    for url in reads:
        answer = client.get(url)
        assert answer.status_code == 404, (url, answer.text)
        assert str(victim) not in answer.text or "not found" in answer.text
        assert "私人备注" not in answer.text
    contact = {"channel": "call", "outcome": "interested", "occurred_at": "2021-01-05T09:00:00"}
    writes = [
        ("POST", f"{V1}/customers/{victim}/contacts", contact),
        ("POST", f"{V1}/customers/{victim}/needs", {"need_code": "asset_growth"}),
        (
            "POST",
            f"{V1}/customers/{victim}/unmask",
            {"fields": ["phone"], "reason": "核实身份信息"},
        ),
        ("PATCH", f"{V1}/contacts/{w['contact']}", {**contact, "version": 1}),
        ("PATCH", f"{V1}/needs/{w['need']}", {"version": 1, "status": "dropped"}),
        ("PATCH", f"{V1}/tasks/{w['task']}", {"version": 1, "status": "done"}),
        ("POST", f"{V1}/campaigns/do-not-contact", {"customer_id": victim}),
    ]
    for method, url, body in writes:
        answer = client.request(method, url, json=body)
        assert answer.status_code == 404, (method, url, answer.text)
    assert _counts(client) == before  # nothing was written


def test_by_search_another_rms_customer_is_not_found(two_rms: tuple[TestClient, dict]) -> None:  # type: ignore[type-arg]
    client, w = two_rms
    victim = w["victim"]
    name = _name(client, victim)
    for q in (victim, name, name[:1]):
        page = client.get(f"{V1}/customers", params={"q": q, "page_size": 200}).json()
        assert {h["customer_id"] for h in page["items"]} <= w["mine"], q  # type: ignore[operator]
    every = client.get(f"{V1}/customers", params={"page_size": 200}).json()
    assert {h["customer_id"] for h in every["items"]} == w["mine"]
    other_book = client.get(f"{V1}/customers", params={"rm": w["theirs"]}).json()
    assert other_book["total"] == 0  # filtering by the other RM finds none of theirs


def test_through_a_segment_an_rm_counts_only_their_book(two_rms: tuple[TestClient, dict]) -> None:  # type: ignore[type-arg]
    client, w = two_rms
    preview = client.post(f"{V1}/segments/preview", json={"rule": ALL_TIERS})
    assert preview.status_code == 200, preview.text
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        in_base = set(s.scalars(select(Customer.customer_id).where(Customer.closed_on.is_(None))))
    assert preview.json()["customers"] <= len(w["mine"] & in_base)  # type: ignore[operator]
    saved = client.post(f"{V1}/segments", json={"name": "全部", "rule": ALL_TIERS}).json()
    export = client.get(f"{V1}/segments/{saved['id']}/export")
    assert export.status_code == 403  # an RM does not export lists


def test_via_an_export_a_manager_gets_only_their_subtree(crm: CrmStore, tmp_path: Path) -> None:
    customers = _csv(crm, "customers")
    inside = set(customers.loc[customers["branch_id"].isin(["B0102", "B0111"]), "customer_id"])
    outside = customers.loc[~customers["branch_id"].isin(["B0102", "B0111"]), "customer_id"]
    with TestClient(create_app(settings_for(crm, tmp_path))) as client:
        client.headers.update(
            auth_headers(crm.sessions, "bm.b0102", Role.BRANCH_MANAGER, branch_id="B0102")
        )
        saved = client.post(f"{V1}/segments", json={"name": "全部", "rule": ALL_TIERS}).json()
        export = client.get(f"{V1}/segments/{saved['id']}/export", params={"marketing": False})
        assert export.status_code == 200, export.text
        sheet = openpyxl.load_workbook(io.BytesIO(export.content)).worksheets[0]
        ids = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
        listed = {i for i in ids if i.startswith("C") and i[1:].isdigit()}
        assert listed, "the export lists the subtree's customers"
        assert listed <= inside
        assert not listed & set(outside)
        subject = client.get(
            f"{V1}/customers/{outside.iloc[0]}/subject-export", params={"reason": "客户本人申请"}
        )
        assert subject.status_code == 404
        report = client.get(f"{V1}/analytics", params={"branch_id": "B0101"})
        assert report.status_code == 404  # a sibling branch's figures


def _name(client: TestClient, customer_id: object) -> str:
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        name: str = s.scalar(select(Customer.name).where(Customer.customer_id == customer_id))
        return name
