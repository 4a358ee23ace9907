"""The cost game at 10 and 20 members: every coalition's cost, Shapley, nucleolus, core check.

    python benchmarks/costshare.py [--runs 5] [--members 10,20] [--nucleolus-up-to 16]

Each run draws each member's line hours of a month (log-normal around the demo center's
~90 h per member and month, seed = run number) and times, with the demo cost model
(:data:`mixshare.demo.generator.DEMO_COST_MODEL`, 31 operating days):

- ``coalitions``: ``c(S)`` of all ``2**n − 1`` coalitions (subset sums + the vectorised model);
- ``shapley``: the exact Shapley value (subset-size weighted marginals over bitmasks);
- ``nucleolus``: sequential LPs on HiGHS (skipped above ``--nucleolus-up-to`` members: one LP
  there has ``2**n`` rows; issue 9 asks for it at 10);
- ``core``: the core check of Shapley, nucleolus (when computed) and tonnage shares.

The table shows the median of the runs in milliseconds, the slowest run, and the limits of issue 9
(10 members: everything ≤ 2 s; 20 members: coalitions + exact Shapley ≤ 60 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from mixshare.costshare import allocation, coalitions
from mixshare.costshare.model import CenterCostModel
from mixshare.demo.generator import DEMO_COST_MODEL

DAYS = 31
LIMITS = {10: 2.0, 20: 60.0}


def model() -> CenterCostModel:
    # the demo's values are of mixed types (numbers, and text in the two left out)
    fields: dict[str, Any] = {
        k: v for k, v in DEMO_COST_MODEL.items() if k not in ("source", "notes")
    }
    return CenterCostModel(**fields)


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = work()
    return time.perf_counter() - began, result


def one_run(n: int, seed: int, with_nucleolus: bool) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    hours = rng.lognormal(np.log(90.0), 0.5, n)
    tonnes = hours * rng.uniform(6.5, 7.5, n)
    cost_model = model()
    times: dict[str, float] = {}
    times["coalitions"], costs = timed(lambda: cost_model.cost(coalitions.subset_sums(hours), DAYS))
    times["shapley"], shapley = timed(lambda: allocation.shapley(costs))
    rules = {"shapley": shapley, "proportional": allocation.proportional(costs[-1], tonnes)}
    if with_nucleolus:
        times["nucleolus"], rules["nucleolus"] = timed(lambda: allocation.nucleolus(costs))
    times["core"], _ = timed(lambda: [allocation.blocking(costs, x) for x in rules.values()])
    times["total"] = sum(times.values())
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--members", default="10,20")
    parser.add_argument("--nucleolus-up-to", type=int, default=16)
    args = parser.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average before: {load}, {os.cpu_count()} CPUs")
    allocation.nucleolus(np.array([0.0, 1.0, 1.0, 1.5]))  # HiGHS's one-time start, not timed
    header = ("members", "coalitions", "c(S) ms", "Shapley ms", "nucleolus ms", "core ms",
              "total ms", "slowest ms", "limit ms")  # fmt: skip
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for n in (int(m) for m in args.members.split(",")):
        with_nucleolus = n <= args.nucleolus_up_to
        runs = [one_run(n, seed, with_nucleolus) for seed in range(args.runs)]

        def median(key: str, runs: list[dict[str, float]] = runs) -> str:
            return (
                f"{1000 * statistics.median(r[key] for r in runs):,.1f}" if key in runs[0] else "—"
            )

        slowest = max(r["total"] for r in runs)
        limit = LIMITS.get(n)
        print(
            f"| {n} | {2**n - 1:,} | {median('coalitions')} | {median('shapley')} | "
            f"{median('nucleolus')} | {median('core')} | {median('total')} | "
            f"{1000 * slowest:,.1f} | {f'{1000 * limit:,.0f}' if limit is not None else '—'} |"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
