"""The energy ledger on a hand-computed month (tests/ledger/conftest.py says how each batch is
priced), a batch split at the peak → valley boundary by its curve, meter reconciliation, a bad
meter file, and a member's view."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.db import session_factory
from mixshare.errors import ValidationFailed
from mixshare.ledger import service
from mixshare.ledger.imports import import_meter_readings
from mixshare.ledger.models import MeterReading
from tests.ledger.conftest import add_batches
from tests.web.conftest import World


@pytest.fixture
def db(db_url: str, month_world: World) -> Session:
    return session_factory(db_url)()


def test_hand_computed_month_to_the_cent(db: Session, month_world: World) -> None:
    ledger = service.energy_ledger(db, month="2031-01")
    totals = ledger["totals"]
    assert totals["batches"] == 4  # B5 is February's
    assert totals["kwh"] == 70.0
    assert totals["cost_yuan"] == 76.50  # 30.00 + 30.00 + 10.00 + 6.50
    assert totals["kwh_by_period"] == {"peak": 35.0, "flat": 13.0, "valley": 22.0}
    assert totals["cost_by_period"] == {"peak": 52.50, "flat": 13.00, "valley": 11.00}
    assert totals["tonnes"] == 0.8
    assert totals["kwh_per_t"] == 87.5
    assert totals["kgce"] == 8.6  # 70 kWh x 0.1229 = 8.603
    assert totals["kgce_per_t"] == 10.754
    assert totals["co2_kg"] == 36.07  # 70 kWh x 0.5153
    members = {row["member"]: row for row in ledger["by_member"]}
    assert members["M01"]["kwh"] == 40.0 and members["M01"]["cost_yuan"] == 46.50
    assert members["M02"]["kwh"] == 30.0 and members["M02"]["cost_yuan"] == 30.00
    stages = {row["stage"]: row["kwh"] for row in ledger["by_stage"]}
    assert stages == {"FB": 20.0, "MB": 50.0}
    days = {row["day"]: row["cost_yuan"] for row in ledger["by_day"]}
    assert days == {"2031-01-06": 60.0, "2031-01-07": 10.0, "2031-01-31": 6.5}
    assert ledger["tariffs"][0]["tariff"] == "T-2031"
    # B1 mixes 20 kWh inside 09:00-09:15: 80 kW; B2's 30 kWh fall into two intervals
    assert ledger["peak_demand"] == [
        {"line": "L1", "peak_kw": 80.0, "interval_start": "2031-01-06T09:00"}
    ]
    assert ledger["factors"]["coal_equivalent"][0]["source"].startswith("GB/T 2589")


def test_batch_over_peak_to_valley_is_split_by_its_curve(db: Session, month_world: World) -> None:
    # 11:58:20-12:01:40: 100 s at 100 kW in peak, 100 s at 300 kW in valley; the line sent no
    # energy, so the ingest integral is 40,000 kWs = 11.111 kWh; a quarter of it is peak
    add_batches(
        db,
        [
            (
                "M01",
                "S1",
                "MB",
                datetime(2031, 3, 3, 11, 58, 20),
                [100.0] * 100 + [300.0] * 100,
                None,
            )
        ],
    )
    db.commit()
    totals = service.energy_ledger(db, month="2031-03")["totals"]
    assert totals["kwh"] == 11.11
    assert totals["kwh_by_period"] == {"peak": 2.78, "valley": 8.33}
    # 2.77775 x 1.50 + 8.33325 x 0.50 = 8.33325 (an even split by time would give 11.11)
    assert totals["cost_yuan"] == 8.33


def _readings(tmp_path: Path, rows: list[str], name: str = "meters.csv") -> Path:
    path = tmp_path / name
    path.write_text(
        "line,meter,read_at,cumulative_kwh\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    return path


def test_meter_reconciliation_allocates_the_difference(
    db: Session, month_world: World, tmp_path: Path
) -> None:
    path = _readings(
        tmp_path, ["L1,L1-main,2031-01-06 00:00,1000", "L1,L1-main,2031-01-08 00:00,1100"]
    )
    result = import_meter_readings(db, path)
    db.commit()
    assert len(result.created) == 2
    meters = service.energy_ledger(db, month="2031-01")["meters"]
    # 100 kWh metered; B1 20 + B2 30 + B3 10 = 60 kWh of batches; 40 kWh shared 30:30
    [row] = meters["lines"]
    assert (row["meter_kwh"], row["batch_kwh"], row["difference_kwh"]) == (100.0, 60.0, 40.0)
    assert row["allocated_kwh"] == {"M01": 20.0, "M02": 20.0}
    assert meters["allocated_kwh_by_member"] == {"M01": 20.0, "M02": 20.0}
    assert "in proportion to each member's batch kWh" in meters["rule"]
    again = import_meter_readings(db, path)
    assert len(again.unchanged) == 2 and not again.created


def test_meter_going_backwards_imports_nothing(
    db: Session, month_world: World, tmp_path: Path
) -> None:
    path = _readings(
        tmp_path,
        [
            "L1,L1-main,2031-01-06 00:00,1000",
            "L1,L1-main,2031-01-07 00:00,990",
            "L9,x,2031-01-07 00:00,5",
        ],
        "bad.csv",
    )
    with pytest.raises(ValidationFailed) as caught:
        import_meter_readings(db, path)
    text = str(caught.value)
    assert "bad.csv, row 3, column cumulative_kwh: the meter goes backwards: 990 kWh" in text
    assert "bad.csv, row 4, column line: no line with this code" in text
    db.rollback()
    assert db.scalar(select(func.count()).select_from(MeterReading)) == 0


def test_backwards_against_a_stored_reading(
    db: Session, month_world: World, tmp_path: Path
) -> None:
    import_meter_readings(db, _readings(tmp_path, ["L1,L1-main,2031-01-06 00:00,1000"]))
    db.commit()
    with pytest.raises(
        ValidationFailed, match="row 2, column cumulative_kwh: the meter goes backwards"
    ):
        import_meter_readings(db, _readings(tmp_path, ["L1,L1-main,2031-01-07 00:00,999"], "b.csv"))


def test_a_member_sees_only_its_own_figures(
    db: Session, month_world: World, tmp_path: Path
) -> None:
    import_meter_readings(
        db,
        _readings(
            tmp_path, ["L1,L1-main,2031-01-06 00:00,1000", "L1,L1-main,2031-01-08 00:00,1100"]
        ),
    )
    db.commit()
    ledger = service.energy_ledger(db, month="2031-01", member_id=month_world.members["M01"])
    assert ledger["member"] == "M01"
    assert ledger["totals"]["kwh"] == 40.0 and ledger["totals"]["cost_yuan"] == 46.50
    assert [row["member"] for row in ledger["by_member"]] == ["M01"]
    assert "peak_demand" not in ledger  # the line's peak carries the other members' batches
    [row] = ledger["meters"]["lines"]
    assert row == {
        "line": "L1",
        "meter": "L1-main",
        "from": "2031-01-06T00:00",
        "to": "2031-01-08T00:00",
        "batch_kwh": 30.0,
        "allocated_kwh": {"M01": 20.0},
    }
    assert "M02" not in str(ledger)


def test_factor_versions_apply_by_day(db: Session, month_world: World) -> None:
    service.create_factor(
        db,
        {"kind": "grid_co2", "code": "TEST-CO2", "name": "test", "value": 1.0, "unit": "kgCO2/kWh",
         "source": "test", "valid_from": "2031-01-07"},
    )  # fmt: skip
    ledger = service.energy_ledger(db, month="2031-01")
    # 06th: 50 kWh x 0.5153 = 25.765; 7th and 31st: 20 kWh x 1.0
    assert ledger["totals"]["co2_kg"] == 45.77
    assert [f["code"] for f in ledger["factors"]["grid_co2"]] == ["TEST-CO2", "MEE-2022-ZJ"]


def test_bad_month_is_named(db: Session) -> None:
    with pytest.raises(ValidationFailed, match="month: expected YYYY-MM"):
        service.energy_ledger(db, month="2031-13")


def test_two_readings_of_one_moment_name_both_rows_and_import_nothing(
    db: Session, month_world: World, tmp_path: Path
) -> None:
    rows = [
        "L1,L1-main,2031-01-06 00:00,1000",
        "L1,L1-main,2031-01-06 00:00,1001",
        ",,x,",
        "L1,L1-\u202emain,2031-01-07 00:00,1002",
    ]
    with pytest.raises(ValidationFailed) as caught:
        import_meter_readings(db, _readings(tmp_path, rows, "twice.csv"))
    found = {p.location: p.message for p in caught.value.problems}
    assert found["twice.csv, row 3, column cumulative_kwh"] == (
        "another reading of this meter at 2031-01-06 00:00 says 1000 kWh "
        "(twice.csv, row 2, column cumulative_kwh)"
    )
    for column in ("line", "meter", "read_at", "cumulative_kwh"):
        assert f"twice.csv, row 4, column {column}" in found, column
    assert "U+202E" in found["twice.csv, row 5, column meter"]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(MeterReading)) == 0
