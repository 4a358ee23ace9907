"""The twin page renders the latest stored twin runs (a real, small run of both arms) for the
center's admin and planner, escapes what it shows, and shows members nothing."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.engine.synthetic import generate
from mixshare.jobs.models import Job
from mixshare.twin import assumptions as assumption_file
from mixshare.twin import service
from mixshare.twin import size as sizing
from mixshare.twin.claims import claims
from mixshare.twin.data import Settings, TwinInput, lot_from_problem
from mixshare.twin.models import TwinRun
from mixshare.twin.results import summarise
from mixshare.twin.run import run
from mixshare.twin.sweep import mixed_tonnes_per_year, sweep
from tests.web.pages_helpers import page_login, post_form

A = assumption_file.load()


def _store_real_runs(db: Session, scenario: str | None = None) -> dict[str, object]:
    problem = generate(days=2, load=0.4, seed=3)
    inp = TwinInput(problem, lot_from_problem(problem))
    settings = Settings(replications=2, seed=9, engine_iterations=1)
    reps = run(inp, settings, A)
    compare = {
        "weeks": 1,
        "replications": 2,
        "seed": 9,
        "assumptions_version": A.version,
        "arms": summarise(reps, A, inp.member_codes()),
        "scenario": scenario,
    }
    verdicts = claims(reps, A, 2, 9)
    params = {"engine_iterations": 1, "replan_hours": 24.0}
    for kind, doc in (("compare", compare), ("claims", verdicts)):
        service.record(
            db,
            kind=kind,
            result=doc,
            weeks=1,
            replications=2,
            seed=9,
            assumptions_version=A.version,
            params=params,
            scenario=scenario if kind == "compare" else None,
        )
    db.commit()
    return compare


def test_the_page_shows_the_latest_stored_runs(client: TestClient, db: Session) -> None:
    compare = _store_real_runs(db)
    page_login(client, "planner")
    html = client.get("/twin?lang=en").text
    assert 'data-testid="twin-run-compare"' in html and "seed 9" in html
    for kpi in ("kwh_per_t", "voc_kg_per_t", "throughput_t_per_h", "on_time_rate", "cost_per_t"):
        assert f'id="chart-twin-{kpi}"' in html
    data = json.loads(re.search(r'id="twin-data">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    arms = compare["arms"]
    assert isinstance(arms, dict)
    assert data["members"] == list(arms["standalone"])
    total = arms["shared"]["total"]["kwh_per_t"]
    assert data["kpis"]["kwh_per_t"]["shared"][0] == [total["mean"], *total["ci95"]]
    # the claims table: every claim with its verdict
    for claim_id in ("efficiency_x2", "energy_minus_20_1_pct", "voc_minus_32_1_pct"):
        assert f'data-testid="twin-verdict-{claim_id}"' in html
    assert "/static/app/twin.js" in html


def test_the_latest_run_wins_and_text_is_escaped(client: TestClient, db: Session) -> None:
    _store_real_runs(db, scenario="old town")
    _store_real_runs(db, scenario="<script>alert(1)</script>")
    page_login(client, "admin")
    html = client.get("/twin").text  # the Chinese page, with every section filled
    assert "中心数字孪生" in html and "示范中心的宣传数据" in html
    assert "old town" not in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_zh_cn_first_and_an_empty_state(client: TestClient) -> None:
    page_login(client, "admin")
    html = client.get("/twin").text
    assert "孪生" in html
    assert 'data-testid="twin-no-compare"' in html and 'data-testid="twin-no-claims"' in html
    assert "twin.js" not in html


def test_members_do_not_see_the_twin(client: TestClient, db: Session) -> None:
    _store_real_runs(db)
    for name in ("m01", "m01admin", "operator", "quality"):
        client.cookies.clear()
        page_login(client, name)
        assert client.get("/twin").status_code == 404
        assert 'href="/twin"' not in client.get("/orders").text
    client.cookies.clear()
    page_login(client, "planner")
    assert 'href="/twin"' in client.get("/orders").text


def test_the_admin_runs_the_twin_through_the_job_queue(client: TestClient, db: Session) -> None:
    token = page_login(client, "admin")
    bad = post_form(client, "/twin/run", token, weeks=9)
    assert bad.status_code == 303 and "errors=" in bad.headers["location"]
    assert "weeks" in client.get(bad.headers["location"] + "&lang=en").text
    assert db.scalars(select(Job).where(Job.kind == "twin")).first() is None
    # the test queue runs the job in the request (Huey immediate mode)
    answer = post_form(
        client, "/twin/run", token, weeks=1, replications=1, seed=4, engine_iterations=1
    )
    assert answer.status_code == 303
    job = db.scalars(select(Job).where(Job.kind == "twin")).one()
    assert job.state == "done", job.error
    runs = db.scalars(select(TwinRun).order_by(TwinRun.id)).all()
    assert [r.kind for r in runs] == ["compare", "claims"]
    assert job.result == {"compare_run": runs[0].id, "claims_run": runs[1].id}
    assert all(r.seed == 4 and r.created_by is not None for r in runs)
    html = client.get("/twin?lang=en").text
    assert f"Run #{runs[0].id}" in html and 'data-testid="twin-verdict-efficiency_x2"' in html
    assert 'data-testid="twin-job"' in html
    # the planner sees the results but not the form
    client.cookies.clear()
    page_login(client, "planner")
    assert 'data-testid="twin-run-form"' not in client.get("/twin").text


def _store_size_run(db: Session, scenario: str | None = None) -> dict[str, object]:
    """A real, small sizing sweep (synthetic center, two levels x one and two lines, the
    higher level overloading one line) stored as ``twin size`` stores it."""
    problem = generate(days=2, load=0.4, seed=3)
    inp = TwinInput(problem, lot_from_problem(problem))
    base = mixed_tonnes_per_year(inp) / 1000
    levels, counts = [round(base, 3), round(base * 5, 3)], [1, 2]
    settings = Settings(replications=2, seed=9, engine_iterations=1, drain_days=1.0)
    with ThreadPoolExecutor(1) as pool:
        plan = sizing.scenarios(inp, levels, counts)
        outcomes = sweep(pool, inp, plan, settings, A, arms=("shared",))
    doc = sizing.document(sizing.curve(inp, levels, counts, outcomes, A), {"seed": 9})
    service.record(
        db,
        kind="size",
        result=doc,
        weeks=1,
        replications=2,
        seed=9,
        assumptions_version=A.version,
        params={"engine_iterations": 1, "replan_hours": 24.0, "drain_days": 1.0},
        scenario=scenario,
    )
    db.commit()
    return doc


def test_the_page_charts_the_latest_sizing_run(client: TestClient, db: Session) -> None:
    doc = _store_size_run(db, scenario="<b>town</b>")
    page_login(client, "planner")
    html = client.get("/twin?lang=en").text
    assert 'data-testid="chart-twin-size"' in html and 'data-testid="twin-size-table"' in html
    assert "<b>town</b>" not in html and "&lt;b&gt;town&lt;/b&gt;" in html
    assert "/static/app/twin.js" in html  # without a compare run too
    data = json.loads(re.search(r'id="twin-size-data">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    points = doc["points"]
    assert isinstance(points, list)
    assert data["levels"] == sorted({p["demand_kt"] for p in points})
    assert [s["lines"] for s in data["series"]] == [1, 2]
    one = next(p for p in points if p["lines"] == 1 and p["demand_kt"] == data["levels"][1])
    figures = one["on_time_rate"]
    assert data["series"][0]["on_time"][1] == [figures["mean"], *figures["ci95"]]
    assert data["series"][0]["overloaded"][1] is one["overloaded"] is True
    assert "overloaded" in html
    assert data["target"] == 0.95 and data["smallest"] == doc["smallest"]
    # Chinese first
    client.cookies.set("lang", "zh_CN")
    zh = client.get("/twin").text
    assert "产能曲线" in zh and "超负荷" in zh


def test_no_sizing_run_says_how_to_make_one(client: TestClient) -> None:
    page_login(client, "admin")
    html = client.get("/twin?lang=en").text
    assert 'data-testid="twin-no-size"' in html and "mixshare twin size" in html
