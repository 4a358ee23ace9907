"""Planning: run the engine on stored data, store versioned plans, compare, freeze, publish."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mixshare.compounds.models import Compound, CompoundVersion
from mixshare.engine.dispatch import dispatch
from mixshare.engine.earliest import earliest_finish
from mixshare.engine.kpis import compute_kpis
from mixshare.engine.problem import (
    OBJECTIVES,
    InfeasibleProblem,
    Objective,
    Placement,
    Problem,
)
from mixshare.engine.solution import Schedule
from mixshare.engine.validate import validate
from mixshare.errors import Conflict, MixshareError, NotFound, ValidationFailed
from mixshare.errors import Problem as InputProblem
from mixshare.lines.models import Downtime, Line
from mixshare.members.models import Member
from mixshare.orders import service as orders_service
from mixshare.orders.models import Order
from mixshare.planning import reasons
from mixshare.planning.models import (
    REASON_LENGTH,
    Plan,
    PlanChangeover,
    PlanLot,
    PlanUnplanned,
)
from mixshare.planning.problem_builder import PlanningInput, build_problem, current_code
from mixshare.planning.utilisation import line_utilisation
from mixshare.settings import now_local

if TYPE_CHECKING:
    from mixshare.engine.bound import CapacityCheck

Progress = Callable[[float, str], None]
METHODS = ("engine", "dispatch")


class PlanningFailed(MixshareError):
    """The engine returned a schedule that breaks a rule; nothing was stored."""


@dataclass(frozen=True)
class LotMove:
    code: str
    before_line: str | None
    after_line: str | None
    before_start: datetime | None
    after_start: datetime | None


@dataclass(frozen=True)
class PlanDiff:
    """What changed between two plans, lot by lot (by lot code)."""

    moved: list[LotMove]
    added: list[str]
    removed: list[str]
    unchanged: int


DISCARDED = "discarded"


def latest_plan(session: Session) -> Plan | None:
    """The newest plan the planner has not discarded (draft or published)."""
    query = select(Plan).where(Plan.status != DISCARDED).order_by(Plan.version.desc())
    return session.scalar(query.limit(1))


def published_plan(session: Session) -> Plan | None:
    """The plan the shop floor works to: what every re-plan keeps stable and frozen."""
    query = select(Plan).where(Plan.status == "published").order_by(Plan.version.desc())
    return session.scalar(query.limit(1))


def discard(session: Session, plan: Plan) -> Plan:
    """Set a draft aside: it is no longer shown by default nor offered for publishing."""
    if plan.status != "draft":
        raise Conflict(f"plan v{plan.version} is {plan.status}: only a draft can be discarded")
    plan.status = DISCARDED
    session.flush()
    return plan


def keep(session: Session, plan: Plan) -> list[Plan]:
    """Keep the draft ``plan`` and discard every other draft (the alternatives it was
    chosen over); returns the discarded plans."""
    if plan.status != "draft":
        raise Conflict(f"plan v{plan.version} is {plan.status}: only a draft can be kept")
    others = select(Plan).where(Plan.status == "draft", Plan.id != plan.id)
    discarded = [discard(session, other) for other in session.scalars(others)]
    return discarded


def get_plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} not found")
    return plan


def get_all(session: Session, *, limit: int = 50, offset: int = 0) -> list[Plan]:
    query = select(Plan).order_by(Plan.version.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Budget:
    """How long the engine searches: ``time_limit`` seconds, or with ``iterations`` a fixed
    amount of work that gives the same plan for the same data and ``seed``."""

    time_limit: float = 10.0
    seed: int | None = 0
    iterations: int | None = None


def _solve(problem: Problem, method: str, budget: Budget, progress: Progress | None) -> Schedule:
    """Plan ``problem``, keeping as many frozen lots where they are as the rules allow.

    Orders the engine finds it cannot plan at all (``strict=False``) come back unplanned and
    the rest is planned. Frozen lots that the rules no longer allow where they stand (e.g. a
    changed calendar, or two frozen stages whose rest time now breaks) are released one
    culprit at a time rather than failing the whole plan.
    """
    for _ in range(len(problem.locked) + 1):
        try:
            return _solve_once(problem, method, budget, progress)
        except InfeasibleProblem as error:
            released = set(error.culprits) & {p.lot for p in problem.locked}
            if not released:
                raise PlanningFailed(f"the orders cannot be planned: {error}") from error
            problem = replace(
                problem, locked=tuple(p for p in problem.locked if p.lot not in released)
            )
    raise AssertionError("unreachable: every retry releases at least one frozen lot")


def _solve_once(
    problem: Problem, method: str, budget: Budget, progress: Progress | None
) -> Schedule:
    if method == "dispatch":
        return dispatch(problem, strict=False)
    # Imported here so commands that never plan do not load the compiled kernels; an engine
    # that fails to load must fail the run, never quietly fall back to the dispatch baseline.
    from mixshare.engine import search

    time_limit = budget.time_limit

    def report(elapsed: float, best: float) -> None:
        # the engine reports seconds since it started; the bar runs from 5 % to 90 %
        if progress is not None:
            share = min(1.0, elapsed / time_limit) if time_limit > 0 else 1.0
            progress(0.05 + 0.85 * share, f"best objective {best:,.0f}")

    schedule: Schedule = search.solve(
        problem,
        time_limit=time_limit,
        seed=budget.seed,
        progress=report,
        strict=False,
        iterations=budget.iterations,
    )
    return schedule


def _locked_placements(
    previous: Plan | None, start: datetime, session: Session
) -> tuple[Placement, ...]:
    """Lots of the previous plan inside its frozen window stay where they are, unless a
    downtime declared since then hits them (then they must move)."""
    if previous is None or previous.frozen_until is None:
        return ()
    shared = orders_service.shared_numbers(session)
    placements = []
    for lot in previous.lots:
        if lot.start < start or lot.start >= previous.frozen_until:
            continue
        if _hits_downtime(session, lot):
            continue
        minutes = int((lot.start - start).total_seconds() // 60)
        placements.append(Placement(current_code(lot, shared), lot.line.code, minutes))
    return tuple(placements)


def _hits_downtime(session: Session, lot: PlanLot) -> bool:
    query = select(func.count(Downtime.id)).where(
        Downtime.line_id == lot.line_id, Downtime.start < lot.end, Downtime.end > lot.start
    )
    return bool(session.scalar(query))


def run_plan(
    session: Session,
    *,
    start: datetime,
    days: int,
    method: str = "engine",
    time_limit: float = 10.0,
    seed: int | None = 0,
    progress: Progress | None = None,
    fresh: bool = False,
    iterations: int | None = None,
    objective: Objective = "money",
) -> Plan:
    """Plan every open order due within ``days`` days of ``start`` and store it as a draft.

    The reference is the published plan (never a draft, which may be a dispatch comparison
    or an alternative the planner has not chosen): its frozen lots stay, and unless
    ``fresh`` the engine moves as few of its other lots as it can. ``fresh`` plans for the
    best objective alone; its moves are still counted against the published plan. The
    schedule is checked by the independent validator before anything is written.
    ``objective``: ``money`` (the sum in yuan of the planning prices) or ``lexicographic``.
    """
    _check_run(method, days, objective)
    reference = published_plan(session)
    planning = _read_input(session, start, days, reference, progress, objective)
    schedule = _planned(planning, method, Budget(time_limit, seed, iterations), progress, fresh)
    if progress:  # the last report comes before any write: the caller commits, then says so
        progress(0.95, "plan checked by the validator; storing")
    return _store(session, planning, schedule, method, reference, fresh=fresh)


def _check_run(method: str, days: int, objective: str = "money") -> None:
    if method not in METHODS:
        raise ValidationFailed([InputProblem("method", f"must be one of {', '.join(METHODS)}")])
    if objective not in OBJECTIVES:
        raise ValidationFailed(
            [InputProblem("objective", f"must be one of {', '.join(OBJECTIVES)}")]
        )
    if days < 1 or days > 56:
        raise ValidationFailed([InputProblem("days", "must be between 1 and 56")])


def _read_input(
    session: Session,
    start: datetime,
    days: int,
    reference: Plan | None,
    progress: Progress | None,
    objective: Objective = "money",
) -> PlanningInput:
    if progress:
        progress(0.0, "reading orders, lines, calendars and tariffs")
    locked = _locked_placements(reference, start, session)
    planning = build_problem(
        session, start=start, days=days, previous=reference, locked=locked, objective=objective
    )
    if progress:
        progress(0.05, f"{len(planning.problem.lots)} lots on {len(planning.lines)} lines")
    return planning


def _planned(
    planning: PlanningInput,
    method: str,
    budget: Budget,
    progress: Progress | None,
    fresh: bool,
) -> Schedule:
    """The validated schedule; ``fresh`` plans without the published plan's positions."""
    problem = replace(planning.problem, previous=()) if fresh else planning.problem
    schedule = _solve(problem, method, budget, progress)
    violations = validate(problem, schedule)
    if violations:
        raise PlanningFailed("the engine's plan breaks rules: " + "; ".join(violations[:5]))
    return schedule


