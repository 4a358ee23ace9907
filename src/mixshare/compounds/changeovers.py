"""Changeover rules: which rule applies between two compound stages, and the dense matrix.

Rules are tried in priority order (lowest number first); the first that matches decides.
A rule marked ``forbidden``, or no matching rule at all, forbids the switch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from mixshare.compounds.models import ChangeoverRule, CompoundVersion
from mixshare.engine.problem import Changeover


@dataclass(frozen=True)
class StageAttributes:
    """What a changeover rule can look at in one compound stage."""

    compound: str  # CompoundVersion.key, e.g. "BELT-NR-01.v2"
    stage: str
    family: str
    colour: str
    staining: bool

    @property
    def key(self) -> str:
        """Setup key used in the changeover matrix, e.g. ``"BELT-NR-01.v2/MB"``."""
        return f"{self.compound}/{self.stage}"


def stage_attributes(version: CompoundVersion, stage: str) -> StageAttributes:
    return StageAttributes(
        compound=version.key,
        stage=stage,
        family=version.polymer_family,
        colour=version.colour_class,
        staining=version.staining,
    )


@lru_cache(maxsize=4096)
def _pattern_set(pattern: str) -> frozenset[str] | None:
    """The values a pattern allows; None for "any". Cached: a matrix asks millions of times."""
    if pattern.strip() in ("", "*"):
        return None
    return frozenset(part.strip() for part in pattern.split(","))


def _in_set(pattern: str | None, value: str) -> bool:
    allowed = None if pattern is None else _pattern_set(pattern)
    return allowed is None or value in allowed


def compound_of_key(key: str) -> str:
    """``M03.BELT.v2`` → ``M03.BELT``: the compound whatever its version."""
    return key.rsplit(".v", 1)[0]


def _compound_in(pattern: str | None, key: str) -> bool:
    """Does a compound pattern (``M03.BELT`` for any version, ``M03.BELT.v2`` for one) name
    the compound version ``key``?"""
    names = None if pattern is None else _pattern_set(pattern)
    return names is None or key in names or compound_of_key(key) in names


def _flag(pattern: bool | None, value: bool) -> bool:
    return pattern is None or pattern == value


@dataclass(frozen=True)
class RulePattern:
    """A rule's patterns as plain values: reading ORM attributes dominated dense matrices
    (89 × 89 switches × 20 rules took seconds)."""

    same_compound: bool | None
    from_compound: str | None
    to_compound: str | None
    from_family: str | None
    from_colour: str | None
    from_staining: bool | None
    from_stage: str | None
    to_family: str | None
    to_colour: str | None
    to_staining: bool | None
    to_stage: str | None

    @classmethod
    def of(cls, rule: ChangeoverRule) -> RulePattern:
        return cls(**{name: getattr(rule, name) for name in cls.__dataclass_fields__})


def first_match(
    patterns: Sequence[tuple[RulePattern, ChangeoverRule]],
    before: StageAttributes,
    after: StageAttributes,
) -> ChangeoverRule | None:
    """:func:`find_rule` over rules read once with :meth:`RulePattern.of`."""
    for pattern, rule in patterns:
        if rule_matches(pattern, before, after):
            return rule
    return None


def rule_matches(
    rule: ChangeoverRule | RulePattern, before: StageAttributes, after: StageAttributes
) -> bool:
    """Does ``rule`` describe switching a line from ``before`` to ``after``?"""
    same = before.key == after.key
    return (
        _flag(rule.same_compound, same)
        and _compound_in(rule.from_compound, before.compound)
        and _compound_in(rule.to_compound, after.compound)
        and _in_set(rule.from_family, before.family)
        and _in_set(rule.from_colour, before.colour)
        and _flag(rule.from_staining, before.staining)
        and _in_set(rule.from_stage, before.stage)
        and _in_set(rule.to_family, after.family)
        and _in_set(rule.to_colour, after.colour)
        and _flag(rule.to_staining, after.staining)
        and _in_set(rule.to_stage, after.stage)
    )


def rules_for_line(rules: Iterable[ChangeoverRule], line_id: int) -> list[ChangeoverRule]:
    """The rules that apply on one line, in the order they are tried."""
    applicable = [r for r in rules if r.line_id is None or r.line_id == line_id]
    return sorted(applicable, key=lambda r: (r.priority, r.id or 0))


def find_rule(
    rules: Sequence[ChangeoverRule], before: StageAttributes, after: StageAttributes
) -> ChangeoverRule | None:
    """First matching rule of an already line-filtered, ordered list."""
    for rule in rules:
        if rule_matches(rule, before, after):
            return rule
    return None


def changeover_for(
    rules: Sequence[ChangeoverRule], before: StageAttributes, after: StageAttributes
) -> Changeover | None:
    """The changeover, or None when the rules forbid the switch."""
    return changeover_of(find_rule(rules, before, after))


def changeover_of(rule: ChangeoverRule | None) -> Changeover | None:
    """What a matching ``rule`` costs, or None when it forbids (or there is no rule)."""
    if rule is None or rule.forbidden:
        return None
    # Column defaults apply only on insert; a rule not yet flushed may still hold None.
    return Changeover(rule.minutes or 0, rule.cleaning_batches or 0, rule.cost or 0.0)


def changeover_matrix(
    rules: Iterable[ChangeoverRule], line_id: int, stages: Sequence[StageAttributes]
) -> dict[str, dict[str, Changeover | None]]:
    """Dense matrix ``[from_key][to_key]`` over ``stages`` for one line."""
    patterns = [(RulePattern.of(r), r) for r in rules_for_line(rules, line_id)]
    unique = {s.key: s for s in stages}
    return {
        a.key: {b.key: changeover_of(first_match(patterns, a, b)) for b in unique.values()}
        for a in unique.values()
    }


def runnable_on_line(
    rules: Iterable[ChangeoverRule], line_id: int, target: StageAttributes
) -> bool:
    """Can the line ever run ``target``: is a campaign of it (itself after itself) allowed?"""
    return changeover_for(rules_for_line(rules, line_id), target, target) is not None
