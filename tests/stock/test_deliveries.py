"""Deliveries take only the owning member's released final batches, each at most once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mixshare.audit.models import AuditEntry
from mixshare.errors import ValidationFailed
from mixshare.stock import service
from tests.stock.conftest import Shop


def refusals(shop: Shop, member: str, batch_ids: list[int]) -> list[str]:
    with pytest.raises(ValidationFailed) as refused:
        service.create_delivery(
            shop.session,
            member_id=shop.lab.world.members[member],
            batch_ids=batch_ids,
            user=shop.lab.user("operator"),
        )
    return [f"{p.location}: {p.message}" for p in refused.value.problems]


def test_a_delivery_takes_released_final_batches_of_their_member(shop: Shop) -> None:
    finals = shop.finals(2)
    shop.release(finals)
    member = shop.lab.world.members["M01"]
    delivery = service.create_delivery(
        shop.session,
        member_id=member,
        batch_ids=[b.id for b in finals],
        user=shop.lab.user("operator"),
        note="车号 浙A12345",
    )
    assert delivery.number.startswith("M01-D") and delivery.number.endswith("-01")
    assert [item.batch_id for item in delivery.batches] == [b.id for b in finals]
    # a final batch weighs its curatives and the masterbatch it consumed
    masses = [b.actual_kg + b.consumed[0].consumed_batch.actual_kg for b in finals]  # type: ignore[union-attr]
    assert service.delivered_kg(delivery) == pytest.approx(sum(masses), abs=0.1)
    entry = shop.session.scalar(select(AuditEntry).where(AuditEntry.action == "delivery_created"))
    assert entry is not None and entry.member_id == member
    # delivered batches leave the stock
    page = service.stock(shop.session, service.StockFilter(member_id=member, stage="FB"))
    assert page.total == 0


def test_every_batch_that_may_not_go_is_named(shop: Shop) -> None:
    released, held, open_ = shop.finals(3)
    shop.release([released])
    shop.hold(held)
    (foreign,) = shop.finals(1, "M02")
    shop.release([foreign])
    (masterbatch,) = shop.lab.mix(1)
    ids = [released.id, held.id, open_.id, foreign.id, masterbatch.id, 99999, released.id]
    found = refusals(shop, "M01", ids)
    assert found == [
        f"batches[1]: batch {held.code} is held: only released compound is delivered",
        f"batches[2]: batch {open_.code} is mixed: only released compound is delivered",
        f"batches[3]: batch {foreign.code} is not this member's compound",
        f"batches[4]: batch {masterbatch.code} is mixed: only released compound is delivered",
        "batches[5]: unknown batch",
        "batches[6]: the batch is listed twice",
    ]


def test_a_batch_is_delivered_once(shop: Shop) -> None:
    (batch,) = shop.finals(1)
    shop.release([batch])
    member = shop.lab.world.members["M01"]
    first = service.create_delivery(shop.session, member_id=member, batch_ids=[batch.id], user=None)
    assert refusals(shop, "M01", [batch.id]) == [
        f"batches[0]: batch {batch.code} was delivered already in {first.number}"
    ]


def test_a_released_masterbatch_of_a_final_compound_is_not_delivered(shop: Shop) -> None:
    (mb,) = shop.lab.mix(1)
    mb.state = "released"  # as if the lab released it: MB specs exist in the lab fixture
    assert refusals(shop, "M01", [mb.id]) == [
        f"batches[0]: batch {mb.code} is MB: this compound is delivered as FB"
    ]


def test_members_see_only_their_own_deliveries(shop: Shop) -> None:
    for member in ("M01", "M02"):
        batches = shop.finals(1, member)
        shop.release(batches)
        service.create_delivery(
            shop.session,
            member_id=shop.lab.world.members[member],
            batch_ids=[b.id for b in batches],
            user=None,
        )
    m01 = shop.lab.world.members["M01"]
    rows, total = service.list_deliveries(shop.session, m01)
    assert total == 1 and rows[0].member_id == m01
    assert service.list_deliveries(shop.session, None)[1] == 2
