"""``/api/v1/batches``: the lines report their batches (bearer token of a line account).

One document answers with its outcome's status: 201 accepted (``deviations`` lists what is
flagged), 200 duplicate (already stored: success), 409 conflict (the same line + batch with
other content; both are kept for review), 422 quarantined (``errors`` names each bad field).
A list (at most ``MAX_DOCUMENTS``) answers 200 with one result per document, in order, each
with its own ``status``. Every answer is sent only after the transaction has committed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from mixshare.access import AccessDep, BatchIngester, BatchRecorder
from mixshare.center_time import CenterDateTime
from mixshare.errors import Problem, ValidationFailed
from mixshare.execution import service
from mixshare.execution.schemas import RawLotIn, Reason
from mixshare.web.api_common import PROBLEMS, ProblemDoc
from mixshare.web.errors import PROBLEM_BASE, PROBLEM_JSON

router = APIRouter(prefix="/batches", tags=["batches"], responses=PROBLEMS)
raw_lots_router = APIRouter(prefix="/raw-lots", tags=["batches"], responses=PROBLEMS)
MAX_DOCUMENTS = 100


class ResultRead(BaseModel):
    index: int
    outcome: Literal["accepted", "duplicate", "conflict", "quarantined"]
    status: int
    line: str | None
    batch: str | None
    batch_id: int | None
    reasons: list[Reason]
    deviations: list[Reason]

    @classmethod
    def of(cls, result: service.Result) -> ResultRead:
        return cls(
            index=result.index,
            outcome=result.outcome,
            status=result.status,
            line=result.line,
            batch=result.batch,
            batch_id=result.batch_id,
            reasons=result.reasons,
            deviations=result.deviations,
        )


class ReportRead(BaseModel):
    results: list[ResultRead]
    accepted: int
    duplicates: int
    conflicts: int
    quarantined: int
    deviations: int


def _report(report: service.IngestReport) -> ReportRead:
    return ReportRead(
        results=[ResultRead.of(r) for r in report.results],
        accepted=report.count("accepted"),
        duplicates=report.count("duplicate"),
        conflicts=report.count("conflict"),
        quarantined=report.count("quarantined"),
        deviations=report.deviations,
    )


def _single(request: Request, result: service.Result) -> JSONResponse:
    read = ResultRead.of(result).model_dump(mode="json")
    if result.outcome in ("accepted", "duplicate"):
        return JSONResponse(read, status_code=result.status)
    kind = "batch-conflict" if result.outcome == "conflict" else "batch-quarantined"
    body = {
        "type": PROBLEM_BASE + kind,
        "title": "Conflict" if result.outcome == "conflict" else "Quarantined",
        "status": result.status,
        "detail": result.describe(),
        "instance": request.url.path,
        "errors": [r.model_dump() for r in result.reasons],
        **read,
    }
    return JSONResponse(body, status_code=result.status, media_type=PROBLEM_JSON)


@router.post(
    "",
    responses={
        200: {
            "model": ReportRead,
            "description": "a list: one result per document; or a single duplicate",
        },
        201: {"model": ResultRead, "description": "accepted (possibly with deviations)"},
        # problem+json like every other error answer (a plain "model" would document JSON)
        409: {
            "model": ProblemDoc,
            "description": "conflict: kept for review",
            "content": {PROBLEM_JSON: {}},
        },
        422: {
            "model": ProblemDoc,
            "description": "quarantined: ``errors`` names each field",
            "content": {PROBLEM_JSON: {}},
        },
    },
)
def post_batches(
    request: Request,
    access: AccessDep,
    user: BatchIngester,
    body: Annotated[Any, Body(description="one batch document, or a list of them")],
) -> JSONResponse:
    """Report one batch document or a list (see the module docstring for the answers)."""
    documents = body if isinstance(body, list) else [body]
    if len(documents) > MAX_DOCUMENTS:
        raise ValidationFailed(
            [Problem("body", f"at most {MAX_DOCUMENTS} documents per request", str(len(documents)))]
        )
    report = service.ingest_and_commit(access.session, documents, source="api", user=user)
    if isinstance(body, list):
        return JSONResponse(_report(report).model_dump(mode="json"))
    return _single(request, report.results[0])


class RawLotRead(BaseModel):
    id: int
    code: str
    material: str
    supplier: str
    supplier_lot: str
    quantity_kg: float
    received_at: CenterDateTime


@raw_lots_router.post("", status_code=201, response_model=RawLotRead)
def receive_raw_lot(body: RawLotIn, access: AccessDep, user: BatchRecorder) -> RawLotRead:
    """Record a receipt of raw material (the lot code the weighings will name)."""
    lot = service.receive_raw_lot(access.session, body)
    access.audit("create", "raw_lot", lot.id, detail={"code": lot.code})
    access.session.commit()
    return RawLotRead(
        id=lot.id,
        code=lot.code,
        material=body.material,
        supplier=lot.supplier,
        supplier_lot=lot.supplier_lot,
        quantity_kg=lot.quantity_kg,
        received_at=lot.received_at,
    )
