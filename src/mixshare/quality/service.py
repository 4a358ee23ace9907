"""Quality rules: specs and sampling, lab results, the release state machine, golden curves.

A batch moves ``mixed → resting → tested → released | held``:

- ``mixed → resting`` as soon as the lab looks at it after the batch ended (sheeted off and
  cooling);
- ``resting → tested`` once the compound version's minimum rest has passed since the batch
  ended **and** every test its specs ask for has a result (a compound version and stage
  without specs is never tested: nothing would say it is good) (its own, or for a batch the
  sampling plan skips, the latest sampled batch of its lot before it);
- ``tested → released`` by a quality user, only when every result lies within its limits;
- ``mixed | resting | tested → held`` by a quality user at any time, always with a disposition
  (rework, blend, downgrade or scrap), a reason and the user, all audited.

Released and held are final. Only released compound may be delivered (:func:`is_deliverable`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.audit import service as audit
from mixshare.compounds.models import CompoundVersion
from mixshare.errors import Conflict, NotFound, Problem, ValidationFailed
from mixshare.execution.models import Batch, BatchCurve
from mixshare.execution.service import curve_of
from mixshare.planning.models import PlanLot
from mixshare.quality import golden, scoring, spc
from mixshare.quality.models import (
    DISPOSITIONS,
    SAMPLING_RULES,
    CurveScore,
    Disposition,
    GoldenCurve,
    LabResult,
    QualitySpec,
    TestMethod,
)
from mixshare.settings import now_local
from mixshare.users.models import User
from mixshare.validation import check_text
from mixshare.web.cache import TtlCache, page_cache

OPEN_STATES = ("mixed", "resting", "tested")
FINAL_STATES = ("released", "held")
GOLDEN_BATCHES = 50  # the latest released batches a golden curve is built from
REFERENCE_SECONDS = 30.0  # how long a process scores against a golden curve it has read


# --- reference data and specs --------------------------------------------------------------


def test_methods(session: Session) -> list[TestMethod]:
    """Every test method, in the lab's order."""
    return list(session.scalars(select(TestMethod).order_by(TestMethod.position, TestMethod.id)))


def method_by_code(session: Session, code: str) -> TestMethod:
    method = session.scalar(select(TestMethod).where(TestMethod.code == code))
    if method is None:
        raise NotFound(f"test method {code!r} not found")
    return method


@dataclass(frozen=True)
class SpecIn:
    """A spec as given (checked by :func:`set_spec`)."""

    compound_version_id: int
    stage: str
    test: str
    lsl: float | None = None
    target: float | None = None
    usl: float | None = None
    sampling: str = "every_batch"
    every_n: int = 1


def _spec_problems(data: SpecIn, method: TestMethod | None) -> list[Problem]:
    problems = []
    if method is None:
        problems.append(Problem("test", "unknown test method", data.test))
    if data.lsl is None and data.usl is None:
        problems.append(Problem("lsl", "give a lower or an upper limit (or both)"))
    if data.lsl is not None and data.usl is not None and data.lsl > data.usl:
        problems.append(Problem("usl", "the upper limit is below the lower limit"))
    inside = [v for v in (data.lsl, data.usl) if v is not None]
    if data.target is not None and inside and not min(inside) <= data.target <= max(inside):
        problems.append(Problem("target", "the target lies outside the limits"))
    if data.sampling not in SAMPLING_RULES:
        problems.append(Problem("sampling", f"use one of {', '.join(SAMPLING_RULES)}"))
    if data.every_n < 1:
        problems.append(Problem("every_n", "must be at least 1"))
    return problems


def set_spec(session: Session, data: SpecIn) -> QualitySpec:
    """Create or replace the spec of a compound version, stage and test."""
    method = session.scalar(select(TestMethod).where(TestMethod.code == data.test))
    problems = _spec_problems(data, method)
    version = session.get(CompoundVersion, data.compound_version_id)
    if version is None:
        problems.append(Problem("compound_version_id", "unknown compound version"))
    elif data.stage not in version.stages():
        problems.append(Problem("stage", "the compound version has no such stage", data.stage))
    if problems:
        raise ValidationFailed(problems)
    assert method is not None
    spec = session.scalar(
        select(QualitySpec).where(
            QualitySpec.compound_version_id == data.compound_version_id,
            QualitySpec.stage == data.stage,
            QualitySpec.test_method_id == method.id,
        )
    ) or QualitySpec(
        compound_version_id=data.compound_version_id, stage=data.stage, test_method_id=method.id
    )
    spec.lsl, spec.target, spec.usl = data.lsl, data.target, data.usl
    spec.sampling, spec.every_n = data.sampling, data.every_n
    session.add(spec)
    session.flush()
    return spec


