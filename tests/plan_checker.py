"""An independent checker of exported plans.

It reads only the JSON document of ``mixshare export plan --format json`` and shares no code
with the planner or the engine, so a bug there cannot hide here. It returns every violation
it finds as a sentence naming the lot, line or order.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from datetime import datetime
from typing import Any

Doc = dict[str, Any]


def _t(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time without offset: {text}")
    return moment


def _minutes(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 60


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> bool:
    return a0 < b1 and b0 < a1


def check_plan_document(doc: Doc) -> list[str]:
    problems: list[str] = []
    problems += _check_lots_in_time(doc)
    problems += _check_lines(doc)
    problems += _check_whole_orders(doc)
    problems += _check_rest(doc)
    return problems


def _check_lots_in_time(doc: Doc) -> list[str]:
    start, end = _t(doc["horizon"]["start"]), _t(doc["horizon"]["end"])
    problems = []
    for lot in doc["lots"]:
        s, e = _t(lot["start"]), _t(lot["end"])
        if not start <= s < e <= end:
            problems.append(f"lot {lot['id']} [{s}, {e}) is not inside the horizon")
        if lot["batches"] <= 0 or lot["kg"] <= 0 or lot["kwh"] < 0:
            problems.append(f"lot {lot['id']} has a non-positive batch count or weight")
    return problems


def _setup(doc: Doc, lot: Doc) -> str:
    return f"{lot['compound']}/{lot['stage']}"


def _check_lines(doc: Doc) -> list[str]:
    problems = []
    lines = {line["id"]: line for line in doc["lines"]}
    by_line: dict[str, list[Doc]] = defaultdict(list)
    for lot in doc["lots"]:
        if lot["line"] not in lines:
            problems.append(f"lot {lot['id']} is on unknown line {lot['line']}")
            continue
        by_line[lot["line"]].append(lot)
    changeovers = {(c["line"], c["from_lot"], c["to_lot"]): c for c in doc["changeovers"]}
    for line_id, lots in by_line.items():
        lots.sort(key=lambda x: _t(x["start"]))
        blocked = [(_t(u["start"]), _t(u["end"])) for u in lines[line_id]["unavailable"]]
        problems += _check_unavailable(line_id, lots, doc["changeovers"], blocked)
        for before, after in itertools.pairwise(lots):
            problems += _check_pair(doc, line_id, before, after, changeovers)
    return problems


def _check_unavailable(
    line_id: str, lots: list[Doc], changeovers: list[Doc], blocked: list[tuple[datetime, datetime]]
) -> list[str]:
    problems = []
    busy = [(lot["id"], _t(lot["start"]), _t(lot["end"])) for lot in lots]
    busy += [
        (f"changeover before {c['to_lot']}", _t(c["start"]), _t(c["end"]))
        for c in changeovers
        if c["line"] == line_id
    ]
    for name, s, e in busy:
        for b0, b1 in blocked:
            if _overlap(s, e, b0, b1):
                problems.append(f"{name} on {line_id} overlaps unavailable time {b0}–{b1}")
    return problems


def _check_pair(
    doc: Doc, line_id: str, before: Doc, after: Doc, changeovers: dict[tuple[str, str, str], Doc]
) -> list[str]:
    if _t(after["start"]) < _t(before["end"]):
        return [f"lots {before['id']} and {after['id']} overlap on {line_id}"]
    entry = doc["changeover_matrix"][line_id][_setup(doc, before)][_setup(doc, after)]
    if entry is None:
        return [f"{before['id']} → {after['id']} on {line_id} is a forbidden changeover"]
    if entry["minutes"] == 0 and entry["cleaning_batches"] == 0:
        return []
    change = changeovers.get((line_id, before["id"], after["id"]))
    if change is None:
        return [f"{before['id']} → {after['id']} on {line_id} needs a changeover; none planned"]
    problems = []
    c0, c1 = _t(change["start"]), _t(change["end"])
    if c0 < _t(before["end"]) or c1 > _t(after["start"]):
        problems.append(f"changeover {before['id']} → {after['id']} is not between the lots")
    if _minutes(c0, c1) + 1e-6 < entry["minutes"]:
        problems.append(
            f"changeover {before['id']} → {after['id']} lasts {_minutes(c0, c1):.0f} min,"
            f" the matrix needs {entry['minutes']}"
        )
    if change["cleaning_batches"] < entry["cleaning_batches"]:
        problems.append(f"changeover {before['id']} → {after['id']} lacks cleaning batches")
    return problems


def _parts(doc: Doc) -> dict[tuple[str, str], dict[str, Doc]]:
    """Lots per (order, split part), by stage; lot ids end in ``/STAGE`` or ``/STAGE#k``."""
    parts: dict[tuple[str, str], dict[str, Doc]] = defaultdict(dict)
    for lot in doc["lots"]:
        match = re.search(r"/(MB|RM|FB)(#\d+)?$", lot["id"])
        part = match.group(2) or "" if match else ""
        parts[(lot["order"], part)][lot["stage"]] = lot
    return parts


