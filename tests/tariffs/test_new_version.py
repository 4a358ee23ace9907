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


def test_validity_overlaps_and_gaps_are_named(session: Session) -> None:
    """The seed has ZJ-2024 (2024-03-01 to 2026-06-30) and ZJ-2026 (2026-07-01, open-ended).
    A version inside ZJ-2024's closed span overlaps it; one ending before ZJ-2026 starts
    leaves days without a price; one open-ended before ZJ-2026 overlaps ZJ-2026. Nothing is
    stored and the versions stored keep their dates."""
    load_seed_tariffs(session)
    with pytest.raises(ValidationFailed) as exc:
        create_tariff(session, tariff(code="IN-2025", valid_from=date(2025, 1, 1)))
    messages = {p.location: p.message for p in exc.value.problems}
    assert messages["valid_from"] == "overlaps tariff ZJ-2024, in force 2024-03-01 to 2026-06-30"
    assert messages["valid_to"].startswith("overlaps tariff ZJ-2026, in force from 2026-07-01")
    with pytest.raises(ValidationFailed) as exc:
        create_tariff(session, tariff(code="OLD", valid_from=date(2020, 1, 1),
                                      valid_to=date(2024, 1, 31)))  # fmt: skip
    [problem] = exc.value.problems
    assert (problem.location, problem.message) == (
        "valid_to", "leaves a gap: no tariff from 2024-02-01 to 2024-02-29 (tariff ZJ-2024 "
        "starts 2024-03-01)")  # fmt: skip
    create_tariff(session, tariff(code="ZJ-2028", valid_to=date(2028, 12, 31)))
    gap = "no tariff from 2029-01-01 to 2029-02-28 \\(tariff ZJ-2028, in force 2028-01-01 to"
    with pytest.raises(ValidationFailed, match=gap):
        create_tariff(session, tariff(code="ZJ-2029", valid_from=date(2029, 3, 1)))
    create_tariff(session, tariff(code="OLDER", valid_from=date(2023, 1, 1),
                                  valid_to=date(2024, 2, 29)))  # fmt: skip
    assert tariff_on(session, date(2023, 6, 1)).code == "OLDER"
    assert tariff_on(session, date(2027, 1, 1)).valid_to == date(2027, 12, 31)
