"""``/api/v1/quality``: test methods, specs, lab results, release and hold, SPC.

The lab (quality, center admin) writes; anyone may read a batch's quality record, a member's
users only for their own company's batches (404 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from mixshare.access import AccessDep, LabTester, OperationsViewer, Reader
from mixshare.center_time import CenterDateTime
from mixshare.execution.models import Batch
from mixshare.quality import service
from mixshare.quality.models import CurveScore, LabResult, TestMethod
from mixshare.validation import Id, Identifier, to_local_naive
from mixshare.web.api_common import PROBLEMS, WRITE_PROBLEMS
from mixshare.web.params import PathId

router = APIRouter(prefix="/quality", tags=["quality"], responses=PROBLEMS)

Decision = Literal["rework", "blend", "downgrade", "scrap"]
Sampling = Literal["every_batch", "every_nth", "first_last"]
Stage = Literal["MB", "RM", "FB"]


class TestMethodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    __test__ = False

    code: str
    instrument: str
    name_zh: str
    name_en: str
    unit: str
    low: float
    high: float


class SpecIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    compound_version_id: Id
    stage: Stage
    test: Identifier
    lsl: float | None = Field(default=None, allow_inf_nan=False)
    target: float | None = Field(default=None, allow_inf_nan=False)
    usl: float | None = Field(default=None, allow_inf_nan=False)
    sampling: Sampling = "every_batch"
    every_n: int = Field(default=1, ge=1, le=1000)


class SpecRead(SpecIn):
    id: int


class ResultBody(BaseModel):
    """One result: the batch by ``batch_id``, or by ``line`` and ``batch`` code."""

    model_config = ConfigDict(extra="forbid")

    batch_id: Id | None = None
    line: Identifier | None = None
    batch: str | None = Field(default=None, min_length=1, max_length=60)
    test: Identifier
    value: float = Field(allow_inf_nan=False)
    measured_at: CenterDateTime | None = None
    note: str = Field(default="", max_length=200)


class ResultsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: list[ResultBody] = Field(min_length=1, max_length=1000)


class ResultRead(BaseModel):
    batch_id: int
    test: str
    value: float
    unit: str
    measured_at: CenterDateTime
    source: str

    @classmethod
    def of(cls, result: LabResult, method: TestMethod) -> ResultRead:
        return cls(
            batch_id=result.batch_id,
            test=method.code,
            value=result.value,
            unit=method.unit,
            measured_at=result.measured_at,
            source=result.source,
        )


class VerdictRead(BaseModel):
    test: str
    lsl: float | None
    target: float | None
    usl: float | None
    value: float | None
    status: Literal["pass", "fail", "missing"]
    sampled: bool
    covered_by: str | None


class CurveScoreRead(BaseModel):
    score: float
    energy_z: float
    out_of_envelope: bool
    outside: dict[str, float]


class DispositionRead(BaseModel):
    decision: str
    reason: str
    user: str
    decided_at: CenterDateTime


class BatchQualityRead(BaseModel):
    id: int
    batch: str
    line_id: int
    stage: str
    compound_key: str
    state: str
    deliverable: bool
    rest_ends: CenterDateTime
    verdicts: list[VerdictRead]
    curve: CurveScoreRead | None
    disposition: DispositionRead | None


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    reason: str = Field(min_length=1, max_length=400)


class SpcRead(BaseModel):
    test: str
    batches: list[str]
    values: list[float]
    centre: float | None
    ucl: float | None
    lcl: float | None
    mr_ucl: float | None
    violations: list[dict[str, int]]
    cpk: float | None
    ppk: float | None


def quality_of(access: AccessDep, batch: Batch) -> BatchQualityRead:
    session = access.session
    service.refresh(session, batch)
    score = session.get(CurveScore, batch.id)
    disposition = service.disposition_of(session, batch)
    return BatchQualityRead(
        id=batch.id,
        batch=batch.code,
        line_id=batch.line_id,
        stage=batch.stage,
        compound_key=batch.compound_version.key,
        state=batch.state,
        deliverable=service.is_deliverable(batch),
        rest_ends=service.rest_ends(batch),
        verdicts=[_verdict(v) for v in service.verdicts(session, batch)],
        curve=CurveScoreRead.model_validate(score, from_attributes=True) if score else None,
        disposition=DispositionRead(
            decision=disposition.decision,
            reason=disposition.reason,
            user=disposition.username,
            decided_at=disposition.decided_at,
        )
        if disposition
        else None,
    )


def _verdict(v: service.Verdict) -> VerdictRead:
    return VerdictRead(
        test=v.spec.test_method.code,
        lsl=v.spec.lsl,
        target=v.spec.target,
        usl=v.spec.usl,
        value=v.result.value if v.result else None,
        status=v.status,
        sampled=v.sampled,
        covered_by=v.covered_by,
    )


def _batch(access: AccessDep, batch_id: int) -> Batch:
    access.guard("batch", batch_id)
    batch = access.session.get(Batch, batch_id)
    assert batch is not None  # the guard answered 404 otherwise
    return batch


def _field_of(index: int) -> Callable[[str], str]:
    return lambda field: f"results.{index}.{field}"


@router.get("/tests", response_model=list[TestMethodRead])
def list_test_methods(access: AccessDep, user: Reader) -> list[TestMethodRead]:
    """The lab's test methods (reference data)."""
    return [TestMethodRead.model_validate(m) for m in service.test_methods(access.session)]


