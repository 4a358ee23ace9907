"""Planning prices: the center's versioned prices of the money objective (yuan).

Reference data like tariffs and the ledger's factors: a version is in force from its
``valid_from`` until the next version starts; the center admin adds versions (web form on
``/planning/prices``, ``mixshare prices add``). The planning service turns the version in force on
the day a plan starts into the engine's plain :class:`~mixshare.engine.problem.MoneyPrices`;
energy is priced by the TOU tariff in force, the same tariff the energy ledger and the member
statements price metered energy with.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mixshare.engine.problem import MoneyPrices
from mixshare.errors import NotFound, Problem, ValidationFailed, validated
from mixshare.planning.models import PlanningPrice
from mixshare.tariffs.service import tariff_on
from mixshare.validation import Text

SEED_FILE = Path(__file__).parent / "data" / "prices.json"


class PricesIn(BaseModel):
    """A new version of the planning prices."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: str = Field(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    valid_from: date
    cleaning_material_yuan: float = Field(ge=0, le=1e6, allow_inf_nan=False)
    cleaning_kwh: float = Field(ge=0, le=1e4, allow_inf_nan=False)
    changeover_hour_yuan: float = Field(ge=0, le=1e6, allow_inf_nan=False)
    lateness_tonne_hour_yuan: float = Field(ge=0, le=1e6, allow_inf_nan=False)
    source: Text = Field(min_length=1, max_length=300)


def create(session: Session, data: PricesIn | Mapping[str, Any]) -> PlanningPrice:
    """Store a new version; the open-ended version before it now ends the day before, and a
    version starting the same day is a conflict."""
    parsed = validated(PricesIn, data)
    problems = []
    if session.scalar(select(PlanningPrice.id).where(PlanningPrice.code == parsed.code)):
        problems.append(Problem("code", "a price version with this code exists", parsed.code))
    same_day = select(PlanningPrice.code).where(PlanningPrice.valid_from == parsed.valid_from)
    if (other := session.scalar(same_day)) is not None:
        problems.append(Problem("valid_from", f"price version {other} starts on the same day"))
    if problems:
        raise ValidationFailed(problems)
    earlier = select(PlanningPrice).where(
        PlanningPrice.valid_from < parsed.valid_from, PlanningPrice.valid_to.is_(None)
    )
    for previous in session.scalars(earlier):
        previous.valid_to = parsed.valid_from - timedelta(days=1)
    later = session.scalar(
        select(PlanningPrice.valid_from)
        .where(PlanningPrice.valid_from > parsed.valid_from)
        .order_by(PlanningPrice.valid_from)
    )
    version = PlanningPrice(**parsed.model_dump())
    if later is not None:  # a version slipped in before a later one ends where that starts
        version.valid_to = later - timedelta(days=1)
    session.add(version)
    session.flush()
    return version


def get_all(session: Session) -> list[PlanningPrice]:
    """Every version, latest first."""
    return list(session.scalars(select(PlanningPrice).order_by(PlanningPrice.valid_from.desc())))


def on(session: Session, day: date) -> PlanningPrice | None:
    """The version in force on ``day`` (None: no version yet)."""
    return session.scalar(
        select(PlanningPrice)
        .where(PlanningPrice.valid_from <= day)
        .where(or_(PlanningPrice.valid_to.is_(None), PlanningPrice.valid_to >= day))
        .order_by(PlanningPrice.valid_from.desc())
    )


def load_seed(session: Session, path: Path = SEED_FILE) -> list[PlanningPrice]:
    """Add the shipped versions the database does not have yet (by code)."""
    added = []
    for item in json.loads(path.read_text(encoding="utf-8"))["prices"]:
        if session.scalar(select(PlanningPrice.id).where(PlanningPrice.code == item["code"])):
            continue
        added.append(create(session, item))
    return added


def money_prices(session: Session, day: date) -> tuple[MoneyPrices, str]:
    """The engine's prices for a plan starting on ``day`` and the code of their version
    (``"engine defaults"`` when no version is in force: the shipped demo values)."""
    version = on(session, day)
    if version is None:
        return MoneyPrices(), "engine defaults"
    try:
        flat = tariff_on(session, day).flat_price
    except NotFound:
        flat = 0.0
    prices = MoneyPrices(
        cleaning_batch=version.cleaning_material_yuan + version.cleaning_kwh * flat,
        changeover_hour=version.changeover_hour_yuan,
        lateness_tonne_hour=version.lateness_tonne_hour_yuan,
    )
    return prices, version.code


def read(version: PlanningPrice) -> dict[str, Any]:
    """A version as plain data (CLI, pages)."""
    return {
        "code": version.code,
        "valid_from": version.valid_from.isoformat(),
        "valid_to": version.valid_to.isoformat() if version.valid_to else None,
        "cleaning_material_yuan": version.cleaning_material_yuan,
        "cleaning_kwh": version.cleaning_kwh,
        "changeover_hour_yuan": version.changeover_hour_yuan,
        "lateness_tonne_hour_yuan": version.lateness_tonne_hour_yuan,
        "source": version.source,
    }
