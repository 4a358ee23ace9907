"""A month's statements, computed from the ledger, the batch records, the lab, the stock and the
cost game under the contract in force. Plain data in and out; nothing is stored here.

What each line charges (also printed on every statement, ``RULES``):

- **tolling**: the contract's fee per tonne for the compound's class (its product class) and
  the stage, × the tonnes mixed in that pass (the ledger's tonnes: every pass counted).
- **energy**: passed through: the TOU cost of the member's own batches, from the energy
  ledger's pricing (:func:`mixshare.ledger.service.price_batches`), one line per TOU period.
- **idle energy**: each line meter's kWh beyond its batches (the ledger's meter
  reconciliation, allocated by the ledger's rule: in proportion to each member's batch kWh on
  that line), priced at the average TOU price of that line's batch energy in the month.
- **cleaning**: each cleaning batch the changeover rules require between two consecutive
  batches on a line (as mixed), charged to the member of the incoming batch.
- **lab tests**: results measured in the month on the member's batches, × the price of the
  test method (or the contract's ``*`` price).
- **storage**: tonne-days in store within the month: from the end of mixing (after the free
  days) until a later batch consumed it, a delivery took it, or the month ended.
- **fixed costs**: the contract's fixed monthly costs, shared in the proportions of the
  contract's rule applied to the month's cost game (:mod:`mixshare.sharing`, demand from the
  batch records).

Cents: every kind of charge is rounded once for the whole month (its total to the cent) and
split over the members' lines by largest remainder, so the statements of a month add up to
the month's totals exactly, and the energy lines to the energy ledger's total cost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from mixshare.billing import contracts
from mixshare.billing.models import ContractVersion
from mixshare.compounds.changeovers import (
    RulePattern,
    changeover_of,
    first_match,
    rules_for_line,
    stage_attributes,
)
from mixshare.compounds.models import ChangeoverRule, Compound, CompoundVersion
from mixshare.costshare.allocation import largest_remainder
from mixshare.errors import NotFound, Problem, ValidationFailed
from mixshare.execution.models import Batch, BatchConsumption
from mixshare.ledger import service as ledger
from mixshare.ledger.service import BatchEnergy
from mixshare.lines.models import Line
from mixshare.members.models import Member
from mixshare.quality.models import LabResult, TestMethod
from mixshare.settings import now_local
from mixshare.sharing import service as sharing
from mixshare.stock.models import Delivery, DeliveryBatch
from mixshare.tariffs.models import PERIODS
from mixshare.tariffs.service import price_table

CATEGORIES = ("tolling", "energy", "idle_energy", "cleaning", "lab", "storage", "fixed")
CATEGORY_NAMES = {
    "tolling": "加工费 / Tolling",
    "energy": "电费（分时） / Energy (TOU)",
    "idle_energy": "空载与辅机电量 / Idle and auxiliaries",
    "cleaning": "洗车胶 / Cleaning batches",
    "lab": "检验 / Lab tests",
    "storage": "仓储 / Storage",
    "fixed": "固定费用分摊 / Share of the fixed costs",
}
PERIOD_NAMES = {
    "sharp": "尖峰 sharp",
    "peak": "高峰 peak",
    "flat": "平段 flat",
    "valley": "低谷 valley",
    "deep_valley": "深谷 deep valley",
}
STAGE_NAMES = {"MB": "母炼 MB", "RM": "返炼 RM", "FB": "终炼 FB"}
RULES_ZH = {
    "tolling": "合同按胶料类别（产品类别）和段计价的每吨加工费 × 该段混炼吨数（每段都计）",
    "energy": "本成员自己批次的分时电费，按能耗台账计价：每分钟按当时有效的电价版本；"
    "跨电价时段的批次按其功率曲线拆分",
    "idle_energy": "产线电表读数与同期批次电量之差（空载、辅机、损耗），"
    "按各成员在该产线的批次电量比例分摊，按该产线本月批次电量的平均分时电价计价",
    "cleaning": "换产规则要求的每一车洗车胶（按产线上实际相邻的两批判断），由后一批的成员承担",
    "lab": "本月对本成员批次的检验结果数 × 该检验方法的价格（或合同的 * 价格）",
    "storage": "本月内的在库吨·天：自混炼结束加免费天数起，"
    "至被后续批次消耗、发货或月末（或当前时刻）",
    "fixed": "合同的月固定费用，按合同规定的分摊规则在本月成本博弈中的比例分摊（需求取自批次记录）",
    "cents": "每类费用按全月只取整到分一次，再以最大余数法分到各成员，各对账单之和与月合计分毫不差",
}
RULES_EN = {
    "tolling": "contract fee per tonne by compound class (product class) and stage x tonnes "
    "mixed in that pass (every pass counted)",
    "energy": "the TOU cost of the member's own batches as the energy ledger prices them: "
    + ledger.DEFINITIONS["cost"],
    "idle_energy": ledger.ALLOCATION_RULE
    + " Priced at the average TOU price of that line's batch energy in the month.",
    "cleaning": "each cleaning batch the changeover rules require between two consecutive "
    "batches on a line, as mixed, charged to the member of the incoming batch",
    "lab": "lab results measured in the month on the member's batches x the price of the test "
    "method (or the contract's * price)",
    "storage": "tonne-days in store within the month, from the end of mixing plus the free days "
    "until consumed by a later batch, delivered, or the month's end (or now)",
    "fixed": "the contract's fixed monthly costs in the proportions of the contract's sharing "
    "rule applied to the month's cost game (demand from the batch records)",
    "cents": "each kind of charge is rounded to the cent once for the month and split over the "
    "members by largest remainder, so the statements add up to the month's totals exactly",
}
RULES = {name: f"{RULES_ZH[name]} / {text}" for name, text in RULES_EN.items()}
"""How each kind of line is charged, Chinese first, English second (on every statement)."""


class Incomplete(ValidationFailed):
    """The month's data or the contract is missing something a statement needs."""


