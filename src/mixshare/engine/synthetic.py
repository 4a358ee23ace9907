"""Realistic synthetic instances of the mixing center, for tests and benchmarks.

Two lines, ~40 compounds (families NR/SBR/BR/EPDM/NBR/CR; colour classes black/light/coloured),
MB -> (remill) -> FB chains with a 4 h rest and a 5 day shelf life, changeovers derived from the
rules of domain.md §4, one 8 h maintenance window per line per week and the Zhejiang 2026 TOU
tariff. Orders are generated until the lot minutes reach ``load`` times the line capacity, so
``load`` around 0.85-0.9 is a near-full week and > 1 an overloaded one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from mixshare.engine.problem import (
    Chain,
    Changeover,
    Interval,
    Line,
    Lot,
    LotOption,
    PricePeriod,
    Problem,
)

DAY = 1440
FAMILIES = ("NR", "SBR", "BR", "EPDM", "NBR", "CR")
SPECIAL = {"EPDM", "NBR", "CR"}  # need a cleaning batch next to general-purpose rubbers
COLOURS = ("black", "light", "coloured")
BASE_PRICE = 0.64
# Zhejiang 2026 (domain.md §7): valley 00-07 and 11-14, peak 16-23, flat otherwise
TOU_2026 = (
    (0, 7, "valley", 0.40),
    (7, 11, "flat", 1.0),
    (11, 14, "valley", 0.40),
    (14, 16, "flat", 1.0),
    (16, 23, "peak", 1.85),
    (23, 24, "flat", 1.0),
)
# minutes per batch by (line, stage)
CYCLE = {
    ("L1", "MB"): 3.0,
    ("L2", "MB"): 3.2,
    ("L1", "FB"): 2.6,
    ("L2", "FB"): 2.2,
    ("L1", "RM"): 2.4,
    ("L2", "RM"): 2.4,
}
KWH_PER_BATCH = {"MB": 66.0, "RM": 40.0, "FB": 45.0}


@dataclass(frozen=True)
class Compound:
    name: str
    family: str
    colour: str


def compounds(n: int = 40, seed: int = 7) -> list[Compound]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        fam = FAMILIES[k % len(FAMILIES)]
        colour = rng.choices(COLOURS, weights=(6, 2, 2))[0]
        out.append(Compound(f"C{k:02d}", fam, colour))
    return out


def _rule(a: Compound, sa: str, b: Compound, sb: str) -> Changeover | None:
    """Priority-ordered changeover rules (first match wins), domain.md §4."""
    if a.name == b.name and sa == sb:
        return Changeover(0)
    if a.family == "CR" and b.colour == "light":
        return None  # forbidden: chloroprene residue discolours light compounds
    minutes, cleaning = 10, 0
    if a.name == b.name:
        minutes = 5  # same compound, next stage: only the recipe switch
    if (a.family in SPECIAL) != (b.family in SPECIAL) or (
        a.family in SPECIAL and a.family != b.family
    ):
        cleaning += 1
    if sa in ("FB",) and sb == "MB":
        cleaning += 1  # curative contamination of a masterbatch
    if a.colour == "black" and b.colour != "black":
        minutes += 40  # manual chamber cleaning
    elif a.colour == "coloured" and b.colour == "light":
        minutes += 15
    minutes += 3 * cleaning  # a cleaning batch takes about one cycle
    return Changeover(min(minutes, 60), cleaning, 2.0 * minutes + 450.0 * cleaning)


def changeover_matrix(comps: list[Compound]) -> dict[str, dict[str, Changeover | None]]:
    keys = [(c, s) for c in comps for s in ("MB", "RM", "FB")]
    return {
        f"{a.name}/{sa}": {f"{b.name}/{sb}": _rule(a, sa, b, sb) for b, sb in keys}
        for a, sa in keys
    }


def tou_prices(days: int, base: float = BASE_PRICE) -> tuple[PricePeriod, ...]:
    return tuple(
        PricePeriod(d * DAY + s * 60, d * DAY + e * 60, round(base * mult, 4), name)
        for d in range(days)
        for s, e, name, mult in TOU_2026
    )


def _lines(days: int, matrix: dict[str, dict[str, Changeover | None]]) -> tuple[Line, ...]:
    out = []
    for li, lid in enumerate(("L1", "L2")):
        days_in = [w * 7 * DAY + (1 + 2 * li) * DAY for w in range((days + 6) // 7)]
        maint = tuple(
            Interval(d + 8 * 60, d + 16 * 60) for d in days_in if d + 16 * 60 <= days * DAY
        )
        out.append(Line(lid, matrix, initial_key="C00/MB" if li == 0 else None, unavailable=maint))
    return tuple(out)


def _stages(rng: random.Random) -> tuple[str, ...]:
    r = rng.random()
    if r < 0.70:
        return ("MB", "FB")
    if r < 0.85:
        return ("MB", "RM", "FB")
    if r < 0.95:
        return ("MB",)
    return ("FB",)


def _batches(rng: random.Random) -> int:
    if rng.random() < 0.03:
        return rng.randint(30, 140)
    return rng.randint(10, 14)


def _order(
    rng: random.Random, k: int, comp: Compound, days: int
) -> tuple[list[Lot], list[Chain], int]:
    stages = _stages(rng)
    batches = _batches(rng)
    horizon = days * DAY
    release = 0 if rng.random() < 0.4 else rng.randrange(0, int(horizon * 0.8))
    member = f"M{rng.randrange(10):02d}"
    weight = float(rng.choice((1, 1, 2, 3)))
    only = rng.random()
    lots, chains, minutes = [], [], 0
    for si, st in enumerate(stages):
        lines = ("L1", "L2") if only > 0.15 else (("L1",) if st == "MB" else ("L2",))
        opts = tuple(
            LotOption(
                ln, batches, max(1, round(CYCLE[(ln, st)] * batches)), KWH_PER_BATCH[st] * batches
            )
            for ln in lines
        )
        minutes += max(o.minutes for o in opts)
        lots.append(
            Lot(
                f"O{k:04d}-{st}",
                f"O{k:04d}",
                member,
                f"{comp.name}/{st}",
                opts,
                release=release if si == 0 else 0,
                weight=weight,
            )
        )
        if si:
            chains.append(Chain(lots[si - 1].id, lots[si].id, 240, 7200))
    slack = rng.randint(12 * 60, 4 * DAY)
    due = release + minutes + 240 * (len(stages) - 1) + slack
    last = lots[-1]
    lots[-1] = Lot(
        last.id,
        last.order,
        last.member,
        last.setup_key,
        last.options,
        last.release,
        due,
        last.weight,
    )
    return lots, chains, sum(min(o.minutes for o in lot.options) for lot in lots)


def generate(days: int = 7, load: float = 0.88, seed: int = 0, n_compounds: int = 40) -> Problem:
    """A synthetic center of ``days`` days at ``load`` times the available line minutes."""
    rng = random.Random(seed)
    comps = compounds(n_compounds)
    matrix = changeover_matrix(comps)
    lines = _lines(days, matrix)
    capacity = sum(days * DAY - sum(iv.end - iv.start for iv in ln.unavailable) for ln in lines)
    popularity = [rng.random() ** 2 for _ in comps]  # a few compounds dominate, as in practice
    lots: list[Lot] = []
    chains: list[Chain] = []
    used, k = 0, 0
    while used < load * capacity:
        comp = rng.choices(comps, weights=popularity)[0]
        o_lots, o_chains, minutes = _order(rng, k, comp, days)
        lots.extend(o_lots)
        chains.extend(o_chains)
        used += minutes
        k += 1
    return Problem(
        horizon=days * DAY,
        lines=lines,
        lots=tuple(lots),
        chains=tuple(chains),
        prices=tou_prices(days),
    )
