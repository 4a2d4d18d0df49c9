"""The CRM routes through FastAPI's test client: status codes, bodies, pagination, the error
body shape and optimistic locking, on SQLite and PostgreSQL."""

from __future__ import annotations

import pandas as pd
from fastapi.testclient import TestClient

from bankcrm.domain.actor import Role
from tests.auth_helpers import auth_headers, current_rm
from tests.crm.branch import CrmStore

V1 = "/api/v1"


def _csv(crm: CrmStore, name: str) -> pd.DataFrame:
    return pd.read_csv(crm.extract / f"{name}.csv", dtype=str)


def _error(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status, body
    assert body["errors"], body
    detail: dict[str, object] = body["errors"][0]
    return detail


def test_health_and_docs(client: TestClient) -> None:
    health = client.get("/api/health")
    assert health.status_code == 200
    assert health.json()["store"] == "ok"
    assert "swagger" in client.get("/api/docs").text.lower()
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {
        f"{V1}/customers",
        f"{V1}/customers/{{customer_id}}",
        f"{V1}/contacts/{{contact_id}}",
    } <= set(paths)


def test_search_pages_with_totals(client: TestClient, crm: CrmStore) -> None:
    customers = _csv(crm, "customers")
    first = client.get(f"{V1}/customers", params={"page_size": 7, "sort": "customer_id"}).json()
    second = client.get(
        f"{V1}/customers", params={"page": 2, "page_size": 7, "sort": "customer_id"}
    ).json()
    assert first["total"] == second["total"] == len(customers)
    ids = [c["customer_id"] for c in first["items"] + second["items"]]
    assert ids == sorted(customers["customer_id"])[:14]
    surname = customers["name"].str[0].value_counts().index[0]
    hits = client.get(f"{V1}/customers", params={"q": surname, "page_size": 200}).json()
    assert hits["total"] == int(customers["name"].str.startswith(surname).sum())
    assert all(h["name"].startswith(surname) for h in hits["items"])


def test_bad_query_parameters_get_422_naming_the_field(client: TestClient) -> None:
    detail = _error(client.get(f"{V1}/customers", params={"tier": "bronze"}), 422)
    assert detail["field"] == "tier"
    detail = _error(client.get(f"{V1}/customers", params={"page_size": 1000}), 422)
    assert detail["field"] == "page_size"
    detail = _error(client.get(f"{V1}/customers", params={"q": "  "}), 400)
    assert detail["field"] == "q"


def test_customer_360_and_404(client: TestClient, crm: CrmStore) -> None:
    cid = _csv(crm, "customers").query("closed_on != closed_on")["customer_id"].iloc[3]
    view = client.get(f"{V1}/customers/{cid}").json()
    assert view["profile"]["customer_id"] == cid
    assert view["months"]
    assert view["months"][-1]["as_of"] == "2020-12-31"
    assert view["tier"] in {"standard", "gold", "platinum", "diamond", "private", None}
    detail = _error(client.get(f"{V1}/customers/C-NOPE"), 404)
    assert detail["field"] == "customer_id"
    assert "C-NOPE" in str(detail["reason"])


def test_transactions_paged_latest_first(client: TestClient, crm: CrmStore) -> None:
    t = _csv(crm, "transactions").merge(_csv(crm, "accounts"), on="account_id")
    cid = t["customer_id"].value_counts().index[0]
    mine = t[t["customer_id"] == cid].sort_values(["booked_at", "txn_id"], ascending=False)
    page = client.get(
        f"{V1}/customers/{cid}/transactions", params={"page_size": 5, "page": 2}
    ).json()
    assert page["total"] == len(mine)
    assert [r["txn_id"] for r in page["items"]] == list(mine["txn_id"].iloc[5:10])


def test_contacts_with_optimistic_locking(client: TestClient, crm: CrmStore) -> None:
    assigned = _csv(crm, "assignments")
    cid = assigned.loc[assigned["end_on"].isna(), "customer_id"].iloc[0]
    body = {
        "channel": "call",
        "outcome": "interested",
        "occurred_at": "2021-01-04T10:00:00",
        "notes": "对理财有兴趣",
    }
    rm = auth_headers(
        crm.sessions, "wang.rm", Role.RELATIONSHIP_MANAGER, current_rm(crm.sessions, cid)
    )
    created = client.post(f"{V1}/customers/{cid}/contacts", json=body, headers=rm)
    assert created.status_code == 201, created.text
    contact = created.json()
    assert contact["created_by"] == "wang.rm"
    assert contact["version"] == 1
    assert contact["channel_label_zh"] == "电话"
    update = {**body, "outcome": "converted", "version": 1}
    ok = client.patch(f"{V1}/contacts/{contact['id']}", json=update)
    assert ok.status_code == 200
    assert ok.json()["version"] == 2
    stale = client.patch(f"{V1}/contacts/{contact['id']}", json={**update, "outcome": "declined"})
    assert _error(stale, 409)["field"] == "version"
    assert client.get(f"{V1}/contacts/{contact['id']}").json()["outcome"] == "converted"
    timeline = client.get(f"{V1}/customers/{cid}/contacts").json()
    assert timeline["total"] == 1
    assert (
        _error(client.post(f"{V1}/customers/{cid}/contacts", json={**body, "channel": "fax"}), 422)[
            "field"
        ]
        == "channel"
    )
    assert (
        _error(client.post(f"{V1}/customers/{cid}/contacts", json={**body, "colour": "red"}), 422)[
            "field"
        ]
        == "colour"
    )
    assert (
        _error(client.get(f"{V1}/contacts"), 400)["field"] == "employee_id"
    )  # the client's branch manager has no employee of their own


def test_needs_catalogue_and_aggregate(client: TestClient, crm: CrmStore) -> None:
    cid = _csv(crm, "customers")["customer_id"].iloc[1]
    codes = [n["code"] for n in client.get(f"{V1}/needs/catalogue").json()]
    assert "children_education" in codes
    made = client.post(f"{V1}/customers/{cid}/needs", json={"need_code": "children_education"})
    assert made.status_code == 201
    assert made.json()["need_label_zh"] == "子女教育"
    assert (
        _error(client.post(f"{V1}/customers/{cid}/needs", json={"need_code": "yacht"}), 400)[
            "field"
        ]
        == "need_code"
    )
    need = made.json()
    patched = client.patch(f"{V1}/needs/{need['id']}", json={"version": 1, "status": "met"})
    assert patched.json()["status_label_zh"] == "已满足"
    assert (
        _error(
            client.patch(f"{V1}/needs/{need['id']}", json={"version": 1, "status": "open"}), 409
        )["field"]
        == "version"
    )
    rows = client.get(f"{V1}/needs/aggregate", params={"by": "age_band"}).json()
    assert [(r["need_code"], r["customers"], r["open"]) for r in rows] == [
        ("children_education", 1, 0)
    ]


def test_handover_preview_then_move(client: TestClient, crm: CrmStore) -> None:
    a = _csv(crm, "assignments").query("end_on != end_on")
    books = a.groupby("employee_id")["customer_id"].apply(sorted)
    rm_from = books.map(len).idxmax()
    rms = _csv(crm, "employees").query("role == 'relationship_manager' and left_on != left_on")
    rm_to = next(e for e in rms["employee_id"] if e != rm_from)
    body = {"from_employee_id": rm_from, "to_employee_id": rm_to, "on": "2021-01-15"}
    preview = client.post(f"{V1}/assignments/handover/preview", json=body).json()
    assert preview["customer_ids"] == books[rm_from]
    done = client.post(f"{V1}/assignments/handover", json=body)
    assert done.status_code == 201
    assert done.json()["customers"] == len(books[rm_from])
    workload = {w["employee_id"]: 0 for w in client.get(f"{V1}/assignments/workload").json()}
    assert rm_from not in workload
    assert rm_to in workload
    again = client.post(f"{V1}/assignments/handover", json=body)
    assert _error(again, 400)["field"] == "from_employee_id"
    cid = books[rm_from][0]
    history = client.get(f"{V1}/customers/{cid}/assignments").json()
    assert history[-1]["employee_id"] == rm_to
    assert history[-2]["end_on"] == "2021-01-15"