def _store(
    session: Session,
    planning: PlanningInput,
    schedule: Schedule,
    method: str,
    previous: Plan | None,
    *,
    fresh: bool,
) -> Plan:
    """Store ``schedule`` as a draft; its moves are counted against ``previous`` (the
    published plan) whether or not the engine was asked to keep it stable."""
    moves = compute_kpis(planning.problem, schedule).lots_moved
    if fresh:  # the objective and figures of the problem the engine solved
        planning = replace(planning, problem=replace(planning.problem, previous=()))
    kpis = compute_kpis(planning.problem, schedule)
    version = (session.scalar(select(func.max(Plan.version))) or 0) + 1
    check = _capacity(planning.problem)
    objective = planning.problem.weights.objective
    figures = {
        **asdict(kpis),
        **_bound_parts(schedule, objective),
        "lots_moved": moves,
        "stability": "fresh" if fresh else "least-change",
        "planning_prices": planning.price_version,
        **_capacity_figures(check),
    }
    plan = Plan(
        version=version,
        previous_id=previous.id if previous else None,
        created_at=now_local().replace(microsecond=0),
        horizon_start=planning.start,
        horizon_end=planning.end,
        status="draft",
        method=method,
        objective=kpis.objective,
        lower_bound=schedule.lower_bound,
        kpis=figures,
    )
    plan.lots = _plan_lots(planning, schedule)
    plan.changeovers = _plan_changeovers(planning, schedule)
    plan.unplanned = _plan_unplanned(planning, schedule, check)
    session.add(plan)
    unplanned = _unplanned_order_ids(planning, schedule)
    for order in planning.orders:
        if order.status == "open" and order.id not in unplanned:
            order.status = "planned"
    session.flush()
    return plan


