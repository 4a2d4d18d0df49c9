"""Customer-360 and search latency (p50/p95) under concurrent load on PostgreSQL, each against
the floor: the same server answering a bare endpoint that does one indexed SELECT
(``/bench/floor/{customer_id}``: the customer's name by primary key). Prints the ratios.

``python -m benchmarks.bench_api --customers 20000 --copies 50`` measures a store of
1 000 000 customers: a generated and imported 20 000-customer branch whose store rows
(customers, summaries, assignments) are copied 50 times under distinct ids by SQL. The
warehouse keeps the one branch, so the 360's Parquet reads are those of the branch's size —
stated in the output. Generating and importing 1 000 000 customers takes ~40 minutes here.

The load: ``--concurrency`` clients (asyncio + httpx) against one uvicorn worker, the server
and the clients sharing this machine's cores, ``--requests`` per kind, after a warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
from fastapi import FastAPI, Request
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url

from bankcrm.api.app import create_app
from bankcrm.config import Settings
from bankcrm.crm.search_index import ensure_search_index
from bankcrm.crm.summary import refresh_summaries
from bankcrm.domain.crm_settings import FlagSettings
from bankcrm.ingest.loader import Importer
from bankcrm.store.db import make_engine, upgrade
from bankcrm.store.models import Customer
from bankcrm.synth import SynthOptions, generate
from bankcrm.warehouse.layout import Warehouse

ADMIN_URL = os.environ.get(
    "BANKCRM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def bench_app() -> FastAPI:
    """The real app plus the floor endpoint (uvicorn ``--factory`` entry point)."""
    app = create_app(Settings())

    @app.get("/bench/floor/{customer_id}")
    def floor(customer_id: str, request: Request) -> dict[str, str | None]:
        with request.app.state.sessions() as session:
            name = session.scalar(select(Customer.name).where(Customer.customer_id == customer_id))
        return {"name": name}

    return app


def _admin(sql: str) -> None:
    conninfo = make_url(ADMIN_URL).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def prepare(root: Path, customers: int, start: str, end: str) -> str:
    """Generate the branch and import it into a new PostgreSQL database; its URL."""
    generate(root / "extract", SynthOptions(customers=customers, start=start, end=end, seed=3))
    name = f"bankcrm_bench_api_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    url = make_url(ADMIN_URL).set(database=name).render_as_string(False)
    engine = make_engine(url)
    upgrade(engine)
    report = Importer(engine, Warehouse(root / "warehouse")).run(root / "extract")
    if not report.ok:
        raise SystemExit(f"import failed: {report.failed}")
    refresh_summaries(engine, Warehouse(root / "warehouse"), FlagSettings())
    engine.dispose()
    return url


def replicate(engine: Engine, copies: int) -> int:
    """Copy the store's customers (with summaries and current assignments) ``copies − 1``
    more times under ids suffixed ``-k``; the customer count after."""
    with engine.begin() as conn:
        for k in range(1, copies):  # one INSERT … SELECT per copy, not per customer
            suffix = f"-{k}"
            conn.execute(
                text(
                    "INSERT INTO customers SELECT customer_id || :s, customer_type, name, id_type,"
                    " id_number || :s, gender, birth_date, phone, region_code, occupation,"
                    " education, branch_id, opened_on, closed_on, marketing_consent, risk_level"
                    " FROM customers WHERE customer_id NOT LIKE '%-%'"
                ),
                {"s": suffix},
            )
            conn.execute(
                text(
                    "INSERT INTO customer_summaries SELECT customer_id || :s, as_of, aum_fen,"
                    " loan_balance_fen, tier, dormant, maturity_soon, large_outflow"
                    " FROM customer_summaries WHERE customer_id NOT LIKE '%-%'"
                ),
                {"s": suffix},
            )
            conn.execute(
                text(
                    "INSERT INTO assignments SELECT customer_id || :s, start_on, employee_id,"
                    " end_on FROM assignments WHERE customer_id NOT LIKE '%-%'"
                ),
                {"s": suffix},
            )
        conn.execute(text("ANALYZE"))
        total: int = conn.execute(text("SELECT count(*) FROM customers")).scalar_one()
    return total


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _load(base: str, paths: list[str], concurrency: int) -> tuple[list[float], int]:
    """Latencies (ms) of GETting ``paths`` with ``concurrency`` clients; and the non-200s."""
    queue = list(reversed(paths))
    latencies: list[float] = []
    errors = 0

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors
        while queue:
            path = queue.pop()
            started = time.perf_counter()
            response = await http.get(path)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
    return latencies, errors


def _percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def measure(
    url: str, warehouse_dir: Path, data_dir: Path, kinds: dict[str, list[str]], concurrency: int
) -> dict[str, tuple[float, float, int]]:
    """p50, p95 (ms) and non-200 count per kind, against a fresh server on the store."""
    port = _free_port()
    env = {
        **os.environ,
        "BANKCRM_DATABASE_URL": url,
        "BANKCRM_WAREHOUSE_DIR": str(warehouse_dir),
        "BANKCRM_DATA_DIR": str(data_dir),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.bench_api:bench_app"]
    server = subprocess.Popen(  # noqa: S603  our own interpreter, fixed arguments
        [*command, "--port", str(port), "--log-level", "warning"],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/api/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        results = {}
        for kind, paths in kinds.items():
            asyncio.run(_load(base, paths[: max(20, len(paths) // 10)], concurrency))  # warm up
            latencies, errors = asyncio.run(_load(base, paths, concurrency))
            results[kind] = (_percentile(latencies, 50), _percentile(latencies, 95), errors)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--start", default="2020-01")
    parser.add_argument("--end", default="2020-12")
    parser.add_argument("--requests", type=int, default=400, help="per kind of request")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--reuse",
        nargs=2,
        metavar=("STORE_URL", "WAREHOUSE_DIR"),
        help="Measure an already prepared store and warehouse (kept: not dropped).",
    )
    args = parser.parse_args(argv)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        if args.reuse:
            url, warehouse_dir = args.reuse[0], Path(args.reuse[1])
            engine = make_engine(url)
            with engine.connect() as conn:
                total = conn.execute(text("SELECT count(*) FROM customers")).scalar_one()
        else:
            url, warehouse_dir = (
                prepare(root, args.customers, args.start, args.end),
                root / "warehouse",
            )
            engine = make_engine(url)
            total = replicate(engine, args.copies) if args.copies > 1 else args.customers
        ensure_search_index(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT customer_id, name FROM customers WHERE customer_id NOT LIKE '%-%'")
            ).all()
        engine.dispose()
        prepared = time.perf_counter() - started
        where = f"{warehouse_dir} (reused)" if args.reuse else f"{args.customers:,} customers"
        print(
            f"store: {total:,} customers on PostgreSQL; warehouse: {where}, "
            f"{args.start}..{args.end} (prepared in {prepared:.0f} s)"
        )
        ids = [r[0] for r in rows]
        names = [r[1] for r in rows if len(r[1]) >= 3]
        pick: Callable[[list[str]], str] = rng.choice
        n = args.requests
        kinds = {
            "floor: one indexed SELECT": [f"/bench/floor/{pick(ids)}" for _ in range(n)],
            "search: 3-character name piece": [
                f"/api/v1/customers?q={pick(names)[-3:]}" for _ in range(n)
            ],
            "search: surname (1 character)": [
                f"/api/v1/customers?q={pick(names)[0]}" for _ in range(n)
            ],
            "search: tier filter + AUM sort": [
                f"/api/v1/customers?tier=gold&sort=-aum&page={rng.randint(1, 20)}" for _ in range(n)
            ],
            "customer 360": [f"/api/v1/customers/{pick(ids)}" for _ in range(n)],
        }
        try:
            results = measure(url, warehouse_dir, root, kinds, args.concurrency)
        finally:
            if not args.reuse:
                _admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    floor50, floor95, _ = results["floor: one indexed SELECT"]
    print(f"{args.concurrency} concurrent clients, {n} requests per kind, one uvicorn worker")
    for kind, (p50, p95, errors) in results.items():
        print(
            f"{kind:34} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms   "
            f"ratio to floor p50 {p50 / floor50:5.1f}x  p95 {p95 / floor95:5.1f}x"
            + (f"   NON-200: {errors}" if errors else "")
        )


if __name__ == "__main__":
    main(sys.argv[1:])
