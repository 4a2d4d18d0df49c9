"""Masking in the API, role by role, on the synthetic branch (SQLite and PostgreSQL): the 360
profile, search hits, and unmasking with a reason (audited). Clear values come from the
extract's customers.csv; masks are spelled out from the rules (6 + 4, 3 + 4, surname)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bankcrm.security.masking import COMPOUND_SURNAMES
from tests.crm.branch import CrmStore, branch_extract, branch_template, crm  # noqa: F401
from tests.security.privacy_support import (
    Cast,
    app_for,
    audit_rows,
    bearer,
    cast,
    detail,
    logins,
)

V1 = "/api/v1"
World = tuple[TestClient, Cast, dict[str, dict[str, str]]]  # client, people, headers by role


@pytest.fixture
def world(
    crm: CrmStore,  # noqa: F811  (the fixture)
    tmp_path: Path,
) -> Iterator[World]:
    c = cast(crm)
    users = logins(crm, c)
    with crm.sessions() as s:
        headers = {role: bearer(s, s.merge(u)) for role, u in users.items()}
    with TestClient(app_for(crm, tmp_path)) as client:
        yield client, c, headers


def _masked_id(value: str) -> str:
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def _masked_phone(value: str) -> str:
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def _is_masked_name(shown: str, clear: str) -> bool:
    keep = 2 if len(clear) >= 3 and clear[:2] in COMPOUND_SURNAMES else 1
    return shown == clear[:keep] + "*" * (len(clear) - keep)


@pytest.mark.parametrize("role", ["rm", "manager"])
def test_who_serves_the_customer_sees_the_name_and_masked_identifiers(
    world: World, role: str
) -> None:
    client, c, headers = world
    clear = c.customers.loc[c.rm_customer]
    answer = client.get(f"{V1}/customers/{c.rm_customer}", headers=headers[role])
    assert answer.status_code == 200, answer.text
    profile = answer.json()["profile"]
    assert profile["name"] == clear["name"]
    assert profile["id_number"] == _masked_id(clear["id_number"])
    assert profile["phone"] == _masked_phone(clear["phone"])
    assert profile["masked"] == ["id_number", "phone"]
    assert clear["id_number"] not in answer.text
    assert clear["phone"] not in answer.text


@pytest.mark.parametrize("role", ["analyst", "teller", "auditor", "admin"])
def test_other_roles_never_get_clear_values_from_the_360(world: World, role: str) -> None:
    """Whatever the status (refused, or a masked view), no clear identifier or name."""
    client, c, headers = world
    clear = c.customers.loc[c.rm_customer]
    answer = client.get(f"{V1}/customers/{c.rm_customer}", headers=headers[role])
    for value in (clear["id_number"], clear["phone"], clear["name"]):
        assert value not in answer.text


def test_search_masks_names_for_an_analyst_only(
    world: World,
) -> None:
    client, c, headers = world
    params = {"page_size": 200}
    seen = client.get(f"{V1}/customers", params=params, headers=headers["analyst"])
    assert seen.status_code == 200, seen.text
    items = seen.json()["items"]
    assert len(items) == 200  # an analyst's scope is every customer (300)
    for hit in items:
        assert hit["name_masked"] is True
        assert _is_masked_name(hit["name"], c.customers.loc[hit["customer_id"], "name"])
    mine = client.get(f"{V1}/customers", params=params, headers=headers["rm"]).json()["items"]
    assert c.rm_customer in {h["customer_id"] for h in mine}
    for hit in mine:
        assert hit["name_masked"] is False
        assert hit["name"] == c.customers.loc[hit["customer_id"], "name"]


def test_an_analyst_cannot_look_a_person_up_by_phone_id_or_name(
    world: World,
) -> None:
    """A lookup by personal data would unmask a masked row; by customer_id it is allowed."""
    client, c, headers = world
    clear = c.customers.loc[c.rm_customer]
    for q in (clear["phone"], clear["id_number"], clear["name"]):
        found = client.get(f"{V1}/customers", params={"q": q}, headers=headers["analyst"])
        assert found.status_code == 200, found.text
        assert found.json()["total"] == 0, q
        by_rm = client.get(f"{V1}/customers", params={"q": q}, headers=headers["rm"])
        assert c.rm_customer in {h["customer_id"] for h in by_rm.json()["items"]}, q
    by_id = client.get(f"{V1}/customers", params={"q": c.rm_customer}, headers=headers["analyst"])
    assert [h["customer_id"] for h in by_id.json()["items"]] == [c.rm_customer]


def test_unmask_with_a_reason_shows_clear_values_and_is_audited(
    world: World,
    crm: CrmStore,  # noqa: F811
) -> None:
    client, c, headers = world
    clear = c.customers.loc[c.rm_customer]
    body = {"fields": ["id_number", "phone"], "reason": "客户来电核实身份"}
    answer = client.post(f"{V1}/customers/{c.rm_customer}/unmask", json=body, headers=headers["rm"])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "customer_id": c.rm_customer,
        "values": {"id_number": clear["id_number"], "phone": clear["phone"]},
    }
    with crm.sessions() as s:
        [record] = audit_rows(s, "customer.unmask")
        assert (record.actor, record.customer_id, record.outcome) == ("rm1", c.rm_customer, "ok")
        assert detail(record) == {"fields": ["id_number", "phone"], "reason": "客户来电核实身份"}
        assert clear["id_number"] not in (record.detail or "")


@pytest.mark.parametrize("reason", [None, "", "  ab  "])
def test_unmask_without_a_reason_is_400_naming_reason(
    world: World,
    crm: CrmStore,  # noqa: F811
    reason: str | None,
) -> None:
    client, c, headers = world
    body: dict[str, object] = {"fields": ["phone"]}
    if reason is not None:
        body["reason"] = reason
    answer = client.post(f"{V1}/customers/{c.rm_customer}/unmask", json=body, headers=headers["rm"])
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["field"] == "reason"
    with crm.sessions() as s:
        assert audit_rows(s, "customer.unmask") == []


def test_unmask_refusals_are_403_without_permission_and_404_out_of_scope(
    world: World,
    crm: CrmStore,  # noqa: F811
) -> None:
    client, c, headers = world
    body = {"fields": ["phone"], "reason": "营销回访核对"}
    for role in ("analyst", "teller", "auditor", "admin"):
        refused = client.post(
            f"{V1}/customers/{c.rm_customer}/unmask", json=body, headers=headers[role]
        )
        assert refused.status_code == 403, (role, refused.text)
    hidden = client.post(f"{V1}/customers/{c.outside}/unmask", json=body, headers=headers["rm"])
    absent = client.post(f"{V1}/customers/C-NOPE/unmask", json=body, headers=headers["rm"])
    assert hidden.status_code == absent.status_code == 404
    assert c.customers.loc[c.outside, "phone"] not in hidden.text
    bad_field = client.post(
        f"{V1}/customers/{c.rm_customer}/unmask",
        json={"fields": ["address"], "reason": "营销回访核对"},
        headers=headers["rm"],
    )
    assert bad_field.status_code == 400
    assert bad_field.json()["errors"][0]["field"] == "fields"
    with crm.sessions() as s:
        records = audit_rows(s, "customer.unmask")
    assert [(r.actor, r.outcome, detail(r)["refused"]) for r in records] == [
        ("an1", "denied", "permission"),
        ("te1", "denied", "permission"),
        ("au1", "denied", "permission"),
        ("ad1", "denied", "permission"),
        ("rm1", "denied", "scope"),
        ("rm1", "denied", "scope"),
    ]


def test_no_login_no_unmask(world: World) -> None:
    client, c, _ = world
    body = {"fields": ["phone"], "reason": "营销回访核对"}
    assert client.post(f"{V1}/customers/{c.rm_customer}/unmask", json=body).status_code == 401