def specs_for(session: Session, version_id: int, stage: str) -> list[QualitySpec]:
    query = (
        select(QualitySpec)
        .join(TestMethod)
        .where(QualitySpec.compound_version_id == version_id, QualitySpec.stage == stage)
        .order_by(TestMethod.position, TestMethod.id)
    )
    return list(session.scalars(query))


# --- sampling and verdicts -------------------------------------------------------------------


def lot_batches(session: Session, batch: Batch) -> list[Batch]:
    """The batches of the batch's lot in mixing order (the batch alone outside the plan)."""
    if batch.lot_code is None:
        return [batch]
    query = (
        select(Batch)
        .where(Batch.lot_code == batch.lot_code, Batch.stage == batch.stage)
        .order_by(Batch.started_at, Batch.id)
    )
    return list(session.scalars(query))


def planned_batches(session: Session, lot_code: str | None) -> int | None:
    """How many batches the newest plan holding the lot gives it (None: not in a plan)."""
    if lot_code is None:
        return None
    query = select(PlanLot.batches).where(PlanLot.code == lot_code).order_by(PlanLot.id.desc())
    return session.scalars(query.limit(1)).first()


def is_sampled(spec: QualitySpec, position: int, lot_size: int | None) -> bool:
    """Does the sampling plan test the batch at ``position`` (1-based) of a lot?

    A lot of unknown size (outside the plan) tests every batch under ``first_last``.
    """
    if spec.sampling == "every_nth":
        return (position - 1) % spec.every_n == 0
    if spec.sampling == "first_last":
        return position == 1 or lot_size is None or position >= lot_size
    return True


@dataclass(frozen=True)
class Verdict:
    """One spec of a batch and the result that judges it (its own or its lot's)."""

    spec: QualitySpec
    result: LabResult | None
    sampled: bool  # does this batch itself have to be tested?
    covered_by: str | None  # batch code whose result judges this batch, when not its own

    @property
    def status(self) -> str:
        """``pass``, ``fail`` or ``missing``."""
        if self.result is None:
            return "missing"
        return "pass" if self.spec.passes(self.result.value) else "fail"


def verdicts(session: Session, batch: Batch) -> list[Verdict]:
    """The batch's specs, each with the result that judges it."""
    specs = specs_for(session, batch.compound_version_id, batch.stage)
    if not specs:
        return []
    lot = lot_batches(session, batch)
    position = next(i for i, b in enumerate(lot, start=1) if b.id == batch.id)
    size = planned_batches(session, batch.lot_code)
    results = _results_of(session, [b.id for b in lot[:position]])
    found = []
    for spec in specs:
        sampled = is_sampled(spec, position, size)
        judge = batch
        if not sampled:  # the latest sampled batch of the lot before this one
            earlier = [b for i, b in enumerate(lot[:position], 1) if is_sampled(spec, i, size)]
            judge = earlier[-1] if earlier else batch
        result = results.get((judge.id, spec.test_method_id))
        covered = judge.code if judge.id != batch.id else None
        found.append(Verdict(spec, result, sampled, covered))
    return found


def _results_of(session: Session, batch_ids: Sequence[int]) -> dict[tuple[int, int], LabResult]:
    rows = session.scalars(select(LabResult).where(LabResult.batch_id.in_(batch_ids)))
    return {(r.batch_id, r.test_method_id): r for r in rows}


def results_of(session: Session, batch: Batch) -> list[LabResult]:
    query = select(LabResult).join(TestMethod).where(LabResult.batch_id == batch.id)
    return list(session.scalars(query.order_by(TestMethod.position)))


# --- the state machine -----------------------------------------------------------------------


def rest_ends(batch: Batch) -> datetime:
    """When the compound version's minimum rest after the batch ends is over."""
    return batch.ended_at + timedelta(minutes=batch.compound_version.min_rest_minutes)


