"""``mixshare simulate``: play a plan's first days through the ingest path, as the lines and
the lab would report them.

Raw-material receipts go through :func:`mixshare.execution.service.receive_raw_lot`, batch
documents through the one ingest service (committed chunk by chunk, like every other path),
then lab results, releases and holds through the quality service (:mod:`mixshare.execution.
lab_playback`). Nothing here writes a table itself, so the simulated center is exactly what
real lines would have produced. Re-running is harmless: receipts already stored are skipped
and the documents come back as duplicates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.errors import MixshareError
from mixshare.execution import service
from mixshare.execution.models import RawMaterialLot
from mixshare.execution.service import IngestReport
from mixshare.execution.simulation import SimulatedDays, SimulationSettings, simulate_days
from mixshare.planning.models import Plan

CHUNK = 200  # documents per transaction, as `mixshare ingest batches` commits them
SOURCE = "simulator"


@dataclass
class LabSummary:
    """What the simulated lab did (zeros when the quality service is not there)."""

    results: int = 0
    out_of_spec: int = 0
    released: int = 0
    held: int = 0
    note: str = ""


@dataclass
class Playback:
    plan_version: int
    days: float
    receipts_new: int = 0
    receipts_known: int = 0
    ingest: IngestReport = field(default_factory=IngestReport)
    lab: LabSummary = field(default_factory=LabSummary)
    deliveries: int = 0
    delivered_batches: int = 0

    def lines(self) -> list[str]:
        """The summary people read (``mixshare simulate`` and ``mixshare demo`` print it)."""
        report = self.ingest
        lab = self.lab
        text = [
            f"simulated plan v{self.plan_version}, first {self.days:g} day(s)",
            f"raw-material receipts: {self.receipts_new} new, {self.receipts_known} already there",
            f"batches: {report.summary()}",
        ]
        if lab.note:
            text.append(f"lab: {lab.note}")
        else:
            text.append(
                f"lab: {lab.results} results, {lab.out_of_spec} out of spec; "
                f"released {lab.released}, held {lab.held}"
            )
        text.append(f"deliveries: {self.deliveries} ({self.delivered_batches} released batches)")
        return text


def published_plan(session: Session, plan_id: int | None) -> Plan:
    """The plan to play: the one asked for, else the published one."""
    if plan_id is not None:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise MixshareError(f"plan {plan_id} not found")
        return plan
    plan = session.scalar(
        select(Plan).where(Plan.status == "published").order_by(Plan.version.desc()).limit(1)
    )
    if plan is None:
        raise MixshareError("no published plan: publish one first, or name it with --plan ID")
    return plan


def receive(session: Session, simulated: SimulatedDays, playback: Playback) -> None:
    """Record the receipts not yet stored (a re-run finds them all there)."""
    codes = [r["code"] for r in simulated.receipts]
    known = set(session.scalars(select(RawMaterialLot.code).where(RawMaterialLot.code.in_(codes))))
    for receipt in simulated.receipts:
        if receipt["code"] in known:
            playback.receipts_known += 1
            continue
        service.receive_raw_lot(session, receipt)
        playback.receipts_new += 1
    session.commit()


def play(
    session: Session,
    plan_id: int | None,
    days: float,
    settings: SimulationSettings | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Playback:
    """Simulate the plan's first ``days`` and hand everything to the services (see module)."""
    settings = settings or SimulationSettings()
    plan = published_plan(session, plan_id)
    simulated = simulate_days(session, plan, days, settings)
    playback = Playback(plan_version=plan.version, days=days)
    receive(session, simulated, playback)
    documents = simulated.documents
    for start in range(0, len(documents), CHUNK):
        chunk = documents[start : start + CHUNK]
        playback.ingest.extend(service.ingest_and_commit(session, chunk, source=SOURCE))
        if on_progress is not None:
            on_progress(start + len(chunk), len(documents))
    playback.lab = _lab(session, simulated, playback.ingest, settings)
    _ship(session, simulated, playback)
    return playback


def _ship(session: Session, simulated: SimulatedDays, playback: Playback) -> None:
    """Released final batches leave in deliveries through the stock service."""
    from mixshare.stock.simulated_shipping import run_shipping

    codes = [d["batch"] for d in simulated.documents]
    shipped = run_shipping(session, codes, simulated.until)
    playback.deliveries, playback.delivered_batches = shipped.deliveries, shipped.batches


def _lab(
    session: Session, simulated: SimulatedDays, report: IngestReport, settings: SimulationSettings
) -> LabSummary:
    """Lab results, releases and holds through the quality service (its clock stops at the
    end of the simulated days)."""
    from mixshare.quality.simulated_lab import run_lab

    codes = [d["batch"] for d in simulated.documents]
    done = run_lab(session, codes, set(simulated.defects), simulated.until, settings.seed)
    return LabSummary(done.results, done.out_of_spec, done.released, done.held, done.note)
