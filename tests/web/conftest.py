"""A small two-member center with users of every role, for API and permission tests.

M01 and M02 each own a compound and an order; plan v1 holds a lot of each order. Users:
``admin``, ``planner``, ``operator``, ``quality`` (center), ``m01``/``m01admin`` (M01) and
``m02``/``m02admin`` (M02). Every user has a bearer token in ``World.tokens``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mixshare.compounds import service as compounds
from mixshare.compounds.models import ChangeoverRule
from mixshare.db import session_factory
from mixshare.execution.samples import BatchFactory, IngredientSpec
from mixshare.execution.service import ingest
from mixshare.lines.models import Line, LineStage
from mixshare.materials.models import Material
from mixshare.members.models import Member
from mixshare.orders import service as orders
from mixshare.planning.models import Plan, PlanChangeover, PlanLot
from mixshare.tariffs.service import load_seed_tariffs
from mixshare.users import service as users
from mixshare.users.models import User
from mixshare.web.app import create_app
from tests.conftest import copied_database

PASSWORD = "correct-horse-42"
MATERIALS = [
    ("NR", "polymer"),
    ("SBR", "polymer"),
    ("N330", "filler"),
    ("OIL", "oil"),
    ("S", "curative"),
    ("TBBS", "curative"),
]
ACCOUNTS = {
    "admin": ("center_admin", None),
    "planner": ("planner", None),
    "operator": ("operator", None),
    "quality": ("quality", None),
    "m01": ("member_user", "M01"),
    "m01admin": ("member_admin", "M01"),
    "m02": ("member_user", "M02"),
    "m02admin": ("member_admin", "M02"),
    "line1": ("line", None),  # the account of line L1: may only report its batches
}


def soon(days: int = 10) -> datetime:
    return (datetime.now() + timedelta(days=days)).replace(second=0, microsecond=0)


def recipe(member: str, code: str) -> dict[str, object]:
    return {
        "member": member,
        "code": code,
        "name": f"{code} of {member}",
        "polymer_family": "NR",
        "colour_class": "black",
        "density": 1.15,
        "ingredients": [
            {"stage": "MB", "material": "NR", "phr": 70},
            {"stage": "MB", "material": "SBR", "phr": 30},
            {"stage": "MB", "material": "N330", "phr": 50},
            {"stage": "FB", "material": "S", "phr": 2},
        ],
    }


@dataclass
class World:
    members: dict[str, int] = field(default_factory=dict)
    compounds: dict[str, int] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)
    lots: dict[str, int] = field(default_factory=dict)
    batches: dict[str, int] = field(default_factory=dict)  # made by build_world(batches=True)
    users: dict[str, int] = field(default_factory=dict)
    deliveries: dict[str, int] = field(default_factory=dict)  # made on demand: delivered()
    tokens: dict[str, str] = field(default_factory=dict)
    plan: int = 0
    line: int = 0

    def headers(self, name: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"} if name else {}


def _center(session: Session) -> Line:
    session.add_all([Member(code="M01", name="成员一"), Member(code="M02", name="成员二")])
    session.add_all(Material(code=c, name=c, category=k) for c, k in MATERIALS)
    line = Line(code="L1", name="Line 1", net_volume_l=420, rated_power_kw=1500)
    line.stage_settings = [
        LineStage(stage=s, fill_factor=0.72, cycle_minutes=3.0, kwh_per_kg=0.2)
        for s in ("MB", "FB")
    ]
    session.add(line)
    session.add(ChangeoverRule(priority=100, name="anything goes", minutes=10))
    load_seed_tariffs(session)
    session.flush()
    return line


def _plan(session: Session, world: World, line: Line) -> None:
    start = soon(1).replace(hour=8, minute=0)
    plan = Plan(
        version=1,
        created_at=datetime.now(),
        horizon_start=start,
        horizon_end=start + timedelta(days=7),
        status="draft",
        method="engine",
        kpis={},
    )
    session.add(plan)
    session.flush()
    for n, (code, order_id) in enumerate(sorted(world.orders.items())):
        order = orders.get(session, order_id)
        lot = PlanLot(
            plan_id=plan.id,
            code=f"{order.number}/MB",
            order_id=order.id,
            member_id=order.member_id,
            compound_version_id=order.compound_version_id,
            stage="MB",
            line_id=line.id,
            batches=3,
            kg=1000.0,
            start=start + timedelta(hours=2 * n),
            end=start + timedelta(hours=2 * n + 1),
            kwh=200.0,
            energy_cost=100.0,
        )
        session.add(lot)
        session.flush()
        world.lots[code] = lot.id
    session.add(
        PlanChangeover(
            plan_id=plan.id,
            line_id=line.id,
            from_lot_code=None,
            to_lot_code="x",
            start=start,
            end=start,
        )
    )
    world.plan = plan.id


def _batches(session: Session, world: World) -> None:
    """A masterbatch of each member's compound, reported by line L1."""
    for n, code in enumerate(("M01", "M02"), 1):
        factory = BatchFactory(
            line="L1",
            compound=f"{code}.C-{code}.v1",
            stage="MB",
            ingredients=[IngredientSpec("NR", 140.0), IngredientSpec("SBR", 60.0)],
            seconds=30,
            seed=n,
        )
        result = ingest(session, [factory.next(batch=f"L1-{code}-0001")], source="api")
        world.batches[code] = result.results[0].batch_id or 0


