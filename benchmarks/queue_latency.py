"""Enqueue → start latency of task queue libraries on this machine (why mixshare uses Huey).

    python benchmarks/queue_latency.py [--tasks 20]
        [--libraries huey-sqlite,huey-redis,rq,dramatiq,procrastinate]

Each library gets one idle worker process; the script enqueues ``--tasks`` tasks, 0.3 s apart,
each carrying the wall-clock time it was sent; the task writes how late it started. Redis at
``--redis`` (default 127.0.0.1:6379, database 15; each library uses its own queue name) and
PostgreSQL at ``--pg`` (a temporary database) are used on loopback. Libraries that are not
installed fail their row. The measurement runs in a separate venv (``pip install huey redis
rq dramatiq[redis] procrastinate psycopg[binary]``): mixshare depends only on Huey and redis.
Polling settings are each library's defaults except Huey's, which mixshare's worker sets
(poll every 0.05 s, backing off to at most 0.5 s when idle).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import uuid
from pathlib import Path

RECORD = """
import os, time
def record(sent):
    with open(os.environ["LATENCY_FILE"], "a") as out:
        out.write(f"{time.time() - sent}\\n")
"""

MODULES = {
    "huey-sqlite": RECORD
    + textwrap.dedent("""
        from huey import SqliteHuey
        huey = SqliteHuey("bench", filename=os.environ["QUEUE_FILE"], results=False)
        task = huey.task()(record)
        def send(sent): task(sent)
    """),
    "huey-redis": RECORD
    + textwrap.dedent("""
        from huey import RedisHuey
        huey = RedisHuey("bench", url=os.environ["REDIS_URL"], results=False)
        task = huey.task()(record)
        def send(sent): task(sent)
    """),
    "rq": RECORD
    + textwrap.dedent("""
        from redis import Redis
        from rq import Queue
        queue = Queue("bench", connection=Redis.from_url(os.environ["REDIS_URL"]))
        def send(sent): queue.enqueue(record, sent)
    """),
    "dramatiq": RECORD
    + textwrap.dedent("""
        import dramatiq
        from dramatiq.brokers.redis import RedisBroker
        dramatiq.set_broker(RedisBroker(url=os.environ["REDIS_URL"]))
        actor = dramatiq.actor(record, queue_name="bench")
        def send(sent): actor.send(sent)
    """),
    "procrastinate": RECORD
    + textwrap.dedent("""
        import procrastinate
        connector = procrastinate.PsycopgConnector(conninfo=os.environ["PG_DSN"])
        app = procrastinate.App(connector=connector)
        task = app.task(name="record", queue="bench")(record)
        def send(sent):
            with app.open():
                task.defer(sent=sent)
    """),
}

WORKERS = {
    "huey-sqlite": [
        "-m",
        "huey.bin.huey_consumer",
        "benchmod.huey",
        "-w",
        "1",
        "-d",
        "0.05",
        "-m",
        "0.5",
    ],
    "huey-redis": [
        "-m",
        "huey.bin.huey_consumer",
        "benchmod.huey",
        "-w",
        "1",
        "-d",
        "0.05",
        "-m",
        "0.5",
    ],
    "rq": ["-m", "rq.cli", "worker", "-u", "{redis}", "bench"],
    "dramatiq": ["-m", "dramatiq", "benchmod", "-p", "1", "-t", "1", "-Q", "bench"],
    "procrastinate": ["-m", "procrastinate", "--app", "benchmod.app", "worker", "-q", "bench"],
}


def measure(name: str, tasks: int, env: dict[str, str], work: Path) -> list[float]:
    (work / "benchmod.py").write_text(MODULES[name])
    latency = work / f"{name}.txt"
    env = {**env, "LATENCY_FILE": str(latency), "PYTHONPATH": str(work)}
    if name == "procrastinate":
        setup = (
            "import benchmod\n"
            "with benchmod.app.open():\n"
            "    benchmod.app.schema_manager.apply_schema()"
        )
        subprocess.run([sys.executable, "-c", setup], env=env, check=True, cwd=work)
    command = [sys.executable] + [a.replace("{redis}", env["REDIS_URL"]) for a in WORKERS[name]]
    worker = subprocess.Popen(
        command, env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    sender = textwrap.dedent(f"""
        import time, benchmod
        time.sleep(4)  # the worker is up and idle
        for _ in range({tasks}):
            benchmod.send(time.time())
            time.sleep(0.3)
        time.sleep(3)
    """)
    try:
        subprocess.run([sys.executable, "-c", sender], env=env, check=True, cwd=work)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    values = [float(v) * 1000 for v in latency.read_text().split()] if latency.exists() else []
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--libraries", default=",".join(MODULES))
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    rows = [
        "| library | backend | tasks started | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    pg_name = f"queue_bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", args.pg, "-qc", f'CREATE DATABASE "{pg_name}"'], check=False)
    env = {
        **os.environ,
        "REDIS_URL": args.redis,
        "PG_DSN": args.pg.rsplit("/", 1)[0] + f"/{pg_name}",
    }
    backends = {
        "huey-sqlite": "SQLite file",
        "huey-redis": "Redis",
        "rq": "Redis",
        "dramatiq": "Redis",
        "procrastinate": "PostgreSQL",
    }
    try:
        for name in args.libraries.split(","):
            with tempfile.TemporaryDirectory() as directory:
                env["QUEUE_FILE"] = str(Path(directory) / "queue.db")
                try:
                    values = measure(name, args.tasks, env, Path(directory))
                except (subprocess.CalledProcessError, OSError) as exc:
                    rows.append(f"| {name} | {backends[name]} | failed: {exc} | | | |")
                    continue
            if not values:
                rows.append(f"| {name} | {backends[name]} | 0 | | | |")
                continue
            ordered = sorted(values)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            rows.append(
                f"| {name} | {backends[name]} | {len(values)}/{args.tasks} | "
                f"{statistics.median(values):.1f} | {p95:.1f} | {max(values):.1f} |"
            )
            print(rows[-1], flush=True)
    finally:
        subprocess.run(
            ["psql", args.pg, "-qc", f'DROP DATABASE IF EXISTS "{pg_name}"'], check=False
        )
    print(f"\n{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
