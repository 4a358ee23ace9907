"""A simulated center: the batch documents and raw-material receipts a plan's first days
would produce, for ``mixshare simulate``, ``mixshare demo`` and the simulated PLC.

Everything here only *makes* documents; :mod:`mixshare.execution.playback` hands them to the
one ingest service (as a line would) and the lab results to the quality service.

How a plan lot becomes batches: its ``batches`` start one cycle apart (cycle = lot duration ÷
batches); each batch weighs the recipe's stage ingredients for ``kg ÷ batches`` (a final
batch weighs only its own ingredients, the masterbatch comes in through ``consumed``) from
the raw-material lot received for that material the day before, with weighing noise
(σ 0.1 % of target) and, in about 1 % of batches, one weighing outside the ±0.5 % tolerance.
The curve comes from :func:`mixshare.quality.synthetic.mixing_curve`: masterbatches dump at
150–160 °C, remills at 135–145 °C, final batches at 98–106 °C; about 2 % of batches carry a
mixing defect (which the lab later tends to find). Its power is scaled so the batch's energy
is the plan's energy for it (±5 %), and ``energy_kwh`` is the integral of that power.

Genealogy: the lots of one order (and split part) form a chain MB → (RM →) FB; the n batches
of a later stage consume the m batches of the stage before in order, each batch j taking the
earlier batches whose share of the lot overlaps its own (every batch is consumed, each
consumer consumes at least one).

Deterministic: every batch draws from its own generator seeded by (seed, lot, index), so the
first day of a two-day run is byte for byte the first day of a one-day run and a re-run
sends the same documents (the ingest service answers them as duplicates).
"""

from __future__ import annotations

import math
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.models import CompoundVersion
from mixshare.execution.samples import SIGNALS
from mixshare.materials.models import Material
from mixshare.planning.models import Plan, PlanLot
from mixshare.quality.synthetic import DEFECTS, Defect, mixing_curve
from mixshare.settings import CENTER_TIMEZONE

DUMP_C = {"MB": (150.0, 160.0), "RM": (135.0, 145.0), "FB": (98.0, 106.0)}
"""Dump temperature range by stage (domain primer §3: MB 150–170 °C, FB ≤ 110 °C)."""
FB_DEFECTS: tuple[Defect, ...] = tuple(d for d in DEFECTS if d != "overheat")
"""A final batch that overheated would scorch in the mixer; the simulator leaves that out."""
SHIFT_OPERATORS = ("wang.fang", "zhang.wei", "li.na")  # night 0–8, day 8–16, late 16–24
SUPPLIERS = {
    "polymer": ("Sri Trang 诗董橡胶", "SINOPEC 中石化"),
    "filler": ("Cabot 卡博特", "Orion 欧励隆"),
    "oil": ("Shell 壳牌", "Nynas 尼纳斯"),
    "chemical": ("Lanxess 朗盛", "Sunsine 尚舜化工"),
    "curative": ("Sunsine 尚舜化工", "Shandong Yanggu 阳谷华泰"),
}


@dataclass(frozen=True)
class SimulationSettings:
    seed: int = 7
    deviation_rate: float = 0.01
    """Share of batches with one weighing outside the tolerance."""
    defect_rate: float = 0.02
    """Share of batches whose curve carries a mixing defect."""
    weighing_noise: float = 0.001
    """σ of a weighing as a fraction of its target."""


@dataclass(frozen=True)
class Weighed:
    material: str
    category: str
    share: float  # of the batch's mass through the mixer


@dataclass(frozen=True)
class LotRun:
    """A plan lot as the simulator plays it."""

    code: str
    chain: str  # the order (and split part) whose stages form one genealogy chain
    stage: str
    line: str
    compound: str
    batches: int
    kg: float
    kwh: float
    start: datetime
    end: datetime
    weighings: tuple[Weighed, ...]

    @property
    def cycle(self) -> timedelta:
        return (self.end - self.start) / max(self.batches, 1)


@dataclass
class Slot:
    """One batch to be made: its lot, position and start (its code is given later)."""

    lot: LotRun
    index: int
    start: datetime
    code: str = ""


@dataclass
class SimulatedDays:
    """What the lines would report over the simulated days, in the order they report it."""

    until: datetime
    """The end of the simulated days: the simulated lab's clock stops there."""
    receipts: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    defects: dict[str, Defect] = field(default_factory=dict)
    """Batch code → the defect its curve carries (the simulator's truth, for lab results)."""

    def for_line(self, line: str) -> list[dict[str, Any]]:
        return [d for d in self.documents if d["line"] == line]


