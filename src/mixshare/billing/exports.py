"""A statement as PDF (:func:`mixshare.pdf.render_pdf`, as the certificate of analysis) or as xlsx
(every cell through :func:`mixshare.spreadsheets.append_row`: a member's name or a credit
note's reason is text, never a formula). Chinese first, English second."""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Font

from mixshare.errors import MixshareError
from mixshare.pdf import render_pdf
from mixshare.settings import now_local
from mixshare.spreadsheets import append_row, autosize

TEMPLATES = Path(__file__).parent / "templates"
COLOURS = {
    "tolling": "#1565c0",
    "energy": "#ef6c00",
    "idle_energy": "#f9a825",
    "cleaning": "#6a1b9a",
    "lab": "#2e7d32",
    "storage": "#00838f",
    "fixed": "#616161",
    "credit": "#c62828",
}


def breakdown(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The cost breakdown: each kind of charge, its amount, share of the total and colour."""
    total = sum(v for v in document["by_category"].values() if v > 0) or 1.0
    return [
        {
            "category": category,
            "name": document["category_names"].get(category, category),
            "amount": amount,
            "percent": round(100 * max(amount, 0) / total, 1),
            "colour": COLOURS.get(category, "#999"),
        }
        for category, amount in document["by_category"].items()
    ]


def pdf_bytes(document: dict[str, Any]) -> bytes:
    return render_pdf(
        TEMPLATES, "statement.html", s=document, parts=breakdown(document), printed=now_local()
    )


def xlsx_bytes(document: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = "Statement"
    status = document["number"] or f"草稿 draft ({document['as_of'] or ''})"
    facts: list[list[object]] = [
        ["对账单 / Statement", status],
        ["月份 / Month", document["month"]],
        ["成员 / Member", document["member"], document["member_name"]],
        ["合同 / Contract", document["contract"]["code"], document["contract"]["name"]],
        ["固定费用分摊规则 / Sharing rule", document["contract"]["sharing_rule"]],
        [],
    ]
    for row in facts:
        append_row(sheet, row)
    header = [
        "项目 / Item",
        "数量 / Quantity",
        "单位 / Unit",
        "单价 元 / Unit price",
        "金额 元 / Amount",
    ]
    append_row(sheet, header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for line in document["lines"]:
        append_row(
            sheet,
            [
                line["description"],
                line["quantity"],
                line["unit"],
                line["unit_price"],
                line["amount"],
            ],
        )
    append_row(sheet, ["合计 / Total", None, None, None, document["total"]])
    sheet[sheet.max_row][0].font = Font(bold=True)
    _fixed_rows(sheet, document.get("fixed"))
    for note in document.get("credit_notes", []):
        append_row(sheet, [])
        append_row(
            sheet, ["贷项通知单 / Credit note", note["number"], note["reason"], None, note["total"]]
        )
    autosize(sheet)
    rules = book.create_sheet("Rules")
    append_row(rules, ["项目 / Item", "规则 / Rule"])
    for name, text in document["rules"].items():
        append_row(rules, [name, text])
    autosize(rules, maximum=120)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fixed_rows(sheet: Any, fixed: dict[str, Any] | None) -> None:
    if not fixed:
        return
    append_row(sheet, [])
    rows = [
        ("固定费用分摊说明 / Why this share of the fixed costs", None),
        ("单独建中心的成本 / Stand-alone cost", fixed["stand_alone"]),
        ("Shapley 值 / Shapley value", fixed["shapley"]),
        ("成本博弈总额 / Cost game total c(N)", fixed["game_total"]),
        (f"按 {fixed['rule']} 规则应摊 / Share under {fixed['rule']}", fixed[fixed["rule"]]),
        ("本月固定费用 / The center's fixed costs", fixed["pool"]),
        ("本单分摊 / Charged", fixed["charge"]),
        ("共享节省 / Saving from sharing", fixed["saving"]),
    ]
    for label, value in rows:
        append_row(sheet, [label, value])


def write(document: dict[str, Any], output: Path | IO[bytes]) -> None:
    """Write the statement to ``output`` (.pdf or .xlsx by its suffix)."""
    suffix = Path(output.name if hasattr(output, "name") else str(output)).suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        raise MixshareError(
            f"write the statement to FILE.pdf or FILE.xlsx, not {suffix or '(none)'}"
        )
    data = pdf_bytes(document) if suffix == ".pdf" else xlsx_bytes(document)
    if isinstance(output, Path):
        output.write_bytes(data)
    else:
        output.write(data)
