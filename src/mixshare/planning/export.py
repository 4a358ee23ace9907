"""Plan exports: a self-contained JSON document for independent checking, and Excel.

The JSON holds everything needed to re-check a plan without mixshare: horizon, line
unavailability, rest windows, orders, lots, changeovers and the changeover matrix over every
pair of compound stages in the plan. Times are ISO-8601 with the center's offset.

``unplanned_orders`` lists the orders the plan left out, each as
``{"order": NUMBER, "reason": CODE, "detail": TEXT}``: CODE is one of ``no_eligible_line``,
``does_not_fit_horizon``, ``rest_window_impossible``, ``released_too_late`` and
``no_capacity`` (see :mod:`mixshare.planning.reasons`), TEXT says which stage, line or window
(docs/plan-export.md).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds.changeovers import StageAttributes, changeover_matrix, stage_attributes
from mixshare.compounds.models import ChangeoverRule, CompoundVersion
from mixshare.lines import calendars
from mixshare.lines import service as lines_service
from mixshare.orders.models import Order
from mixshare.orders.service import plan_reference, shared_numbers
from mixshare.planning.models import Plan, PlanLot
from mixshare.settings import CENTER_TIMEZONE
from mixshare.spreadsheets import append_row


def iso(moment: datetime) -> str:
    """Local center time as ISO-8601 with offset."""
    return moment.replace(tzinfo=CENTER_TIMEZONE).isoformat()


def _orders(plan: Plan) -> list[Order]:
    unique = {lot.order_id: lot.order for lot in plan.lots}
    return sorted(unique.values(), key=lambda o: (o.number, o.member_id))


def _stage_keys(plan: Plan) -> dict[str, StageAttributes]:
    return {
        stage_attributes(lot.compound_version, lot.stage).key: stage_attributes(
            lot.compound_version, lot.stage
        )
        for lot in plan.lots
    }


def _matrix(session: Session, plan: Plan) -> dict[str, Any]:
    rules = list(session.scalars(select(ChangeoverRule)))
    stages = list(_stage_keys(plan).values())
    result: dict[str, Any] = {}
    for line in lines_service.get_all(session):
        matrix = changeover_matrix(rules, line.id, stages)
        result[line.code] = {
            a: {
                b: None
                if c is None
                else {"minutes": c.minutes, "cleaning_batches": c.cleaning_batches}
                for b, c in row.items()
            }
            for a, row in matrix.items()
        }
    return result


def _lines(session: Session, plan: Plan) -> list[dict[str, Any]]:
    lines = []
    for line in lines_service.get_all(session):
        spans = calendars.unavailable(session, line, plan.horizon_start, plan.horizon_end)
        lines.append(
            {
                "id": line.code,
                "unavailable": [{"start": iso(s), "end": iso(e)} for s, e in spans],
            }
        )
    return lines


def _compounds(plan: Plan) -> list[dict[str, Any]]:
    versions: dict[int, CompoundVersion] = {
        lot.compound_version_id: lot.compound_version for lot in plan.lots
    }
    return [
        {
            "id": v.key,
            "min_rest_minutes": v.min_rest_minutes,
            "max_age_minutes": v.max_age_minutes,
        }
        for v in sorted(versions.values(), key=lambda v: v.key)
    ]


def _lot(lot: PlanLot, shared: set[str]) -> dict[str, Any]:
    return {
        "id": lot.code,
        "order": plan_reference(lot.order, shared),
        "member": lot.member.code,
        "compound": lot.compound_version.key,
        "stage": lot.stage,
        "line": lot.line.code,
        "batches": lot.batches,
        "kg": lot.kg,
        "start": iso(lot.start),
        "end": iso(lot.end),
        "kwh": lot.kwh,
        "energy_cost": lot.energy_cost,
        "locked": lot.locked,
    }


def unplanned_orders(plan: Plan, shared: set[str]) -> list[dict[str, str]]:
    """``{"order": NUMBER, "reason": CODE, "detail": TEXT}`` per order left out, by number;
    the codes are those of :mod:`mixshare.planning.reasons`."""
    rows = [
        {"order": plan_reference(u.order, shared), "reason": u.reason_code, "detail": u.reason}
        for u in plan.unplanned
    ]
    return sorted(rows, key=lambda row: row["order"])


def plan_document(session: Session, plan: Plan) -> dict[str, Any]:
    """The plan as one JSON-ready document (see the module docstring)."""
    shared = shared_numbers(session)  # orders are named as the planner named them
    return {
        "plan": {
            "id": str(plan.id),
            "version": plan.version,
            "status": plan.status,
            "method": plan.method,
            "created_at": iso(plan.created_at),
            "lower_bound": plan.lower_bound,
            "kpis": plan.kpis,
        },
        "horizon": {"start": iso(plan.horizon_start), "end": iso(plan.horizon_end)},
        "lines": _lines(session, plan),
        "compounds": _compounds(plan),
        "orders": [
            {
                "id": plan_reference(o, shared),
                "member": o.member.code,
                "compound": o.compound_version.key,
                "stage": o.stage,
                "kg": o.quantity_kg,
                "due": iso(o.due_at),
            }
            for o in _orders(plan)
        ],
        "unplanned_orders": unplanned_orders(plan, shared),
        "lots": [
            _lot(lot, shared) for lot in sorted(plan.lots, key=lambda x: (x.line.code, x.start))
        ],
        "changeovers": [
            {
                "line": c.line.code,
                "from_lot": c.from_lot_code,
                "to_lot": c.to_lot_code,
                "start": iso(c.start),
                "end": iso(c.end),
                "cleaning_batches": c.cleaning_batches,
                "cost": c.cost,
            }
            for c in sorted(plan.changeovers, key=lambda x: (x.line.code, x.start))
        ],
        "changeover_matrix": _matrix(session, plan),
    }


PLAN_COLUMNS = [
    ("批次组 / Lot", "id"),
    ("订单 / Order", "order"),
    ("成员 / Member", "member"),
    ("胶料 / Compound", "compound"),
    ("段 / Stage", "stage"),
    ("产线 / Line", "line"),
    ("车数 / Batches", "batches"),
    ("重量 kg / Weight kg", "kg"),
    ("开始 / Start", "start"),
    ("结束 / End", "end"),
    ("电量 kWh / Energy kWh", "kwh"),
    ("电费 元 / Energy cost yuan", "energy_cost"),
]


def export_plan_xlsx(session: Session, plan: Plan, path: str | Path | IO[bytes]) -> None:
    """The plan's lots and changeovers as two sheets, for people who live in Excel."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "计划 Plan"
    append_row(sheet, [title for title, _ in PLAN_COLUMNS])
    shared = shared_numbers(session)
    for lot in sorted(plan.lots, key=lambda x: (x.line.code, x.start)):
        row = _lot(lot, shared)
        row["start"], row["end"] = lot.start, lot.end
        append_row(sheet, [row[key] for _, key in PLAN_COLUMNS])
    changeovers = book.create_sheet("换产 Changeovers")
    append_row(
        changeovers,
        [
            "产线 / Line",
            "从 / From",
            "到 / To",
            "开始 / Start",
            "结束 / End",
            "洗车胶 / Cleaning batches",
            "费用 / Cost",
        ],
    )
    for c in sorted(plan.changeovers, key=lambda x: (x.line.code, x.start)):
        append_row(
            changeovers,
            [
                c.line.code,
                c.from_lot_code,
                c.to_lot_code,
                c.start,
                c.end,
                c.cleaning_batches,
                c.cost,
            ],
        )
    for ws in (sheet, changeovers):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for column in ws.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            ws.column_dimensions[column[0].column_letter].width = min(40, width + 2)
        ws.freeze_panes = "A2"
    book.save(path)
