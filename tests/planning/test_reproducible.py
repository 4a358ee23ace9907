"""A seed means the same plan (issue 13): two runs with one seed on the demo week export
byte-identical plans, whatever the time limit and however loaded the machine."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from mixshare.planning import service as planning
from mixshare.planning.export import plan_document
from mixshare.planning.models import Plan
from tests.cpu_load import cpu_load
from tests.planning.conftest import DEMO_MONDAY

START = datetime.combine(DEMO_MONDAY, datetime.min.time())
IDENTITY = ("id", "version", "created_at")  # which stored plan it is, not what it plans


def exported(session: Session, plan: Plan) -> bytes:
    document: dict[str, Any] = plan_document(session, plan)
    header = document["plan"]
    for name in IDENTITY:
        header.pop(name, None)
    return json.dumps(document, sort_keys=True, ensure_ascii=False).encode()


def test_same_seed_same_plan_export_under_load(demo_session: Session) -> None:
    run = {"start": START, "days": 7, "seed": 11, "iterations": 12}
    first = planning.run_plan(demo_session, time_limit=0.2, **run)  # type: ignore[arg-type]
    with cpu_load(2):
        second = planning.run_plan(demo_session, time_limit=60, **run)  # type: ignore[arg-type]
    demo_session.commit()
    assert first.lots and exported(demo_session, first) == exported(demo_session, second)
