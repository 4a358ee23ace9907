"""Member companies of the center. Every member-owned row elsewhere points here."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from mixshare.db import Base


class Member(Base):
    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    products: Mapped[str] = mapped_column(String(200), default="")
    # Multiplies the tardiness weight of the member's orders (contractual priority).
    priority_weight: Mapped[float] = mapped_column(Float, default=1.0)
