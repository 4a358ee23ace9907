"""A new tariff version: validated bands covering every hour, validity dates, old one closed."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from mixshare.errors import ValidationFailed
from mixshare.tariffs.service import create_tariff, hourly_prices, load_seed_tariffs, tariff_on

ALL = "1,2,3,4,5,6,7,8,9,10,11,12"


def tariff(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "ZJ-2028",
        "name": "Zhejiang 2028",
        "valid_from": date(2028, 1, 1),
        "flat_price": 0.7,
        "bands": [
            {"months": ALL, "start_hour": 0, "end_hour": 8, "period": "valley", "multiplier": 0.3},
            {"months": ALL, "start_hour": 8, "end_hour": 18, "period": "flat", "multiplier": 1},
            {"months": ALL, "start_hour": 18, "end_hour": 24, "period": "peak", "multiplier": 1.9},
        ],
    }
    data.update(overrides)
    return data


def where(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {p.location for p in exc.value.problems}


def test_new_version_takes_over_from_its_start(session: Session) -> None:
    load_seed_tariffs(session)
    open_ended = tariff_on(session, date(2027, 6, 1))
    assert open_ended.valid_to is None
    created = create_tariff(session, tariff())
    assert open_ended.valid_to == date(2027, 12, 31)
    assert tariff_on(session, date(2028, 3, 1)).code == created.code == "ZJ-2028"
    assert tariff_on(session, date(2027, 12, 31)).code == open_ended.code
    spans = hourly_prices(session, datetime(2028, 3, 1), datetime(2028, 3, 2))
    assert [(s.start.hour, s.period) for s in spans] == [(0, "valley"), (8, "flat"), (18, "peak")]
    assert spans[2].price == pytest.approx(0.7 * 1.9)


def test_bands_must_price_every_hour_once(session: Session) -> None:
    gap = tariff(
        bands=[{"months": ALL, "start_hour": 0, "end_hour": 23, "period": "flat", "multiplier": 1}]
    )
    with pytest.raises(ValidationFailed, match="without a price: month 1 hour 23"):
        create_tariff(session, gap)
    bands = list(tariff()["bands"])  # type: ignore[call-overload]
    bands.append(
        {"months": "7", "start_hour": 10, "end_hour": 12, "period": "sharp", "multiplier": 2}
    )
    overlap = tariff(bands=bands)
    with pytest.raises(ValidationFailed) as exc:
        create_tariff(session, overlap)
    assert where(exc) == {"bands.3"} and "already priced" in str(exc.value)


def test_bad_fields_are_named(session: Session) -> None:
    bad = tariff(
        code="",
        flat_price=-1,
        valid_to=date(2027, 1, 1),
        bands=[
            {"months": "0,13", "start_hour": 5, "end_hour": 3, "period": "cheap", "multiplier": 0}
        ],
    )
    with pytest.raises(ValidationFailed) as exc:
        create_tariff(session, bad)
    assert {
        "code",
        "flat_price",
        "bands.0.months",
        "bands.0.period",
        "bands.0.multiplier",
    } <= where(exc)
    load_seed_tariffs(session)
    with pytest.raises(ValidationFailed) as exc:
        create_tariff(session, tariff(code="ZJ-2026"))
    assert where(exc) == {"code"}
    create_tariff(session, tariff())
    with pytest.raises(ValidationFailed) as exc:
        create_tariff(session, tariff(code="ZJ-2028B"))
    assert where(exc) == {"valid_from"}
