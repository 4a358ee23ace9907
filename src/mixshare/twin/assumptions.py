"""The twin's assumptions: versioned data (``assumptions.toml``), each value with its source
and plausible range. Logic reads values through :class:`Assumptions`, never literals."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(__file__).with_name("assumptions.toml")
SECTIONS = ("standalone", "shared", "common")


@dataclass(frozen=True)
class Assumption:
    value: float
    low: float
    high: float
    source: str


@dataclass(frozen=True)
class Assumptions:
    """Values by ``section.name`` (e.g. ``standalone.load_factor``); ``members`` overrides
    standalone values per member code."""

    version: str
    values: dict[str, Assumption]
    members: dict[str, dict[str, float]] = field(default_factory=dict)

    def get(self, key: str) -> float:
        return self.values[key].value

    def member(self, member: str, name: str) -> float:
        """A standalone value for one member: its override, else the default."""
        own = self.members.get(member, {})
        return own[name] if name in own else self.get(f"standalone.{name}")

    def with_value(self, key: str, value: float) -> Assumptions:
        """A copy with one value changed (sensitivity runs); member overrides of a standalone
        value are dropped so the change applies to every member."""
        if key not in self.values:
            raise KeyError(key)
        values = dict(self.values)
        values[key] = replace(values[key], value=value)
        name = key.split(".", 1)[1]
        members = {m: {k: v for k, v in o.items() if k != name} for m, o in self.members.items()}
        return replace(self, values=values, members=members)


def _parse(raw: dict[str, Any]) -> Assumptions:
    values: dict[str, Assumption] = {}
    members: dict[str, dict[str, float]] = {}
    for section in SECTIONS:
        for name, entry in raw.get(section, {}).items():
            if section == "standalone" and name == "members":
                members = {m: {k: float(v) for k, v in o.items()} for m, o in entry.items()}
                continue
            if not isinstance(entry, dict) or "source" not in entry:
                raise ValueError(f"assumption {section}.{name}: needs value, low, high, source")
            value = float(entry["value"])
            low, high = float(entry.get("low", value)), float(entry.get("high", value))
            values[f"{section}.{name}"] = Assumption(value, low, high, str(entry["source"]))
    return Assumptions(str(raw.get("version", "unversioned")), values, members)


def load(path: Path | None = None) -> Assumptions:
    """The assumptions file (default: the one shipped beside this module)."""
    with (path or DEFAULT_FILE).open("rb") as handle:
        return _parse(tomllib.load(handle))
