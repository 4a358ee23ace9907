"""`mixshare simulate` ships released compound: deliveries made through the stock service hold
only released final batches of the delivery's member, and a re-run ships nothing twice."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.demo.quality_specs import load_demo_specs
from mixshare.execution.playback import play
from mixshare.stock.models import Delivery, DeliveryBatch
from tests.execution.conftest import center, password_hash
from tests.execution.small_plan import publish_small_plan
from tests.web.conftest import World

__all__ = ["center", "password_hash"]  # the fixtures, shared with tests/execution


def test_simulated_days_end_with_deliveries_of_released_final_batches(
    session: Session, center: World
) -> None:
    plan = publish_small_plan(session, center)
    load_demo_specs(session)
    session.commit()
    playback = play(session, plan.id, 2)
    deliveries = list(session.scalars(select(Delivery)))
    assert playback.deliveries == len(deliveries) > 0
    assert playback.delivered_batches == sum(len(d.batches) for d in deliveries)
    assert "deliveries:" in playback.lines()[-1]
    for delivery in deliveries:
        for item in delivery.batches:
            batch = item.batch
            assert batch.state == "released" and batch.stage == "FB"
            assert batch.member_id == delivery.member_id
    again = play(session, plan.id, 2)
    assert again.deliveries == 0
    assert session.scalar(select(func.count(DeliveryBatch.id))) == playback.delivered_batches
