"""Request parameters every route reads the same way: bounded ids, offsets and page numbers.

Ids are INTEGER columns (32 bits on PostgreSQL); an id in a URL beyond that range can name
nothing, and handing it to the driver overflows (a 500 instead of an answer). Every id-taking
route declares its id with :data:`PathId`, :data:`QueryId` or :data:`OptionalQueryId`, so
such values are refused with a 422 naming the parameter; the route test enumerates the app
and fails on any integer parameter without these bounds.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from mixshare.validation import MAX_ID

# Skipping more rows than any table will hold is no request anyone means; the bound keeps
# the offset inside the drivers' 64-bit range too.
MAX_OFFSET = 10**9
MAX_PAGE_NUMBER = 10**6

PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="an id (1 … 2³¹-1)")]
QueryId = Annotated[int, Query(ge=1, le=MAX_ID, description="an id")]
OptionalQueryId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="an id")]
OptionalVersionQuery = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="the row version that was read")
]
