"""A small center with stock: the quality lab fixture (tests/quality/conftest.py) plus final
batches of M01's and M02's compound that consume masterbatches, with a Mooney spec on the
final stage, ingested and released through the real services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from mixshare.execution import service as execution
from mixshare.execution.models import Batch
from mixshare.execution.samples import BatchFactory, IngredientSpec
from mixshare.quality import service as quality
from tests.quality.conftest import Lab, lab, password_hash

__all__ = ["lab", "password_hash"]

FB = [IngredientSpec("S", 6.0)]


@dataclass
class Shop:
    lab: Lab
    count: int = 0

    @property
    def session(self):  # type: ignore[no-untyped-def]
        return self.lab.session

    def finals(
        self, count: int, member: str = "M01", *, started: datetime | None = None
    ) -> list[Batch]:
        """``count`` final batches of the member's compound, each consuming a fresh
        masterbatch, mixed two days ago (their rest is over)."""
        masterbatches = self.lab.mix(count, member)
        factory = BatchFactory(
            line="L1",
            compound=self.lab.version(member).key,
            stage="FB",
            ingredients=FB,
            start=started or self.lab.started + timedelta(hours=5, minutes=7 * self.count),
            seed=100 + self.count,
        )
        batches = []
        for mb in masterbatches:
            self.count += 1
            document = factory.next(batch=f"L1-F{member}-{self.count:04d}", consumed=[mb.code])
            result = execution.ingest_one(self.session, document, source="api")
            assert result.outcome == "accepted", result.reasons
            batch = self.session.get(Batch, result.batch_id)
            assert batch is not None
            batches.append(batch)
        self.session.flush()
        return batches

    def release(self, batches: list[Batch], mooney: float = 45.0) -> None:
        for batch in batches:
            entry = quality.ResultIn(test="MOONEY", value=mooney, batch_id=batch.id)
            quality.record_results(self.session, [entry], self.lab.user(), source="form")
            quality.release(self.session, batch, self.lab.user())

    def hold(self, batch: Batch) -> None:
        quality.hold(self.session, batch, self.lab.user(), decision="scrap", reason="焦烧 scorched")


@pytest.fixture
def shop(lab: Lab) -> Iterator[Shop]:
    for member in ("M01", "M02"):
        version = lab.version(member)
        quality.set_spec(lab.session, quality.SpecIn(version.id, "FB", "MOONEY", 40, 45, 50))
    lab.session.commit()
    yield Shop(lab)
