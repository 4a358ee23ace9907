"""Monthly statements: a member's statement of a month (a draft computed from the data until
the month is closed, the stored document after), closing a month, and credit notes.

A closed month's statements never change (the ORM refuses it): a correction is a credit note,
a new document that references the statement it corrects, with the difference line by line
between what the data says now and what was charged (or a stated amount).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mixshare.billing import contracts
from mixshare.billing.compute import (
    CATEGORIES,
    CATEGORY_NAMES,
    RULES,
    FixedShare,
    Incomplete,
    Item,
    MonthBilling,
    compute_month,
)
from mixshare.billing.models import (
    CREDIT_NOTE,
    STATEMENT,
    MonthClose,
    Statement,
    StatementLine,
)
from mixshare.errors import NotFound, Problem, ValidationFailed
from mixshare.ledger.service import month_window
from mixshare.members.models import Member
from mixshare.settings import now_local

__all__ = ["Incomplete", "compute_month"]
MAX_REASON = 400


def _member(session: Session, code: str) -> Member:
    member = session.scalar(select(Member).where(Member.code == code))
    if member is None:
        raise NotFound(f"no member with code {code!r}")
    return member


def closed(session: Session, month: str) -> MonthClose | None:
    return session.scalar(select(MonthClose).where(MonthClose.month == month))


def _by_category(lines: Sequence[dict[str, Any]]) -> dict[str, float]:
    cents = dict.fromkeys(CATEGORIES, 0)
    for line in lines:
        cents[line["category"]] = cents.get(line["category"], 0) + round(line["amount"] * 100)
    return {c: v / 100 for c, v in cents.items() if v or c in CATEGORIES[:2]}


def document_of(billing: MonthBilling, member: str) -> dict[str, Any]:
    """A member's statement as plain data (what the CLI, the API, the page and files show)."""
    lines = [item.read() for item in billing.lines.get(member, [])]
    fixed: FixedShare | None = billing.fixed.get(member)
    return {
        "number": None,
        "status": "draft",
        "month": billing.month,
        "member": member,
        "member_name": billing.members.get(member, ""),
        "contract": {
            "code": billing.contract.code,
            "name": billing.contract.name,
            "valid_from": f"{billing.contract.valid_from:%Y-%m}",
            "sharing_rule": billing.contract.sharing_rule,
        },
        "as_of": billing.draft_as_of.isoformat(timespec="minutes") if billing.draft_as_of else None,
        "issued_at": None,
        "lines": lines,
        "by_category": _by_category(lines),
        "category_names": CATEGORY_NAMES,
        "total": billing.member_total(member) / 100,
        "fixed": fixed.read() if fixed else None,
        "rules": RULES,
        "credit_notes": [],
    }


def _stored_document(session: Session, statement: Statement) -> dict[str, Any]:
    document = dict(statement.document)
    document["number"] = statement.number
    document["status"] = "closed"
    document["issued_at"] = statement.issued_at.isoformat(timespec="minutes")
    notes = session.scalars(
        select(Statement)
        .where(Statement.references_id == statement.id)
        .order_by(Statement.issued_at, Statement.id)
        .options(selectinload(Statement.lines))
    )
    document["credit_notes"] = [_note_read(note) for note in notes]
    balance = statement.total_cents + sum(round(n["total"] * 100) for n in document["credit_notes"])
    document["balance"] = balance / 100
    return document


def _note_read(note: Statement) -> dict[str, Any]:
    return {
        "number": note.number,
        "issued_at": note.issued_at.isoformat(timespec="minutes"),
        "reason": note.reason,
        "total": note.total_cents / 100,
        "lines": [_line_read(line) for line in note.lines],
    }


def _line_read(line: StatementLine) -> dict[str, Any]:
    return {
        "category": line.category,
        "key": line.key,
        "description": line.description,
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price": line.unit_price,
        "amount": line.amount_cents / 100,
    }


