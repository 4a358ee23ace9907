"""The release state machine, sampling and lab results, on batches ingested as a line sends them.

The lab fixture (conftest.py): M01's masterbatch lot is planned with 3 batches; its specs ask
for Mooney 50–70 on every batch and hardness 60–70 on the first and last batch of the lot.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from mixshare.audit.models import AuditEntry
from mixshare.errors import Conflict, ValidationFailed
from mixshare.quality import service
from mixshare.quality.models import QualitySpec
from mixshare.quality.service import ResultIn, is_deliverable
from tests.quality.conftest import Lab


def enter(lab: Lab, code: str, test: str, value: float, now: datetime | None = None) -> None:
    entry = ResultIn(test=test, value=value, line="L1", batch=code, measured_at=now)
    service.record_results(lab.session, [entry], lab.user(), source="form", now=now)


def test_a_batch_rests_then_is_tested_once_its_results_are_in(lab: Lab) -> None:
    (batch,) = lab.mix(1)
    assert batch.state == "mixed"
    # the minimum rest (240 min by default) is not over 10 minutes after the batch ended
    soon = batch.ended_at + timedelta(minutes=10)
    assert service.refresh(lab.session, batch, soon) == "resting"
    enter(lab, batch.code, "MOONEY", 61.0, soon)
    enter(lab, batch.code, "HARDNESS_A", 65, soon)
    assert service.refresh(lab.session, batch, soon) == "resting"  # results in, rest not over
    later = service.rest_ends(batch)
    assert later == batch.ended_at + timedelta(minutes=240)
    assert service.refresh(lab.session, batch, later) == "tested"


def test_rest_over_but_a_result_missing_keeps_it_resting(lab: Lab) -> None:
    (batch,) = lab.mix(1)
    enter(lab, batch.code, "MOONEY", 61.0)  # hardness of the first batch still missing
    assert service.refresh(lab.session, batch) == "resting"
    with pytest.raises(Conflict, match="lacks results: HARDNESS_A"):
        service.release(lab.session, batch, lab.user())


def test_release_only_when_every_result_passes_and_only_released_is_deliverable(lab: Lab) -> None:
    good, bad, _ = lab.mix(3)
    for batch, mooney in ((good, 60.0), (bad, 75.0)):  # 75 is above the USL 70
        enter(lab, batch.code, "MOONEY", mooney)
    enter(lab, good.code, "HARDNESS_A", 64)
    service.release(lab.session, good, lab.user())
    assert good.state == "released" and is_deliverable(good)
    # the second batch is not sampled for hardness: the lot's first batch covers it
    assert service.refresh(lab.session, bad) == "tested"
    with pytest.raises(Conflict, match="failed MOONEY: hold it instead"):
        service.release(lab.session, bad, lab.user())
    assert bad.state == "tested" and not is_deliverable(bad)


def test_a_hold_needs_a_disposition_and_a_reason_and_is_audited(lab: Lab) -> None:
    (batch,) = lab.mix(1)
    with pytest.raises(ValidationFailed) as rejected:
        service.hold(lab.session, batch, lab.user(), decision="burn", reason=" ")
    assert {p.location for p in rejected.value.problems} == {"decision", "reason"}
    service.hold(lab.session, batch, lab.user(), decision="rework", reason="焦烧 / scorched")
    assert batch.state == "held" and not is_deliverable(batch)
    disposition = service.disposition_of(lab.session, batch)
    assert disposition is not None and disposition.username == "quality"
    entry = lab.session.scalar(select(AuditEntry).where(AuditEntry.action == "batch_held"))
    assert entry is not None and entry.object_id == str(batch.id)
    assert entry.detail == {"batch": batch.code, "decision": "rework", "reason": "焦烧 / scorched"}
    with pytest.raises(Conflict, match="already held"):
        service.release(lab.session, batch, lab.user())
    with pytest.raises(Conflict, match="already held"):
        service.hold(lab.session, batch, lab.user(), decision="scrap", reason="again")


@pytest.mark.parametrize("reason", ['=HYPERLINK("http://x")', "scorched\x00", "-5 % moisture"])
def test_a_hold_reason_is_safe_free_text(lab: Lab, reason: str) -> None:
    """Quality's reason is shown to operators and members and goes into exports: the one text
    rule (no formulas, no control characters) applies, and nothing is held on refusal."""
    (batch,) = lab.mix(1)
    with pytest.raises(ValidationFailed) as rejected:
        service.hold(lab.session, batch, lab.user(), decision="rework", reason=reason)
    assert [p.location for p in rejected.value.problems] == ["reason"]
    assert batch.state != "held"


def test_first_and_last_of_a_lot_are_sampled() -> None:
    spec = QualitySpec(sampling="first_last", every_n=1)
    assert [service.is_sampled(spec, p, 5) for p in range(1, 6)] == [1, 0, 0, 0, 1]
    nth = QualitySpec(sampling="every_nth", every_n=3)
    assert [service.is_sampled(nth, p, 7) for p in range(1, 8)] == [1, 0, 0, 1, 0, 0, 1]
    # a lot of unknown size: every batch could be the last
    assert service.is_sampled(spec, 2, None)


def test_the_last_batch_of_the_lot_needs_its_own_hardness(lab: Lab) -> None:
    first, second, last = lab.mix(3)
    codes = [v.spec.test_method.code for v in service.verdicts(lab.session, last) if v.sampled]
    assert codes == ["MOONEY", "HARDNESS_A"]
    covered = [v for v in service.verdicts(lab.session, second) if not v.sampled]
    assert [(v.spec.test_method.code, v.covered_by) for v in covered] == [
        ("HARDNESS_A", first.code)
    ]


def test_results_are_stored_all_or_nothing_with_every_bad_field_named(lab: Lab) -> None:
    first, second, _ = lab.mix(3)
    entries = [
        ResultIn("MOONEY", 61.0, line="L1", batch=first.code, at=lambda f: f"r[0].{f}"),
        ResultIn("MOONEY", 612.0, line="L1", batch=second.code, at=lambda f: f"r[1].{f}"),
        ResultIn("VISCOSITY", 1.0, line="L1", batch=second.code, at=lambda f: f"r[2].{f}"),
        ResultIn("HARDNESS_A", 65, line="L1", batch="NO-SUCH", at=lambda f: f"r[3].{f}"),
        ResultIn("MOONEY", 62.0, line="L1", batch=first.code, at=lambda f: f"r[4].{f}"),
    ]
    with pytest.raises(ValidationFailed) as rejected:
        service.record_results(lab.session, entries, lab.user(), source="api")
    found = {(p.location, p.message.split(" (")[0]) for p in rejected.value.problems}
    assert found == {
        ("r[1].value", "outside what the instrument reports"),
        ("r[2].test", "unknown test method"),
        ("r[3].batch", "unknown batch"),
        ("r[4].test", "given twice for the batch"),
    }
    assert service.results_of(lab.session, first) == []


def test_a_member_scope_cannot_reach_another_members_batch(lab: Lab) -> None:
    (foreign,) = lab.mix(1, "M02")
    entry = ResultIn("MOONEY", 60.0, line="L1", batch=foreign.code)
    with pytest.raises(ValidationFailed, match="unknown batch"):
        service.record_results(
            lab.session, [entry], None, source="api", scope=lab.world.members["M01"]
        )


def test_spec_limits_are_checked(lab: Lab) -> None:
    bad = service.SpecIn(lab.version().id, "MB", "MDR_T90", lsl=5, target=9, usl=4, sampling="x")
    with pytest.raises(ValidationFailed) as rejected:
        service.set_spec(lab.session, bad)
    assert {p.location for p in rejected.value.problems} == {"usl", "target", "sampling"}


def test_without_specs_a_batch_cannot_be_released(lab: Lab) -> None:
    (batch,) = lab.mix(1, "M02")  # M02's compound has no specs
    assert service.refresh(lab.session, batch) == "resting"
    with pytest.raises(Conflict, match="no specs"):
        service.release(lab.session, batch, lab.user())
