"""Busy processes for tests that must hold on a loaded machine (no wall-clock leaks)."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Iterator
from contextlib import contextmanager


def _spin() -> None:
    while True:
        pass


@contextmanager
def cpu_load(processes: int = 2) -> Iterator[None]:
    """Keep ``processes`` cores busy while the block runs."""
    context = mp.get_context("fork")
    spinners = [context.Process(target=_spin, daemon=True) for _ in range(processes)]
    for spinner in spinners:
        spinner.start()
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.terminate()
            spinner.join()
