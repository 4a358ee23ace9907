"""The simulated lab of ``mixshare simulate`` and ``mixshare demo``: results, releases and
holds for the simulated batches, entered through the quality service as a lab would.

The lab's clock stops at the end of the simulated days, so the last hours' batches are still
resting or waiting for results (the worklist has work). Each sampled test is measured 40–120
minutes after the batch ended, close to the spec's target (σ a tenth of the tolerance band);
about 2 % of batches get one result outside the limits, and a batch whose curve carries a
mixing defect fails Mooney or MH seven times in ten. Once the rest is over and every result is
in, the batch is released, or held with a disposition (a masterbatch is reworked, a final
batch blended or downgraded). Deterministic: each batch draws from (seed, batch code).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.errors import Conflict
from mixshare.execution.models import Batch
from mixshare.quality.models import LabResult, QualitySpec
from mixshare.quality.service import (
    ResultIn,
    hold,
    is_sampled,
    planned_batches,
    record_results,
    refresh,
    release,
    rest_ends,
    specs_for,
    verdicts,
)
from mixshare.users.models import User

RANDOM_FAILURE = 0.02
DEFECT_FAILURE = 0.7
DEFECT_TESTS = ("MOONEY", "MDR_MH")  # what a bad mix shows first
CHUNK = 500  # results per call of the quality service


@dataclass
class LabOutcome:
    results: int = 0
    out_of_spec: int = 0
    released: int = 0
    held: int = 0
    note: str = ""


def lab_user(session: Session) -> User | None:
    """Who the simulated lab acts as: the first active quality user."""
    query = select(User).where(User.role == "quality", User.active.is_(True)).order_by(User.id)
    return session.scalars(query.limit(1)).first()


def _rng(seed: int, code: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(code.encode()), 17])


def _centre(spec: QualitySpec) -> tuple[float, float]:
    """Where results of this spec fall, and their spread."""
    low, high = spec.lsl, spec.usl
    if low is not None and high is not None:
        centre = spec.target if spec.target is not None else (low + high) / 2
        return centre, (high - low) / 10
    edge = low if low is not None else high
    assert edge is not None
    centre = spec.target if spec.target is not None else edge * (1.1 if low is not None else 0.9)
    return centre, max(abs(centre - edge) / 5, 1e-3)


def _outside(spec: QualitySpec, rng: np.random.Generator) -> float:
    """A value beyond one of the spec's limits."""
    spread = _centre(spec)[1]
    above = spec.usl is not None and (spec.lsl is None or rng.random() < 0.5)
    beyond = spread * rng.uniform(0.5, 3.0)
    if above:
        assert spec.usl is not None
        return spec.usl + beyond
    assert spec.lsl is not None
    return spec.lsl - beyond


def _values(
    specs: Sequence[QualitySpec], rng: np.random.Generator, defect: bool
) -> dict[str, float]:
    failing: str | None = None
    codes = [s.test_method.code for s in specs]
    if defect and rng.random() < DEFECT_FAILURE:
        failing = next((c for c in DEFECT_TESTS if c in codes), None)
    if failing is None and codes and rng.random() < RANDOM_FAILURE:
        failing = codes[int(rng.integers(len(codes)))]
    values = {}
    for spec in specs:
        method = spec.test_method
        centre, spread = _centre(spec)
        value = _outside(spec, rng) if method.code == failing else rng.normal(centre, spread)
        if spec.passes(value) != (method.code != failing):  # a normal draw may stray: pin it
            value = centre
        values[method.code] = round(min(max(value, method.low), method.high), method.decimals)
    return values


def _batches(session: Session, codes: Sequence[str], states: Sequence[str]) -> list[Batch]:
    """The batches among ``codes`` in ``states``, oldest first."""
    found: list[Batch] = []
    for start in range(0, len(codes), 500):  # keep the IN list short
        query = select(Batch).where(
            Batch.code.in_(codes[start : start + 500]), Batch.state.in_(states)
        )
        found += session.scalars(query).all()
    return sorted(found, key=lambda b: (b.ended_at, b.id))


