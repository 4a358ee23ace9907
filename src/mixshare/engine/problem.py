"""Plain input data of the scheduling engine.

The engine knows nothing of databases or the web: the planning service translates stored
orders, lines, calendars and tariffs into a :class:`Problem`; the engine returns a
:class:`~mixshare.engine.solution.Schedule`. Times are integer minutes from the start of the
horizon (minute 0); the horizon ends at ``Problem.horizon``.

Every dataclass validates itself on construction and raises ``ValueError`` naming the culprit,
so a bad problem fails before any search starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

OBJECTIVES = ("money", "lexicographic")
Objective = Literal["money", "lexicographic"]


class InfeasibleProblem(ValueError):
    """The problem cannot be planned at all; the message names the culprit lot, chain or line.

    ``culprits`` holds the ids involved so callers (the planning service) can point at them.
    """

    def __init__(self, message: str, culprits: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.culprits = culprits


@dataclass(frozen=True)
class LotOption:
    """How one lot would run on one eligible line."""

    line: str
    batches: int
    minutes: int
    kwh: float

    def __post_init__(self) -> None:
        if self.batches <= 0:
            raise ValueError(f"lot option on line {self.line!r}: batches must be > 0")
        if self.minutes <= 0:
            raise ValueError(f"lot option on line {self.line!r}: minutes must be > 0")
        if self.kwh < 0:
            raise ValueError(f"lot option on line {self.line!r}: kwh must be >= 0")


@dataclass(frozen=True)
class Lot:
    """Consecutive batches of one compound stage of one order, run on one line.

    ``setup_key`` identifies the compound stage for changeovers (for example ``"C17v2/MB"``).
    ``due`` is set on the lots whose completion the member waits for (the last stage of an
    order); tardiness is ``weight * max(0, end - due)``.
    """

    id: str
    order: str
    member: str
    setup_key: str
    options: tuple[LotOption, ...]
    release: int = 0
    due: int | None = None
    weight: float = 1.0
    # A rush order the center decided on: its tardiness weighs ``Weights.urgent_lot`` more.
    urgent: bool = False
    # Tonnes the member waits for (the money objective prices lateness per tonne-hour);
    # None: ``MoneyPrices.tonnes_per_batch`` x the lot's fewest batches.
    tonnes: float | None = None

    def __post_init__(self) -> None:
        if not self.options:
            raise InfeasibleProblem(
                f"lot {self.id!r}: no line may run it (no eligible line)", (self.id,)
            )
        lines = [o.line for o in self.options]
        if len(set(lines)) != len(lines):
            raise ValueError(f"lot {self.id!r}: a line is listed twice in its options")
        if self.release < 0:
            raise ValueError(f"lot {self.id!r}: release must be >= 0")
        if self.weight < 0:
            raise ValueError(f"lot {self.id!r}: weight must be >= 0")
        if self.tonnes is not None and self.tonnes < 0:
            raise ValueError(f"lot {self.id!r}: tonnes must be >= 0")

    def option(self, line: str) -> LotOption | None:
        for opt in self.options:
            if opt.line == line:
                return opt
        return None


@dataclass(frozen=True)
class Chain:
    """Stage precedence: ``succ`` starts ``min_lag``..``max_lag`` minutes after ``pred`` ends.

    ``max_lag`` None means no upper limit.
    """

    pred: str
    succ: str
    min_lag: int = 0
    max_lag: int | None = None

    def __post_init__(self) -> None:
        if self.min_lag < 0:
            raise ValueError(f"chain {self.pred!r}->{self.succ!r}: min_lag must be >= 0")
        if self.max_lag is not None and self.max_lag < self.min_lag:
            raise InfeasibleProblem(
                f"chain {self.pred!r}->{self.succ!r}: lag window [{self.min_lag}, {self.max_lag}]"
                " is empty",
                (self.pred, self.succ),
            )


@dataclass(frozen=True)
class Changeover:
    """What it takes to switch a line from one setup key to another."""

    minutes: int
    cleaning_batches: int = 0
    cost: float = 0.0

    def __post_init__(self) -> None:
        if self.minutes < 0 or self.cleaning_batches < 0 or self.cost < 0:
            raise ValueError("changeover minutes, cleaning batches and cost must be >= 0")


@dataclass(frozen=True)
class Interval:
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"interval [{self.start}, {self.end}) is empty")


@dataclass(frozen=True)
class Line:
    """A mixing line.

    ``changeovers[from_key][to_key]`` is the changeover, or ``None``/missing when forbidden.
    Identical keys need no changeover unless the matrix says otherwise.
    ``initial_key`` is the setup the line is in at minute 0 (None: clean, first lot needs none).
    Lots and changeovers may not overlap ``unavailable`` intervals.
    """

    id: str
    changeovers: dict[str, dict[str, Changeover | None]] = field(default_factory=dict)
    initial_key: str | None = None
    unavailable: tuple[Interval, ...] = ()

    def changeover(self, from_key: str | None, to_key: str) -> Changeover | None:
        """The changeover between two keys; None when forbidden."""
        if from_key is None:
            return Changeover(0)
        row = self.changeovers.get(from_key)
        if row is not None and to_key in row:
            return row[to_key]
        if from_key == to_key:
            return Changeover(0)
        return None


@dataclass(frozen=True)
class PricePeriod:
    """Electricity price (yuan/kWh) over ``[start, end)``; ``name`` is the TOU period."""

    start: int
    end: int
    price: float
    name: str


@dataclass(frozen=True)
class Placement:
    """A lot fixed to a line and a start (locked lot) or a previous plan's position."""

    lot: str
    line: str
    start: int


