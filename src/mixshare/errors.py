"""Errors that services raise; the CLI and the web turn them into messages for people."""

from __future__ import annotations

from dataclasses import dataclass


class MixshareError(Exception):
    """Base of every error a user can cause and understand."""


class NotFound(MixshareError):
    """The object does not exist (or is not visible to the caller)."""


class Conflict(MixshareError):
    """The object was changed by someone else since it was read."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (file/sheet/row/column or field) and why."""

    location: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        shown = f" (value: {self.value!r})" if self.value else ""
        return f"{self.location}: {self.message}{shown}"


class ValidationFailed(MixshareError):
    """The input was rejected as a whole; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
