"""The demo center's spec limits: what every compound version's stages must meet in the lab.

Masterbatch and remill: Mooney ML(1+4) 100 °C on every batch. Final batch: the rheometer
(MDR ML, MH, ts2, t90) on every batch, hardness and density on the first and last batch of a
lot. Targets differ by compound (drawn from its key, so they are the same on every run) within
ranges usual for tyre, belt and seal compounds; limits are the target ± a usual tolerance.
Set through :func:`mixshare.quality.service.set_spec`, like a quality engineer would.
"""

from __future__ import annotations

import zlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.models import CompoundVersion
from mixshare.quality.service import SpecIn, set_spec


def _draw(key: str, test: str, low: float, high: float, step: float) -> float:
    """A stable value in [low, high] on a grid of ``step`` for the compound and test."""
    steps = round((high - low) / step)
    return round(low + (zlib.crc32(f"{key}/{test}".encode()) % (steps + 1)) * step, 3)


def _specs(version: CompoundVersion) -> list[SpecIn]:
    key, vid = version.key, version.id
    mooney = _draw(key, "MOONEY", 45, 85, 1)
    specs = [SpecIn(vid, "MB", "MOONEY", mooney - 8, mooney, mooney + 8)]
    if version.has_remill:
        specs.append(SpecIn(vid, "RM", "MOONEY", mooney - 16, mooney - 8, mooney))
    stage = "FB" if version.has_final else "MB"
    density = round(version.density, 3)
    specs.append(
        SpecIn(vid, stage, "DENSITY", density - 0.02, density, density + 0.02, "first_last")
    )
    if not version.has_final:
        return specs
    ml = _draw(key, "MDR_ML", 1.5, 3.5, 0.1)
    mh = _draw(key, "MDR_MH", 12, 25, 0.5)
    ts2 = _draw(key, "MDR_TS2", 1.5, 3.0, 0.1)
    t90 = _draw(key, "MDR_T90", 5, 12, 0.5)
    hardness = _draw(key, "HARDNESS_A", 50, 80, 1)
    specs += [
        SpecIn(vid, "FB", "MDR_ML", round(ml - 0.5, 2), ml, round(ml + 0.5, 2)),
        SpecIn(vid, "FB", "MDR_MH", mh - 3, mh, mh + 3),
        SpecIn(vid, "FB", "MDR_TS2", round(ts2 - 0.5, 2), ts2, round(ts2 + 1.0, 2)),
        SpecIn(vid, "FB", "MDR_T90", t90 - 2, t90, t90 + 2),
        SpecIn(vid, "FB", "HARDNESS_A", hardness - 5, hardness, hardness + 5, "first_last"),
    ]
    return specs


def load_demo_specs(session: Session) -> int:
    """Specs for every compound version of the center; how many were set."""
    count = 0
    for version in session.scalars(select(CompoundVersion).order_by(CompoundVersion.id)):
        for spec in _specs(version):
            set_spec(session, spec)
            count += 1
    return count
