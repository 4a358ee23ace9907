"""`mixshare import orders --background` queues an import job; the worker imports the file
(here the queue runs it in-process, Huey's immediate mode) and the job holds the outcome."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from mixshare.cli import app
from mixshare.jobs.models import Job
from mixshare.orders import service as orders
from mixshare.settings import now_local
from tests.orders.test_imports import write_csv


def test_background_import_runs_as_a_job(
    center: Session, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    due = (now_local() + timedelta(days=10)).replace(microsecond=0)
    rows: list[list[object]] = [["J-0001", "M01", "BELT-NR-01", "final", 1200, due, None, ""]]
    result = CliRunner().invoke(
        app, ["import", "orders", str(write_csv(tmp_path / "o.csv", rows)), "--background"]
    )
    assert result.exit_code == 0, result.output
    assert "queued as job" in result.output
    center.expire_all()
    job = center.scalar(select(Job).where(Job.kind == "import_orders"))
    assert job is not None and job.state == "done", job and job.error
    assert job.result == {"file": "o.csv", "rows": 1, "created": ["J-0001"]}
    assert orders.get_by_number(center, "J-0001").quantity_kg == 1200


def test_a_bad_import_job_fails_with_every_problem(
    center: Session, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    rows: list[list[object]] = [["J-0002", "M01", "NOPE", "final", -5, "soon", None, ""]]
    CliRunner().invoke(
        app, ["import", "orders", str(write_csv(tmp_path / "bad.csv", rows)), "--background"]
    )
    center.expire_all()
    job = center.scalar(select(Job).where(Job.kind == "import_orders"))
    assert job is not None and job.state == "failed"
    assert job.error and "compound" in job.error and "due_at" in job.error