def refresh(session: Session, batch: Batch, now: datetime | None = None) -> str:
    """Move the batch along ``mixed → resting → tested`` as far as it may go; its state."""
    now = now or now_local()
    if batch.state == "mixed" and now >= batch.ended_at:
        batch.state = "resting"
    if batch.state == "resting" and now >= rest_ends(batch):
        found = verdicts(session, batch)
        if found and all(v.status != "missing" for v in found):  # no specs: nothing to judge by
            batch.state = "tested"
    session.flush()
    return batch.state


def release(
    session: Session, batch: Batch, user: User, now: datetime | None = None, client: str = ""
) -> Batch:
    """Release a tested batch whose results all pass; otherwise ``Conflict`` says why."""
    refresh(session, batch, now)
    if batch.state != "tested":
        raise Conflict(_why_not_tested(session, batch, now or now_local()))
    failed = [v.spec.test_method.code for v in verdicts(session, batch) if v.status == "fail"]
    if failed:
        raise Conflict(f"batch {batch.code} failed {', '.join(failed)}: hold it instead")
    batch.state = "released"
    _audit(session, "batch_released", batch, user, client, {})
    session.flush()
    _grow_golden(session, batch, now or now_local())
    return batch


GOLDEN_MAX_AGE = timedelta(days=1)


def _grow_golden(session: Session, released: Batch, now: datetime) -> None:
    """Rebuild the batch's golden curve when enough released batches are new: first at
    ``MIN_REFERENCE_BATCHES``, then whenever their number doubled (up to ``GOLDEN_BATCHES``),
    and once a day after that, so a new compound gets a curve soon, a drifting process is
    followed, and a release costs one or two queries (a rebuild reads up to 50 curves)."""
    current = golden_of(session, released)
    stale = current is not None and now - current.built_at > GOLDEN_MAX_AGE
    if current is not None and current.batches >= GOLDEN_BATCHES and not stale:
        return
    wanted = (
        golden.MIN_REFERENCE_BATCHES
        if current is None
        else min(2 * current.batches, GOLDEN_BATCHES)
    )
    if stale or _released_with_curves(session, released) >= wanted:
        rebuild_golden(session, released.compound_version_id, released.stage, released.line_id, now)


def _released_with_curves(session: Session, batch: Batch) -> int:
    query = (
        select(func.count())
        .select_from(Batch)
        .join(BatchCurve, BatchCurve.batch_id == Batch.id)
        .where(Batch.compound_version_id == batch.compound_version_id, Batch.stage == batch.stage)
        .where(Batch.line_id == batch.line_id, Batch.state == "released")
    )
    return int(session.scalar(query) or 0)


def _why_not_tested(session: Session, batch: Batch, now: datetime) -> str:
    if batch.state in FINAL_STATES:
        return f"batch {batch.code} is already {batch.state}"
    if now < rest_ends(batch):
        return f"batch {batch.code} rests until {rest_ends(batch):%Y-%m-%d %H:%M}"
    found = verdicts(session, batch)
    if not found:
        return f"batch {batch.code}: its compound version and stage have no specs to test against"
    missing = [v.spec.test_method.code for v in found if v.status == "missing"]
    return f"batch {batch.code} lacks results: {', '.join(missing)}"


def hold(
    session: Session,
    batch: Batch,
    user: User,
    *,
    decision: str,
    reason: str,
    now: datetime | None = None,
    client: str = "",
) -> Disposition:
    """Hold an open batch with its disposition; the reason is required."""
    problems = []
    if decision not in DISPOSITIONS:
        problems.append(Problem("decision", f"use one of {', '.join(DISPOSITIONS)}", decision))
    if not reason.strip():
        problems.append(Problem("reason", "say why the batch is held"))
    elif len(reason) > 400:
        problems.append(Problem("reason", "at most 400 characters"))
    else:
        try:
            check_text(reason.strip(), multiline=True)  # shown to others, exported later
        except ValueError as exc:
            problems.append(Problem("reason", str(exc)))
    if problems:
        raise ValidationFailed(problems)
    if batch.state in FINAL_STATES:
        raise Conflict(f"batch {batch.code} is already {batch.state}")
    disposition = Disposition(
        batch_id=batch.id,
        decision=decision,
        reason=reason.strip(),
        decided_at=now or now_local(),
        decided_by=user.id,
        username=user.username,
    )
    batch.state = "held"
    session.add(disposition)
    detail = {"decision": decision, "reason": disposition.reason}
    _audit(session, "batch_held", batch, user, client, detail)
    session.flush()
    return disposition


