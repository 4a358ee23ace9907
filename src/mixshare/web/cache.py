"""A small per-process cache for read-mostly page data (dashboard figures, plan board windows).

Keys name everything the value depends on that can change without notice (plan id and row
version, the window, the member, a fingerprint of downtimes …); entries also expire after
``ttl`` seconds, which bounds how long an edit that no key catches (e.g. an order's due date)
can stay unseen. Each uvicorn worker has its own cache.
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
