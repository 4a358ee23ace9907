"""What every API module shares: paging, optimistic-lock checks, documented error answers."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel

from mixshare.errors import Conflict
from mixshare.web.params import MAX_OFFSET

T = TypeVar("T")

MAX_PAGE = 500


class Paging(BaseModel):
    limit: int = 50
    offset: int = 0


def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="items to skip")] = 0,
) -> Paging:
    return Paging(limit=limit, offset=offset)


PagingDep = Annotated[Paging, Depends(paging)]


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items``, and ``total`` over all pages."""

    items: list[T]
    total: int
    limit: int
    offset: int


def page_of(items: list[T], total: int, p: Paging) -> Page[T]:
    return Page[T](items=items, total=total, limit=p.limit, offset=p.offset)


def check_version(kind: str, object_id: int, stored: int, expected: int | None) -> None:
    if expected is not None and stored != expected:
        raise Conflict(
            f"{kind} {object_id} was changed by someone else (version {stored}, "
            f"you edited version {expected}); reload it"
        )


def strip_problem_prefix(request: Request, prefix: str) -> None:
    """Service problems located at ``prefix.field`` are reported as ``field``."""
    request.state.problem_prefix = prefix


class ProblemDoc(BaseModel):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = None


def _doc(description: str) -> dict[str, Any]:
    return {
        "model": ProblemDoc,
        "description": description,
        "content": {"application/problem+json": {}},
    }


PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: _doc("malformed JSON"),
    401: _doc("not authenticated"),
    403: _doc("the caller's role may not do this"),
    404: _doc("unknown id, or another member's object"),
    413: _doc("body larger than 1 MiB"),
    422: _doc("invalid input; ``errors`` names each field"),
}
WRITE_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    403: _doc("role not allowed, or CSRF check failed"),
    409: _doc("changed by someone else since read"),
}
