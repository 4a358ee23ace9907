"""Errors that services raise; the CLI and the web turn them into messages for people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


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


def pydantic_problems(error: ValidationError, prefix: str = "") -> list[Problem]:
    """One Problem per Pydantic error, located at ``prefix`` + the field path."""
    problems = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"])
        location = f"{prefix}.{path}" if prefix and path else (prefix or path)
        message = str(item["msg"]).removeprefix("Value error, ")
        value = item.get("input")
        shown = "" if isinstance(value, dict | list) or value is None else str(value)
        problems.append(Problem(location or "input", message, shown))
    return problems


def validated(model: type[M], data: Any) -> M:
    """``data`` as a ``model`` (an instance passes as it is); Pydantic's errors become
    ``ValidationFailed``."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(pydantic_problems(exc)) from exc
