"""The simulated lab of `mixshare simulate`: results through the quality service, released
batches pass every spec, held batches failed one and carry a disposition, a re-run adds
nothing. Checked from the stored results and specs, not from the simulator's counts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.demo.quality_specs import load_demo_specs
from mixshare.execution.models import Batch
from mixshare.execution.playback import play
from mixshare.execution.simulation import SimulationSettings
from mixshare.quality.models import Disposition, LabResult, QualitySpec
from tests.execution.conftest import center, password_hash
from tests.execution.small_plan import publish_small_plan
from tests.web.conftest import World

__all__ = ["center", "password_hash"]  # the fixtures, shared with tests/execution


def _own_results_pass(session: Session, batch: Batch) -> bool:
    rows = session.execute(
        select(LabResult.value, QualitySpec.lsl, QualitySpec.usl)
        .join(QualitySpec, QualitySpec.test_method_id == LabResult.test_method_id)
        .where(LabResult.batch_id == batch.id)
        .where(QualitySpec.compound_version_id == batch.compound_version_id)
        .where(QualitySpec.stage == batch.stage)
    ).all()
    return all((lsl is None or v >= lsl) and (usl is None or v <= usl) for v, lsl, usl in rows)


def test_simulated_lab_releases_good_batches_and_holds_bad_ones(
    session: Session, center: World
) -> None:
    plan = publish_small_plan(session, center)
    load_demo_specs(session)
    session.commit()
    playback = play(session, plan.id, 2, SimulationSettings(defect_rate=0.3))
    batches = list(session.scalars(select(Batch)))
    results = session.scalar(select(func.count(LabResult.id)))
    assert results == playback.lab.results > len(batches)  # FB: four MDR values each
    released = [b for b in batches if b.state == "released"]
    held = [b for b in batches if b.state == "held"]
    assert released and held
    assert len(released) + len(held) == len(batches)  # two days: every batch is decided
    for batch in released:
        assert _own_results_pass(session, batch), batch.code
    for batch in held:
        disposition = session.scalars(select(Disposition).where(Disposition.batch_id == batch.id))
        decided = disposition.one()
        assert decided.reason and decided.username == "quality"
        assert decided.decision == ("rework" if batch.stage == "MB" else decided.decision)
    assert all(not _own_results_pass(session, b) for b in held if b.stage == "MB")
    again = play(session, plan.id, 2, SimulationSettings(defect_rate=0.3))
    assert (again.lab.results, again.lab.released, again.lab.held) == (0, 0, 0)
    assert session.scalar(select(func.count(LabResult.id))) == results


def test_the_lab_clock_stops_at_the_end_of_the_simulated_days(
    session: Session, center: World
) -> None:
    plan = publish_small_plan(session, center)
    load_demo_specs(session)
    session.commit()
    play(session, plan.id, 0.2)  # 4.8 h: masterbatches mixed, the later ones still resting
    states = set(session.scalars(select(Batch.state)))
    assert states <= {"mixed", "resting", "tested", "released", "held"}
    assert "mixed" in states or "resting" in states  # the lab still has work
    assert not session.scalar(select(func.count(Batch.id)).where(Batch.stage == "FB"))
