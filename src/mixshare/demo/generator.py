"""Fill an empty database with the demo center: members, materials, compounds, lines, rules,
calendar, tariffs and a few weeks of orders at the center's nameplate rate.

Deterministic for a seed: every random draw comes from one ``random.Random(seed)`` and every
collection is walked in a fixed order, so the same seed gives the same center on any machine.
Nothing is committed here; the caller owns the transaction.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mixshare.compounds.models import (
    POLYMER_FAMILIES,
    ChangeoverRule,
    Compound,
    CompoundVersion,
    Ingredient,
)
from mixshare.demo.catalogue import (
    HOLIDAYS,
    LINES,
    MATERIALS,
    MEMBERS,
    OILS,
    SHIFT_MINUTES,
    SHIFTS,
    STAINING_MATERIALS,
    TEMPLATES,
    TUNABLE_MATERIALS,
    LineSpec,
    MemberSpec,
    Recipe,
    RecipeTemplate,
    StageSetting,
)
from mixshare.demo.changeover_rules import demo_rule_specs
from mixshare.demo.contract import load_demo_contract
from mixshare.errors import MixshareError, Problem, ValidationFailed
from mixshare.ledger.service import load_seed_factors
from mixshare.lines.models import (
    Calendar,
    Downtime,
    Holiday,
    Line,
    LineCompoundStage,
    LineStage,
    Shift,
)
from mixshare.materials.models import Material
from mixshare.members.models import Member
from mixshare.orders.models import Order
from mixshare.planning.prices import load_seed as load_seed_prices
from mixshare.sharing import service as sharing
from mixshare.tariffs.service import load_seed_tariffs

# Mixing the whole center does in a week at full rate, MB + RM + FB passes counted (domain §3).
NAMEPLATE_MIXING_KG_PER_WEEK = 1_900_000.0
# Demand relative to nameplate, week by week (repeated for longer horizons): some overload.
WEEKLY_LOAD_FACTORS: tuple[float, ...] = (0.85, 1.0, 1.12, 0.95)
# Order sizes: lognormal, median 2.75 t and sigma 0.7, so a mean of ≈ 3.5 t; clipped to 1–15 t.
ORDER_SIZE_MEDIAN_KG = 2_750.0
ORDER_SIZE_SIGMA = 0.7
ORDER_SIZE_MIN_KG = 1_000.0
ORDER_SIZE_MAX_KG = 15_000.0
MASTERBATCH_ORDER_SHARE = 0.10
# Members want material early in the week too, which keeps the first days tight.
DUE_DAY_WEIGHTS = (0.08, 0.16, 0.16, 0.16, 0.16, 0.16, 0.12)
DUE_HOURS = (6, 14, 22)  # deliveries are picked up at shift change
NUMBER_OF_V2_COMPOUNDS = 4
MAX_WEEKS = 60
DEMO_CALENDAR = "3-shift"
MAINTENANCE_START = time(8, 0)
MAINTENANCE_HOURS = 8
MAX_AGE_MINUTES = 5 * 24 * 60  # masterbatch older than 5 days is no longer mixed (domain §3)


class DatabaseNotEmpty(MixshareError):
    """The demo center only loads into an empty database."""


@dataclass(frozen=True)
class DemoSummary:
    """What was loaded, for the CLI to print."""

    start: date
    weeks: int
    members: int
    materials: int
    compounds: int
    versions: int
    lines: int
    changeover_rules: int
    orders: int
    masterbatch_orders: int
    tonnes_final: float  # ordered as final batch
    tonnes_masterbatch: float  # ordered as masterbatch only
    mixing_tonnes_per_week: tuple[float, ...]  # MB + RM + FB passes, by due week
    load_factors: tuple[float, ...]

    def __str__(self) -> str:
        weekly = ", ".join(
            f"{t:,.0f} t ({f:.0%})"
            for t, f in zip(self.mixing_tonnes_per_week, self.load_factors, strict=True)
        )
        return (
            f"{self.members} members, {self.materials} materials, {self.compounds} compounds "
            f"({self.versions} versions), {self.lines} lines, {self.changeover_rules} changeover "
            f"rules; {self.orders} orders from {self.start:%Y-%m-%d} over {self.weeks} weeks "
            f"({self.masterbatch_orders} masterbatch only): {self.tonnes_final:,.0f} t final + "
            f"{self.tonnes_masterbatch:,.0f} t masterbatch; mixing per week {weekly}"
        )


def next_monday(today: date) -> date:
    """The first Monday strictly after ``today`` (a plan starts on a fresh week)."""
    return today + timedelta(days=7 - today.weekday())


def mixing_passes(version: CompoundVersion, order_stage: str) -> int:
    """How many times the order's kilograms pass a mixer (MB, optional RM, FB)."""
    stages = version.stages()
    if order_stage == "masterbatch":
        stages = [s for s in stages if s != "FB"]
    return len(stages)


