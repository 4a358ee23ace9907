"""The busiest pages timed one request at a time, in this process: a figure that does not
depend on what else the machine is doing as much as the load benchmarks do.

    python benchmarks/page_handlers.py --url postgresql+psycopg://postgres@127.0.0.1:5432/DB
        [--seed-weeks 8] [--runs 15] [--profile orders]

``--seed-weeks N`` first fills the (empty) database as ``load_pages.py`` does (the demo
center with N weeks of orders and one bulk-stored plan). Then the planner logs in through the
login form and each page is loaded ``--runs`` times in a row, through the whole app (routing,
access, queries, templates) but without a socket; the table gives the median and the fastest
run in milliseconds. "cold" runs empty the per-process page caches before every request
(what the first request after any committed edit costs); "warm" runs keep them.
``--sql`` counts the SQL statements of one request per page; ``--profile PAGE`` prints the
cProfile of one more cold run of that page. To compare two versions of the code on the same
data, run the script with ``PYTHONPATH=<other checkout>/src``.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import pstats
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_pages

PAGES = {
    "dashboard": "/dashboard",
    "orders": "/orders",
    "orders p5": "/orders?page=5",
    "plan board": "/plan",
    "plan board 7 d": "/plan?days=7",
    "job poll (API)": "/api/v1/jobs/{job}",
}


def logged_in_client(url: str) -> Any:
    from fastapi.testclient import TestClient

    from mixshare.web.app import create_app

    client = TestClient(create_app(url, secret_key="page-handlers"))
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    form = {"username": "planner", "password": load_pages.PASSWORD}
    answer = client.post(
        "/login", data={**form, "csrf_token": token.group(1), "next": "/"}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text[:200]
    return client


def a_job(url: str) -> int:
    """A plan job to poll (queued, never run: the poll reads it as it would a running one)."""
    from sqlalchemy import select

    from mixshare.db import session_scope
    from mixshare.jobs import service
    from mixshare.jobs.models import Job
    from mixshare.planning.models import Plan

    with session_scope(url) as session:
        found = session.scalar(select(Job.id).order_by(Job.id).limit(1))
        if found is not None:
            return int(found)
        start = session.scalar(select(Plan.horizon_start).order_by(Plan.id).limit(1))
        assert start is not None
        job = service.create_plan_job(
            session, kind="run", start=start, days=7, method="engine", time_limit=1
        )
        return int(job.id)


def timed(
    get: Callable[[], Any], runs: int, before: Callable[[], None]
) -> tuple[list[float], float]:
    """Wall milliseconds of each run, and the process's CPU milliseconds per run (all threads:
    the app's and the test client's; PostgreSQL's own work is not in it)."""
    times = []
    cpu = 0.0
    for _ in range(runs):
        before()
        began, began_cpu = time.perf_counter(), time.process_time()
        answer = get()
        times.append((time.perf_counter() - began) * 1000)
        cpu += time.process_time() - began_cpu
        assert answer.status_code == 200, answer.status_code
    return times, cpu * 1000 / runs


def statement_count(url: str, get: Callable[[], Any]) -> int:
    from sqlalchemy import event

    from mixshare.db import get_engine

    seen: list[str] = []

    def note(*args: Any) -> None:
        seen.append(args[2])

    engine = get_engine(url)
    event.listen(engine, "before_cursor_execute", note)
    try:
        get()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--seed-weeks", type=int, default=0)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("--server", action="store_true", help="through uvicorn: CPU per request")
    parser.add_argument("--burst", type=int, default=0, help="N requests at once after an edit")
    parser.add_argument("--profile", choices=sorted(PAGES), default=None)
    parser.add_argument("--lines", type=int, default=60)
    parser.add_argument("--warm", action="store_true", help="profile with the caches kept")
    parser.add_argument("--callees", default="", help="print the callees of these functions")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key")
    args = parser.parse_args()
    if args.seed_weeks:
        print(f"seeded {load_pages.seed(args.url, args.seed_weeks)}", flush=True)

    import mixshare
    from mixshare.web.cache import clear_all

    client = logged_in_client(args.url)
    job = a_job(args.url)
    paths = {name: path.format(job=job) for name, path in PAGES.items()}
    print(f"code: {Path(mixshare.__file__).parent}, load average {os.getloadavg()[0]:.2f}")
    if args.profile:
        profile_page(client, paths[args.profile], args)
        return
    if args.server or args.burst:
        table = burst_table(args.url, args.burst, args.runs) if args.burst else []
        table = table or server_table(args.url, args.runs)
        print(f"load average after {os.getloadavg()[0]:.2f}\n")
        print("\n".join(table))
        return
    rows = [
        "| page | cold median ms | cold CPU ms | warm median ms | warm min ms | warm CPU ms | SQL |"
    ]
    rows.append("|---|---|---|---|---|---|---|")
    for name, path in paths.items():
        get: Callable[[], Any] = functools.partial(client.get, path)
        get()  # templates compiled, connections open
        cold, cold_cpu = timed(get, args.runs, clear_all)
        warm, warm_cpu = timed(get, args.runs, lambda: None)
        statements = ""
        if args.sql:

            def cleared_get(get: Callable[[], Any] = get) -> None:
                clear_all()
                get()

            statements = str(statement_count(args.url, cleared_get))
        rows.append(
            f"| {name} | {statistics.median(cold):.1f} | {cold_cpu:.1f} | "
            f"{statistics.median(warm):.1f} | {min(warm):.1f} | {warm_cpu:.1f} | {statements} |"
        )
    print(f"load average after {os.getloadavg()[0]:.2f}\n")
    print("\n".join(rows))


