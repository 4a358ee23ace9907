"""Plain output of the scheduling engine: what runs where and when."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScheduledLot:
    lot: str
    line: str
    start: int
    end: int


@dataclass(frozen=True)
class ScheduledChangeover:
    """A changeover on ``line`` between two consecutive lots (``from_lot`` None: from the
    line's initial state). It lies after ``from_lot`` ends and before ``to_lot`` starts."""

    line: str
    from_lot: str | None
    to_lot: str
    start: int
    end: int
    cleaning_batches: int
    cost: float


@dataclass(frozen=True)
class Schedule:
    """Per line, lots in processing order with their changeovers.

    ``unplanned`` lists lots left out; a whole order is either planned or unplanned.
    ``lower_bound`` bounds the weighted objective from below when the engine could prove one.
    """

    lots: tuple[ScheduledLot, ...]
    changeovers: tuple[ScheduledChangeover, ...]
    unplanned: tuple[str, ...] = ()
    objective: float | None = None
    lower_bound: float | None = None
    stats: dict[str, float | int | str] = field(default_factory=dict)

    def sequence(self, line: str) -> list[ScheduledLot]:
        return sorted((s for s in self.lots if s.line == line), key=lambda s: s.start)
