"""Golden curves from released batches, and the flag on a new batch before its lab result."""

from __future__ import annotations

from sqlalchemy import delete

from mixshare.quality import service
from mixshare.quality.models import CurveScore
from tests.quality.conftest import Lab


def release_all(lab: Lab, count: int) -> None:
    for batch in lab.mix(count, lot=False):  # outside the plan: every test on every batch
        for test, value in (("MOONEY", 60.0), ("HARDNESS_A", 65.0)):
            entry = service.ResultIn(test, value, line="L1", batch=batch.code)
            service.record_results(lab.session, [entry], lab.user(), source="form")
        service.release(lab.session, batch, lab.user())


def test_no_golden_curve_before_enough_released_batches(lab: Lab) -> None:
    release_all(lab, 3)
    version = lab.version()
    assert service.rebuild_golden(lab.session, version.id, "MB", lab.world.line) is None


def test_a_bad_batch_is_flagged_before_its_lab_result_and_a_good_one_is_not(lab: Lab) -> None:
    release_all(lab, 12)
    golden = service.rebuild_golden(lab.session, lab.version().id, "MB", lab.world.line)
    assert golden is not None and golden.batches == 12
    (good,) = lab.mix(1)
    (hot,) = lab.mix(1, defect="overheat")
    # the ingest scored both: nothing else ran between their arrival and these reads
    good_score = lab.session.get(CurveScore, good.id)
    hot_score = lab.session.get(CurveScore, hot.id)
    assert good_score is not None and hot_score is not None
    assert good_score.golden_curve_id == golden.id
    assert not good_score.out_of_envelope
    assert hot_score.out_of_envelope and hot_score.score > good_score.score
    assert hot_score.outside["temperature_c"] > 0.1
    assert service.results_of(lab.session, hot) == []  # flagged with no lab result yet
    work = {item.batch.id: item for item in service.worklist(lab.session)}
    curve = work[hot.id].curve
    assert curve is not None and curve.out_of_envelope


def test_the_batch_chart_shows_the_curve_against_the_envelope(lab: Lab) -> None:
    release_all(lab, 6)
    service.rebuild_golden(lab.session, lab.version().id, "MB", lab.world.line)
    (batch,) = lab.mix(1)
    chart = service.curve_chart(lab.session, batch)
    assert chart is not None
    assert len(chart["signals"]["power_kw"]) == len(chart["lower"]["power_kw"]) == 100
    assert all(
        lo < hi
        for lo, hi in zip(
            chart["lower"]["temperature_c"], chart["upper"]["temperature_c"], strict=True
        )
    )


def test_releases_grow_the_golden_curve_when_their_number_doubles(lab: Lab) -> None:
    release_all(lab, 4)
    (probe,) = lab.mix(1, lot=False)
    assert service.golden_of(lab.session, probe) is None  # 4 released: too few for a curve
    release_all(lab, 1)
    golden = service.golden_of(lab.session, probe)
    assert golden is not None and golden.batches == 5
    release_all(lab, 4)
    assert golden.batches == 5  # 9 released: not yet twice as many
    release_all(lab, 1)
    assert golden.batches == 10


def test_batches_mixed_before_the_first_golden_curve_are_scored_when_it_is_built(lab: Lab) -> None:
    (early_hot,) = lab.mix(1, lot=False, defect="overheat")
    (early_good,) = lab.mix(1, lot=False)
    assert lab.session.get(CurveScore, early_hot.id) is None  # no golden curve to score by yet
    release_all(lab, 5)  # the fifth release builds the first golden curve
    hot = lab.session.get(CurveScore, early_hot.id)
    good = lab.session.get(CurveScore, early_good.id)
    assert hot is not None and hot.out_of_envelope
    assert good is not None and not good.out_of_envelope


def test_the_worklist_only_reads_scores(lab: Lab) -> None:
    release_all(lab, 5)
    (batch,) = lab.mix(1)
    lab.session.execute(delete(CurveScore).where(CurveScore.batch_id == batch.id))
    work = {item.batch.id: item for item in service.worklist(lab.session)}
    assert work[batch.id].curve is None
    assert lab.session.get(CurveScore, batch.id) is None
