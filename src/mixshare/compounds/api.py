"""``/api/v1/compounds``: members' recipes and their immutable versions.

Formulations (ingredients, phr) appear only for those ``access.may_read_formulation`` allows;
others get ``ingredients: null`` and ``formulation_visible: false``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from mixshare.access import Access, AccessDep, CompoundWriter, Reader
from mixshare.center_time import CenterDateTime
from mixshare.compounds import service
from mixshare.compounds.models import Compound, CompoundVersion
from mixshare.compounds.schemas import CompoundChanges, CompoundCreate
from mixshare.errors import NotFound, Problem, ValidationFailed
from mixshare.materials.models import Material
from mixshare.users.models import User
from mixshare.validation import Id, Identifier
from mixshare.web.api_common import PROBLEMS, WRITE_PROBLEMS, Page, PagingDep, strip_problem_prefix
from mixshare.web.params import PathId

router = APIRouter(prefix="/compounds", tags=["compounds"], responses=PROBLEMS)


class IngredientRead(BaseModel):
    stage: str
    position: int
    material: str
    material_name: str
    category: str
    phr: float


class VersionRead(BaseModel):
    id: int
    version: int
    key: str
    created_at: CenterDateTime
    polymer_family: str
    colour_class: str
    staining: bool
    density: float
    has_remill: bool
    has_final: bool
    stages: list[str]
    max_dump_temp_c: float
    min_rest_minutes: int
    max_age_minutes: int
    shelf_life_minutes: int
    formulation_visible: bool
    ingredients: list[IngredientRead] | None = Field(
        description="null unless the caller may see the formulation"
    )


class CompoundRead(BaseModel):
    id: int
    member_id: int
    member_code: str
    code: str
    name: str
    latest_version: int | None
    versions: list[VersionRead] | None = None


_VERSION_FIELDS = [
    "id",
    "version",
    "key",
    "created_at",
    "polymer_family",
    "colour_class",
    "staining",
    "density",
    "has_remill",
    "has_final",
    "max_dump_temp_c",
    "min_rest_minutes",
    "max_age_minutes",
    "shelf_life_minutes",
]


def _ingredients(access: Access, version: CompoundVersion) -> list[IngredientRead]:
    ids = {i.material_id for i in version.ingredients}
    materials = {
        m.id: m for m in access.session.scalars(select(Material).where(Material.id.in_(ids)))
    }
    return [
        IngredientRead(
            stage=i.stage,
            position=i.position,
            material=materials[i.material_id].code,
            material_name=materials[i.material_id].name,
            category=materials[i.material_id].category,
            phr=i.phr,
        )
        for i in version.ingredients
    ]


def version_read(access: Access, version: CompoundVersion, visible: bool) -> VersionRead:
    fields: dict[str, Any] = {name: getattr(version, name) for name in _VERSION_FIELDS}
    ingredients = _ingredients(access, version) if visible else None
    return VersionRead(
        **fields, stages=version.stages(), formulation_visible=visible, ingredients=ingredients
    )


def compound_read(compound: Compound, versions: list[VersionRead] | None = None) -> CompoundRead:
    latest = max((v.version for v in compound.versions), default=None)
    return CompoundRead(
        id=compound.id,
        member_id=compound.member_id,
        member_code=compound.member.code,
        code=compound.code,
        name=compound.name,
        latest_version=latest,
        versions=versions,
    )


def _scoped(access: Access, compound_id: int) -> Compound:
    access.guard("compound", compound_id)
    return service.get(access.session, compound_id, access.scope)


def _detail(access: Access, compound: Compound) -> CompoundRead:
    visible = access.formulation_visible(compound)
    versions = [version_read(access, v, visible) for v in compound.versions]
    return compound_read(compound, versions)


@router.get("", response_model=Page[CompoundRead])
def list_compounds(access: AccessDep, paging: PagingDep, user: Reader) -> Page[CompoundRead]:
    """Compounds without versions; a member's users see only their own company's."""
    compounds = service.get_all(access.session, access.scope)
    chosen = compounds[paging.offset : paging.offset + paging.limit]
    return Page[CompoundRead](
        items=[compound_read(c) for c in chosen],
        total=len(compounds),
        limit=paging.limit,
        offset=paging.offset,
    )


class CompoundIn(CompoundCreate):
    """A new compound with its version 1; a member admin may leave ``member`` out."""

    member: Id | Identifier | None = None  # type: ignore[assignment]


def _with_member(body: CompoundIn, user: User) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)
    if user.scope is not None:
        data.setdefault("member", user.scope)
    elif body.member is None:
        raise ValidationFailed([Problem("member", "required: the member (code or id) owning it")])
    return data


@router.post("", status_code=201, response_model=CompoundRead, responses=WRITE_PROBLEMS)
def create_compound(
    body: CompoundIn, request: Request, access: AccessDep, user: CompoundWriter
) -> CompoundRead:
    strip_problem_prefix(request, "compound")
    compound = service.create_compound(access.session, _with_member(body, user), access.scope)
    access.audit(
        "create",
        "compound",
        compound.id,
        member_id=compound.member_id,
        detail={"code": compound.code, "version": 1},
    )
    access.session.commit()
    return _detail(access, compound)


@router.get("/{compound_id}", response_model=CompoundRead)
def get_compound(compound_id: PathId, access: AccessDep, user: Reader) -> CompoundRead:
    """The compound with all its versions (and formulations where allowed)."""
    return _detail(access, _scoped(access, compound_id))


@router.get("/{compound_id}/versions", response_model=list[VersionRead])
def list_versions(compound_id: PathId, access: AccessDep, user: Reader) -> list[VersionRead]:
    compound = _scoped(access, compound_id)
    visible = access.formulation_visible(compound)
    return [version_read(access, v, visible) for v in compound.versions]


@router.post(
    "/{compound_id}/versions",
    status_code=201,
    response_model=VersionRead,
    responses=WRITE_PROBLEMS,
)
def create_version(
    compound_id: PathId,
    body: CompoundChanges,
    request: Request,
    access: AccessDep,
    user: CompoundWriter,
) -> VersionRead:
    """Version N+1: the latest version with the given changes (versions are never edited)."""
    compound = _scoped(access, compound_id)
    strip_problem_prefix(request, "compound")
    version = service.new_version(access.session, compound, body, access.scope)
    access.audit(
        "create",
        "compound_version",
        version.id,
        member_id=compound.member_id,
        detail={"compound": compound.code, "version": version.version},
    )
    access.session.commit()
    return version_read(access, version, access.formulation_visible(compound))


@router.get("/{compound_id}/versions/{number}", response_model=VersionRead)
def get_version(
    compound_id: PathId, number: PathId, access: AccessDep, user: Reader
) -> VersionRead:
    compound = _scoped(access, compound_id)
    for version in compound.versions:
        if version.version == number:
            return version_read(access, version, access.formulation_visible(compound))
    raise NotFound(f"compound {compound_id} has no version {number}")
