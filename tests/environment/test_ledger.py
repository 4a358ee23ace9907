"""VOC by both methods on a hand-computed month, particulates, limits compared, member share.

The month (conftest.py): masterbatch input M01 10 × 300 kg = 3.0 t (class sheet_hose_belt),
M02 5 × 400 kg = 2.0 t (class other); M01's final batches and the October batch do not count.

Emission factor (the migration's seed: 4.90 and 3.27 kg/t, capture 0.70, treatment 0.90):
    generated = 3.0 × 4.90 + 2.0 × 3.27 = 14.70 + 6.54 = 21.24 kg
    emitted   = 21.24 × (1 − 0.70 × 0.90) = 21.24 × 0.37 = 7.8588 kg  → 1.57176 kg/t

Stack monitoring, 720 hours at 5,000 m³/h:
    360 h × 2 mg/m³ × 5,000 m³/h = 3.6 kg; 360 h × 3 mg/m³ × 5,000 = 5.4 kg;
    the peak hour holds 12 instead of 2 mg/m³: + 10 × 5,000 mg = 0.05 kg
    NMHC = 9.05 kg  → 1.81 kg/t;  particulates 720 × 1 mg/m³ × 5,000 = 3.6 kg
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from mixshare.db import session_factory
from mixshare.environment import service
from mixshare.environment.imports import import_stack_monitoring
from mixshare.errors import ValidationFailed
from tests.environment.conftest import HOURS, MONTH, Month, write_stack_csv


def _log_treatment(session: Session) -> None:
    service.record_treatment_day(session, data={
        "day": date(2026, 11, 1), "fan_hours": 22, "combustion_temp_min_c": 772,
        "combustion_temp_avg_c": 800, "carbon_changed_kg": 850})  # fmt: skip
    service.record_treatment_day(session, data={
        "day": date(2026, 11, 2), "fan_hours": 20, "combustion_temp_min_c": 750,
        "combustion_temp_avg_c": 790})  # fmt: skip


def _factor(session: Session, name: str, value: float, day: str, product_class: str = "") -> None:
    data = {"name": name, "product_class": product_class, "value": value, "valid_from": day,
            "source": "test"}  # fmt: skip
    service.add_factor(session, data=data)


def test_voc_by_factor_and_by_stack(month: Month, tmp_path: Path) -> None:
    with session_factory(month.db_url)() as session:
        import_stack_monitoring(session, write_stack_csv(tmp_path / "s.csv", list(range(HOURS))))
        ledger = service.month_ledger(session, MONTH)
    assert ledger.tonnes == pytest.approx(5.0)
    voc = ledger.voc_factor
    assert {c.product_class: c.tonnes for c in voc.classes} == pytest.approx(
        {"sheet_hose_belt": 3.0, "other": 2.0}
    )
    assert voc.generated_kg == pytest.approx(21.24)
    assert voc.emitted_kg == pytest.approx(7.8588)
    assert ledger.per_tonne(voc.emitted_kg) == pytest.approx(1.57176)
    assert ledger.stack.hours_read == ledger.stack.hours_in_month == HOURS
    assert ledger.stack.nmhc_kg == pytest.approx(9.05)
    assert ledger.per_tonne(ledger.stack.nmhc_kg) == pytest.approx(1.81)
    assert ledger.pm_method == service.STACK_METHOD
    assert ledger.pm_kg == pytest.approx(3.6)


def test_particulates_fall_back_to_the_factor_method(month: Month, tmp_path: Path) -> None:
    with session_factory(month.db_url)() as session:
        import_stack_monitoring(session, write_stack_csv(tmp_path / "s.csv", [0, 1], pm=False))
        ledger = service.month_ledger(session, MONTH)
        # No particulate factor is seeded (the primer gives none): the ledger says what is missing.
        assert ledger.pm_method == service.FACTOR_METHOD and ledger.pm_kg is None
        assert "pm_factor for product class other" in ledger.pm_factor.missing
        _factor(session, "pm_factor", 0.5, "2026-01-01", "sheet_hose_belt")
        _factor(session, "pm_factor", 0.25, "2026-01-01", "other")
        _factor(session, "pm_removal_efficiency", 0.99, "2026-01-01")
        ledger = service.month_ledger(session, MONTH)
    # (3.0 × 0.5 + 2.0 × 0.25) × (1 − 0.70 × 0.99) = 2.0 × 0.307 = 0.614 kg
    assert ledger.pm_kg == pytest.approx(0.614)


def test_a_newer_factor_version_applies_from_its_day(month: Month) -> None:
    with session_factory(month.db_url)() as session:
        _factor(session, "capture_efficiency", 0.9, "2026-12-01")
        assert service.month_ledger(session, MONTH).voc_factor.capture == 0.70
        _factor(session, "capture_efficiency", 0.8, "2026-11-01")
        voc = service.month_ledger(session, MONTH).voc_factor
    assert voc.capture == 0.8
    assert voc.emitted_kg == pytest.approx(21.24 * (1 - 0.8 * 0.9))


def test_limits_are_compared_with_the_readings(month: Month, tmp_path: Path) -> None:
    with session_factory(month.db_url)() as session:
        import_stack_monitoring(session, write_stack_csv(tmp_path / "s.csv", list(range(HOURS))))
        _log_treatment(session)
        checks = {c.parameter: c for c in service.month_ledger(session, MONTH).limits}
    nmhc, pm, temp = checks["nmhc_mg_m3"], checks["pm_mg_m3"], checks["combustion_temp_c"]
    assert (nmhc.readings, nmhc.exceedances, nmhc.worst) == (HOURS, 1, 12.0)
    assert nmhc.first_exceedance == "DA001 2026-11-05 04:00" and nmhc.status == "exceeded"
    assert not nmhc.verified and "GB 27632" in nmhc.source
    assert (pm.exceedances, pm.worst, pm.status) == (0, 1.0, "ok")
    assert (temp.readings, temp.exceedances, temp.worst) == (2, 1, 750.0)
    assert temp.first_exceedance == "2026-11-02"


def test_limits_are_data(month: Month) -> None:
    with session_factory(month.db_url)() as session:
        service.add_limit(session, data={"parameter": "nmhc_mg_m3", "bound": "max", "value": 60,
                                         "valid_from": "2026-11-01", "source": "permit",
                                         "verified": True})  # fmt: skip
        checks = {c.parameter: c for c in service.month_ledger(session, MONTH).limits}
        assert (checks["nmhc_mg_m3"].limit, checks["nmhc_mg_m3"].verified) == (60, True)
        assert checks["nmhc_mg_m3"].status == "no data"
        with pytest.raises(ValidationFailed, match="exists"):
            service.add_limit(session, data={"parameter": "nmhc_mg_m3", "bound": "max",
                                             "value": 50, "valid_from": "2026-11-01",
                                             "source": "permit"})  # fmt: skip


def test_member_share_shows_only_the_members_own_tonnage(month: Month, tmp_path: Path) -> None:
    with session_factory(month.db_url)() as session:
        import_stack_monitoring(session, write_stack_csv(tmp_path / "s.csv", list(range(HOURS))))
        share = service.member_share(session, MONTH, month.world.members["M01"])
    # M01: 3.0 t × 4.90 × 0.37 = 5.439 kg; stack allocated by rubber input: 9.05 × 3/5 = 5.43
    assert share.tonnes == pytest.approx(3.0)
    assert share.per_tonne(share.voc_factor_kg) == pytest.approx(1.813)
    assert share.per_tonne(share.voc_stack_kg) == pytest.approx(1.81)


def test_waste_and_zero_waste_indicators(month: Month) -> None:
    with session_factory(month.db_url)() as session:
        service.record_container(session, data={
            "code": "HW-001", "category": "hazardous", "waste_type": "废活性炭",
            "hw_code": "HW49 900-039-49", "mass_kg": 850, "filled_on": "2026-11-01"})  # fmt: skip
        service.record_container(session, data={
            "code": "GW-001", "category": "general", "waste_type": "废包装袋",
            "mass_kg": 100, "filled_on": "2026-11-03"})  # fmt: skip
        service.record_transfer(session, data={
            "container": "GW-001", "transferred_on": "2026-11-10", "receiver": "回收公司",
            "mass_kg": 100, "method": "utilisation"})  # fmt: skip
        with pytest.raises(ValidationFailed, match="manifest"):
            service.record_transfer(session, data={
                "container": "HW-001", "transferred_on": "2026-11-10", "receiver": "处置公司",
                "mass_kg": 850, "method": "disposal"})  # fmt: skip
        _log_treatment(session)
        ledger = service.month_ledger(session, MONTH)
    indicators = {name: value for name, value, _unit in ledger.intensities()}
    assert indicators["hazardous_waste_kg_t"] == pytest.approx(850 / 5)
    assert indicators["general_waste_kg_t"] == pytest.approx(20)
    assert indicators["activated_carbon_kg_t"] == pytest.approx(170)
    assert indicators["hazardous_transferred_pct"] == 0
    assert indicators["general_utilised_pct"] == 100
    assert ledger.waste.stored_hazardous_kg == 850
    assert (ledger.treatment.fan_hours, ledger.treatment.carbon_changes) == (42, 1)


def test_a_month_is_yyyy_mm(month: Month) -> None:
    with session_factory(month.db_url)() as session, pytest.raises(ValidationFailed):
        service.month_ledger(session, "2026-13")