# --- a real server: CPU seconds per request, the figure load hardly changes -----------------


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes so far (Linux ``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def server_pids(server: Any) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [server.pid, *(int(pid) for pid in children.read_text().split())]


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL backends serving ``url``'s database (on this machine)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    engine = create_engine(url)
    with engine.connect() as conn:
        query = "SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
        pids = [int(pid) for pid in conn.execute(text(query), {"name": name}).scalars()]
    engine.dispose()
    return pids


def bump_data_version(url: str) -> None:
    """What any committed edit does: every page cache misses on its next request."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE data_version SET value = value + 1 WHERE id = 1"))
    engine.dispose()


def server_table(url: str, runs: int) -> list[str]:
    """Each page ``runs`` times in a row against ``mixshare``'s uvicorn (1 process): wall
    median, and the CPU the server and its PostgreSQL backends spent per request."""
    import asyncio

    import httpx

    port = load_pages._free_port()
    server = load_pages.start_server(url, port, 1)
    rows = ["| page | cache | median ms | server CPU ms/request | PostgreSQL CPU ms/request |"]
    rows.append("|---|---|---|---|---|")
    try:
        client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60)
        loop = asyncio.new_event_loop()
        loop.run_until_complete(load_pages._login(client))
        job = a_job(url)
        for name, template in PAGES.items():
            path = template.format(job=job)
            loop.run_until_complete(client.get(path))
            for cache in ("cold", "warm"):
                pids, backends = server_pids(server), backend_pids(url)
                times, server_cpu, db_cpu = [], 0.0, 0.0
                for _ in range(runs):
                    if cache == "cold":
                        bump_data_version(url)
                    before = cpu_seconds(pids), cpu_seconds(backends)
                    began = time.perf_counter()
                    answer = loop.run_until_complete(client.get(path))
                    times.append((time.perf_counter() - began) * 1000)
                    server_cpu += cpu_seconds(pids) - before[0]
                    db_cpu += cpu_seconds(backends) - before[1]
                    assert answer.status_code == 200, (path, answer.status_code)
                rows.append(
                    f"| {name} | {cache} | {statistics.median(times):.1f} | "
                    f"{server_cpu * 1000 / runs:.1f} | {db_cpu * 1000 / runs:.1f} |"
                )
        loop.run_until_complete(client.aclose())
        loop.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return rows


def burst_table(url: str, clients: int, rounds: int) -> list[str]:
    """What the first requests after an edit cost: the data version is moved (as any committed
    edit does), then ``clients`` requests of a cached page arrive at once at a 1-process
    uvicorn; the server's CPU for the whole burst (every request that computes the page's
    cached part itself adds its cost), median of ``rounds`` bursts."""
    import asyncio

    import httpx

    port = load_pages._free_port()
    server = load_pages.start_server(url, port, 1)
    rows = [f"| page | {clients} requests at once after an edit: server CPU ms | last answer ms |"]
    rows.append("|---|---|---|")

    async def every(calls: Any) -> None:
        await asyncio.gather(*calls)

    async def burst(pool: list[Any], path: str) -> float:
        began = time.perf_counter()
        answers = await asyncio.gather(*(client.get(path) for client in pool))
        assert all(a.status_code == 200 for a in answers)
        return (time.perf_counter() - began) * 1000

    try:
        loop = asyncio.new_event_loop()
        base = f"http://127.0.0.1:{port}"
        pool = [httpx.AsyncClient(base_url=base, timeout=120) for _ in range(clients)]
        loop.run_until_complete(every(load_pages._login(c) for c in pool))
        for name in ("dashboard", "plan board", "plan board 7 d"):
            path = PAGES[name]
            loop.run_until_complete(burst(pool, path))  # every thread and connection warm
            cpu, walls = [], []
            for _ in range(rounds):
                bump_data_version(url)
                pids = server_pids(server)
                before = cpu_seconds(pids)
                walls.append(loop.run_until_complete(burst(pool, path)))
                cpu.append((cpu_seconds(pids) - before) * 1000)
            rows.append(
                f"| {name} | {statistics.median(cpu):.0f} | {statistics.median(walls):.0f} |"
            )
        loop.run_until_complete(every(c.aclose() for c in pool))
        loop.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return rows


def profile_page(client: Any, path: str, args: argparse.Namespace) -> None:
    """cProfile of ``--runs`` requests of one page, cold (caches emptied) unless ``--warm``."""
    from mixshare.web.cache import clear_all

    client.get(path)  # templates compiled, caches filled
    profile = profiled_threadpool()
    for _ in range(args.runs):
        if not args.warm:
            clear_all()
        client.get(path)
    stats = pstats.Stats(profile).sort_stats(args.sort)
    if args.callees:
        stats.print_callees(args.callees)
    else:
        stats.print_stats(args.lines)


def profiled_threadpool() -> cProfile.Profile:
    """Profile what FastAPI runs in its thread pool (sync routes and dependencies): the
    request's own work, which a profile of the calling thread would not see."""
    import fastapi.dependencies.utils
    import fastapi.routing
    from starlette.concurrency import run_in_threadpool

    profile = cProfile.Profile()

    async def profiled(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def call() -> Any:
            profile.enable()
            try:
                return func(*args, **kwargs)
            finally:
                profile.disable()

        return await run_in_threadpool(call)

    # patch the name each module looked up from starlette (neither re-exports it, so mypy calls
    # the attribute private: attr-defined)
    fastapi.routing.run_in_threadpool = profiled  # type: ignore[attr-defined]
    fastapi.dependencies.utils.run_in_threadpool = profiled  # type: ignore[attr-defined]
    return profile


if __name__ == "__main__":
    main()