def _check_whole_orders(doc: Doc) -> list[str]:
    problems = []
    orders = {o["id"]: o for o in doc["orders"]}
    parts = _parts(doc)
    for (order_id, part), stages in parts.items():
        order = orders.get(order_id)
        if order is None:
            problems.append(f"lots of order {order_id} but the order is not listed")
            continue
        wanted = {"MB", "FB"} if order["stage"] == "final" else {"MB"}
        missing = wanted - set(stages)
        if missing:
            problems.append(f"order {order_id}{part} is half-planned: no {sorted(missing)} lot")
    for order_id, order in orders.items():
        if order["stage"] != "final":
            continue
        fb_kg = sum(
            lot["kg"]
            for (o, _), st in parts.items()
            if o == order_id
            for s, lot in st.items()
            if s == "FB"
        )
        if not math.isclose(fb_kg, order["kg"], rel_tol=1e-3):
            problems.append(
                f"order {order_id}: final batches weigh {fb_kg} kg, ordered {order['kg']}"
            )
    return problems


def _batch_ends(lot: Doc) -> list[datetime]:
    s, e, n = _t(lot["start"]), _t(lot["end"]), lot["batches"]
    step = (e - s) / n
    return [s + step * (i + 1) for i in range(n)]


def _batch_starts(lot: Doc) -> list[datetime]:
    s, e, n = _t(lot["start"]), _t(lot["end"]), lot["batches"]
    step = (e - s) / n
    return [s + step * i for i in range(n)]


def _check_rest(doc: Doc) -> list[str]:
    """FIFO: the k-th share of the next stage consumes the same share of the previous one."""
    problems = []
    compounds = {c["id"]: c for c in doc["compounds"]}
    for stages in _parts(doc).values():
        chain = [stages[s] for s in ("MB", "RM", "FB") if s in stages]
        for pred, succ in itertools.pairwise(chain):
            limits = compounds[pred["compound"]]
            problems += _check_fifo(
                pred, succ, limits["min_rest_minutes"], limits["max_age_minutes"]
            )
    return problems


def _check_fifo(pred: Doc, succ: Doc, min_rest: int, max_age: int) -> list[str]:
    ends, starts = _batch_ends(pred), _batch_starts(succ)
    n_p, n_s = len(ends), len(starts)
    for k, begin in enumerate(starts):
        first = math.floor(k * n_p / n_s)
        last = max(first, math.ceil((k + 1) * n_p / n_s) - 1)
        for j in range(first, min(last, n_p - 1) + 1):
            rest = _minutes(ends[j], begin)
            if rest + 1e-6 < min_rest:
                return [
                    f"{succ['id']} batch {k + 1} uses {pred['id']} batch {j + 1} after"
                    f" {rest:.0f} min rest (< {min_rest})"
                ]
            if rest - 1e-6 > max_age:
                return [
                    f"{succ['id']} batch {k + 1} uses {pred['id']} batch {j + 1} aged"
                    f" {rest:.0f} min (> {max_age})"
                ]
    return []