@dataclass(frozen=True)
class MoneyPrices:
    """The planning prices of the money objective, in yuan (plain data: the planning service
    fills them from the center's versioned planning prices, ``mixshare.planning.prices``).

    The defaults are the demo center's *(default, verify)*: a cleaning batch is its net
    compound (about 330 kg at 4.5 yuan/kg, sold back as scrap at about 1 yuan/kg) plus its
    electricity (about 55 kWh at the flat price); its line time is part of the changeover's
    minutes and priced by ``changeover_hour`` (two operators, the lines' depreciation, idle
    power and auxiliaries). Lateness is a contract penalty per tonne-hour at member priority
    weight 1, scaled by the lot's tardiness weight (member priority, plus
    ``Weights.urgent_lot`` for a rush order). Energy is priced by the problem's TOU prices.
    """

    cleaning_batch: float = 1200.0
    changeover_hour: float = 600.0
    lateness_tonne_hour: float = 20.0
    tonnes_per_batch: float = 0.33

    def __post_init__(self) -> None:
        for name in ("cleaning_batch", "changeover_hour", "lateness_tonne_hour"):
            if getattr(self, name) < 0:
                raise ValueError(f"money price {name} must be >= 0")
        if self.tonnes_per_batch <= 0:
            raise ValueError("money price tonnes_per_batch must be > 0")

    def lot_tonnes(self, lot: Lot) -> float:
        """The lot's tonnes, or its fewest batches at ``tonnes_per_batch`` when unknown."""
        if lot.tonnes is not None:
            return lot.tonnes
        return self.tonnes_per_batch * min(o.batches for o in lot.options)


