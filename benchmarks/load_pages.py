"""Load benchmark of the busiest pages on a year of demo data, on SQLite and PostgreSQL.

    python benchmarks/load_pages.py [--weeks 50] [--clients 20] [--requests 300]
        [--databases sqlite,postgresql] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each database: a fresh database is migrated and seeded (the demo center with ``--weeks`` of
orders, and one stored plan holding every order's lots, inserted in bulk: tens of thousands of
lots); uvicorn serves it in a subprocess; a second process runs ``--clients`` concurrent
httpx clients (logged in as the planner) against the dashboard, the order list and the plan
board over loopback. The table shows p50 / p95 / max latency in milliseconds per page.

Clients log in before any page is timed, and each client's first request to a page is an
untimed warm-up (templates compiled, per-worker caches filled). After the bulk load the
database is ANALYZEd, as PostgreSQL's autovacuum would do within a minute. uvicorn runs
``--workers`` processes (default 2: one per core of the reference 2-core machine; the load
generator shares those cores). The machine's load average is printed with the table: the
numbers mean little when other work competes for the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from scratch_db import DEFAULT_SERVER, scratch_database

PAGES = {"dashboard": "/dashboard", "orders": "/orders", "plan board": "/plan"}
PASSWORD = "load-test-pass-1"
KG_PER_HOUR = 7_500.0


# --- seeding --------------------------------------------------------------------------------


def _lot_rows(orders: list[Any], lines: list[int], start: datetime) -> Iterator[dict[str, Any]]:
    """MB then FB lot of each order, packed one after another on alternating lines."""
    free = {line: start for line in lines}
    for index, order in enumerate(orders):
        line = lines[index % len(lines)]
        stages = ("MB", "FB") if order.stage == "final" else ("MB",)
        for stage in stages:
            hours = order.quantity_kg / KG_PER_HOUR
            begin = free[line]
            end = begin + timedelta(hours=hours)
            free[line] = end + timedelta(minutes=15)
            yield {
                "code": f"{order.number}/{stage}",
                "order_id": order.id,
                "member_id": order.member_id,
                "compound_version_id": order.compound_version_id,
                "stage": stage,
                "line_id": line,
                "batches": max(1, round(order.quantity_kg / 330)),
                "kg": order.quantity_kg,
                "start": begin,
                "end": end,
                "kwh": order.quantity_kg * 0.2,
                "energy_cost": order.quantity_kg * 0.2 * 0.6,
                "locked": False,
            }


def seed(url: str, weeks: int) -> dict[str, int]:
    from sqlalchemy import Table, func, insert, select, text

    from mixshare import migrate
    from mixshare.db import get_engine, session_scope
    from mixshare.demo.accounts import create_demo_accounts
    from mixshare.demo.generator import load_demo_center, next_monday
    from mixshare.lines.models import Line
    from mixshare.orders.models import Order
    from mixshare.planning.models import Plan, PlanLot

    migrate.upgrade(url)
    start = next_monday(date.today())
    with session_scope(url) as session:
        load_demo_center(session, seed=7, weeks=weeks, start=start)
        create_demo_accounts(session, PASSWORD)
    with session_scope(url) as session:
        begin = datetime.combine(start, datetime.min.time())
        plan = Plan(
            version=1,
            created_at=datetime.now(),
            horizon_start=begin,
            horizon_end=begin + timedelta(weeks=weeks),
            status="draft",
            method="bulk",
            kpis={},
        )
        session.add(plan)
        session.flush()
        orders = list(session.scalars(select(Order).order_by(Order.due_at, Order.id)))
        lines = list(session.scalars(select(Line.id).order_by(Line.code)))
        rows = [{**row, "plan_id": plan.id} for row in _lot_rows(orders, lines, begin)]
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(PlanLot), rows[chunk : chunk + 5000])
        orders_table = Order.__table__
        assert isinstance(orders_table, Table)  # declared as a FromClause; a mapped class's Table
        session.execute(
            orders_table.update().where(Order.status == "open").values(status="planned")
        )
    # Fresh statistics after the bulk load, as PostgreSQL's autovacuum gathers them within a
    # minute of such a load (without them the planner guesses a handful of lots per plan).
    engine = get_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    with session_scope(url) as session:
        counts = {
            "orders": int(session.scalar(select(func.count(Order.id))) or 0),
            "lots": int(session.scalar(select(func.count(PlanLot.id))) or 0),
        }
    get_engine(url).dispose()
    return counts


# --- server and load ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """uvicorn on ``url`` with ``workers`` processes (the app factory reads the URL from env)."""
    command = [sys.executable, "-m", "uvicorn", "mixshare.web.app:create_app", "--factory"]
    command += ["--no-proxy-headers"]  # the app reads forwarded headers (trusted proxies only)
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    env = {**os.environ, "MIXSHARE_DATABASE_URL": url, "MIXSHARE_SECRET_KEY": "load-bench"}
    server = subprocess.Popen([*command, "--log-level", "warning"], env=env)
    import httpx

    deadline = time.monotonic() + 120  # importing the app took 22 s on the shared machine
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


async def _login(client: Any) -> None:
    import re

    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    data = {"username": "planner", "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    answer = await client.post("/login", data=data)
    assert answer.status_code == 303, answer.text[:200]


async def _worker(client: Any, path: str, count: int, times: list[float]) -> None:
    for _ in range(count):
        began = time.perf_counter()
        answer = await client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)


async def _load(base: str, clients: int, requests: int) -> dict[str, list[float]]:
    """Every client logs in first (argon2 on 20 logins is not page latency), then each page
    is loaded by all clients at once, after one untimed warm-up request per client."""
    import httpx

    results: dict[str, list[float]] = {}
    pool = [httpx.AsyncClient(base_url=base, timeout=30) for _ in range(clients)]
    try:
        await asyncio.gather(*(_login(client) for client in pool))
        for name, path in PAGES.items():
            await asyncio.gather(*(client.get(path) for client in pool))
            times: list[float] = []
            per_client = max(1, requests // clients)
            await asyncio.gather(*(_worker(client, path, per_client, times) for client in pool))
            results[name] = times
    finally:
        await asyncio.gather(*(client.aclose() for client in pool))
    return results


def client_main(base: str, clients: int, requests: int) -> None:
    """The load process: prints {page: [ms, …]} as JSON."""
    print(json.dumps(asyncio.run(_load(base, clients, requests))))


def run_load(base: str, clients: int, requests: int) -> dict[str, list[float]]:
    args = [sys.executable, __file__, "--client", base, "--clients", str(clients)]
    out = subprocess.run([*args, "--requests", str(requests)], capture_output=True, check=True)
    result: dict[str, list[float]] = json.loads(out.stdout)
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- databases ------------------------------------------------------------------------------


def bench(label: str, url: str, args: argparse.Namespace) -> list[str]:
    began = time.monotonic()
    counts = seed(url, args.weeks)
    print(f"[{label}] seeded {counts} in {time.monotonic() - began:.0f} s", flush=True)
    port = _free_port()
    server = start_server(url, port, args.workers)
    try:
        results = run_load(f"http://127.0.0.1:{port}", args.clients, args.requests)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return [
        f"| {label} | {page} | {len(t)} | {statistics.median(t):.0f} | "
        f"{percentile(t, 0.95):.0f} | {max(t):.0f} |"
        for page, t in results.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weeks", type=int, default=50)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=300, help="per page, all clients")
    parser.add_argument(
        "--workers", type=int, default=2, help="uvicorn worker processes (one per core)"
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_SERVER,
    )
    parser.add_argument("--client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args.client, args.clients, args.requests)
        return
    table = [
        "| database | page | requests | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    load_before = os.getloadavg()[0]
    for database in args.databases.split(","):
        label = "SQLite" if database == "sqlite" else "PostgreSQL"
        with scratch_database(database, args.pg_url, "load") as url:
            table += bench(label, url, args)
    print(
        f"\n{args.weeks} weeks, {args.clients} clients, {args.workers} uvicorn workers, "
        f"{os.cpu_count()} cores, load average {load_before:.1f} before / "
        f"{os.getloadavg()[0]:.1f} after\n"
    )
    print("\n".join(table))


if __name__ == "__main__":
    main()