def _bound_parts(schedule: Schedule, objective: str) -> dict[str, dict[str, float]]:
    """The engine's lower bound per objective part, so the planner sees how far each part can
    still improve (a bound of 0 proves nothing for its part): money objective in yuan
    (tardiness penalty, cleaning batches + changeover hours, energy); lexicographic in its
    units (weighted tardiness minutes, weighted changeover cost, energy yuan)."""
    names = {
        "lb_tardiness": "weighted_tardiness",
        "lb_setup": "changeover_weighted",
        "lb_energy": "energy_cost",
    }
    if objective == "money":
        names = {
            "lb_tardiness": "tardiness_yuan",
            "lb_setup": "setup_yuan",
            "lb_energy": "energy_cost",
        }
    parts = {
        label: float(value)
        for key, label in names.items()
        if isinstance(value := schedule.stats.get(key), (int, float))
    }
    return {"lower_bound_by_part": parts} if parts else {}


def _capacity(problem: Problem) -> CapacityCheck | None:
    """The engine's capacity check of ``problem`` (None for an empty one)."""
    if not problem.lots:
        return None
    from mixshare.engine.bound import capacity_check  # loads the solver libraries
    from mixshare.engine.model import compile_problem

    return capacity_check(compile_problem(problem))


def _capacity_figures(check: CapacityCheck | None) -> dict[str, dict[str, Any]]:
    """What line capacity alone says about planning every order (engine.bound.capacity_check):
    ``fits`` False proves some order must be left out; True means capacity does not rule a
    plan with every order out, so an unplanned order is the search's shortfall."""
    if check is None:
        return {}
    return {
        "capacity_bound": {
            "fits": check.fits,
            "shortfall_minutes": check.shortfall,
            "work_minutes": check.work,
            "available_minutes": check.available,
        }
    }


