"""Where the search's portfolio helpers run: a :class:`WorkerPool`.

The search (:mod:`mixshare.engine.search`) runs its own share of a phase in the calling process
and hands the other workers' shares to a pool as tasks: ``submit`` starts them, the caller
searches meanwhile, ``gather`` returns their results in the order submitted.

* :class:`LocalPool` (the default): one forked process per task on this machine.
* :class:`DaskPool`: the tasks run on a Dask ``distributed`` cluster (a scheduler address such
  as ``tcp://10.0.0.5:8786``, or a ``distributed.Client`` already made, e.g. on a
  ``LocalCluster``). Every cluster worker needs mixshare installed at the same version.

Both give the same plan for the same seed and worker count in a reproducible run
(``iterations`` set): a task's result depends only on the task, results are taken in the order
submitted, and a task whose result is lost (dead process, lost cluster worker) is redone in the
calling process. In an anytime run a helper that does not answer in time only costs its share.

:func:`default_pool` reads ``MIXSHARE_DASK_SCHEDULER``: unset or empty means the local pool.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing as mp
import os
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# answering back costs a little: an anytime helper gets at least this long past its share
MIN_WAIT = 5.0


def worker_seed(seed: int, *stream: int) -> int:
    """The random seed of one stream of a run (e.g. phase and worker), distinct for every
    run ``seed`` and stream: hashed, because ``seed + worker`` made run seed 0's second worker
    replay run seed 1's first (2 workers, 400 iterations, demo week: seeds 0 and 1 gave the
    same plan, so a median over seeds 0-4 counted one trajectory twice). 32 bits, so NumPy's
    legacy seeding takes it too."""
    text = "/".join(str(x) for x in (seed, *stream))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big")


class WorkerPool(Protocol):
    """Runs a phase's helper tasks somewhere; see the module docstring."""

    def submit(self, fn: Callable[[T], R], tasks: list[T]) -> Any:
        """Start ``fn(task)`` for every task; returns a handle for :meth:`gather`."""
        ...

    def gather(
        self,
        fn: Callable[[T], R],
        tasks: list[T],
        handle: Any,
        seconds: float,
        deterministic: bool,
    ) -> list[R]:
        """The results in submission order. Anytime (``deterministic`` False): those that
        arrive in time (a grace of a few seconds after the caller's own share).
        Deterministic: every one, however long it takes; a lost one is computed here with
        ``fn(task)``."""
        ...


class LocalPool:
    """One forked process per task on this machine (the default)."""

    def submit(self, fn: Callable[[T], R], tasks: list[T]) -> list[tuple[Any, Any]]:
        # fork: no re-import of the caller's __main__ (scripts without a main guard, pytest)
        # and no pickling of the problem; the helper runs only pure-Python/NumPy engine code.
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        ctx: Any = mp.get_context(method)
        out = []
        for task in tasks:
            q = ctx.Queue()
            p = ctx.Process(target=_run_into, args=(fn, task, q), daemon=True)
            p.start()
            out.append((p, q))
        return out

    def gather(
        self,
        fn: Callable[[T], R],
        tasks: list[T],
        handle: list[tuple[Any, Any]],
        seconds: float,
        deterministic: bool,
    ) -> list[R]:
        out: list[R] = []
        for (p, q), task in zip(handle, tasks, strict=True):
            result = _await(p, q) if deterministic else _answer(q, max(MIN_WAIT, seconds))
            if result is None and deterministic:
                result = fn(task)
            if result is not None:
                out.append(result)
            p.join(timeout=1.0)
            if p.is_alive():
                p.terminate()
        return out


def _run_into(fn: Callable[[Any], Any], task: Any, queue: Any) -> None:
    queue.put(fn(task))


def _answer(queue: Any, timeout: float) -> Any | None:
    with contextlib.suppress(Exception):
        return queue.get(timeout=timeout)
    return None


def _await(process: Any, queue: Any) -> Any | None:
    """The helper's result however long it takes; None once it has died without one."""
    while True:
        result = _answer(queue, 5.0)
        if result is not None or not process.is_alive():
            return result if result is not None else _answer(queue, 1.0)


# one client per scheduler address and process, reused by every plan
_CLIENTS: dict[str, Any] = {}


class DaskPool:
    """The tasks run on a Dask ``distributed`` cluster.

    ``client`` is a ``distributed.Client`` or a scheduler address (a client is made on first
    use and kept). Tasks are submitted with ``pure=False`` (each runs, even when two are equal).
    """

    def __init__(self, client: Any) -> None:
        self._client = client if not isinstance(client, str) else None
        self._address = client if isinstance(client, str) else None

    @property
    def client(self) -> Any:
        if self._client is None:
            client = _CLIENTS.get(str(self._address))
            if client is None or client.status != "running":
                from distributed import Client

                client = _CLIENTS[str(self._address)] = Client(self._address)
            self._client = client
        return self._client

    def submit(self, fn: Callable[[T], R], tasks: list[T]) -> list[Any]:
        return [self.client.submit(fn, task, pure=False) for task in tasks]

    def gather(
        self,
        fn: Callable[[T], R],
        tasks: list[T],
        handle: list[Any],
        seconds: float,
        deterministic: bool,
    ) -> list[R]:
        from distributed import wait

        if not deterministic:
            # the phase's time is spent when this is called; a task that started late on a
            # busy cluster gets a short grace, then only costs its share
            with contextlib.suppress(Exception):
                wait(handle, timeout=min(MIN_WAIT, 1.0 + 0.05 * seconds))
        out: list[R] = []
        for future, task in zip(handle, tasks, strict=True):
            result: R | None = None
            if deterministic or future.status == "finished":
                try:
                    result = future.result()
                except Exception:  # a lost worker or a failed task
                    result = fn(task) if deterministic else None
            else:
                future.cancel()
            if result is not None:
                out.append(result)
        return out


def default_pool() -> WorkerPool:
    """A :class:`DaskPool` on ``MIXSHARE_DASK_SCHEDULER`` when set, else a :class:`LocalPool`."""
    address = os.environ.get("MIXSHARE_DASK_SCHEDULER", "").strip()
    return DaskPool(address) if address else LocalPool()