@dataclass(frozen=True)
class Item:
    """One line of a statement (amount in cents)."""

    category: str
    key: str  # stable within a member's month: what a credit note compares
    description: str
    quantity: float
    unit: str
    unit_price: float
    amount_cents: int

    def read(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "key": self.key,
            "description": self.description,
            "quantity": self.quantity,
            "unit": self.unit,
            "unit_price": self.unit_price,
            "amount": self.amount_cents / 100,
        }


@dataclass(frozen=True)
class FixedShare:
    """Why a member pays its share of the fixed costs."""

    rule: str
    pool: float  # the contract's fixed costs of the month
    game_total: float  # c(N): what the cost model says a center for everyone costs
    stand_alone: float  # c({i})
    shapley: float
    nucleolus: float
    proportional: float
    charge: float  # cents / 100
    tonnes: float
    line_hours: float

    @property
    def saving(self) -> float:
        return round(self.stand_alone - self.charge, 2)

    def read(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "pool": self.pool,
            "game_total": self.game_total,
            "stand_alone": self.stand_alone,
            "shapley": self.shapley,
            "nucleolus": self.nucleolus,
            "proportional": self.proportional,
            "charge": self.charge,
            "saving": self.saving,
            "tonnes": self.tonnes,
            "line_hours": self.line_hours,
        }


@dataclass
class MonthBilling:
    """Every member's statement lines of a month, and the month's totals by kind."""

    month: str
    contract: ContractVersion
    members: dict[str, str]  # code → name, every member
    lines: dict[str, list[Item]]  # member → lines
    fixed: dict[str, FixedShare]
    totals: dict[str, int]  # category → cents for the whole month
    energy_ledger_cost: float  # the energy ledger's total cost of the month (yuan)
    draft_as_of: datetime | None  # the month is not over: figures up to this moment
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def total_cents(self) -> int:
        return sum(self.totals.values())

    def member_total(self, member: str) -> int:
        return sum(item.amount_cents for item in self.lines.get(member, []))


# --- rounding ------------------------------------------------------------------------------


Cell = tuple[str, str]  # member, line key


def _to_cents(values: dict[Cell, float], total: float | None = None) -> dict[Cell, int]:
    """Each cell in cents, adding up to ``total`` (default: the cells' sum) to the cent."""
    keys = sorted(values)
    exact = [values[k] for k in keys]
    target = sum(exact) if total is None else total
    shares = largest_remainder(exact, target)
    return {k: round(v * 100) for k, v in zip(keys, shares, strict=True)}


# --- the pieces ----------------------------------------------------------------------------


def _tariff_problems(session: Session, start: datetime, end: datetime) -> list[Problem]:
    last = (end - timedelta(days=1)).date()
    table = price_table(session, start.date(), last)
    missing: list[date] = []
    day = start.date()
    while day <= last:
        try:
            table.tariff(day)
        except NotFound:
            missing.append(day)
        day += timedelta(days=1)
    if not missing:
        return []
    shown = missing[0].isoformat() + (f" … {missing[-1].isoformat()}" if len(missing) > 1 else "")
    message = f"no electricity tariff in force on {len(missing)} day(s): {shown}"
    return [Problem("tariff", message + " (mixshare import tariffs FILE)")]