def _unplanned_order_ids(planning: PlanningInput, schedule: Schedule) -> set[int]:
    return {planning.lots[code].order.id for code in schedule.unplanned}


def _plan_lots(planning: PlanningInput, schedule: Schedule) -> list[PlanLot]:
    energy = lot_energy_costs(planning.problem, schedule)
    rows = []
    for placed in schedule.lots:
        info = planning.lots[placed.lot]
        option = planning.problem.lot(placed.lot).option(placed.line)
        assert option is not None  # the validator has checked eligibility
        rows.append(
            PlanLot(
                code=placed.lot,
                order_id=info.order.id,
                member_id=info.order.member_id,
                compound_version_id=info.version.id,
                stage=info.stage,
                line_id=planning.lines[placed.line].id,
                batches=option.batches,
                kg=round(info.kg, 3),
                start=planning.moment(placed.start),
                end=planning.moment(placed.end),
                kwh=option.kwh,
                energy_cost=round(energy.get(placed.lot, 0.0), 2),
                locked=any(p.lot == placed.lot for p in planning.problem.locked),
            )
        )
    return rows


def lot_energy_costs(problem: Problem, schedule: Schedule) -> dict[str, float]:
    """Energy cost of each lot, its kWh spread evenly over its run and priced by period."""
    costs: dict[str, float] = {}
    for placed in schedule.lots:
        option = problem.lot(placed.lot).option(placed.line)
        if option is None or placed.end <= placed.start:
            continue
        per_minute = option.kwh / (placed.end - placed.start)
        costs[placed.lot] = sum(
            per_minute * max(0, min(placed.end, p.end) - max(placed.start, p.start)) * p.price
            for p in problem.prices
        )
    return costs


def _plan_changeovers(planning: PlanningInput, schedule: Schedule) -> list[PlanChangeover]:
    return [
        PlanChangeover(
            line_id=planning.lines[c.line].id,
            from_lot_code=c.from_lot,
            to_lot_code=c.to_lot,
            start=planning.moment(c.start),
            end=planning.moment(c.end),
            cleaning_batches=c.cleaning_batches,
            cost=c.cost,
        )
        for c in schedule.changeovers
    ]


def _plan_unplanned(
    planning: PlanningInput, schedule: Schedule, check: CapacityCheck | None = None
) -> list[PlanUnplanned]:
    rows: dict[int, PlanUnplanned] = {}
    for code in schedule.unplanned:
        order = planning.lots[code].order
        row = _unplanned_row(planning, order, placed_alone_is_capacity=True)
        if check is not None and row.reason_code == reasons.NO_CAPACITY:
            note = _capacity_note(check, planning.problem.lot(code).order)
            row.reason = row.reason[: REASON_LENGTH - len(note)] + note
        rows[order.id] = row
    for order in planning.excluded:
        rows[order.id] = PlanUnplanned(
            order_id=order.id,
            reason_code=reasons.NO_ELIGIBLE_LINE,
            reason=planning.no_line_detail.get(order.id, "no line may run one of its stages"),
        )
    for order in planning.unavailable:
        rows[order.id] = _unplanned_row(planning, order, placed_alone_is_capacity=False)
    return list(rows.values())


def _capacity_note(check: CapacityCheck, order: str) -> str:
    """The capacity bound's word on one unplanned order (its engine id), for its detail."""
    if not check.fits:
        return f" [capacity bound: orders need {check.shortfall:,} line-min more than there is]"
    room = check.room.get(order)
    spare = "" if room is None else f", {room:,} line-min spare from its start"
    return f" [capacity bound: it could fit{spare}]"


