"""A small center (tests/web/conftest.py's world) whose line L1 has mixed batches of M01's and
M02's compounds, ingested through the execution service as a line would send them; specs for
M01's masterbatch (Mooney every batch, hardness first-and-last of the lot)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.models import Compound, CompoundVersion
from mixshare.db import session_factory
from mixshare.execution import service as execution
from mixshare.execution.models import Batch
from mixshare.execution.samples import BatchFactory, IngredientSpec
from mixshare.planning.models import PlanLot
from mixshare.quality import service
from mixshare.quality.synthetic import Defect, mixing_curve
from mixshare.settings import now_local
from tests.web.conftest import World, build_world, password_hash

__all__ = ["password_hash"]

MB = [IngredientSpec("NR", 140.0), IngredientSpec("SBR", 60.0), IngredientSpec("N330", 100.0)]


@dataclass
class Lab:
    db_url: str
    world: World
    session: Session
    started: datetime
    seed: int = 0

    def version(self, member: str = "M01") -> CompoundVersion:
        compound = self.session.get(Compound, self.world.compounds[member])
        assert compound is not None
        return compound.versions[-1]

    def lot_code(self, member: str = "M01") -> str:
        lot = self.session.get(PlanLot, self.world.lots[member])
        assert lot is not None
        return lot.code

    def mix(
        self, count: int, member: str = "M01", *, defect: Defect | None = None, lot: bool = True
    ) -> list[Batch]:
        """``count`` masterbatches of the member's lot on L1, ingested; the first started two
        days ago, so their rest is over."""
        factory = BatchFactory(
            line="L1",
            compound=self.version(member).key,
            stage="MB",
            ingredients=MB,
            lot=self.lot_code(member) if lot else None,
            start=self.started + timedelta(minutes=10 * self.seed),
            seed=self.seed + 1,
        )
        rng = np.random.default_rng(self.seed)
        batches = []
        for n in range(count):
            curve: dict[str, Any] = {"hz": 1, **mixing_curve(rng, defect=defect)}
            seconds = len(curve["power_kw"])
            document = factory.next(curve=curve, batch=f"L1-{member}-{self.seed:03d}-{n:03d}")
            start = datetime.fromisoformat(document["started_at"])
            document["ended_at"] = (start + timedelta(seconds=seconds - 1)).isoformat()
            document["dump_temperature_c"] = curve["temperature_c"][-1]
            document.pop("energy_kwh")
            result = execution.ingest_one(self.session, document, source="api")
            assert result.outcome == "accepted", result.reasons
            batch = self.session.get(Batch, result.batch_id)
            assert batch is not None
            batches.append(batch)
        self.seed += 1
        self.session.flush()
        return batches

    def spec(self, test: str, member: str = "M01", **limits: Any) -> None:
        data = service.SpecIn(self.version(member).id, "MB", test, **limits)
        service.set_spec(self.session, data)

    def user(self, name: str = "quality") -> Any:
        from mixshare.users.models import User

        return self.session.scalar(select(User).where(User.username == name))


@pytest.fixture
def lab(db_url: str, password_hash: str) -> Iterator[Lab]:
    with session_factory(db_url)() as session:
        world = build_world(session, password_hash)
        made = Lab(db_url, world, session, now_local().replace(microsecond=0) - timedelta(days=2))
        made.spec("MOONEY", lsl=50, target=60, usl=70)
        made.spec("HARDNESS_A", lsl=60, usl=70, sampling="first_last")
        session.commit()
        yield made
