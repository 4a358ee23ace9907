"""Importing raw materials from .xlsx/.csv, and the documented template for it.

One row per material. A new code creates the material; a known code updates its name,
category, density and price when they differ, and is left alone when they do not. Nothing is
written unless every row of the file is valid.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from mixshare.errors import Problem, ValidationFailed
from mixshare.materials import service
from mixshare.materials.models import MATERIAL_CATEGORIES, Material
from mixshare.materials.schemas import MaterialIn
from mixshare.spreadsheets import (
    EXAMPLE_SHEET,
    Cell,
    ImportResult,
    SheetRow,
    as_float,
    as_text,
    convert_cells,
    read_rows,
    rejected,
    validated_row,
    write_template,
)

SHEET = "Materials"
COLUMNS = ("code", "name", "category", "density", "price_per_kg")
REQUIRED = ("code", "name", "category")
FIELD_COLUMNS = {c: c for c in COLUMNS}
ALIASES = {
    "原料代码": "code",
    "material": "code",
    "名称": "name",
    "类别": "category",
    "密度": "density",
    "单价": "price_per_kg",
    "price": "price_per_kg",
}
HEADERS = {
    "code": "原料代码 / code",
    "name": "名称 / name",
    "category": "类别 / category",
    "density": "密度 / density",
    "price_per_kg": "单价 元/kg / price_per_kg",
}
HELP = [
    ("code", "是 / yes",
     "原料代码（全中心唯一），配方中按此代码引用，如 N330、SULFUR；不含空格和 /",
     "Material code, unique in the center; recipes name materials by it (e.g. N330, SULFUR); "
     "no spaces or '/'"),
    ("name", "是 / yes", "原料名称", "Material name"),
    ("category", "是 / yes",
     "类别：polymer 生胶（母炼中生胶合计 100 份）/ filler 填料 / oil 油 / chemical 助剂 / "
     "curative 硫化剂",
     "Category: polymer (the polymers of a masterbatch make up 100 phr), filler, oil, chemical "
     "or curative"),
    ("density", "否 / no", "密度 g/cm³，> 0，默认 1", "Density g/cm³, > 0, default 1"),
    ("price_per_kg", "否 / no", "单价 元/kg，≥ 0，默认 0", "Price in yuan per kg, ≥ 0, default 0"),
    ("", "",
     "已存在的原料代码：名称、类别、密度、单价以本文件为准更新。任何一行有错误则整个文件都不导入。",
     "A code that exists already is updated to this file's name, category, density and price. "
     "If any row has an error, nothing is imported."),
    ("", "",
     f"只导入 {SHEET} 工作表（最多 20,000 行）；“{EXAMPLE_SHEET}”工作表仅为示例，不会导入。",
     f"Only the {SHEET} sheet is imported (at most 20,000 rows); the '{EXAMPLE_SHEET}' sheet "
     "is an example and is never imported."),
]  # fmt: skip
EXAMPLE = [
    ("NR-SMR20", "天然橡胶 SMR20 natural rubber", "polymer", 0.93, 14.5),
    ("SBR1502", "丁苯橡胶 SBR 1502", "polymer", 0.94, 12.8),
    ("N330", "炭黑 N330 carbon black", "filler", 1.8, 8.2),
    ("OIL-AROM", "芳烃油 aromatic oil", "oil", 0.98, 7.0),
    ("ZNO", "氧化锌 zinc oxide", "chemical", 5.6, 22.0),
    ("SULFUR", "硫磺 sulfur", "curative", 2.0, 3.5),
]
CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    "code": as_text,
    "name": as_text,
    "category": lambda cell: (as_text(cell) or "").lower() or None,
    "density": as_float,
    "price_per_kg": as_float,
}
assert {c for _code, _name, c, _d, _p in EXAMPLE} <= set(MATERIAL_CATEGORIES)


def _parsed(rows: list[SheetRow]) -> tuple[list[tuple[SheetRow, MaterialIn]], list[Problem]]:
    parsed: list[tuple[SheetRow, MaterialIn]] = []
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    for row in rows:
        values, bad = convert_cells(row, CONVERTERS)
        problems += bad
        if bad:
            continue
        spec, found = validated_row(row, values, MaterialIn, FIELD_COLUMNS)
        problems += found
        if spec is None:
            continue
        if spec.code in first_row:
            problems.append(row.problem("code", f"repeats row {first_row[spec.code]}"))
            continue
        first_row[spec.code] = row.number
        parsed.append((row, spec))
    return parsed, problems


def _differs(material: Material, spec: MaterialIn) -> bool:
    return any(getattr(material, name) != value for name, value in spec.model_dump().items())


def import_materials(
    session: Session, path: str | Path, member_id: int | None = None
) -> ImportResult:
    """Create or update every material of ``path`` or, if any row is wrong, nothing; raises
    ``ValidationFailed`` naming every bad cell. Materials are center data: a member may not
    import them (``member_id`` set)."""
    name = Path(path).name
    if member_id is not None:
        raise ValidationFailed([Problem(name, "materials are imported by the center's staff")])
    rows = read_rows(path, COLUMNS, REQUIRED, sheet=SHEET, aliases=ALIASES)
    if not rows:
        raise ValidationFailed([Problem(name, "the file has no data rows")])
    parsed, problems = _parsed(rows)
    if problems:
        raise rejected(name, problems)
    result = ImportResult(name, len(rows))
    for _row, spec in parsed:
        existing = service.get_by_code(session, spec.code)
        if existing is None:
            session.add(Material(**spec.model_dump()))
            result.created.append(spec.code)
        elif _differs(existing, spec):
            for field_name, value in spec.model_dump().items():
                setattr(existing, field_name, value)
            result.updated.append(spec.code)
        else:
            result.unchanged.append(spec.code)
    session.flush()
    return result


def template_materials(target: str | Path | IO[bytes]) -> None:
    """Write the materials import template (data sheet, example sheet, help sheet)."""
    headers = [HEADERS[c] for c in COLUMNS]
    write_template(target, SHEET, headers, EXAMPLE, HELP)
