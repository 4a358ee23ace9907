"""Compound pages: the list, creating a compound and adding a version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.access import Access, AccessDep, CompoundWriter, Reader
from mixshare.compounds import reference
from mixshare.compounds import service as compounds
from mixshare.compounds.models import Compound
from mixshare.errors import Problem, ValidationFailed
from mixshare.materials.models import Material
from mixshare.members import service as members
from mixshare.users.models import User
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import (
    FormFields,
    field_errors,
    redirect,
    render,
)
from mixshare.web.params import PathId

router = APIRouter()
SPEC_FIELDS = ("polymer_family", "colour_class", "density", "max_dump_temp_c")
SPEC_INTS = ("min_rest_minutes", "max_age_minutes", "shelf_life_minutes")
SPEC_FLAGS = ("staining", "has_remill", "has_final")
DOWNTIME_LIMIT = 200


# --- compounds ----------------------------------------------------------------------------


def _visible_compound(access: Access, compound_id: int) -> Compound:
    access.guard("compound", compound_id)
    return compounds.get(access.session, compound_id)


@router.get("/compounds", response_class=HTMLResponse)
def compound_list(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    rows = compounds.get_all(session, user.scope)
    return render(request, "catalog/compounds.html", {"compounds": rows}, user=user)


def parse_ingredients(text: str) -> list[dict[str, Any]]:
    """Recipe lines ``STAGE MATERIAL PHR`` (one per line) as the service's ingredient dicts."""
    ingredients: list[dict[str, Any]] = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        stage, material, phr = [*parts, "", "", ""][:3]
        ingredients.append({"stage": stage.upper(), "material": material, "phr": phr or None})
    return ingredients


def spec_from_form(form: dict[str, str], partial: bool) -> dict[str, Any]:
    """The version fields of the compound form; ``partial`` leaves blanks out (new version)."""
    data: dict[str, Any] = {}
    for name in SPEC_FIELDS + SPEC_INTS:
        value = form.get(name, "").strip()
        if value or not partial:
            data[name] = value or None
    for name in SPEC_FLAGS:
        if not partial or f"{name}_present" in form:
            data[name] = name in form
    text = form.get("ingredients", "")
    if text.strip() or not partial:
        data["ingredients"] = parse_ingredients(text)
    return {k: v for k, v in data.items() if v is not None or not partial}


def _compound_form_context(session: Session, user: User) -> dict[str, Any]:
    return {
        "families": reference.family_codes(session),
        "colours": reference.colour_codes(session),
        "members": [] if user.is_member_user else members.get_all(session),
        "materials": list(session.scalars(select(Material).order_by(Material.code))),
    }


@router.get("/compounds/new", response_class=HTMLResponse)
def new_compound(request: Request, session: SessionDep, user: CompoundWriter) -> HTMLResponse:
    values = {"polymer_family": "NR", "colour_class": "black", "density": "1.15", "has_final": "1"}
    context = {**_compound_form_context(session, user), "values": values, "errors": {}}
    return render(request, "catalog/compound_form.html", context, user=user)


@router.post("/compounds/new", dependencies=[Depends(verify_csrf)], response_model=None)
def create_compound(
    request: Request, session: SessionDep, user: CompoundWriter, form: FormFields
) -> Response:
    data = spec_from_form(form, partial=False)
    data["member"] = user.scope if user.is_member_user else _member_field(form)
    data["code"], data["name"] = form.get("code", "").strip(), form.get("name", "").strip()
    try:
        compound = compounds.create_compound(session, data, member_id=user.scope)
    except ValidationFailed as exc:
        session.rollback()
        context = {
            **_compound_form_context(session, user),
            "values": dict(form),
            "errors": field_errors(exc.problems),
        }
        return render(request, "catalog/compound_form.html", context, user=user, status_code=422)
    Access(session, user, request).audit(
        "create", "compound", compound.id, member_id=compound.member_id
    )
    session.commit()
    return redirect(f"/compounds/{compound.id}")


def _member_field(form: dict[str, str]) -> int | str:
    value = form.get("member", "").strip()
    return int(value) if value.isdigit() else value


def _compound_page(
    request: Request,
    access: Access,
    compound: Compound,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    status_code: int = 200,
) -> HTMLResponse:
    session, user = access.session, access.user
    shows = access.formulation_visible(compound)
    if shows and access.scope is None:
        session.commit()  # the formulation_read entry, kept even if rendering fails
    latest = compounds.latest_version(compound)
    context = {
        **_compound_form_context(session, user),
        "compound": compound,
        "latest": latest,
        "runnable_lines": compounds.runnable_lines(session, latest),
        "show_formulation": shows,
        "materials_by_id": {m.id: m.code for m in session.scalars(select(Material))},
        "values": values,
        "errors": errors,
    }
    return render(request, "catalog/compound.html", context, user=user, status_code=status_code)


@router.get("/compounds/{compound_id}", response_class=HTMLResponse)
def compound_detail(
    request: Request, access: AccessDep, user: Reader, compound_id: PathId
) -> HTMLResponse:
    compound = _visible_compound(access, compound_id)
    return _compound_page(request, access, compound, {}, {})


@router.post(
    "/compounds/{compound_id}/versions", dependencies=[Depends(verify_csrf)], response_model=None
)
def new_compound_version(
    request: Request, access: AccessDep, user: CompoundWriter, compound_id: PathId, form: FormFields
) -> Response:
    session = access.session
    compound = _visible_compound(access, compound_id)
    changes = spec_from_form(form, partial=True)
    if form.get("name", "").strip():
        changes["name"] = form["name"].strip()
    try:
        version = compounds.new_version(session, compound, changes, member_id=user.scope)
    except ValidationFailed as exc:
        session.rollback()
        compound = _visible_compound(access, compound_id)
        problems = exc.problems or [Problem("compound", "rejected")]
        return _compound_page(request, access, compound, dict(form), field_errors(problems), 422)
    access.audit(
        "update",
        "compound",
        compound.id,
        member_id=compound.member_id,
        detail={"version": version.version},
    )
    session.commit()
    return redirect(f"/compounds/{compound.id}")