@router.put("/specs", response_model=SpecRead, responses=WRITE_PROBLEMS)
def put_spec(body: SpecIn, access: AccessDep, user: LabTester) -> SpecRead:
    """Create or replace the spec (limits and sampling) of a compound version, stage and test."""
    spec = service.set_spec(access.session, service.SpecIn(**body.model_dump()))
    access.audit("set_spec", "quality_spec", spec.id, detail=body.model_dump())
    access.session.commit()
    return SpecRead(id=spec.id, **body.model_dump())


@router.post("/results", status_code=201, response_model=list[ResultRead], responses=WRITE_PROBLEMS)
def post_results(body: ResultsIn, access: AccessDep, user: LabTester) -> list[ResultRead]:
    """Store every result or none: a 422 names each bad field (``results[2].value``)."""
    entries = [
        service.ResultIn(
            test=r.test,
            value=r.value,
            batch_id=r.batch_id,
            line=r.line,
            batch=r.batch,
            measured_at=to_local_naive(r.measured_at) if r.measured_at else None,
            note=r.note,
            at=_field_of(n),
        )
        for n, r in enumerate(body.results)
    ]
    stored = service.record_results(access.session, entries, user, source="api")
    methods = {m.id: m for m in service.test_methods(access.session)}
    access.audit("enter_results", "lab_result", None, detail={"count": len(stored)})
    access.session.commit()
    return [ResultRead.of(r, methods[r.test_method_id]) for r in stored]


@router.get("/worklist", response_model=list[BatchQualityRead])
def get_worklist(access: AccessDep, user: LabTester) -> list[BatchQualityRead]:
    """Open batches, oldest first: what to test and what to decide."""
    items = service.worklist(access.session, limit=200)
    return [quality_of(access, item.batch) for item in items]


@router.get("/batches/{batch_id}", response_model=BatchQualityRead)
def get_batch_quality(batch_id: PathId, access: AccessDep, user: Reader) -> BatchQualityRead:
    """State, results against the specs, curve score and disposition of a batch."""
    return quality_of(access, _batch(access, batch_id))


@router.post(
    "/batches/{batch_id}/release", response_model=BatchQualityRead, responses=WRITE_PROBLEMS
)
def release_batch(batch_id: PathId, access: AccessDep, user: LabTester) -> BatchQualityRead:
    """Release a tested batch whose results all pass (409 says why not)."""
    batch = _batch(access, batch_id)
    service.release(access.session, batch, user, client=access.client)
    access.session.commit()
    return quality_of(access, batch)


@router.post("/batches/{batch_id}/hold", response_model=BatchQualityRead, responses=WRITE_PROBLEMS)
def hold_batch(
    batch_id: PathId, body: HoldIn, access: AccessDep, user: LabTester
) -> BatchQualityRead:
    """Hold an open batch with its disposition and reason (audited)."""
    batch = _batch(access, batch_id)
    service.hold(
        access.session,
        batch,
        user,
        decision=body.decision,
        reason=body.reason,
        client=access.client,
    )
    access.session.commit()
    return quality_of(access, batch)


@router.get("/spc", response_model=SpcRead)
def get_spc(
    access: AccessDep,
    user: OperationsViewer,
    test: Annotated[Identifier, Query()],
    compound_version_id: Annotated[Id, Query()],
    line_id: Annotated[Id, Query()],
    stage: Stage = "MB",
) -> SpcRead:
    """Individuals / moving-range chart of one test, compound version, stage and line."""
    series = service.spc_series(
        access.session, test=test, version_id=compound_version_id, stage=stage, line_id=line_id
    )
    chart, capability = series.chart, series.capability
    limits = chart.limits if chart else None
    return SpcRead(
        test=series.method.code,
        batches=series.batches,
        values=series.values,
        centre=limits.centre if limits else None,
        ucl=limits.ucl if limits else None,
        lcl=limits.lcl if limits else None,
        mr_ucl=limits.mr_ucl if limits else None,
        violations=[{"index": v.index, "rule": v.rule} for v in chart.violations] if chart else [],
        cpk=capability.cpk if capability else None,
        ppk=capability.ppk if capability else None,
    )
