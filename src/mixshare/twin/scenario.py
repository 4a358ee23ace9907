"""Scenario files: a center that does not exist yet (another town's members, demand, lines,
tariff and contract), as TOML, for ``mixshare twin compare --scenario FILE``.

The file is validated as a whole with Pydantic before anything runs; every problem names
the file, the key path (``lines.0.cycle_minutes.FB``) and why. A valid file becomes the
twin's plain :class:`~mixshare.twin.data.TwinInput` (orders spread evenly over the weeks,
lines with their shift calendars and a changeover between any two compound stages, the
tariff's daily periods) and the :class:`~mixshare.twin.assumptions.Assumptions` with the
scenario's values (each member's own small equipment, its truck time, changed defaults).
No database or web imports. An example: ``src/mixshare/twin/scenarios/small_town.toml``.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mixshare.engine.problem import Chain, Changeover, Interval, Line, Lot, LotOption, PricePeriod
from mixshare.engine.problem import Problem as EngineProblem
from mixshare.errors import Problem, ValidationFailed, pydantic_problems
from mixshare.twin.assumptions import Assumptions
from mixshare.twin.data import DAY, WEEK, TwinInput, TwinLot

EXAMPLE = Path(__file__).with_name("scenarios") / "small_town.toml"
Stage = Literal["MB", "RM", "FB"]
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,29}$")]
ROUTES = (("MB",), ("MB", "FB"), ("MB", "RM"), ("MB", "RM", "FB"))
# a member's own values beside its standalone equipment (assumptions.toml names)
MEMBER_EXTRA = ("transport_hours",)
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberSpec(_Strict):
    code: Code
    name: str = ""
    transport_hours: float | None = Field(None, ge=0, le=48)
    standalone: dict[str, float] = Field(default_factory=dict)

    @field_validator("standalone")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k, v in value.items() if v < 0 or not math.isfinite(v)]
        if bad:
            raise ValueError(f"must be finite and >= 0: {', '.join(bad)}")
        return value


class DemandSpec(_Strict):
    member: Code
    compound: Code
    stages: tuple[Stage, ...] = ("MB", "FB")
    tonnes_per_week: float = Field(gt=0, le=10_000)
    order_tonnes: float = Field(gt=0, le=200)
    lead_days: float = Field(gt=0, le=60)
    rest_hours: float = Field(4.0, ge=0, le=240)

    @field_validator("stages")
    @classmethod
    def _route(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if value not in ROUTES:
            shown = ", ".join("[" + ", ".join(r) + "]" for r in ROUTES)
            raise ValueError(f"stages must be one of {shown}")
        return value


class LineSpec(_Strict):
    id: Code
    stages: tuple[Stage, ...] = ("MB", "RM", "FB")
    batch_kg: float = Field(gt=0, le=2000)
    cycle_minutes: dict[Stage, float]
    kwh_per_kg: dict[Stage, float]
    changeover_minutes: int = Field(20, ge=0, le=600)
    shifts_per_day: int = Field(3, ge=1, le=3)
    days_per_week: int = Field(7, ge=1, le=7)

    @model_validator(mode="after")
    def _every_stage_has_times(self) -> LineSpec:
        for name in ("cycle_minutes", "kwh_per_kg"):
            given: dict[str, float] = getattr(self, name)
            for stage in self.stages:
                value = given.get(stage, given.get("MB") if stage == "RM" else None)
                if value is None:
                    raise ValueError(f"{name} needs a value for stage {stage} (RM may use MB's)")
                if not 0 < value <= (60 if name == "cycle_minutes" else 2):
                    raise ValueError(f"{name}.{stage} = {value:g} is outside the plausible range")
        return self

    def per(self, name: str, stage: str) -> float:
        given: dict[str, float] = getattr(self, name)
        return given.get(stage, given.get("MB", 0.0))


class PeriodSpec(_Strict):
    name: str = Field(min_length=1, max_length=20)
    start: str
    end: str
    price: float = Field(gt=0, le=10)

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not CLOCK.match(value):
            raise ValueError("a time of day HH:MM (00:00-24:00)")
        return value

    def minutes(self) -> tuple[int, int]:
        def m(text: str) -> int:
            h, mm = text.split(":")
            return int(h) * 60 + int(mm)

        return m(self.start), m(self.end)

    @model_validator(mode="after")
    def _ordered(self) -> PeriodSpec:
        start, end = self.minutes()
        if end <= start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self


class TariffSpec(_Strict):
    name: str = ""
    periods: list[PeriodSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_overlap(self) -> TariffSpec:
        spans = sorted(p.minutes() for p in self.periods)
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start < end:
                raise ValueError("periods overlap")
        return self


class ContractSpec(_Strict):
    """The tolling fee members pay the center per tonne mixed, by stage (energy is passed
    through at the TOU prices, domain.md §9); ``members`` overrides it per member."""

    tolling_yuan_per_t: dict[Stage, float]
    members: dict[str, dict[Stage, float]] = Field(default_factory=dict)


class ScenarioSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    members: list[MemberSpec] = Field(min_length=1, max_length=100)
    demand: list[DemandSpec] = Field(min_length=1, max_length=1000)
    lines: list[LineSpec] = Field(min_length=1, max_length=20)
    tariff: TariffSpec
    contract: ContractSpec | None = None
    assumptions: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> ScenarioSpec:
        codes = [m.code for m in self.members]
        if len(set(codes)) != len(codes):
            raise ValueError("members: a member code is listed twice")
        ids = [line.id for line in self.lines]
        if len(set(ids)) != len(ids):
            raise ValueError("lines: a line id is listed twice")
        for k, d in enumerate(self.demand):
            if d.member not in codes:
                raise ValueError(f"demand.{k}.member: {d.member} is not one of the members")
            if not any(set(d.stages) <= set(line.stages) for line in self.lines):
                raise ValueError(f"demand.{k}.stages: no line runs every stage of {d.compound}")
        if self.contract is not None:
            for code in self.contract.members:
                if code not in codes:
                    raise ValueError(f"contract.members.{code}: not one of the members")
        return self


ROOTED = re.compile(r"^([A-Za-z_][\w.]*): (.+)$", re.S)


def _problems(file: str, problems: list[Problem]) -> ValidationFailed:
    """Each problem located as ``FILE: key.path`` (a whole-file rule names its key path in
    its message: it becomes the location)."""
    out = []
    for p in problems:
        location, message = p.location, p.message
        found = ROOTED.match(message)
        if location == "input" and found:
            location, message = found.group(1), found.group(2)
        out.append(Problem(f"{file}: {location}", message, p.value))
    return ValidationFailed(out)


def load(path: Path, base: Assumptions) -> tuple[ScenarioSpec, Assumptions]:
    """The validated scenario and the assumptions it implies; raises ``ValidationFailed``
    naming the file, the key path and why (nothing runs on a bad file)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _problems(str(path), [Problem("file", f"cannot be read: {exc.strerror}")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise _problems(str(path), [Problem("file", f"not valid TOML: {exc}")]) from exc
    try:
        spec = ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        raise _problems(str(path), pydantic_problems(exc)) from exc
    problems = _assumption_problems(spec, base)
    if problems:
        raise _problems(str(path), problems)
    return spec, assumptions_of(spec, base)


def _assumption_problems(spec: ScenarioSpec, base: Assumptions) -> list[Problem]:
    out = []
    for key, value in spec.assumptions.items():
        if key not in base.values:
            out.append(Problem(f"assumptions.{key}", "not an assumption of assumptions.toml"))
        elif not math.isfinite(value) or value < 0:
            out.append(Problem(f"assumptions.{key}", "must be finite and >= 0", str(value)))
    known = {k.split(".", 1)[1] for k in base.values if k.startswith("standalone.")}
    for k, member in enumerate(spec.members):
        for name in member.standalone:
            if name not in known:
                out.append(Problem(f"members.{k}.standalone.{name}", "not a standalone assumption"))
    return out


def assumptions_of(spec: ScenarioSpec, base: Assumptions) -> Assumptions:
    """``base`` with the scenario's values: its changed defaults and each member's own."""
    values = dict(base.values)
    for key, value in spec.assumptions.items():
        values[key] = replace(values[key], value=value)
    members = {m.code: dict(m.standalone) for m in spec.members}
    for m in spec.members:
        if m.transport_hours is not None:
            members[m.code]["transport_hours"] = m.transport_hours
    return replace(base, version=f"{base.version}+{spec.name}", values=values, members=members)


# -- the scenario as the twin's plain input -------------------------------------------------


def twin_input(spec: ScenarioSpec, *, weeks: int) -> TwinInput:
    """The scenario's demand of ``weeks`` weeks as the twin's plain input."""
    horizon = weeks * WEEK
    lines = tuple(_line(line, spec, horizon) for line in spec.lines)
    lots: list[Lot] = []
    chains: list[Chain] = []
    twin: dict[str, TwinLot] = {}
    for k, d in enumerate(spec.demand):
        count = max(1, math.ceil(d.tonnes_per_week * weeks / d.order_tonnes - 1e-9))
        offset = (k + 1) / (len(spec.demand) + 1)  # demands do not all fall due together
        for i in range(count):
            due = int((i + offset) * horizon / count)
            release = max(0, due - int(d.lead_days * DAY))
            order = f"{d.member}-{d.compound}-{i + 1:03d}"
            for j, stage in enumerate(d.stages):
                lot_id = f"{order}/{stage}"
                last = j == len(d.stages) - 1
                lots.append(
                    Lot(
                        lot_id,
                        order,
                        d.member,
                        f"{d.compound}/{stage}",
                        _options(spec, stage, d.order_tonnes),
                        release=release,
                        due=due if last else None,
                    )
                )
                twin[lot_id] = TwinLot(lot_id, order, d.member, stage, d.order_tonnes)
                if j:
                    chains.append(
                        Chain(f"{order}/{d.stages[j - 1]}", lot_id, int(d.rest_hours * 60))
                    )
    problem = EngineProblem(
        horizon=horizon,
        lines=lines,
        lots=tuple(lots),
        chains=tuple(chains),
        prices=_prices(spec.tariff, horizon),
    )
    return TwinInput(problem, twin, tuple(m.code for m in spec.members))


def _options(spec: ScenarioSpec, stage: str, tonnes: float) -> tuple[LotOption, ...]:
    out = []
    for line in spec.lines:
        if stage not in line.stages:
            continue
        batches = max(1, math.ceil(tonnes * 1000.0 / line.batch_kg - 1e-9))
        minutes = max(1, math.ceil(batches * line.per("cycle_minutes", stage)))
        kwh = tonnes * 1000.0 * line.per("kwh_per_kg", stage)
        out.append(LotOption(line.id, batches, minutes, kwh))
    return tuple(out)


def _line(line: LineSpec, spec: ScenarioSpec, horizon: int) -> Line:
    keys = sorted({f"{d.compound}/{s}" for d in spec.demand for s in d.stages if s in line.stages})
    change = Changeover(line.changeover_minutes)
    matrix: dict[str, dict[str, Changeover | None]] = {
        a: {b: change for b in keys if b != a} for a in keys
    }
    return Line(line.id, matrix, None, _off_shift(line, horizon))


def _off_shift(line: LineSpec, horizon: int) -> tuple[Interval, ...]:
    """Hours outside the line's shifts (two shifts 06:00-22:00, one 06:00-14:00; three: all
    day) and its days off, merged."""
    out: list[Interval] = []
    for day in range(horizon // DAY):
        base = day * DAY
        if day % 7 >= line.days_per_week:
            spans = [(0, DAY)]
        elif line.shifts_per_day >= 3:
            spans = []
        else:
            end = 6 * 60 + 8 * 60 * line.shifts_per_day
            spans = [(0, 6 * 60), (end, DAY)]
        for a, b in spans:
            if out and out[-1].end == base + a:
                out[-1] = Interval(out[-1].start, base + b)
            else:
                out.append(Interval(base + a, base + b))
    return tuple(out)


def _prices(tariff: TariffSpec, horizon: int) -> tuple[PricePeriod, ...]:
    out = []
    for day in range(horizon // DAY):
        for p in tariff.periods:
            start, end = p.minutes()
            out.append(PricePeriod(day * DAY + start, day * DAY + end, p.price, p.name))
    return tuple(sorted(out, key=lambda p: p.start))


# -- what members would pay -----------------------------------------------------------------

Summary = dict[str, dict[str, dict[str, dict[str, float | list[float]]]]]


def contract_prices(spec: ScenarioSpec, inp: TwinInput, summary: Summary) -> dict[str, object]:
    """Per member: the tolling fee per delivered tonne (the demand's tonnes by stage times the
    contract's fee), the shared arm's energy cost per tonne passed through, their sum, and the
    member's standalone cost per tonne beside it (yuan/t, mean [95 % CI])."""
    contract = spec.contract
    if contract is None:
        return {}
    fees: dict[str, float] = {}
    delivered: dict[str, float] = {}
    for lot in inp.problem.lots:
        twin = inp.lots[lot.id]
        fee = contract.members.get(twin.member, contract.tolling_yuan_per_t)
        per_t = next((v for k, v in fee.items() if k == twin.stage), 0.0)
        fees[twin.member] = fees.get(twin.member, 0.0) + twin.tonnes * per_t
        if lot.due is not None:
            delivered[twin.member] = delivered.get(twin.member, 0.0) + twin.tonnes
    out: dict[str, object] = {}
    for member in inp.member_codes():
        shared = summary.get("shared", {}).get(member)
        alone = summary.get("standalone", {}).get(member)
        if shared is None or alone is None or not delivered.get(member):
            continue
        tolling = fees.get(member, 0.0) / delivered[member]
        energy = shared["energy_cost_per_t"]
        low, high = energy["ci95"]  # type: ignore[misc]
        out[member] = {
            "tolling_per_t": round(tolling, 4),
            "energy_per_t": energy,
            "price_per_t": {
                "mean": round(tolling + float(energy["mean"]), 4),  # type: ignore[arg-type]
                "ci95": [round(tolling + low, 4), round(tolling + high, 4)],
            },
            "standalone_cost_per_t": alone["cost_per_t"],
        }
    return out
