"""Input schemas for compounds (recipes).

Only what can be checked without the database lives here; rules that need stored data
(member and material exist, polymers of the masterbatch sum to 100 phr, some line may run
every stage) are checked in :mod:`mixshare.compounds.service`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mixshare.validation import Id, Identifier, Number, Text, WholeNumber

INGREDIENT_STAGES = ("MB", "FB")
# Real recipes have 10-30 ingredients; 10,000 is an attack on the planner and the pages.
MAX_INGREDIENTS = 60
MINUTES_PER_YEAR = 365 * 24 * 60


class IngredientIn(BaseModel):
    """One recipe line: ``phr`` of ``material`` (code) added in ``stage``."""

    model_config = ConfigDict(str_strip_whitespace=True)

    stage: Literal["MB", "FB"]
    material: Identifier = Field(max_length=32)
    phr: Number = Field(gt=0, le=1000)


class VersionSpec(BaseModel):
    """Everything a compound version holds; a new version is a modified copy of this."""

    model_config = ConfigDict(str_strip_whitespace=True)

    polymer_family: str = Field(min_length=1, max_length=8)
    colour_class: str = Field(min_length=1, max_length=12)
    staining: bool = False
    density: Number = Field(ge=0.8, le=2.5)
    has_remill: bool = False
    has_final: bool = True
    max_dump_temp_c: Number = Field(default=165.0, gt=0, le=250)
    # at most a year: beyond that the numbers overflow date arithmetic and mean nothing
    min_rest_minutes: WholeNumber = Field(default=240, ge=0, le=MINUTES_PER_YEAR)
    max_age_minutes: WholeNumber = Field(default=7200, gt=0, le=MINUTES_PER_YEAR)
    shelf_life_minutes: WholeNumber = Field(default=10080, gt=0, le=MINUTES_PER_YEAR)
    ingredients: list[IngredientIn] = Field(min_length=1, max_length=MAX_INGREDIENTS)

    # Whether the family and colour class are listed is reference data the center extends:
    # checked in the service (mixshare.compounds.reference); here only their written form.
    @field_validator("polymer_family")
    @classmethod
    def _family_in_capitals(cls, value: str) -> str:
        return value.upper()

    @field_validator("colour_class")
    @classmethod
    def _colour_in_small_letters(cls, value: str) -> str:
        return value.lower()

    @model_validator(mode="after")
    def _consistent(self) -> VersionSpec:
        if self.max_age_minutes <= self.min_rest_minutes:
            raise ValueError(
                f"max_age_minutes ({self.max_age_minutes}) must be greater than "
                f"min_rest_minutes ({self.min_rest_minutes}): the masterbatch would expire "
                "before it may be used"
            )
        stages = {i.stage for i in self.ingredients}
        if "MB" not in stages:
            raise ValueError("the masterbatch (MB) needs ingredients")
        if self.has_final and "FB" not in stages:
            raise ValueError("has_final is set but the final batch (FB) has no ingredients")
        if not self.has_final and "FB" in stages:
            raise ValueError("a masterbatch-only compound (has_final false) has FB ingredients")
        return self


class CompoundCreate(VersionSpec):
    """A new compound owned by ``member`` (its code or id), with its first version."""

    member: Id | Identifier
    code: Identifier  # no '/': it separates compound and stage in plan keys ("C/STAGE")
    name: Text = Field(min_length=1, max_length=120)

    def spec(self) -> VersionSpec:
        return VersionSpec.model_validate(self.model_dump(include=set(VersionSpec.model_fields)))


class CompoundChanges(BaseModel):
    """What a new version changes; fields left ``None`` are copied from the latest version."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Text | None = Field(default=None, min_length=1, max_length=120)
    polymer_family: str | None = None
    colour_class: str | None = None
    staining: bool | None = None
    density: Number | None = None
    has_remill: bool | None = None
    has_final: bool | None = None
    max_dump_temp_c: Number | None = None
    min_rest_minutes: WholeNumber | None = None
    max_age_minutes: WholeNumber | None = None
    shelf_life_minutes: WholeNumber | None = None
    ingredients: list[IngredientIn] | None = Field(default=None, max_length=MAX_INGREDIENTS)
