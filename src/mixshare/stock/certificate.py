"""The certificate of analysis of a delivery: every batch it holds with the lab results that
judged it against its spec limits, in Chinese and English on one document, as a PDF
(:func:`mixshare.pdf.render_pdf`, as the monthly statement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi.responses import Response
from sqlalchemy.orm import Session

from mixshare.execution.models import Batch
from mixshare.pdf import render_pdf
from mixshare.quality import service as quality
from mixshare.settings import CENTER_TIMEZONE, now_local
from mixshare.stock.models import Delivery
from mixshare.stock.service import delivered_kg, mass_kg
from mixshare.web.downloads import attachment

TEMPLATES = Path(__file__).parent / "templates"
STATES = {"released": "放行 released", "held": "扣留 held", "tested": "已检 tested"}
VERDICTS = {"pass": "合格 pass", "fail": "不合格 fail", "missing": "缺 missing"}


@dataclass(frozen=True)
class ResultLine:
    test_zh: str
    test_en: str
    unit: str
    lsl: str
    target: str
    usl: str
    value: str
    verdict: str
    covered_by: str | None  # the lot's batch whose result judges this one


@dataclass(frozen=True)
class BatchSection:
    batch: Batch
    state: str
    mass_kg: float
    results: list[ResultLine]


@dataclass(frozen=True)
class Certificate:
    delivery: Delivery
    sections: list[BatchSection]
    total_kg: float
    issued_at: datetime


def _number(value: float | None, decimals: int) -> str:
    return "—" if value is None else f"{value:.{decimals}f}"


def _section(session: Session, batch: Batch) -> BatchSection:
    lines = []
    for verdict in quality.verdicts(session, batch):
        method, spec = verdict.spec.test_method, verdict.spec
        lines.append(
            ResultLine(
                test_zh=method.name_zh,
                test_en=method.name_en,
                unit=method.unit,
                lsl=_number(spec.lsl, method.decimals),
                target=_number(spec.target, method.decimals),
                usl=_number(spec.usl, method.decimals),
                value=_number(verdict.result.value if verdict.result else None, method.decimals),
                verdict=VERDICTS[verdict.status],
                covered_by=verdict.covered_by,
            )
        )
    return BatchSection(batch, STATES.get(batch.state, batch.state), mass_kg(batch), lines)


def certificate_of(
    session: Session, delivery: Delivery, now: datetime | None = None
) -> Certificate:
    """What the certificate says: the delivery's batches with their results against specs."""
    sections = [_section(session, item.batch) for item in delivery.batches]
    return Certificate(delivery, sections, delivered_kg(delivery), now or now_local())


def pdf_of(session: Session, delivery: Delivery) -> bytes:
    """The certificate of the delivery as PDF bytes."""
    offset = datetime.now(CENTER_TIMEZONE).strftime("%z")
    return render_pdf(
        TEMPLATES,
        "certificate.html",
        c=certificate_of(session, delivery),
        offset=f"UTC{offset[:3]}:{offset[3:]}",
    )


def pdf_response(session: Session, delivery: Delivery) -> Response:
    """The PDF as a download named after the delivery."""
    return attachment(pdf_of(session, delivery), f"certificate-{delivery.number}.pdf")
