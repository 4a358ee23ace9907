"""Stored orders, lines, calendars and tariffs → the engine's plain :class:`Problem`."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mixshare.compounds.changeovers import (
    StageAttributes,
    changeover_matrix,
    runnable_on_line,
    stage_attributes,
)
from mixshare.compounds.models import ChangeoverRule, CompoundVersion
from mixshare.engine.earliest import Stage
from mixshare.engine.problem import (
    Chain,
    Interval,
    Lot,
    LotOption,
    Objective,
    Placement,
    PricePeriod,
    Problem,
    Weights,
)
from mixshare.engine.problem import Line as EngineLine
from mixshare.lines import calendars
from mixshare.lines import service as lines_service
from mixshare.lines.models import Line, LineCompoundStage
from mixshare.orders import service as orders_service
from mixshare.orders.models import Order
from mixshare.planning import prices as planning_prices
from mixshare.planning.models import Plan, PlanLot
from mixshare.tariffs.service import PriceSpan, hourly_prices

PLANNABLE_STATUSES = ("open", "planned")
# A lot longer than this is split into equal lots so it cannot block a line for days.
MAX_LOT_KG = 40_000.0


@dataclass(frozen=True)
class LotInfo:
    """What the database knows about one engine lot."""

    code: str
    order: Order
    # The order's name in plans: its number, with the member code if another member shares it.
    order_reference: str
    version: CompoundVersion
    stage: str
    kg: float
    attributes: StageAttributes


@dataclass
class PlanningInput:
    """An engine problem plus the mapping back to stored objects."""

    problem: Problem
    start: datetime
    end: datetime
    lots: dict[str, LotInfo]
    orders: list[Order]
    lines: dict[str, Line]
    prices: list[PriceSpan]
    # Orders selected for the horizon whose stages no line may run at all.
    excluded: list[Order] = field(default_factory=list)
    # Orders with a stage that no line it may run on is free long enough for in the horizon
    # (outages, maintenance, holidays): left unplanned so the rest can be planned.
    unavailable: list[Order] = field(default_factory=list)
    # Per order id: its stages with their lines and rest windows, the minute its material is
    # there, and what stops it if no line may run a stage (for the unplanned reasons).
    order_stages: dict[int, tuple[Stage, ...]] = field(default_factory=dict)
    order_release: dict[int, int] = field(default_factory=dict)
    no_line_detail: dict[int, str] = field(default_factory=dict)
    # The planning prices version the money figures use (its code).
    price_version: str = ""

    def line_unavailable(self) -> dict[str, tuple[Interval, ...]]:
        return {line.id: line.unavailable for line in self.problem.lines}

    def minutes(self, moment: datetime) -> int:
        return int((moment - self.start).total_seconds() // 60)

    def moment(self, minutes: int) -> datetime:
        return self.start + timedelta(minutes=minutes)


def stage_kg(version: CompoundVersion, stage_wanted: str, kg: float) -> dict[str, float]:
    """Kilograms mixed in each stage for an order of ``kg`` of the wanted stage.

    The final batch adds curatives to the masterbatch, so the masterbatch weighs the ordered
    final weight times the masterbatch's share of the total phr.
    """
    if stage_wanted == "masterbatch" or not version.has_final:
        return {"MB": kg}
    mb_phr, fb_phr = version.phr_total("MB"), version.phr_total("FB")
    mb_kg = kg * mb_phr / (mb_phr + fb_phr) if mb_phr > 0 else kg
    stages = {"MB": mb_kg}
    if version.has_remill:
        stages["RM"] = mb_kg
    stages["FB"] = kg
    return stages


def select_orders(session: Session, start: datetime, end: datetime) -> list[Order]:
    """Orders to plan: not finished or cancelled, released before the horizon ends, due
    before it ends (or already overdue)."""
    query = (
        select(Order)
        .where(Order.status.in_(PLANNABLE_STATUSES), Order.due_at < end)
        .where((Order.release_at.is_(None)) | (Order.release_at < end))
        .options(selectinload(Order.compound_version).selectinload(CompoundVersion.ingredients))
        .order_by(Order.due_at, Order.number)
    )
    return list(session.scalars(query))


def lot_options(
    session: Session,
    lines: list[Line],
    rules: list[ChangeoverRule],
    info: LotInfo,
    overrides: dict[tuple[int, str], LineCompoundStage] | None = None,
) -> tuple[LotOption, ...]:
    """How ``info`` would run on each line that may run it (``overrides``: the compound's
    line settings, read here when not given)."""
    if overrides is None:
        overrides = lines_service.compound_overrides(session, info.version)
    options = []
    for line in lines:
        setting = lines_service.stage_setting(
            line, info.stage, overrides.get((line.id, info.stage))
        )
        if setting is None or not runnable_on_line(rules, line.id, info.attributes):
            continue
        run = lines_service.stage_run(line, info.version.density, setting, info.kg)
        options.append(LotOption(line.code, run.batches, run.minutes, round(run.kwh, 3)))
    return tuple(options)


def order_lot_parts(order: Order, reference: str) -> list[list[LotInfo]]:
    """The order's lots, one list per split part, each in stage order, coded
    ``<reference>/<stage>[#part]``."""
    version = order.compound_version
    kgs = stage_kg(version, order.stage, order.quantity_kg)
    parts = max(1, math.ceil(max(kgs.values()) / MAX_LOT_KG))
    result = []
    for part in range(parts):
        suffix = f"#{part + 1}" if parts > 1 else ""
        result.append(
            [
                LotInfo(
                    code=f"{reference}/{stage}{suffix}",
                    order=order,
                    order_reference=reference,
                    version=version,
                    stage=stage,
                    kg=kg / parts,
                    attributes=stage_attributes(version, stage),
                )
                for stage, kg in kgs.items()
            ]
        )
    return result


def _price_periods(prices: list[PriceSpan], start: datetime) -> tuple[PricePeriod, ...]:
    return tuple(
        PricePeriod(
            int((p.start - start).total_seconds() // 60),
            int((p.end - start).total_seconds() // 60),
            p.price,
            p.period,
        )
        for p in prices
    )


def unavailable_minutes(
    session: Session, line: Line, window: tuple[datetime, datetime]
) -> tuple[Interval, ...]:
    """The line's unavailable spans in the window, as minutes from its start."""
    start, end = window
    spans = calendars.unavailable(session, line, start, end)
    return tuple(
        Interval(int((s - start).total_seconds() // 60), int((e - start).total_seconds() // 60))
        for s, e in spans
        if int((e - start).total_seconds() // 60) > int((s - start).total_seconds() // 60)
    )


def _engine_line(
    line: Line,
    rules: list[ChangeoverRule],
    stages: list[StageAttributes],
    unavailable: tuple[Interval, ...],
    initial_key: str | None,
) -> EngineLine:
    return EngineLine(
        id=line.code,
        changeovers=changeover_matrix(rules, line.id, stages),
        initial_key=initial_key,
        unavailable=unavailable,
    )


def fits_somewhere(
    unavailable: tuple[Interval, ...], horizon: int, release: int, minutes: int
) -> bool:
    """Whether ``minutes`` of free time in one piece exist between ``release`` and the
    horizon's end on a line with these unavailable spans."""
    free_from = release
    for span in sorted(unavailable, key=lambda i: i.start):
        if span.start - free_from >= minutes:
            return True
        free_from = max(free_from, span.end)
    return horizon - free_from >= minutes


def _runnable_in_horizon(
    lots: list[Lot], unavailable: dict[str, tuple[Interval, ...]], horizon: int
) -> bool:
    """Every lot has an eligible line that is free long enough for it somewhere."""
    return all(
        any(
            fits_somewhere(unavailable[o.line], horizon, lot.release, o.minutes)
            for o in lot.options
        )
        for lot in lots
    )


def _initial_keys(previous: Plan | None, start: datetime) -> dict[str, str]:
    """Each line's setup at ``start``: the last lot the previous plan ran before it."""
    if previous is None:
        return {}
    keys: dict[str, tuple[datetime, str]] = {}
    for lot in previous.lots:
        if lot.start < start:
            version = lot.compound_version
            key = stage_attributes(version, lot.stage).key
            line_code = lot.line.code
            if line_code not in keys or keys[line_code][0] < lot.start:
                keys[line_code] = (lot.start, key)
    return {line: key for line, (_, key) in keys.items()}


def _chain_lags(infos: list[LotInfo], options: dict[str, tuple[LotOption, ...]]) -> list[Chain]:
    """MB → (RM) → FB chains with the rest window of the compound.

    The engine's lag runs from the end of one lot to the start of the next; the compound's
    maximum age runs from each batch's end to the batch that consumes it, so the longest
    possible durations of both lots are taken off to stay safe for every batch.
    """
    chains = []
    for pred, succ in itertools.pairwise(infos):
        version = pred.version
        longest = max((o.minutes for o in options[pred.code]), default=0) + max(
            (o.minutes for o in options[succ.code]), default=0
        )
        max_lag = max(version.min_rest_minutes, version.max_age_minutes - longest)
        chains.append(Chain(pred.code, succ.code, version.min_rest_minutes, max_lag))
    return chains


def order_stages(
    part: list[LotInfo], options: dict[str, tuple[LotOption, ...]]
) -> tuple[Stage, ...]:
    """One part of an order as the stages :func:`~mixshare.engine.earliest.earliest_finish`
    reads: each stage's lines and the rest window before the next stage."""
    lags = {chain.pred: chain for chain in _chain_lags(part, options)}
    return tuple(
        Stage(
            options[info.code],
            lags[info.code].min_lag if info.code in lags else 0,
            lags[info.code].max_lag if info.code in lags else None,
        )
        for info in part
    )


def no_line_detail(part: list[LotInfo], options: dict[str, tuple[LotOption, ...]]) -> str:
    """Which stage of the order no line may run (stage names and rules, not the lines)."""
    stages = [f"{i.stage} of {i.version.key}" for i in part if not options.get(i.code)]
    return "no line may run stage " + ", ".join(stages) + " (line stages, changeover rules)"


def build_problem(
    session: Session,
    *,
    start: datetime,
    days: int,
    previous: Plan | None = None,
    locked: tuple[Placement, ...] = (),
    objective: Objective = "money",
) -> PlanningInput:
    """Everything the engine needs to plan ``days`` days from ``start``; ``objective``:
    ``money`` (the planning prices in force on the first day) or ``lexicographic``."""
    end = start + timedelta(days=days)
    horizon = days * 24 * 60
    lines = lines_service.get_all(session)
    rules = list(session.scalars(select(ChangeoverRule)))
    unavailable = {line.code: unavailable_minutes(session, line, (start, end)) for line in lines}
    orders = select_orders(session, start, end)
    shared = orders_service.shared_numbers(session)
    infos: dict[str, LotInfo] = {}
    options: dict[str, tuple[LotOption, ...]] = {}
    engine_lots: list[Lot] = []
    chains: list[Chain] = []
    usable_orders: list[Order] = []
    excluded: list[Order] = []
    out_of_time: list[Order] = []
    stages_of: dict[int, tuple[Stage, ...]] = {}
    release_of: dict[int, int] = {}
    no_line: dict[int, str] = {}
    for order in orders:
        parts = order_lot_parts(order, orders_service.plan_reference(order, shared))
        part_options = {i.code: lot_options(session, lines, rules, i) for p in parts for i in p}
        stages_of[order.id] = order_stages(parts[0], part_options)
        release_of[order.id] = release_minutes(order, start)
        if any(not opts for opts in part_options.values()):
            excluded.append(order)
            no_line[order.id] = no_line_detail(parts[0], part_options)
            continue
        order_lots = [
            _engine_lot(info, part_options[info.code], start, position == len(part) - 1)
            for part in parts
            for position, info in enumerate(part)
        ]
        if not _runnable_in_horizon(order_lots, unavailable, horizon):
            out_of_time.append(order)
            continue
        usable_orders.append(order)
        options.update(part_options)
        engine_lots.extend(order_lots)
        for part in parts:
            infos.update((info.code, info) for info in part)
            chains.extend(_chain_lags(part, options))
    stages = list({i.attributes.key: i.attributes for i in infos.values()}.values())
    initial = _initial_keys(previous, start)
    stages += _initial_attributes(session, previous, start)
    prices = hourly_prices(session, start, end)
    engine_lines = tuple(
        _engine_line(line, rules, stages, unavailable[line.code], initial.get(line.code))
        for line in lines
    )
    previous_placements = _previous_placements(previous, start, infos, shared)
    money, price_version = planning_prices.money_prices(session, start.date())
    problem = Problem(
        horizon=horizon,
        lines=engine_lines,
        lots=tuple(engine_lots),
        chains=tuple(chains),
        prices=_price_periods(prices, start),
        locked=_placeable_locks(locked, options, horizon),
        previous=previous_placements,
        weights=Weights(objective=objective),
        money=money,
    )
    return PlanningInput(
        problem=problem,
        start=start,
        end=end,
        lots=infos,
        orders=usable_orders,
        lines={line.code: line for line in lines},
        prices=prices,
        excluded=excluded,
        unavailable=out_of_time,
        order_stages=stages_of,
        order_release=release_of,
        no_line_detail=no_line,
        price_version=price_version,
    )


def _placeable_locks(
    locked: tuple[Placement, ...], options: dict[str, tuple[LotOption, ...]], horizon: int
) -> tuple[Placement, ...]:
    """The frozen placements this problem can keep: lots it plans (a frozen lot of an order
    outside a shorter horizon is not planned again), on a line the lot may run on, inside
    the horizon."""
    kept = []
    for placement in locked:
        option = next((o for o in options.get(placement.lot, ()) if o.line == placement.line), None)
        if option is not None and 0 <= placement.start <= horizon - option.minutes:
            kept.append(placement)
    return tuple(kept)


def release_minutes(order: Order, start: datetime) -> int:
    """Minutes from ``start`` until the order's material is there (0: already there)."""
    if order.release_at is None:
        return 0
    return max(0, int((order.release_at - start).total_seconds() // 60))


def _engine_lot(
    info: LotInfo, options: tuple[LotOption, ...], start: datetime, is_last: bool
) -> Lot:
    order = info.order
    release = release_minutes(order, start)
    due = int((order.due_at - start).total_seconds() // 60) if is_last else None
    return Lot(
        id=info.code,
        order=info.order_reference,
        member=order.member.code,
        setup_key=info.attributes.key,
        options=options,
        release=release,
        due=due,
        weight=order.member.priority_weight,
        urgent=order.urgency == "urgent",
        tonnes=info.kg / 1000.0,
    )


def _initial_attributes(
    session: Session, previous: Plan | None, start: datetime
) -> list[StageAttributes]:
    if previous is None:
        return []
    return [
        stage_attributes(lot.compound_version, lot.stage)
        for lot in previous.lots
        if lot.start < start
    ]


def _previous_placements(
    previous: Plan | None, start: datetime, infos: dict[str, LotInfo], shared: set[str]
) -> tuple[Placement, ...]:
    if previous is None:
        return ()
    placements = []
    for lot in previous.lots:
        code = current_code(lot, shared)
        if code in infos and lot.start >= start:
            minutes = int((lot.start - start).total_seconds() // 60)
            placements.append(Placement(code, lot.line.code, minutes))
    return tuple(placements)


def current_code(lot: PlanLot, shared: set[str]) -> str:
    """A stored lot's code as a plan made now names it: its order's reference gains the
    member code once another member uses the same number (``shared``)."""
    if not shared and ":" not in lot.code:  # the usual case: no order needs renaming
        return lot.code
    stage_part = lot.code.rsplit("/", 1)[-1]
    return f"{orders_service.plan_reference(lot.order, shared)}/{stage_part}"
