"""``bankcrm serve`` as a real process: started on a free port, called over HTTP with httpx."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd

from tests.auth_helpers import manager_headers
from tests.crm.branch import CrmStore

STARTUP_SECONDS = 60  # a generous bound on a loaded CI machine, not a speed assertion


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_answers_over_http(crm: CrmStore, tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "BANKCRM_DATA_DIR": str(tmp_path),
        "BANKCRM_DATABASE_URL": crm.url,
        "BANKCRM_WAREHOUSE_DIR": str(crm.warehouse.root),
    }
    headers = manager_headers(crm.sessions)
    command = [str(Path(sys.executable).parent / "bankcrm"), "serve", "--port", str(port)]
    server = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            try:
                health = httpx.get(f"{base}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "bankcrm serve did not start"
                time.sleep(0.3)
        assert health.json()["store"] == "ok"
        customers = pd.read_csv(crm.extract / "customers.csv", dtype=str)
        cid = customers["customer_id"].iloc[0]
        assert httpx.get(f"{base}/api/v1/customers").status_code == 401  # no login
        page = httpx.get(f"{base}/api/v1/customers", params={"q": cid}, headers=headers).json()
        assert [c["customer_id"] for c in page["items"]] == [cid]
        view = httpx.get(f"{base}/api/v1/customers/{cid}", headers=headers).json()
        assert view["profile"]["name"] == customers["name"].iloc[0]
        missing = httpx.get(f"{base}/api/v1/customers/NOPE", headers=headers)
        assert missing.status_code == 404
        assert missing.json()["errors"][0]["field"] == "customer_id"
        assert httpx.get(f"{base}/api/docs").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
