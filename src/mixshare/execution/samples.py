"""Valid batch documents with realistic 1 Hz curves, for tests, benchmarks and simulators.

A masterbatch curve: the ram goes down, power peaks while the filler is incorporated, the
chamber temperature rises towards the dump temperature (about 150–160 °C); a final batch is
mixed cool and dumps below about 110 °C. Values are rounded to the resolution a PLC reports
(0.1 kW, 0.1 °C, 0.1 mm, 0.01 bar, 0.1 rpm), as real documents carry.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mixshare.settings import CENTER_TIMEZONE

SIGNALS = ("power_kw", "temperature_c", "ram_position_mm", "ram_pressure_bar", "rotor_rpm")


@dataclass(frozen=True)
class IngredientSpec:
    material: str
    target_kg: float
    raw_lot: str | None = None


@dataclass
class BatchFactory:
    """Makes consecutive batch documents of one line, compound and stage.

    ``noise_kg`` is the weighing noise as a fraction of target (0.001 stays well inside the
    ±0.5 % tolerance); ``seed`` makes the documents reproducible.
    """

    line: str
    compound: str
    stage: str
    ingredients: list[IngredientSpec]
    lot: str | None = None
    start: datetime = field(default_factory=lambda: datetime(2026, 12, 7, 8, 0))
    seconds: int = 200
    gap_seconds: int = 20
    operator: str = "zhang.wei"
    noise_kg: float = 0.001
    seed: int = 1
    _count: int = 0
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def next(self, **overrides: Any) -> dict[str, Any]:
        """The next batch document; ``overrides`` replace top-level fields."""
        self._count += 1
        started = self.start + timedelta(
            seconds=(self.seconds + self.gap_seconds) * (self._count - 1)
        )
        samples = curve(self.stage, self.seconds, self._random)
        document: dict[str, Any] = {
            "line": self.line,
            "batch": f"{self.line}-{started:%Y%m%d}-{self._count:04d}",
            "lot": self.lot,
            "compound": self.compound,
            "stage": self.stage,
            "started_at": _iso(started),
            "ended_at": _iso(started + timedelta(seconds=self.seconds)),
            "operator": self.operator,
            "ingredients": [self._weighed(spec) for spec in self.ingredients],
            "consumed": [],
            "dump_temperature_c": samples["temperature_c"][-1],
            "energy_kwh": round(sum(samples["power_kw"]) / 3600, 2),
            "curve": samples,
        }
        document.update(overrides)
        return document

    def _weighed(self, spec: IngredientSpec) -> dict[str, Any]:
        actual = spec.target_kg * (1 + self._random.gauss(0, self.noise_kg))
        return {
            "material": spec.material,
            "raw_lot": spec.raw_lot,
            "target_kg": spec.target_kg,
            "actual_kg": round(actual, 2),
        }


def _iso(local: datetime) -> str:
    return local.replace(tzinfo=CENTER_TIMEZONE).isoformat()


def curve(stage: str, seconds: int, rng: random.Random | None = None) -> dict[str, Any]:
    """A plausible 1 Hz mixing curve of ``seconds`` samples for ``stage`` (MB, RM or FB)."""
    rng = rng or random.Random(0)
    hot = stage != "FB"
    start_c, dump_c = (60.0, rng.uniform(150, 160)) if hot else (45.0, rng.uniform(100, 108))
    peak_kw = rng.uniform(900, 1200) if hot else rng.uniform(500, 700)
    power, temperature, ram, pressure, rpm = [], [], [], [], []
    for t in range(seconds):
        x = t / max(seconds - 1, 1)
        ram_down = x > 0.08
        incorporation = math.exp(-(((x - 0.3) / 0.12) ** 2))
        power.append(round(peak_kw * (0.35 + 0.65 * incorporation) + rng.gauss(0, 8), 1))
        temperature.append(round(start_c + (dump_c - start_c) * x**1.2 + rng.gauss(0, 0.3), 1))
        ram.append(round((20.0 if ram_down else 450.0 * (1 - x / 0.08)) + rng.gauss(0, 0.5), 1))
        pressure.append(round((5.5 if ram_down else 1.0) + rng.gauss(0, 0.05), 2))
        rpm.append(round((50.0 if hot else 30.0) + rng.gauss(0, 0.3), 1))
    return {
        "hz": 1,
        "power_kw": power,
        "temperature_c": temperature,
        "ram_position_mm": ram,
        "ram_pressure_bar": pressure,
        "rotor_rpm": rpm,
    }
