"""Contract versions: create (never edit), the version in force in a month, and reading one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mixshare.billing.models import ContractPrice, ContractVersion
from mixshare.billing.schemas import ContractIn
from mixshare.environment.models import ProductClass
from mixshare.errors import Problem, ValidationFailed, validated
from mixshare.quality.models import TestMethod
from mixshare.settings import now_local

ANY_TEST = "*"


def get_all(session: Session) -> list[ContractVersion]:
    """Every version, newest first, with its prices."""
    query = select(ContractVersion).options(selectinload(ContractVersion.prices))
    return list(session.scalars(query.order_by(ContractVersion.valid_from.desc())))


def in_force(session: Session, day: date) -> ContractVersion | None:
    """The version in force on ``day``: the latest valid from its month's first day or before."""
    query = (
        select(ContractVersion)
        .where(ContractVersion.valid_from <= day.replace(day=1))
        .order_by(ContractVersion.valid_from.desc())
        .options(selectinload(ContractVersion.prices))
        .limit(1)
    )
    return session.scalars(query).first()


def reference_problems(session: Session, spec: ContractIn) -> list[Problem]:
    """Tolling classes that are not product classes, lab prices of unknown test methods."""
    classes = set(session.scalars(select(ProductClass.code)))
    methods = set(session.scalars(select(TestMethod.code)))
    problems = []
    for index, price in enumerate(spec.prices):
        if price.item == "tolling" and price.key not in classes:
            known = ", ".join(sorted(classes))
            message = f"unknown compound class (product class; known: {known})"
            problems.append(Problem(f"prices.{index}.key", message, price.key))
        if price.item == "lab_test" and price.key != ANY_TEST and price.key not in methods:
            problems.append(Problem(f"prices.{index}.key", "unknown test method", price.key))
    return problems


def _same(contract: ContractVersion, spec: ContractIn) -> bool:
    stored = {(p.item, p.key, p.stage, p.price) for p in contract.prices}
    given = {(p.item, p.key, p.stage, p.price) for p in spec.prices}
    return (
        stored == given
        and contract.valid_from == spec.valid_from
        and contract.sharing_rule == spec.sharing_rule
        and contract.storage_free_days == spec.storage_free_days
    )


def create(
    session: Session, data: ContractIn | Mapping[str, Any], *, user_id: int | None = None
) -> tuple[ContractVersion, bool]:
    """Store a new version (``True``), or find the identical one already stored (``False``);
    a different version under a known code, or a second version for the same month, is
    refused: versions are never edited."""
    spec = validated(ContractIn, data)
    known = session.scalars(
        select(ContractVersion)
        .where(ContractVersion.code == spec.code)
        .options(selectinload(ContractVersion.prices))
    ).first()
    if known is not None:
        if _same(known, spec):
            return known, False
        message = "a different contract with this code exists; give a new version a new code"
        raise ValidationFailed([Problem("code", message, spec.code)])
    taken = session.scalar(
        select(ContractVersion.code).where(ContractVersion.valid_from == spec.valid_from)
    )
    if taken is not None:
        message = f"contract {taken} is valid from this month already"
        raise ValidationFailed([Problem("valid_from", message, f"{spec.valid_from:%Y-%m}")])
    if problems := reference_problems(session, spec):
        raise ValidationFailed(problems)
    contract = ContractVersion(
        code=spec.code,
        name=spec.name,
        valid_from=spec.valid_from,
        sharing_rule=spec.sharing_rule,
        storage_free_days=spec.storage_free_days,
        source=spec.source,
        created_at=now_local(),
        created_by=user_id,
        prices=[ContractPrice(**p.model_dump()) for p in spec.prices],
    )
    session.add(contract)
    session.flush()
    return contract, True


def read(contract: ContractVersion) -> dict[str, Any]:
    """The version as plain data."""
    return {
        "code": contract.code,
        "name": contract.name,
        "valid_from": f"{contract.valid_from:%Y-%m}",
        "sharing_rule": contract.sharing_rule,
        "storage_free_days": contract.storage_free_days,
        "source": contract.source,
        "prices": [
            {"item": p.item, "key": p.key, "stage": p.stage, "price": p.price}
            for p in contract.prices
        ],
    }
