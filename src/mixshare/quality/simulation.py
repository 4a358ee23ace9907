"""A simulated quality lab for the demo center and ``mixshare simulate``: default specs, lab
results with a few percent out of spec, releases and holds, golden curves and curve scores,
all through :mod:`mixshare.quality.service` (nothing here writes a table itself).

Default specs *(demo defaults, editable data like every spec)*: masterbatch and remill
Mooney ML(1+4) 100 °C on every batch (target 60 MU ± 10); final batch rheometer ML, MH, ts2
and t90 on every batch, hardness Shore A and density on the first and last batch of a lot
(density target: the compound version's). Each compound's targets are shifted a little (by a
hash of its key) so SPC charts differ between compounds.

A result is drawn around the target with sigma = a sixth of the tolerance band (about 0.3 %
of results out of spec per test), and a batch the simulator mixed with a defect misses its
first test's limits in four cases of five, so the lab finds most bad batches and the golden
curve flags them first.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.models import CompoundVersion
from mixshare.execution.models import Batch
from mixshare.quality import service
from mixshare.quality.models import QualitySpec
from mixshare.users.models import User

# stage → (test, lsl, target, usl, sampling)
DEFAULT_SPECS: dict[str, list[tuple[str, float, float, float, str]]] = {
    "MB": [("MOONEY", 50.0, 60.0, 70.0, "every_batch")],
    "RM": [("MOONEY", 45.0, 55.0, 65.0, "every_batch")],
    "FB": [
        ("MDR_ML", 1.5, 2.5, 3.5, "every_batch"),
        ("MDR_MH", 15.0, 20.0, 25.0, "every_batch"),
        ("MDR_TS2", 1.0, 2.0, 3.0, "every_batch"),
        ("MDR_T90", 5.0, 8.0, 11.0, "every_batch"),
        ("HARDNESS_A", 55.0, 60.0, 65.0, "first_last"),
        ("DENSITY", -0.02, 0.0, 0.02, "first_last"),  # around the version's density
    ],
}
DEFECT_MISS_SHARE = 0.8
DISPOSITION_OF = {"MOONEY": "blend", "MDR_TS2": "scrap", "MDR_T90": "rework"}


@dataclass
class LabRun:
    """What the simulated lab did."""

    results: int = 0
    out_of_spec: int = 0
    released: int = 0
    held: int = 0
    flagged: int = 0  # out of the golden envelope


def ensure_default_specs(session: Session, version: CompoundVersion, stage: str) -> None:
    """The demo's specs for a compound version's stage, unless it has specs already."""
    if service.specs_for(session, version.id, stage):
        return
    shift = (zlib.crc32(version.key.encode()) % 11 - 5) / 10  # -0.5 … +0.5 of a band's tenth
    for test, lsl, target, usl, sampling in DEFAULT_SPECS.get(stage, []):
        base = version.density if test == "DENSITY" else 0.0
        offset = 0.0 if test == "DENSITY" else shift * (usl - lsl) / 10
        data = service.SpecIn(
            compound_version_id=version.id,
            stage=stage,
            test=test,
            lsl=round(base + lsl + offset, 3),
            target=round(base + target + offset, 3),
            usl=round(base + usl + offset, 3),
            sampling=sampling,
        )
        service.set_spec(session, data)


def _value(rng: np.random.Generator, spec: QualitySpec, defective: bool) -> float:
    lsl, usl = spec.lsl or 0.0, spec.usl or 0.0
    target = spec.target if spec.target is not None else (lsl + usl) / 2
    band = usl - lsl
    if defective and rng.random() < DEFECT_MISS_SHARE:
        side = 1 if rng.random() < 0.5 else -1
        value = (usl if side > 0 else lsl) + side * band * rng.uniform(0.05, 0.3)
    else:
        value = rng.normal(target, band / 6)
    return float(round(float(value), spec.test_method.decimals))


def simulate_lab(
    session: Session,
    batch_ids: Iterable[int],
    *,
    defects: Mapping[str, str] | None = None,
    seed: int = 7,
    now: datetime,
    user: User | None = None,
) -> LabRun:
    """Test every batch whose rest is over at ``now``, then release or hold it; build golden
    curves and score every batch. ``defects``: batch code → the defect its curve carries."""
    defects = defects or {}
    run = LabRun()
    rng = np.random.default_rng(seed)
    query = select(Batch).where(Batch.id.in_(list(batch_ids))).order_by(Batch.ended_at, Batch.id)
    batches = list(session.scalars(query))
    for batch in batches:
        ensure_default_specs(session, batch.compound_version, batch.stage)
    for batch in batches:
        if now >= service.rest_ends(batch) and batch.state in service.OPEN_STATES:
            _test(session, batch, rng, batch.code in defects, now, user, run)
    for batch in batches:
        if batch.state in service.OPEN_STATES:
            _decide(session, batch, now, user, run)
    for batch in batches:
        scored = service.score_batch(session, batch, now)
        run.flagged += bool(scored and scored.out_of_envelope)
    return run


def _test(
    session: Session,
    batch: Batch,
    rng: np.random.Generator,
    defective: bool,
    now: datetime,
    user: User | None,
    run: LabRun,
) -> None:
    entries = []
    for verdict in service.verdicts(session, batch):
        if verdict.sampled and verdict.result is None:
            value = _value(rng, verdict.spec, defective)
            run.out_of_spec += not verdict.spec.passes(value)
            method = verdict.spec.test_method.code
            entries.append(service.ResultIn(method, value, batch_id=batch.id, measured_at=now))
    if entries:
        service.record_results(session, entries, user, source="simulator", now=now)
        run.results += len(entries)


def _decide(session: Session, batch: Batch, now: datetime, user: User | None, run: LabRun) -> None:
    if service.refresh(session, batch, now) != "tested" or user is None:
        return
    failed = [v for v in service.verdicts(session, batch) if v.status == "fail"]
    if not failed:
        service.release(session, batch, user, now)
        run.released += 1
        return
    worst = failed[0]
    code = worst.spec.test_method.code
    assert worst.result is not None
    reason = f"{code} {worst.result.value:g} outside {worst.spec.lsl:g}–{worst.spec.usl:g}"
    decision = DISPOSITION_OF.get(code, "downgrade")
    service.hold(session, batch, user, decision=decision, reason=reason, now=now)
    run.held += 1
