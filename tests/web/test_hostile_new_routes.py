"""A hostile member (and planner) against the routes added since 4139ee3: the statements
(API and pages), the twin run, the planning prices and the energy factors forms.

- a member's user asking for another member's statement gets 404 (API and page downloads), and
  the statements page never shows the other member's statement;
- a member's user or a planner posting to ``/planning/prices``, ``/ledger/factors`` or
  ``/twin/run`` gets 404 (pages) and nothing is written;
- the center admin's hostile text in every field of the planning prices form is stored and
  shown escaped or refused with 422, never rendered as markup; absurd numbers are refused with
  the field named and nothing written.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.jobs.models import Job
from mixshare.ledger.models import EnergyFactor
from mixshare.planning.models import PlanningPrice
from mixshare.planning.price_pages import PRICE_FIELDS
from tests.web.conftest import World
from tests.web.pages_helpers import page_login, post_form

IMG = "<img src=x onerror=alert(1)>"
FORMULA = "=1+1"
BASE = {
    "code": "H-1", "valid_from": "2033-01-01", "cleaning_material_yuan": "1000",
    "cleaning_kwh": "50", "changeover_hour_yuan": "500", "lateness_tonne_hour_yuan": "30",
    "source": "center cost accounting",
}  # fmt: skip
NUMBERS = ("cleaning_material_yuan", "cleaning_kwh", "changeover_hour_yuan",
           "lateness_tonne_hour_yuan")  # fmt: skip


def _count(db: Session, model: Any) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_member_never_reads_another_members_statement(client: TestClient, world: World) -> None:
    m02 = world.members["M02"]
    for name in ("m01", "m01admin"):
        headers = world.headers(name)
        for tail in ("", "/statement.pdf", "/statement.xlsx"):
            answer = client.get(f"/api/v1/statements/2031-01/members/{m02}{tail}", headers=headers)
            assert answer.status_code == 404, (name, tail, answer.text[:300])
            assert "M02" not in answer.text
        # a credit note is the admin's: a member's user is refused before the member is looked up
        note = client.post(
            f"/api/v1/statements/2031-01/members/{m02}/credit-notes",
            json={"reason": "x"},
            headers=headers,
        )
        assert note.status_code in (403, 404), (name, note.text[:300])
        page_login(client, name)
        for suffix in (".pdf", ".xlsx"):
            answer = client.get(f"/statements/2031-01/members/{m02}{suffix}")
            assert answer.status_code == 404, (name, suffix, answer.status_code)
        # the page ignores another member's id: it shows the member's own statement only
        page = client.get(f"/statements?month=2031-01&member={m02}")
        assert page.status_code in (200, 404), page.status_code
        assert "成员二" not in page.text and "· M02" not in page.text


@pytest.mark.parametrize("name", ["m01", "m01admin", "m02", "planner"])
def test_members_and_planner_write_nothing(
    client: TestClient, world: World, db: Session, name: str
) -> None:
    before = (_count(db, PlanningPrice), _count(db, EnergyFactor), _count(db, Job))
    token = page_login(client, name)
    posts = {
        "/planning/prices": BASE,
        "/ledger/factors": {"kind": "grid_co2", "code": "CO2-X", "name": "x", "value": "0.6",
                            "valid_from": "2033-01-01", "source": "x"},
        "/twin/run": {"weeks": "1"},
    }  # fmt: skip
    for path, fields in posts.items():
        answer = post_form(client, path, token, **fields)
        assert answer.status_code in (403, 404), (name, path, answer.status_code)
    assert (_count(db, PlanningPrice), _count(db, EnergyFactor), _count(db, Job)) == before


@pytest.mark.parametrize("payload", [IMG, FORMULA])
def test_hostile_text_in_every_price_field(
    client: TestClient, world: World, db: Session, payload: str
) -> None:
    token = page_login(client, "admin")
    for n, name in enumerate(PRICE_FIELDS):
        before = _count(db, PlanningPrice)
        day = (date(2034, 1, 1) + timedelta(days=n + (40 if payload == FORMULA else 0))).isoformat()
        fields = {**BASE, "code": f"H-{payload == IMG}-{n}", "valid_from": day, name: payload}
        answer = post_form(client, "/planning/prices", token, **fields)
        assert answer.status_code in (303, 400, 422), (name, answer.status_code)
        assert IMG not in answer.text, name
        if answer.status_code == 303:
            assert _count(db, PlanningPrice) == before + 1, name
            page = client.get("/planning/prices")
            assert page.status_code == 200
            assert IMG not in page.text
            if payload == IMG:
                assert "&lt;img src=x onerror=alert(1)&gt;" in page.text, name
            else:
                assert payload in page.text, name  # stored as typed
        else:
            assert f'data-field-error="{name}"' in answer.text, name
            assert _count(db, PlanningPrice) == before, name


@pytest.mark.parametrize("value", ["1e308", "-5", "inf", "nan"])
def test_absurd_prices_are_refused(
    client: TestClient, world: World, db: Session, value: str
) -> None:
    token = page_login(client, "admin")
    for name in NUMBERS:
        before = _count(db, PlanningPrice)
        answer = post_form(client, "/planning/prices", token, **{**BASE, name: value})
        assert answer.status_code == 422, (name, value, answer.status_code)
        assert f'data-field-error="{name}"' in answer.text, (name, value)
        assert _count(db, PlanningPrice) == before
