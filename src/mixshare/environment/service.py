"""The environment ledger's rules: VOC by emission factor and by stack monitoring, particulates,
limits compared, the treatment log and waste, summed per month.

Rubber input, the base of every factor and intensity, is the mass of the month's masterbatch
batches (first pass). Remill and final passes mix the same rubber again, so counting them would
count one tonne two or three times; the factor handbook counts rubber once.
Factors, efficiencies and limits are those valid on the month's first day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.compounds.models import Compound, CompoundVersion
from mixshare.environment.models import (
    PER_CLASS_FACTORS,
    EnvironmentFactor,
    ProductClass,
    RegulatoryLimit,
    StackReading,
    TreatmentLogDay,
    WasteContainer,
    WasteTransfer,
)
from mixshare.environment.schemas import (
    FactorIn,
    LimitIn,
    TreatmentDayIn,
    WasteContainerIn,
    WasteTransferIn,
)
from mixshare.errors import NotFound, Problem, ValidationFailed, validated
from mixshare.execution.models import Batch
from mixshare.members.models import Member
from mixshare.settings import now_local

FACTOR_METHOD = "emission factor"
STACK_METHOD = "stack monitoring"
BASIS = "rubber input = mass of the month's masterbatch batches (first pass only)"


# --- months ------------------------------------------------------------------------------------


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first moment, first moment of the next month) of ``YYYY-MM``."""
    try:
        start = datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise ValidationFailed([Problem("month", "not a month (use YYYY-MM)", month)]) from None
    if not 2000 <= start.year <= 2100:
        raise ValidationFailed([Problem("month", "month must lie between 2000 and 2100", month)])
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else (start.replace(month=start.month + 1))
    )
    return start, end


def hours_between(start: datetime, end: datetime) -> int:
    return int((end - start) / timedelta(hours=1))


# --- reference data ------------------------------------------------------------------------------


def factor_at(
    session: Session, name: str, day: date, product_class: str = ""
) -> EnvironmentFactor | None:
    """The version of a factor valid on ``day`` (the latest that started on or before it)."""
    return session.scalars(
        select(EnvironmentFactor)
        .where(
            EnvironmentFactor.name == name,
            EnvironmentFactor.product_class == product_class,
            EnvironmentFactor.valid_from <= day,
        )
        .order_by(EnvironmentFactor.valid_from.desc())
        .limit(1)
    ).first()


def limits_at(session: Session, day: date) -> list[RegulatoryLimit]:
    """Every parameter's limit valid on ``day``."""
    rows = session.scalars(
        select(RegulatoryLimit)
        .where(RegulatoryLimit.valid_from <= day)
        .order_by(RegulatoryLimit.parameter, RegulatoryLimit.valid_from.desc())
    ).all()
    latest: dict[str, RegulatoryLimit] = {}
    for row in rows:
        latest.setdefault(row.parameter, row)
    return list(latest.values())


def product_classes(session: Session) -> list[ProductClass]:
    return list(session.scalars(select(ProductClass).order_by(ProductClass.code)))


def factors(session: Session) -> list[EnvironmentFactor]:
    """Every version of every factor, newest first per name."""
    return list(
        session.scalars(
            select(EnvironmentFactor).order_by(
                EnvironmentFactor.name,
                EnvironmentFactor.product_class,
                EnvironmentFactor.valid_from.desc(),
            )
        )
    )


def limits(session: Session) -> list[RegulatoryLimit]:
    return list(
        session.scalars(
            select(RegulatoryLimit).order_by(
                RegulatoryLimit.parameter, RegulatoryLimit.valid_from.desc()
            )
        )
    )