def load_demo_center(
    session: Session, *, seed: int = 7, weeks: int = 4, start: date
) -> DemoSummary:
    """Load the demo center into ``session``'s empty, migrated database (not committed)."""
    _check_arguments(weeks, start)
    _check_empty(session)
    rng = random.Random(seed)
    members = _add_members(session)
    materials = _add_materials(session)
    compounds = _add_compounds(session, rng, members, materials, start)
    lines = _add_lines(session, compounds)
    rules = _add_changeover_rules(session, lines)
    _add_calendar(session, lines, start, weeks)
    load_seed_tariffs(session)
    _add_cost_model(session, start)
    load_demo_contract(session, start)
    load_seed_factors(session)
    load_seed_prices(session)
    orders = _add_orders(session, rng, members, compounds, start, weeks)
    session.flush()
    return _summary(start, weeks, compounds, lines, rules, orders)


# --- checks ----------------------------------------------------------------------------------


def _check_arguments(weeks: int, start: date) -> None:
    problems = []
    if not 1 <= weeks <= MAX_WEEKS:
        problems.append(Problem("weeks", f"must be between 1 and {MAX_WEEKS}", str(weeks)))
    if start.weekday() != 0:
        problems.append(
            Problem(
                "start", "must be a Monday (weeks of orders start on Monday)", start.isoformat()
            )
        )
    if problems:
        raise ValidationFailed(problems)


def _check_empty(session: Session) -> None:
    count = session.scalar(select(func.count()).select_from(Member)) or 0
    if count:
        raise DatabaseNotEmpty(
            f"the database already holds {count} member companies; the demo center is only "
            "loaded into an empty database (point MIXSHARE_DATABASE_URL at a new one)"
        )


# --- members and materials -------------------------------------------------------------------


def _add_members(session: Session) -> dict[str, Member]:
    members = {
        spec.code: Member(
            code=spec.code,
            name=spec.name,
            name_en=spec.name_en,
            products=spec.products,
            priority_weight=spec.priority_weight,
        )
        for spec in MEMBERS
    }
    session.add_all(members.values())
    session.flush()  # compounds and orders need member ids
    return members


def _add_materials(session: Session) -> dict[str, Material]:
    materials = {
        spec.code: Material(
            code=spec.code,
            name=spec.name,
            category=spec.category,
            density=spec.density,
            price_per_kg=spec.price_per_kg,
        )
        for spec in MATERIALS
    }
    session.add_all(materials.values())
    session.flush()  # ingredients need material ids
    return materials


# --- compounds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCompound:
    """A member's compound: its latest version (the one orders use) and how it was made."""

    member: str
    template: RecipeTemplate
    recipe: tuple[Recipe, Recipe]  # (masterbatch, final) of the latest version
    latest: CompoundVersion
    share: float  # relative order volume within the member