REASON_DETAILS = {
    reasons.DOES_NOT_FIT_HORIZON: "no line that may run one of its stages is free long enough"
    " before the horizon ends (outages, maintenance, shifts, holidays)",
    reasons.RELEASED_TOO_LATE: "its material arrives at {release}: too late to finish before"
    " the horizon ends on the free lines",
    reasons.REST_WINDOW_IMPOSSIBLE: "no free line time lets a stage follow the one before it"
    " within the compound's rest window ({window})",
    reasons.NO_CAPACITY: "it would fit with the lines to itself (done at the earliest by"
    " {finish}), but not beside the other orders and the frozen lots",
}


def _unplanned_row(
    planning: PlanningInput, order: Order, *, placed_alone_is_capacity: bool
) -> PlanUnplanned:
    """Why ``order`` is unplanned, judged with the lines to itself (see engine.earliest)."""
    stages = planning.order_stages.get(order.id, ())
    release = planning.order_release.get(order.id, 0)
    found = earliest_finish(stages, planning.line_unavailable(), release, planning.problem.horizon)
    if found.finish is not None:
        # with the lines to itself it fits: the engine could not make room for it
        code = reasons.NO_CAPACITY if placed_alone_is_capacity else reasons.DOES_NOT_FIT_HORIZON
    else:
        code = found.reason or reasons.DOES_NOT_FIT_HORIZON
    finish = planning.moment(found.finish) if found.finish is not None else None
    window = ", ".join(f"{s.min_rest}–{s.max_rest} min" for s in stages if s.max_rest is not None)
    detail = REASON_DETAILS.get(code, "").format(
        release=f"{order.release_at:%Y-%m-%d %H:%M}" if order.release_at else "-",
        window=window or "-",
        finish=f"{finish:%Y-%m-%d %H:%M}" if finish else "-",
    )
    return PlanUnplanned(order_id=order.id, reason_code=code, reason=detail[:200])


def plan_diff(session: Session, plan: Plan, previous: Plan | None = None) -> PlanDiff:
    """Lots that moved (line or start), were added or removed since ``previous``."""
    previous = previous or (session.get(Plan, plan.previous_id) if plan.previous_id else None)
    before = {lot.code: lot for lot in previous.lots} if previous else {}
    after = {lot.code: lot for lot in plan.lots}
    moved = []
    for code in sorted(set(before) & set(after)):
        a, b = before[code], after[code]
        if a.line_id != b.line_id or a.start != b.start:
            moved.append(LotMove(code, a.line.code, b.line.code, a.start, b.start))
    return PlanDiff(
        moved=moved,
        added=sorted(set(after) - set(before)),
        removed=sorted(set(before) - set(after)),
        unchanged=len(set(before) & set(after)) - len(moved),
    )


@dataclass(frozen=True)
class UnplannedRow:
    """An unplanned order as lists show it: number, member code, reason code and detail."""

    order_id: int
    number: str
    member_code: str
    reason_code: str
    detail: str
    urgent: bool = False


