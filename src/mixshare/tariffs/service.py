"""Time-of-use tariffs: seed data, the tariff in force on a day, and hourly prices."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mixshare.errors import NotFound
from mixshare.lines.models import Holiday
from mixshare.tariffs.models import Tariff, TariffBand

SEED_FILE = Path(__file__).parent / "data" / "zhejiang.json"


@dataclass(frozen=True)
class PriceSpan:
    start: datetime
    end: datetime
    period: str
    price: float  # yuan per kWh


def load_seed_tariffs(session: Session, path: Path = SEED_FILE) -> list[Tariff]:
    """Add the shipped tariffs that the database does not have yet (by code)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    added = []
    for item in data["tariffs"]:
        if session.scalar(select(Tariff).where(Tariff.code == item["code"])) is not None:
            continue
        bands = [TariffBand(**band) for band in item.pop("bands")]
        tariff = Tariff(
            **{
                **item,
                "valid_from": date.fromisoformat(item["valid_from"]),
                "valid_to": date.fromisoformat(item["valid_to"]) if item["valid_to"] else None,
            },
            bands=bands,
        )
        session.add(tariff)
        added.append(tariff)
    session.flush()
    return added


def tariff_on(session: Session, day: date) -> Tariff:
    """The tariff in force on ``day`` (the latest one starting on or before it)."""
    tariff = session.scalar(
        select(Tariff)
        .where(Tariff.valid_from <= day, or_(Tariff.valid_to.is_(None), Tariff.valid_to >= day))
        .order_by(Tariff.valid_from.desc())
    )
    if tariff is None:
        raise NotFound(f"no electricity tariff is in force on {day.isoformat()}")
    return tariff


def _band_at(tariff: Tariff, month: int, hour: int) -> TariffBand:
    for band in tariff.bands:
        if str(month) in band.months.split(",") and band.start_hour <= hour < band.end_hour:
            return band
    raise NotFound(f"tariff {tariff.code} has no band for month {month}, hour {hour}")


def hourly_prices(session: Session, start: datetime, end: datetime) -> list[PriceSpan]:
    """Prices hour by hour over [start, end), merged where the period does not change.

    On a holiday the valley hours are priced at the tariff's deep-valley multiplier.
    """
    holiday_days = set(session.scalars(select(Holiday.day).where(Holiday.day >= start.date())))
    spans: list[PriceSpan] = []
    cursor = start.replace(minute=0, second=0, microsecond=0)
    while cursor < end:
        tariff = tariff_on(session, cursor.date())
        band = _band_at(tariff, cursor.month, cursor.hour)
        period, multiplier = band.period, band.multiplier
        if cursor.date() in holiday_days and period == "valley":
            period, multiplier = "deep_valley", tariff.holiday_multiplier
        price = round(tariff.flat_price * multiplier, 6)
        s, e = max(cursor, start), min(cursor + timedelta(hours=1), end)
        if spans and spans[-1].period == period and spans[-1].price == price:
            spans[-1] = PriceSpan(spans[-1].start, e, period, price)
        else:
            spans.append(PriceSpan(s, e, period, price))
        cursor += timedelta(hours=1)
    return spans