def _classes(session: Session) -> dict[str, str]:
    """Compound key as the ledger names it (``M01.CODE``) → compound class (product class)."""
    query = select(Member.code, Compound.code, Compound.product_class).join(
        Member, Member.id == Compound.member_id
    )
    return {f"{m}.{c}": cls for m, c, cls in session.execute(query)}


def _prices(contract: ContractVersion, item: str) -> dict[tuple[str, str], float]:
    return {(p.key, p.stage): p.price for p in contract.prices if p.item == item}


def _tolling(
    batches: list[BatchEnergy], classes: dict[str, str], contract: ContractVersion
) -> tuple[list[tuple[str, Item]], list[Problem]]:
    tonnes: dict[tuple[str, str, str], float] = defaultdict(float)
    for batch in batches:
        tonnes[batch.member, classes.get(batch.compound, "?"), batch.stage] += batch.pass_kg / 1000
    prices = _prices(contract, "tolling")
    problems = []
    missing: dict[tuple[str, str], list[str]] = defaultdict(list)
    exact: dict[Cell, float] = {}
    quantity: dict[Cell, tuple[float, float, str]] = {}
    for (member, cls, stage), t in sorted(tonnes.items()):
        price = prices.get((cls, stage))
        if price is None:
            missing[cls, stage].append(f"{member} {t:.3f} t")
            continue
        key = f"tolling/{cls}/{stage}"
        exact[member, key] = t * price
        quantity[member, key] = (t, price, f"加工费 Tolling {cls} {STAGE_NAMES.get(stage, stage)}")
    for (cls, stage), who in sorted(missing.items()):
        message = (
            f"no tolling price for compound class {cls} at stage {stage}; mixed: " + ", ".join(who)
        )
        problems.append(Problem(f"contract {contract.code}", message))
    cents = _to_cents(exact)
    items = [
        (
            m,
            Item(
                "tolling",
                k,
                quantity[m, k][2],
                round(quantity[m, k][0], 3),
                "t",
                quantity[m, k][1],
                cents[m, k],
            ),
        )
        for m, k in sorted(exact)
    ]
    return items, problems


def _energy(priced: Any, ledger_total: float) -> list[tuple[str, Item]]:
    cost: dict[Cell, float] = defaultdict(float)
    kwh: dict[Cell, float] = defaultdict(float)
    for fact, sums in priced.facts.items():
        member = fact[2]
        for key, energy in sums.kwh_by_key.items():
            period, price, _tariff = priced.keys[key]
            cost[member, f"energy/{period}"] += energy * price
            kwh[member, f"energy/{period}"] += energy
    cents = _to_cents(dict(cost), ledger_total)
    order = {f"energy/{p}": i for i, p in enumerate(PERIODS)}
    items = []
    for member, key in sorted(cost, key=lambda c: (c[0], order.get(c[1], 99))):
        period = key.split("/", 1)[1]
        used = kwh[member, key]
        average = round(cost[member, key] / used, 6) if used else 0.0
        description = f"电费 Energy {PERIOD_NAMES.get(period, period)}"
        item = Item("energy", key, description, round(used, 2), "kWh", average, cents[member, key])
        items.append((member, item))
    return items


def _line_prices(priced: Any) -> dict[str, float]:
    """Average TOU price (yuan/kWh) of each line's batch energy in the month."""
    cost: dict[str, float] = defaultdict(float)
    kwh: dict[str, float] = defaultdict(float)
    for fact, sums in priced.facts.items():
        for key, energy in sums.kwh_by_key.items():
            cost[fact[1]] += energy * priced.keys[key][1]
            kwh[fact[1]] += energy
    return {line: cost[line] / kwh[line] for line in kwh if kwh[line]}


