"""Polymer families and colour classes: reference data a center extends (say, a colour class
"white"). Compounds and changeover rules may only name the ones listed here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.models import ColourClass, PolymerFamily
from mixshare.errors import Problem, ValidationFailed, validated
from mixshare.validation import Text

FAMILY_CODE = r"^[A-Z][A-Z0-9-]*$"
COLOUR_CODE = r"^[a-z][a-z0-9_-]*$"
FIX = "add it on the page /reference"


class FamilyIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: str = Field(min_length=1, max_length=8, pattern=FAMILY_CODE)
    name: Text = Field(default="", max_length=120)


class ColourIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: str = Field(min_length=1, max_length=12, pattern=COLOUR_CODE)
    name: Text = Field(default="", max_length=120)


def families(session: Session) -> list[PolymerFamily]:
    return list(session.scalars(select(PolymerFamily).order_by(PolymerFamily.id)))


def colour_classes(session: Session) -> list[ColourClass]:
    return list(session.scalars(select(ColourClass).order_by(ColourClass.id)))


def family_codes(session: Session) -> list[str]:
    return [f.code for f in families(session)]


def colour_codes(session: Session) -> list[str]:
    return [c.code for c in colour_classes(session)]


def unknown_family(session: Session, location: str, code: str) -> list[Problem]:
    """A problem if ``code`` is not a listed polymer family."""
    known = family_codes(session)
    if code in known:
        return []
    return [Problem(location, f"unknown polymer family; use one of {', '.join(known)}, or {FIX}",
                    code)]  # fmt: skip


def unknown_colour(session: Session, location: str, code: str) -> list[Problem]:
    """A problem if ``code`` is not a listed colour class."""
    known = colour_codes(session)
    if code in known:
        return []
    return [Problem(location, f"unknown colour class; use one of {', '.join(known)}, or {FIX}",
                    code)]  # fmt: skip


def add_family(session: Session, data: FamilyIn | Mapping[str, Any]) -> PolymerFamily:
    """A new polymer family (code in capitals, e.g. FKM)."""
    if isinstance(data, Mapping) and isinstance(data.get("code"), str):
        data = {**data, "code": data["code"].strip().upper()}
    spec = validated(FamilyIn, data)
    if spec.code in family_codes(session):
        raise ValidationFailed([Problem("code", "this polymer family exists", spec.code)])
    family = PolymerFamily(code=spec.code, name=spec.name)
    session.add(family)
    session.flush()
    return family


def add_colour(session: Session, data: ColourIn | Mapping[str, Any]) -> ColourClass:
    """A new colour class (code in small letters, e.g. white)."""
    if isinstance(data, Mapping) and isinstance(data.get("code"), str):
        data = {**data, "code": data["code"].strip().lower()}
    spec = validated(ColourIn, data)
    if spec.code in colour_codes(session):
        raise ValidationFailed([Problem("code", "this colour class exists", spec.code)])
    colour = ColourClass(code=spec.code, name=spec.name)
    session.add(colour)
    session.flush()
    return colour
