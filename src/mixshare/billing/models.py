"""Prices and monthly statements: the versioned contract, and the statements of closed months.

A **contract** version holds from ``valid_from`` (the first day of a month) until the next
version; a change of price is a new version, never an edit. Its ``prices`` are rows of
``(item, key, stage, price)``: the tolling fee per tonne by compound class and stage, the price
of a cleaning batch, of a lab test (by test method, ``*`` for any), of a tonne-day in store and
the fixed monthly costs shared between the members.

A **statement** is stored when its month is closed (``month_close``), and never changes after:
a correction is a **credit note**, a new document that references the original. The ORM
refuses to update or delete any of these rows (:func:`refuse_change`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from mixshare.db import Base
from mixshare.errors import MixshareError
from mixshare.members.models import Member

PRICE_ITEMS = ("tolling", "cleaning", "lab_test", "storage", "fixed")
"""tolling: yuan/t by compound class (key) and stage; cleaning: yuan per cleaning batch;
lab_test: yuan per test by test method code (key, ``*`` for any); storage: yuan per tonne-day;
fixed: yuan a month by cost item (key: depreciation, staff, treatment, overheads, ...)."""
SHARING_RULES = ("shapley", "nucleolus", "proportional")
STATEMENT = "statement"
CREDIT_NOTE = "credit_note"


class ContractVersion(Base):
    """One version of the center's contract with its members."""

    __tablename__ = "billing_contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date, unique=True)  # first day of a month
    sharing_rule: Mapped[str] = mapped_column(String(20))
    storage_free_days: Mapped[float] = mapped_column(Float, default=0.0)
    source: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )

    prices: Mapped[list[ContractPrice]] = relationship(
        back_populates="contract", order_by="ContractPrice.id", cascade="all"
    )


class ContractPrice(Base):
    """One price of a contract version."""

    __tablename__ = "billing_contract_price"
    __table_args__ = (UniqueConstraint("contract_id", "item", "key", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("billing_contract.id"), index=True)
    item: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(40), default="")
    stage: Mapped[str] = mapped_column(String(2), default="")
    price: Mapped[float] = mapped_column(Float)

    contract: Mapped[ContractVersion] = relationship(back_populates="prices")


class MonthClose(Base):
    """A closed month: its statements are stored and frozen."""

    __tablename__ = "billing_month_close"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("billing_contract.id"))
    total_cents: Mapped[int] = mapped_column(BigInteger)
    statements: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[datetime] = mapped_column(DateTime)
    closed_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )


class Statement(Base):
    """A member's statement of a closed month, or a credit note correcting one."""

    __tablename__ = "billing_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # statement | credit_note
    month: Mapped[str] = mapped_column(String(7), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("billing_contract.id"))
    references_id: Mapped[int | None] = mapped_column(
        ForeignKey("billing_statement.id"), nullable=True
    )
    total_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(400), default="")
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    issued_by: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True
    )

    member: Mapped[Member] = relationship()
    lines: Mapped[list[StatementLine]] = relationship(
        back_populates="statement", order_by="StatementLine.position", cascade="all"
    )


class StatementLine(Base):
    """One line of a stored statement (amount in cents)."""

    __tablename__ = "billing_statement_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("billing_statement.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    unit_price: Mapped[float] = mapped_column(Float)
    amount_cents: Mapped[int] = mapped_column(BigInteger)

    statement: Mapped[Statement] = relationship(back_populates="lines")


class Immutable(MixshareError):
    """A contract version, a closed month or a stored statement was to be changed."""


FROZEN = (ContractVersion, ContractPrice, MonthClose, Statement, StatementLine)


def refuse_change(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    raise Immutable(
        f"{type(target).__name__} rows are never changed: a new contract version, or a credit "
        "note for a closed statement"
    )


for _model in FROZEN:
    event.listen(_model, "before_update", refuse_change)
    event.listen(_model, "before_delete", refuse_change)
