"""A counter in the database that moves whenever data the pages show is written.

Page caches (:mod:`mixshare.web.pages.cache`) put the counter in their keys, so an edit made
through any web process, worker or CLI command is seen by every process on its next request:
per-process invalidation cannot reach the other web processes. The counter is bumped once per
transaction just before it commits (one short row lock, not one held through a plan run).

Only tables the pages show are watched: audit entries, logins, sessions, tokens and job
progress change all the time and would empty the caches for nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, event, select, update
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from mixshare.db import Base

SHOWN_TABLES = frozenset(
    {
        "changeover_rule",
        "calendar",
        "colour_class",
        "compound",
        "compound_version",
        "downtime",
        "holiday",
        "ingredient",
        "line",
        "line_compound_stage",
        "line_stage",
        "material",
        "member",
        "orders",
        "plan",
        "plan_changeover",
        "plan_lot",
        "plan_unplanned",
        "polymer_family",
        "shift",
        "tariff",
        "tariff_band",
    }
)
_CHANGED = "mixshare_shown_data_changed"


class DataVersion(Base):
    """One row: the number of committed transactions that changed shown data."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


def current(session: Session) -> int:
    """The counter as committed now (0 before the first change)."""
    return int(session.scalar(select(DataVersion.value).where(DataVersion.id == 1)) or 0)


def _shown(instance: Any) -> bool:
    table = getattr(instance, "__tablename__", None)
    return table in SHOWN_TABLES


def _note_flush(session: Session, _context: Any, _instances: Any) -> None:
    if any(_shown(o) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


def _note_statement(state: ORMExecuteState) -> None:
    """Bulk ``update(...)``/``delete(...)``/``insert(...)`` on a shown table."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in SHOWN_TABLES:
        state.session.info[_CHANGED] = True


def _bump_before_commit(session: Session) -> None:
    pending = any(_shown(o) for o in (*session.new, *session.dirty, *session.deleted))
    if not (session.info.pop(_CHANGED, False) or pending):
        return
    bumped = session.execute(
        update(DataVersion).where(DataVersion.id == 1).values(value=DataVersion.value + 1)
    )
    if getattr(bumped, "rowcount", 1) == 0:  # a database created before the row existed
        session.add(DataVersion(id=1, value=1))


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_CHANGED, None)


event.listen(Session, "before_flush", _note_flush)
event.listen(Session, "do_orm_execute", _note_statement)
event.listen(Session, "before_commit", _bump_before_commit)
event.listen(Session, "after_soft_rollback", _forget)
