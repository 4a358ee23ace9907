"""Golden-curve benchmark (issue 8): scoring time per batch, and which alignment to use.

Builds a reference from ``--reference`` good synthetic batches (``mixshare.quality.synthetic``:
±10 % cycle length, power level and noise), then scores ``--batches`` good batches and as many
of each defect with two alignments:

- **energy**: :mod:`mixshare.quality.golden` (each batch on its cumulative-energy axis);
- **dtw**: a banded dynamic time warping in numpy (Sakoe-Chiba band ``--band`` of the
  template's length) of each batch onto a template batch (the reference batch of median
  length); reference batches are warped onto the template too, and the envelope and the score
  are computed exactly as for energy (same K, floors, outside share and energy check), so only
  the alignment differs.

Prints, per method, the median milliseconds to align and score one batch (median of
``--runs`` runs over all batches), the false-alarm rate on good batches and the detection rate
per defect. ``--service`` also times the stored path, ``quality.service.score_batch`` on a
temporary SQLite database holding the demo center (read the batch and its compressed curve,
align, score against the stored golden curve, write the score): ``--reference`` masterbatches
of one compound are ingested, tested and released (which builds the golden curve), then
``--batches`` new ones are ingested and each is scored in its own transaction.

    python benchmarks/golden_curves.py [--reference 30] [--batches 200] [--runs 5] [--band 0.1]
                                       [--service] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mixshare.execution.models import Batch
from mixshare.quality import golden, synthetic
from mixshare.quality import service as quality
from mixshare.quality.golden import Aligned, Reference

Array = golden.Array


# --- DTW alignment (the rival) -----------------------------------------------------------------


def _scaled(curve: golden.Curve) -> Array:
    """Signals × samples, each divided by its floor so that no unit dominates the distance."""
    floors = np.array([golden.SD_FLOOR[s] for s in golden.SIGNALS])[:, None]
    scaled: Array = np.vstack([np.asarray(curve[s], np.float64) for s in golden.SIGNALS]) / floors
    return scaled / 10


def dtw_path(a: Array, b: Array, band: float) -> list[tuple[int, int]]:
    """The warping path between ``a`` (signals × n) and ``b`` (signals × m), Sakoe-Chiba band.

    Each row is one vectorised min-plus scan: D[i, j] = C[j] + min_k≤j (A[k] - C[k-1]) with
    A[k] = min(D[i-1, k-1], D[i-1, k]) and C the running sum of the row's costs.
    """
    n, m = a.shape[1], b.shape[1]
    width = max(int(band * max(n, m)), abs(n - m) + 1)
    cost = np.sqrt(((a.T[:, None, :] - b.T[None, :, :]) ** 2).sum(axis=2))
    rows = np.arange(n)[:, None] * (m / n)
    cost[np.abs(np.arange(m)[None, :] - rows) > width] = np.inf
    total = np.full((n, m), np.inf)
    total[0] = np.cumsum(cost[0])
    for i in range(1, n):
        previous = total[i - 1]
        arrive = np.minimum(np.concatenate(([np.inf], previous[:-1])), previous)
        running = np.cumsum(cost[i])
        shifted = np.concatenate(([0.0], running[:-1]))
        with np.errstate(invalid="ignore"):
            total[i] = running + np.minimum.accumulate(arrive - shifted)
        total[i][~np.isfinite(cost[i])] = np.inf
    return _backtrack(total)


def _backtrack(total: Array) -> list[tuple[int, int]]:
    i, j = total.shape[0] - 1, total.shape[1] - 1
    path = [(i, j)]
    while i > 0 or j > 0:
        if i == 0:
            j -= 1
        elif j == 0:
            i -= 1
        else:
            steps = ((i - 1, j - 1), (i - 1, j), (i, j - 1))
            i, j = min(steps, key=lambda s: total[s])
        path.append((i, j))
    return path[::-1]


def warp_onto(curve: golden.Curve, template: golden.Curve, band: float) -> Aligned:
    """``curve`` on the template's time axis (mean of the samples matched to each template
    second), resampled to the grid so that the scoring code is shared."""
    mine, theirs = _scaled(curve), _scaled(template)
    path = dtw_path(theirs, mine, band)
    values = np.vstack([np.asarray(curve[s], np.float64) for s in golden.SIGNALS])
    length = theirs.shape[1]
    sums, counts = np.zeros((len(golden.SIGNALS), length)), np.zeros(length)
    for t, c in path:
        sums[:, t] += values[:, c]
        counts[t] += 1
    warped = sums / counts
    grid = np.linspace(0, length - 1, golden.GRID_POINTS)
    signals = np.vstack([np.interp(grid, np.arange(length), row) for row in warped])
    energy = golden.cumulative_energy(np.asarray(curve["power_kw"], np.float64), 1.0)[-1]
    return Aligned(signals, grid, float(energy))


# --- the measurement ---------------------------------------------------------------------------


def population(rng: np.random.Generator, count: int) -> dict[str, list[golden.Curve]]:
    batches: dict[str, list[golden.Curve]] = {"good": []}
    batches["good"] = [synthetic.mixing_curve(rng) for _ in range(count)]
    for defect in synthetic.DEFECTS:
        batches[defect] = [synthetic.mixing_curve(rng, defect=defect) for _ in range(count)]
    return batches


def timed(
    align: Callable[[golden.Curve], Aligned], reference: Reference, curves: Sequence[golden.Curve]
) -> tuple[list[golden.Score], float]:
    started = time.perf_counter()
    scores = [golden.score(align(c), reference) for c in curves]
    return scores, (time.perf_counter() - started) * 1000 / len(curves)


def service_path(reference: int, count: int, runs: int, url: str | None) -> None:
    """Median ms of ``score_batch`` per stored batch (see the module docstring)."""
    import tempfile
    from datetime import date

    from mixshare import migrate
    from mixshare.db import session_scope
    from mixshare.demo.accounts import create_demo_accounts
    from mixshare.demo.generator import load_demo_center, next_monday

    with tempfile.TemporaryDirectory() as folder:
        url = url or f"sqlite:///{folder}/bench.db"
        migrate.upgrade(url)
        with session_scope(url) as session:
            load_demo_center(session, seed=7, weeks=1, start=next_monday(date.today()))
            create_demo_accounts(session, "bench-password-1")
        released = _stored_batches(url, reference, release=True)
        fresh = _stored_batches(url, count, release=False, first=len(released))
        alone, shared = [], []
        for _ in range(runs):
            for batch_id in fresh:  # each scoring in a transaction of its own (commit included)
                started = time.perf_counter()
                with session_scope(url) as session:
                    _score(session, batch_id)
                alone.append((time.perf_counter() - started) * 1000)
            with session_scope(url) as session:  # all in one transaction, as after an ingest
                for batch_id in fresh:
                    started = time.perf_counter()
                    _score(session, batch_id)
                    shared.append((time.perf_counter() - started) * 1000)
        kind = url.split(":")[0]
        print(
            f"stored path ({kind}), golden curve of {reference} batches, {count} batches x "
            f"{runs} runs:"
        )
        for name, timings in (("own transaction", alone), ("one transaction", shared)):
            p95 = sorted(timings)[max(int(0.95 * len(timings)) - 1, 0)]
            print(f"  {name:<16} median {statistics.median(timings):6.2f} ms  p95 {p95:6.2f} ms")


def _score(session: Any, batch_id: int) -> None:
    batch = session.get(Batch, batch_id)
    assert batch is not None
    assert quality.score_batch(session, batch) is not None, "no golden curve was built"


def _stored_batches(url: str, count: int, *, release: bool, first: int = 0) -> list[int]:
    """``count`` masterbatches of M01's first compound on L1, ingested; released if asked."""
    from datetime import datetime, timedelta

    from sqlalchemy import select

    from mixshare.compounds.models import Compound
    from mixshare.db import session_scope
    from mixshare.execution import service as execution
    from mixshare.execution.samples import BatchFactory, IngredientSpec
    from mixshare.members.models import Member
    from mixshare.settings import now_local
    from mixshare.users.models import User

    rng = np.random.default_rng(first + 1)
    ids = []
    with session_scope(url) as session:
        member = session.scalar(select(Member).where(Member.code == "M01"))
        assert member is not None
        compound = session.scalars(
            select(Compound).where(Compound.member_id == member.id).order_by(Compound.code)
        ).first()
        assert compound is not None
        version = compound.versions[-1]
        quality.set_spec(session, quality.SpecIn(version.id, "MB", "MOONEY", lsl=0, usl=200))
        names = {i.material_id: i for i in version.ingredients if i.stage == "MB"}
        from mixshare.materials.models import Material

        ingredients = [IngredientSpec(session.get(Material, m).code, 100.0) for m in names]  # type: ignore[union-attr]
        start = now_local().replace(microsecond=0) - timedelta(days=3) + timedelta(hours=first)
        factory = BatchFactory("L1", version.key, "MB", ingredients, start=start, seed=first)
        user = session.scalar(select(User).where(User.username == "quality"))
        for n in range(count):
            signals = synthetic.mixing_curve(rng)
            curve = {"hz": 1, **signals}
            document = factory.next(curve=curve, batch=f"BENCH-{first + n:05d}")
            started = datetime.fromisoformat(document["started_at"])
            document["ended_at"] = (
                started + timedelta(seconds=len(signals["power_kw"]) - 1)
            ).isoformat()
            document.pop("energy_kwh")
            batch_id = execution.ingest_one(session, document, source="api").batch_id
            assert batch_id is not None
            ids.append(batch_id)
            if release:
                entry = quality.ResultIn("MOONEY", 60.0, batch_id=batch_id)
                quality.record_results(session, [entry], user, source="api")
                quality.release(session, session.get(Batch, batch_id), user)  # type: ignore[arg-type]
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=int, default=30)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--band", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--service", action="store_true", help="also time the stored path")
    parser.add_argument("--service-only", action="store_true")
    parser.add_argument("--database-url", help="an empty database for --service (else SQLite)")
    args = parser.parse_args()
    if args.service or args.service_only:
        print(f"load average {os.getloadavg()[0]:.1f}")
        service_path(args.reference, args.batches, args.runs, args.database_url)
        if args.service_only:
            return
    rng = np.random.default_rng(args.seed)
    released = [synthetic.mixing_curve(rng) for _ in range(args.reference)]
    template = sorted(released, key=lambda c: len(c["power_kw"]))[len(released) // 2]
    methods: dict[str, Callable[[golden.Curve], Aligned]] = {
        "energy": golden.align,
        "dtw": lambda c: warp_onto(c, template, args.band),
    }
    tests = population(rng, args.batches)
    print(
        f"load average {os.getloadavg()[0]:.1f}; reference {args.reference} batches; "
        f"{args.batches} batches per kind; {args.runs} runs; DTW band {args.band:.0%}"
    )
    kinds = list(tests)
    print(f"{'method':<8}{'ms/batch':>9}{'build ms':>9}" + "".join(f"{k:>15}" for k in kinds))
    for name, align in methods.items():
        started = time.perf_counter()
        reference = golden.build_reference([align(c) for c in released])
        build_ms = (time.perf_counter() - started) * 1000
        per_batch: list[float] = []
        flagged: dict[str, float] = {}
        for _ in range(args.runs):
            every: list[golden.Score] = []
            for kind in kinds:
                scores, ms = timed(align, reference, tests[kind])
                flagged[kind] = sum(s.out_of_envelope for s in scores) / len(scores)
                every += scores
                per_batch.append(ms)
        cells = "".join(f"{flagged[k]:>15.1%}" for k in kinds)
        print(f"{name:<8}{statistics.median(per_batch):>9.2f}{build_ms:>9.0f}{cells}")
    print(
        "columns after 'build ms': share of batches flagged out of envelope "
        "(good: false alarms; defects: detections)"
    )


if __name__ == "__main__":
    main()
