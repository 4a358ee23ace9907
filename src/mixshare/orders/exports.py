"""Export of orders to .xlsx for people (bilingual headers, formatted dates, fitted columns)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from mixshare.orders import service
from mixshare.orders.models import Order
from mixshare.settings import CENTER_TIMEZONE
from mixshare.spreadsheets import append_row, autosize

DATE_FORMAT = "yyyy-mm-dd hh:mm"
STAGE_NAMES = {"final": "终炼胶 final", "masterbatch": "母炼胶 masterbatch"}
STATUS_NAMES = {
    "open": "待排产 open",
    "planned": "已排产 planned",
    "in_progress": "生产中 in progress",
    "done": "已完成 done",
    "cancelled": "已取消 cancelled",
}


def _offset_label() -> str:
    """``UTC+08:00``: Excel cells cannot hold a time zone, so the header states it."""
    offset = datetime.now(CENTER_TIMEZONE).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def headers() -> list[str]:
    tz = _offset_label()
    return [
        "订单号 / Order number",
        "成员 / Member",
        "胶料 / Compound",
        "版本 / Version",
        "阶段 / Stage",
        "数量 kg / Quantity kg",
        f"交货时间 / Due ({tz})",
        f"到料时间 / Materials ready ({tz})",
        "状态 / Status",
        f"下单时间 / Created ({tz})",
        "备注 / Note",
    ]


def _row(order: Order) -> list[object]:
    version = order.compound_version
    return [
        order.number,
        order.member.code,
        version.compound.code,
        version.version,
        STAGE_NAMES.get(order.stage, order.stage),
        order.quantity_kg,
        order.due_at,
        order.release_at,
        STATUS_NAMES.get(order.status, order.status),
        order.created_at,
        order.note,
    ]


def export_orders_xlsx(
    session: Session, path: str | Path | IO[bytes], member_id: int | None = None
) -> int:
    """Write the orders (one member's when ``member_id`` is given) by due date; returns how
    many were written."""
    orders = service.get_all(session, member_id=member_id)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = "Orders"
    append_row(sheet, headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for order in orders:
        append_row(sheet, _row(order))
    for column in ("G", "H", "J"):
        for cell in sheet[column][1:]:
            cell.number_format = DATE_FORMAT
    for cell in sheet["F"][1:]:
        cell.number_format = "#,##0.0"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    autosize(sheet)
    book.save(path)
    return len(orders)
