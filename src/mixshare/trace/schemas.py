"""What a trace looks like outside: the JSON of ``mixshare trace … --format json`` and of the
trace API (one model each, so the CLI and the API cannot drift apart)."""

from __future__ import annotations

from pydantic import BaseModel

from mixshare.center_time import CenterDateTime
from mixshare.trace.service import BackwardTrace, ForwardTrace, TraceBatch


class TraceBatchRead(BaseModel):
    batch: str
    line: str
    stage: str
    compound: str
    member: str

    @classmethod
    def of(cls, batch: TraceBatch) -> TraceBatchRead:
        return cls(
            batch=batch.code,
            line=batch.line,
            stage=batch.stage,
            compound=batch.compound,
            member=batch.member,
        )


class TraceDeliveryRead(BaseModel):
    delivery: str
    member: str
    batches: list[str]


class RawLotTraceRead(BaseModel):
    """Forward: the lot, every batch it reached (weighed in, or through ``consumed``) and the
    deliveries that took any of them."""

    raw_lot: str
    material: str
    batches: list[TraceBatchRead]
    deliveries: list[TraceDeliveryRead]


class GenealogyBatchRead(TraceBatchRead):
    consumed: list[str]  # the batches of the trace that went into this one


class RawLotUseRead(BaseModel):
    raw_lot: str
    material: str
    supplier: str
    supplier_lot: str
    received: bool  # False: the weighing named a lot the center has no receipt of
    batches: list[str]


class LabResultRead(BaseModel):
    batch: str
    test: str
    unit: str
    value: float
    measured_at: CenterDateTime
    lsl: float | None
    usl: float | None
    in_spec: bool | None  # None: no spec for this test


class DeliveryTraceRead(BaseModel):
    """Backward: the delivery's batches, the batches they consumed (recursively), the raw lots
    weighed into any of them and their lab results."""

    delivery: str
    member: str
    delivered_at: CenterDateTime
    batches: list[GenealogyBatchRead]
    consumed_batches: list[GenealogyBatchRead]
    raw_lots: list[RawLotUseRead]
    lab_results: list[LabResultRead]


def raw_lot_read(trace: ForwardTrace) -> RawLotTraceRead:
    return RawLotTraceRead(
        raw_lot=trace.raw_lot.code,
        material=trace.raw_lot.material,
        batches=[TraceBatchRead.of(b) for b in trace.genealogy.batches],
        deliveries=[
            TraceDeliveryRead(delivery=d.number, member=d.member, batches=d.batches)
            for d in trace.deliveries
        ],
    )


def delivery_read(trace: BackwardTrace) -> DeliveryTraceRead:
    by_id = trace.genealogy.by_id()
    inputs = trace.genealogy.inputs()

    def read(batch: TraceBatch) -> GenealogyBatchRead:
        consumed = [by_id[i].code for i in inputs.get(batch.id, [])]
        return GenealogyBatchRead(**TraceBatchRead.of(batch).model_dump(), consumed=consumed)

    return DeliveryTraceRead(
        delivery=trace.delivery.number,
        member=trace.delivery.member,
        delivered_at=trace.delivery.delivered_at,
        batches=[read(by_id[i]) for i in trace.delivered],
        consumed_batches=[read(b) for b in trace.consumed],
        raw_lots=[
            RawLotUseRead(
                raw_lot=u.lot.code,
                material=u.lot.material,
                supplier=u.lot.supplier,
                supplier_lot=u.lot.supplier_lot,
                received=u.known,
                batches=u.batches,
            )
            for u in trace.raw_lots
        ],
        lab_results=[
            LabResultRead(
                batch=r.batch,
                test=r.test,
                unit=r.unit,
                value=r.value,
                measured_at=r.measured_at,
                lsl=r.lsl,
                usl=r.usl,
                in_spec=r.in_spec,
            )
            for r in trace.results
        ],
    )
