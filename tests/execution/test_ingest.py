"""The ingest service: every outcome, each kind of bad document, idempotency, conflicts kept,
deviations flagged, energy from the curve, curves stored losslessly beside the record."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.db import session_factory
from mixshare.execution import service
from mixshare.execution.models import Batch, BatchConflict, BatchCurve, QuarantinedDocument
from mixshare.execution.samples import SIGNALS
from tests.execution.conftest import masterbatches
from tests.web.conftest import World


@pytest.fixture
def session(db_url: str, center: World) -> Any:
    with session_factory(db_url)() as s:
        yield s


def ingest(session: Session, *documents: Any) -> service.IngestReport:
    report = service.ingest(session, documents, source="cli")
    session.commit()
    return report


def count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_good_batch_is_accepted_with_its_curve(session: Session) -> None:
    document = masterbatches().next()
    report = ingest(session, document)
    assert report.summary() == "accepted 1, duplicates 0, conflicts 0, quarantined 0, deviations 0"
    batch = session.get(Batch, report.results[0].batch_id)
    assert batch is not None and batch.code == document["batch"]
    assert batch.state == "mixed" and batch.member_id is not None
    assert batch.started_at.hour == 8  # 08:00+08:00 is center time
    assert [i.raw_lot_code for i in batch.ingredients] == ["R-NR-1", "R-SBR-1", "R-N330-1"]
    assert all(i.raw_lot_id for i in batch.ingredients)
    assert service.curve_of(batch) == {s: document["curve"][s] for s in SIGNALS}
    assert batch.curve is not None and len(batch.curve.data) < 2000


def test_sending_again_is_a_duplicate_stored_once(session: Session) -> None:
    document = masterbatches().next()
    ingest(session, document)
    again = copy.deepcopy(document)
    again["started_at"] = "2026-12-07T00:00:00+00:00"  # the same instant, written otherwise
    report = ingest(session, document, again)
    assert [r.outcome for r in report.results] == ["duplicate", "duplicate"]
    assert count(session, Batch) == 1 and count(session, BatchConflict) == 0


def test_other_content_under_the_same_id_is_a_conflict_and_both_are_kept(
    session: Session,
) -> None:
    document = masterbatches().next()
    ingest(session, document)
    other = copy.deepcopy(document) | {"dump_temperature_c": 171.0}
    report = ingest(session, other, other)
    assert [r.outcome for r in report.results] == ["conflict", "conflict"]
    assert report.results[0].status == 409
    kept = session.scalars(select(BatchConflict)).one()
    assert kept.document["dump_temperature_c"] == 171.0 and kept.times_received == 2
    stored = session.scalars(select(Batch)).one()
    assert stored.dump_temperature_c == document["dump_temperature_c"]


def _bad(**changes: Any) -> dict[str, Any]:
    document = masterbatches().next()
    for path, value in changes.items():
        target: Any = document
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return document


BAD_DOCUMENTS = [
    ("negative weight", _bad(ingredients__0__actual_kg=-3.0), "ingredients[0].actual_kg"),
    ("absurd weight", _bad(ingredients__1__actual_kg=60000.0), "ingredients[1].actual_kg"),
    ("dump above sensor", _bad(dump_temperature_c=950.0), "dump_temperature_c"),
    ("curve below sensor", _bad(curve__temperature_c__5=-80.0), "curve.temperature_c[5]"),
    ("arrays differ", _bad(curve__rotor_rpm=[50.0] * 10), "curve"),
    ("ended before started", _bad(ended_at="2026-12-07T07:59:00+08:00"), "ended_at"),
    ("unknown line", _bad(line="L9"), "line"),
    ("unknown compound", _bad(compound="M01.NOPE.v1"), "compound"),
    ("no offset", _bad(started_at="2026-12-07T08:00:00"), "started_at"),
    ("missing field", _bad(ingredients=[]), "ingredients"),
    ("not a number", _bad(curve__power_kw__3="high"), "curve.power_kw[3]"),
]


@pytest.mark.parametrize(
    ("document", "bad_field"), [pytest.param(d, f, id=i) for i, d, f in BAD_DOCUMENTS]
)
def test_bad_documents_are_quarantined_naming_the_field(
    session: Session, document: dict[str, Any], bad_field: str
) -> None:
    report = ingest(session, document)
    result = report.results[0]
    assert result.outcome == "quarantined" and result.status == 422
    assert bad_field in [r.field for r in result.reasons], result.reasons
    assert count(session, Batch) == 0
    kept = session.scalars(select(QuarantinedDocument)).one()
    assert kept.document == document and bad_field in [r["field"] for r in kept.reasons]


def test_every_bad_field_is_named_at_once(session: Session) -> None:
    document = _bad(line="L9", ended_at="2026-12-07T07:00:00+08:00", dump_temperature_c=999.0)
    fields = {r.field for r in ingest(session, document).results[0].reasons}
    assert {"line", "ended_at", "dump_temperature_c"} <= fields


def test_deviations_are_accepted_and_flagged(session: Session) -> None:
    factory = masterbatches()
    off_weight = factory.next()
    off_weight["ingredients"][0]["actual_kg"] = 141.0  # +0.71 % of 140 kg
    unknown_lot = factory.next()
    unknown_lot["ingredients"][1]["raw_lot"] = "R-NOWHERE"
    foreign = factory.next()
    foreign["ingredients"].append(
        {"material": "S", "raw_lot": "R-S-1", "target_kg": 2.0, "actual_kg": 2.0}
    )
    unknown_material = factory.next()
    unknown_material["ingredients"][2]["material"] = "N550"
    report = ingest(session, off_weight, unknown_lot, foreign, unknown_material)
    assert report.summary() == "accepted 4, duplicates 0, conflicts 0, quarantined 0, deviations 4"
    fields = [[d.field for d in r.deviations] for r in report.results]
    assert fields == [
        ["ingredients[0].actual_kg"],
        ["ingredients[1].raw_lot"],
        ["ingredients[3].material"],
        ["ingredients[2].material"],
    ]
    flagged = session.scalars(select(Batch).where(Batch.has_deviation)).all()
    assert len(flagged) == 4


def test_energy_absent_is_the_integral_of_power(session: Session) -> None:
    document = masterbatches().next()
    del document["energy_kwh"]
    document["curve"]["power_kw"] = [1800.0] * len(document["curve"]["power_kw"])  # 0.5 kWh/s
    batch_id = ingest(session, document).results[0].batch_id
    batch = session.get(Batch, batch_id)
    assert batch is not None and batch.energy_from_curve
    assert batch.energy_kwh == pytest.approx(200 * 0.5)


def test_genealogy_links_consumed_batches(session: Session) -> None:
    mb = masterbatches().next()
    ingest(session, mb)
    final = masterbatches(stage="FB").next(
        batch="L1-20261207-0100",
        ingredients=[{"material": "S", "raw_lot": "R-S-1", "target_kg": 4.0, "actual_kg": 4.0}],
        consumed=[mb["batch"], "L1-UNKNOWN"],
    )
    result = ingest(session, final).results[0]
    assert result.outcome == "accepted"
    assert [d.field for d in result.deviations] == ["consumed[1]"]
    batch = session.get(Batch, result.batch_id)
    assert batch is not None
    assert [c.consumed_batch_id is not None for c in batch.consumed] == [True, False]


def test_record_and_curve_commit_together(session: Session) -> None:
    """Nothing is written until the caller commits; a rollback loses both or neither."""
    service.ingest(session, [masterbatches().next()], source="cli")
    session.rollback()
    assert count(session, Batch) == 0 and count(session, BatchCurve) == 0


def test_within_one_call_repeats_and_genealogy_are_seen(session: Session) -> None:
    """A list may hold a document twice, or a final batch with the masterbatch it consumed."""
    mb = masterbatches().next()
    changed = copy.deepcopy(mb) | {"operator": "li.na"}
    final = masterbatches(stage="FB").next(
        batch="L1-20261207-0200",
        ingredients=[{"material": "S", "raw_lot": "R-S-1", "target_kg": 4.0, "actual_kg": 4.0}],
        consumed=[mb["batch"]],
    )
    report = ingest(session, mb, mb, changed, final)
    assert [r.outcome for r in report.results] == ["accepted", "duplicate", "conflict", "accepted"]
    assert report.results[1].batch_id == report.results[0].batch_id
    assert report.results[2].batch_id == report.results[0].batch_id  # the conflict's batch
    kept = session.scalars(select(BatchConflict)).one()
    assert kept.batch_id == report.results[0].batch_id
    assert report.results[3].deviations == []
    stored = session.get(Batch, report.results[3].batch_id)
    assert stored is not None
    assert [c.consumed_batch_id for c in stored.consumed] == [report.results[0].batch_id]
    assert count(session, Batch) == 2 and count(session, BatchConflict) == 1
