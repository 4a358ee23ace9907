"""Raw materials: the list (center staff see all; a member's users only the materials their own
recipes use) and the forms to create and edit one (center admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mixshare.access import Access, CenterAdmin, Reader
from mixshare.errors import NotFound, ValidationFailed
from mixshare.materials import service as materials
from mixshare.materials.models import MATERIAL_CATEGORIES, Material
from mixshare.users.models import User
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import FormFields, field_errors, redirect, render
from mixshare.web.params import PathId

router = APIRouter()
FIELDS = ("name", "category", "density", "price_per_kg")
FORM = "catalog/material_form.html"


@router.get("/materials", response_class=HTMLResponse)
def material_list(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    rows = materials.get_all(session, user.scope)
    return render(request, "catalog/materials.html", {"materials": rows}, user=user)


def _material_or_404(session: Session, material_id: int) -> Material:
    try:
        return materials.get(session, material_id)
    except NotFound:
        raise HTTPException(status_code=404) from None


def _form(
    request: Request,
    user: User,
    material: Material | None,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "material": material,
        "values": values,
        "errors": errors or {},
        "categories": MATERIAL_CATEGORIES,
    }
    return render(request, FORM, context, user=user, status_code=status_code)


def _data(form: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    """The form as the service expects it: blank numbers left out (defaults apply)."""
    data: dict[str, Any] = {name: form.get(name, "").strip() for name in names}
    for name in ("density", "price_per_kg"):
        if name in data and not data[name]:
            data.pop(name)
    return data


@router.get("/materials/new", response_class=HTMLResponse)
def new_material(request: Request, user: CenterAdmin) -> HTMLResponse:
    return _form(request, user, None, {"category": "chemical", "density": "1"})


@router.post("/materials/new", dependencies=[Depends(verify_csrf)], response_model=None)
def create_material(
    request: Request, session: SessionDep, user: CenterAdmin, form: FormFields
) -> Response:
    try:
        material = materials.create_material(session, _data(form, ("code", *FIELDS)))
    except ValidationFailed as exc:
        session.rollback()
        return _form(request, user, None, form, field_errors(exc.problems), 422)
    detail = {"code": material.code}
    Access(session, user, request).audit("create", "material", material.id, detail=detail)
    session.commit()
    return redirect(f"/materials?created={material.code}")


@router.get("/materials/{material_id}", response_class=HTMLResponse)
def edit_material(
    request: Request, session: SessionDep, user: CenterAdmin, material_id: PathId
) -> HTMLResponse:
    material = _material_or_404(session, material_id)
    values = {name: getattr(material, name) for name in FIELDS}
    values["density"] = f"{material.density:g}"
    values["price_per_kg"] = f"{material.price_per_kg:g}"
    return _form(request, user, material, values)


@router.post("/materials/{material_id}", dependencies=[Depends(verify_csrf)], response_model=None)
def save_material(
    request: Request, session: SessionDep, user: CenterAdmin, material_id: PathId, form: FormFields
) -> Response:
    material = _material_or_404(session, material_id)
    try:
        materials.update_material(session, material.id, _data(form, FIELDS))
    except ValidationFailed as exc:
        session.rollback()
        material = _material_or_404(session, material_id)
        return _form(request, user, material, form, field_errors(exc.problems), 422)
    detail = {"code": material.code}
    Access(session, user, request).audit("update", "material", material.id, detail=detail)
    session.commit()
    return redirect(f"/materials?updated={material.code}")
