"""The job queue under load, on PostgreSQL: page latency while plans run, and plan throughput.

    python benchmarks/queue_load.py pages [--weeks 8] [--plan-seconds 60] [--clients 20,50]
    python benchmarks/queue_load.py throughput [--jobs 20] [--plan-seconds 10] [--workers 2]

``pages``: a fresh PostgreSQL database holding the demo center (``--weeks`` of orders, one
bulk-stored plan, as in ``load_pages.py``); uvicorn serves it with 2 processes and 2
``mixshare worker`` processes run the queue. Two plan jobs of ``--plan-seconds`` engine time
are queued (one runs, the next waits: one plan at a time); while they run, ``--clients``
concurrent clients (logged in as the planner) load the dashboard, the order list and the plan
board. Each round says whether a plan was running from its first to its last request.

``throughput``: ``--jobs`` plan jobs of ``--plan-seconds`` engine time queued at once on
``--workers`` worker processes. Plans run one at a time (each builds on the one before), so
the ideal total is the sum of the jobs' own run times (claim → commit) with no gap between
them; the ratio total / ideal is the queue's overhead (hand-over between jobs and workers).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_pages  # the seeding, server and load code of the page benchmark
from scratch_db import DEFAULT_SERVER, scratch_postgres


def start_workers(url: str, queue: str, count: int, logs: Path) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "MIXSHARE_DATABASE_URL": url, "MIXSHARE_QUEUE_URL": queue}
    command = [sys.executable, "-m", "mixshare.cli", "worker", "--workers", "1"]
    processes = []
    for n in range(count):
        log = (logs / f"worker-{n}.log").open("wb")
        processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=log))
    return processes


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def queue_plans(url: str, queue: str, count: int, seconds: float) -> list[int]:
    """``count`` plan jobs of the first demo week, submitted as the web does."""
    from sqlalchemy import select

    from mixshare.db import session_scope
    from mixshare.jobs import service
    from mixshare.jobs.queue import job_queue
    from mixshare.planning.models import Plan

    ids = []
    with session_scope(url) as session:
        start = session.scalar(select(Plan.horizon_start).order_by(Plan.id).limit(1))
        assert start is not None
        for _ in range(count):
            job = service.create_plan_job(
                session, kind="run", start=start, days=7, method="engine", time_limit=seconds
            )
            ids.append(job.id)
    submit = job_queue(queue, url)
    for job_id in ids:
        submit.submit(job_id, url)
    return ids


def jobs_of(url: str, ids: list[int]) -> list[Any]:
    from sqlalchemy import select

    from mixshare.db import session_scope
    from mixshare.jobs.models import Job

    with session_scope(url) as session:
        rows = list(session.scalars(select(Job).where(Job.id.in_(ids)).order_by(Job.id)))
        for row in rows:
            session.expunge(row)
        return rows


def running(url: str, ids: list[int]) -> bool:
    return any(job.state == "running" for job in jobs_of(url, ids))


def wait_running(url: str, ids: list[int], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not running(url, ids):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no plan job started: {[j.state for j in jobs_of(url, ids)]}")
        time.sleep(0.2)


def pages(url: str, queue: str, args: argparse.Namespace, logs: Path) -> list[str]:
    counts = load_pages.seed(url, args.weeks)
    print(f"seeded {counts}", flush=True)
    port = load_pages._free_port()
    os.environ["MIXSHARE_QUEUE_URL"] = queue
    server = load_pages.start_server(url, port, 2)
    workers = start_workers(url, queue, 2, logs)
    rows = []
    try:
        for clients in (int(c) for c in args.clients.split(",")):
            ids = queue_plans(url, queue, 2, args.plan_seconds)
            wait_running(url, ids)
            began = time.monotonic()
            result = load_pages.run_load(f"http://127.0.0.1:{port}", clients, args.requests)
            seconds = time.monotonic() - began
            during = running(url, ids)
            for page, t in result.items():
                rows.append(
                    f"| {clients} | {page} | {len(t)} | {statistics.median(t):.0f} | "
                    f"{load_pages.percentile(t, 0.95):.0f} | {max(t):.0f} | "
                    f"{'yes' if during else 'NO'} ({seconds:.0f} s) |"
                )
            print("\n".join(rows[-3:]), flush=True)
            cancel(url, ids)
    finally:
        stop(workers)
        server.terminate()
        server.wait(timeout=10)
    return [
        "| clients | page | requests | p50 ms | p95 ms | max ms | plan running throughout |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]


def cancel(url: str, ids: list[int]) -> None:
    """End the round's plan jobs (cancelled jobs store nothing) and wait for the lane."""
    from mixshare.db import session_scope
    from mixshare.jobs import service
    from mixshare.jobs.models import FINISHED

    with session_scope(url) as session:
        for job_id in ids:
            job = service.get(session, job_id)
            if job.state not in FINISHED:
                service.cancel(session, job)
    deadline = time.monotonic() + args_plan_limit
    while any(j.state not in FINISHED for j in jobs_of(url, ids)) and time.monotonic() < deadline:
        time.sleep(0.5)