# --- the plan, read once ----------------------------------------------------------------


def _chain(code: str) -> tuple[str, str]:
    """(chain, stage) of a plan lot code ``<reference>/<stage>[#part]``."""
    reference, _, stage_part = code.rpartition("/")
    stage, _, part = stage_part.partition("#")
    return f"{reference}#{part}", stage


def _weighings(
    version: CompoundVersion, stage: str, materials: dict[int, tuple[str, str]]
) -> tuple[Weighed, ...]:
    through = version.phr_total("MB") + (version.phr_total("FB") if stage == "FB" else 0.0)
    if stage == "RM" or through <= 0:
        return ()
    return tuple(
        Weighed(*materials[i.material_id], i.phr / through)
        for i in version.ingredients
        if i.stage == stage
    )


def lot_runs(session: Session, plan: Plan, until: datetime) -> list[LotRun]:
    """The plan's lots that start before ``until``, in start order."""
    rows = session.execute(select(Material.id, Material.code, Material.category))
    materials = {material_id: (code, category) for material_id, code, category in rows}
    lots = session.scalars(
        select(PlanLot)
        .where(PlanLot.plan_id == plan.id, PlanLot.start < until)
        .order_by(PlanLot.start, PlanLot.id)
    )
    runs = []
    for lot in lots:
        chain, _ = _chain(lot.code)
        version = lot.compound_version
        runs.append(
            LotRun(
                code=lot.code,
                chain=chain,
                stage=lot.stage,
                line=lot.line.code,
                compound=version.key,
                batches=lot.batches,
                kg=lot.kg,
                kwh=lot.kwh,
                start=lot.start,
                end=lot.end,
                weighings=_weighings(version, lot.stage, materials),
            )
        )
    return runs


# --- slots, codes and genealogy -----------------------------------------------------------


def _slots(runs: list[LotRun], until: datetime) -> list[Slot]:
    slots = [
        Slot(run, i, run.start + run.cycle * i)
        for run in runs
        for i in range(run.batches)
        if run.start + run.cycle * i < until
    ]
    slots.sort(key=lambda s: (s.start, s.lot.line, s.lot.code, s.index))
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    for slot in slots:
        key = (slot.lot.line, slot.start.date())
        per_day[key] += 1
        slot.code = f"{slot.lot.line}-{slot.start:%Y%m%d}-{per_day[key]:04d}"
    return slots


def _consumption(slots: list[Slot]) -> dict[str, list[str]]:
    """Batch code → the codes of the earlier stage's batches it consumes (see the module)."""
    by_stage: dict[tuple[str, str], list[Slot]] = defaultdict(list)
    for slot in slots:
        by_stage[(slot.lot.chain, slot.lot.stage)].append(slot)
    consumed: dict[str, list[str]] = {}
    for (chain, stage), consumers in by_stage.items():
        before = {"RM": ("MB",), "FB": ("RM", "MB")}.get(stage, ())
        earlier = next((by_stage[(chain, s)] for s in before if (chain, s) in by_stage), [])
        if not earlier:
            continue
        codes = {s.index: s.code for s in earlier}
        n, m = consumers[0].lot.batches, earlier[0].lot.batches
        for slot in consumers:
            first = min(math.floor(slot.index * m / n), m - 1)
            last = max(first + 1, math.ceil((slot.index + 1) * m / n))
            consumed[slot.code] = [codes[i] for i in range(first, last) if i in codes]
    return consumed


# --- one batch ----------------------------------------------------------------------------


def raw_lot_code(material: str, day: date) -> str:
    """The center's code of the lot of ``material`` received for ``day``'s weighings."""
    return f"R{day:%y%m%d}-{material}"


def _rng(seed: int, lot: str, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(lot.encode()), index])


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=CENTER_TIMEZONE).isoformat()


