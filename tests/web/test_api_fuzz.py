"""Schemathesis against the published OpenAPI schema of a real server on the demo center, once
per role: no answer may be a 500 or break the schema (status codes, content types, bodies —
e.g. every date-time carries the center's offset).

Bounded for CI: ``MIXSHARE_FUZZ_EXAMPLES`` cases per operation and phase (default 10), the
boundary-value phase once (as center admin); the figures of each role's run (operations,
cases, failures) are printed (``pytest -s``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from mixshare.db import session_factory
from mixshare.demo.accounts import create_demo_accounts
from mixshare.demo.generator import load_demo_center, next_monday
from mixshare.planning import service as planning
from mixshare.settings import now_local
from mixshare.users import service as users
from mixshare.users.models import User
from tests.web.live import live_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# In this order: the roles that may edit or deactivate users run last, so that an edit of
# another role's user (the hooks spare the ids they know) cannot cut a later run short.
ROLE_USERS = {
    "member_user": "m01",
    "operator": "operator",
    "quality": "quality",
    "planner": "planner",
    "member_admin": "m01admin",
    "center_admin": "admin",
}
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
EXAMPLES = os.environ.get("MIXSHARE_FUZZ_EXAMPLES", "10")
# The coverage phase (boundary values: huge ids, far dates, empty strings …) sends the same
# ~1,500 cases whatever the role, so it runs once, as the role that may call everything.
PHASES = {"center_admin": "examples,coverage,fuzzing"}


@dataclass
class FuzzTarget:
    base: str
    tokens: dict[str, str]  # role → bearer token of the role's demo user
    env: dict[str, str]  # for the hooks: protected users, a spare user and token


def _demo_center(url: str) -> tuple[dict[str, str], dict[str, str]]:
    """The demo center's first week, planned; a bearer token per role, and what the hooks
    need to keep those tokens alive (tests/web/schemathesis_hooks.py)."""
    with session_factory(url)() as session:
        monday = next_monday(now_local().date())
        load_demo_center(session, seed=7, weeks=1, start=monday)
        create_demo_accounts(session, "fuzz-password-1")
        start = datetime.combine(monday, datetime.min.time())
        planning.run_plan(session, start=start, days=7, method="dispatch")
        tokens, protected = {}, []
        for role, username in ROLE_USERS.items():
            user = session.query(User).filter_by(username=username).one()
            tokens[role] = users.create_token(session, user, "fuzz")[1]
            protected.append(str(user.id))
        spare = session.query(User).filter_by(username="m02").one()
        env = {
            "MIXSHARE_FUZZ_PROTECTED_USERS": ",".join(protected),
            "MIXSHARE_FUZZ_SPARE_USER": str(spare.id),
            "MIXSHARE_FUZZ_SPARE_TOKEN": users.create_token(session, spare, "spare")[1],
        }
        session.commit()
    return tokens, env


@pytest.fixture(scope="module")
def fuzz_target(module_db_url: str) -> Iterator[FuzzTarget]:
    tokens, env = _demo_center(module_db_url)
    with live_server(module_db_url) as base:
        yield FuzzTarget(base, tokens, env)


def _schemathesis(target: FuzzTarget, role: str, report: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{target.base}/api/v1/openapi.json",
        "--checks", CHECKS,
        "--phases", PHASES.get(role, "fuzzing"),
        "--max-examples", EXAMPLES,
        "--seed", "11",
        # One worker thread: with two, hypothesis's ast.parse in both threads tripped CPython
        # 3.11's interpreter-wide AST recursion counter ("SystemError: AST constructor recursion
        # depth mismatch", CPython gh-106905) now and then -- a failure of the tool, not the API.
        "--workers", "1",
        "--request-timeout", "30",
        "--no-color",
        "--generation-database", "none",
        "--generation-with-security-parameters", "false",
        "--report", "junit",
        "--report-junit-path", str(report),
    ]  # fmt: skip
    env = {
        **os.environ,
        **target.env,
        "MIXSHARE_FUZZ_TOKEN": target.tokens[role],
        "SCHEMATHESIS_HOOKS": "tests.web.schemathesis_hooks",
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_api_answers_match_the_schema_for_every_role(
    fuzz_target: FuzzTarget, role: str, tmp_path: Path
) -> None:
    run = _schemathesis(fuzz_target, role, tmp_path / "junit.xml")
    summary = run.stdout[run.stdout.rfind("SUMMARY") :] if "SUMMARY" in run.stdout else ""
    print(f"\n== schemathesis as {role} ==\n{summary or run.stdout[-3000:]}")
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    me = httpx.get(
        f"{fuzz_target.base}/api/v1/auth/me",
        headers={"Authorization": f"Bearer {fuzz_target.tokens[role]}"},
    )
    assert me.status_code == 200, "the run revoked its own token: the hooks missed a route"
