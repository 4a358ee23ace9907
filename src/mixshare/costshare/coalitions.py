"""Coalitions as bitmasks: bit ``i`` of a mask is member ``i``; mask 0 is the empty coalition.

Every array "over all coalitions" has length ``2**n`` and is indexed by mask, so a coalition's
cost is ``costs[mask]``. Sums over all coalitions are built by doubling (one pass per member,
``O(2**n)`` in all), never by looping over coalitions in Python.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

MAX_EXACT_MEMBERS = 20
"""Beyond this many members, ``2**n`` arrays stop being cheap (and listing them pointless)."""

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def subset_sums(values: Sequence[float] | FloatArray) -> FloatArray:
    """``out[mask]`` = sum of ``values[i]`` over the members ``i`` in ``mask``."""
    out = np.zeros(1, dtype=np.float64)
    for value in np.asarray(values, dtype=np.float64):
        # the new half holds the masks with this member's bit set: old mask + 2**i
        out = np.concatenate((out, out + value))
    return out


def sizes(n: int) -> IntArray:
    """``out[mask]`` = number of members in ``mask``."""
    out = np.zeros(1, dtype=np.int64)
    for _ in range(n):
        out = np.concatenate((out, out + 1))
    return out


def grand(n: int) -> int:
    """The mask of all ``n`` members."""
    return (1 << n) - 1


def members_of(mask: int, n: int) -> list[int]:
    return [i for i in range(n) if mask >> i & 1]


def name(mask: int, members: Sequence[str]) -> str:
    """``M01+M03``: the members of ``mask`` in the order of ``members``."""
    return "+".join(members[i] for i in members_of(mask, len(members)))


def in_order(n: int) -> Iterator[int]:
    """Every non-empty coalition's mask: by size, then in the order of the members
    (``M01``, ``M02``, …, ``M01+M02``, ``M01+M03``, …): the order of listings and reports."""
    for size in range(1, n + 1):
        for combination in itertools.combinations(range(n), size):
            yield sum(1 << i for i in combination)


def check_size(n: int, limit: int = MAX_EXACT_MEMBERS) -> None:
    if not 1 <= n <= limit:
        raise ValueError(f"an exact game needs 1 to {limit} members, got {n}")
