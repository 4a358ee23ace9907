from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from mixshare.orders import service as orders
from mixshare.orders.exports import export_orders_xlsx

from .conftest import NOW


def test_export_orders(center: Session, tmp_path: Path) -> None:
    due = NOW + timedelta(days=3)
    orders.create_order(
        center,
        {"member": "M01", "compound": "BELT-NR-01", "quantity_kg": 1500.0, "due_at": due,
         "note": "加急"},
        now=NOW,
    )  # fmt: skip
    path = tmp_path / "orders.xlsx"
    assert export_orders_xlsx(center, path) == 1
    sheet = load_workbook(path)["Orders"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "订单号 / Order number"
    assert header[6] == "交货时间 / Due (UTC+08:00)"
    row = [c.value for c in sheet[2]]
    assert row[:6] == ["M01-2610-0001", "M01", "BELT-NR-01", 1, "终炼胶 final", 1500.0]
    assert row[6] == due and sheet["G2"].number_format == "yyyy-mm-dd hh:mm"
    assert row[8] == "待排产 open" and row[10] == "加急"
    assert sheet.column_dimensions["A"].width >= len("M01-2610-0001")
    assert export_orders_xlsx(center, tmp_path / "other.xlsx", member_id=2) == 0
    assert load_workbook(tmp_path / "other.xlsx")["Orders"].max_row == 1
