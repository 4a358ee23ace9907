"""The environment ledger's workbooks: the monthly permit execution report (排污许可执行报告,
one sheet per ledger part) and the zero-waste indicator sheet (per-tonne intensities).

Every cell goes through :func:`mixshare.spreadsheets.append_row`, so a receiver's name or a
note that starts with "=" stays text and never runs as a formula."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from mixshare.environment import service
from mixshare.environment.service import EnvironmentMonth
from mixshare.spreadsheets import append_row, autosize

INDICATOR_NAMES = {
    "voc_factor_kg_t": "VOC（排放系数法）/ VOC, emission factor",
    "voc_stack_kg_t": "VOC（在线监测）/ VOC, stack monitoring",
    "pm_kg_t": "颗粒物 / Particulates",
    "general_waste_kg_t": "一般工业固废产生强度 / General waste",
    "hazardous_waste_kg_t": "危险废物产生强度 / Hazardous waste",
    "activated_carbon_kg_t": "废活性炭 / Spent activated carbon",
    "hazardous_transferred_pct": "危废转移率 / Hazardous waste transferred",
    "general_utilised_pct": "一般固废综合利用率 / General waste utilised",
}


def _sheet(book: Workbook, title: str, header: list[str]) -> Worksheet:
    sheet = book.create_sheet(title)
    append_row(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    return sheet


def _summary(book: Workbook, ledger: EnvironmentMonth) -> None:
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = "Summary"
    append_row(sheet, ["项目 / Item", "值 / Value", "单位 / Unit", "方法与依据 / Method and basis"])
    voc, stack = ledger.voc_factor, ledger.stack
    rows: list[list[object]] = [
        ["月份 / Month", ledger.month, "", ""],
        ["胶料投入量 / Rubber input", ledger.tonnes, "t", service.BASIS],
        ["VOC（以NMHC计）排放系数法 / VOC as NMHC, emission factor", voc.emitted_kg, "kg",
         _factor_method(ledger)],
        ["VOC（以NMHC计）在线监测 / VOC as NMHC, stack monitoring",
         stack.nmhc_kg if stack.hours_read else None, "kg",
         f"{service.STACK_METHOD}: Σ mg/m³ × m³/h × 1 h over {stack.hours_read} of "
         f"{stack.hours_in_month} hours (hours without a reading are not filled in)"],
        ["颗粒物 / Particulates", ledger.pm_kg, "kg", ledger.pm_method],
    ]  # fmt: skip
    if voc.missing:
        rows.append(["缺少数据 / Missing data", "; ".join(voc.missing), "", ""])
    for row in rows:
        append_row(sheet, row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    autosize(sheet)


def _factor_method(ledger: EnvironmentMonth) -> str:
    voc = ledger.voc_factor
    parts = [f"{c.product_class} {c.tonnes:.3f} t × {c.factor_kg_t} kg/t" for c in voc.classes]
    return (f"{service.FACTOR_METHOD}: ({' + '.join(parts) or '0'}) × (1 − capture "
            f"{voc.capture} × treatment {voc.removal})")  # fmt: skip


def _voc_by_class(book: Workbook, ledger: EnvironmentMonth) -> None:
    sheet = _sheet(book, "VOC factor", ["产品类别 / Product class", "投入 t / Input t",
                                        "系数 kg/t / Factor kg/t", "产生 kg / Generated kg",
                                        "来源 / Source"])  # fmt: skip
    voc = ledger.voc_factor
    for c in voc.classes:
        append_row(sheet, [c.product_class, c.tonnes, c.factor_kg_t, c.generated_kg,
                           c.factor_source])  # fmt: skip
    append_row(sheet, ["capture_efficiency", None, voc.capture, None, voc.capture_source])
    append_row(sheet, ["treatment_efficiency", None, voc.removal, None, voc.removal_source])
    autosize(sheet)


def _limits(book: Workbook, ledger: EnvironmentMonth) -> None:
    sheet = _sheet(book, "Limits", ["参数 / Parameter", "限值 / Limit", "单位 / Unit",
                                    "读数 / Readings", "超标 / Exceedances", "最不利 / Worst",
                                    "首次超标 / First exceedance", "结论 / Status",
                                    "依据 / Source", "已核实 / Verified"])  # fmt: skip
    for c in ledger.limits:
        bound = "≤" if c.bound == "max" else "≥"
        append_row(sheet, [c.parameter, f"{bound} {c.limit:g}", c.unit, c.readings,
                           c.exceedances, c.worst, c.first_exceedance, c.status, c.source,
                           "yes" if c.verified else "no (verify)"])  # fmt: skip
    autosize(sheet)


def _treatment(book: Workbook, session: Session, ledger: EnvironmentMonth) -> None:
    sheet = _sheet(book, "Treatment log", ["装置 / Unit", "日期 / Day", "风机小时 / Fan h",
                                           "最低温度 °C / Min °C", "平均温度 °C / Mean °C",
                                           "活性炭 kg / Carbon kg", "备注 / Note"])  # fmt: skip
    start, end = service.month_bounds(ledger.month)
    for d in service.treatment_days(session, start.date(), end.date()):
        append_row(sheet, [d.unit, d.day, d.fan_hours, d.combustion_temp_min_c,
                           d.combustion_temp_avg_c, d.carbon_changed_kg, d.note])  # fmt: skip
    t = ledger.treatment
    total = ["合计 / Total", f"{t.days_logged} days", t.fan_hours, t.temp_min_c, t.temp_avg_c]
    append_row(sheet, [*total, t.carbon_changed_kg, f"{t.carbon_changes} change-outs"])
    autosize(sheet)


def _waste(book: Workbook, session: Session, ledger: EnvironmentMonth) -> None:
    sheet = _sheet(book, "Waste", [
        "容器 / Container", "类别 / Category", "废物 / Waste", "危废代码 / HW code", "kg",
        "装入 / Filled", "转移 / Transferred", "接收单位 / Receiver", "许可证 / Licence",
        "联单 / Manifest", "方式 / Method",
    ])  # fmt: skip
    start, end = service.month_bounds(ledger.month)
    for c in service.containers_of_month(session, start.date(), end.date()):
        t = c.transfers[0] if c.transfers else None
        append_row(sheet, [c.code, c.category, c.waste_type, c.hw_code, c.mass_kg, c.filled_on,
                           t.transferred_on if t else None, t.receiver if t else "",
                           t.receiver_licence if t else "", t.manifest_no if t else "",
                           t.method if t else ""])  # fmt: skip
    autosize(sheet)


def _indicators(book: Workbook, ledger: EnvironmentMonth) -> None:
    sheet = _sheet(book, "Zero-waste indicators", ["指标 / Indicator", "值 / Value",
                                                   "单位 / Unit", "基准 / Basis"])  # fmt: skip
    for name, value, unit in ledger.intensities():
        basis = "per tonne of rubber input" if unit == "kg/t" else "of the month's mass"
        append_row(sheet, [INDICATOR_NAMES[name], value, unit, basis])
    autosize(sheet)


def export_environment_xlsx(session: Session, month: str, target: str | Path | IO[bytes]) -> None:
    """The month's permit execution report and zero-waste indicator sheet in one workbook."""
    ledger = service.month_ledger(session, month)
    book = Workbook()
    _summary(book, ledger)
    _voc_by_class(book, ledger)
    _limits(book, ledger)
    _treatment(book, session, ledger)
    _waste(book, session, ledger)
    _indicators(book, ledger)
    book.save(target)
