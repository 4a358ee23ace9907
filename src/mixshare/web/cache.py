"""A small per-process cache for read-mostly page data (dashboard figures, plan board windows).

Keys name what the value depends on (plan, window, member) and the database's data version
(:mod:`mixshare.data_version`), which every committed edit of shown data moves, whichever
process made it: each uvicorn worker has its own cache, but none serves data older than the
last commit. Since the key says exactly which data a value was made from, entries need not
expire to be right; ``ttl`` and ``size`` only bound the memory they hold.

A key is computed once at a time: requests that miss the same key while it is being computed
wait for that result instead of all computing it at once (after every edit, or when an entry
expires, every request of a busy page would otherwise miss together and share the cores).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")
# A waiter computes the value itself if the first computation takes longer than this.
WAIT_SECONDS = 30.0


class TtlCache(Generic[V]):
    def __init__(self, ttl: float, size: int) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._computing: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        while True:
            with self._lock:
                hit = self._fresh(key)
                if hit is not None:
                    return hit[1]
                running = self._computing.get(key)
                if running is None:
                    self._computing[key] = threading.Event()
                    break
            if not running.wait(WAIT_SECONDS):
                return compute()
            # computed (or failed: then one of the waiters computes it) -- look again
        try:
            value = compute()
            with self._lock:
                self._items[key] = (time.monotonic(), value)
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._computing.pop(key).set()

    def _fresh(self, key: Hashable) -> tuple[float, V] | None:
        hit = self._items.get(key)
        if hit is None or time.monotonic() - hit[0] >= self.ttl:
            return None
        self._items.move_to_end(key)
        return hit

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
