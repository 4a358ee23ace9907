"""Compounds (recipes), their immutable versions, ingredients, and changeover rules.

A member owns a compound; what is mixed is always a *version*. Versions are never edited:
a change of recipe or limits creates a new version, so orders and plans that point at an old
version keep meaning what they meant.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mixshare.db import Base
from mixshare.members.models import Member

# The families and colour classes every center starts with (seeded by migration 0007); a
# center extends them as reference data (tables polymer_family and colour_class).
POLYMER_FAMILIES = ("NR", "SBR", "BR", "EPDM", "NBR", "CR", "IIR")
COLOUR_CLASSES = ("black", "light", "coloured")
STAGES = ("MB", "RM", "FB")


class Compound(Base):
    __tablename__ = "compound"
    __table_args__ = (UniqueConstraint("member_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    # What the member makes from it, as the VOC emission-factor handbook groups products
    # (reference data ``product_class``); most of the park makes belts and hoses.
    product_class: Mapped[str] = mapped_column(
        String(24), default="sheet_hose_belt", server_default="sheet_hose_belt"
    )

    member: Mapped[Member] = relationship()
    versions: Mapped[list[CompoundVersion]] = relationship(
        back_populates="compound", order_by="CompoundVersion.version"
    )


class CompoundVersion(Base):
    __tablename__ = "compound_version"
    __table_args__ = (UniqueConstraint("compound_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compound.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    polymer_family: Mapped[str] = mapped_column(String(8))
    colour_class: Mapped[str] = mapped_column(String(12))
    staining: Mapped[bool] = mapped_column(Boolean, default=False)
    density: Mapped[float] = mapped_column(Float)
    has_remill: Mapped[bool] = mapped_column(Boolean, default=False)
    # False: a masterbatch-only compound, sold without a final stage.
    has_final: Mapped[bool] = mapped_column(Boolean, default=True)
    max_dump_temp_c: Mapped[float] = mapped_column(Float, default=165.0)
    min_rest_minutes: Mapped[int] = mapped_column(Integer, default=240)
    max_age_minutes: Mapped[int] = mapped_column(Integer, default=7200)
    shelf_life_minutes: Mapped[int] = mapped_column(Integer, default=10080)

    compound: Mapped[Compound] = relationship(back_populates="versions")
    ingredients: Mapped[list[Ingredient]] = relationship(
        back_populates="version", order_by="Ingredient.position", cascade="all, delete-orphan"
    )

    @property
    def key(self) -> str:
        """Readable identifier, unique across members, used in plans and exports.

        Compound codes are unique only within a member, hence the member code in front:
        ``M03.BELT-NR-01.v2``.
        """
        return f"{self.compound.member.code}.{self.compound.code}.v{self.version}"

    def stages(self) -> list[str]:
        """The stages this compound passes through when mixed to its final form."""
        stages = ["MB"]
        if self.has_remill:
            stages.append("RM")
        if self.has_final:
            stages.append("FB")
        return stages

    def phr_total(self, stage: str) -> float:
        return sum(i.phr for i in self.ingredients if i.stage == stage)


class Ingredient(Base):
    __tablename__ = "ingredient"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("compound_version.id"), index=True)
    stage: Mapped[str] = mapped_column(String(2))
    position: Mapped[int] = mapped_column(Integer)
    material_id: Mapped[int] = mapped_column(ForeignKey("material.id"))
    phr: Mapped[float] = mapped_column(Float)

    version: Mapped[CompoundVersion] = relationship(back_populates="ingredients")


class ChangeoverRule(Base):
    """One priority-ordered changeover rule; lower ``priority`` is tried first.

    Pattern columns hold a comma-separated set of allowed values, or NULL for "any". The
    compound patterns name compounds as ``MEMBER.CODE`` (any version) or a version key
    ``MEMBER.CODE.vN``.
    ``same_compound`` restricts the rule to switches within (True) or between (False)
    compound stages. ``line_id`` NULL applies to every line. ``forbidden`` rules forbid
    what they match; a switch no rule matches is forbidden too.
    """

    __tablename__ = "changeover_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    line_id: Mapped[int | None] = mapped_column(ForeignKey("line.id"), nullable=True)
    same_compound: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    from_compound: Mapped[str | None] = mapped_column(String(200), nullable=True)
    to_compound: Mapped[str | None] = mapped_column(String(200), nullable=True)
    from_family: Mapped[str | None] = mapped_column(String(60), nullable=True)
    from_colour: Mapped[str | None] = mapped_column(String(60), nullable=True)
    from_staining: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    from_stage: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_family: Mapped[str | None] = mapped_column(String(60), nullable=True)
    to_colour: Mapped[str | None] = mapped_column(String(60), nullable=True)
    to_staining: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    to_stage: Mapped[str | None] = mapped_column(String(12), nullable=True)
    forbidden: Mapped[bool] = mapped_column(Boolean, default=False)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    cleaning_batches: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[float] = mapped_column(Float, default=0.0)


class PolymerFamily(Base):
    """A polymer family compounds and rules may name (NR, SBR, ...); a center adds its own."""

    __tablename__ = "polymer_family"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")


class ColourClass(Base):
    """A colour class compounds and rules may name (black, light, ...); a center adds its own."""

    __tablename__ = "colour_class"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