def _idle(
    meters: dict[str, Any], line_prices: dict[str, float], lines_used: dict[str, int], month: str
) -> tuple[list[tuple[str, Item]], list[Problem]]:
    reconciled = {row["line"] for row in meters["lines"]}
    problems = [
        Problem(
            "meter readings",
            f"line {line} mixed {count} batch(es) in {month} but has fewer than two meter "
            "readings in the month (mixshare import meter-readings FILE)",
        )
        for line, count in sorted(lines_used.items())
        if line not in reconciled
    ]
    exact: dict[Cell, float] = {}
    quantity: dict[Cell, tuple[float, float]] = {}
    for row in meters["lines"]:
        price = line_prices.get(row["line"], 0.0)
        for member, kwh in row["allocated_kwh"].items():
            key = f"idle_energy/{row['line']}/{row['meter']}"
            exact[member, key] = kwh * price
            quantity[member, key] = (kwh, price)
    cents = _to_cents(exact)
    items = [
        (
            m,
            Item(
                "idle_energy",
                k,
                f"空载与辅机 Idle and auxiliaries {k.split('/', 1)[1]}",
                round(quantity[m, k][0], 2),
                "kWh",
                round(quantity[m, k][1], 6),
                cents[m, k],
            ),
        )
        for m, k in sorted(exact)
    ]
    return items, problems


def _cleaning_counts(session: Session, start: datetime, end: datetime) -> dict[Cell, int]:
    """(member, ``cleaning/LINE``) → cleaning batches the rules required before the member's
    batches, from each line's sequence of batches as mixed."""
    columns = (Batch.line_id, Line.code, Member.code, Batch.compound_version_id, Batch.stage)
    query = (
        select(*columns)
        .join(Line, Line.id == Batch.line_id)
        .join(Member, Member.id == Batch.member_id)
        .where(Batch.started_at >= start, Batch.started_at < end)
        .order_by(Batch.line_id, Batch.started_at, Batch.id)
    )
    rows = session.execute(query).all()
    previous = _before_month(session, {row[0] for row in rows}, start)
    versions = _versions(session, {row[3] for row in rows} | {v for v, _s in previous.values()})
    rules = list(session.scalars(select(ChangeoverRule)))
    patterns: dict[int, list[tuple[RulePattern, ChangeoverRule]]] = {}
    needed: dict[tuple[int, tuple[int, str], tuple[int, str]], int] = {}
    counts: dict[Cell, int] = defaultdict(int)
    last: dict[int, tuple[int, str] | None] = {line: previous.get(line) for line in previous}
    for line_id, line, member, version_id, stage in rows:
        before, after = last.get(line_id), (version_id, stage)
        last[line_id] = after
        if before is None or before == after:
            continue
        key = (line_id, before, after)
        if key not in needed:
            if line_id not in patterns:
                patterns[line_id] = [(RulePattern.of(r), r) for r in rules_for_line(rules, line_id)]
            a = stage_attributes(versions[before[0]], before[1])
            b = stage_attributes(versions[after[0]], after[1])
            changeover = changeover_of(first_match(patterns[line_id], a, b))
            needed[key] = changeover.cleaning_batches if changeover else 0
        if needed[key]:
            counts[member, f"cleaning/{line}"] += needed[key]
    return counts


def _before_month(
    session: Session, line_ids: Iterable[int], start: datetime
) -> dict[int, tuple[int, str]]:
    found = {}
    for line_id in line_ids:
        row = session.execute(
            select(Batch.compound_version_id, Batch.stage)
            .where(Batch.line_id == line_id, Batch.started_at < start)
            .order_by(Batch.started_at.desc(), Batch.id.desc())
            .limit(1)
        ).first()
        if row is not None:
            found[line_id] = (row[0], row[1])
    return found


def _versions(session: Session, ids: set[int]) -> dict[int, CompoundVersion]:
    query = (
        select(CompoundVersion)
        .where(CompoundVersion.id.in_(ids))
        .options(selectinload(CompoundVersion.compound).selectinload(Compound.member))
    )
    return {v.id: v for v in session.scalars(query)} if ids else {}


def _cleaning(
    session: Session, start: datetime, end: datetime, contract: ContractVersion
) -> list[tuple[str, Item]]:
    price = _prices(contract, "cleaning").get(("", ""), 0.0)
    counts = _cleaning_counts(session, start, end)
    cents = _to_cents({cell: n * price for cell, n in counts.items()})
    return [
        (
            m,
            Item(
                "cleaning",
                k,
                f"洗车胶 Cleaning batches {k.split('/', 1)[1]}",
                counts[m, k],
                "batch",
                price,
                cents[m, k],
            ),
        )
        for m, k in sorted(counts)
    ]


