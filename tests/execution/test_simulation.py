"""The simulated center: a small published plan played through the ingest path, checked
against the plan and the physics of mixing (not against the simulator's own bookkeeping)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.execution import curves
from mixshare.execution.models import Batch, BatchConsumption, RawMaterialLot
from mixshare.execution.playback import play
from mixshare.execution.simulation import SimulationSettings
from mixshare.planning.models import PlanLot
from tests.execution.small_plan import FB_BATCHES, MB_BATCHES, publish_small_plan
from tests.web.conftest import World


def _batches(session: Session) -> list[Batch]:
    return list(session.scalars(select(Batch).order_by(Batch.started_at)))


def test_every_planned_batch_is_mixed_once_with_its_lot_stage_and_compound(
    session: Session, center: World
) -> None:
    plan = publish_small_plan(session, center)
    playback = play(session, plan.id, 2)
    assert playback.ingest.count("quarantined") == 0
    lots = {lot.code: lot for lot in session.scalars(select(PlanLot))}
    per_lot: dict[str, list[Batch]] = defaultdict(list)
    for batch in _batches(session):
        assert batch.lot_code is not None
        lot = lots[batch.lot_code]
        assert (batch.stage, batch.compound_version_id) == (lot.stage, lot.compound_version_id)
        assert batch.order_id == lot.order_id and batch.line_id == lot.line_id
        assert lot.start <= batch.started_at < batch.ended_at <= lot.end
        per_lot[batch.lot_code].append(batch)
    assert {code: len(found) for code, found in per_lot.items()} == {
        code: lot.batches for code, lot in lots.items()
    }
    for batch in _batches(session):  # the batch weighs what the plan gives one batch
        lot = lots[batch.lot_code or ""]
        if batch.stage == "MB":
            assert abs(batch.target_kg - lot.kg / lot.batches) < 1.0


def test_final_batches_consume_their_own_orders_rested_masterbatches(
    session: Session, center: World
) -> None:
    plan = publish_small_plan(session, center)
    play(session, plan.id, 2)
    consumed_by: dict[int, list[int]] = defaultdict(list)
    for final in session.scalars(select(Batch).where(Batch.stage == "FB")):
        assert final.consumed, f"{final.code} consumes nothing"
        for link in final.consumed:
            assert link.consumed_batch_id is not None, f"{link.consumed_code} is unknown"
            master = session.get(Batch, link.consumed_batch_id)
            assert master is not None and master.stage == "MB"
            assert master.order_id == final.order_id  # the same member's compound
            rested = (final.started_at - master.ended_at).total_seconds() / 3600
            assert rested >= 4, f"{master.code} rested only {rested:.1f} h"
            consumed_by[master.id].append(final.id)
    masters = session.scalars(select(Batch.id).where(Batch.stage == "MB")).all()
    assert len(masters) == 2 * MB_BATCHES
    assert set(consumed_by) == set(masters)  # every masterbatch went into a final batch
    links = session.scalar(select(func.count(BatchConsumption.id)))
    assert links is not None and links < 2 * (MB_BATCHES + FB_BATCHES)  # no batch used thrice


def test_curves_dump_hot_masterbatches_and_cool_finals_with_energy_from_power(
    session: Session, center: World
) -> None:
    plan = publish_small_plan(session, center)
    play(session, plan.id, 2)
    lots = {lot.code: lot for lot in session.scalars(select(PlanLot))}
    dumps: dict[str, list[float]] = defaultdict(list)
    for batch in _batches(session):
        assert batch.curve is not None
        signals = curves.decode(batch.curve.data)
        temperature, power = signals["temperature_c"], signals["power_kw"]
        ram = signals["ram_position_mm"]
        assert batch.dump_temperature_c == temperature[-1]
        assert temperature[-1] > temperature[0] + 30  # heats up until the dump
        assert max(ram[:5]) > min(ram[-20:]) + 300  # the ram starts up and ends down
        peak = power.index(max(power))
        assert peak < len(power) / 2  # filler incorporation peaks early
        assert abs(batch.energy_kwh - sum(power) / 3600) < 0.01
        lot = lots[batch.lot_code or ""]
        planned = lot.kwh / lot.batches
        assert 0.6 * planned < batch.energy_kwh < 1.1 * planned
        assert batch.ended_at - batch.started_at == timedelta(seconds=len(power))  # 1 Hz
        dumps[batch.stage].append(batch.dump_temperature_c)
    assert all(t <= 110 for t in dumps["FB"]), max(dumps["FB"])
    assert all(130 <= t <= 175 for t in dumps["MB"])
    near = [t for t in dumps["MB"] if 149 <= t <= 161]
    assert len(near) >= 0.9 * len(dumps["MB"])  # most masterbatches dump at 150–160 °C


def test_weighings_use_received_raw_lots_and_stay_in_tolerance_but_rarely(
    session: Session, center: World
) -> None:
    plan = publish_small_plan(session, center)
    play(session, plan.id, 2, SimulationSettings(deviation_rate=0.1))
    batches = _batches(session)
    lots = {lot.code: lot for lot in session.scalars(select(RawMaterialLot))}
    off = 0
    for batch in batches:
        for weighing in batch.ingredients:
            lot = lots[weighing.raw_lot_code or ""]
            assert weighing.raw_lot_id == lot.id and lot.material_id == weighing.material_id
            assert lot.received_at < batch.started_at
        worst = max(abs(w.actual_kg / w.target_kg - 1) for w in batch.ingredients)
        off += worst > 0.005
        assert batch.has_deviation == (worst > 0.005)
    assert 0 < off < 0.3 * len(batches)


def test_playing_again_stores_nothing_twice(session: Session, center: World) -> None:
    plan = publish_small_plan(session, center)
    first = play(session, plan.id, 2)
    counts = (
        session.scalar(select(func.count(Batch.id))),
        session.scalar(select(func.count(RawMaterialLot.id))),
        session.scalar(select(func.count(BatchConsumption.id))),
    )
    again = play(session, plan.id, 2)
    assert again.ingest.count("accepted") == 0
    assert again.ingest.count("duplicate") == first.ingest.count("accepted") == counts[0]
    assert again.receipts_new == 0 and again.receipts_known == first.receipts_new
    assert counts == (
        session.scalar(select(func.count(Batch.id))),
        session.scalar(select(func.count(RawMaterialLot.id))),
        session.scalar(select(func.count(BatchConsumption.id))),
    )
