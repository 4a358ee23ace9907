"""The OPC UA collector against a simulated line: killed with SIGKILL mid-stream and started
again, it stores every batch the line sent, each exactly once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.db import session_factory
from mixshare.execution.models import Batch, CollectorCheckpoint
from mixshare.execution.playback import Playback, receive
from mixshare.execution.simulation import simulate_days
from tests.execution.small_plan import publish_small_plan
from tests.web.conftest import World

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _mixshare(db_url: str, *args: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MIXSHARE_DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "mixshare.cli", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stored(db_url: str) -> int:
    with session_factory(db_url)() as session:
        return session.scalar(select(func.count(Batch.id))) or 0


def _wait(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_collector_resumes_and_loses_or_doubles_nothing(
    db_url: str, session: Session, center: World, tmp_path: Path
) -> None:
    plan = publish_small_plan(session, center)
    receive(session, simulate_days(session, plan, 2), Playback(plan.version, 2))
    endpoint = f"opc.tcp://127.0.0.1:{_free_port()}/mixshare/"
    sent_log = tmp_path / "sent.txt"
    plc_log, first_log, second_log = (tmp_path / f"{n}.log" for n in ("plc", "first", "second"))
    # 44 batches on L1; the ring holds 8, so the line must wait for acknowledgements
    plc = _mixshare(
        db_url, "simulate-plc", "--line", "L1", "--endpoint", endpoint, "--days", "2",
        "--rate", "25", "--ring", "8", "--sent-log", str(sent_log), log=plc_log,
    )  # fmt: skip
    collect = ("collect", "--line", "L1", "--endpoint", endpoint, "--poll", "0.2")
    first = second = None
    try:
        first = _mixshare(db_url, *collect, log=first_log)
        # an OPC UA server loads the standard address space first: seconds on a busy machine
        _wait(lambda: _stored(db_url) >= 5, 120, "the first batches")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        sent_at_kill = len(sent_log.read_text().splitlines())
        assert sent_at_kill < 44, "the line had finished before the kill: not mid-stream"
        second = _mixshare(db_url, *collect, "--exit-when-idle", "3", log=second_log)
        assert second.wait(90) == 0, second_log.read_text()
        plc.send_signal(signal.SIGTERM)
        assert plc.wait(15) == 0, plc_log.read_text()
    finally:
        for process in (first, second, plc):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)
    sent = [line.split()[1] for line in sent_log.read_text().splitlines()]
    assert len(sent) == 44 and len(set(sent)) == 44, plc_log.read_text()
    session.expire_all()
    stored = Counter(session.scalars(select(Batch.code)).all())
    assert set(stored) == set(sent)
    assert max(stored.values()) == 1
    checkpoint = session.scalars(select(CollectorCheckpoint)).one()
    assert checkpoint.sequence == 44
    assert "collected" in second_log.read_text()
    assert "unknown raw lot" not in second_log.read_text()  # the receipts came first
