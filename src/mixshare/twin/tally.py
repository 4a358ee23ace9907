"""What one arm of one replication counted, per member (and per line for the shared arm).

Energy is kept in units that let assumptions not affecting the dynamics (motor power, load
factor, kWh scale, VOC capture, staff, wages) be changed afterwards without re-simulating:
the shared arm counts the lines' kWh and yuan at the center's own kWh/kg (scaled later by
``shared.kwh_scale``); the standalone arm counts mixing minutes and price x minutes (times
kW x load factor later)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass
class Tally:
    mixed_t: float = 0.0  # tonnes through a mixer, every pass, rework included
    nominal_t: float = 0.0  # tonnes through a mixer the demand needs (no rework)
    delivered_t: float = 0.0  # tonnes of the orders' last stage
    run_min: float = 0.0  # minutes mixing (noise included, repairs excluded)
    repair_min: float = 0.0
    changeover_min: float = 0.0
    cleaning_batches: float = 0.0
    avail_min: float = 0.0  # machine minutes the calendar offers (standalone arm)
    orders: float = 0.0
    on_time: float = 0.0
    completed: float = 0.0
    lead_h: float = 0.0  # sum over completed orders of release -> last lot end, hours
    late_lots: float = 0.0
    energy: float = 0.0  # shared: kWh; standalone: mixing minutes (x kW x load / 60 = kWh)
    energy_cost: float = 0.0  # shared: yuan; standalone: price x minutes (x kW x load / 60)
    machines: float = 0.0

    def add(self, other: Tally) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class ArmResult:
    """One arm of one replication: tallies by member and by line (shared arm)."""

    arm: str
    horizon_min: int
    members: dict[str, Tally] = field(default_factory=dict)
    lines: dict[str, Tally] = field(default_factory=dict)
    events: int = 0  # simulation events processed (for events/s)
    sim_seconds: float = 0.0  # wall time of the simulation alone (engine excluded)
    engine_seconds: float = 0.0
    # the executed schedule: lot -> (line, start, end), for validation against the plan
    executed: dict[str, tuple[str, float, float]] = field(default_factory=dict)

    def member(self, code: str) -> Tally:
        return self.members.setdefault(code, Tally())

    def total(self) -> Tally:
        out = Tally()
        for tally in self.members.values():
            out.add(tally)
        return out
