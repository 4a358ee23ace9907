from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy.orm import Session

from mixshare.db import session_factory
from mixshare.demo.generator import load_demo_center

DEMO_MONDAY = date(2031, 3, 3)  # far enough ahead that no due date is in the past


@pytest.fixture
def demo_session(db_url: str) -> Iterator[Session]:
    """A fresh database holding one week of the demo center."""
    session = session_factory(db_url)()
    load_demo_center(session, seed=7, weeks=1, start=DEMO_MONDAY)
    session.commit()
    try:
        yield session
    finally:
        session.close()