def _audit(
    session: Session, action: str, batch: Batch, user: User, client: str, detail: dict[str, Any]
) -> None:
    audit.record(
        session,
        action=action,
        object_type="batch",
        object_id=batch.id,
        user=user,
        member_id=batch.member_id,
        client=client,
        detail={"batch": batch.code, **detail},
    )


def disposition_of(session: Session, batch: Batch) -> Disposition | None:
    query = select(Disposition).where(Disposition.batch_id == batch.id)
    return session.scalars(query.order_by(Disposition.id.desc()).limit(1)).first()


def is_deliverable(batch: Batch) -> bool:
    """May the batch be delivered to its member? Only released compound may."""
    return batch.state == "released"


# --- lab results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultIn:
    """One result as entered: the batch by id, or by line and batch code as the line wrote it."""

    test: str
    value: float
    batch_id: int | None = None
    line: str | None = None
    batch: str | None = None
    measured_at: datetime | None = None
    note: str = ""
    # where a field came from, for messages: "results.csv, row 4, column value", "results[2].value"
    at: Callable[[str], str] = str


def find_batch(session: Session, line: str | None, code: str | None) -> Batch | None:
    from mixshare.lines.models import Line

    query = select(Batch).where(Batch.code == (code or ""))
    if line:
        query = query.join(Line, Line.id == Batch.line_id).where(Line.code == line)
    found = list(session.scalars(query.limit(2)))
    return found[0] if len(found) == 1 else None


def check_result(
    session: Session,
    entry: ResultIn,
    methods: dict[str, TestMethod],
    now: datetime,
    scope: int | None = None,
) -> tuple[LabResult | None, Batch | None, list[Problem]]:
    """The result to store for ``entry``, or the problems with it (each naming its field)."""
    problems: list[Problem] = []
    batch = (
        session.get(Batch, entry.batch_id)
        if entry.batch_id is not None
        else find_batch(session, entry.line, entry.batch)
    )
    if batch is None or (scope is not None and batch.member_id != scope):
        named = entry.batch_id if entry.batch_id is not None else entry.batch
        problems.append(Problem(entry.at("batch"), "unknown batch", str(named or "")))
    elif batch.state in FINAL_STATES:
        already = f"the batch is already {batch.state}"
        problems.append(Problem(entry.at("batch"), already, batch.code))
    method = methods.get(entry.test)
    if method is None:
        problems.append(Problem(entry.at("test"), "unknown test method", entry.test))
    elif not method.low <= entry.value <= method.high:
        span = f"{method.low:g}–{method.high:g} {method.unit}"
        message = f"outside what the instrument reports ({span})"
        problems.append(Problem(entry.at("value"), message, f"{entry.value:g}"))
    measured = entry.measured_at or now
    if measured > now + timedelta(minutes=5):
        problems.append(Problem(entry.at("measured_at"), "lies in the future", f"{measured}"))
    if batch is not None and method is not None and not problems:
        if measured < batch.ended_at:
            problems.append(Problem(entry.at("measured_at"), "before the batch was mixed"))
        taken = (batch.id, method.id) in _results_of(session, [batch.id])
        if taken:
            problems.append(Problem(entry.at("test"), "the batch already has this result"))
    if problems or batch is None or method is None:
        return None, batch, problems
    result = LabResult(
        batch_id=batch.id,
        test_method_id=method.id,
        value=entry.value,
        measured_at=measured,
        note=entry.note[:200],
    )
    return result, batch, []