def _original(session: Session, month: str, member_id: int) -> Statement | None:
    return session.scalar(
        select(Statement).where(
            Statement.month == month, Statement.member_id == member_id, Statement.kind == STATEMENT
        )
    )


def statement(
    session: Session, *, month: str, member: str, now: datetime | None = None
) -> dict[str, Any]:
    """``member``'s statement of ``month``: stored once the month is closed, else a draft
    computed now (``Incomplete`` lists what is missing)."""
    month_window(month)
    found = _member(session, member)
    if closed(session, month) is not None:
        stored = _original(session, month, found.id)
        if stored is None:
            raise NotFound(f"{member} has no statement for {month}: it had no charges")
        return _stored_document(session, stored)
    return document_of(compute_month(session, month, now=now), member)


def month_summary(session: Session, *, month: str, now: datetime | None = None) -> dict[str, Any]:
    """Every member's total and the month's totals by kind of charge (staff only)."""
    month_window(month)
    close = closed(session, month)
    if close is not None:
        rows = session.execute(
            select(Member.code, Statement.kind, func.sum(Statement.total_cents))
            .join(Member, Member.id == Statement.member_id)
            .where(Statement.month == month)
            .group_by(Member.code, Statement.kind)
        ).all()
        totals: dict[str, dict[str, float]] = {}
        for code, kind, cents in rows:
            totals.setdefault(code, {"statement": 0.0, "credit_notes": 0.0})
            totals[code]["statement" if kind == STATEMENT else "credit_notes"] += cents / 100
        return {
            "month": month,
            "status": "closed",
            "closed_at": close.closed_at.isoformat(timespec="minutes"),
            "total": close.total_cents / 100,
            "members": totals,
        }
    billing = compute_month(session, month, now=now)
    return {
        "month": month,
        "status": "draft",
        "as_of": billing.draft_as_of.isoformat(timespec="minutes") if billing.draft_as_of else None,
        "contract": billing.contract.code,
        "total": billing.total_cents / 100,
        "by_category": {c: v / 100 for c, v in billing.totals.items()},
        "energy_ledger_cost": billing.energy_ledger_cost,
        "members": {m: billing.member_total(m) / 100 for m in sorted(billing.lines)},
    }


# --- closing and correcting ----------------------------------------------------------------


def _stored_lines(items: Sequence[Item]) -> list[StatementLine]:
    return [
        StatementLine(
            position=position,
            category=item.category,
            key=item.key,
            description=item.description,
            quantity=item.quantity,
            unit=item.unit,
            unit_price=item.unit_price,
            amount_cents=item.amount_cents,
        )
        for position, item in enumerate(items)
    ]


def close_month(
    session: Session, *, month: str, user_id: int | None = None, now: datetime | None = None
) -> MonthClose:
    """Freeze the month: store every member's statement (members with charges) once; a month
    that is not over, or is closed already, is refused, as is one with missing data."""
    _start, end = month_window(month)
    moment = now or now_local()
    if end > moment:
        message = f"the month is not over until {end:%Y-%m-%d %H:%M}; statements are drafts"
        raise ValidationFailed([Problem("month", message, month)])
    if closed(session, month) is not None:
        message = "the month is closed already: correct a statement with a credit note"
        raise ValidationFailed([Problem("month", message, month)])
    billing = compute_month(session, month, now=moment)
    ids = dict(session.execute(select(Member.code, Member.id)).all())
    stored = 0
    for member in sorted(billing.lines):
        document = document_of(billing, member)
        session.add(
            Statement(
                number=f"ST-{month}-{member}",
                kind=STATEMENT,
                month=month,
                member_id=ids[member],
                contract_id=billing.contract.id,
                total_cents=billing.member_total(member),
                document=document,
                issued_at=moment,
                issued_by=user_id,
                lines=_stored_lines(billing.lines[member]),
            )
        )
        stored += 1
    close = MonthClose(
        month=month,
        contract_id=billing.contract.id,
        total_cents=billing.total_cents,
        statements=stored,
        closed_at=moment,
        closed_by=user_id,
    )
    session.add(close)
    session.flush()
    return close


