"""Stored twin runs: record a run's JSON document, read the latest of each kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import Problem, ValidationFailed
from mixshare.settings import now_local
from mixshare.twin import assumptions as assumption_file
from mixshare.twin import scenario as scenario_file
from mixshare.twin.assumptions import Assumptions
from mixshare.twin.claims import claims as judge_claims
from mixshare.twin.data import Settings, TwinInput
from mixshare.twin.models import KINDS, TwinRun
from mixshare.twin.results import summarise
from mixshare.twin.run import run
from mixshare.twin.scenario import ScenarioSpec
from mixshare.twin.source import center_input
from mixshare.twin.tally import ArmResult


def record(
    session: Session,
    *,
    kind: str,
    result: dict[str, Any],
    weeks: int,
    replications: int,
    seed: int,
    assumptions_version: str,
    params: dict[str, Any],
    scenario: str | None = None,
    created_by: int | None = None,
) -> TwinRun:
    """Store one run's document with the parameters and seed it came from."""
    if kind not in KINDS:
        raise ValidationFailed([Problem("kind", f"one of {', '.join(KINDS)}", kind)])
    run = TwinRun(
        kind=kind,
        weeks=weeks,
        replications=replications,
        seed=seed,
        assumptions_version=assumptions_version,
        scenario=scenario,
        params=params,
        result=result,
        created_at=now_local(),
        created_by=created_by,
    )
    session.add(run)
    session.flush()
    return run


def run_params(settings: Settings, **files: str | None) -> dict[str, Any]:
    """What a stored run says about how it ran (besides weeks, replications and seed)."""
    return {
        "engine_iterations": settings.engine_iterations,
        "engine_time_limit": settings.engine_time_limit,
        "replan_hours": settings.replan_hours,
        "lookahead_days": settings.lookahead_days,
        "drain_days": settings.drain_days,
        "disturbances": asdict(settings.disturbances),
        **files,
    }


def compare_document(
    inp: TwinInput,
    reps: list[dict[str, ArmResult]],
    a: Assumptions,
    *,
    weeks: int,
    settings: Settings,
    spec: ScenarioSpec | None = None,
) -> dict[str, Any]:
    """The ``twin compare --format json`` document of these replications."""
    summary = summarise(reps, a, inp.member_codes())
    doc: dict[str, Any] = {
        "weeks": weeks,
        "replications": settings.replications,
        "seed": settings.seed,
        "assumptions_version": a.version,
        "arms": summary,
        "scenario": spec.name if spec else None,
    }
    if spec is not None and spec.contract is not None:
        doc["contract"] = scenario_file.contract_prices(spec, inp, summary)
    return doc


def run_center(
    session: Session,
    *,
    weeks: int,
    settings: Settings,
    created_by: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[TwinRun, TwinRun]:
    """Run the twin on the stored center (the shipped assumptions) and store the compare
    and the claims document of the same replications (the page's "run now")."""
    inp = center_input(session, weeks=weeks)
    a = assumption_file.load()
    reps = run(inp, settings, a, progress)
    docs = {
        "compare": compare_document(inp, reps, a, weeks=weeks, settings=settings),
        "claims": judge_claims(reps, a, settings.replications, settings.seed),
    }
    stored = [
        record(
            session,
            kind=kind,
            result=doc,
            weeks=weeks,
            replications=settings.replications,
            seed=settings.seed,
            assumptions_version=a.version,
            params=run_params(settings),
            created_by=created_by,
        )
        for kind, doc in docs.items()
    ]
    return stored[0], stored[1]


def latest(session: Session, *, kind: str) -> TwinRun | None:
    """The newest stored run of ``kind`` (``compare``, ``claims`` or ``size``), or None."""
    query = (
        select(TwinRun)
        .where(TwinRun.kind == kind)
        .order_by(TwinRun.created_at.desc(), TwinRun.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


# the KPIs the page charts, per member and arm (the rest are in the table)
CHARTED = ("kwh_per_t", "voc_kg_per_t", "throughput_t_per_h", "on_time_rate", "cost_per_t")
ARMS = ("standalone", "shared")


def comparison(run: TwinRun) -> dict[str, Any]:
    """A stored ``compare`` run as the page shows it: members ("total" first), and per KPI
    and arm the [mean, low, high] of each member (None where an arm has no figure)."""
    arms: dict[str, dict[str, dict[str, Any]]] = run.result.get("arms", {})
    members: list[str] = []
    for arm in ARMS:
        for member in arms.get(arm, {}):
            if member not in members:
                members.append(member)
    kpis: dict[str, dict[str, list[list[float] | None]]] = {}
    for kpi in (*CHARTED, *_other_kpis(arms)):
        kpis[kpi] = {arm: [_triple(arms, arm, m, kpi) for m in members] for arm in ARMS}
    return {"members": members, "kpis": kpis, "charted": list(CHARTED)}


def _other_kpis(arms: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    seen: list[str] = []
    for per_member in arms.values():
        for figures in per_member.values():
            seen += [k for k in figures if k not in CHARTED and k not in seen]
    return seen


def _triple(
    arms: dict[str, dict[str, dict[str, Any]]], arm: str, member: str, kpi: str
) -> list[float] | None:
    entry = arms.get(arm, {}).get(member, {}).get(kpi)
    if not isinstance(entry, dict):
        return None
    low, high = entry.get("ci95", [entry.get("mean"), entry.get("mean")])
    return [float(entry["mean"]), float(low), float(high)]


def capacity(run: TwinRun) -> dict[str, Any]:
    """A stored ``size`` run as the page charts it: the demand levels (kt/yr), per number of
    lines the on-time rate and cost per tonne as [mean, low, high] at each level (None where
    that point was not run) and whether the point was overloaded, the target on-time rate
    and the smallest center per level."""
    points: list[dict[str, Any]] = run.result.get("points", [])
    levels = sorted({float(p["demand_kt"]) for p in points})
    series = []
    for lines in sorted({int(p["lines"]) for p in points}):
        mine = {float(p["demand_kt"]): p for p in points if int(p["lines"]) == lines}
        series.append(
            {
                "lines": lines,
                "on_time": [_figures(mine.get(kt), "on_time_rate") for kt in levels],
                "cost": [_figures(mine.get(kt), "cost_per_t") for kt in levels],
                "overloaded": [bool(mine.get(kt, {}).get("overloaded")) for kt in levels],
            }
        )
    return {
        "levels": levels,
        "series": series,
        "target": run.result.get("target_on_time"),
        "smallest": run.result.get("smallest", []),
    }


def _figures(point: dict[str, Any] | None, kpi: str) -> list[float] | None:
    entry = (point or {}).get(kpi)
    if not isinstance(entry, dict):
        return None
    low, high = entry.get("ci95", [entry["mean"], entry["mean"]])
    return [float(entry["mean"]), float(low), float(high)]
