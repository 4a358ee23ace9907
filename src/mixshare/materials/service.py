"""Raw materials: reading, creating and editing them (center staff), and which materials a
member's own recipes use (all a member may see of the list)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.models import Compound, CompoundVersion, Ingredient
from mixshare.errors import NotFound, Problem, ValidationFailed, validated
from mixshare.materials.models import Material
from mixshare.materials.schemas import MaterialChange, MaterialIn


def get(session: Session, material_id: int) -> Material:
    material = session.get(Material, material_id)
    if material is None:
        raise NotFound(f"material {material_id} not found")
    return material


def get_by_code(session: Session, code: str) -> Material | None:
    return session.scalars(select(Material).where(Material.code == code)).one_or_none()


def get_all(session: Session, member_id: int | None = None) -> list[Material]:
    """Every material, or for a member only those its own recipes use."""
    stmt = select(Material).order_by(Material.category, Material.code)
    if member_id is not None:
        used = (
            select(Ingredient.material_id)
            .join(CompoundVersion, CompoundVersion.id == Ingredient.version_id)
            .join(Compound, Compound.id == CompoundVersion.compound_id)
            .where(Compound.member_id == member_id)
        )
        stmt = stmt.where(Material.id.in_(used))
    return list(session.scalars(stmt))


def create_material(session: Session, data: MaterialIn | Mapping[str, Any]) -> Material:
    """A new material; its code must be free."""
    spec = validated(MaterialIn, data)
    if get_by_code(session, spec.code) is not None:
        raise ValidationFailed([Problem("code", "a material with this code exists", spec.code)])
    material = Material(**spec.model_dump())
    session.add(material)
    session.flush()
    return material


def update_material(
    session: Session, material_id: int, changes: MaterialChange | Mapping[str, Any]
) -> Material:
    """Change name, category, density or price of a material."""
    spec = validated(MaterialChange, changes)
    material = get(session, material_id)
    for name, value in spec.model_dump(exclude_none=True).items():
        setattr(material, name, value)
    session.flush()
    return material
