"""``mixshare worker``: a Huey consumer that runs jobs, and the watch for dead workers.

Each worker process runs ``workers`` threads; one plan runs at a time in the whole center
anyway (the plan lane) and the engine starts its own helper process, so threads suffice and
no database connection is ever shared across a fork. More capacity means more worker
processes, on this machine or others (with a Redis queue).
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from mixshare.db import session_factory
from mixshare.jobs import service
from mixshare.jobs.queue import JobQueue, job_queue

log = logging.getLogger("mixshare.jobs")


def requeue_dead(factory: sessionmaker[Session], queue: JobQueue) -> list[service.Reaped]:
    """Reap jobs of dead workers; those with attempts left go back on the queue."""
    reaped = service.reap_dead(factory)
    for item in reaped:
        if item.requeued:
            queue.submit(item.job_id, "")
        outcome = "queued again" if item.requeued else "failed"
        log.warning("job %s %s: %s", item.job_id, outcome, item.reason)
    return reaped


def _watch(factory: sessionmaker[Session], queue: JobQueue, stop: threading.Event) -> None:
    while not stop.wait(service.lease_seconds() / 2):
        try:
            requeue_dead(factory, queue)
        except Exception:  # the next round tries again
            log.warning("reaping dead workers failed", exc_info=True)


def serve(workers: int = 1) -> None:
    """Run jobs until interrupted (Ctrl+C finishes the running jobs first)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    factory = session_factory()
    queue = job_queue()
    requeue_dead(factory, queue)  # jobs left running by a worker that died before we started
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(factory, queue, stop), daemon=True)
    watcher.start()
    consumer = queue.huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=False,
        initial_delay=0.05,  # an idle worker polls the queue at most this …
        max_delay=0.5,  # … to this often (Redis and SQLite queues are polled)
        check_worker_health=True,
    )
    try:
        consumer.run()
    finally:
        stop.set()