def add_factor(session: Session, *, data: FactorIn | Mapping[str, Any]) -> EnvironmentFactor:
    """A new version of a factor (versions are never edited: a correction is a newer one)."""
    data = validated(FactorIn, data)
    per_class = data.name in PER_CLASS_FACTORS
    if per_class and not session.scalar(
        select(ProductClass.id).where(ProductClass.code == data.product_class)
    ):
        raise ValidationFailed(
            [Problem("product_class", "unknown product class", data.product_class)]
        )
    if not per_class and data.product_class:
        raise ValidationFailed([Problem("product_class", f"{data.name} applies to every class")])
    if data.name.endswith("efficiency") and data.value > 1:
        raise ValidationFailed([Problem("value", "an efficiency is a fraction between 0 and 1")])
    _refuse_same_day(
        session,
        EnvironmentFactor,
        data.valid_from,
        name=data.name,
        product_class=data.product_class,
    )
    unit = "kg/t" if per_class else "fraction"
    factor = EnvironmentFactor(**data.model_dump(), unit=unit)
    session.add(factor)
    session.flush()
    return factor


LIMIT_UNITS = {"nmhc_mg_m3": "mg/m3", "pm_mg_m3": "mg/m3", "combustion_temp_c": "°C"}


def add_limit(session: Session, *, data: LimitIn | Mapping[str, Any]) -> RegulatoryLimit:
    """A new version of a regulatory limit."""
    data = validated(LimitIn, data)
    _refuse_same_day(session, RegulatoryLimit, data.valid_from, parameter=data.parameter)
    limit = RegulatoryLimit(**data.model_dump(), unit=LIMIT_UNITS[data.parameter])
    session.add(limit)
    session.flush()
    return limit


def _refuse_same_day(
    session: Session, model: type[EnvironmentFactor | RegulatoryLimit], day: date, **keys: str
) -> None:
    columns = [getattr(model, k) == v for k, v in keys.items()]
    if session.scalar(select(model.id).where(model.valid_from == day, *columns)):
        raise ValidationFailed(
            [Problem("valid_from", "a version valid from this day exists; pick another day")]
        )


# --- rubber input -----------------------------------------------------------------------------


def rubber_input_kg(
    session: Session, start: datetime, end: datetime, member_id: int | None = None
) -> dict[tuple[int, str], float]:
    """kg of masterbatch mixed in [start, end) per (member id, product class)."""
    query = (
        select(Batch.member_id, Compound.product_class, func.sum(Batch.actual_kg))
        .join(CompoundVersion, CompoundVersion.id == Batch.compound_version_id)
        .join(Compound, Compound.id == CompoundVersion.compound_id)
        .where(Batch.stage == "MB", Batch.started_at >= start, Batch.started_at < end)
        .group_by(Batch.member_id, Compound.product_class)
    )
    if member_id is not None:
        query = query.where(Batch.member_id == member_id)
    return {(m, pc): float(kg or 0.0) for m, pc, kg in session.execute(query)}


# --- VOC and particulates by emission factor ------------------------------------------------------


@dataclass(frozen=True)
class ClassEstimate:
    product_class: str
    tonnes: float
    factor_kg_t: float | None  # None: no factor for this class (the total is then incomplete)
    factor_source: str
    generated_kg: float


@dataclass
class FactorEstimate:
    """Emission = Σ tonnes × factor(class) × (1 − capture × removal)."""

    pollutant: str
    classes: list[ClassEstimate]
    capture: float | None
    removal: float | None
    capture_source: str = ""
    removal_source: str = ""
    missing: list[str] = field(default_factory=list)

    @property
    def tonnes(self) -> float:
        return sum(c.tonnes for c in self.classes)

    @property
    def generated_kg(self) -> float:
        return sum(c.generated_kg for c in self.classes)

    @property
    def emitted_kg(self) -> float | None:
        if self.missing or self.capture is None or self.removal is None:
            return None
        return self.generated_kg * (1 - self.capture * self.removal)

    @property
    def complete(self) -> bool:
        return not self.missing


