"""Electricity price over time: the problem's TOU periods, repeated week by week past the
horizon (the simulation may run longer than the plan's horizon)."""

from __future__ import annotations

from bisect import bisect_right

from mixshare.engine.problem import PricePeriod
from mixshare.twin.data import WEEK


class PriceCurve:
    def __init__(self, periods: tuple[PricePeriod, ...], horizon: int, fallback: float) -> None:
        self.periods = sorted(periods, key=lambda p: p.start)
        self.starts = [p.start for p in self.periods]
        self.horizon = horizon
        self.fallback = fallback
        # past the horizon the last whole week repeats (tariffs are weekly patterns)
        self.period = WEEK if horizon >= WEEK else max(horizon, 1)

    def _fold(self, minute: float) -> float:
        if minute < self.horizon:
            return minute
        back = ((minute - self.horizon) // self.period + 1) * self.period
        return minute - back

    def price_at(self, minute: float) -> float:
        m = self._fold(minute)
        k = bisect_right(self.starts, m) - 1
        if k >= 0 and self.periods[k].start <= m < self.periods[k].end:
            return self.periods[k].price
        return self.fallback

    def integral(self, start: float, end: float) -> float:
        """Yuan-minutes per kW over ``[start, end)``: sum of price x minutes."""
        total, t = 0.0, start
        while t < end:
            nxt = min(end, self._next_boundary(t))
            total += self.price_at(t) * (nxt - t)
            t = nxt
        return total

    def _next_boundary(self, minute: float) -> float:
        m = self._fold(minute)
        shift = minute - m
        k = bisect_right(self.starts, m) - 1
        candidates = [self.horizon]
        if k >= 0 and self.periods[k].end > m:
            candidates.append(self.periods[k].end)
        if k + 1 < len(self.periods):
            candidates.append(self.periods[k + 1].start)
        nxt = min(c for c in candidates if c > m) if any(c > m for c in candidates) else m + 60
        return nxt + shift
