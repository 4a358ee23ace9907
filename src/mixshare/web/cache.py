"""A small per-process cache for read-mostly page data (dashboard figures, plan board windows).

Keys name what the value depends on (plan, window, member) and the database's data version
(:mod:`mixshare.data_version`), which every committed edit of shown data moves, whichever
process made it: each uvicorn worker has its own cache, but none serves data older than the
last commit. Entries also expire after ``ttl`` seconds, which bounds the memory they hold.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(self, ttl: float, size: int) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        moment = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and moment - hit[0] < self.ttl:
                self._items.move_to_end(key)
                return hit[1]
        value = compute()
        with self._lock:
            self._items[key] = (moment, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


CACHES: list[TtlCache[object]] = []


def page_cache(ttl: float, size: int) -> TtlCache[V]:
    """A cache registered for :func:`clear_all` (tests call it between databases)."""
    cache: TtlCache[V] = TtlCache(ttl, size)
    CACHES.append(cache)  # type: ignore[arg-type]
    return cache


def clear_all() -> None:
    for cache in CACHES:
        cache.clear()