def factor_estimate(
    session: Session, pollutant: str, day: date, tonnes_by_class: dict[str, float]
) -> FactorEstimate:
    """The factor method for ``pollutant`` ("voc" or "pm") on the month's tonnage per class."""
    factor_name = "voc_factor" if pollutant == "voc" else "pm_factor"
    removal_name = "treatment_efficiency" if pollutant == "voc" else "pm_removal_efficiency"
    missing: list[str] = []
    classes = []
    for product_class, tonnes in sorted(tonnes_by_class.items()):
        factor = factor_at(session, factor_name, day, product_class)
        if factor is None:
            missing.append(f"{factor_name} for product class {product_class}")
        value = factor.value if factor else None
        classes.append(
            ClassEstimate(
                product_class,
                tonnes,
                value,
                factor.source if factor else "",
                tonnes * (value or 0.0),
            )
        )
    capture = factor_at(session, "capture_efficiency", day)
    removal = factor_at(session, removal_name, day)
    missing += [n for n, f in (("capture_efficiency", capture), (removal_name, removal)) if not f]
    return FactorEstimate(
        pollutant,
        classes,
        capture.value if capture else None,
        removal.value if removal else None,
        capture.source if capture else "",
        removal.source if removal else "",
        missing,
    )


# --- stack monitoring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StackEstimate:
    """Σ over the hours read of mg/m³ × m³/h × 1 h; hours without a reading are not filled in."""

    hours_read: int
    hours_in_month: int
    nmhc_kg: float
    pm_kg: float | None  # None unless every hour read carries particulates
    nmhc_max_mg_m3: float | None
    pm_max_mg_m3: float | None
    stacks: list[str]

    @property
    def coverage(self) -> float:
        return self.hours_read / self.hours_in_month if self.hours_in_month else 0.0


def stack_estimate(session: Session, start: datetime, end: datetime) -> StackEstimate:
    readings = session.execute(
        select(
            StackReading.stack,
            StackReading.hour,
            StackReading.nmhc_mg_m3,
            StackReading.flow_m3_h,
            StackReading.pm_mg_m3,
        ).where(StackReading.hour >= start, StackReading.hour < end)
    ).all()
    nmhc_mg = sum(r.nmhc_mg_m3 * r.flow_m3_h for r in readings)
    with_pm = [r for r in readings if r.pm_mg_m3 is not None]
    pm_mg = (
        sum(r.pm_mg_m3 * r.flow_m3_h for r in with_pm)
        if readings and (len(with_pm) == len(readings))
        else None
    )
    return StackEstimate(
        hours_read=len({r.hour for r in readings}),
        hours_in_month=hours_between(start, end),
        nmhc_kg=nmhc_mg / 1e6,
        pm_kg=pm_mg / 1e6 if pm_mg is not None else None,
        nmhc_max_mg_m3=max((r.nmhc_mg_m3 for r in readings), default=None),
        pm_max_mg_m3=max((float(r.pm_mg_m3 or 0.0) for r in with_pm), default=None),
        stacks=sorted({r.stack for r in readings}),
    )


# --- limits ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitCheck:
    parameter: str
    bound: str
    limit: float
    unit: str
    source: str
    verified: bool
    readings: int
    exceedances: int
    worst: float | None
    first_exceedance: str  # when, as the reading names it ("" if none)

    @property
    def status(self) -> str:
        if not self.readings:
            return "no data"
        return "exceeded" if self.exceedances else "ok"


def _readings(
    session: Session, parameter: str, start: datetime, end: datetime
) -> list[tuple[str, float]]:
    if parameter == "combustion_temp_c":
        days = session.execute(
            select(TreatmentLogDay.day, TreatmentLogDay.combustion_temp_min_c)
            .where(
                TreatmentLogDay.day >= start.date(),
                TreatmentLogDay.day < end.date(),
                TreatmentLogDay.combustion_temp_min_c.is_not(None),
                TreatmentLogDay.fan_hours > 0,  # a unit standing still does not burn
            )
            .order_by(TreatmentLogDay.day)
        ).all()
        return [(d.isoformat(), float(v or 0.0)) for d, v in days]
    column = StackReading.nmhc_mg_m3 if parameter == "nmhc_mg_m3" else StackReading.pm_mg_m3
    rows = session.execute(
        select(StackReading.stack, StackReading.hour, column)
        .where(StackReading.hour >= start, StackReading.hour < end, column.is_not(None))
        .order_by(StackReading.hour, StackReading.stack)
    ).all()
    return [(f"{s} {h:%Y-%m-%d %H:00}", float(v or 0.0)) for s, h, v in rows]


