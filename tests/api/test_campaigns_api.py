"""The campaigns API over the hand-made outlets: create, members, outcomes with locking,
detection from the extract, results."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.test_tasks_api import serve_branch
from tests.crm.test_tasks_branch import Branch


@pytest.fixture
def api(store: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, Branch]]:
    yield from serve_branch(store, tmp_path)


GOLD_UP = {"field": "tier", "op": "in", "value": ["gold", "platinum", "diamond", "private"]}
SPEC = {
    "name": "理财新客",
    "rule": GOLD_UP,
    "as_of": "2024-06-30",
    "start_on": "2024-07-01",
    "product_type": "wealth_management",
    "goal_aum_yuan": 50000,
    "control_share": 0,
    "seed": 5,
    "cost_yuan": 2000,
}


def test_create_record_detect_results(api: tuple[TestClient, Branch]) -> None:
    client, _ = api
    made = client.post("/api/v1/campaigns", json=SPEC)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["groups"] == {"target": 4, "excluded": 2}
    assert body["tasks"] == 4
    cid = body["campaign"]["id"]
    excluded = client.get(f"/api/v1/campaigns/{cid}/members", params={"group": "excluded"}).json()
    assert {m["customer_id"]: m["exclusion_label_zh"] for m in excluded["items"]} == {
        "C02": "未授权营销",
        "C07": "勿扰客户",
    }
    url = f"/api/v1/campaigns/{cid}/members/C05"
    ok = client.patch(url, json={"version": 1, "contacted": True, "on": "2024-07-03"})
    assert ok.status_code == 200
    assert ok.json()["version"] == 2
    assert client.patch(url, json={"version": 1, "converted": True}).status_code == 409
    detected = client.post("/api/v1/campaigns/detect", json={"as_of": "2024-07-31"}).json()
    assert detected == [
        {"campaign_id": cid, "month_end": "2024-07-31", "members": 4, "converted": 2}
    ]
    results = client.get(f"/api/v1/campaigns/{cid}/results").json()
    assert (results["targets"], results["target_conversions"]) == (4, 2)
    assert results["controls"] == 0
    assert results["lift"] is None
    assert results["contacted"] == 1
    assert results["cost_yuan"] == 2000


def test_do_not_contact_excludes_from_the_next_campaign(api: tuple[TestClient, Branch]) -> None:
    client, _ = api
    marked = client.post("/api/v1/campaigns/do-not-contact", json={"customer_id": "C01"})
    assert marked.status_code == 200
    assert (
        client.post("/api/v1/campaigns/do-not-contact", json={"customer_id": "NOPE"}).status_code
        == 404
    )
    made = client.post("/api/v1/campaigns", json=SPEC).json()
    # C07 was already on the list; C01 now too; C02 gave no consent.
    assert made["exclusions"] == {"do_not_contact": 2, "no_consent": 1}


def test_bad_campaigns(api: tuple[TestClient, Branch]) -> None:
    client, _ = api
    both = client.post("/api/v1/campaigns", json=SPEC | {"segment_id": 1})
    assert both.status_code == 422
    no_goal = {k: v for k, v in SPEC.items() if k not in ("product_type", "goal_aum_yuan")}
    assert client.post("/api/v1/campaigns", json=no_goal).status_code == 422
    assert (
        client.post("/api/v1/campaigns", json=SPEC | {"segment_id": 9, "rule": None}).status_code
        == 404
    )
    empty = SPEC | {"rule": {"field": "aum", "op": "gt", "value": 1e12}}
    nobody = client.post("/api/v1/campaigns", json=empty)
    assert nobody.status_code == 400
    assert nobody.json()["errors"][0]["field"] == "rule"
    assert client.get("/api/v1/campaigns/77/results").status_code == 404
