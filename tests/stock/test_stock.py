"""Stock: what is in it (not consumed, not delivered), where it lies, how old it is, the alarm
before the maximum age, and first in, first out.

The lab fixture's masterbatches end two days ago; the compound version's defaults are a
minimum rest of 240 min, a maximum age of 7200 min (5 days) for masterbatch and a shelf life
of 10080 min (7 days) for final batch (domain.md §3).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from mixshare.errors import ValidationFailed
from mixshare.stock import service
from mixshare.stock.models import StockLocation
from tests.stock.conftest import Shop


def test_consumed_masterbatches_leave_the_stock_and_final_batches_enter_it(shop: Shop) -> None:
    (loose,) = shop.lab.mix(1)
    member = shop.lab.world.members["M01"]
    before = service.stock(shop.session, service.StockFilter(member_id=member)).total
    finals = shop.finals(2)  # each consumes a masterbatch of its own
    page = service.stock(shop.session, service.StockFilter(member_id=member))
    codes = {row.batch.code for row in page.rows}
    assert page.total == before + 2  # two final batches in, their two masterbatches out
    assert {loose.code, finals[0].code, finals[1].code} <= codes
    consumed = {c.consumed_code for b in finals for c in b.consumed}
    assert len(consumed) == 2 and not consumed & codes
    where = {row.batch.code: row.location.code for row in page.rows if row.location}
    assert where[loose.code] == "REST-1" and where[finals[0].code] == "FB-1"  # the defaults


def test_members_see_only_their_own_stock(shop: Shop) -> None:
    shop.finals(1, "M01")
    (theirs,) = shop.finals(1, "M02")
    mine = service.stock(shop.session, service.StockFilter(shop.lab.world.members["M01"]))
    assert theirs.code not in {row.batch.code for row in mine.rows}
    everyone = service.stock(shop.session, service.StockFilter())
    assert theirs.code in {row.batch.code for row in everyone.rows}


def test_an_alarm_a_day_before_the_maximum_age(shop: Shop) -> None:
    (mb,) = shop.lab.mix(1)
    limit = mb.ended_at + timedelta(minutes=7200)  # the version's max age of masterbatch
    assert service.alarm(mb, limit - timedelta(days=1, minutes=1)) == "ok"
    assert service.alarm(mb, limit - timedelta(days=1)) == "expiring"
    assert service.alarm(mb, limit) == "expired"
    (fb,) = shop.finals(1)
    assert service.max_age(fb) == timedelta(minutes=10080)  # final batch: the shelf life
    later = service.stock(shop.session, service.StockFilter(alarm_only=True), now=limit)
    assert {row.batch.code: row.alarm for row in later.rows}[mb.code] == "expired"
    assert fb.code not in {row.batch.code for row in later.rows}  # 7-day shelf life: still ok
    assert later.expired >= 1


def test_fifo_suggests_the_oldest_usable_batches(shop: Shop) -> None:
    old = shop.finals(2, started=shop.lab.started)
    new = shop.finals(2, started=shop.lab.started + timedelta(hours=6))
    shop.release(new + old[1:])
    version = shop.lab.version().id
    picked = service.fifo(shop.session, compound_version_id=version, stage="FB", count=2)
    assert [b.code for b in picked] == [old[1].code, new[0].code]  # old[0] is not released
    # masterbatch for the next stage: rested, not held, not expired, oldest first
    first, second, third = shop.lab.mix(3)
    shop.hold(second)
    picked = service.fifo(
        shop.session, compound_version_id=version, stage="MB", count=5, purpose="consumption"
    )
    assert [b.code for b in picked] == [first.code, third.code]
    too_late = third.ended_at + timedelta(days=5)  # their maximum age
    picked = service.fifo(
        shop.session, compound_version_id=version, stage="MB", count=5,
        purpose="consumption", now=too_late,
    )  # fmt: skip
    assert not {first.code, third.code} & {b.code for b in picked}


def test_a_batch_moves_only_to_a_location_that_holds_its_stage(shop: Shop) -> None:
    (mb,) = shop.lab.mix(1)
    rack = StockLocation(code="REST-2", name="停放区 2", stages="MB,RM")
    shop.session.add(rack)
    shop.session.flush()
    store = next(loc for loc in service.locations(shop.session) if loc.code == "FB-1")
    with pytest.raises(ValidationFailed, match="FB-1 holds FB, not MB"):
        service.move(shop.session, mb, store, shop.lab.user("operator"))
    service.move(shop.session, mb, rack, shop.lab.user("operator"))
    there = service.stock(shop.session, service.StockFilter(location_id=rack.id))
    assert [row.batch.code for row in there.rows] == [mb.code]
    default = next(loc for loc in service.locations(shop.session) if loc.code == "REST-1")
    rest = service.stock(shop.session, service.StockFilter(location_id=default.id))
    assert mb.code not in {row.batch.code for row in rest.rows}