def unplanned_rows(
    session: Session, plan: Plan | None, order_ids: list[int] | None = None
) -> list[UnplannedRow]:
    """The orders ``plan`` left out (only those in ``order_ids`` when given), by number."""
    if plan is None or order_ids == []:
        return []
    query = (
        select(
            PlanUnplanned.order_id,
            Order.number,
            Member.code,
            PlanUnplanned.reason_code,
            PlanUnplanned.reason,
            Order.urgency == "urgent",
        )
        .join(Order, Order.id == PlanUnplanned.order_id)
        .join(Member, Member.id == Order.member_id)
        .where(PlanUnplanned.plan_id == plan.id)
        .order_by(Order.number, Member.code)
    )
    if order_ids is not None:
        query = query.where(PlanUnplanned.order_id.in_(order_ids))
    return [UnplannedRow(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class Disruption:
    """The line and time a re-plan answers (an outage): lots the published plan had there
    have to move; any other lot that moves is a change the disruption did not force."""

    line: str
    start: datetime
    end: datetime

    def hits(self, line: str, start: datetime, end: datetime) -> bool:
        return line == self.line and start < self.end and end > self.start

    def as_json(self) -> dict[str, str]:
        return {"line": self.line, "start": self.start.isoformat(), "end": self.end.isoformat()}


def disruption_of(session: Session, downtime_id: int | None) -> Disruption | None:
    downtime = session.get(Downtime, downtime_id) if downtime_id is not None else None
    if downtime is None:
        return None
    line = session.get(Line, downtime.line_id)
    code = line.code if line is not None else str(downtime.line_id)
    return Disruption(code, downtime.start, downtime.end)


def run_alternatives(
    session: Session,
    *,
    start: datetime,
    days: int,
    time_limit: float = 10.0,
    seed: int | None = 0,
    progress: Progress | None = None,
    disruption: Disruption | None = None,
    iterations: int | None = None,
    objective: Objective = "money",
) -> tuple[Plan, Plan]:
    """Two drafts for the planner to choose from after a disruption: the least-change plan
    (keeps the published plan's lots where it can) and the best plan (planned afresh).
    Each records the other and the disruption, for :func:`tradeoff`."""
    _check_run("engine", days, objective)
    reference = published_plan(session)
    planning = _read_input(session, start, days, reference, progress, objective)
    budget = Budget(time_limit, seed, iterations)
    # both are planned before either is stored: a write would lock SQLite for the progress
    # reports of the second run
    schedules = [
        _planned(planning, "engine", budget, _scaled(progress, share, 0.45), fresh)
        for share, fresh in ((0.0, False), (0.45, True))
    ]
    if progress:
        progress(0.95, "both plans checked by the validator; storing")
    plans = [
        _store(session, planning, schedule, "engine", reference, fresh=fresh)
        for schedule, fresh in zip(schedules, (False, True), strict=True)
    ]
    least, best = plans
    for plan, other in ((least, best), (best, least)):
        extra: dict[str, Any] = {"alternative_id": other.id}
        if disruption is not None:
            extra["disruption"] = disruption.as_json()
        plan.kpis = {**plan.kpis, **extra}
    session.flush()
    return least, best


def _scaled(progress: Progress | None, offset: float, share: float) -> Progress | None:
    if progress is None:
        return None
    report = progress
    return lambda fraction, message: report(offset + share * fraction, message)


TRADEOFF_KPIS = (
    "weighted_tardiness",
    "late_lots",
    "changeover_hours",
    "energy_cost",
    "unplanned_orders",
)


@dataclass(frozen=True)
class Alternative:
    """One side of a re-plan choice: its figures and its moves against the published plan."""

    plan: Plan
    kpis: dict[str, float]
    moved: list[LotMove]
    moved_outside: int | None  # moves the disruption did not force (None: no disruption)


def tradeoff(session: Session, plan: Plan, other: Plan) -> list[Alternative]:
    """The least-change and the best plan side by side (least change first)."""
    pair = sorted((plan, other), key=lambda p: p.kpis.get("stability") == "fresh")
    return [_alternative(session, p) for p in pair]


def _alternative(session: Session, plan: Plan) -> Alternative:
    reference = session.get(Plan, plan.previous_id) if plan.previous_id else None
    diff = plan_diff(session, plan, reference) if reference else PlanDiff([], [], [], 0)
    raw = plan.kpis.get("disruption")
    outside = None
    if raw and reference is not None:
        disruption = Disruption(
            raw["line"], datetime.fromisoformat(raw["start"]), datetime.fromisoformat(raw["end"])
        )
        before = {lot.code: lot for lot in reference.lots}
        outside = sum(
            1
            for move in diff.moved
            if not disruption.hits(
                move.before_line or "", before[move.code].start, before[move.code].end
            )
        )
    figures = {name: float(plan.kpis.get(name, 0.0)) for name in TRADEOFF_KPIS}
    figures["lots_moved"] = float(plan.kpis.get("lots_moved", len(diff.moved)))
    return Alternative(plan, figures, diff.moved, outside)


def publish(session: Session, plan: Plan) -> Plan:
    """Make ``plan`` the published plan; earlier published plans become superseded."""
    if plan.status == DISCARDED:
        raise Conflict(f"plan v{plan.version} was discarded: plan again to publish")
    for other in session.scalars(select(Plan).where(Plan.status == "published")):
        if other.id != plan.id:
            other.status = "superseded"
    plan.status = "published"
    session.flush()
    return plan


def freeze(session: Session, plan: Plan, hours: float, now: datetime | None = None) -> Plan:
    """Freeze the lots of ``plan`` that start within the next ``hours`` hours."""
    if hours < 0 or hours > 24 * 14:
        raise ValidationFailed([InputProblem("hours", "must be between 0 and 336")])
    moment = max(now or now_local(), plan.horizon_start)
    plan.frozen_until = (moment + timedelta(hours=hours)).replace(microsecond=0)
    for lot in plan.lots:
        lot.locked = lot.start < plan.frozen_until
    session.flush()
    return plan


def plan_lots(session: Session, plan: Plan, member_id: int | None = None) -> list[PlanLot]:
    """The plan's lots by start, with what their readers show (order number, line code,
    compound key) loaded in a few batched queries instead of one query per lot."""
    query = (
        select(PlanLot)
        .where(PlanLot.plan_id == plan.id)
        .options(
            selectinload(PlanLot.line),
            selectinload(PlanLot.order),
            selectinload(PlanLot.member),
            selectinload(PlanLot.compound_version)
            .selectinload(CompoundVersion.compound)
            .selectinload(Compound.member),
        )
        .order_by(PlanLot.start)
    )
    if member_id is not None:
        query = query.where(PlanLot.member_id == member_id)
    return list(session.scalars(query))


def plan_kpis(session: Session, plan: Plan, member_id: int | None = None) -> dict[str, Any]:
    """Figures for reports and the dashboard; a member sees only its own output.

    Grouped in SQL (a plan of a year holds tens of thousands of lots): three queries whatever
    the plan's size.
    """
    mine = [PlanLot.plan_id == plan.id]
    if member_id is not None:
        mine.append(PlanLot.member_id == member_id)
    by_member_stage = (
        select(Member.code, PlanLot.stage, func.sum(PlanLot.kg))
        .join(Member, Member.id == PlanLot.member_id)
        .where(*mine)
        .group_by(Member.code, PlanLot.stage)
    )
    tonnes: dict[str, dict[str, float]] = defaultdict(dict)
    for member, stage, kg in session.execute(by_member_stage):
        tonnes[member][stage] = float(kg) / 1000
    totals = select(func.sum(PlanLot.kwh), func.sum(PlanLot.energy_cost)).where(*mine)
    kwh, cost = session.execute(totals).one()
    figures: dict[str, Any] = {
        "plan_version": plan.version,
        "horizon_start": plan.horizon_start.isoformat(),
        "horizon_end": plan.horizon_end.isoformat(),
        "tonnes_by_member_stage": {m: dict(s) for m, s in sorted(tonnes.items())},
        "on_time_rate": _on_time_rate(session, mine),
        "energy_kwh": round(float(kwh or 0.0), 1),
        "energy_cost": round(float(cost or 0.0), 2),
    }
    if member_id is None:
        figures.update(plan.kpis)
        # the dashboard's definition, over the whole horizon (not the engine's own figure)
        figures["utilisation"] = line_utilisation(
            session, plan, plan.horizon_start, plan.horizon_end
        )
    return figures


def _on_time_rate(session: Session, mine: list[Any]) -> float | None:
    """Share of planned orders whose last lot ends by the order's due date."""
    finish = (
        select(PlanLot.order_id, func.max(PlanLot.end).label("finish"))
        .where(*mine)
        .group_by(PlanLot.order_id)
        .subquery()
    )
    query = (
        select(func.count(), func.count().filter(finish.c.finish <= Order.due_at))
        .select_from(finish)
        .join(Order, Order.id == finish.c.order_id)
    )
    total, on_time = session.execute(query).one()
    if not total:
        return None
    return round(int(on_time or 0) / int(total), 4)