def _add_compounds(
    session: Session,
    rng: random.Random,
    members: dict[str, Member],
    materials: dict[str, Material],
    start: date,
) -> list[DemoCompound]:
    compounds = []
    for spec in MEMBERS:
        for rank, (code, template_key) in enumerate(spec.compounds):
            template = TEMPLATES[template_key]
            compound = Compound(member_id=members[spec.code].id, code=code, name=template.name)
            session.add(compound)
            # Members tune fillers and oil to their products, so no two recipes are equal.
            recipe = (_tuned(template.masterbatch, rng), template.final)
            created = _days_before(rng, start, 120, 720)
            version = _version(compound, 1, template, recipe, materials, created)
            session.add(version)
            # The first compounds of a member sell most (roughly 1 : 0.7 : 0.5 : …).
            compounds.append(DemoCompound(spec.code, template, recipe, version, 0.7**rank))
    compounds = _with_second_versions(session, rng, compounds, materials, start)
    session.flush()
    return compounds


def _tuned(recipe: Recipe, rng: random.Random) -> Recipe:
    def tune(code: str, phr: float) -> float:
        if code not in TUNABLE_MATERIALS:
            return phr
        step = 5.0 if phr >= 20 else 2.0
        return max(step, phr + step * rng.choice((-1, 0, 0, 1)))

    return tuple((code, tune(code, phr)) for code, phr in recipe)


def _days_before(rng: random.Random, start: date, low: int, high: int) -> datetime:
    day = start - timedelta(days=rng.randint(low, high))
    return datetime.combine(day, time(rng.randint(8, 17), 0))


def _version(
    compound: Compound,
    number: int,
    template: RecipeTemplate,
    recipe: tuple[Recipe, Recipe],
    materials: dict[str, Material],
    created: datetime,
) -> CompoundVersion:
    masterbatch, final = recipe
    version = CompoundVersion(
        version=number,
        created_at=created,
        polymer_family=_main_polymer_family(masterbatch),
        colour_class=template.colour_class,
        staining=any(code in STAINING_MATERIALS for code, _ in masterbatch + final),
        density=_density(masterbatch + final, materials),
        has_remill=template.has_remill,
        has_final=bool(final),
        max_dump_temp_c=template.max_dump_temp_c,
        min_rest_minutes=template.min_rest_minutes,
        max_age_minutes=MAX_AGE_MINUTES,
        shelf_life_minutes=template.shelf_life_days * 24 * 60,
    )
    version.compound = compound
    staged = [("MB", c, p) for c, p in masterbatch] + [("FB", c, p) for c, p in final]
    version.ingredients = [
        Ingredient(stage=stage, position=position, material_id=materials[code].id, phr=phr)
        for position, (stage, code, phr) in enumerate(staged, start=1)
    ]
    return version


def _main_polymer_family(masterbatch: Recipe) -> str:
    """The family with the most phr in the masterbatch (the first listed on a tie)."""
    phr_by_family: dict[str, float] = {}
    for code, phr in masterbatch:
        # Polymer codes start with their family (NR-SMR20, SBR1502, NBR3305, …).
        family = next((f for f in POLYMER_FAMILIES if code.startswith(f)), None)
        if family is not None:
            phr_by_family[family] = phr_by_family.get(family, 0.0) + phr
    return max(phr_by_family, key=lambda family: phr_by_family[family])


def _density(recipe: Recipe, materials: dict[str, Material]) -> float:
    """Mixture density: total mass over the sum of the ingredients' volumes."""
    mass = sum(phr for _, phr in recipe)
    volume = sum(phr / materials[code].density for code, phr in recipe)
    return round(mass / volume, 3)


def _with_second_versions(
    session: Session,
    rng: random.Random,
    compounds: list[DemoCompound],
    materials: dict[str, Material],
    start: date,
) -> list[DemoCompound]:
    """A few compounds got a v2 some weeks ago: a faster cure and a little more oil."""
    candidates = [i for i, c in enumerate(compounds) if c.latest.has_final]
    result = list(compounds)
    for index in sorted(rng.sample(candidates, NUMBER_OF_V2_COMPOUNDS)):
        old = compounds[index]
        masterbatch, final = old.recipe
        recipe = (_more_oil(masterbatch), _faster_cure(final))
        created = _days_before(rng, start, 7, 60)
        latest = _version(old.latest.compound, 2, old.template, recipe, materials, created)
        session.add(latest)
        result[index] = replace(old, recipe=recipe, latest=latest)
    return result