def _lab(
    session: Session, start: datetime, end: datetime, contract: ContractVersion
) -> tuple[list[tuple[str, Item]], list[Problem]]:
    query = (
        select(Member.code, TestMethod.code, func.count(LabResult.id))
        .join(Batch, Batch.id == LabResult.batch_id)
        .join(Member, Member.id == Batch.member_id)
        .join(TestMethod, TestMethod.id == LabResult.test_method_id)
        .where(LabResult.measured_at >= start, LabResult.measured_at < end)
        .group_by(Member.code, TestMethod.code)
    )
    prices = _prices(contract, "lab_test")
    default = prices.get((contracts.ANY_TEST, ""))
    exact: dict[Cell, float] = {}
    quantity: dict[Cell, tuple[int, float]] = {}
    missing: dict[str, int] = defaultdict(int)
    for member, method, count in session.execute(query):
        price = prices.get((method, ""), default)
        if price is None:
            missing[method] += count
            continue
        exact[member, f"lab/{method}"] = count * price
        quantity[member, f"lab/{method}"] = (count, price)
    problems = [
        Problem(
            f"contract {contract.code}",
            f"no lab_test price for test method {method} nor a * price ({n} tests)",
        )
        for method, n in sorted(missing.items())
    ]
    cents = _to_cents(exact)
    items = [
        (
            m,
            Item(
                "lab",
                k,
                f"检验 Lab test {k.split('/', 1)[1]}",
                quantity[m, k][0],
                "test",
                quantity[m, k][1],
                cents[m, k],
            ),
        )
        for m, k in sorted(exact)
    ]
    return items, problems


def _storage(
    session: Session,
    start: datetime,
    end: datetime,
    cutoff: datetime,
    contract: ContractVersion,
    masses: dict[int, float],
) -> list[tuple[str, Item]]:
    """Tonne-days in store within [start, min(end, cutoff)) by member and stage."""
    consumed = (
        select(
            BatchConsumption.consumed_batch_id.label("batch_id"),
            func.min(Batch.started_at).label("at"),
        )
        .join(Batch, Batch.id == BatchConsumption.batch_id)
        .where(BatchConsumption.consumed_batch_id.is_not(None))
        .group_by(BatchConsumption.consumed_batch_id)
        .subquery()
    )
    delivered = (
        select(DeliveryBatch.batch_id.label("batch_id"), Delivery.delivered_at.label("at"))
        .join(Delivery, Delivery.id == DeliveryBatch.delivery_id)
        .subquery()
    )
    stop = min(end, cutoff)
    query = (
        select(
            Batch.id,
            Member.code,
            Batch.stage,
            Batch.ended_at,
            Batch.actual_kg,
            consumed.c.at,
            delivered.c.at,
        )
        .join(Member, Member.id == Batch.member_id)
        .outerjoin(consumed, consumed.c.batch_id == Batch.id)
        .outerjoin(delivered, delivered.c.batch_id == Batch.id)
        .where(Batch.ended_at < stop)
        .where(
            or_(
                and_(consumed.c.at.is_(None), delivered.c.at.is_(None)),
                consumed.c.at > start,
                delivered.c.at > start,
            )
        )
    )
    rows = session.execute(query).all()
    unknown = {r[0]: float(r[4]) for r in rows if r[0] not in masses}
    masses = {**masses, **ledger.pass_masses(session, unknown)} if unknown else masses
    free = timedelta(days=contract.storage_free_days)
    tonne_days: dict[Cell, float] = defaultdict(float)
    for batch_id, member, stage, ended, _kg, used_at, delivered_at in rows:
        out = min([t for t in (used_at, delivered_at) if t is not None], default=stop)
        begin, finish = max(ended + free, start), min(out, stop)
        if finish > begin:
            days = (finish - begin).total_seconds() / 86400
            tonne_days[member, f"storage/{stage}"] += masses[batch_id] / 1000 * days
    price = _prices(contract, "storage").get(("", ""), 0.0)
    cents = _to_cents({cell: td * price for cell, td in tonne_days.items()})
    return [
        (
            m,
            Item(
                "storage",
                k,
                f"仓储 Storage {STAGE_NAMES.get(k.split('/')[1], k)}",
                round(tonne_days[m, k], 3),
                "t·d",
                price,
                cents[m, k],
            ),
        )
        for m, k in sorted(tonne_days)
    ]