def _operator(moment: datetime) -> str:
    return SHIFT_OPERATORS[moment.hour // 8]


def _weighed(
    slot: Slot, rng: np.random.Generator, settings: SimulationSettings
) -> list[dict[str, Any]]:
    batch_kg = slot.lot.kg / max(slot.lot.batches, 1)
    off_at = -1
    if slot.lot.weighings and rng.random() < settings.deviation_rate:
        off_at = int(rng.integers(len(slot.lot.weighings)))
    weighings = []
    for i, spec in enumerate(slot.lot.weighings):
        target = round(batch_kg * spec.share, 2 if batch_kg * spec.share < 10 else 1)
        error = rng.normal(0, settings.weighing_noise)
        if i == off_at:  # a mis-weighing: 0.7–2 % off, either way
            error = float(rng.choice([-1, 1]) * rng.uniform(0.007, 0.02))
        weighings.append(
            {
                "material": spec.material,
                "raw_lot": raw_lot_code(spec.material, slot.start.date()),
                "target_kg": target,
                "actual_kg": round(max(target * (1 + error), 0.0), 3),
            }
        )
    return weighings


def _curve(
    slot: Slot, rng: np.random.Generator, settings: SimulationSettings
) -> tuple[dict[str, Any], Defect | None]:
    stage = slot.lot.stage
    defect: Defect | None = None
    if rng.random() < settings.defect_rate:
        choices = FB_DEFECTS if stage == "FB" else DEFECTS
        defect = choices[int(rng.integers(len(choices)))]
    low, high = DUMP_C.get(stage, DUMP_C["MB"])
    seconds = max(60, round(slot.lot.cycle.total_seconds() * 0.85))
    signals = mixing_curve(rng, seconds=seconds, dump_c=rng.uniform(low, high), defect=defect)
    power = np.asarray(signals["power_kw"])
    planned_kwh = slot.lot.kwh / max(slot.lot.batches, 1) * rng.uniform(0.95, 1.05)
    if defect == "missing_filler":
        planned_kwh *= 0.7  # less filler to incorporate: less work
    made_kwh = float(np.maximum(power, 0).sum()) / 3600
    if planned_kwh > 0 and made_kwh > 0:
        signals["power_kw"] = [float(v) for v in np.round(power * planned_kwh / made_kwh, 1)]
    curve: dict[str, Any] = {"hz": 1, **{name: signals[name] for name in SIGNALS}}
    return curve, defect


def _document(
    slot: Slot, consumed: list[str], settings: SimulationSettings
) -> tuple[dict[str, Any], Defect | None]:
    rng = _rng(settings.seed, slot.lot.code, slot.index)
    weighings = _weighed(slot, rng, settings)
    curve, defect = _curve(slot, rng, settings)
    seconds = len(curve["power_kw"])
    document = {
        "line": slot.lot.line,
        "batch": slot.code,
        "lot": slot.lot.code,
        "compound": slot.lot.compound,
        "stage": slot.lot.stage,
        "started_at": _iso(slot.start),
        "ended_at": _iso(slot.start + timedelta(seconds=seconds)),
        "operator": _operator(slot.start),
        "ingredients": weighings,
        "consumed": consumed,
        "dump_temperature_c": curve["temperature_c"][-1],
        "energy_kwh": round(sum(curve["power_kw"]) / 3600, 3),
        "curve": curve,
    }
    return document, defect


# --- receipts -----------------------------------------------------------------------------


def _receipts(slots: list[Slot], documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One receipt per material and day it is weighed, the afternoon before, 10–20 % more
    than the day uses, rounded up to whole 25 kg bags."""
    used: dict[tuple[str, date], float] = defaultdict(float)
    category: dict[str, str] = {}
    for slot, document in zip(slots, documents, strict=True):
        for spec in slot.lot.weighings:
            category[spec.material] = spec.category
        for weighing in document["ingredients"]:
            used[(weighing["material"], slot.start.date())] += weighing["actual_kg"]
    receipts = []
    for (material, day), kg in sorted(used.items(), key=lambda item: (item[0][1], item[0][0])):
        crc = zlib.crc32(f"{material}{day}".encode())
        suppliers = SUPPLIERS.get(category[material], ("Generic 通用",))
        receipts.append(
            {
                "code": raw_lot_code(material, day),
                "material": material,
                "supplier": suppliers[crc % len(suppliers)],
                "supplier_lot": f"{day:%y%m}{crc % 100000:05d}",
                "quantity_kg": math.ceil(kg * (1.1 + (crc % 10) / 100) / 25) * 25,
                "received_at": datetime.combine(day - timedelta(days=1), time(14, 0)),
            }
        )
    return receipts


def simulate_days(
    session: Session, plan: Plan, days: float, settings: SimulationSettings | None = None
) -> SimulatedDays:
    """The receipts and batch documents of the plan's first ``days`` (see the module)."""
    settings = settings or SimulationSettings()
    until = plan.horizon_start + timedelta(days=days)
    slots = _slots(lot_runs(session, plan, until), until)
    consumption = _consumption(slots)
    result = SimulatedDays(until=until)
    for slot in slots:
        document, defect = _document(slot, consumption.get(slot.code, []), settings)
        result.documents.append(document)
        if defect is not None:
            result.defects[slot.code] = defect
    result.receipts = _receipts(slots, result.documents)
    return result
