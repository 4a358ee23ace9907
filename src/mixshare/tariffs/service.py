"""Time-of-use tariffs: seed data, the tariff in force on a day, and hourly prices."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

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


def _in_force(tariff: Tariff, day: date) -> bool:
    return tariff.valid_from <= day and (tariff.valid_to is None or tariff.valid_to >= day)


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


class _PriceTable:
    """Tariffs in force over a date range, loaded once, priced hour by hour in Python."""

    def __init__(self, tariffs: list[Tariff], holidays: set[date]) -> None:
        self.tariffs = tariffs  # latest valid_from first, as ``tariff_on`` picks them
        self.holidays = holidays
        self._by_day: dict[date, Tariff] = {}
        self._bands: dict[tuple[int, int], list[tuple[int, int, str, float]]] = {}

    def tariff(self, day: date) -> Tariff:
        found = self._by_day.get(day)
        if found is None:
            found = next((t for t in self.tariffs if _in_force(t, day)), None)
            if found is None:
                raise NotFound(f"no electricity tariff is in force on {day.isoformat()}")
            self._by_day[day] = found
        return found

    def price(self, moment: datetime) -> tuple[str, float]:
        tariff = self.tariff(moment.date())
        key = (tariff.id, moment.month)
        bands = self._bands.get(key)
        if bands is None:
            month = str(moment.month)
            bands = self._bands[key] = [
                (b.start_hour, b.end_hour, b.period, b.multiplier)
                for b in tariff.bands
                if month in b.months.split(",")
            ]
        hour = moment.hour
        band = next((b for b in bands if b[0] <= hour < b[1]), None)
        if band is None:
            raise NotFound(
                f"tariff {tariff.code} has no band for month {moment.month}, hour {hour}"
            )
        period, multiplier = band[2], band[3]
        if period == "valley" and moment.date() in self.holidays:
            period, multiplier = "deep_valley", tariff.holiday_multiplier
        return period, round(tariff.flat_price * multiplier, 6)


def _price_table(session: Session, first: date, last: date) -> _PriceTable:
    """Two queries (tariffs with their bands, holidays) for every day in [first, last]."""
    tariffs = list(
        session.scalars(
            select(Tariff)
            .where(
                Tariff.valid_from <= last, or_(Tariff.valid_to.is_(None), Tariff.valid_to >= first)
            )
            .order_by(Tariff.valid_from.desc())
            .options(selectinload(Tariff.bands))
        )
    )
    days = select(Holiday.day).where(Holiday.day >= first, Holiday.day <= last)
    return _PriceTable(tariffs, set(session.scalars(days)))


def hourly_prices(session: Session, start: datetime, end: datetime) -> list[PriceSpan]:
    """Prices hour by hour over [start, end), merged where the period does not change.

    On a holiday the valley hours are priced at the tariff's deep-valley multiplier. The
    tariffs and holidays of the whole range are read once; the hours are priced in Python.
    """
    spans: list[PriceSpan] = []
    if end <= start:
        return spans
    table = _price_table(session, start.date(), end.date())
    cursor = start.replace(minute=0, second=0, microsecond=0)
    step = timedelta(hours=1)
    while cursor < end:
        period, price = table.price(cursor)
        s, e = max(cursor, start), min(cursor + step, end)
        if spans and spans[-1].period == period and spans[-1].price == price:
            spans[-1] = PriceSpan(spans[-1].start, e, period, price)
        else:
            spans.append(PriceSpan(s, e, period, price))
        cursor += step
    return spans
