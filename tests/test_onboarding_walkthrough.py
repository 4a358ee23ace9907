"""docs/onboarding.md, followed end to end through the documented interfaces only.

The guide's ``<!-- walkthrough: NAME -->`` bash blocks run verbatim through bash and the real
``mixshare`` command, in a fresh directory (so on a fresh SQLite file); its web steps run over
HTTP against the real app served by uvicorn, as a browser would send them (login form, CSRF
token, upload form, rule editor, bearer-token API). The center is not the demo: six members,
14 compounds, two lines with different stages, its own rules, a holiday with one shift, 70
orders. The published plan is exported and judged by the independent checker
(tests/plan_checker.py) and by checks written from the guide's own files. The time from
``mixshare init`` to the published plan is printed (docs/onboarding.md records it).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.plan_checker import check_plan_document
from tests.web.live import live_server

pytestmark = pytest.mark.slow

DOC = Path(__file__).resolve().parents[1] / "docs" / "onboarding.md"
BLOCK = re.compile(r"<!-- walkthrough: ([\w-]+) -->\n```bash\n(.*?)```", re.S)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# The guide's blocks in the order it gives them; the web steps go between them (see the test).
CLI_STEPS = ("init", "week", "members", "materials", "lines", "calendar", "rules",
             "compounds", "orders", "orders-d06", "plan", "check")  # fmt: skip
# Every page and API call the test makes is one the guide tells the reader to use.
WEB_STEPS = ("/reference", "Add colour class", "/changeover-rules", "/imports",
             "POST /api/v1/auth/token", "GET /api/v1/plans/latest",
             "/api/v1/plans/$(echo \"$PLAN\" | jq .id)/publish")  # fmt: skip
RULE_3 = "氯丁胶后不做乙丙密封胶 no CR before EPDM seals"


def walkthrough_blocks() -> dict[str, str]:
    return dict(BLOCK.findall(DOC.read_text(encoding="utf-8")))


def test_the_guide_holds_the_steps_this_test_runs() -> None:
    """A block added to or taken out of the guide must be added to or taken out of the test."""
    names = [name for name, _ in BLOCK.findall(DOC.read_text(encoding="utf-8"))]
    assert tuple(names) == CLI_STEPS
    text = DOC.read_text(encoding="utf-8")
    for mention in WEB_STEPS:
        assert mention in text, mention


class Walkthrough:
    """Runs the guide's blocks in one directory, each after the guide's variables (the reader
    pastes them into one terminal, so later blocks see the earlier blocks' variables)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        blocks = walkthrough_blocks()
        self.blocks = blocks
        exports = [line for line in blocks["init"].splitlines() if line.startswith("export ")]
        self.prelude = "\n".join(exports) + "\n" + blocks["week"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("MIXSHARE_")}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env["COLUMNS"] = "200"  # rich tables on one line each, as a wide terminal shows them
        self.env = env
        self.seconds: dict[str, float] = {}

    def run(self, name: str) -> str:
        script = self.blocks[name] if name == "init" else self.prelude + self.blocks[name]
        began = time.monotonic()
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=self.directory, env=self.env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        self.seconds[name] = time.monotonic() - began
        assert done.returncode == 0, f"block {name}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def variable(self, name: str) -> str:
        return self.run_quiet(f'printf %s "${name}"')

    def run_quiet(self, command: str) -> str:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", self.prelude + "\n" + command],
            cwd=self.directory, env=self.env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stdout.rsplit("\n", 1)[-1] if "\n" in done.stdout else done.stdout


def initial_passwords(output: str) -> dict[str, str]:
    """The table `mixshare import members` prints once: user → initial password."""
    return dict(re.findall(r"│ ([a-z0-9._-]+) +│ (\S+) +│", output))


@contextmanager
def browser_login(base: str, username: str, password: str) -> Iterator[httpx.Client]:
    """A client logged in through the login form, as a browser is."""
    with httpx.Client(base_url=base, timeout=120) as client:
        token = CSRF.search(client.get("/login").text)
        assert token, "no login form"
        data = {"username": username, "password": password, "csrf_token": token.group(1)}
        answer = client.post("/login", data={**data, "next": "/"})
        assert answer.status_code == 303, answer.text[:300]
        yield client


def form_token(client: httpx.Client, page: str) -> str:
    found = CSRF.search(client.get(page).text)
    assert found, page
    return found.group(1)


def api_token(base: str, username: str, password: str) -> dict[str, str]:
    data = {"username": username, "password": password}
    answer = httpx.post(f"{base}/api/v1/auth/token", data=data, timeout=60)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def add_white(base: str, password: str) -> None:
    """Step 3: the center admin adds the colour class "white" on /reference."""
    with browser_login(base, "chief", password) as admin:
        token = form_token(admin, "/reference")
        data = {"csrf_token": token, "code": "white", "name": "白色 white"}
        assert admin.post("/reference/colours", data=data).status_code == 303
        assert 'data-colour="white"' in admin.get("/reference").text


def add_compound_rule(base: str, password: str) -> None:
    """Step 9: the planner adds rule 3 in the rule editor; A2's matrix names it as the reason."""
    with browser_login(base, "planner.zhou", password) as planner:
        token = form_token(planner, "/changeover-rules")
        form = {"csrf_token": token, "priority": "3", "name": RULE_3, "same_compound": "no",
                "from_compound": "D05.AV-CR,D06.CAB-CR",
                "to_compound": "D03.SEAL-EPDM,D03.SEAL-EPDM-W", "forbidden": "on"}  # fmt: skip
        answer = planner.post("/changeover-rules/new", data=form)
        assert answer.status_code == 303, answer.text[-2000:]
        lines = planner.get("/api/v1/lines").json()
        a2 = next(line["id"] for line in lines if line["code"] == "A2")
        matrix = planner.get("/changeover-rules", params={"line": a2}).text
        assert RULE_3 in matrix.replace("&amp;", "&")


def upload_d06_orders(base: str, password: str, directory: Path) -> dict[str, Any]:
    """Step 10: D06's admin fills the orders template (downloaded from /imports) with the rows
    of the guide's orders-d06.csv and uploads it."""
    with browser_login(base, "d06.admin", password) as member:
        template = member.get("/imports/orders/template")
        assert template.status_code == 200
        book = load_workbook(io.BytesIO(template.content))
        sheet = book["Orders"]
        keys = [str(cell.value).rsplit(" / ", 1)[-1] for cell in sheet[1]]
        with (directory / "orders-d06.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            sheet.append([row.get(key) or None for key in keys])
        filled = io.BytesIO()
        book.save(filled)
        token = form_token(member, "/imports")
        files = {"file": ("订单-D06.xlsx", filled.getvalue(), "application/octet-stream")}
        answer = member.post("/imports", data={"csrf_token": token, "kind": "orders"}, files=files)
        assert answer.status_code == 200 and 'data-testid="import-done"' in answer.text, (
            answer.text[-3000:]
        )
        return {"rows": len(rows)}


def publish_latest(base: str, password: str) -> dict[str, Any]:
    """Step 12 with the API, as the guide's curl lines do."""
    headers = api_token(base, "planner.zhou", password)
    latest = httpx.get(f"{base}/api/v1/plans/latest", headers=headers, timeout=60).json()
    answer = httpx.post(
        f"{base}/api/v1/plans/{latest['id']}/publish",
        json={"row_version": latest["row_version"]}, headers=headers, timeout=120,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    published: dict[str, Any] = answer.json()
    assert published["status"] == "published"
    return published


def test_a_new_center_from_init_to_its_first_published_plan(tmp_path: Path) -> None:
    walk = Walkthrough(tmp_path)
    began, cpu_before = time.monotonic(), _children_cpu()
    out = walk.run("init")
    assert "center admin chief created" in out
    db_url = f"sqlite:///{tmp_path / 'dongshan.db'}"
    admin_password = walk.variable("MIXSHARE_ADMIN_PASSWORD")
    with live_server(db_url) as base:
        walk.run("week")
        passwords = initial_passwords(walk.run("members"))
        assert {"d06.admin", "planner.zhou", "operator.xu"} <= set(passwords)
        for name in ("materials", "lines", "calendar"):
            walk.run(name)
        add_white(base, admin_password)
        walk.run("rules")
        assert "14 created" in walk.run("compounds")
        add_compound_rule(base, passwords["planner.zhou"])
        assert "59 created" in walk.run("orders")
        walk.run("orders-d06")
        assert upload_d06_orders(base, passwords["d06.admin"], tmp_path)["rows"] == 11
        walk.run("plan")
        published = publish_latest(base, passwords["planner.zhou"])
        elapsed, cpu = time.monotonic() - began, _children_cpu() - cpu_before
    walk.run("check")
    document = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert document["plan"]["status"] == "published", document["plan"]
    assert check_plan_document(document) == []
    monday = date.fromisoformat(walk.variable("D1"))
    assert center_problems(document, monday, light_compounds(tmp_path)) == []
    kpis = document["plan"]["kpis"]
    print(
        f"\nonboarding walk-through: init -> published plan v{published['version']} in "
        f"{elapsed:.0f} s wall clock, {cpu:.0f} s CPU in the commands (mixshare plan: "
        f"{walk.seconds['plan']:.0f} s, --time-limit 30; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores); "
        f"orders {len(document['orders'])}, lots {len(document['lots'])}, "
        f"unplanned {len(document['unplanned_orders'])}, late lots {kpis['late_lots']}, "
        f"weighted tardiness {kpis['weighted_tardiness']:.0f}, changeover hours "
        f"{kpis['changeover_hours']:.1f}; steps: "
        + ", ".join(f"{k} {v:.0f}s" for k, v in walk.seconds.items())
    )


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (the guide's commands): the figure that
    does not grow with other work on the machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=None)


def light_compounds(directory: Path) -> set[str]:
    """Keys of the guide's compounds that are not black (compounds.csv)."""
    with (directory / "compounds.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {f"{r['member']}.{r['compound']}.v1" for r in rows if r["colour"] not in ("", "black")}


def center_problems(document: dict[str, Any], monday: date, light: set[str]) -> list[str]:
    """What the guide's own files demand, checked from them and not from the planner's idea
    of unavailable time: shifts Monday to Saturday 06:00 (the Saturday night shift ends
    Sunday 06:00), D3 only 06:00-14:00, the two maintenance windows, stages per line, light
    and white masterbatches never on A1, all 70 orders planned."""
    problems = []
    first = datetime.combine(monday, datetime.min.time())
    d = {n: first + timedelta(days=n - 1) for n in range(1, 8)}
    hour = timedelta(hours=1)
    closed = [
        (d[1], d[1] + 6 * hour),  # Monday before the early shift
        (d[3] + 14 * hour, d[4] + 6 * hour),  # the open day: early shift only
        (d[7] + 6 * hour, d[7] + 24 * hour),  # Sunday after the Saturday night shift
    ]
    maintenance = {
        "A1": (d[2] + 6 * hour, d[2] + 14 * hour),
        "A2": (d[5] + 6 * hour, d[5] + 10 * hour),
    }
    stages = {"A1": {"MB", "RM"}, "A2": {"MB", "FB"}}
    for lot in document["lots"]:
        line = lot["line"]
        start, end = _local(lot["start"]), _local(lot["end"])
        for a, b in [*closed, maintenance[line]]:
            if start < b and a < end:
                problems.append(f"{lot['id']} on {line} runs in closed time {a}–{b}")
        if lot["stage"] not in stages[line]:
            problems.append(f"{lot['id']}: {line} has no {lot['stage']} settings")
        if line == "A1" and lot["compound"] in light:
            problems.append(f"{lot['id']}: a light compound on A1")
    if len(document["orders"]) != 70 or document["unplanned_orders"]:
        problems.append(f"unplanned: {document['unplanned_orders']}")
    return problems
