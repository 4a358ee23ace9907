"""Baselines are frozen once entered; the claims of the hand-computed month against them.

M01 in January 2031 (tests/ledger/conftest.py): B1, B3, B4, each 200 kg weighed in and 200 s
of mixing, 40 kWh: 0.6 t of compound, 1/6 mixer hour. Against a baseline of 100 kWh/t and
1.2 t/h: 66.67 kWh/t (-33.3 %) and 3.6 t/h (x3.0)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from mixshare.db import session_factory
from mixshare.errors import ValidationFailed
from mixshare.ledger import claims
from tests.web.conftest import World

BASELINE = {
    "member": "M01",
    "kwh_per_t": 100.0,
    "tonnes_per_hour": 1.2,
    "voc_kg_per_t": 4.9,
    "voc_method": "emission_factor",
    "period": "2024, own mixing room",
    "source": "M01 energy audit 2024",
}


@pytest.fixture
def db(db_url: str, month_world: World) -> Session:
    return session_factory(db_url)()


def test_a_baseline_is_frozen(db: Session) -> None:
    claims.set_baseline(db, BASELINE)
    with pytest.raises(ValidationFailed, match="M01 has a frozen baseline since"):
        claims.set_baseline(db, {**BASELINE, "kwh_per_t": 50.0})


def test_claims_of_the_month(db: Session) -> None:
    claims.set_baseline(db, BASELINE)
    claims.set_baseline(db, {**BASELINE, "member": "M02", "kwh_per_t": 150.0})
    result = claims.month_claims(db, month="2031-01")
    m01 = result["members"]["M01"]
    assert m01["data"]["tonnes"] == 0.6 and m01["data"]["batch_kwh"] == 40.0
    assert m01["energy"] == {"center_kwh_per_t": 66.67, "change_pct": -33.3}
    assert m01["efficiency"] == {"center_t_per_h": 3.6, "factor": 3.0}
    # M02: B2, 30 kWh for 0.2 t = 150 kWh/t, as its baseline; 200 s for 0.2 t = 3.6 t/h
    assert result["members"]["M02"]["energy"]["change_pct"] == 0.0
    # overall: 70 kWh against 100 x 0.6 + 150 x 0.2 = 90 kWh; hours 0.222 vs 0.667
    assert result["overall"]["energy_change_pct"] == -22.2
    assert result["overall"]["efficiency_factor"] == 3.0
    assert "energy" in result["methods"] and "overall" in result["methods"]
    # VOC by the emission factor (the environment ledger's seeded defaults): 4.90 kg/t x
    # (1 - 0.70 capture x 0.90 treatment) = 1.813 kg/t against 4.9: -63.0 %
    assert m01["voc"] == {"center_kg_per_t": 1.813, "change_pct": -63.0}
    assert result["overall"]["voc_change_pct"] == -63.0
    assert result["missing"] == []


def test_a_member_without_baseline_is_named(db: Session) -> None:
    claims.set_baseline(db, BASELINE)
    result = claims.month_claims(db, month="2031-01")
    assert list(result["members"]) == ["M01"]
    assert result["missing"] == ["M02: no baseline"]
