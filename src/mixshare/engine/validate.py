"""Independent schedule validator.

Written from the :class:`~mixshare.engine.problem.Problem` semantics alone, deliberately
without importing anything from the optimizer (``model``, ``dispatch``, ``search``), so a bug in
the optimizer's bookkeeping cannot hide itself. Every test and benchmark judges schedules here.
"""

from __future__ import annotations

from collections import defaultdict

from mixshare.engine.problem import Interval, Line, Lot, Problem
from mixshare.engine.solution import Schedule, ScheduledChangeover, ScheduledLot


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def _hits_unavailable(line: Line, start: int, end: int) -> Interval | None:
    for iv in line.unavailable:
        if _overlaps(start, end, iv.start, iv.end):
            return iv
    return None


def _check_lot(problem: Problem, lot: Lot, s: ScheduledLot, lines: dict[str, Line]) -> list[str]:
    out: list[str] = []
    opt = lot.option(s.line)
    if s.line not in lines:
        return [f"lot {lot.id}: unknown line {s.line}"]
    if opt is None:
        return [f"lot {lot.id}: line {s.line} is not eligible"]
    if s.end - s.start != opt.minutes:
        out.append(f"lot {lot.id}: runs {s.end - s.start} min on {s.line}, needs {opt.minutes}")
    if s.start < lot.release:
        out.append(f"lot {lot.id}: starts {s.start} before its release {lot.release}")
    if s.start < 0 or s.end > problem.horizon:
        out.append(f"lot {lot.id}: [{s.start}, {s.end}) outside horizon [0, {problem.horizon})")
    iv = _hits_unavailable(lines[s.line], s.start, s.end)
    if iv is not None:
        out.append(f"lot {lot.id}: overlaps unavailable [{iv.start}, {iv.end}) of line {s.line}")
    return out


def _check_line(
    line: Line, seq: list[ScheduledLot], cos: list[ScheduledChangeover], lots: dict[str, Lot]
) -> list[str]:
    """Overlaps and changeovers between consecutive lots of one line."""
    out: list[str] = []
    by_pair = {(c.from_lot, c.to_lot): c for c in cos}
    if len(by_pair) != len(cos):
        out.append(f"line {line.id}: duplicate changeover records")
    used: set[tuple[str | None, str]] = set()
    prev: ScheduledLot | None = None
    for cur in seq:
        if prev is not None and cur.start < prev.end:
            out.append(f"line {line.id}: lots {prev.lot} and {cur.lot} overlap")
        from_key = line.initial_key if prev is None else lots[prev.lot].setup_key
        need = line.changeover(from_key, lots[cur.lot].setup_key)
        pair = (None if prev is None else prev.lot, cur.lot)
        rec = by_pair.get(pair)
        used.add(pair)
        what = f"line {line.id}: changeover {pair[0]}->{cur.lot}"
        if need is None:
            out.append(f"{what}: forbidden sequence {from_key}->{lots[cur.lot].setup_key}")
        elif need.minutes > 0 or need.cleaning_batches > 0:
            if rec is None:
                out.append(f"{what}: missing ({need.minutes} min required)")
            else:
                lo = 0 if prev is None else prev.end
                if rec.start < lo or rec.end > cur.start:
                    out.append(f"{what}: [{rec.start}, {rec.end}) not between the two lots")
                if rec.end - rec.start < need.minutes:
                    out.append(f"{what}: {rec.end - rec.start} min < required {need.minutes}")
                if rec.cleaning_batches < need.cleaning_batches:
                    out.append(f"{what}: {rec.cleaning_batches} cleaning batches < required")
                iv = _hits_unavailable(line, rec.start, rec.end)
                if iv is not None:
                    out.append(f"{what}: overlaps unavailable [{iv.start}, {iv.end})")
        prev = cur
    for c in cos:
        if (c.from_lot, c.to_lot) not in used:
            out.append(
                f"line {line.id}: changeover {c.from_lot}->{c.to_lot} between non-neighbours"
            )
    return out


def _check_chains(problem: Problem, placed: dict[str, ScheduledLot]) -> list[str]:
    out: list[str] = []
    for ch in problem.chains:
        p, s = placed.get(ch.pred), placed.get(ch.succ)
        if s is not None and p is None:
            out.append(f"chain {ch.pred}->{ch.succ}: successor planned without predecessor")
        if p is None or s is None:
            continue
        lag = s.start - p.end
        if lag < ch.min_lag:
            out.append(f"chain {ch.pred}->{ch.succ}: lag {lag} < min_lag {ch.min_lag}")
        if ch.max_lag is not None and lag > ch.max_lag:
            out.append(f"chain {ch.pred}->{ch.succ}: lag {lag} > max_lag {ch.max_lag}")
    return out


def _check_fixed(problem: Problem, placed: dict[str, ScheduledLot]) -> list[str]:
    out: list[str] = []
    known = {lot.id for lot in problem.lots}
    frozen = [p for p in problem.previous if p.start < problem.frozen_until and p.lot in known]
    for kind, pl in [("locked", p) for p in problem.locked] + [("frozen", p) for p in frozen]:
        s = placed.get(pl.lot)
        if s is None or s.line != pl.line or s.start != pl.start:
            got = "unplanned" if s is None else f"{s.line}@{s.start}"
            out.append(f"lot {pl.lot}: {kind} at {pl.line}@{pl.start} but plan has {got}")
    return out


def _check_orders(
    problem: Problem, schedule: Schedule, placed: dict[str, ScheduledLot]
) -> list[str]:
    out: list[str] = []
    unplanned = set(schedule.unplanned)
    orders: dict[str, list[str]] = defaultdict(list)
    for lot in problem.lots:
        orders[lot.order].append(lot.id)
        if lot.id in placed and lot.id in unplanned:
            out.append(f"lot {lot.id}: both planned and unplanned")
        if lot.id not in placed and lot.id not in unplanned:
            out.append(f"lot {lot.id}: neither planned nor listed as unplanned")
    for order, ids in orders.items():
        n_placed = sum(1 for i in ids if i in placed)
        if 0 < n_placed < len(ids):
            out.append(f"order {order}: only {n_placed} of {len(ids)} lots planned (half order)")
    return out


def validate(problem: Problem, schedule: Schedule) -> list[str]:
    """Every constraint violation of ``schedule``, each naming the lot, line or chain."""
    lots = {lot.id: lot for lot in problem.lots}
    lines = {line.id: line for line in problem.lines}
    out: list[str] = []
    placed: dict[str, ScheduledLot] = {}
    for s in schedule.lots:
        if s.lot not in lots:
            out.append(f"lot {s.lot}: not in the problem")
        elif s.lot in placed:
            out.append(f"lot {s.lot}: planned twice")
        else:
            placed[s.lot] = s
            out.extend(_check_lot(problem, lots[s.lot], s, lines))
    if out:  # sequence checks below assume well-formed lots
        return out
    for line in problem.lines:
        seq = schedule.sequence(line.id)
        cos = [c for c in schedule.changeovers if c.line == line.id]
        out.extend(_check_line(line, seq, cos, lots))
    for c in schedule.changeovers:
        if c.line not in lines:
            out.append(f"changeover {c.from_lot}->{c.to_lot}: unknown line {c.line}")
    out.extend(_check_chains(problem, placed))
    out.extend(_check_fixed(problem, placed))
    out.extend(_check_orders(problem, schedule, placed))
    return out