@dataclass
class _Sampling:
    """Which specs test which batch: the quality service's sampling rules, with the specs
    and lot sizes read once (the lab measures thousands of batches in a row)."""

    session: Session
    specs: dict[tuple[int, str], list[QualitySpec]] = field(default_factory=dict)
    sizes: dict[str | None, int | None] = field(default_factory=dict)
    positions: dict[tuple[str | None, str], int] = field(default_factory=dict)

    def sampled(self, batch: Batch) -> list[QualitySpec]:
        key = (batch.compound_version_id, batch.stage)
        if key not in self.specs:
            self.specs[key] = specs_for(self.session, *key)
        if batch.lot_code not in self.sizes:
            self.sizes[batch.lot_code] = planned_batches(self.session, batch.lot_code)
        lot = (batch.lot_code, batch.stage)
        position = self.positions[lot] = self.positions.get(lot, 0) + 1
        size = self.sizes[batch.lot_code]
        return [s for s in self.specs[key] if is_sampled(s, position, size)]


def measure(
    session: Session,
    codes: Sequence[str],
    defects: set[str],
    clock: datetime,
    seed: int,
    user: User,
) -> LabOutcome:
    """Results for the untested batches among ``codes``, measured before ``clock``, entered
    CHUNK batches at a time (the service stores all of a call or nothing)."""
    outcome = LabOutcome()
    tested = set(session.scalars(select(LabResult.batch_id).distinct()))
    sampling = _Sampling(session)
    entries: list[ResultIn] = []
    latest = datetime.min
    for batch in _batches(session, codes, ("mixed", "resting", "tested", "released", "held")):
        specs = sampling.sampled(batch)  # every batch counts for the lot's positions
        rng = _rng(seed, batch.code)
        moment = batch.ended_at + timedelta(minutes=float(rng.uniform(40, 120)))
        if batch.id in tested or moment > clock or batch.state not in ("mixed", "resting"):
            continue
        if not specs:
            continue
        values = _values(specs, rng, batch.code in defects)
        entries += [
            ResultIn(test=test, value=value, batch_id=batch.id, measured_at=moment)
            for test, value in values.items()
        ]
        latest = max(latest, moment)
        outcome.results += len(values)
        outcome.out_of_spec += any(not s.passes(values[s.test_method.code]) for s in specs)
        if len(entries) >= CHUNK:
            record_results(session, entries, user, source="simulator", now=latest)
            entries = []
    if entries:
        record_results(session, entries, user, source="simulator", now=latest)
    session.commit()
    return outcome


def _last_measured(session: Session, batch_ids: Sequence[int]) -> dict[int, datetime]:
    rows = session.execute(
        select(LabResult.batch_id, func.max(LabResult.measured_at))
        .where(LabResult.batch_id.in_(batch_ids))
        .group_by(LabResult.batch_id)
    )
    return {batch_id: moment for batch_id, moment in rows}


def decide(
    session: Session, codes: Sequence[str], clock: datetime, outcome: LabOutcome, user: User
) -> None:
    """Release or hold each open batch among ``codes`` whose rest is over before ``clock``
    and whose results (its own or its lot's) are all in."""
    open_batches = _batches(session, codes, ("mixed", "resting", "tested"))
    measured = _last_measured(session, [b.id for b in open_batches])
    for batch in open_batches:
        when = max(rest_ends(batch), measured.get(batch.id, batch.ended_at))
        when += timedelta(minutes=15)
        if when > clock:
            continue
        if refresh(session, batch, when) != "tested":  # results missing
            continue
        try:
            release(session, batch, user, now=when, client="simulator")
            outcome.released += 1
            continue
        except Conflict:  # a result is out of spec
            pass
        first = next(v for v in verdicts(session, batch) if v.status == "fail")
        assert first.result is not None
        limits = f"{_limit(first.spec.lsl)}–{_limit(first.spec.usl)}"
        decision = "rework" if batch.stage != "FB" else ("blend" if batch.id % 2 else "downgrade")
        reason = f"{first.spec.test_method.code} {first.result.value:g} outside {limits}"
        hold(session, batch, user, decision=decision, reason=reason, now=when, client="simulator")
        outcome.held += 1
    session.commit()


def _limit(value: float | None) -> str:
    return "…" if value is None else f"{value:g}"


def run_lab(
    session: Session, codes: Sequence[str], defects: set[str], clock: datetime, seed: int
) -> LabOutcome:
    """Test, then release or hold, the simulated batches (see the module docstring)."""
    user = lab_user(session)
    if user is None:
        return LabOutcome(note="no active quality user: the simulated lab did nothing")
    outcome = measure(session, codes, defects, clock, seed, user)
    decide(session, codes, clock, outcome, user)
    return outcome