def check_limits(session: Session, start: datetime, end: datetime) -> list[LimitCheck]:
    """Every limit valid on the month's first day against the month's readings."""
    checks = []
    for limit in limits_at(session, start.date()):
        readings = _readings(session, limit.parameter, start, end)
        high = limit.bound == "max"
        over = [(w, v) for w, v in readings if (v > limit.value if high else v < limit.value)]
        values = [v for _, v in readings]
        worst = (max(values) if limit.bound == "max" else min(values)) if values else None
        checks.append(
            LimitCheck(
                limit.parameter,
                limit.bound,
                limit.value,
                limit.unit,
                limit.source,
                limit.verified,
                len(readings),
                len(over),
                worst,
                over[0][0] if over else "",
            )
        )
    return checks


# --- treatment log and waste --------------------------------------------------------------


@dataclass(frozen=True)
class TreatmentSummary:
    days_logged: int
    fan_hours: float
    temp_min_c: float | None
    temp_avg_c: float | None
    carbon_changed_kg: float
    carbon_changes: int


def treatment_summary(session: Session, start: datetime, end: datetime) -> TreatmentSummary:
    days = treatment_days(session, start.date(), end.date())
    mins = [d.combustion_temp_min_c for d in days if d.combustion_temp_min_c is not None]
    avgs = [d.combustion_temp_avg_c for d in days if d.combustion_temp_avg_c is not None]
    return TreatmentSummary(
        len(days),
        sum(d.fan_hours for d in days),
        min(mins, default=None),
        sum(avgs) / len(avgs) if avgs else None,
        sum(d.carbon_changed_kg for d in days),
        sum(1 for d in days if d.carbon_changed_kg > 0),
    )


def treatment_days(session: Session, first: date, end: date) -> list[TreatmentLogDay]:
    """Log days in [first, end)."""
    return list(
        session.scalars(
            select(TreatmentLogDay)
            .where(TreatmentLogDay.day >= first, TreatmentLogDay.day < end)
            .order_by(TreatmentLogDay.day, TreatmentLogDay.unit)
        )
    )


def record_treatment_day(
    session: Session, *, data: TreatmentDayIn | Mapping[str, Any], user_id: int | None = None
) -> TreatmentLogDay:
    """Record (or correct) a unit's day; the log keeps one row per unit and day."""
    data = validated(TreatmentDayIn, data)
    row = session.scalars(
        select(TreatmentLogDay).where(
            TreatmentLogDay.unit == data.unit, TreatmentLogDay.day == data.day
        )
    ).first()
    if row is None:
        row = TreatmentLogDay(unit=data.unit, day=data.day)
        session.add(row)
    for key, value in data.model_dump(exclude={"unit", "day"}).items():
        setattr(row, key, value)
    row.recorded_by, row.recorded_at = user_id, now_local()
    session.flush()
    return row


@dataclass(frozen=True)
class WasteSummary:
    generated_kg: dict[str, float]  # category → kg of containers filled in the month
    containers: dict[str, int]
    transferred_kg: dict[tuple[str, str], float]  # (category, method) → kg handed over
    stored_hazardous_kg: float  # hazardous containers not yet transferred at month end


