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
per defect. ``--service`` also times the stored path (``quality.service.score_batch`` on a
temporary SQLite database: read the curve, align, score, store) when the execution tables
exist.

    python benchmarks/golden_curves.py [--reference 30] [--batches 200] [--runs 5] [--band 0.1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Sequence

import numpy as np

from mixshare.quality import golden, synthetic
from mixshare.quality.golden import Aligned, Reference

Array = golden.Array


# --- DTW alignment (the rival) -----------------------------------------------------------------


def _scaled(curve: golden.Curve) -> Array:
    """Signals × samples, each divided by its floor so that no unit dominates the distance."""
    floors = np.array([golden.SD_FLOOR[s] for s in golden.SIGNALS])[:, None]
    return np.vstack([np.asarray(curve[s], np.float64) for s in golden.SIGNALS]) / floors / 10


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=int, default=30)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--band", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
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
