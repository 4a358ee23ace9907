"""Changeover rules as the center keeps them: listing, adding, removing and replacing the
whole set, and the matrix they give for the center's compounds on one line, with the reason
for every forbidden switch (the rule that forbids it, or that no rule matches).

Matching itself lives in :mod:`mixshare.compounds.changeovers` (first match wins; no match
forbids), which the planner uses too, so the editor shows exactly what the planner will do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mixshare.changeovers.schemas import RuleIn
from mixshare.compounds import reference
from mixshare.compounds.changeovers import (
    RulePattern,
    StageAttributes,
    changeover_of,
    compound_of_key,
    first_match,
    rules_for_line,
    stage_attributes,
)
from mixshare.compounds.models import STAGES, ChangeoverRule, Compound, CompoundVersion
from mixshare.engine.problem import Changeover
from mixshare.errors import NotFound, Problem, ValidationFailed, validated
from mixshare.lines.models import Line

MAX_MATRIX_KEYS = 100  # a grid wider than this is unreadable; the forbidden list stays complete
MAX_FORBIDDEN_SHOWN = 1000


def get_all(session: Session) -> list[ChangeoverRule]:
    """Every rule in the order it is tried (line-specific rules sit among the others)."""
    stmt = select(ChangeoverRule).order_by(ChangeoverRule.priority, ChangeoverRule.id)
    return list(session.scalars(stmt))


def get(session: Session, rule_id: int) -> ChangeoverRule:
    rule = session.get(ChangeoverRule, rule_id)
    if rule is None:
        raise NotFound(f"changeover rule {rule_id} not found")
    return rule


# --- checking a rule against the center's data ------------------------------------------------


def _parts(pattern: str | None) -> list[str]:
    return [p for p in (pattern or "").split(",") if p]


def compound_names(session: Session) -> set[str]:
    """Every name a compound pattern may use: ``MEMBER.CODE`` and ``MEMBER.CODE.vN``."""
    versions = session.scalars(
        select(CompoundVersion).options(
            selectinload(CompoundVersion.compound).selectinload(Compound.member)
        )
    )
    names: set[str] = set()
    for version in versions:
        names |= {version.key, compound_of_key(version.key)}
    return names


@dataclass
class Known:
    """What rules may name, read once per import or form."""

    lines: dict[str, int]
    families: list[str]
    colours: list[str]
    compounds: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, session: Session) -> Known:
        lines = {line.code: line.id for line in session.scalars(select(Line))}
        return cls(
            lines,
            reference.family_codes(session),
            reference.colour_codes(session),
            compound_names(session),
        )


def problems_of(spec: RuleIn, known: Known) -> list[Problem]:
    """What the rule names that the center does not have; located at the rule's fields."""
    problems = []
    if spec.line is not None and spec.line not in known.lines:
        problems.append(Problem("line", "unknown line; add it on the page /lines", spec.line))
    checks: list[tuple[str, Sequence[str] | set[str], str]] = [
        ("family", known.families, "unknown polymer family (the page /reference adds one)"),
        ("colour", known.colours, "unknown colour class (the page /reference adds one)"),
        ("stage", STAGES, f"unknown stage; use {', '.join(STAGES)}"),
        ("compound", known.compounds, "unknown compound; write MEMBER.CODE or MEMBER.CODE.vN"),
    ]
    for side in ("from", "to"):
        for what, allowed, message in checks:
            name = f"{side}_{what}"
            for part in _parts(getattr(spec, name)):
                if part not in allowed:
                    problems.append(Problem(name, message, part))
    return problems


def build_rule(spec: RuleIn, known: Known) -> ChangeoverRule:
    fields = spec.model_dump(exclude={"line"})
    line_id = known.lines[spec.line] if spec.line is not None else None
    return ChangeoverRule(line_id=line_id, **fields)


# --- writing ----------------------------------------------------------------------------------


def create_rule(session: Session, data: RuleIn | Mapping[str, Any]) -> ChangeoverRule:
    """Add one rule; raises ``ValidationFailed`` naming every field it gets wrong."""
    spec = validated(RuleIn, data)
    known = Known.read(session)
    problems = problems_of(spec, known)
    if problems:
        raise ValidationFailed(problems)
    rule = build_rule(spec, known)
    session.add(rule)
    session.flush()
    return rule


def delete_rule(session: Session, rule_id: int) -> ChangeoverRule:
    rule = get(session, rule_id)
    session.delete(rule)
    session.flush()
    return rule


def replace_all(session: Session, rules: Sequence[ChangeoverRule]) -> None:
    """The center's rule set becomes ``rules`` (an imported file is the whole set)."""
    for old in get_all(session):
        session.delete(old)
    session.flush()
    session.add_all(rules)
    session.flush()


# --- the matrix -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Switch:
    """What the rules say about one switch ``before`` → ``after`` on a line."""

    before: StageAttributes
    after: StageAttributes
    rule: ChangeoverRule | None
    changeover: Changeover | None

    @property
    def forbidden(self) -> bool:
        return self.changeover is None

    @property
    def reason(self) -> str:
        if self.rule is None:
            return "no rule matches"
        verdict = "forbids" if self.rule.forbidden else "allows"
        return f"rule {self.rule.priority} {self.rule.name!r} {verdict}"


@dataclass
class Matrix:
    """The dense matrix of one line over the latest version of every compound, for each stage
    the line has settings for."""

    line: Line
    keys: list[StageAttributes]
    switches: dict[tuple[str, str], Switch]

    def at(self, before: StageAttributes, after: StageAttributes) -> Switch:
        return self.switches[(before.key, after.key)]

    @property
    def forbidden(self) -> list[Switch]:
        return [s for s in self.switches.values() if s.forbidden]

    @property
    def unrunnable(self) -> list[Switch]:
        """Stages the line may never run: the stage after itself is forbidden."""
        return [s for s in self.forbidden if s.before.key == s.after.key]

    @property
    def grid_shown(self) -> bool:
        return len(self.keys) <= MAX_MATRIX_KEYS


def latest_versions(session: Session) -> list[CompoundVersion]:
    compounds = session.scalars(
        select(Compound).options(selectinload(Compound.versions), selectinload(Compound.member))
    )
    latest = [max(c.versions, key=lambda v: v.version) for c in compounds if c.versions]
    return sorted(latest, key=lambda v: v.key)


def matrix(session: Session, line: Line) -> Matrix:
    """Every switch between the compound stages ``line`` may run, and why."""
    patterns = [(RulePattern.of(r), r) for r in rules_for_line(get_all(session), line.id)]
    stages = [s for s in STAGES if line.setting(s) is not None]
    keys = [
        stage_attributes(version, stage)
        for version in latest_versions(session)
        for stage in version.stages()
        if stage in stages
    ]
    switches = {}
    for before in keys:
        for after in keys:
            rule = first_match(patterns, before, after)
            switches[(before.key, after.key)] = Switch(before, after, rule, changeover_of(rule))
    return Matrix(line, keys, switches)