def waste_summary(session: Session, start: datetime, end: datetime) -> WasteSummary:
    first, stop = start.date(), end.date()
    generated: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for c in session.scalars(
        select(WasteContainer).where(
            WasteContainer.filled_on >= first, WasteContainer.filled_on < stop
        )
    ):
        generated[c.category] += c.mass_kg
        count[c.category] += 1
    transferred: dict[tuple[str, str], float] = defaultdict(float)
    for category, method, kg in session.execute(
        select(WasteContainer.category, WasteTransfer.method, func.sum(WasteTransfer.mass_kg))
        .join(WasteContainer, WasteContainer.id == WasteTransfer.container_id)
        .where(WasteTransfer.transferred_on >= first, WasteTransfer.transferred_on < stop)
        .group_by(WasteContainer.category, WasteTransfer.method)
    ):
        transferred[(category, method)] = float(kg)
    handed = select(WasteTransfer.container_id).where(WasteTransfer.transferred_on < stop)
    stored = session.scalar(
        select(func.sum(WasteContainer.mass_kg)).where(
            WasteContainer.category == "hazardous",
            WasteContainer.filled_on < stop,
            WasteContainer.id.not_in(handed),
        )
    )
    return WasteSummary(dict(generated), dict(count), dict(transferred), float(stored or 0.0))


def containers(session: Session, limit: int = 500) -> list[WasteContainer]:
    """The latest containers, newest first, with their transfers."""
    return list(
        session.scalars(
            select(WasteContainer)
            .order_by(WasteContainer.filled_on.desc(), WasteContainer.code)
            .limit(limit)
        )
    )


def containers_of_month(session: Session, first: date, end: date) -> list[WasteContainer]:
    """Containers filled in [first, end) or handed over in it (the permit report's rows)."""
    moved = select(WasteTransfer.container_id).where(
        WasteTransfer.transferred_on >= first, WasteTransfer.transferred_on < end
    )
    filled = (WasteContainer.filled_on >= first) & (WasteContainer.filled_on < end)
    return list(
        session.scalars(
            select(WasteContainer)
            .where(filled | WasteContainer.id.in_(moved))
            .order_by(WasteContainer.filled_on, WasteContainer.code)
        )
    )


def record_container(
    session: Session, *, data: WasteContainerIn | Mapping[str, Any]
) -> WasteContainer:
    data = validated(WasteContainerIn, data)
    if session.scalar(select(WasteContainer.id).where(WasteContainer.code == data.code)):
        raise ValidationFailed([Problem("code", "a container with this code exists", data.code)])
    if data.category == "hazardous" and not data.hw_code:
        raise ValidationFailed(
            [Problem("hw_code", "hazardous waste needs its code in the national list (HWxx)")]
        )
    container = WasteContainer(**data.model_dump(), recorded_at=now_local())
    session.add(container)
    session.flush()
    return container


def record_transfer(
    session: Session, *, data: WasteTransferIn | Mapping[str, Any]
) -> WasteTransfer:
    data = validated(WasteTransferIn, data)
    container = session.scalars(
        select(WasteContainer).where(WasteContainer.code == data.container)
    ).first()
    if container is None:
        raise NotFound(f"waste container {data.container} not found")
    if data.transferred_on < container.filled_on:
        raise ValidationFailed([Problem("transferred_on", "before the container was filled")])
    if container.transfers:
        raise ValidationFailed([Problem("container", "this container was handed over already")])
    if container.category == "hazardous" and not (data.manifest_no and data.receiver_licence):
        raise ValidationFailed(
            [
                Problem(
                    "manifest_no",
                    "hazardous waste needs the transfer manifest number and the "
                    "receiver's licence number",
                )
            ]
        )
    transfer = WasteTransfer(
        **data.model_dump(exclude={"container"}), container=container, recorded_at=now_local()
    )
    session.add(transfer)
    session.flush()
    return transfer


# --- the month ------------------------------------------------------------------------------


