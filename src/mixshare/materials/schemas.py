"""Input schemas for raw materials (checks that need no database)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mixshare.validation import Identifier, Number, Text

Category = Literal["polymer", "filler", "oil", "chemical", "curative"]


class MaterialIn(BaseModel):
    """A raw material as the center enters it; ``polymer`` materials make up the 100 phr."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: Identifier = Field(max_length=32)
    name: Text = Field(min_length=1, max_length=120)
    category: Category
    density: Number = Field(default=1.0, gt=0, le=10)
    price_per_kg: Number = Field(default=0.0, ge=0, le=100_000)


class MaterialChange(BaseModel):
    """Fields of a material that may change; the code never does (recipes name it)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Text | None = Field(default=None, min_length=1, max_length=120)
    category: Category | None = None
    density: Number | None = Field(default=None, gt=0, le=10)
    price_per_kg: Number | None = Field(default=None, ge=0, le=100_000)