def _more_oil(masterbatch: Recipe) -> Recipe:
    """+2 phr of the first oil or plasticiser (softer, easier to process)."""
    oils = [code for code, _ in masterbatch if code in OILS]
    if not oils:
        return masterbatch
    return tuple((c, p + 2.0 if c == oils[0] else p) for c, p in masterbatch)


def _faster_cure(final: Recipe) -> Recipe:
    """+0.2 phr of the first accelerator (or peroxide) of the final stage."""
    boosted = next((code for code, _ in final if code not in ("SULFUR", "ZNO")), None)
    return tuple((c, round(p + 0.2, 2) if c == boosted else p) for c, p in final)


# --- lines, rules, calendar ------------------------------------------------------------------


def _add_lines(session: Session, compounds: Sequence[DemoCompound]) -> list[Line]:
    lines = [_line(spec) for spec in LINES]
    session.add_all(lines)
    session.flush()
    silica_versions = [
        c.latest for c in compounds if any(code == "SILICA" for code, _ in c.recipe[0])
    ]
    for spec, line in zip(LINES, lines, strict=True):
        session.add_all(_silica_overrides(line, spec.silica_mb, silica_versions))
    return lines


def _line(spec: LineSpec) -> Line:
    line = Line(
        code=spec.code,
        name=spec.name,
        mixer_type=spec.mixer_type,
        net_volume_l=spec.net_volume_l,
        rated_power_kw=spec.rated_power_kw,
    )
    line.stage_settings = [
        LineStage(
            stage=s.stage,
            fill_factor=s.fill_factor,
            cycle_minutes=s.cycle_minutes,
            kwh_per_kg=s.kwh_per_kg,
        )
        for s in spec.stages
    ]
    return line


def _silica_overrides(
    line: Line, setting: StageSetting, versions: Sequence[CompoundVersion]
) -> list[LineCompoundStage]:
    return [
        LineCompoundStage(
            line_id=line.id,
            compound_version_id=version.id,
            stage=setting.stage,
            fill_factor=setting.fill_factor,
            cycle_minutes=setting.cycle_minutes,
            kwh_per_kg=setting.kwh_per_kg,
        )
        for version in versions
    ]


def _add_changeover_rules(session: Session, lines: Sequence[Line]) -> list[ChangeoverRule]:
    line_ids = {line.code: line.id for line in lines}
    rules = [
        ChangeoverRule(
            priority=10 * (index + 1),  # gaps leave room for a center's own rules
            name=spec.name,
            line_id=line_ids[spec.line_code] if spec.line_code else None,
            same_compound=spec.same_compound,
            from_family=spec.from_family,
            from_colour=spec.from_colour,
            from_staining=spec.from_staining,
            from_stage=spec.from_stage,
            to_family=spec.to_family,
            to_colour=spec.to_colour,
            to_staining=spec.to_staining,
            to_stage=spec.to_stage,
            forbidden=spec.forbidden,
            minutes=spec.minutes,
            cleaning_batches=spec.cleaning_batches,
            cost=spec.cost,
        )
        for index, spec in enumerate(demo_rule_specs())
    ]
    session.add_all(rules)
    return rules


def _add_calendar(session: Session, lines: Sequence[Line], start: date, weeks: int) -> None:
    calendar = Calendar(name=DEMO_CALENDAR)
    calendar.shifts = [
        Shift(name=name, start_minute=minute, duration_minutes=SHIFT_MINUTES, weekdays="0123456")
        for name, minute in SHIFTS
    ]
    session.add(calendar)
    session.flush()
    for line in lines:
        line.calendar_id = calendar.id
    # One week beyond the orders, so that a plan running late still sees the maintenance.
    covered_weeks = weeks + 1
    session.add_all(_maintenance(lines, start, covered_weeks))
    end = start + timedelta(weeks=covered_weeks)
    session.add_all(Holiday(day=day, name=name) for day, name in HOLIDAYS if start <= day < end)


