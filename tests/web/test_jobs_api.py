"""Plan runs through the API are jobs: 202 + Location, one at a time, never forked.

In-process, the queue runs each job in the request that submits it (Huey's immediate mode,
set in tests/conftest.py); tests/jobs/test_worker_process.py runs real worker processes.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.jobs.models import Job
from mixshare.planning.models import Plan
from tests.web.conftest import World


def _run_body(db: Session, world: World, time_limit: float = 0.5) -> dict[str, Any]:
    plan = db.get(Plan, world.plan)
    assert plan is not None
    plan.status = "published"  # the plan re-plans keep stable
    db.commit()
    start = plan.horizon_start.isoformat() + "+08:00"
    return {"start": start, "days": 7, "time_limit": time_limit}


def test_post_plan_answers_202_with_the_job_location(
    client: TestClient, world: World, db: Session
) -> None:
    answer = client.post(
        "/api/v1/plans", json=_run_body(db, world), headers=world.headers("planner")
    )
    assert answer.status_code == 202, answer.text
    location = answer.headers["location"]
    assert location == f"/api/v1/jobs/{answer.json()['id']}"
    job = client.get(location, headers=world.headers("planner")).json()
    assert {"id", "kind", "state", "progress", "result", "error"} <= set(job)
    assert job["state"] == "done" and job["progress"] == 1.0 and job["error"] is None
    plan = db.get(Plan, job["result"]["plan_id"])
    assert plan is not None and plan.previous_id == world.plan


def test_members_do_not_see_staff_jobs(client: TestClient, world: World, db: Session) -> None:
    answer = client.post(
        "/api/v1/plans", json=_run_body(db, world), headers=world.headers("planner")
    )
    location = answer.headers["location"]
    for member in ("m01", "m01admin"):
        assert client.get(location, headers=world.headers(member)).status_code == 404
    assert client.get(location, headers=world.headers("operator")).status_code == 200
    assert client.get("/api/v1/jobs/99999999999999999999").status_code in (401, 404, 422)
    missing = client.get("/api/v1/jobs/999999", headers=world.headers("admin"))
    assert missing.status_code == 404
    refused = client.post(f"{location}/cancel", headers=world.headers("operator"))
    assert refused.status_code == 403


def test_cancel_and_retry(client: TestClient, world: World, db: Session) -> None:
    from mixshare.jobs import service

    queued = service.create_plan_job(
        db,
        kind="run",
        start=db.get(Plan, world.plan).horizon_start,  # type: ignore[union-attr]
        days=7,
        method="dispatch",
        time_limit=1.0,
    )
    db.commit()
    planner = world.headers("planner")
    answer = client.post(f"/api/v1/jobs/{queued.id}/cancel", headers=planner)
    assert answer.status_code == 200 and answer.json()["state"] == "cancelled"
    again = client.post(f"/api/v1/jobs/{queued.id}/cancel", headers=planner)
    assert again.status_code == 409
    retried = client.post(f"/api/v1/jobs/{queued.id}/retry", headers=planner)
    assert retried.status_code == 202
    assert retried.json()["state"] == "done" and retried.json()["result"]["plan_id"]


def test_parallel_plan_runs_do_not_fork_the_history(
    client: TestClient, world: World, db: Session
) -> None:
    """Finding 10: two API plan runs at once raced for the same plan version. Now the second
    waits for the first; both keep the published plan stable (never the other's draft)."""
    body = _run_body(db, world, time_limit=2.0)
    answers: list[int] = []

    def post() -> None:
        answer = client.post("/api/v1/plans", json=body, headers=world.headers("planner"))
        answers.append(answer.status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(status in (201, 202) for status in answers), answers
    db.expire_all()
    plans = list(db.scalars(select(Plan).where(Plan.id != world.plan).order_by(Plan.version)))
    assert len(plans) == 2
    assert [p.previous_id for p in plans] == [world.plan, world.plan]
    assert [p.version for p in plans] == [2, 3]


def test_board_shows_the_job_and_its_page_cancel(
    client: TestClient, world: World, db: Session
) -> None:
    from mixshare.jobs import service
    from tests.web.pages_helpers import page_login, post_form

    plan = db.get(Plan, world.plan)
    assert plan is not None
    job = service.create_plan_job(
        db,
        kind="run",
        start=plan.horizon_start + timedelta(days=1),
        days=7,
        method="dispatch",
        time_limit=1.0,
    )
    db.commit()
    token = page_login(client, "planner")
    board = client.get("/plan")
    assert f'data-job-id="{job.id}"' in board.text and 'data-state="queued"' in board.text
    answer = post_form(client, f"/plan/jobs/{job.id}/cancel", token)
    assert answer.status_code == 303
    db.expire_all()
    assert db.scalar(select(Job.state).where(Job.id == job.id)) == "cancelled"
    assert client.get(f"/api/v1/jobs/{job.id}").json()["state"] == "cancelled"
