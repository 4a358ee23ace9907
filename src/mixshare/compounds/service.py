"""Compounds (recipes) and their immutable versions.

A change never edits a version: :func:`new_version` copies the latest one with the changes
applied, so orders and plans that point at an old version keep meaning what they meant.
Functions take an optional ``member_id`` scope; objects of other members are reported as
not found, so a member cannot even learn that another member's compound exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds import reference
from mixshare.compounds.changeovers import (
    StageAttributes,
    find_rule,
    rules_for_line,
    runnable_on_line,
    stage_attributes,
)
from mixshare.compounds.models import ChangeoverRule, Compound, CompoundVersion, Ingredient
from mixshare.compounds.schemas import CompoundChanges, CompoundCreate, VersionSpec
from mixshare.errors import NotFound, Problem, ValidationFailed, pydantic_problems, validated
from mixshare.lines.models import Line
from mixshare.materials.models import Material
from mixshare.members import service as members
from mixshare.members.models import Member
from mixshare.settings import now_local

POLYMER_TOTAL_PHR = 100.0
POLYMER_TOLERANCE_PHR = 0.5


# --- reading -------------------------------------------------------------------------------


def get(session: Session, compound_id: int, member_id: int | None = None) -> Compound:
    compound = session.get(Compound, compound_id)
    if compound is None or (member_id is not None and compound.member_id != member_id):
        raise NotFound(f"compound {compound_id} not found")
    return compound


def get_by_code(session: Session, member_id: int, code: str) -> Compound:
    """The member's compound ``code`` (codes are unique per member, not globally)."""
    stmt = select(Compound).where(Compound.member_id == member_id, Compound.code == code)
    compound = session.scalars(stmt).one_or_none()
    if compound is None:
        raise NotFound(f"compound {code!r} not found")
    return compound


def get_all(session: Session, member_id: int | None = None) -> list[Compound]:
    stmt = select(Compound).order_by(Compound.member_id, Compound.code)
    if member_id is not None:
        stmt = stmt.where(Compound.member_id == member_id)
    return list(session.scalars(stmt))


def latest_version(compound: Compound) -> CompoundVersion:
    if not compound.versions:
        raise NotFound(f"compound {compound.code!r} has no version")
    return max(compound.versions, key=lambda v: v.version)


def get_version(session: Session, version_id: int, member_id: int | None = None) -> CompoundVersion:
    version = session.get(CompoundVersion, version_id)
    if version is None or (member_id is not None and version.compound.member_id != member_id):
        raise NotFound(f"compound version {version_id} not found")
    return version


def runnable_lines(session: Session, version: CompoundVersion) -> dict[str, list[str]]:
    """Codes of the lines that may run each stage of ``version``.

    A line qualifies when it has settings for the stage and its changeover rules allow a
    campaign of the stage (the stage after itself); see ``changeovers.runnable_on_line``.
    """
    rules = list(session.scalars(select(ChangeoverRule)))
    lines = list(session.scalars(select(Line).order_by(Line.code)))
    result: dict[str, list[str]] = {}
    for stage in version.stages():
        target = stage_attributes(version, stage)
        result[stage] = [
            line.code
            for line in lines
            if line.setting(stage) is not None and runnable_on_line(rules, line.id, target)
        ]
    return result


RULES_FIX = (
    "add a changeover rule that allows it (page /changeover-rules, or mixshare template rules "
    "+ mixshare import rules)"
)
LINES_FIX = "give a line settings for this stage (page /lines, edit a line)"


def why_no_line_runs(
    lines: list[Line], rules: list[ChangeoverRule], target: StageAttributes
) -> str:
    """Why no line may run ``target`` and how to fix it, in one sentence per cause."""
    capable = [line for line in lines if line.setting(target.stage) is not None]
    if not lines:
        return f"the center has no lines yet: {LINES_FIX}"
    if not capable:
        return f"no line has settings for stage {target.stage}: {LINES_FIX}"
    reasons = []
    for line in capable:
        rule = find_rule(rules_for_line(rules, line.id), target, target)
        if rule is None:
            reasons.append(f"on {line.code} no changeover rule matches {target.key} after itself")
        else:
            reasons.append(
                f"on {line.code} rule {rule.priority} {rule.name!r} forbids {target.key} "
                "after itself"
            )
    return "; ".join(reasons) + f": {RULES_FIX}"


def unrunnable_stage_problems(session: Session, version: CompoundVersion) -> list[Problem]:
    """A problem (located at ``stages``) per stage of ``version`` that no line may run,
    saying why (no line has the stage, no rule matches, a rule forbids it) and how to fix it."""
    rules = list(session.scalars(select(ChangeoverRule)))
    lines = list(session.scalars(select(Line).order_by(Line.code)))
    problems = []
    for stage, codes in runnable_lines(session, version).items():
        if codes:
            continue
        why = why_no_line_runs(lines, rules, stage_attributes(version, stage))
        problems.append(Problem("stages", f"no line may run stage {stage}: {why}", version.key))
    return problems


# --- building versions ---------------------------------------------------------------------


def _materials_by_code(session: Session, codes: set[str]) -> dict[str, Material]:
    if not codes:
        return {}
    found = session.scalars(select(Material).where(Material.code.in_(codes)))
    return {m.code: m for m in found}


