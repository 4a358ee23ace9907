"""Plausible 1 Hz mixing curves of an internal mixer, good and bad, for tests, benchmarks and
the demo's simulated lines.

A masterbatch cycle: the ram is up while the mixer is fed (low power), goes down (pressure
rises), power peaks while the filler is incorporated and falls as the compound plasticises; a
ram sweep lifts the ram for a few seconds half way; the chamber temperature rises with the
energy put in until the batch is dumped. Batches differ in length (±10 %), power level and
noise. The defects change what a lab would later find: ``missing_filler`` (a low power peak
and little energy), ``late_ram`` (the ram stays up 25 s longer), ``overheat`` (cooling water
lost: 12 °C hotter at dump) and ``wrong_speed`` (rotors at 50 instead of 40 rpm).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Defect = Literal["missing_filler", "late_ram", "overheat", "wrong_speed"]
DEFECTS: tuple[Defect, ...] = ("missing_filler", "late_ram", "overheat", "wrong_speed")


def mixing_curve(
    rng: np.random.Generator,
    *,
    seconds: int = 180,
    dump_c: float = 155.0,
    defect: Defect | None = None,
) -> dict[str, list[float]]:
    """One batch's curve: the five signals at 1 Hz, rounded as a line would send them."""
    length = round(seconds * rng.uniform(0.9, 1.1))
    t = np.arange(length, dtype=np.float64)
    ram_down = 15.0 + rng.normal(0, 1.5) + (25.0 if defect == "late_ram" else 0.0)
    sweep = 0.5 * length + rng.normal(0, 3)
    level = rng.normal(1.0, 0.03) * (0.7 if defect == "missing_filler" else 1.0)
    down = 1.0 / (1.0 + np.exp(-(t - ram_down) / 1.5))  # 0: ram up, 1: ram down
    in_sweep = (t > sweep) & (t < sweep + 5)
    down = np.where(in_sweep, 0.2, down)
    progress = np.clip((t - ram_down) / max(length - ram_down, 1.0), 0.0, None)
    peak = np.exp(-(((progress - 0.15) / 0.12) ** 2))
    power = (180 + down * (550 + 650 * peak) * level) + rng.normal(0, 15, length)
    energy = np.cumsum(np.maximum(power, 0)) / 3600.0
    start_c = rng.normal(60, 2)
    rise = (dump_c - start_c) * (energy / energy[-1]) ** 0.9
    rise *= 0.85 if defect == "missing_filler" else 1.0
    temperature = start_c + rise + (12.0 * energy / energy[-1] if defect == "overheat" else 0)
    rpm = 50.0 if defect == "wrong_speed" else 40.0
    return {
        "power_kw": _rounded(power, 1),
        "temperature_c": _rounded(temperature + rng.normal(0, 0.4, length), 1),
        "ram_position_mm": _rounded(600 - 550 * down + rng.normal(0, 3, length), 0),
        "ram_pressure_bar": _rounded(0.5 + 5.5 * down + rng.normal(0, 0.1, length), 2),
        "rotor_rpm": _rounded(np.full(length, rpm) + rng.normal(0, 0.2, length), 1),
    }


def _rounded(values: np.ndarray, digits: int) -> list[float]:
    return list(np.round(values, digits).tolist())  # Python floats, without a loop