def record_results(
    session: Session,
    entries: Iterable[ResultIn],
    user: User | None,
    *,
    source: str,
    now: datetime | None = None,
    scope: int | None = None,
) -> list[LabResult]:
    """Store every result or, if any is wrong, none (``ValidationFailed`` lists them all)."""
    now = now or now_local()
    methods = {m.code: m for m in test_methods(session)}
    stored: list[LabResult] = []
    batches: dict[int, Batch] = {}
    problems: list[Problem] = []
    seen: dict[tuple[int, int], str] = {}
    for entry in entries:
        result, batch, found = check_result(session, entry, methods, now, scope)
        if result is not None and batch is not None:
            key = (result.batch_id, result.test_method_id)
            if key in seen:
                found = [Problem(entry.at("test"), f"given twice for the batch (also {seen[key]})")]
            seen[key] = entry.at("test")
        problems += found
        if result is not None and batch is not None and not found:
            result.entered_at, result.source = now, source
            result.entered_by = user.id if user else None
            stored.append(result)
            batches[batch.id] = batch
    if problems:
        raise ValidationFailed(problems)
    session.add_all(stored)
    session.flush()
    refreshed: set[int] = set()  # each lot once, however many of its batches got results
    for batch in batches.values():
        if batch.id in refreshed:
            continue
        for member in lot_batches(session, batch):  # a lot's result may cover later batches
            refreshed.add(member.id)
            if member.state in ("mixed", "resting"):
                refresh(session, member, now)
    return stored


# --- the lab's worklist ----------------------------------------------------------------------


@dataclass(frozen=True)
class WorkItem:
    batch: Batch
    rest_ends: datetime
    verdicts: list[Verdict]
    curve: CurveScore | None

    @property
    def to_test(self) -> list[str]:
        return [v.spec.test_method.code for v in self.verdicts if v.status == "missing"]

    @property
    def failed(self) -> list[str]:
        return [v.spec.test_method.code for v in self.verdicts if v.status == "fail"]


def worklist(session: Session, now: datetime | None = None, limit: int = 200) -> list[WorkItem]:
    """Open batches, oldest first: what to test and what to decide."""
    now = now or now_local()
    query = select(Batch).where(Batch.state.in_(OPEN_STATES)).order_by(Batch.ended_at, Batch.id)
    batches = list(session.scalars(query.limit(limit)))
    scores = _scores(session, [b.id for b in batches])
    items = []
    for batch in batches:
        refresh(session, batch, now)
        found = verdicts(session, batch)
        # scored at ingest (or when its golden curve was first built), never by a page
        items.append(WorkItem(batch, rest_ends(batch), found, scores.get(batch.id)))
    return items


def _scores(session: Session, batch_ids: Sequence[int]) -> dict[int, CurveScore]:
    rows = session.scalars(select(CurveScore).where(CurveScore.batch_id.in_(batch_ids)))
    return {s.batch_id: s for s in rows}


# --- golden curves ---------------------------------------------------------------------------


def golden_of(session: Session, batch: Batch) -> GoldenCurve | None:
    query = select(GoldenCurve).where(
        GoldenCurve.compound_version_id == batch.compound_version_id,
        GoldenCurve.stage == batch.stage,
        GoldenCurve.line_id == batch.line_id,
    )
    return session.scalar(query)


def _aligned(batch: Batch) -> golden.Aligned | None:
    curve = curve_of(batch)
    if len(curve.get("power_kw", [])) < 2:
        return None
    hz = batch.curve.hz if batch.curve is not None else 1.0
    return golden.align(curve, hz)


def rebuild_golden(
    session: Session, version_id: int, stage: str, line_id: int, now: datetime | None = None
) -> GoldenCurve | None:
    """The golden curve from the latest released batches with curves (None: too few yet)."""
    query = (
        select(Batch)
        .join(BatchCurve, BatchCurve.batch_id == Batch.id)
        .where(Batch.compound_version_id == version_id, Batch.stage == stage)
        .where(Batch.line_id == line_id, Batch.state == "released")
        .order_by(Batch.started_at.desc())
        .limit(GOLDEN_BATCHES)
    )
    aligned = [a for a in (_aligned(b) for b in session.scalars(query)) if a is not None]
    if len(aligned) < golden.MIN_REFERENCE_BATCHES:
        return None
    reference = golden.build_reference(aligned)
    key = (version_id, stage, line_id)
    curve = session.scalar(
        select(GoldenCurve).where(
            GoldenCurve.compound_version_id == key[0],
            GoldenCurve.stage == key[1],
            GoldenCurve.line_id == key[2],
        )
    ) or GoldenCurve(compound_version_id=version_id, stage=stage, line_id=line_id)
    curve.built_at = now or now_local()
    curve.batches = reference.batches
    curve.reference = reference.to_json()
    session.add(curve)
    session.flush()
    _REFERENCES.clear()
    # batches that arrived before there was a curve to score them against
    scoring.score_unscored(session, key, OPEN_STATES, curve.built_at)
    return curve


