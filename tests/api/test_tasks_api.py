"""The tasks API on part A's app (FastAPI TestClient) over the hand-made outlets: the RM's list,
updates with optimistic locking (a stale version gets 409 and nothing is overwritten)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from bankcrm.api.app import create_app
from bankcrm.config import Settings
from bankcrm.crm.tasks_generate import generate_tasks
from bankcrm.domain.actor import SYSTEM, Role
from tests.auth_helpers import auth_headers, manager_headers
from tests.crm.test_tasks_branch import AS_OF, Branch, load_branch


def r1(client: TestClient) -> dict[str, str]:
    """RM R1 of the hand-made outlets, logged in."""
    return auth_headers(client.app.state.sessions, "r1", Role.RELATIONSHIP_MANAGER, "R1")  # type: ignore[attr-defined]


def serve_branch(engine: Engine, root: Path) -> Iterator[tuple[TestClient, Branch]]:
    """The hand-made outlets in ``engine``, served by part A's app (lifespan included)."""
    branch = load_branch(engine, root)
    settings = Settings(
        data_dir=root,
        database_url=engine.url.render_as_string(hide_password=False),
        warehouse_dir=branch.warehouse.root,
    )
    with TestClient(create_app(settings)) as client:
        client.headers.update(manager_headers(client.app.state.sessions))  # type: ignore[attr-defined]
        yield client, branch


@pytest.fixture
def api(store: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, Branch]]:
    yield from serve_branch(store, tmp_path)


def test_my_tasks_and_a_stale_update(api: tuple[TestClient, Branch]) -> None:
    client, branch = api
    with branch.session() as s:
        generate_tasks(s, SYSTEM, branch.tables, AS_OF)
    R1 = r1(client)  # noqa: N806  (a constant of the test)
    mine = client.get("/api/v1/tasks", params={"mine": "true", "page_size": 2}, headers=R1)
    assert mine.status_code == 200
    body = mine.json()
    # R1 holds C01 (maturity, dormant_value, birthday) and C07 (large_outflow, no_contact).
    assert body["total"] == 5
    assert len(body["items"]) == 2
    task = body["items"][0]
    assert task["employee_id"] == "R1"
    assert task["status_label_zh"] == "待办"
    assert task["overdue"] is True  # due in mid-2024, long past

    url = f"/api/v1/tasks/{task['id']}"
    ok = client.patch(url, json={"version": 1, "outcome": "已电话联系"}, headers=R1)
    assert ok.status_code == 200
    assert ok.json()["version"] == 2
    stale = client.patch(url, json={"version": 1, "status": "done"}, headers=R1)
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["field"] == "version"
    unchanged = client.get(url).json()
    assert (unchanged["status"], unchanged["outcome"]) == ("open", "已电话联系")
    done = client.patch(url, json={"version": 2, "status": "done"}, headers=R1)
    assert done.json()["status"] == "done"
    assert done.json()["overdue"] is False


def test_errors_have_the_common_body(api: tuple[TestClient, Branch]) -> None:
    client, _ = api
    assert client.get("/api/v1/tasks/999").status_code == 404
    no_employee = client.get("/api/v1/tasks", params={"mine": "true"})
    assert no_employee.status_code == 400
    assert no_employee.json()["errors"][0]["field"] == "mine"
    bad = client.patch("/api/v1/tasks/1", json={"version": 1, "status": "finished"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"


def test_a_real_serve_process_refuses_a_stale_version(store: Engine, tmp_path: Path) -> None:
    """The same locking over HTTP against ``bankcrm serve`` in its own process."""
    branch = load_branch(store, tmp_path)
    with branch.session() as s:
        generate_tasks(s, SYSTEM, branch.tables, AS_OF)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {
        "BANKCRM_DATA_DIR": str(tmp_path),
        "BANKCRM_DATABASE_URL": store.url.render_as_string(hide_password=False),
        "BANKCRM_WAREHOUSE_DIR": str(branch.warehouse.root),
    }
    R1 = auth_headers(sessionmaker(store), "r1", Role.RELATIONSHIP_MANAGER, "R1")  # noqa: N806
    command = [str(Path(sys.executable).parent / "bankcrm"), "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 60  # a bound on start-up, not a speed assertion
        while True:
            try:
                first = httpx.get(f"{base}/tasks", params={"mine": "true"}, headers=R1)
                break
            except httpx.TransportError:
                assert server.poll() is None, "bankcrm serve exited"
                assert time.monotonic() < deadline, "bankcrm serve did not start"
                time.sleep(0.3)
        task = first.json()["items"][0]
        url = f"{base}/tasks/{task['id']}"
        assert httpx.patch(url, json={"version": 1, "outcome": "甲"}, headers=R1).status_code == 200
        stale = httpx.patch(url, json={"version": 1, "outcome": "乙"}, headers=R1)
        assert stale.status_code == 409
        assert httpx.get(url, headers=R1).json()["outcome"] == "甲"
    finally:
        server.terminate()
        server.wait(timeout=30)
