"""Importing the changeover rules from .xlsx/.csv, and the documented template for it.

The file is the center's whole rule set, one rule per row: it replaces the rules there are.
Nothing is written unless every row is valid and every compound the center has can still run
each of its stages on some line under the new rules.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mixshare.changeovers import service
from mixshare.changeovers.schemas import RuleIn
from mixshare.compounds.changeovers import runnable_on_line, stage_attributes
from mixshare.compounds.models import ChangeoverRule
from mixshare.errors import Problem, ValidationFailed
from mixshare.lines.models import Line
from mixshare.spreadsheets import (
    EXAMPLE_SHEET,
    Cell,
    ImportResult,
    SheetRow,
    as_bool,
    as_float,
    as_int,
    as_text,
    convert_cells,
    read_rows,
    rejected,
    validated_row,
    write_template,
)

SHEET = "Rules"
COLUMNS = (
    "priority", "name", "line", "same_compound",
    "from_compound", "from_family", "from_colour", "from_staining", "from_stage",
    "to_compound", "to_family", "to_colour", "to_staining", "to_stage",
    "forbidden", "minutes", "cleaning_batches", "cost",
)  # fmt: skip
REQUIRED = ("priority", "name")
FIELD_COLUMNS = {c: c for c in COLUMNS}
ALIASES = {"优先级": "priority", "名称": "name", "产线": "line", "禁止": "forbidden",
           "分钟": "minutes", "洗车胶": "cleaning_batches", "费用": "cost"}  # fmt: skip
HEADERS = {
    "priority": "优先级 / priority",
    "name": "名称 / name",
    "line": "产线 / line",
    "same_compound": "同一胶料 / same_compound",
    "from_compound": "前胶料 / from_compound",
    "from_family": "前胶种 / from_family",
    "from_colour": "前颜色 / from_colour",
    "from_staining": "前污染性 / from_staining",
    "from_stage": "前阶段 / from_stage",
    "to_compound": "后胶料 / to_compound",
    "to_family": "后胶种 / to_family",
    "to_colour": "后颜色 / to_colour",
    "to_staining": "后污染性 / to_staining",
    "to_stage": "后阶段 / to_stage",
    "forbidden": "禁止 / forbidden",
    "minutes": "换产分钟 / minutes",
    "cleaning_batches": "洗车胶车数 / cleaning_batches",
    "cost": "费用 元 / cost",
}
ANY = "空 = 任意 / empty = any"
HELP = [
    ("priority", "是 / yes", "优先级：数字小的先试；第一条匹配的规则生效；没有规则匹配 = 禁止",
     "Priority: lower numbers are tried first; the first matching rule decides; a switch no "
     "rule matches is forbidden"),
    ("name", "是 / yes", "规则名称（换产矩阵中显示）",
     "Rule name (shown in the changeover matrix)"),
    ("line", "否 / no", f"产线代码，只对该产线有效；{ANY}", f"Line code the rule is for; {ANY}"),
    ("same_compound", "否 / no", f"是 = 只匹配同一胶料同一阶段连续生产；否 = 只匹配不同的；{ANY}",
     f"yes: only a compound stage after itself; no: only different ones; {ANY}"),
    ("from_compound", "否 / no",
     f"前一胶料：成员代码.胶料代码（任何版本）或 成员代码.胶料代码.v版本，逗号分隔；{ANY}",
     f"Compound before: MEMBER.CODE (any version) or MEMBER.CODE.vN, comma-separated; {ANY}"),
    ("from_family", "否 / no", f"前一胶料的胶种，如 NR,SBR（见 /reference 页面）；{ANY}",
     f"Polymer families before, e.g. NR,SBR (listed on the page /reference); {ANY}"),
    ("from_colour", "否 / no", f"前一胶料的颜色类别，如 black（见 /reference）；{ANY}",
     f"Colour classes before, e.g. black (listed on /reference); {ANY}"),
    ("from_staining", "否 / no", f"前一胶料是否污染性；{ANY}", f"Staining compound before? {ANY}"),
    ("from_stage", "否 / no", f"前一阶段：MB 母炼 / RM 返炼 / FB 终炼；{ANY}",
     f"Stage before: MB, RM or FB; {ANY}"),
    ("to_compound", "否 / no", f"后一胶料，写法同 from_compound；{ANY}",
     f"Compound after, written as from_compound; {ANY}"),
    ("to_family", "否 / no", f"后一胶料的胶种；{ANY}", f"Polymer families after; {ANY}"),
    ("to_colour", "否 / no", f"后一胶料的颜色类别；{ANY}", f"Colour classes after; {ANY}"),
    ("to_staining", "否 / no", f"后一胶料是否污染性；{ANY}", f"Staining compound after? {ANY}"),
    ("to_stage", "否 / no", f"后一阶段；{ANY}", f"Stage after; {ANY}"),
    ("forbidden", "否 / no", "是 = 禁止这种切换，默认 否",
     "yes: the switch is forbidden; default no"),
    ("minutes", "否 / no", "换产时间（分钟），默认 0", "Changeover minutes, default 0"),
    ("cleaning_batches", "否 / no", "需要的洗车胶车数，默认 0",
     "Cleaning batches needed, default 0"),
    ("cost", "否 / no", "换产费用（元），默认 0", "Changeover cost in yuan, default 0"),
    ("", "",
     "本文件是中心的全部换产规则：导入后替换现有规则。任何一行有错误，"
     "或导入后有胶料的某个阶段在任何产线上都不能生产，则整个文件都不导入。"
     "规则编辑页 /changeover-rules 显示换产矩阵及每个被禁止切换的原因。",
     "The file is the center's whole rule set and replaces the rules there are. If any row is "
     "wrong, or a compound could no longer run one of its stages on any line, nothing is "
     "imported. The rule editor /changeover-rules shows the matrix and why a switch is "
     "forbidden."),
    ("", "", f"只导入 {SHEET} 工作表；“{EXAMPLE_SHEET}”工作表仅为示例，不会导入。",
     f"Only the {SHEET} sheet is imported; the '{EXAMPLE_SHEET}' sheet is an example and is "
     "never imported."),
]  # fmt: skip
EXAMPLE = [
    (1, "identical compound stage: nothing", None, "yes", *[None] * 10, "no", 0, 0, 0),
    (5, "M02.SEAL-W never after M01.BELT", None, "no", "M01.BELT", *[None] * 4, "M02.SEAL-W",
     *[None] * 4, "yes", None, None, None),
    (10, "special polymer → NR/SBR/BR", None, "no", None, "EPDM,NBR,CR,IIR", None, None, None,
     None, "NR,SBR,BR", None, None, None, "no", 8, 1, 1200),
    (20, "final batch → masterbatch", None, "no", None, None, None, None, "FB", None, None,
     None, None, "MB,RM", "no", 8, 1, 1200),
    (30, "dark → light/white: manual clean", None, "no", None, None, "black,coloured", None,
     None, None, None, "light,white", None, None, "no", 45, 0, 120),
    (99, "any other change: recipe change", None, "no", *[None] * 10, "no", 10, 0, 0),
]  # fmt: skip
CONVERTERS: dict[str, Callable[[Cell], Any]] = {
    **{c: as_text for c in COLUMNS},
    "priority": as_int,
    "same_compound": as_bool,
    "from_staining": as_bool,
    "to_staining": as_bool,
    "forbidden": as_bool,
    "minutes": as_int,
    "cleaning_batches": as_int,
    "cost": as_float,
}


def _rules(session: Session, rows: list[SheetRow]) -> tuple[list[ChangeoverRule], list[Problem]]:
    known = service.Known.read(session)
    rules: list[ChangeoverRule] = []
    problems: list[Problem] = []
    for row in rows:
        values, bad = convert_cells(row, CONVERTERS)
        problems += bad
        if bad:
            continue
        spec, found = validated_row(row, values, RuleIn, FIELD_COLUMNS)
        problems += found
        if spec is None:
            # The other cells are still checked against the center's data: every bad cell
            # of the file is named at once.
            spec = _without_bad_cells(row, values, found)
            if spec is None:
                continue
        # A value the center does not have: the problem names the cell and the value.
        unknown = [
            Problem(row.location(p.location), p.message, p.value)
            for p in service.problems_of(spec, known)
        ]
        problems += unknown
        if not found and not unknown:
            rules.append(service.build_rule(spec, known))
    return rules, problems


def _without_bad_cells(
    row: SheetRow, values: dict[str, Any], found: list[Problem]
) -> RuleIn | None:
    bad = {p.location for p in found}
    kept = {c: v for c, v in values.items() if row.location(c) not in bad}
    return validated_row(row, kept, RuleIn, FIELD_COLUMNS)[0]


def _stranded(session: Session, rules: list[ChangeoverRule]) -> list[Problem]:
    """A problem per compound stage no line could run under ``rules``."""
    lines = list(session.scalars(select(Line).order_by(Line.code)))
    problems = []
    for version in service.latest_versions(session):
        for stage in version.stages():
            target = stage_attributes(version, stage)
            capable = [line for line in lines if line.setting(stage) is not None]
            if capable and not any(runnable_on_line(rules, ln.id, target) for ln in capable):
                problems.append(
                    Problem(
                        "rules",
                        f"with these rules no line could run {target.key} after itself: add a "
                        "rule that allows it (same_compound yes)",
                        target.key,
                    )
                )
    return problems


def import_rules(session: Session, path: str | Path, member_id: int | None = None) -> ImportResult:
    """Replace the center's changeover rules with those of ``path`` or, if anything is wrong,
    change nothing; raises ``ValidationFailed`` naming every bad cell."""
    name = Path(path).name
    if member_id is not None:
        raise ValidationFailed([Problem(name, "changeover rules are the center's to import")])
    rows = read_rows(path, COLUMNS, REQUIRED, sheet=SHEET, aliases=ALIASES)
    if not rows:
        raise ValidationFailed([Problem(name, "the file has no data rows")])
    with session.no_autoflush:
        rules, problems = _rules(session, rows)
        if not problems:
            problems = [Problem(f"{name}: {p.location}", p.message, p.value)
                        for p in _stranded(session, rules)]  # fmt: skip
    if problems:
        raise rejected(name, problems)
    service.replace_all(session, rules)
    result = ImportResult(name, len(rows))
    result.created = [f"{r.priority} {r.name}" for r in rules]
    return result


def template_rules(target: str | Path | IO[bytes]) -> None:
    """Write the changeover rules template (data sheet, example sheet, help sheet)."""
    write_template(target, SHEET, [HEADERS[c] for c in COLUMNS], EXAMPLE, HELP)
