"""Time-of-use tariffs: seed data, new versions, the tariff in force on a day, hourly prices."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from mixshare.errors import NotFound, Problem, ValidationFailed, pydantic_problems
from mixshare.lines.models import Holiday
from mixshare.tariffs.models import Tariff, TariffBand
from mixshare.validation import Number, Text

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


class PriceTable:
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


def price_table(session: Session, first: date, last: date) -> PriceTable:
    """Prices of every day in [first, last] (``.price(moment)``: period and yuan/kWh;
    ``.tariff(day)``: the version in force): two queries (tariffs with bands, holidays)."""
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
    return PriceTable(tariffs, set(session.scalars(days)))


def hourly_prices(session: Session, start: datetime, end: datetime) -> list[PriceSpan]:
    """Prices hour by hour over [start, end), merged where the period does not change.

    On a holiday the valley hours are priced at the tariff's deep-valley multiplier. The
    tariffs and holidays of the whole range are read once; the hours are priced in Python.
    """
    spans: list[PriceSpan] = []
    if end <= start:
        return spans
    table = price_table(session, start.date(), end.date())
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


# --- a new tariff version ----------------------------------------------------------------------


class BandIn(BaseModel):
    """Hours ``[start_hour, end_hour)`` of the listed months are priced at ``period``."""

    model_config = ConfigDict(extra="forbid")

    months: list[int] = Field(min_length=1, max_length=12)
    start_hour: int = Field(ge=0, le=23)
    end_hour: int = Field(ge=1, le=24)
    period: Literal["sharp", "peak", "flat", "valley"]
    multiplier: Number = Field(gt=0, le=10)

    @field_validator("months", mode="before")
    @classmethod
    def _months_text(cls, value: Any) -> Any:
        """``"1,7,8,12"`` (as stored and as typed in the form) or a list."""
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(" ", ",").split(",") if p.strip()]
            return [int(p) if p.isdigit() else p for p in parts]
        return value

    @field_validator("months")
    @classmethod
    def _real_months(cls, value: list[int]) -> list[int]:
        if any(not 1 <= m <= 12 for m in value) or len(set(value)) != len(value):
            raise ValueError("months are distinct numbers from 1 to 12")
        return sorted(value)

    @model_validator(mode="after")
    def _hours_in_order(self) -> BandIn:
        if self.end_hour <= self.start_hour:
            raise ValueError("end_hour must be after start_hour")
        return self


class TariffIn(BaseModel):
    """A tariff version: validity dates, flat price and the TOU bands of every month."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: str = Field(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: Text = Field(min_length=1, max_length=200)
    source: Text = Field(default="", max_length=200)
    valid_from: date
    valid_to: date | None = None
    flat_price: Number = Field(gt=0, le=10)
    holiday_multiplier: Number = Field(default=0.2, gt=0, le=1)
    bands: list[BandIn] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _dates_in_order(self) -> TariffIn:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


def coverage_problems(bands: list[BandIn]) -> list[Problem]:
    """Every hour of every month priced exactly once."""
    owner: dict[tuple[int, int], int] = {}
    problems = []
    for index, band in enumerate(bands):
        for month in band.months:
            for hour in range(band.start_hour, band.end_hour):
                if (month, hour) in owner:
                    problems.append(
                        Problem(
                            f"bands.{index}",
                            f"month {month}, hour {hour} is already priced by band "
                            f"{owner[month, hour] + 1}",
                        )
                    )
                    break
                owner[month, hour] = index
    missing = sorted({m for m in range(1, 13) for h in range(24) if (m, h) not in owner})
    if missing:
        hours = [h for h in range(24) if (missing[0], h) not in owner]
        problems.append(
            Problem(
                "bands",
                f"hours without a price: month {missing[0]} hour {hours[0]}"
                + (f" and {len(missing) - 1} more months" if len(missing) > 1 else ""),
            )
        )
    return problems


def _code_taken(session: Session, code: str) -> list[Problem]:
    if session.scalar(select(Tariff.id).where(Tariff.code == code)) is None:
        return []
    return [Problem("code", "a tariff with this code exists", code)]


def _gap(first: date, last: date, why: str) -> str:
    return f"leaves a gap: no tariff from {first} to {last} ({why})"


def validity_problems(session: Session, parsed: TariffIn) -> list[Problem]:
    """A new version must neither overlap the versions stored nor leave days unpriced between
    them: the open-ended version before it is ended (so it never overlaps), and a version
    starting later has to begin the day after the new one ends."""
    start, end, day = parsed.valid_from, parsed.valid_to, timedelta(days=1)
    problems = []
    earlier = select(Tariff).where(Tariff.valid_from < start).order_by(Tariff.valid_from.desc())
    before = session.scalars(earlier).first()
    if before is not None and before.valid_to is not None:
        span = f"tariff {before.code}, in force {before.valid_from} to {before.valid_to}"
        if before.valid_to >= start:
            problems.append(Problem("valid_from", f"overlaps {span}", f"{start}"))
        elif before.valid_to < start - day:
            message = _gap(before.valid_to + day, start - day, span)
            problems.append(Problem("valid_from", message, f"{start}"))
    later = select(Tariff).where(Tariff.valid_from > start).order_by(Tariff.valid_from)
    after = session.scalars(later).first()
    if after is not None:
        shown = "open-ended" if end is None else f"{end}"
        if end is None or end >= after.valid_from:
            message = (f"overlaps tariff {after.code}, in force from {after.valid_from}: end "
                       f"this version on {after.valid_from - day}")  # fmt: skip
            problems.append(Problem("valid_to", message, shown))
        elif end < after.valid_from - day:
            why = f"tariff {after.code} starts {after.valid_from}"
            message = _gap(end + day, after.valid_from - day, why)
            problems.append(Problem("valid_to", message, shown))
    return problems


def create_tariff(session: Session, data: TariffIn | Mapping[str, Any]) -> Tariff:
    """Store a new tariff version. An open-ended tariff in force before it now ends the day
    before the new one starts; a tariff starting on the same day is a conflict, and so is
    one that would overlap another version or leave days without a tariff between two."""
    try:
        parsed = data if isinstance(data, TariffIn) else TariffIn.model_validate(data)
    except ValidationError as exc:
        code = data.get("code") if isinstance(data, Mapping) else None
        taken = _code_taken(session, code.strip()) if isinstance(code, str) else []
        raise ValidationFailed(pydantic_problems(exc) + taken) from exc
    problems = coverage_problems(parsed.bands) + _code_taken(session, parsed.code)
    same_day = session.scalar(select(Tariff.code).where(Tariff.valid_from == parsed.valid_from))
    if same_day is not None:
        problems.append(
            Problem(
                "valid_from", f"tariff {same_day} starts on the same day", f"{parsed.valid_from}"
            )
        )
    else:
        problems += validity_problems(session, parsed)
    if problems:
        raise ValidationFailed(problems)
    earlier = session.scalars(
        select(Tariff).where(Tariff.valid_from < parsed.valid_from, Tariff.valid_to.is_(None))
    )
    for previous in earlier:
        previous.valid_to = parsed.valid_from - timedelta(days=1)
    tariff = Tariff(
        **parsed.model_dump(exclude={"bands"}),
        bands=[
            TariffBand(**{**band.model_dump(), "months": ",".join(str(m) for m in band.months)})
            for band in parsed.bands
        ],
    )
    session.add(tariff)
    session.flush()
    return tariff