def _ingredients(session: Session, spec: VersionSpec) -> tuple[list[Ingredient], list[Problem]]:
    """Ingredients of ``spec`` resolved to materials, plus what is wrong with them.

    Problems are located like the schema's: ``ingredients.<index from 0>.material``.
    """
    materials = _materials_by_code(session, {i.material for i in spec.ingredients})
    problems: list[Problem] = []
    rows: list[Ingredient] = []
    polymer_phr = 0.0
    for index, item in enumerate(spec.ingredients):
        material = materials.get(item.material)
        if material is None:
            problems.append(
                Problem(f"ingredients.{index}.material", "unknown material", item.material)
            )
            continue
        if item.stage == "MB" and material.category == "polymer":
            polymer_phr += item.phr
        rows.append(
            Ingredient(stage=item.stage, position=index + 1, material_id=material.id, phr=item.phr)
        )
    # "phr" means parts per hundred rubber: the polymers of the masterbatch define the 100.
    if not problems and abs(polymer_phr - POLYMER_TOTAL_PHR) > POLYMER_TOLERANCE_PHR:
        problems.append(
            Problem(
                "ingredients",
                f"the polymers of the masterbatch must sum to 100 phr "
                f"(±{POLYMER_TOLERANCE_PHR}); they sum to {polymer_phr:g}",
                f"{polymer_phr:g}",
            )
        )
    return rows, problems


def build_version(
    session: Session, compound: Compound, spec: VersionSpec, number: int
) -> tuple[CompoundVersion, list[Problem]]:
    """A transient version ``number`` of ``compound`` and every problem with it.

    Nothing is added to the session for a new (transient) compound. For a persistent one,
    linking cascades the version into the session: the caller must undo that when the
    version is rejected (see :func:`new_version`).
    """
    fields = spec.model_dump(exclude={"ingredients"})
    version = CompoundVersion(version=number, created_at=now_local(), **fields)
    version.compound = compound
    ingredients, problems = _ingredients(session, spec)
    version.ingredients = ingredients
    problems += reference.unknown_family(session, "polymer_family", version.polymer_family)
    problems += reference.unknown_colour(session, "colour_class", version.colour_class)
    if not problems:
        problems = unrunnable_stage_problems(session, version)
    return version, problems


def _resolve_member(session: Session, member: str | int) -> Member:
    if isinstance(member, int):
        return members.get(session, member)
    return members.get_by_code(session, member)


def build_compound(
    session: Session,
    data: CompoundCreate,
    member_id: int | None = None,
) -> tuple[Compound, list[Problem]]:
    """A transient new compound with version 1, and every problem with it.

    ``member_id`` scopes the caller: a member may only create its own compounds.
    """
    try:
        member = _resolve_member(session, data.member)
    except NotFound:
        return Compound(code=data.code, name=data.name), [
            Problem("member", "unknown member", str(data.member))
        ]
    if member_id is not None and member.id != member_id:
        # Say no more: anything else would tell the caller about another member's compounds.
        return Compound(code=data.code, name=data.name), [
            Problem("member", "unknown member", str(data.member))
        ]
    problems: list[Problem] = []
    exists = select(Compound.id).where(Compound.member_id == member.id, Compound.code == data.code)
    if session.scalars(exists).first() is not None:
        problems.append(
            Problem(
                "code",
                "this member already has a compound with this code; change it with a new version",
                data.code,
            )
        )
    compound = Compound(member=member, member_id=member.id, code=data.code, name=data.name)
    _version, version_problems = build_version(session, compound, data.spec(), 1)
    return compound, problems + version_problems


def create_compound(
    session: Session,
    data: CompoundCreate | Mapping[str, Any],
    member_id: int | None = None,
) -> Compound:
    """Create a compound and its version 1; raises ``ValidationFailed`` with every problem."""
    data = validated(CompoundCreate, data)
    compound, problems = build_compound(session, data, member_id)
    if problems:
        raise ValidationFailed(problems)
    session.add(compound)
    session.flush()
    return compound


def spec_of(session: Session, version: CompoundVersion) -> dict[str, Any]:
    """The version as plain data (materials by code), as accepted by ``VersionSpec``."""
    ids = {i.material_id for i in version.ingredients}
    rows = session.execute(select(Material.id, Material.code).where(Material.id.in_(ids)))
    codes = {material_id: code for material_id, code in rows}
    fields = {name: getattr(version, name) for name in VersionSpec.model_fields}
    fields["ingredients"] = [
        {"stage": i.stage, "material": codes.get(i.material_id, str(i.material_id)), "phr": i.phr}
        for i in version.ingredients
    ]
    return fields


def merged_spec(
    session: Session, version: CompoundVersion, changes: CompoundChanges | Mapping[str, Any]
) -> VersionSpec:
    """``version`` with ``changes`` applied, validated as a whole."""
    try:
        if not isinstance(changes, CompoundChanges):
            changes = CompoundChanges.model_validate(changes)
        updates = changes.model_dump(exclude_none=True, exclude={"name"})
        return VersionSpec.model_validate({**spec_of(session, version), **updates})
    except ValidationError as exc:
        raise ValidationFailed(pydantic_problems(exc)) from exc


def new_version(
    session: Session,
    compound: Compound,
    changes: CompoundChanges | Mapping[str, Any],
    member_id: int | None = None,
) -> CompoundVersion:
    """Version N+1 of ``compound``: the latest version with ``changes`` applied.

    A changed ``name`` renames the compound itself (names are not part of a recipe).
    """
    if member_id is not None and compound.member_id != member_id:
        raise NotFound(f"compound {compound.id} not found")
    changes = validated(CompoundChanges, changes)
    latest = latest_version(compound)
    spec = merged_spec(session, latest, changes)
    # Linking the version to a persistent compound cascades it into the session; no
    # autoflush while it is being checked, and undo the link if it is rejected.
    session.flush()  # the caller's pending changes (e.g. new rules) must count in the checks
    with session.no_autoflush:
        version, problems = build_version(session, compound, spec, latest.version + 1)
    if problems:
        compound.versions.remove(version)
        if version in session:
            session.expunge(version)
        raise ValidationFailed(problems)
    if changes.name:
        compound.name = changes.name
    session.add(version)
    session.flush()
    return version
