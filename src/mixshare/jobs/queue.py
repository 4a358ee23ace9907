"""The queue that carries job ids to ``mixshare worker`` processes: Huey.

Why Huey (measured: ``benchmarks/queue_latency.py``, ``docs/benchmarks/job-queue-2026-12-02.md``):
it is small and well kept, runs on an embedded SQLite file with nothing extra to start (the
default here, beside the SQLite database), and on Redis in production
(``MIXSHARE_QUEUE_URL=redis://host:6379/0``), where ``mixshare worker`` processes on several
machines share one queue. Enqueue → start latency of an idle worker, p50 / p95 ms on the
2-core reference machine under load: Huey on Redis 4 / 11, Huey on SQLite 77 / 128 (polling),
Dramatiq on Redis 99 / 364, RQ on Redis 143 / 205 (a fork per job), procrastinate on
PostgreSQL 169 / 266. procrastinate would need PostgreSQL for the embedded default, and
Dramatiq and RQ a Redis server even on a laptop; for plan runs of seconds to minutes every
one of them is fast enough, so the embedded default decided, and Huey on Redis was fastest.

The queue carries only the job's id: the job's state, progress and result live in the
``jobs`` table (:mod:`mixshare.jobs.service`), so a lost queue message loses no state and any
web process can answer for any job.

``MIXSHARE_QUEUE_URL``:
  unset            SQLite file beside the SQLite database (``mixshare.db`` →
                   ``mixshare-queue.db``), or ``./mixshare-queue.db`` for PostgreSQL
  ``sqlite:///P``  SQLite file P
  ``redis://…``    Redis (production; several machines)
  ``immediate``    run each job in the process that submits it (tests, single-process use)
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from sqlalchemy.engine import make_url

from mixshare.jobs import tasks
from mixshare.settings import database_url

QUEUE_FILE = "mixshare-queue.db"


def queue_url(db_url: str | None = None) -> str:
    """The configured queue (see the module docstring)."""
    explicit = os.environ.get("MIXSHARE_QUEUE_URL", "").strip()
    if explicit:
        return explicit
    url = make_url(db_url or database_url())
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return f"sqlite:///{Path(url.database).with_name(QUEUE_FILE)}"
    return f"sqlite:///{Path.cwd() / QUEUE_FILE}"


def _queue_name(db_url: str) -> str:
    # one Redis can serve several centers: each database gets its own queue
    digest = hashlib.sha1(make_url(db_url).render_as_string(hide_password=True).encode())
    return f"mixshare-{digest.hexdigest()[:10]}"


class JobQueue:
    """A Huey instance with mixshare's one task registered on it."""

    def __init__(self, huey: Huey) -> None:
        self.huey = huey
        self._run: TaskWrapper = huey.task(name="mixshare.run_job")(tasks.run_job)

    @property
    def immediate(self) -> bool:
        return bool(self.huey.immediate)

    def submit(self, job_id: int, db_url: str) -> None:
        """Hand the committed job to a worker (or run it now in immediate mode, on ``db_url``;
        workers use their own configured database)."""
        self._run(job_id, db_url if self.immediate else None)


@cache
def job_queue(url: str | None = None, db_url: str | None = None) -> JobQueue:
    """The queue at ``url`` (default: :func:`queue_url`), one per process and URL."""
    db = db_url or database_url()
    url = url or queue_url(db)
    name = _queue_name(db)
    if url == "immediate":
        return JobQueue(MemoryHuey(name, immediate=True, results=False))
    if url.startswith("redis://") or url.startswith("rediss://"):
        return JobQueue(RedisHuey(name, url=url, results=False))
    if url.startswith("sqlite:///"):
        return JobQueue(SqliteHuey(name, filename=url.removeprefix("sqlite:///"), results=False))
    raise ValueError(f"MIXSHARE_QUEUE_URL: unknown queue {url!r} (sqlite:///…, redis://…)")