@dataclass
class EnvironmentMonth:
    """Everything the ledger knows of a month, for pages, exports and the API."""

    month: str
    tonnes: float
    voc_factor: FactorEstimate
    stack: StackEstimate
    pm_factor: FactorEstimate
    limits: list[LimitCheck]
    treatment: TreatmentSummary
    waste: WasteSummary

    @property
    def pm_method(self) -> str:
        return STACK_METHOD if self.stack.pm_kg is not None else FACTOR_METHOD

    @property
    def pm_kg(self) -> float | None:
        return self.stack.pm_kg if self.stack.pm_kg is not None else self.pm_factor.emitted_kg

    def per_tonne(self, kg: float | None) -> float | None:
        return kg / self.tonnes if kg is not None and self.tonnes > 0 else None

    def intensities(self) -> list[tuple[str, float | None, str]]:
        """The zero-waste indicators: (name, value, unit), per tonne of rubber input."""
        waste = self.waste
        hazardous_out = sum(v for (c, _), v in waste.transferred_kg.items() if c == "hazardous")
        general_out = sum(v for (c, _), v in waste.transferred_kg.items() if c == "general")
        general_used = waste.transferred_kg.get(("general", "utilisation"), 0.0)
        hazardous_made = waste.generated_kg.get("hazardous", 0.0)
        return [
            ("voc_factor_kg_t", self.per_tonne(self.voc_factor.emitted_kg), "kg/t"),
            (
                "voc_stack_kg_t",
                self.per_tonne(self.stack.nmhc_kg if self.stack.hours_read else None),
                "kg/t",
            ),
            ("pm_kg_t", self.per_tonne(self.pm_kg), "kg/t"),
            ("general_waste_kg_t", self.per_tonne(waste.generated_kg.get("general", 0.0)), "kg/t"),
            ("hazardous_waste_kg_t", self.per_tonne(hazardous_made), "kg/t"),
            ("activated_carbon_kg_t", self.per_tonne(self.treatment.carbon_changed_kg), "kg/t"),
            (
                "hazardous_transferred_pct",
                100 * hazardous_out / hazardous_made if hazardous_made else None,
                "%",
            ),
            (
                "general_utilised_pct",
                100 * general_used / general_out if general_out else None,
                "%",
            ),
        ]


def month_ledger(session: Session, month: str) -> EnvironmentMonth:
    """The environment ledger of ``YYYY-MM``."""
    start, end = month_bounds(month)
    by_class: dict[str, float] = defaultdict(float)
    for (_, product_class), kg in rubber_input_kg(session, start, end).items():
        by_class[product_class] += kg / 1000
    day = start.date()
    return EnvironmentMonth(
        month=month,
        tonnes=sum(by_class.values()),
        voc_factor=factor_estimate(session, "voc", day, by_class),
        stack=stack_estimate(session, start, end),
        pm_factor=factor_estimate(session, "pm", day, by_class),
        limits=check_limits(session, start, end),
        treatment=treatment_summary(session, start, end),
        waste=waste_summary(session, start, end),
    )


@dataclass(frozen=True)
class MemberShare:
    """A member's own VOC per tonne, by both methods; nothing of any other member.

    Stack-measured VOC is allocated by rubber input, so a member's stack figure per tonne is
    the center's; the factor figure is the member's own product classes."""

    month: str
    tonnes: float
    voc_factor_kg: float | None
    voc_stack_kg: float | None
    stack_coverage: float

    def per_tonne(self, kg: float | None) -> float | None:
        return kg / self.tonnes if kg is not None and self.tonnes > 0 else None


def member_share(session: Session, month: str, member_id: int) -> MemberShare:
    start, end = month_bounds(month)
    own: dict[str, float] = defaultdict(float)
    for (_, product_class), kg in rubber_input_kg(session, start, end, member_id).items():
        own[product_class] += kg / 1000
    tonnes = sum(own.values())
    estimate = factor_estimate(session, "voc", start.date(), own)
    stack = stack_estimate(session, start, end)
    total = sum(rubber_input_kg(session, start, end).values()) / 1000
    stack_kg = stack.nmhc_kg * tonnes / total if stack.hours_read and total > 0 else None
    return MemberShare(month, tonnes, estimate.emitted_kg, stack_kg, stack.coverage)


# --- figures for the chart "VOC by method" ----------------------------------------------------