@dataclass(frozen=True)
class Weights:
    """The objective: ``objective`` ``"money"`` (default) or ``"lexicographic"``.

    Money: the sum in yuan of the lateness penalty, the cleaning batches, the changeover line
    time and the TOU energy (prices in ``Problem.money``; see :meth:`Problem.objective_weights`,
    which turns them into weights of the same form), no tolerance phase; only the re-planning
    stability and unplanned orders keep non-money weights.

    Lexicographic: a weighted objective with a lexicographic tolerance phase. An unplanned
    order outweighs everything; one minute of weighted tardiness (1000) outweighs a moved lot
    (500) when re-planning, which outweighs the energy a lot can save by moving
    between tariff periods (a few hundred yuan); changeover time (10 per minute) and cleaning
    batches sit between tardiness and energy.
    """

    tardiness: float = 1000.0
    changeover_minute: float = 10.0
    cleaning_batch: float = 20.0
    changeover_cost: float = 0.1
    energy_cost: float = 1.0
    moved_lot: float = 500.0
    unplanned_order: float = 1.0e9
    # Lexicographic tolerance (see :func:`mixshare.engine.search.solve`): the last
    # ``tolerance_share`` of the (non-energy) search time minimises changeover time, cleaning
    # batches and changeover cost (weights above) subject to weighted tardiness <= (1 +
    # ``tardiness_tolerance``) x the best weighted tardiness found before, and no more
    # unplanned orders; inside that cap one weighted minute of tardiness costs
    # ``tolerance_tardiness`` (a tie-break). ``tardiness_tolerance`` None disables the phase
    # (pure weighted objective). Not used when re-planning.
    # The default share is large on purpose: on the demo week (60 s, seed 1) shares 0.3 / 0.5 /
    # 0.7 gave 72.4 / 69.5 / 66.9 changeover hours at about the same weighted tardiness (the
    # small setup-focused moves of this phase also keep lowering tardiness under the cap).
    tardiness_tolerance: float | None = 0.25
    tolerance_share: float = 0.7
    tolerance_tardiness: float = 1.0
    # Energy phase (TOU-aware runs): the last ``energy_share`` of the search time minimises the
    # weighted objective including energy cost, with weighted tardiness (and unplanned orders)
    # capped at what the phases before reached: from there on energy never buys tardiness, and
    # is traded against changeovers by their weights. Demo week, 60 s, seeds 0-2, against
    # TOU-blind runs of the same engine (weighted tardiness 1624 / 1814 / 804, energy 124.5k /
    # 127.6k / 126.5k yuan): TOU-blind phases then this phase (share 0.45) saved 29 / 46 / 32 %
    # of the energy ceiling at tardiness 1242 / 3169 / 392; pricing energy and TOU timing from
    # the start as well saved 24 / 54 / 46 % at tardiness 986 / 160 / 443 (kept). Letting the
    # energy phase use the changeover phase's tolerance band instead of this cap (2026-12-01,
    # seeds 0-4, 60 s each): 86 % of the ceiling against 60 %, but weighted tardiness
    # 3175-7918 against blind 510-1339 in all five pairs, so energy stays capped.
    energy_share: float = 0.45
    # Money objective: the share of the energy phase, which starts from the best TOU-blind
    # plan and prices energy (the phases before do not: demo week, seeds 0-4, 60 s, pricing
    # energy from the start ended with a higher total than a TOU-blind run in 4 of 5 seeds,
    # more cleaning batches costing more than the energy saved; 2026-12-02, load 15-25).
    money_energy_share: float = 0.15
    # Re-planning (``Problem.previous`` given): a moved lot costs ``replan_moved_lot`` instead
    # of ``moved_lot`` during the search, i.e. as much as 1000 weighted minutes of tardiness,
    # so lots the disruption does not touch stay where they were (demo week, 6-h outage of L1,
    # 8 s: 1e5 / 1e6 / 1e7 moved about 200 / 107 / 85 lots at weighted tardiness about
    # 30k / 48k / 52k). The reported objective always uses ``moved_lot``.
    replan_moved_lot: float = 1.0e6
    # Rush orders: an urgent lot's tardiness weight is its member's priority weight plus this.
    # Member weights are 0.1-10, so an urgent order of any member outweighs a normal order of
    # every member, and member priority still ranks urgent orders among themselves.
    urgent_lot: float = 20.0
    objective: Objective = "money"

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}")

    def tardiness_weight(self, lot: Lot) -> float:
        """The weight of one minute of ``lot``'s tardiness in the objective."""
        return lot.weight + self.urgent_lot if lot.urgent else lot.weight


