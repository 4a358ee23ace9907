"""Raw materials that recipes are made of."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from mixshare.db import Base

MATERIAL_CATEGORIES = ("polymer", "filler", "oil", "chemical", "curative")


class Material(Base):
    __tablename__ = "material"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(16))
    density: Mapped[float] = mapped_column(Float, default=1.0)
    price_per_kg: Mapped[float] = mapped_column(Float, default=0.0)