def previous_months(month: str, count: int) -> list[str]:
    """``count`` months ending with ``month``, oldest first."""
    start, _ = month_bounds(month)
    index = start.year * 12 + start.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def voc_series(
    session: Session, month: str, count: int = 6, member_id: int | None = None
) -> dict[str, list[object]]:
    """VOC by method over ``count`` months: the center's kg, or a member's own kg per tonne."""
    months = previous_months(month, count)
    factor: list[object] = []
    stack: list[object] = []
    coverage: list[object] = []
    for m in months:
        if member_id is None:
            ledger = month_ledger(session, m)
            factor.append(_rounded(ledger.voc_factor.emitted_kg))
            stack.append(_rounded(ledger.stack.nmhc_kg) if ledger.stack.hours_read else None)
            coverage.append(round(ledger.stack.coverage, 3))
        else:
            share = member_share(session, m, member_id)
            factor.append(_rounded(share.per_tonne(share.voc_factor_kg)))
            stack.append(_rounded(share.per_tonne(share.voc_stack_kg)))
            coverage.append(round(share.stack_coverage, 3))
    return {"months": list(months), "factor": factor, "stack": stack, "coverage": coverage}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def set_product_class(session: Session, *, compound_key: str, product_class: str) -> Compound:
    """Set what a compound is made into (``MEMBER.CODE``), as the factor handbook groups it."""
    member_code, _, code = compound_key.strip().partition(".")
    compound = session.scalars(
        select(Compound).join(Member, Member.id == Compound.member_id)
        .where(Member.code == member_code, Compound.code == code)
    ).first()  # fmt: skip
    if compound is None:
        raise ValidationFailed(
            [Problem("compound", "no such compound (MEMBER.CODE)", compound_key)]
        )
    if not session.scalar(select(ProductClass.id).where(ProductClass.code == product_class)):
        raise ValidationFailed([Problem("product_class", "unknown product class", product_class)])
    compound.product_class = product_class
    session.flush()
    return compound


def month_document(ledger: EnvironmentMonth) -> dict[str, Any]:
    """The month's ledger as plain JSON-able data, each figure with its method and basis."""
    voc, stack = ledger.voc_factor, ledger.stack
    return {
        "month": ledger.month,
        "rubber_input_t": round(ledger.tonnes, 6),
        "rubber_input_basis": BASIS,
        "voc": [
            {"method": FACTOR_METHOD, "kg": _rounded(voc.emitted_kg),
             "kg_per_t": _rounded(ledger.per_tonne(voc.emitted_kg)),
             "generated_kg": _rounded(voc.generated_kg),
             "classes": [{"product_class": c.product_class, "t": round(c.tonnes, 6),
                          "factor_kg_t": c.factor_kg_t, "source": c.factor_source}
                         for c in voc.classes],
             "capture_efficiency": voc.capture, "treatment_efficiency": voc.removal,
             "missing": voc.missing},
            {"method": STACK_METHOD, "kg": _rounded(stack.nmhc_kg) if stack.hours_read else None,
             "kg_per_t": _rounded(ledger.per_tonne(stack.nmhc_kg)) if stack.hours_read else None,
             "hours_read": stack.hours_read, "hours_in_month": stack.hours_in_month,
             "stacks": stack.stacks},
        ],
        "particulates": {"method": ledger.pm_method, "kg": _rounded(ledger.pm_kg),
                         "missing": [] if stack.pm_kg is not None else ledger.pm_factor.missing},
        "limits": [{"parameter": c.parameter, "bound": c.bound, "limit": c.limit, "unit": c.unit,
                    "readings": c.readings, "exceedances": c.exceedances, "worst": c.worst,
                    "first_exceedance": c.first_exceedance, "status": c.status,
                    "source": c.source, "verified": c.verified} for c in ledger.limits],
        "treatment": vars(ledger.treatment),
        "waste": {"generated_kg": ledger.waste.generated_kg,
                  "containers": ledger.waste.containers,
                  "transferred_kg": {f"{c}/{m}": kg
                                     for (c, m), kg in ledger.waste.transferred_kg.items()},
                  "stored_hazardous_kg": ledger.waste.stored_hazardous_kg},
        "zero_waste_indicators": {n: _rounded(v) for n, v, _u in ledger.intensities()},
    }  # fmt: skip
