"""The segments API over the hand-made outlets: preview, a bad rule (422 naming the field),
CRUD with optimistic locking, refresh, Excel export."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.test_tasks_api import serve_branch
from tests.crm.test_tasks_branch import Branch


@pytest.fixture
def api(store: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, Branch]]:
    yield from serve_branch(store, tmp_path)


GOLD_UP = {"field": "tier", "op": "in", "value": ["gold", "platinum", "diamond", "private"]}


def test_preview_counts_and_aum(api: tuple[TestClient, Branch]) -> None:
    client, _ = api
    rule = {"and": [GOLD_UP, {"not": {"field": "dormant", "op": "eq", "value": True}}]}
    got = client.post("/api/v1/segments/preview", json={"rule": rule, "as_of": "2024-06-30"})
    assert got.status_code == 200, got.text
    body = got.json()
    # C02 60万, C04 8万, C05 250万, C07 70万 (tests/crm/test_tasks_branch.py).
    assert body["customers"] == 4
    assert float(body["aum_yuan"]) == 3_880_000
    assert body["aum_wan"] == "388.00万元"


def test_a_bad_rule_is_422_naming_the_field(api: tuple[TestClient, Branch]) -> None:
    client, _ = api
    got = client.post(
        "/api/v1/segments/preview", json={"rule": {"field": "salary", "op": "eq", "value": 1}}
    )
    assert got.status_code == 422
    error = got.json()["errors"][0]
    assert error["field"].startswith("rule")
    assert "unknown field 'salary'" in error["reason"]


def test_crud_refresh_and_export(api: tuple[TestClient, Branch]) -> None:
    client, _ = api
    made = client.post("/api/v1/segments", json={"name": "金卡及以上", "rule": GOLD_UP})
    assert made.status_code == 201
    sid = made.json()["id"]
    assert (
        client.post("/api/v1/segments", json={"name": "金卡及以上", "rule": GOLD_UP}).status_code
        == 409
    )
    refreshed = client.post(f"/api/v1/segments/{sid}/refresh", json={"as_of": "2024-06-30"})
    assert refreshed.json()["customers"] == 6
    assert refreshed.json()["version"] == 2
    stale = client.patch(f"/api/v1/segments/{sid}", json={"version": 1, "name": "x"})
    assert stale.status_code == 409
    assert (
        client.patch(f"/api/v1/segments/{sid}", json={"version": 2, "name": "高端"}).json()["name"]
        == "高端"
    )
    listed = client.get("/api/v1/segments").json()
    assert listed["total"] == 1
    assert listed["items"][0]["name"] == "高端"
    # every member (the consent filter of marketing exports is tested in tests/security)
    export = client.get(f"/api/v1/segments/{sid}/export", params={"marketing": False})
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    # Export uses the latest month-end (07-31), when the same six are gold and above.
    assert sheet.max_row == 2 + 6
    assert client.delete(f"/api/v1/segments/{sid}").status_code == 204
    assert client.get(f"/api/v1/segments/{sid}").status_code == 404


def test_fields_and_finding_bridge(api: tuple[TestClient, Branch]) -> None:
    client, _ = api
    fields = {f["field"]: f for f in client.get("/api/v1/segments/fields").json()}
    assert fields["tier"]["choices"] == ["standard", "gold", "platinum", "diamond", "private"]
    rule = client.post("/api/v1/segments/from-finding", json={"segment": {"dormant": True}})
    assert rule.json() == {"field": "dormant", "op": "eq", "value": True}
    bad = client.post("/api/v1/segments/from-finding", json={"segment": {"x": 1}})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "segment"
