"""The earliest an order can finish with every line to itself, and why it cannot at all.

Used twice: to warn when an order is entered with a due date before it could ever be done,
and to say why the engine left an order unplanned. Other orders are ignored (no capacity
is taken), so the answer is a lower bound: an order due before it will be late whatever
the plan. Plain data in, plain data out (no database, no web).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from mixshare.engine.problem import Interval, LotOption

# A chain whose first stage has more candidate starts than this is judged on these only:
# enough for any real calendar (a start per free span per line), bounded for odd ones.
MAX_FIRST_STARTS = 500


@dataclass(frozen=True)
class Stage:
    """One stage of an order: its lines, and the rest window before the next stage."""

    options: tuple[LotOption, ...]
    min_rest: int = 0  # minutes after this stage before the next may start
    max_rest: int | None = None  # None: the next stage may wait as long as it likes


@dataclass(frozen=True)
class Earliest:
    """``finish`` in minutes from minute 0, or None with ``reason`` (a reason code)."""

    finish: int | None
    reason: str | None = None


def free_start(unavailable: tuple[Interval, ...], earliest: int, minutes: int) -> int:
    """The first start at or after ``earliest`` where ``minutes`` run without touching an
    unavailable span (the line is free for ever after its last span)."""
    start = earliest
    for span in sorted(unavailable, key=lambda i: i.start):
        if span.end <= start:
            continue
        if span.start - start >= minutes:
            return start
        start = max(start, span.end)
    return start


def _first_end(
    stage: Stage, unavailable: dict[str, tuple[Interval, ...]], low: int, high: int | None
) -> int | None:
    """The earliest end of ``stage`` started in ``[low, high]`` on any of its lines."""
    ends = []
    for option in stage.options:
        start = free_start(unavailable.get(option.line, ()), low, option.minutes)
        if high is None or start <= high:
            ends.append(start + option.minutes)
    return min(ends) if ends else None


def _chain_end(
    stages: tuple[Stage, ...], unavailable: dict[str, tuple[Interval, ...]], first_end: int
) -> int | None:
    """The end of the last stage when the first ends at ``first_end`` (each later stage as
    early as its rest window and its lines allow), or None when a rest window is missed."""
    end = first_end
    for before, stage in itertools.pairwise(stages):
        high = None if before.max_rest is None else end + before.max_rest
        found = _first_end(stage, unavailable, end + before.min_rest, high)
        if found is None:
            return None
        end = found
    return end


def _first_stage_ends(
    stage: Stage, unavailable: dict[str, tuple[Interval, ...]], release: int
) -> list[int]:
    """Candidate ends of the first stage: as early as possible on each line, then right
    after each unavailable span (waiting can be what lets a later stage meet its window)."""
    ends = set()
    for option in stage.options:
        spans = unavailable.get(option.line, ())
        starts = {release} | {s.end for s in spans if s.end > release}
        for low in starts:
            ends.add(free_start(spans, low, option.minutes) + option.minutes)
    return sorted(ends)[:MAX_FIRST_STARTS]


def earliest_finish(
    stages: tuple[Stage, ...],
    unavailable: dict[str, tuple[Interval, ...]],
    release: int,
    horizon: int | None = None,
) -> Earliest:
    """The earliest end of the order's last stage, each stage on its fastest free line.

    Reason codes when there is none: ``no_eligible_line`` (a stage no line may run),
    ``rest_window_impossible`` (no placement keeps a rest window), ``released_too_late``
    (it would fit before ``horizon`` if its material were there from minute 0) and
    ``does_not_fit_horizon``.
    """
    if not stages or any(not s.options for s in stages):
        return Earliest(None, "no_eligible_line")
    missed_window = False
    for first_end in _first_stage_ends(stages[0], unavailable, release):
        end = _chain_end(stages, unavailable, first_end)
        if end is None:
            missed_window = True
            continue
        if horizon is None or end <= horizon:
            return Earliest(end)
        break  # later first ends only end later
    if missed_window and (horizon is None or _fits_without_windows(stages, unavailable, horizon)):
        return Earliest(None, "rest_window_impossible")
    too_late = release > 0 and horizon is not None
    if too_late and earliest_finish(stages, unavailable, 0, horizon).finish is not None:
        return Earliest(None, "released_too_late")
    return Earliest(None, "does_not_fit_horizon")


def _fits_without_windows(
    stages: tuple[Stage, ...], unavailable: dict[str, tuple[Interval, ...]], horizon: int
) -> bool:
    """Whether the stages fit before ``horizon`` if rests had no upper limit."""
    loose = tuple(Stage(s.options, s.min_rest, None) for s in stages)
    return earliest_finish(loose, unavailable, 0, horizon).finish is not None
