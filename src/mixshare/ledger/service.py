"""The energy ledger of a month: every batch's kWh, its cost under the tariff in force at each
minute, split by TOU period, rolled up by day, line, member, compound and stage; kWh/t, kgce/t
and CO₂ with versioned factors; each line's peak demand; meter readings reconciled.

Definitions (also printed with every ledger, ``DEFINITIONS``):

- **kWh of a batch**: the record's ``energy_kwh`` (the line's counter, or the integral of the
  1 Hz power curve when the line sent none; the ingest service stores either).
- **Cost**: a batch inside one price hour costs kWh × that hour's price. A batch that crosses a
  change of price (TOU bands change on the hour; tariff versions and holidays at midnight) is
  split with its power curve: each 1 Hz sample is priced at the minute it falls in, and the
  parts are scaled so that they add up to the batch's kWh. Without a curve, its kWh is spread
  evenly over its run.
- **Day and month** of a batch: the day its run started (a batch over midnight is one batch
  of the day before, priced by the minute all the same).
- **Tonnes**: mixed tonnes, every pass counted (a final compound's tonne passes MB and FB): a
  pass weighs what was weighed in plus the batches it consumed, a batch shared by n later
  batches counting 1/n in each. ``input_tonnes``: raw materials weighed in (compound made).
- **Peak demand** of a line: the largest mean power over a clock-aligned 15-minute interval
  (:00, :15, :30, :45) of the sum of its batches' power curves, i.e. the most kWh mixed in one
  such interval × 4. It counts the mixers' batch energy only, not idle running or auxiliaries.
- **Meter reconciliation**: see ``ALLOCATION_RULE``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from mixshare.compounds.models import Compound, CompoundVersion
from mixshare.errors import Problem, ValidationFailed, validated
from mixshare.execution import curves
from mixshare.execution.models import Batch, BatchConsumption, BatchCurve
from mixshare.ledger.models import FACTOR_KINDS, EnergyFactor, MeterReading
from mixshare.lines.models import Line
from mixshare.members.models import Member
from mixshare.tariffs.models import PERIODS
from mixshare.tariffs.service import PriceTable, price_table
from mixshare.validation import Text

SEED_FILE = Path(__file__).parent / "data" / "factors.json"
MONTH_PATTERN = r"^(20\d\d|2100)-(0[1-9]|1[0-2])$"  # what month_window accepts
QUARTER_SECONDS = 900
CURVE_CHUNK = 500  # batch ids per curve query (bounded IN lists on every database)
ALLOCATION_RULE = (
    "The difference between a line meter's kWh and the sum of the batch energies on that line "
    "between the same two readings (idle running, auxiliaries, losses) is allocated to the "
    "members in proportion to each member's batch kWh on that line in that period."
)
DEFINITIONS = {
    "kwh": "batch record's energy_kwh (the line's counter, else the integral of its 1 Hz "
    "power curve)",
    "cost": "kWh x price of the tariff version in force at each minute; a batch crossing a "
    "price change is split by its power curve (each 1 Hz sample priced at its minute)",
    "day": "the day a batch started",
    "tonnes": "mixed tonnes, every pass counted (MB, RM and FB): weighed in plus the batches "
    "consumed (a batch shared by n later batches counts 1/n in each); per-t figures use these",
    "input_tonnes": "raw materials weighed in (each tonne of compound once)",
    "mixer_hours": "the batches' run time (start to end), every pass",
    "kgce": "kWh x the coal-equivalent factor in force that day",
    "co2": "kWh x the grid CO2 factor in force that day",
    "peak_demand_kw": "largest mean power of a line over a clock-aligned 15-minute interval "
    "(sum of its batches' power curves: batch energy only, no idle or auxiliaries)",
    "meter_allocation": ALLOCATION_RULE,
}


# --- reference factors ------------------------------------------------------------------------


class FactorIn(BaseModel):
    """A new version of a conversion factor."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    kind: str = Field(pattern="^(coal_equivalent|grid_co2)$")
    code: str = Field(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    name: Text = Field(min_length=1, max_length=200)
    value: float = Field(gt=0, le=100, allow_inf_nan=False)
    unit: str = Field(min_length=1, max_length=20)
    source: Text = Field(min_length=1, max_length=300)
    verified: bool = False
    valid_from: date


def create_factor(session: Session, data: FactorIn | Mapping[str, Any]) -> EnergyFactor:
    """Store a new factor version; as with tariffs, the open-ended version of the same kind
    before it now ends the day before, and one starting the same day is a conflict."""
    parsed = validated(FactorIn, data)
    problems = []
    if session.scalar(select(EnergyFactor.id).where(EnergyFactor.code == parsed.code)):
        problems.append(Problem("code", "a factor with this code exists", parsed.code))
    same_day = select(EnergyFactor.code).where(
        EnergyFactor.kind == parsed.kind, EnergyFactor.valid_from == parsed.valid_from
    )
    if (other := session.scalar(same_day)) is not None:
        problems.append(Problem("valid_from", f"factor {other} starts on the same day"))
    if problems:
        raise ValidationFailed(problems)
    earlier = select(EnergyFactor).where(
        EnergyFactor.kind == parsed.kind,
        EnergyFactor.valid_from < parsed.valid_from,
        EnergyFactor.valid_to.is_(None),
    )
    for previous in session.scalars(earlier):
        previous.valid_to = parsed.valid_from - timedelta(days=1)
    factor = EnergyFactor(**parsed.model_dump())
    session.add(factor)
    session.flush()
    return factor


def load_seed_factors(session: Session, path: Path = SEED_FILE) -> list[EnergyFactor]:
    """Add the shipped factors the database does not have yet (by code)."""
    added = []
    for item in json.loads(path.read_text(encoding="utf-8"))["factors"]:
        if session.scalar(select(EnergyFactor.id).where(EnergyFactor.code == item["code"])):
            continue
        data = {k: v for k, v in item.items() if k != "valid_to"}
        added.append(create_factor(session, data))
    return added


@dataclass(frozen=True)
class FactorTable:
    """The versions of every factor kind over a date range, looked up by day."""

    versions: list[EnergyFactor]

    def on(self, kind: str, day: date) -> EnergyFactor | None:
        for factor in self.versions:  # latest first
            in_force = factor.valid_to is None or factor.valid_to >= day
            if factor.kind == kind and factor.valid_from <= day and in_force:
                return factor
        return None


def factor_table(session: Session, first: date, last: date) -> FactorTable:
    query = (
        select(EnergyFactor)
        .where(EnergyFactor.valid_from <= last)
        .where(or_(EnergyFactor.valid_to.is_(None), EnergyFactor.valid_to >= first))
        .order_by(EnergyFactor.valid_from.desc())
    )
    return FactorTable(list(session.scalars(query)))


def _factor_read(factor: EnergyFactor) -> dict[str, Any]:
    return {
        "code": factor.code,
        "name": factor.name,
        "value": factor.value,
        "unit": factor.unit,
        "source": factor.source,
        "verified": factor.verified,
        "valid_from": factor.valid_from.isoformat(),
        "valid_to": factor.valid_to.isoformat() if factor.valid_to else None,
    }


# --- the month --------------------------------------------------------------------------------


def month_window(month: str) -> tuple[datetime, datetime]:
    """``YYYY-MM`` → [first day 00:00, first day of the next month 00:00)."""
    try:
        first = datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise ValidationFailed([Problem("month", "expected YYYY-MM", month)]) from None
    if not 2000 <= first.year <= 2100:
        raise ValidationFailed([Problem("month", "a year from 2000 to 2100", month)])
    following = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return first, following


@dataclass(frozen=True)
class BatchEnergy:
    """What the ledger needs of one batch."""

    id: int
    line: str
    member: str
    compound: str
    stage: str
    started_at: datetime
    ended_at: datetime
    kwh: float
    kg: float  # weighed in at this pass (raw materials)
    pass_kg: float = 0.0  # mass mixed in this pass (weighed in + what it consumed)


def month_batches(
    session: Session, start: datetime, end: datetime, member_id: int | None
) -> list[BatchEnergy]:
    """Batches started in [start, end), ``member_id``'s only when given (one query)."""
    query = (
        select(
            Batch.id,
            Line.code,
            Member.code,
            Compound.code,
            Batch.stage,
            Batch.started_at,
            Batch.ended_at,
            Batch.energy_kwh,
            Batch.actual_kg,
        )
        .join(Line, Line.id == Batch.line_id)
        .join(Member, Member.id == Batch.member_id)
        .join(CompoundVersion, CompoundVersion.id == Batch.compound_version_id)
        .join(Compound, Compound.id == CompoundVersion.compound_id)
        .where(Batch.started_at >= start, Batch.started_at < end)
        .order_by(Batch.started_at, Batch.id)
    )
    if member_id is not None:
        query = query.where(Batch.member_id == member_id)
    batches = [
        BatchEnergy(i, line, member, f"{member}.{compound}", stage, s, e, float(kwh), float(kg))
        for i, line, member, compound, stage, s, e, kwh, kg in session.execute(query)
    ]
    masses = pass_masses(session, {b.id: b.kg for b in batches}, window=(start, end))
    return [replace(b, pass_kg=masses[b.id]) for b in batches]


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for at in range(0, len(ids), CURVE_CHUNK):
        yield ids[at : at + CURVE_CHUNK]


Inputs = dict[int, list[tuple[int, float]]]  # batch → (consumed batch, its weighed kg)


def _inputs_of(session: Session, ids: list[int]) -> Inputs:
    found: Inputs = defaultdict(list)
    for chunk in _chunks(ids):
        query = (
            select(BatchConsumption.batch_id, Batch.id, Batch.actual_kg)
            .join(Batch, Batch.id == BatchConsumption.consumed_batch_id)
            .where(BatchConsumption.batch_id.in_(chunk))
        )
        for batch_id, consumed, consumed_kg in session.execute(query):
            found[batch_id].append((consumed, float(consumed_kg)))
    return found


def _window_inputs(session: Session, start: datetime, end: datetime) -> tuple[set[int], Inputs]:
    """Every batch started in [start, end) and the inputs of each, in two queries (a join on
    the window instead of id lists: on PostgreSQL each id list scanned the batch table)."""
    consumer = aliased(Batch)
    query = (
        select(BatchConsumption.batch_id, Batch.id, Batch.actual_kg)
        .join(Batch, Batch.id == BatchConsumption.consumed_batch_id)
        .join(consumer, consumer.id == BatchConsumption.batch_id)
        .where(consumer.started_at >= start, consumer.started_at < end)
    )
    found: Inputs = defaultdict(list)
    for batch_id, consumed, consumed_kg in session.execute(query):
        found[batch_id].append((consumed, float(consumed_kg)))
    started = select(Batch.id).where(Batch.started_at >= start, Batch.started_at < end)
    return set(session.scalars(started)), found


def _consumer_counts(
    session: Session, consumed: set[int], window: tuple[datetime, datetime] | None
) -> dict[int, int]:
    """How many batches consumed each of ``consumed`` (all time)."""
    counts: dict[int, int] = {}
    if window is not None:
        consumer = aliased(Batch)
        in_window = (
            select(BatchConsumption.consumed_batch_id)
            .join(consumer, consumer.id == BatchConsumption.batch_id)
            .where(consumer.started_at >= window[0], consumer.started_at < window[1])
        )
        query = (
            select(BatchConsumption.consumed_batch_id, func.count())
            .where(BatchConsumption.consumed_batch_id.in_(in_window))
            .group_by(BatchConsumption.consumed_batch_id)
        )
        counts = {int(c or 0): int(n) for c, n in session.execute(query) if c in consumed}
    for chunk in _chunks(sorted(consumed - counts.keys())):
        query = (
            select(BatchConsumption.consumed_batch_id, func.count())
            .where(BatchConsumption.consumed_batch_id.in_(chunk))
            .group_by(BatchConsumption.consumed_batch_id)
        )
        counts.update({int(c or 0): int(n) for c, n in session.execute(query)})
    return counts


def pass_masses(
    session: Session, weighed: dict[int, float], window: tuple[datetime, datetime] | None = None
) -> dict[int, float]:
    """Mass mixed in each batch: what was weighed in plus the batches it consumed. A consumed
    batch shared by several later batches (a masterbatch split between final batches) counts
    in each by an equal share, so no kilogram is counted twice in one pass. ``window``: the
    batches started in it are read with one query (a month's batches), the others by id."""
    kg = dict(weighed)
    inputs: dict[int, list[int]] = defaultdict(list)
    covered, known = _window_inputs(session, *window) if window else (set(), {})
    pending = list(weighed)
    while pending:  # remill and final batches: at most two levels back to a masterbatch
        found: list[int] = []
        looked_up = _inputs_of(session, [b for b in pending if b not in covered])
        for batch_id in pending:
            for consumed, consumed_kg in known.get(batch_id, looked_up.get(batch_id, [])):
                inputs[batch_id].append(consumed)
                if consumed not in kg:
                    kg[consumed] = consumed_kg
                    found.append(consumed)
        pending = found
    consumers = _consumer_counts(session, {c for cs in inputs.values() for c in cs}, window)
    masses: dict[int, float] = {}

    def mass(batch_id: int, depth: int = 0) -> float:
        if batch_id not in masses:
            shares = (mass(c, depth + 1) / consumers.get(c, 1) for c in inputs.get(batch_id, []))
            masses[batch_id] = kg[batch_id] + (sum(shares) if depth < 5 else 0.0)
        return masses[batch_id]

    return {batch_id: mass(batch_id) for batch_id in weighed}


class _Hours:
    """Price of every hour from ``base``: index of its (period, price, tariff) key."""

    def __init__(self, table: PriceTable, base: datetime, count: int) -> None:
        self.base = base
        self.keys: list[tuple[str, float, str]] = []
        index: dict[tuple[str, float, str], int] = {}
        self.hour_key = np.empty(count, dtype=np.int64)
        for hour in range(count):
            moment = base + timedelta(hours=hour)
            period, price = table.price(moment)
            key = (period, price, table.tariff(moment.date()).code)
            self.hour_key[hour] = index.setdefault(key, len(index))
            if len(index) > len(self.keys):
                self.keys.append(key)

    def seconds(self, moment: datetime) -> float:
        return (moment - self.base).total_seconds()


def _power(blob: bytes) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray(curves.decode(blob)["power_kw"], dtype=np.float64)


def _curves(session: Session, ids: list[int]) -> dict[int, tuple[float, bytes]]:
    """The curve blobs (hz, data) of the batches ``ids`` that have one."""
    found: dict[int, tuple[float, bytes]] = {}
    for at in range(0, len(ids), CURVE_CHUNK):
        chunk = ids[at : at + CURVE_CHUNK]
        query = select(BatchCurve.batch_id, BatchCurve.hz, BatchCurve.data)
        for batch_id, hz, data in session.execute(query.where(BatchCurve.batch_id.in_(chunk))):
            found[batch_id] = (float(hz), bytes(data))
    return found


def _split(
    start_s: float, end_s: float, kwh: float, unit: int, curve: tuple[float, bytes] | None
) -> dict[int, float]:
    """The batch's kWh by ``unit``-second interval index (from the ledger's base): by its power
    curve's samples, else evenly over the run; the parts add up to ``kwh``."""
    if curve is not None:
        hz, blob = curve
        power = _power(blob)
        if power.size and power.sum() > 0:
            slots = ((start_s + np.arange(power.size) / hz) // unit).astype(np.int64)
            first = int(slots[0])
            weights = np.bincount(slots - first, weights=power)
            total = float(weights.sum())
            return {first + i: kwh * float(w) / total for i, w in enumerate(weights) if w}
    parts: dict[int, float] = {}
    length = max(end_s - start_s, 1e-9)
    slot = int(start_s // unit)
    while slot * unit < end_s:
        overlap = min(end_s, (slot + 1) * unit) - max(start_s, slot * unit)
        if overlap > 0:
            parts[slot] = kwh * overlap / length
        slot += 1
    return parts or {int(start_s // unit): kwh}


@dataclass
class _Sums:
    """Accumulated figures of one group."""

    batches: int = 0
    kg: float = 0.0  # mixed, every pass
    input_kg: float = 0.0  # weighed in
    seconds: float = 0.0  # mixer run time
    kwh_by_key: dict[int, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, other: _Sums) -> None:
        self.batches += other.batches
        self.kg += other.kg
        self.input_kg += other.input_kg
        self.seconds += other.seconds
        for key, kwh in other.kwh_by_key.items():
            self.kwh_by_key[key] += kwh


FactKey = tuple[date, str, str, str, str]  # day, line, member, compound, stage


@dataclass
class _Priced:
    facts: dict[FactKey, _Sums]
    keys: list[tuple[str, float, str]]
    quarters: dict[str, dict[int, float]]  # line → quarter index → kWh
    base: datetime


def price_batches(session: Session, batches: list[BatchEnergy], start: datetime) -> _Priced:
    """Every batch's kWh by price key, grouped by (day, line, member, compound, stage), and
    each line's kWh per 15-minute interval."""
    last_end = max((b.ended_at for b in batches), default=start)
    hours_count = int((last_end - start).total_seconds() // 3600) + 2
    table = price_table(session, start.date(), (start + timedelta(hours=hours_count)).date())
    hours = _Hours(table, start, hours_count) if batches else None
    facts: dict[FactKey, _Sums] = defaultdict(_Sums)
    quarters: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    straddling = [b for b in batches if _slots(b, start, QUARTER_SECONDS)]
    blobs = _curves(session, [b.id for b in straddling])
    for batch in batches:
        assert hours is not None
        sums = facts[batch.started_at.date(), batch.line, batch.member, batch.compound, batch.stage]
        sums.batches += 1
        sums.kg += batch.pass_kg
        sums.input_kg += batch.kg
        sums.seconds += (batch.ended_at - batch.started_at).total_seconds()
        start_s, end_s = hours.seconds(batch.started_at), hours.seconds(batch.ended_at)
        if not _slots(batch, start, QUARTER_SECONDS):
            quarter = int(start_s // QUARTER_SECONDS)
            quarters[batch.line][quarter] += batch.kwh
            sums.kwh_by_key[int(hours.hour_key[quarter // 4])] += batch.kwh
            continue
        by_quarter = _split(start_s, end_s, batch.kwh, QUARTER_SECONDS, blobs.get(batch.id))
        for quarter, kwh in by_quarter.items():
            quarters[batch.line][quarter] += kwh
            sums.kwh_by_key[int(hours.hour_key[quarter // 4])] += kwh
    return _Priced(facts, hours.keys if hours else [], quarters, start)


def _slots(batch: BatchEnergy, base: datetime, unit: int) -> bool:
    """True if the batch runs into a second ``unit``-second interval."""
    start = (batch.started_at - base).total_seconds() // unit
    end = ((batch.ended_at - base).total_seconds() - 1e-6) // unit
    return end > start


# --- rolling up -------------------------------------------------------------------------------


def _row(
    sums: _Sums, keys: list[tuple[str, float, str]], kgce: float | None, co2: float | None
) -> dict[str, Any]:
    kwh_by_period: dict[str, float] = defaultdict(float)
    cost_by_period: dict[str, float] = defaultdict(float)
    for key, kwh in sums.kwh_by_key.items():
        period, price, _tariff = keys[key]
        kwh_by_period[period] += kwh
        cost_by_period[period] += kwh * price
    kwh = sum(kwh_by_period.values())
    tonnes = sums.kg / 1000
    return {
        "batches": sums.batches,
        "tonnes": round(tonnes, 3),
        "input_tonnes": round(sums.input_kg / 1000, 3),
        "mixer_hours": round(sums.seconds / 3600, 3),
        "mixer_seconds": round(sums.seconds),
        "kwh": round(kwh, 2),
        "cost_yuan": round(sum(cost_by_period.values()), 2),
        "kwh_per_t": round(kwh / tonnes, 2) if tonnes else None,
        "kgce": None if kgce is None else round(kgce, 2),
        "kgce_per_t": round(kgce / tonnes, 3) if tonnes and kgce is not None else None,
        "co2_kg": None if co2 is None else round(co2, 2),
        "co2_kg_per_t": round(co2 / tonnes, 2) if tonnes and co2 is not None else None,
        "kwh_by_period": {p: round(kwh_by_period[p], 2) for p in PERIODS if p in kwh_by_period},
        "cost_by_period": {p: round(cost_by_period[p], 2) for p in PERIODS if p in cost_by_period},
    }


@dataclass
class _Group:
    sums: _Sums = field(default_factory=_Sums)
    kgce: float | None = 0.0
    co2: float | None = 0.0


def _add_factor(total: float | None, kwh: float, factor: EnergyFactor | None) -> float | None:
    if total is None or factor is None:
        return None
    return total + kwh * factor.value


def rollup(
    priced: _Priced, factors: FactorTable, dims: tuple[int, ...]
) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Rows grouped by the fact-key positions ``dims`` (0 day, 1 line, 2 member, 3 compound,
    4 stage), sorted by key; kgce and CO₂ use the factor in force on each fact's day."""
    groups: dict[tuple[Any, ...], _Group] = defaultdict(_Group)
    for key, sums in priced.facts.items():
        group = groups[tuple(key[d] for d in dims)]
        group.sums.add(sums)
        kwh = sum(sums.kwh_by_key.values())
        group.kgce = _add_factor(group.kgce, kwh, factors.on("coal_equivalent", key[0]))
        group.co2 = _add_factor(group.co2, kwh, factors.on("grid_co2", key[0]))
    return [
        (key, _row(groups[key].sums, priced.keys, groups[key].kgce, groups[key].co2))
        for key in sorted(groups)
    ]


def _named(rows: list[tuple[tuple[Any, ...], dict[str, Any]]], *names: str) -> list[dict[str, Any]]:
    return [
        {
            **{
                n: (v.isoformat() if isinstance(v, date) else v)
                for n, v in zip(names, key, strict=True)
            },
            **row,
        }
        for key, row in rows
    ]


def peak_demand(priced: _Priced) -> list[dict[str, Any]]:
    """Per line: the most kWh in one clock-aligned 15-minute interval × 4, and when."""
    peaks = []
    for line in sorted(priced.quarters):
        quarter, kwh = max(priced.quarters[line].items(), key=lambda item: (item[1], -item[0]))
        at = priced.base + timedelta(seconds=quarter * QUARTER_SECONDS)
        peaks.append(
            {
                "line": line,
                "peak_kw": round(kwh * 3600 / QUARTER_SECONDS, 1),
                "interval_start": at.isoformat(timespec="minutes"),
            }
        )
    return peaks


def tariffs_used(priced: _Priced) -> list[dict[str, Any]]:
    """The tariff versions and prices the month was priced at."""
    return [
        {"tariff": tariff, "period": period, "price_yuan_per_kwh": price}
        for period, price, tariff in sorted(
            set(priced.keys), key=lambda k: (k[2], PERIODS.index(k[0]), k[1])
        )
    ]


# --- meters -----------------------------------------------------------------------------------


def reconcile_meters(
    session: Session, start: datetime, end: datetime, member_id: int | None
) -> dict[str, Any]:
    """Per line meter: its kWh between its first and last reading of the month against the
    batches started on that line in that period; the difference allocated by ``ALLOCATION_RULE``.
    A member's users see only their own batch kWh and share."""
    query = (
        select(
            Line.id,
            Line.code,
            MeterReading.meter,
            MeterReading.read_at,
            MeterReading.cumulative_kwh,
        )
        .join(Line, Line.id == MeterReading.line_id)
        .where(MeterReading.read_at >= start, MeterReading.read_at <= end)
        .order_by(Line.code, MeterReading.meter, MeterReading.read_at)
    )
    readings: dict[tuple[int, str, str], list[tuple[datetime, float]]] = defaultdict(list)
    for line_id, line, meter, at, value in session.execute(query):
        readings[line_id, line, meter].append((at, float(value)))
    rows: list[dict[str, Any]] = []
    allocation: dict[str, float] = defaultdict(float)
    for (line_id, line, meter), series in readings.items():
        if len(series) < 2:
            continue
        row = _meter_row(session, line_id, line, meter, series, member_id)
        for member, kwh in row["allocated_kwh"].items():
            allocation[member] += kwh
        rows.append(row)
    return {
        "rule": ALLOCATION_RULE,
        "lines": rows,
        "allocated_kwh_by_member": {m: round(v, 2) for m, v in sorted(allocation.items())},
    }


def _meter_row(
    session: Session,
    line_id: int,
    line: str,
    meter: str,
    series: list[tuple[datetime, float]],
    member_id: int | None,
) -> dict[str, Any]:
    (first_at, first), (last_at, last) = series[0], series[-1]
    by_member = dict(
        session.execute(
            select(Member.code, func.sum(Batch.energy_kwh))
            .join(Member, Member.id == Batch.member_id)
            .where(Batch.line_id == line_id)
            .where(Batch.started_at >= first_at, Batch.started_at < last_at)
            .group_by(Member.code)
        ).all()
    )
    batch_kwh = float(sum(by_member.values()))
    difference = (last - first) - batch_kwh
    shares = (
        {m: difference * float(v) / batch_kwh for m, v in by_member.items()} if batch_kwh else {}
    )
    row: dict[str, Any] = {
        "line": line,
        "meter": meter,
        "from": first_at.isoformat(timespec="minutes"),
        "to": last_at.isoformat(timespec="minutes"),
    }
    if member_id is not None:
        own = session.scalar(select(Member.code).where(Member.id == member_id)) or ""
        row["batch_kwh"] = round(float(by_member.get(own, 0.0)), 2)
        row["allocated_kwh"] = {own: round(shares.get(own, 0.0), 2)} if own in shares else {}
        return row
    row |= {
        "meter_kwh": round(last - first, 2),
        "batch_kwh": round(batch_kwh, 2),
        "difference_kwh": round(difference, 2),
        "difference_pct": round(100 * difference / (last - first), 1) if last > first else None,
        "allocated_kwh": {m: round(v, 2) for m, v in sorted(shares.items())},
    }
    return row


# --- the ledger -------------------------------------------------------------------------------


def energy_ledger(session: Session, *, month: str, member_id: int | None = None) -> dict[str, Any]:
    """The month's energy ledger (plain JSON-able data); ``member_id`` limits every figure to
    that member's own batches and leaves out the center-wide ones (peak demand, line meters)."""
    start, end = month_window(month)
    batches = month_batches(session, start, end, member_id)
    priced = price_batches(session, batches, start)
    factors = factor_table(session, start.date(), (end - timedelta(days=1)).date())
    totals = rollup(priced, factors, ())
    ledger: dict[str, Any] = {
        "month": month,
        "member": None,
        "definitions": DEFINITIONS,
        "factors": {
            kind: [_factor_read(f) for f in factors.versions if f.kind == kind]
            for kind in FACTOR_KINDS
        },
        "tariffs": tariffs_used(priced),
        "totals": totals[0][1] if totals else _row(_Sums(), [], 0.0, 0.0),
        "by_line": _named(rollup(priced, factors, (1,)), "line"),
        "by_member": _named(rollup(priced, factors, (2,)), "member"),
        "by_compound": _named(rollup(priced, factors, (3,)), "compound"),
        "by_stage": _named(rollup(priced, factors, (4,)), "stage"),
        "by_day": _named(rollup(priced, factors, (0,)), "day"),
        "by_day_detail": _named(
            rollup(priced, factors, (0, 1, 2, 3, 4)), "day", "line", "member", "compound", "stage"
        ),
        "meters": reconcile_meters(session, start, end, member_id),
    }
    if member_id is None:
        ledger["peak_demand"] = peak_demand(priced)
    else:
        ledger["member"] = session.scalar(select(Member.code).where(Member.id == member_id))
    return ledger


def member_id_of(session: Session, code: str) -> int:
    """The id of member ``code`` (``ValidationFailed`` naming it when unknown)."""
    found = session.scalar(select(Member.id).where(Member.code == code))
    if found is None:
        raise ValidationFailed([Problem("member", "no member with this code", code)])
    return found