args_plan_limit = 180.0


def throughput(url: str, queue: str, args: argparse.Namespace, logs: Path) -> list[str]:
    counts = load_pages.seed(url, 2)
    print(f"seeded {counts}", flush=True)
    workers = start_workers(url, queue, args.workers, logs)
    try:
        time.sleep(3)  # workers up (migrations checked, queue open)
        t0 = time.monotonic()
        ids = queue_plans(url, queue, args.jobs, args.plan_seconds)
        while any(j.state in ("queued", "running") for j in jobs_of(url, ids)):
            time.sleep(0.2)
        total = time.monotonic() - t0
    finally:
        stop(workers)
    jobs = jobs_of(url, ids)
    runs = [(j.finished_at - j.started_at).total_seconds() for j in jobs if j.started_at]
    gaps = [
        (b.started_at - a.finished_at).total_seconds()
        for a, b in itertools.pairwise(jobs)
        if a.finished_at and b.started_at
    ]
    chained = _chained(url, jobs)
    ideal = sum(runs)
    nominal = args.jobs * args.plan_seconds
    return [
        "| jobs | workers | engine s/job | done | total s | ideal s (sum of runs) | "
        "total / ideal | total / (jobs × engine s) | mean hand-over s | plans chained |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {args.jobs} | {args.workers} | {args.plan_seconds:g} | "
        f"{sum(j.state == 'done' for j in jobs)} | {total:.1f} | {ideal:.1f} | "
        f"{total / ideal:.3f} | {total / nominal:.3f} | "
        f"{statistics.mean(gaps) if gaps else 0:.2f} | {'yes' if chained else 'NO'} |",
    ]


def _chained(url: str, jobs: list[Any]) -> bool:
    """Each plan's previous plan is the one of the job before it (no fork)."""
    from mixshare.db import session_scope
    from mixshare.planning.models import Plan

    with session_scope(url) as session:
        plans = [session.get(Plan, j.result["plan_id"]) for j in jobs if j.result]
        return all(b.previous_id == a.id for a, b in itertools.pairwise(plans) if a and b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("pages", "throughput"))
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--plan-seconds", type=float, default=None)
    parser.add_argument("--clients", default="20,50")
    parser.add_argument("--requests", type=int, default=300, help="per page and round")
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_SERVER,
    )
    parser.add_argument("--queue", default="", help="queue URL (default: a temporary SQLite)")
    args = parser.parse_args()
    if args.plan_seconds is None:
        args.plan_seconds = 60.0 if args.mode == "pages" else 10.0
    load_before = os.getloadavg()[0]
    with (
        scratch_postgres(args.pg_url, "mixshare_load") as url,
        tempfile.TemporaryDirectory() as directory,
    ):
        queue = args.queue or f"sqlite:///{Path(directory) / 'queue.db'}"
        run = pages if args.mode == "pages" else throughput
        table = run(url, queue, args, Path(directory))
    print(
        f"\n{args.mode}: PostgreSQL, queue {args.queue or 'SQLite (Huey)'}, {os.cpu_count()} "
        f"cores, load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after\n"
    )
    print("\n".join(table))


if __name__ == "__main__":
    main()