def _fixed(
    session: Session, month_start: date, contract: ContractVersion, mixed: bool
) -> tuple[list[tuple[str, Item]], dict[str, FixedShare], list[Problem]]:
    pool = sum(p.price for p in contract.prices if p.item == "fixed")
    if pool == 0:
        return [], {}, []
    message = "no batches were mixed in the month: the fixed costs have no demand to share by"
    if not mixed:  # known before the game is played (its nucleolus is a few LPs)
        return [], {}, [Problem("batches", message)]
    try:
        result = sharing.share(session, month_start, "batches")
    except NotFound as exc:
        return [], {}, [Problem("cost model", str(exc))]
    if result.total <= 0:
        return [], {}, [Problem("batches", message)]
    rule = contract.sharing_rule
    shares = sharing.member_shares(result)
    weights = {(s.member, "fixed"): pool * s.shares[rule] / result.total for s in shares}
    cents = _to_cents(weights, pool)
    explained = {
        s.member: FixedShare(
            rule=rule,
            pool=round(pool, 2),
            game_total=result.total,
            stand_alone=s.stand_alone,
            shapley=s.shares["shapley"],
            nucleolus=s.shares["nucleolus"],
            proportional=s.shares["proportional"],
            charge=cents[s.member, "fixed"] / 100,
            tonnes=s.tonnes,
            line_hours=s.hours,
        )
        for s in shares
    }
    items = [
        (
            s.member,
            Item(
                "fixed",
                "fixed",
                f"固定费用分摊 Share of the fixed costs ({rule})",
                1,
                "month",
                cents[s.member, "fixed"] / 100,
                cents[s.member, "fixed"],
            ),
        )
        for s in shares
        if cents[s.member, "fixed"]
    ]
    return items, explained, []


# --- the month -----------------------------------------------------------------------------


def compute_month(session: Session, month: str, *, now: datetime | None = None) -> MonthBilling:
    """Every member's statement lines of ``month``; ``Incomplete`` lists all that is missing."""
    start, end = ledger.month_window(month)
    contract = contracts.in_force(session, start.date())
    if contract is None:
        message = f"no contract is valid in {month} (mixshare import contract FILE)"
        raise Incomplete([Problem("contract", message)])
    moment = now or now_local()
    problems = _tariff_problems(session, start, end)
    if problems:
        raise Incomplete(problems)
    batches = ledger.month_batches(session, start, end, None)
    try:
        priced = ledger.price_batches(session, batches, start)
    except NotFound as exc:
        raise Incomplete([Problem("tariff", str(exc))]) from exc
    factors = ledger.factor_table(session, start.date(), (end - timedelta(days=1)).date())
    totals_row = ledger.rollup(priced, factors, ())
    ledger_cost = float(totals_row[0][1]["cost_yuan"]) if totals_row else 0.0
    tolling, problems = _tolling(batches, _classes(session), contract)
    lines_used: dict[str, int] = defaultdict(int)
    for batch in batches:
        lines_used[batch.line] += 1
    meters = ledger.reconcile_meters(session, start, end, None)
    idle, idle_problems = _idle(meters, _line_prices(priced), lines_used, month)
    lab, lab_problems = _lab(session, start, end, contract)
    fixed, explained, fixed_problems = _fixed(session, start.date(), contract, bool(batches))
    problems += idle_problems + lab_problems + fixed_problems
    if problems:
        raise Incomplete(problems)
    masses = {b.id: b.pass_kg for b in batches}
    items = [
        *tolling,
        *_energy(priced, ledger_cost),
        *idle,
        *_cleaning(session, start, end, contract),
        *lab,
        *_storage(session, start, end, moment, contract, masses),
        *fixed,
    ]
    return _assemble(session, month, contract, items, explained, ledger_cost, moment, end, meters)


def _assemble(
    session: Session,
    month: str,
    contract: ContractVersion,
    items: list[tuple[str, Item]],
    explained: dict[str, FixedShare],
    ledger_cost: float,
    moment: datetime,
    end: datetime,
    meters: dict[str, Any],
) -> MonthBilling:
    members = dict(session.execute(select(Member.code, Member.name).order_by(Member.code)).all())
    lines: dict[str, list[Item]] = defaultdict(list)
    totals = dict.fromkeys(CATEGORIES, 0)
    for member, item in items:
        lines[member].append(item)
        totals[item.category] += item.amount_cents
    order = {c: i for i, c in enumerate(CATEGORIES)}
    for member_lines in lines.values():
        member_lines.sort(key=lambda i: order[i.category])
    return MonthBilling(
        month=month,
        contract=contract,
        members=members,
        lines=dict(lines),
        fixed=explained,
        totals=totals,
        energy_ledger_cost=ledger_cost,
        draft_as_of=moment if end > moment else None,
        data={"meters": meters["lines"], "meter_rule": meters["rule"]},
    )
