"""The changeover rule editor (planner, center admin): the rules in the order they are tried,
a form to add one, and the matrix they give on a line, saying for each forbidden switch which
rule forbids it or that no rule matches. Also the reference lists rules and compounds name:
polymer families and colour classes (the center admin adds to them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mixshare.access import Access, CenterAdmin, OperationsViewer, Planner
from mixshare.changeovers import service as rules
from mixshare.changeovers.schemas import RuleIn
from mixshare.compounds import reference
from mixshare.compounds.models import STAGES, ColourClass, PolymerFamily
from mixshare.errors import NotFound, ValidationFailed
from mixshare.lines import service as lines
from mixshare.lines.models import Line
from mixshare.users.models import User
from mixshare.web.deps import SessionDep, verify_csrf
from mixshare.web.page_common import FormFields, field_errors, redirect, render
from mixshare.web.params import PathId

router = APIRouter()
RULES_PAGE = "catalog/changeover_rules.html"
REFERENCE_PAGE = "catalog/reference.html"
FLAGS = ("same_compound", "from_staining", "to_staining")


def _chosen_line(session: Session, request: Request) -> Line | None:
    """The line of ``?line=ID``, else the first line (None: the center has no lines yet)."""
    all_lines = lines.get_all(session)
    wanted = request.query_params.get("line", "")
    for line in all_lines:
        if str(line.id) == wanted:
            return line
    return all_lines[0] if all_lines else None


def _rules_page(
    request: Request,
    session: Session,
    user: User,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    line = _chosen_line(session, request)
    context = {
        "rules": rules.get_all(session),
        "lines": lines.get_all(session),
        "line_codes": {ln.id: ln.code for ln in lines.get_all(session)},
        "line": line,
        "matrix": rules.matrix(session, line) if line is not None else None,
        "max_forbidden": rules.MAX_FORBIDDEN_SHOWN,
        "families": reference.family_codes(session),
        "colours": reference.colour_codes(session),
        "stages": STAGES,
        "values": values,
        "errors": errors or {},
    }
    return render(request, RULES_PAGE, context, user=user, status_code=status_code)


@router.get("/changeover-rules", response_class=HTMLResponse)
def rule_editor(request: Request, session: SessionDep, user: Planner) -> HTMLResponse:
    last = max((r.priority for r in rules.get_all(session)), default=0)
    return _rules_page(request, session, user, {"priority": str(last + 10)})


def rule_data(form: dict[str, str]) -> dict[str, Any]:
    """The form as ``RuleIn`` expects it: blanks are "any", flags are yes / no / any."""
    data: dict[str, Any] = {}
    for name in RuleIn.model_fields:
        value = form.get(name, "").strip()
        if name == "forbidden":
            data[name] = bool(value)
        elif name in FLAGS:
            data[name] = {"yes": True, "no": False}.get(value)
        elif value:
            data[name] = value
    return data


@router.post("/changeover-rules/new", dependencies=[Depends(verify_csrf)], response_model=None)
def create_rule(request: Request, session: SessionDep, user: Planner, form: FormFields) -> Response:
    try:
        rule = rules.create_rule(session, rule_data(form))
    except ValidationFailed as exc:
        session.rollback()
        return _rules_page(request, session, user, form, field_errors(exc.problems), 422)
    detail = {"priority": rule.priority, "name": rule.name}
    Access(session, user, request).audit("create", "changeover_rule", rule.id, detail=detail)
    session.commit()
    return redirect(f"/changeover-rules?created={rule.id}")


@router.post(
    "/changeover-rules/{rule_id}/delete", dependencies=[Depends(verify_csrf)], response_model=None
)
def delete_rule(request: Request, session: SessionDep, user: Planner, rule_id: PathId) -> Response:
    try:
        removed = rules.delete_rule(session, rule_id)
    except NotFound:
        raise HTTPException(status_code=404) from None
    detail = {"priority": removed.priority, "name": removed.name}
    Access(session, user, request).audit("delete", "changeover_rule", rule_id, detail=detail)
    session.commit()
    return redirect("/changeover-rules?deleted=1")


# --- reference lists: polymer families, colour classes ---------------------------------------


def _reference_page(
    request: Request,
    session: Session,
    user: User,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "families": reference.families(session),
        "colours": reference.colour_classes(session),
        "errors": errors or {},
        "values": values or {},
    }
    return render(request, REFERENCE_PAGE, context, user=user, status_code=status_code)


@router.get("/reference", response_class=HTMLResponse)
def reference_lists(request: Request, session: SessionDep, user: OperationsViewer) -> HTMLResponse:
    return _reference_page(request, session, user)


def _add_to_list(
    request: Request,
    session: Session,
    user: User,
    form: FormFields,
    kind: str,
    add: Callable[[Session, dict[str, str]], PolymerFamily | ColourClass],
    object_type: str,
) -> Response:
    """Add a polymer family or a colour class from its form (its fields named ``kind_…`` on
    the page when the form comes back with errors)."""
    data = {"code": form.get("code", ""), "name": form.get("name", "")}
    try:
        added = add(session, data)
    except ValidationFailed as exc:
        session.rollback()
        errors = {f"{kind}_{k}": v for k, v in field_errors(exc.problems).items()}
        values = {f"{kind}_code": data["code"], f"{kind}_name": data["name"]}
        return _reference_page(request, session, user, errors, values, 422)
    detail = {"code": added.code}
    Access(session, user, request).audit("create", object_type, added.id, detail=detail)
    session.commit()
    return redirect(f"/reference?added={added.code}")


@router.post("/reference/families", dependencies=[Depends(verify_csrf)], response_model=None)
def add_family(
    request: Request, session: SessionDep, user: CenterAdmin, form: FormFields
) -> Response:
    return _add_to_list(
        request, session, user, form, "family", reference.add_family, "polymer_family"
    )


@router.post("/reference/colours", dependencies=[Depends(verify_csrf)], response_model=None)
def add_colour(
    request: Request, session: SessionDep, user: CenterAdmin, form: FormFields
) -> Response:
    return _add_to_list(
        request, session, user, form, "colour", reference.add_colour, "colour_class"
    )
