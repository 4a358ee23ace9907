"""Versioned TOU tariffs: the right tariff for the date and the right price for the hour."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from mixshare.errors import NotFound
from mixshare.lines.models import Holiday
from mixshare.tariffs.service import hourly_prices, load_seed_tariffs, tariff_on


def test_seed_loads_once(session: Session) -> None:
    assert {t.code for t in load_seed_tariffs(session)} == {"ZJ-2024", "ZJ-2026"}
    assert load_seed_tariffs(session) == []


def test_tariff_in_force_by_date(session: Session) -> None:
    load_seed_tariffs(session)
    assert tariff_on(session, date(2025, 5, 1)).code == "ZJ-2024"
    assert tariff_on(session, date(2026, 7, 1)).code == "ZJ-2026"
    with pytest.raises(NotFound):
        tariff_on(session, date(2023, 1, 1))


def test_2026_hours_and_prices(session: Session) -> None:
    load_seed_tariffs(session)
    spans = hourly_prices(session, datetime(2026, 12, 7), datetime(2026, 12, 8))
    periods = [(s.start.hour, s.end.hour or 24, s.period) for s in spans]
    assert periods == [
        (0, 7, "valley"),
        (7, 11, "flat"),
        (11, 14, "valley"),
        (14, 16, "flat"),
        (16, 23, "peak"),
        (23, 24, "flat"),
    ]
    peak = next(s for s in spans if s.period == "peak")
    assert peak.price == pytest.approx(0.64 * 1.85)


def test_2024_summer_has_sharp_hours(session: Session) -> None:
    load_seed_tariffs(session)
    spans = hourly_prices(session, datetime(2025, 7, 15), datetime(2025, 7, 16))
    sharp = [(s.start.hour, s.end.hour) for s in spans if s.period == "sharp"]
    assert sharp == [(9, 11), (15, 17)]


def test_holiday_valley_is_deep_valley(session: Session) -> None:
    load_seed_tariffs(session)
    session.add(Holiday(day=date(2027, 1, 1), name="元旦"))
    session.flush()
    spans = hourly_prices(session, datetime(2027, 1, 1), datetime(2027, 1, 2))
    assert spans[0].period == "deep_valley"
    assert spans[0].price == pytest.approx(0.64 * 0.20)
