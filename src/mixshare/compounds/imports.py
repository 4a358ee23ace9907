"""Importing compounds (recipes) from .xlsx/.csv, and the documented template for it.

One row per ingredient; rows are grouped by (member, compound code). The compound's own
attributes (name, family, limits, ...) are read from the group's first row; later rows may
repeat them or leave them empty, but may not contradict them. A compound that already
exists gets a new version when the file differs from its latest version (versions are
immutable) and is left alone when it is the same. Nothing is written unless every row of
the file is valid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.compounds import service
from mixshare.compounds.models import Compound, CompoundVersion
from mixshare.compounds.schemas import CompoundCreate
from mixshare.errors import Problem, ValidationFailed, pydantic_problems
from mixshare.members.models import Member
from mixshare.spreadsheets import (
    EXAMPLE_SHEET,
    Cell,
    ImportResult,
    SheetRow,
    append_row,
    as_bool,
    as_float,
    as_int,
    as_text,
    autosize,
    convert_cells,
    read_rows,
    rejected,
    write_help_sheet,
)

SHEET = "Compounds"
# Compound-level columns, in template order; each maps to the CompoundCreate field.
COMPOUND_COLUMNS: dict[str, str] = {
    "compound": "code",
    "member": "member",
    "name": "name",
    "family": "polymer_family",
    "colour": "colour_class",
    "staining": "staining",
    "density": "density",
    "remill": "has_remill",
    "final": "has_final",
    "max_dump_temp_c": "max_dump_temp_c",
    "min_rest_minutes": "min_rest_minutes",
    "max_age_minutes": "max_age_minutes",
    "shelf_life_minutes": "shelf_life_minutes",
}
INGREDIENT_COLUMNS = ("stage", "material", "phr")
COLUMNS = (*COMPOUND_COLUMNS, *INGREDIENT_COLUMNS)
REQUIRED = ("compound", "member", "family", "colour", "density", "stage", "material", "phr")
FIELD_COLUMNS = {f: c for c, f in COMPOUND_COLUMNS.items()}
ALIASES = {
    "胶料": "compound",
    "胶料代码": "compound",
    "成员": "member",
    "名称": "name",
    "胶种": "family",
    "polymer_family": "family",
    "颜色": "colour",
    "colour_class": "colour",
    "color": "colour",
    "污染性": "staining",
    "密度": "density",
    "返炼": "remill",
    "has_remill": "remill",
    "终炼": "final",
    "has_final": "final",
    "阶段": "stage",
    "原料": "material",
    "份数": "phr",
}
HEADERS = {
    "compound": "胶料代码 / compound",
    "member": "成员 / member",
    "name": "名称 / name",
    "family": "胶种 / family",
    "colour": "颜色 / colour",
    "staining": "污染性 / staining",
    "density": "密度 / density",
    "remill": "返炼 / remill",
    "final": "终炼 / final",
    "max_dump_temp_c": "最高排胶温度 °C / max_dump_temp_c",
    "min_rest_minutes": "最短停放 min / min_rest_minutes",
    "max_age_minutes": "最长存放 min / max_age_minutes",
    "shelf_life_minutes": "终炼胶保质期 min / shelf_life_minutes",
    "stage": "阶段 / stage",
    "material": "原料代码 / material",
    "phr": "份数 phr / phr",
}
HELP = [
    ("compound", "是 / yes", "胶料代码（该成员内唯一），不含空格和 /",
     "Compound code, unique per member, no spaces or '/'"),
    ("member", "是 / yes", "成员企业代码，如 M01", "Member company code, e.g. M01"),
    ("name", "首行 / first row", "胶料名称", "Compound name"),
    ("family", "是 / yes", "主胶种，如 NR SBR BR EPDM NBR CR IIR（中心可在 /reference 页面添加）",
     "Polymer family, e.g. NR SBR BR EPDM NBR CR IIR (a center adds its own on /reference)"),
    ("colour", "是 / yes",
     "颜色类别，如 black 黑色 / light 浅色 / coloured 彩色（可在 /reference 添加）",
     "Colour class, e.g. black, light or coloured (a center adds its own on /reference)"),
    ("staining", "否 / no", "是否污染性（含芳烃油、对苯二胺类防老剂等），默认 否",
     "Staining compound (aromatic oil, PPD antidegradants)? default no"),
    ("density", "是 / yes", "密度 g/cm³，0.8–2.5", "Density g/cm³, 0.8–2.5"),
    ("remill", "否 / no", "是否需要返炼，默认 否", "Needs a remill between MB and FB? default no"),
    ("final", "否 / no", "是否有终炼；否 = 只供母炼胶，默认 是",
     "Has a final batch? no = sold as masterbatch only; default yes"),
    ("max_dump_temp_c", "否 / no", "最高排胶温度 °C，默认 165",
     "Max dump temperature °C, default 165"),
    ("min_rest_minutes", "否 / no", "母炼胶最短停放时间（分钟），≥ 0，默认 240",
     "Minimum rest of the masterbatch (minutes), ≥ 0, default 240"),
    ("max_age_minutes", "否 / no", "母炼胶最长存放时间（分钟），须大于最短停放，默认 7200",
     "Maximum age of the masterbatch (minutes), above the minimum rest, default 7200"),
    ("shelf_life_minutes", "否 / no", "终炼胶保质期（分钟），默认 10080",
     "Shelf life of the final batch (minutes), default 10080"),
    ("stage", "是 / yes", "加料阶段：MB 母炼 / FB 终炼", "Stage the ingredient goes in: MB or FB"),
    ("material", "是 / yes", "原料代码（须已在系统中）", "Material code (must exist)"),
    ("phr", "是 / yes", "份数（每百份橡胶），> 0；母炼中橡胶合计须为 100",
     "Parts per hundred rubber, > 0; the polymers of MB must sum to 100"),
    ("", "", "每行一种原料；同一胶料的多行按胶料代码归组，胶料属性写在第一行即可。"
             "已存在的胶料若有改动则生成新版本。任何一行有错误则整个文件都不导入。",
     "One row per ingredient, grouped by compound code; compound attributes on the first row "
     "suffice. A changed existing compound gets a new version. If any row has an error, "
     "nothing is imported."),
    ("", "", "每个胶料的每个阶段都必须至少有一条产线能生产（产线有该阶段设置，且换产规则允许"
             "该阶段连续生产），否则报错并说明原因："
             "在 /lines 设置产线，在 /changeover-rules 添加规则。",
     "Every stage of every compound must run on some line (a line with settings for the "
     "stage, whose changeover rules allow the stage after itself); otherwise the error says "
     "why: set up lines on /lines, add rules on /changeover-rules."),
    ("", "", f"只导入 {SHEET} 工作表（最多 20,000 行）；"
             f"“{EXAMPLE_SHEET}”工作表仅为示例，不会导入。",
     f"Only the {SHEET} sheet is imported (at most 20,000 rows); the '{EXAMPLE_SHEET}' sheet "
     "is an example and is never imported."),
]  # fmt: skip
EXAMPLE = [
    ("MB", "NR-SMR20", 70),
    ("MB", "SBR1502", 30),
    ("MB", "N330", 50),
    ("MB", "OIL-AROM", 6),
    ("MB", "ZNO", 4),
    ("MB", "STEARIC", 2),
    ("FB", "SULFUR", 2),
    ("FB", "CBS", 1.2),
]

CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    "compound": as_text,
    "member": as_text,
    "name": as_text,
    "family": as_text,
    "colour": as_text,
    "staining": as_bool,
    "density": as_float,
    "remill": as_bool,
    "final": as_bool,
    "max_dump_temp_c": as_float,
    "min_rest_minutes": as_int,
    "max_age_minutes": as_int,
    "shelf_life_minutes": as_int,
    "stage": lambda cell: (as_text(cell) or "").upper() or None,
    "material": as_text,
    "phr": as_float,
}


@dataclass
class Group:
    """The rows of one compound of one member, and what they say."""

    rows: list[SheetRow] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # compound-level, typed
    ingredients: list[dict[str, Any]] = field(default_factory=list)
    ingredient_rows: list[SheetRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _add_row(group: Group, row: SheetRow, values: dict[str, Any], bad: list[Problem]) -> None:
    group.rows.append(row)
    group.problems += bad
    for column in COMPOUND_COLUMNS:
        if column not in values:
            continue
        first = group.values.setdefault(column, (values[column], row.number))
        if first[0] != values[column]:
            message = f"differs from row {first[1]} of the same compound ({first[0]})"
            group.problems.append(row.problem(column, message))
    group.ingredients.append({c: values[c] for c in INGREDIENT_COLUMNS if c in values})
    group.ingredient_rows.append(row)


def _groups(rows: list[SheetRow]) -> dict[tuple[str, str], Group]:
    groups: dict[tuple[str, str], Group] = {}
    for row in rows:
        values, bad = convert_cells(row, CONVERTERS)
        key = (str(values.get("member", "")), str(values.get("compound", "")))
        _add_row(groups.setdefault(key, Group()), row, values, bad)
    return groups


def _data(group: Group) -> dict[str, Any]:
    data = {COMPOUND_COLUMNS[c]: value for c, (value, _row) in group.values.items()}
    data.setdefault("name", data.get("code"))
    data["ingredients"] = group.ingredients
    return data


def _locate(group: Group, location: str, message: str, value: str) -> Problem:
    """A service/schema problem (``code``, ``ingredients.3.phr``, ...) moved to its cell;
    ingredient indexes count from 0, in row order of the group."""
    parts = location.split(".")
    if parts[0] == "ingredients" and len(parts) > 1 and parts[1].isdigit():
        row = group.ingredient_rows[int(parts[1])]
        column = parts[2] if len(parts) > 2 else "material"
        return row.problem(column, message)
    first = group.rows[0]
    if parts[0] == "ingredients":
        return Problem(first.location("phr"), message, value)
    field_column = FIELD_COLUMNS.get(parts[0])
    if field_column is None:
        return Problem(first.location(), message, value)
    # The cell that gave the value (compound attributes may sit on any row of the group).
    row_number = group.values.get(field_column, (None, first.number))[1]
    row = next(r for r in group.rows if r.number == row_number)
    if message == "Field required":
        message = "required value is empty"
    return row.problem(field_column, message)


def _located(group: Group, problems: list[Problem]) -> list[Problem]:
    return [_locate(group, p.location, p.message, p.value) for p in problems]


@dataclass
class _Outcome:
    """What importing one group would write."""

    compound: Compound | None = None  # a new compound (with version 1)
    version: CompoundVersion | None = None  # a new version of an existing compound
    unchanged: str | None = None


def _existing(session: Session, data: CompoundCreate) -> Compound | None:
    stmt = (
        select(Compound)
        .join(Member, Member.id == Compound.member_id)
        .where(Compound.code == data.code, Member.code == str(data.member))
    )
    return session.scalars(stmt).one_or_none()


def _import_group(
    session: Session, group: Group, member_id: int | None
) -> tuple[_Outcome, list[Problem]]:
    try:
        data = CompoundCreate.model_validate(_data(group))
    except ValidationError as exc:
        return _Outcome(), _located(group, pydantic_problems(exc))
    existing = _existing(session, data)
    if existing is None or (member_id is not None and existing.member_id != member_id):
        compound, found = service.build_compound(session, data, member_id)
        return _Outcome(compound=compound), _located(group, found)
    latest = service.latest_version(existing)
    spec = data.spec()
    if spec == service.merged_spec(session, latest, {}):
        return _Outcome(unchanged=latest.key), []
    version, found = service.build_version(session, existing, spec, latest.version + 1)
    return _Outcome(version=version), [
        _locate(group, p.location, p.message, p.value) for p in found
    ]


def _undo(session: Session, outcomes: list[_Outcome]) -> None:
    """Detach versions that were linked to existing compounds (and so cascaded in)."""
    for outcome in outcomes:
        version = outcome.version
        if version is not None:
            version.compound.versions.remove(version)
            if version in session:
                session.expunge(version)


def import_compounds(
    session: Session, path: str | Path, member_id: int | None = None
) -> ImportResult:
    """Add every compound of ``path`` (new ones, or new versions of changed ones) or, if any
    row is wrong, nothing; raises ``ValidationFailed`` listing every problem."""
    rows = read_rows(path, COLUMNS, REQUIRED, sheet=SHEET, aliases=ALIASES)
    name = Path(path).name
    if not rows:
        raise ValidationFailed([Problem(name, "the file has no data rows")])
    outcomes: list[_Outcome] = []
    problems: list[Problem] = []
    session.flush()  # the caller's pending changes must be visible to the checks below
    with session.no_autoflush:  # nothing may reach the database before the whole file is OK
        for group in _groups(rows).values():
            if group.problems:
                problems += group.problems
                continue
            outcome, found = _import_group(session, group, member_id)
            outcomes.append(outcome)
            problems += found
    if problems:
        _undo(session, outcomes)
        raise rejected(name, problems)
    return _write(session, name, len(rows), outcomes)


def _write(session: Session, name: str, rows: int, outcomes: list[_Outcome]) -> ImportResult:
    result = ImportResult(name, rows)
    for outcome in outcomes:
        if outcome.compound is not None:
            session.add(outcome.compound)
        elif outcome.version is not None:
            session.add(outcome.version)
    session.flush()
    for outcome in outcomes:
        if outcome.compound is not None:
            result.created.append(service.latest_version(outcome.compound).key)
        elif outcome.version is not None:
            result.created.append(outcome.version.key)
        elif outcome.unchanged is not None:
            result.unchanged.append(outcome.unchanged)
    return result


def template_compounds(target: str | Path | IO[bytes]) -> None:
    """Write the compound import template: an empty Compounds sheet with its header, an
    example sheet (never imported) with one compound, and a help sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = SHEET
    append_row(sheet, [HEADERS[c] for c in COLUMNS])
    sheet.freeze_panes = "A2"
    autosize(sheet)
    example = book.create_sheet(EXAMPLE_SHEET)
    append_row(example, [HEADERS[c] for c in COLUMNS])
    first = ["CV-NR-70", "M01", "输送带覆盖胶 conveyor belt cover", "NR", "black", "yes", 1.14,
             "no", "yes", 160, 240, 7200, 10080]  # fmt: skip
    for index, (stage, material, phr) in enumerate(EXAMPLE):
        # Compound attributes on the first row only, as most members will write them.
        attributes = first if index == 0 else ["CV-NR-70", "M01", *[None] * (len(first) - 2)]
        append_row(example, [*attributes, stage, material, phr])
    example.freeze_panes = "A2"
    autosize(example)
    write_help_sheet(book, HELP)
    book.save(target)  # a path or a binary file object (the CLI writes to stdout)
