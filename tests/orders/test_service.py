from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from mixshare.compounds import service as compounds
from mixshare.compounds.models import Compound
from mixshare.errors import Conflict, NotFound, ValidationFailed
from mixshare.orders import service as orders

from .conftest import NOW, recipe

DUE = NOW + timedelta(days=5)


def order(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "member": "M01",
        "compound": "BELT-NR-01",
        "quantity_kg": 10_000,
        "due_at": DUE,
    }
    data.update(overrides)
    return data


def messages(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {p.location: p.message for p in exc.value.problems}


def test_create_order_generates_number_and_uses_latest_version(
    center: Session, belt: Compound
) -> None:
    compounds.new_version(center, belt, {"density": 1.2})
    first = orders.create_order(center, order(), now=NOW)
    second = orders.create_order(center, order(), now=NOW)
    assert first.number == "M01-2610-0001"
    assert second.number == "M01-2610-0002"
    assert first.compound_version.version == 2
    assert first.status == "open" and first.created_at == NOW


def test_bad_order_lists_every_problem(center: Session) -> None:
    with pytest.raises(ValidationFailed) as exc:
        orders.create_order(
            center,
            order(member="M99", due_at=NOW - timedelta(hours=1)),
            now=NOW,
        )
    assert messages(exc) == {"member": "unknown member", "due_at": "due date is in the past"}


@pytest.mark.parametrize(
    ("kg", "reason"), [(0, "at least 1 kg"), (-5, "at least 1 kg"), (250_000, "absurd")]
)
def test_quantity_limits(center: Session, kg: float, reason: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        orders.create_order(center, order(quantity_kg=kg), now=NOW)
    assert reason in messages(exc)["quantity_kg"]


def test_unknown_compound_and_other_members_compound(center: Session) -> None:
    with pytest.raises(ValidationFailed) as exc:
        orders.create_order(center, order(member="M02"), now=NOW)
    assert messages(exc) == {"compound": "unknown compound for this member"}


def test_duplicate_number(center: Session) -> None:
    orders.create_order(center, order(number="A-1"), now=NOW)
    with pytest.raises(ValidationFailed) as exc:
        orders.create_order(center, order(number="A-1"), now=NOW)
    assert "already exists" in messages(exc)["number"]


def test_release_after_due(center: Session) -> None:
    with pytest.raises(ValidationFailed) as exc:
        orders.create_order(center, order(release_at=DUE + timedelta(hours=1)), now=NOW)
    assert "release_at" in messages(exc)


def test_masterbatch_only_compound_rejects_final(center: Session) -> None:
    mb_only = recipe(code="MB-ONLY", has_final=False)
    mb_only["ingredients"] = [i for i in mb_only["ingredients"] if i["stage"] == "MB"]  # type: ignore[attr-defined]
    compounds.create_compound(center, mb_only)
    with pytest.raises(ValidationFailed) as exc:
        orders.create_order(center, order(compound="MB-ONLY"), now=NOW)
    assert "masterbatch-only" in messages(exc)["stage"]
    ok = orders.create_order(center, order(compound="MB-ONLY", stage="masterbatch"), now=NOW)
    assert ok.stage == "masterbatch"


def test_stage_quantities(center: Session, belt: Compound) -> None:
    version = compounds.latest_version(belt)
    q = orders.stage_quantities(version, "final", 1580)
    # MB phr 155, FB phr 3: MB = 1580 * 155 / 158 = 1550
    assert q == pytest.approx({"MB": 1550.0, "FB": 1580.0})
    assert orders.stage_quantities(version, "masterbatch", 700) == {"MB": 700}
    remill = compounds.new_version(center, belt, {"has_remill": True})
    assert orders.stage_quantities(remill, "final", 1580)["RM"] == pytest.approx(1550.0)


def test_update_with_optimistic_lock(center: Session) -> None:
    created = orders.create_order(center, order(), now=NOW)
    center.commit()
    updated = orders.update_order(
        center, created.id, {"quantity_kg": 12_000, "note": "rush"}, 1, now=NOW
    )
    assert (updated.quantity_kg, updated.note, updated.row_version) == (12_000, "rush", 2)
    with pytest.raises(Conflict):
        orders.update_order(center, created.id, {"quantity_kg": 1_000}, 1, now=NOW)


def test_update_rejects_past_due_and_closed_orders(center: Session) -> None:
    created = orders.create_order(center, order(), now=NOW)
    with pytest.raises(ValidationFailed):
        orders.update_order(center, created.id, {"due_at": NOW - timedelta(days=1)}, None, now=NOW)
    orders.cancel_order(center, created.id)
    with pytest.raises(ValidationFailed) as exc:
        orders.update_order(center, created.id, {"note": "x"}, None, now=NOW)
    assert "cancelled" in messages(exc)["status"]


def test_member_isolation(center: Session) -> None:
    created = orders.create_order(center, order(), now=NOW)
    with pytest.raises(NotFound):
        orders.get(center, created.id, member_id=2)
    with pytest.raises(NotFound):
        orders.cancel_order(center, created.id, member_id=2)
    with pytest.raises(ValidationFailed):
        orders.create_order(center, order(), member_id=2, now=NOW)
    assert orders.count(center, member_id=2) == 0
    assert [o.id for o in orders.get_all(center, member_id=1, status="open")] == [created.id]


def test_list_paging(center: Session) -> None:
    for days in (3, 1, 2):
        orders.create_order(center, order(due_at=NOW + timedelta(days=days)), now=NOW)
    page = orders.get_all(center, limit=2, offset=1)
    assert [o.due_at for o in page] == [NOW + timedelta(days=2), NOW + timedelta(days=3)]
    assert orders.count(center) == 3


def test_aware_due_date_is_stored_as_center_local_time(center: Session) -> None:
    from datetime import UTC

    due_utc = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    created = orders.create_order(center, order(due_at=due_utc), now=NOW)
    assert created.due_at == datetime(2026, 3, 10, 8, 0)


def test_numbers_are_unique_per_member_only(center: Session) -> None:
    """Another member's numbers are no business of a member's: using one of them is no
    "already exists" (issue 11, finding 11: that answer told M01 which numbers M02 uses)."""
    compounds.create_compound(center, recipe(member="M02", code="SEAL-02"))
    mine = orders.create_order(center, order(number="PO-7"), now=NOW)
    theirs = orders.create_order(
        center, order(member="M02", compound="SEAL-02", number="PO-7"), now=NOW
    )
    assert (mine.number, theirs.number) == ("PO-7", "PO-7")
    assert orders.get_by_number(center, "PO-7", theirs.member_id) is theirs
    assert orders.shared_numbers(center) == {"PO-7"}
    with pytest.raises(ValidationFailed) as exc:
        orders.get_by_number(center, "PO-7")  # which member's? the caller must say
    assert "several members" in messages(exc)["member"]
