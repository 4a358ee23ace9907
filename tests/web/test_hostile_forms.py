"""Hostile text through the newer forms (waste containers and transfers, the treatment log,
the cost model, deliveries, energy and environment factors, regulatory limits): markup and
template syntax are stored as typed and shown as text on the page that lists them, never as
markup; an invisible or control character is refused with the field named, the rest of the
hostile form is echoed escaped, and nothing is written (issue 9 with issue 11, #1).

The browser test ``tests/web/browser/test_hostile_text.py`` runs hostile text on the plan
board under the Content-Security-Policy; here the server's answer itself is checked, for every
form at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.db import session_factory
from mixshare.environment.models import (
    EnvironmentFactor,
    RegulatoryLimit,
    TreatmentLogDay,
    WasteContainer,
    WasteTransfer,
)
from mixshare.ledger.models import EnergyFactor
from mixshare.settings import now_local
from mixshare.sharing.models import CostModelVersion
from mixshare.stock.models import Delivery
from mixshare.users.models import User
from tests.web.conftest import World, soon
from tests.web.pages_helpers import page_login, post_form

MARKUP = '<script>window.__x=1</script><img src=x onerror="alert(1)">'
SHORT = "'\"><svg onload=alert(2)>"  # fits the 40-character fields
TEMPLATE = "{{ 7*7 }}{% raw %}"
INVISIBLE = "ok\u202etxt.exe"  # a right-to-left override ("Trojan Source")
TODAY = now_local().date()


@dataclass(frozen=True)
class Form:
    name: str
    path: str  # where the form posts
    shown: str  # the page that lists what it stored
    role: str
    fields: dict[str, str]
    hostile: tuple[str, ...]  # the fields holding hostile text (the first gets INVISIBLE)
    model: Any  # the table a post writes to
    before: Callable[[TestClient, str], None] | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _container(client: TestClient, token: str) -> None:
    """The container the transfer form hands over."""
    answer = post_form(client, "/environment/waste/containers", token, code="WC-T1",
                       category="general", waste_type="scrap rubber", mass_kg="50",
                       filled_on=TODAY.isoformat())  # fmt: skip
    assert answer.status_code == 303, answer.text[:500]


FORMS = [
    Form("waste container", "/environment/waste/containers", "/environment/waste", "operator",
         {"code": "WC-H1", "category": "hazardous", "waste_type": MARKUP + TEMPLATE,
          "hw_code": SHORT, "mass_kg": "120", "filled_on": TODAY.isoformat(),
          "location": TEMPLATE},
         ("waste_type", "hw_code"), WasteContainer),
    Form("waste transfer", "/environment/waste/transfers", "/environment/waste", "operator",
         {"container": "WC-T1", "transferred_on": TODAY.isoformat(), "receiver": MARKUP,
          "receiver_licence": SHORT, "manifest_no": TEMPLATE, "mass_kg": "50",
          "method": "utilisation"},
         ("receiver", "receiver_licence", "manifest_no"), WasteTransfer, _container),
    Form("treatment log", "/environment/treatment",
         f"/environment/treatment?month={TODAY:%Y-%m}", "operator",
         {"day": TODAY.isoformat(), "fan_hours": "20", "note": MARKUP + TEMPLATE},
         ("note",), TreatmentLogDay),
    Form("cost model", "/cost-models/new", "/costs", "center_admin",
         {"valid_from": "2032-01", "line_fixed_cost": "100000",
          "staff_cost_per_line_shift": "30000", "treatment_unit_cost": "20000",
          "lines_per_treatment_unit": "2", "overhead_cost": "10000", "target_utilisation": "0.85",
          "shift_hours": "8", "max_shifts": "3", "maintenance_hours_per_line": "32",
          "source": MARKUP, "notes": f"{SHORT}\n{TEMPLATE}"},
         ("source", "notes"), CostModelVersion),
    Form("energy factor", "/ledger/factors", "/ledger/factors", "center_admin",
         {"kind": "grid_co2", "code": "CO2-H", "name": SHORT, "value": "0.6",
          "valid_from": "2032-01-01", "source": MARKUP + TEMPLATE},
         ("source", "name"), EnergyFactor),
    Form("environment factor", "/environment/reference/factors", "/environment/reference",
         "center_admin",
         {"name": "capture_efficiency", "value": "0.9", "valid_from": "2032-01-01",
          "source": MARKUP + TEMPLATE},
         ("source",), EnvironmentFactor),
    Form("regulatory limit", "/environment/reference/limits", "/environment/reference",
         "center_admin",
         {"parameter": "pm_mg_m3", "bound": "max", "value": "20", "valid_from": "2032-01-01",
          "source": MARKUP + TEMPLATE},
         ("source",), RegulatoryLimit),
]  # fmt: skip
ACCOUNTS = {"operator": "operator", "center_admin": "admin"}


def _released_batch(db_url: str, world: World) -> int:
    """A final batch of M01 the line reported and the lab released, not delivered yet."""
    from mixshare.compounds.models import Compound
    from mixshare.execution import service as execution
    from mixshare.execution.models import Batch
    from mixshare.execution.samples import BatchFactory, IngredientSpec
    from mixshare.quality import service as quality

    with session_factory(db_url)() as session:
        admin = session.get(User, world.users["admin"])
        compound = session.get(Compound, world.compounds["M01"])
        assert compound is not None and admin is not None
        version = compound.versions[-1]
        quality.set_spec(session, quality.SpecIn(version.id, "FB", "MOONEY", 40, 45, 50))
        start = soon(-3).replace(hour=14, minute=0)
        factory = BatchFactory("L1", version.key, "FB", [IngredientSpec("S", 6.0)], start=start)
        result = execution.ingest_one(session, factory.next(batch="L1-H-0001"), source="api")
        assert result.batch_id is not None, result.reasons
        entry = quality.ResultIn(test="MOONEY", value=45.0, batch_id=result.batch_id)
        quality.record_results(session, [entry], admin, source="form")
        batch = session.get(Batch, result.batch_id)
        assert batch is not None
        quality.release(session, batch, admin)
        session.commit()
        return result.batch_id


def _count(db: Session, model: Any) -> int:
    db.commit()  # see what the app committed
    return db.scalar(select(func.count()).select_from(model)) or 0


def _assert_shown_as_text(html: str, *texts: str) -> None:
    for text in texts:
        assert str(escape(text)) in html, text
        assert text not in html or text == str(escape(text)), f"unescaped: {text}"
    assert "<script>window.__x" not in html and "<svg onload" not in html


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_hostile_text_is_stored_and_shown_as_text(
    client: TestClient, db: Session, form: Form
) -> None:
    token = page_login(client, ACCOUNTS[form.role])
    if form.before is not None:
        form.before(client, token)
    count = _count(db, form.model)
    answer = post_form(client, form.path, token, **form.fields)
    assert answer.status_code == 303, answer.text[:800]
    assert _count(db, form.model) == count + 1
    html = client.get(form.shown).text
    texts = [form.fields[name] for name in form.hostile]
    _assert_shown_as_text(html, *(t for text in texts for t in text.split("\n")))
    assert "{{ 7*7 }}" in html or TEMPLATE not in " ".join(texts)


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.name)
def test_an_invisible_character_is_refused_naming_the_field_and_writes_nothing(
    client: TestClient, db: Session, form: Form
) -> None:
    token = page_login(client, ACCOUNTS[form.role])
    if form.before is not None:
        form.before(client, token)
    count = _count(db, form.model)
    target = form.hostile[0]
    answer = post_form(client, form.path, token, **{**form.fields, target: INVISIBLE})
    assert answer.status_code == 422, answer.text[:800]
    assert f'data-field-error="{target}"' in answer.text
    assert "U+202E" in answer.text
    echoed = [form.fields[name] for name in form.hostile[1:]]
    _assert_shown_as_text(answer.text, *(t for text in echoed for t in text.split("\n")))
    assert _count(db, form.model) == count


def test_a_delivery_note_is_shown_as_text_and_an_invisible_one_writes_nothing(
    client: TestClient, db: Session, db_url: str, world: World
) -> None:
    batch_id = _released_batch(db_url, world)
    token = page_login(client, "operator")
    fields = {"member_id": str(world.members["M01"]), "batch": str(batch_id)}
    refused = post_form(client, "/deliveries", token, **fields, note=INVISIBLE)
    assert refused.status_code == 422 and 'data-field-error="note"' in refused.text
    assert _count(db, Delivery) == 0
    answer = post_form(client, "/deliveries", token, **fields, note=MARKUP + TEMPLATE)
    assert answer.status_code == 303, answer.text[:800]
    html = client.get(answer.headers["location"]).text
    _assert_shown_as_text(html, MARKUP + TEMPLATE)
    assert "{{ 7*7 }}" in html