@dataclass(frozen=True)
class Problem:
    horizon: int
    lines: tuple[Line, ...]
    lots: tuple[Lot, ...]
    chains: tuple[Chain, ...] = ()
    prices: tuple[PricePeriod, ...] = ()
    locked: tuple[Placement, ...] = ()
    previous: tuple[Placement, ...] = ()
    frozen_until: int = 0
    weights: Weights = Weights()
    money: MoneyPrices = MoneyPrices()

    def __post_init__(self) -> None:
        if self.horizon <= 0:
            raise ValueError("horizon must be > 0")
        line_ids = {line.id for line in self.lines}
        if len(line_ids) != len(self.lines):
            raise ValueError("line ids must be unique")
        lot_ids = {lot.id for lot in self.lots}
        if len(lot_ids) != len(self.lots):
            raise ValueError("lot ids must be unique")
        for lot in self.lots:
            for opt in lot.options:
                if opt.line not in line_ids:
                    raise ValueError(f"lot {lot.id!r}: unknown line {opt.line!r}")
        for chain in self.chains:
            for lot_id in (chain.pred, chain.succ):
                if lot_id not in lot_ids:
                    raise ValueError(
                        f"chain {chain.pred!r}->{chain.succ!r}: unknown lot {lot_id!r}"
                    )
        for placement in self.locked:
            if placement.lot not in lot_ids:
                raise ValueError(f"locked placement: unknown lot {placement.lot!r}")
            if placement.line not in line_ids:
                raise ValueError(f"locked lot {placement.lot!r}: unknown line {placement.line!r}")

    def lateness_per_minute(self, lot: Lot) -> float:
        """Yuan one minute of ``lot``'s lateness costs under the money prices."""
        tonnes = self.money.lot_tonnes(lot)
        return self.weights.tardiness_weight(lot) * tonnes * self.money.lateness_tonne_hour / 60

    def tardiness_weight(self, lot: Lot) -> float:
        """What one minute of ``lot``'s lateness adds to the objective's tardiness term:
        yuan (money) or priority-weighted minutes (lexicographic)."""
        if self.weights.objective == "money":
            return self.lateness_per_minute(lot)
        return self.weights.tardiness_weight(lot)

    def objective_weights(self) -> Weights:
        """The weights the objective uses. Lexicographic: ``weights`` as given. Money: every
        term in yuan (tardiness already in yuan via :meth:`tardiness_weight`; the
        changeover rules' own ``cost`` is not added, it holds the cleaning-batch money the
        ``cleaning_batch`` price counts), no tolerance phase; a moved lot and the re-planning
        stability keep their ratio to one weighted minute of lateness of the mean due lot."""
        w = self.weights
        if w.objective != "money":
            return w
        due = [lot for lot in self.lots if lot.due is not None]
        per_min = (
            sum(self.money.lot_tonnes(x) for x in due)
            / len(due)
            * self.money.lateness_tonne_hour
            / 60
            if due
            else self.money.lateness_tonne_hour / 60
        )
        scale = per_min / w.tardiness if w.tardiness > 0 else 1.0
        return replace(
            w,
            tardiness=1.0,
            changeover_minute=self.money.changeover_hour / 60,
            cleaning_batch=self.money.cleaning_batch,
            changeover_cost=0.0,
            energy_cost=1.0,
            moved_lot=w.moved_lot * scale,
            replan_moved_lot=w.replan_moved_lot * scale,
            tardiness_tolerance=None,
        )

    def without(self, lot_ids: Iterable[str]) -> Problem:
        """This problem minus the given lots, their chains and their placements (e.g. the
        part of the order book a plan with unplanned orders actually covers)."""
        out = set(lot_ids)
        if not out:
            return self
        return replace(
            self,
            lots=tuple(x for x in self.lots if x.id not in out),
            chains=tuple(c for c in self.chains if c.pred not in out and c.succ not in out),
            locked=tuple(x for x in self.locked if x.lot not in out),
            previous=tuple(x for x in self.previous if x.lot not in out),
        )

    def lot(self, lot_id: str) -> Lot:
        for lot in self.lots:
            if lot.id == lot_id:
                return lot
        raise KeyError(lot_id)
