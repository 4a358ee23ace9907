"""Stored twin runs: record a run's JSON document, read the latest of each kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import Problem, ValidationFailed
from mixshare.settings import now_local
from mixshare.twin.models import KINDS, TwinRun


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


def latest(session: Session, *, kind: str) -> TwinRun | None:
    """The newest stored run of ``kind`` (``compare`` or ``claims``), or None."""
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