def _charged(session: Session, original: Statement) -> dict[str, tuple[Item, int]]:
    """What was charged so far by line key: the original and every credit note since."""
    charged: dict[str, tuple[Item, int]] = {}
    documents = session.scalars(
        select(Statement)
        .where((Statement.id == original.id) | (Statement.references_id == original.id))
        .order_by(Statement.id)
        .options(selectinload(Statement.lines))
    )
    for document in documents:
        for line in document.lines:
            item = Item(
                line.category,
                line.key,
                line.description,
                line.quantity,
                line.unit,
                line.unit_price,
                line.amount_cents,
            )
            before = charged.get(line.key, (item, 0))[1]
            charged[line.key] = (item, before + line.amount_cents)
    return charged


def _differences(now_items: Sequence[Item], charged: dict[str, tuple[Item, int]]) -> list[Item]:
    current = {item.key: item for item in now_items}
    lines = []
    for key in [*current, *(k for k in charged if k not in current)]:
        new = current.get(key)
        old_item, old_cents = charged.get(key, (new, 0))
        assert old_item is not None
        difference = (new.amount_cents if new else 0) - old_cents
        if difference:
            quantity = (new.quantity if new else 0.0) - (old_item.quantity if key in charged else 0)
            basis = new or old_item
            lines.append(
                Item(
                    basis.category,
                    key,
                    f"更正 Correction: {basis.description}",
                    round(quantity, 3),
                    basis.unit,
                    basis.unit_price,
                    difference,
                )
            )
    return lines


def credit_note(
    session: Session,
    *,
    month: str,
    member: str,
    reason: str,
    amount: float | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> Statement:
    """A credit note on ``member``'s closed statement of ``month``: a credit of ``amount`` yuan
    when given, else the difference line by line between the month recomputed from today's data
    and what was charged (original and earlier notes). Nothing to correct is refused."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON or "\n" in reason:
        message = f"a reason of one line, 1 to {MAX_REASON} characters, is required"
        raise ValidationFailed([Problem("reason", message)])
    if closed(session, month) is None:
        message = "the month is not closed: its statements are drafts, correct the data instead"
        raise ValidationFailed([Problem("month", message, month)])
    found = _member(session, member)
    original = _original(session, month, found.id)
    if original is None:
        raise NotFound(f"{member} has no statement for {month}")
    moment = now or now_local()
    if amount is not None:
        if not 0 < amount <= 1e9:
            raise ValidationFailed([Problem("amount", "a credit of more than 0 yuan", str(amount))])
        cents = round(amount * 100)
        items = [Item("credit", "credit", f"贷记 Credit: {reason}", 1, "", -cents / 100, -cents)]
    else:
        billing = compute_month(session, month, now=moment)
        items = _differences(billing.lines.get(member, []), _charged(session, original))
        if not items:
            message = "the data gives the same statement: nothing to correct"
            raise ValidationFailed([Problem("member", message, member)])
    count = session.scalar(
        select(func.count(Statement.id)).where(Statement.references_id == original.id)
    )
    note = Statement(
        number=f"CN-{month}-{member}-{(count or 0) + 1}",
        kind=CREDIT_NOTE,
        month=month,
        member_id=found.id,
        contract_id=original.contract_id,
        references_id=original.id,
        total_cents=sum(i.amount_cents for i in items),
        reason=reason,
        document={
            "references": original.number,
            "reason": reason,
            "lines": [i.read() for i in items],
        },
        issued_at=moment,
        issued_by=user_id,
        lines=_stored_lines(items),
    )
    session.add(note)
    session.flush()
    return note


def contract_in_force(session: Session, month: str) -> dict[str, Any] | None:
    start, _end = month_window(month)
    contract = contracts.in_force(session, start.date())
    return contracts.read(contract) if contract else None
