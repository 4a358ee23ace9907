"""Scoring new batches against their golden curves as they arrive, so every batch carries its
score and out-of-envelope flag before its lab result (issue 8).

The ingest service calls :func:`score_arrivals` in the ingest transaction with the curves it
was just sent (no decoding of the stored blob): the score is durable together with the batch
and acknowledged with it. Measured (``benchmarks/execution_ingest.py --golden``): aligning and
scoring costs about 0.15 ms of CPU per batch, and the golden curves of a whole ingest call are
read in one query. A batch that arrives before its compound version, stage and line have a
golden curve is scored when the first curve is built (:func:`score_unscored`, called by
``quality.service.rebuild_golden``). Pages only read scores; they never compute them.

This module imports no service (``execution.service`` calls it, ``quality.service`` uses it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from mixshare.db import table_of
from mixshare.execution import curves
from mixshare.execution.models import Batch, BatchCurve
from mixshare.quality import golden
from mixshare.quality.models import CurveScore, GoldenCurve

Key = tuple[int, str, int]  # compound version id, stage, line id


@dataclass(frozen=True)
class Arrival:
    """A batch just stored, with the curve it was sent with."""

    batch_id: int
    key: Key
    curve: Mapping[str, Sequence[float]]
    hz: float


def references(session: Session, keys: Iterable[Key]) -> dict[Key, tuple[int, golden.Reference]]:
    """(golden curve id, reference) for each key that has a golden curve, in one query."""
    wanted = set(keys)
    if not wanted:
        return {}
    columns = (GoldenCurve.compound_version_id, GoldenCurve.stage, GoldenCurve.line_id)
    rows = session.execute(
        select(GoldenCurve.id, *columns, GoldenCurve.reference).where(
            tuple_(*columns).in_(sorted(wanted))
        )
    )
    return {
        (version, stage, line): (curve_id, golden.Reference.from_json(reference))
        for curve_id, version, stage, line, reference in rows
    }


def score_row(
    batch_id: int,
    curve: Mapping[str, Sequence[float]],
    hz: float,
    found: tuple[int, golden.Reference],
    now: datetime,
) -> dict[str, Any] | None:
    """The ``curve_score`` row of one batch (None: too short a curve to align)."""
    if len(curve.get("power_kw", ())) < 2:
        return None
    golden_id, reference = found
    result = golden.score(golden.align(curve, hz), reference)
    return {
        "batch_id": batch_id,
        "golden_curve_id": golden_id,
        "score": result.score,
        "energy_z": result.energy_z,
        "outside": result.outside,
        "out_of_envelope": result.out_of_envelope,
        "scored_at": now,
    }


def score_arrivals(session: Session, arrivals: Sequence[Arrival], now: datetime) -> int:
    """Score the new batches that have a golden curve (one bulk insert); how many were."""
    found = references(session, (a.key for a in arrivals))
    rows = [
        row
        for a in arrivals
        if a.key in found
        and (row := score_row(a.batch_id, a.curve, a.hz, found[a.key], now)) is not None
    ]
    if rows:
        session.execute(insert(table_of(CurveScore)), rows)
    return len(rows)


def score_unscored(
    session: Session, key: Key, states: Sequence[str], now: datetime, limit: int = 1000
) -> int:
    """Score the batches of ``key`` in ``states`` that have a curve but no score yet (those
    that arrived before the key's first golden curve); how many were."""
    version, stage, line = key
    query = (
        select(Batch.id, BatchCurve.hz, BatchCurve.data)
        .join(BatchCurve, BatchCurve.batch_id == Batch.id)
        .outerjoin(CurveScore, CurveScore.batch_id == Batch.id)
        .where(Batch.compound_version_id == version, Batch.stage == stage)
        .where(Batch.line_id == line, Batch.state.in_(states), CurveScore.batch_id.is_(None))
        .order_by(Batch.id)
        .limit(limit)
    )
    arrivals = [
        Arrival(batch_id, key, curves.decode(data), hz)
        for batch_id, hz, data in session.execute(query)
    ]
    return score_arrivals(session, arrivals, now)
