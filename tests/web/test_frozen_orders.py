"""The API obeys the frozen-order rule: no change and no cancellation once lots are frozen."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from mixshare.orders.models import Order
from mixshare.planning.models import PlanLot
from tests.web.conftest import World

API = "/api/v1"
PROBLEM = "application/problem+json"


def _freeze_lot_of(db: Session, world: World, member: str) -> None:
    db.execute(update(PlanLot).where(PlanLot.id == world.lots[member]).values(locked=True))
    db.commit()


def test_api_refuses_to_change_or_cancel_a_frozen_order(
    client: TestClient, world: World, db: Session
) -> None:
    _freeze_lot_of(db, world, "M01")
    path = f"{API}/orders/{world.orders['M01']}"
    for name in ("m01", "planner"):
        h = world.headers(name)
        patched = client.patch(path, json={"version": 1, "note": "x"}, headers=h)
        assert patched.status_code == 422, patched.text
        assert patched.headers["content-type"].startswith(PROBLEM)
        [error] = patched.json()["errors"]
        assert error["field"] == "order" and "frozen" in error["message"]
        cancelled = client.post(f"{path}/cancel", json={"version": 1}, headers=h)
        assert cancelled.status_code == 422 and "frozen" in cancelled.text
        assert client.delete(path, headers=h).status_code == 422
    db.expire_all()
    order = db.get(Order, world.orders["M01"])
    assert order is not None and (order.note, order.status, order.row_version) == ("", "open", 1)
    # the other member's order (not frozen) is still editable
    other = client.patch(
        f"{API}/orders/{world.orders['M02']}",
        json={"version": 1, "note": "ok"},
        headers=world.headers("m02"),
    )
    assert other.status_code == 200


def test_foreign_frozen_order_is_still_404(client: TestClient, world: World, db: Session) -> None:
    _freeze_lot_of(db, world, "M02")
    path = f"{API}/orders/{world.orders['M02']}"
    response = client.patch(path, json={"version": 1, "note": "x"}, headers=world.headers("m01"))
    assert response.status_code == 404