def _maintenance(lines: Sequence[Line], start: date, weeks: int) -> list[Downtime]:
    weekday_of = {spec.code: spec.maintenance_weekday for spec in LINES}
    downtimes = []
    for week in range(weeks):
        for line in lines:
            day = start + timedelta(weeks=week, days=weekday_of[line.code])
            begin = datetime.combine(day, MAINTENANCE_START)
            downtimes.append(
                Downtime(
                    line_id=line.id,
                    start=begin,
                    end=begin + timedelta(hours=MAINTENANCE_HOURS),
                    kind="maintenance",
                    reason="周保养 weekly planned maintenance",
                )
            )
    return downtimes


# --- orders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftOrder:
    """An order before it has a number (numbers follow the creation time)."""

    member: str
    version: CompoundVersion
    stage: str
    quantity_kg: float
    due_at: datetime
    release_at: datetime
    created_at: datetime

    @property
    def mixing_kg(self) -> float:
        return self.quantity_kg * mixing_passes(self.version, self.stage)


def load_factor(week: int) -> float:
    return WEEKLY_LOAD_FACTORS[week % len(WEEKLY_LOAD_FACTORS)]


def _add_orders(
    session: Session,
    rng: random.Random,
    members: dict[str, Member],
    compounds: Sequence[DemoCompound],
    start: date,
    weeks: int,
) -> list[Order]:
    drafts = []
    for week in range(weeks):
        week_start = start + timedelta(weeks=week)
        target_kg = NAMEPLATE_MIXING_KG_PER_WEEK * load_factor(week)
        drafts.extend(_week_of_orders(rng, compounds, start, week_start, target_kg))
    orders = _numbered(drafts, members)
    session.add_all(orders)
    return orders


def _week_of_orders(
    rng: random.Random,
    compounds: Sequence[DemoCompound],
    start: date,
    week_start: date,
    target_kg: float,
) -> list[DraftOrder]:
    """Orders due in one week until their mixing reaches ``target_kg``."""
    due_days = _working_days(week_start)
    drafts: list[DraftOrder] = []
    mixing_kg = 0.0
    while mixing_kg < target_kg:
        draft = _draft_order(rng, compounds, start, week_start, due_days)
        drafts.append(draft)
        mixing_kg += draft.mixing_kg
    return drafts


def _working_days(week_start: date) -> list[int]:
    """Days of the week (0 = Monday) the center is open; nobody wants delivery on a holiday."""
    closed = [day for day, _ in HOLIDAYS]
    days = [d for d in range(7) if week_start + timedelta(days=d) not in closed]
    return days or list(range(7))


def _draft_order(
    rng: random.Random,
    compounds: Sequence[DemoCompound],
    start: date,
    week_start: date,
    due_days: list[int],
) -> DraftOrder:
    member = rng.choices(MEMBERS, weights=[m.volume_share for m in MEMBERS])[0]
    stage = "masterbatch" if rng.random() < MASTERBATCH_ORDER_SHARE else "final"
    compound = _pick_compound(rng, compounds, member, stage)
    due_at = _due(rng, week_start, due_days)
    created_at = _days_before(rng, start, 4, 7)
    return DraftOrder(
        member=member.code,
        version=compound.latest,
        stage=stage,
        quantity_kg=_order_size_kg(rng),
        due_at=due_at,
        release_at=_release(rng, week_start, due_at),
        created_at=created_at,
    )


def _pick_compound(
    rng: random.Random, compounds: Sequence[DemoCompound], member: MemberSpec, stage: str
) -> DemoCompound:
    """One of the member's own compounds; masterbatch orders prefer masterbatch-only ones."""
    own = [c for c in compounds if c.member == member.code]
    if stage == "final":
        candidates = [c for c in own if c.latest.has_final]
    else:
        candidates = [c for c in own if not c.latest.has_final] or own
    return rng.choices(candidates, weights=[c.share for c in candidates])[0]


def _order_size_kg(rng: random.Random) -> float:
    kg = rng.lognormvariate(math.log(ORDER_SIZE_MEDIAN_KG), ORDER_SIZE_SIGMA)
    return round(min(max(kg, ORDER_SIZE_MIN_KG), ORDER_SIZE_MAX_KG), -2)