def build_world(session: Session, password_hash: str, *, batches: bool = True) -> World:
    world = World()
    line = _center(session)
    world.line = line.id
    for code in ("M01", "M02"):
        world.members[code] = session.query(Member).filter_by(code=code).one().id
        compound = compounds.create_compound(session, recipe(code, f"C-{code}"))
        world.compounds[code] = compound.id
        data = {"member": code, "compound": compound.code, "quantity_kg": 5000, "due_at": soon()}
        world.orders[code] = orders.create_order(session, data).id
    _plan(session, world, line)
    if batches:
        _batches(session, world)
    for name, (role, member) in ACCOUNTS.items():
        member_id = world.members[member] if member else None
        user = User(
            username=name,
            password_hash=password_hash,
            role=role,
            member_id=member_id,
            line_id=line.id if role == "line" else None,
            created_at=datetime.now(),
        )
        session.add(user)
        session.flush()
        world.users[name] = user.id
        world.tokens[name] = users.create_token(session, user, "test")[1]
    session.commit()
    return world


@pytest.fixture(scope="session")
def password_hash() -> str:
    return users.hash_password(PASSWORD)


@pytest.fixture
def world(db_url: str, password_hash: str) -> World:
    with session_factory(db_url)() as session:
        return build_world(session, password_hash)


@pytest.fixture
def app(db_url: str) -> FastAPI:
    return create_app(db_url, secret_key="test-secret")


@pytest.fixture
def client(app: FastAPI, world: World) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def db(db_url: str) -> Iterator[Session]:
    """A session for checking what the API wrote."""
    with session_factory(db_url)() as session:
        yield session


# --- one database for a whole module (the permission matrix) -------------------------------


@pytest.fixture(scope="module")
def module_db_url(
    migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with copied_database(migrated_template, tmp_path_factory.mktemp("module"), "module") as url:
        yield url


@pytest.fixture(scope="module")
def module_world(module_db_url: str, password_hash: str) -> World:
    with session_factory(module_db_url)() as session:
        return build_world(session, password_hash)


@pytest.fixture(scope="module")
def module_client(module_db_url: str, module_world: World) -> Iterator[TestClient]:
    with TestClient(create_app(module_db_url, secret_key="test-secret")) as test_client:
        yield test_client


def delivered(db_url: str, world: World) -> dict[str, int]:
    """One delivery to each member of a final batch the line reported, the lab tested and
    released, all through the services (made once per world)."""
    if world.deliveries:
        return world.deliveries
    from mixshare.compounds.models import Compound
    from mixshare.execution import service as execution
    from mixshare.execution.models import Batch
    from mixshare.quality import service as quality
    from mixshare.stock import service as stock

    start = soon(-2).replace(hour=9, minute=0)
    with session_factory(db_url)() as session:
        admin = session.get(User, world.users["admin"])
        for n, code in enumerate(("M01", "M02")):
            compound = session.get(Compound, world.compounds[code])
            assert compound is not None and admin is not None
            version = compound.versions[-1]
            quality.set_spec(session, quality.SpecIn(version.id, "FB", "MOONEY", 40, 45, 50))
            factory = BatchFactory("L1", version.key, "FB", [IngredientSpec("S", 6.0)], start=start)
            document = factory.next(batch=f"L1-D-{n:04d}")
            result = execution.ingest_one(session, document, source="api")
            assert result.batch_id is not None, result.reasons
            entry = quality.ResultIn(test="MOONEY", value=45.0, batch_id=result.batch_id)
            quality.record_results(session, [entry], admin, source="form")
            batch = session.get(Batch, result.batch_id)
            assert batch is not None
            quality.release(session, batch, admin)
            delivery = stock.create_delivery(
                session, member_id=world.members[code], batch_ids=[batch.id], user=admin
            )
            world.deliveries[code] = delivery.id
        session.commit()
    return world.deliveries
