"""A changeover rule as the center enters it (checks that need no database)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mixshare.validation import Identifier, Number, Text

PATTERN_FIELDS = (
    "from_compound", "from_family", "from_colour", "from_stage",
    "to_compound", "to_family", "to_colour", "to_stage",
)  # fmt: skip


def _pattern(value: str | None) -> str | None:
    """``" nr , SBR "`` → ``"nr,SBR"``; blank or ``*`` means any (None)."""
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts or parts == ["*"]:
        return None
    return ",".join(parts)


class RuleIn(BaseModel):
    """One rule: when a line switches from a stage matching every ``from_*`` pattern to one
    matching every ``to_*`` pattern, it takes ``minutes``, ``cleaning_batches`` and ``cost``
    (or is ``forbidden``). Patterns are comma-separated values; empty means any."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    priority: int = Field(ge=0, le=1_000_000)
    name: Text = Field(min_length=1, max_length=120)
    line: Identifier | None = None  # a line code; None: every line
    same_compound: bool | None = None
    from_compound: str | None = Field(default=None, max_length=200)
    from_family: str | None = Field(default=None, max_length=60)
    from_colour: str | None = Field(default=None, max_length=60)
    from_staining: bool | None = None
    from_stage: str | None = Field(default=None, max_length=12)
    to_compound: str | None = Field(default=None, max_length=200)
    to_family: str | None = Field(default=None, max_length=60)
    to_colour: str | None = Field(default=None, max_length=60)
    to_staining: bool | None = None
    to_stage: str | None = Field(default=None, max_length=12)
    forbidden: bool = False
    minutes: int = Field(default=0, ge=0, le=24 * 60)
    cleaning_batches: int = Field(default=0, ge=0, le=20)
    cost: Number = Field(default=0.0, ge=0, le=1_000_000)

    @field_validator(*PATTERN_FIELDS)
    @classmethod
    def _tidy_pattern(cls, value: str | None) -> str | None:
        return _pattern(value)

    @field_validator("from_family", "to_family", "from_stage", "to_stage")
    @classmethod
    def _capitals(cls, value: str | None) -> str | None:
        return value.upper() if value else value

    @field_validator("from_colour", "to_colour")
    @classmethod
    def _small_letters(cls, value: str | None) -> str | None:
        return value.lower() if value else value