def _due(rng: random.Random, week_start: date, due_days: list[int]) -> datetime:
    day = rng.choices(due_days, weights=[DUE_DAY_WEIGHTS[d] for d in due_days])[0]
    # Monday-morning dues could not be met by anyone; Monday night is tight but possible.
    hour = DUE_HOURS[-1] if day == 0 else rng.choice(DUE_HOURS)
    return datetime.combine(week_start + timedelta(days=day), time(hour, 0))


def _release(rng: random.Random, week_start: date, due_at: datetime) -> datetime:
    """Raw materials arrive 1.5–5 days before the due date, at most 3 days before the week."""
    lead = timedelta(hours=rng.uniform(36, 120))
    release = (due_at - lead).replace(minute=0, second=0, microsecond=0)
    earliest = datetime.combine(week_start - timedelta(days=3), time(0, 0))
    return max(release, earliest)


def _numbered(drafts: Sequence[DraftOrder], members: dict[str, Member]) -> list[Order]:
    """Orders numbered ``M03-2611-0041``: member, year and month of creation, sequence."""
    ordered = sorted(drafts, key=lambda d: (d.created_at, d.member, d.due_at))
    sequence: dict[str, int] = {}
    orders = []
    for draft in ordered:
        prefix = f"{draft.member}-{draft.created_at:%y%m}"
        sequence[prefix] = sequence.get(prefix, 0) + 1
        orders.append(
            Order(
                number=f"{prefix}-{sequence[prefix]:04d}",
                member_id=members[draft.member].id,
                compound_version_id=draft.version.id,
                stage=draft.stage,
                quantity_kg=draft.quantity_kg,
                due_at=draft.due_at,
                release_at=draft.release_at,
                status="open",
                created_at=draft.created_at,
            )
        )
    return orders


# --- the fixed-cost model --------------------------------------------------------------------

# Demo values (yuan a month), derived in docs/cost-sharing.md; a real center enters its own.
DEMO_COST_MODEL = {
    "line_fixed_cost": 150_000.0,
    "staff_cost_per_line_shift": 68_000.0,
    "treatment_unit_cost": 80_000.0,
    "lines_per_treatment_unit": 2,
    "overhead_cost": 250_000.0,
    "target_utilisation": 0.85,
    "shift_hours": 8.0,
    "max_shifts": 3,
    "maintenance_hours_per_line": 32.0,
    "source": "demo defaults: 40 M yuan investment over 10 years (domain primer §1), crews of 6",
    "notes": "Verify against the center's accounts before any statement uses them.",
}


def _add_cost_model(session: Session, start: date) -> None:
    """The cost model in force from the month the demo's orders begin."""
    sharing.create(session, {**DEMO_COST_MODEL, "valid_from": start.replace(day=1)})


# --- summary ---------------------------------------------------------------------------------


def _summary(
    start: date,
    weeks: int,
    compounds: Sequence[DemoCompound],
    lines: Sequence[Line],
    rules: Sequence[ChangeoverRule],
    orders: Sequence[Order],
) -> DemoSummary:
    versions = {c.latest.id: c.latest for c in compounds}
    mixing = [0.0] * weeks
    for order in orders:
        week = (order.due_at.date() - start).days // 7
        version = versions[order.compound_version_id]
        mixing[week] += order.quantity_kg * mixing_passes(version, order.stage)
    masterbatch = [o for o in orders if o.stage == "masterbatch"]
    return DemoSummary(
        start=start,
        weeks=weeks,
        members=len(MEMBERS),
        materials=len(MATERIALS),
        compounds=len(compounds),
        versions=len(compounds) + sum(1 for c in compounds if c.latest.version > 1),
        lines=len(lines),
        changeover_rules=len(rules),
        orders=len(orders),
        masterbatch_orders=len(masterbatch),
        tonnes_final=round(sum(o.quantity_kg for o in orders if o.stage == "final") / 1000, 1),
        tonnes_masterbatch=round(sum(o.quantity_kg for o in masterbatch) / 1000, 1),
        mixing_tonnes_per_week=tuple(round(kg / 1000, 1) for kg in mixing),
        load_factors=tuple(load_factor(week) for week in range(weeks)),
    )
