"""A small center (tests/web/conftest.py's world) with raw lots, and a factory of its batches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from mixshare.db import session_factory
from mixshare.execution import service
from mixshare.execution.samples import BatchFactory, IngredientSpec
from tests.web.conftest import World, build_world, password_hash

__all__ = ["password_hash"]  # the fixture, shared with tests/web

RAW_LOTS = {"R-NR-1": "NR", "R-SBR-1": "SBR", "R-N330-1": "N330", "R-S-1": "S"}
COMPOUND = "M01.C-M01.v1"  # NR 70, SBR 30, N330 50 phr in MB; S 2 phr in FB


def receive_raw_lots(session: Session) -> None:
    for code, material in RAW_LOTS.items():
        service.receive_raw_lot(
            session,
            {
                "code": code,
                "material": material,
                "supplier": "供应商",
                "supplier_lot": f"S-{code}",
                "quantity_kg": 20000,
                "received_at": datetime(2026, 12, 1, 9, 0),
            },
        )


@pytest.fixture
def center(db_url: str, password_hash: str) -> Iterator[World]:
    with session_factory(db_url)() as session:
        world = build_world(session, password_hash, batches=False)
        receive_raw_lots(session)
        session.commit()
    yield world


def masterbatches(seed: int = 1, stage: str = "MB") -> BatchFactory:
    """Masterbatches of M01's compound on L1, weighed well inside the tolerance."""
    return BatchFactory(
        line="L1",
        compound=COMPOUND,
        stage=stage,
        ingredients=[
            IngredientSpec("NR", 140.0, "R-NR-1"),
            IngredientSpec("SBR", 60.0, "R-SBR-1"),
            IngredientSpec("N330", 100.0, "R-N330-1"),
        ],
        noise_kg=0.0005,
        seed=seed,
    )