# Golden curves change at most once per release; scoring a run of new batches reads each once.
_REFERENCES: TtlCache[tuple[int, golden.Reference] | None] = page_cache(REFERENCE_SECONDS, 256)


def _reference(session: Session, batch: Batch) -> tuple[int, golden.Reference] | None:
    """(golden curve id, reference) of the batch's compound version, stage and line."""

    def load() -> tuple[int, golden.Reference] | None:
        row = golden_of(session, batch)
        return None if row is None else (row.id, golden.Reference.from_json(row.reference))

    where = str(session.get_bind().engine.url)
    key = (where, batch.compound_version_id, batch.stage, batch.line_id)
    return _REFERENCES.get_or_compute(key, load)


def score_batch(session: Session, batch: Batch, now: datetime | None = None) -> CurveScore | None:
    """Score (again) the stored batch against its golden curve (None: no golden curve or no
    curve). New batches are scored by the ingest service (:mod:`mixshare.quality.scoring`)."""
    found = _reference(session, batch)
    if found is None or batch.curve is None:
        return None
    values = scoring.score_row(batch.id, curve_of(batch), batch.curve.hz, found, now or now_local())
    if values is None:
        return None
    row = session.get(CurveScore, batch.id) or CurveScore(batch_id=batch.id)
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return row


def curve_chart(session: Session, batch: Batch) -> dict[str, Any] | None:
    """The batch's aligned signals against its envelope, shaped for the batch page's chart."""
    row = golden_of(session, batch)
    aligned = _aligned(batch)
    if aligned is None:
        return None
    signals = {s: aligned.signals[i].round(2).tolist() for i, s in enumerate(golden.SIGNALS)}
    chart: dict[str, Any] = {"signals": signals, "seconds": aligned.seconds.round(1).tolist()}
    if row is not None:
        reference = golden.Reference.from_json(row.reference)
        chart["seconds"] = reference.seconds.round(1).tolist()
        lower, upper = reference.lower().round(2), reference.upper().round(2)
        chart["lower"] = {s: lower[i].tolist() for i, s in enumerate(golden.SIGNALS)}
        chart["upper"] = {s: upper[i].tolist() for i, s in enumerate(golden.SIGNALS)}
        chart["reference_batches"] = row.batches
    return chart


# --- SPC ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpcSeries:
    """The results of one test on one compound version and stage, on one line, in test order,
    with the I-MR chart, the spec and Cpk (``chart`` None with fewer than two results)."""

    method: TestMethod
    spec: QualitySpec | None
    batches: list[str]
    measured: list[datetime]
    values: list[float]
    chart: spc.Chart | None
    capability: spc.Capability | None


def spc_series(
    session: Session, *, test: str, version_id: int, stage: str, line_id: int, limit: int = 200
) -> SpcSeries:
    """The latest ``limit`` results, oldest first."""
    method = method_by_code(session, test)
    query = (
        select(Batch.code, LabResult.measured_at, LabResult.value)
        .join(LabResult, LabResult.batch_id == Batch.id)
        .where(LabResult.test_method_id == method.id, Batch.compound_version_id == version_id)
        .where(Batch.stage == stage, Batch.line_id == line_id)
        .order_by(LabResult.measured_at.desc(), LabResult.id.desc())
        .limit(limit)
    )
    rows = list(session.execute(query))[::-1]
    values = [float(r[2]) for r in rows]
    spec = next(
        (s for s in specs_for(session, version_id, stage) if s.test_method_id == method.id), None
    )
    enough = len(values) >= spc.MIN_POINTS
    return SpcSeries(
        method=method,
        spec=spec,
        batches=[r[0] for r in rows],
        measured=[r[1] for r in rows],
        values=values,
        chart=spc.chart(values) if enough else None,
        capability=spc.capability(values, spec.lsl, spec.usl) if enough and spec else None,
    )
