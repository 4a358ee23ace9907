"""Public benchmark: Vallada & Ruiz (2011) UPMSP-SDST, makespan, engine vs PyJobShop.

Runs the engine's makespan mode and PyJobShop (OR-Tools CP-SAT backend) on the same instances
with the same time limit, judges every solution with the independent evaluator
``mixshare.benchsolvers.upmsp.makespan``, and prints RPD = 100 (C_max - best_known) / best_known.

Rows are appended to a CSV as they finish (so a long run survives interruption); ``--summarize``
re-prints the tables from one or more CSVs (later files fill in columns missing in earlier ones).

The last table has one row per job count: mean RPD at the checkpoint (10 s) and at the limit
(30 s), the search's evaluations per second of wall time and per CPU-second (candidate moves,
swaps and insertions priced, all workers) and the load average seen, with the command that
produced the CSVs in its header. ``--cpu-clock`` runs each worker for that many seconds of its
own CPU time: on a machine shared with other work that measures the search, not the load.

Examples::

    python benchmarks/upmsp.py --xlarge --time-limit 30 --checkpoint 10 --seeds 0,1
    python benchmarks/upmsp.py --large --time-limit 30 --checkpoint 10
    python benchmarks/upmsp.py --small-sample 640 --time-limit 5 --solvers engine
    python benchmarks/upmsp.py --summarize benchmarks/results/a.csv benchmarks/results/b.csv
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

from mixshare.benchsolvers.upmsp import Instance, instance_name, makespan, read_instance, solve
from mixshare.benchsolvers.upmsp_search import warm_up

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "benchmarks" / "upmsp-sdst"
RESULTS = ROOT / "benchmarks" / "results"
FIELDS = [
    "instance", "group", "n", "m", "best_known", "lower_bound",
    "engine", "engine_rpd", "engine_s", "engine_method",
    "engine_cp", "engine_cp_rpd", "checkpoint_s",
    "pjs", "pjs_rpd", "pjs_s", "pjs_status", "pjs_objective",
    "time_limit", "workers", "load1",
    "seed", "iterations", "evaluations", "evals_per_s", "cpu_s", "evals_per_cpu_s", "clock",
    "command",
]  # fmt: skip
# size classes of the table printed per class (n -> name)
CLASSES = {6: "small", 8: "small", 10: "small", 12: "small", 50: "large", 100: "large",
           150: "xlarge", 250: "xlarge"}  # fmt: skip


def rpd(value: float | None, ref: float) -> float | None:
    return None if value is None else 100.0 * (value - ref) / ref


def run_pyjobshop(inst: Instance, time_limit: float, workers: int) -> dict[str, Any]:
    """Solve with PyJobShop/CP-SAT; the schedule is re-judged by our evaluator."""
    from pyjobshop import Model

    t0 = time.perf_counter()
    model = Model()
    machines = [model.add_machine() for _ in range(inst.m)]
    tasks = []
    for j in range(inst.n):
        task = model.add_task(model.add_job())
        tasks.append(task)
        for k, mach in enumerate(machines):
            model.add_mode(task, mach, duration=int(inst.p[k, j]))
    for k, mach in enumerate(machines):
        for i in range(inst.n):
            for j in range(inst.n):
                if i != j and inst.setup[k, i, j] > 0:
                    model.add_setup_time(mach, tasks[i], tasks[j], int(inst.setup[k, i, j]))
    model.set_objective(weight_makespan=1)
    # CP-SAT gets the whole limit; model building (a few s on 100 x 20) is only in pjs_s
    result = model.solve("ortools", time_limit=time_limit, display=False, num_workers=workers)
    seconds = time.perf_counter() - t0
    status = str(result.status.value)
    if status not in ("Optimal", "Feasible"):
        return {"pjs": None, "pjs_s": seconds, "pjs_status": status, "pjs_objective": None}
    seqs: list[list[tuple[int, int]]] = [[] for _ in range(inst.m)]
    for j, sched in enumerate(result.best.tasks):
        k = int(sched.resources[0])
        seqs[k].append((int(sched.start), j))
    assignment = [[j for _, j in sorted(s)] for s in seqs]
    return {
        "pjs": makespan(inst, assignment),
        "pjs_s": seconds,
        "pjs_status": status,
        "pjs_objective": result.objective,
    }


def run_engine(
    inst: Instance,
    time_limit: float,
    workers: int,
    seed: int,
    checkpoint: float | None,
    exact: bool = True,
    cpu_clock: bool = False,
) -> dict[str, Any]:
    cps = (checkpoint,) if checkpoint else ()
    res = solve(
        inst, time_limit, seed=seed, workers=workers, checkpoints=cps, exact=exact,
        cpu_clock=cpu_clock,
    )  # fmt: skip
    value = makespan(inst, res.assignment)  # independent evaluator, not solver bookkeeping
    return {
        "engine": value,
        "iterations": res.iterations,
        "evaluations": res.evaluations,
        "evals_per_s": round(res.evaluations / res.seconds) if res.seconds > 0 else None,
        "cpu_s": round(res.cpu_seconds, 2),
        "evals_per_cpu_s": round(res.evaluations / res.cpu_seconds) if res.cpu_seconds else None,
        "clock": "cpu" if cpu_clock else "wall",
        "engine_s": res.seconds,
        "engine_method": res.method,
        "lower_bound": res.lower_bound,
        "engine_cp": res.checkpoints.get(checkpoint) if checkpoint else None,
        "checkpoint_s": checkpoint,
    }


def load_reference() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for name in ("reference.csv", "reference-xlarge.csv"):
        if (DATA / name).is_file():
            with (DATA / name).open() as fh:
                out |= {row["instance"]: row for row in csv.DictReader(fh)}
    return out


def select(args: argparse.Namespace) -> list[Path]:
    files: list[Path] = []
    if args.small_sample:
        small = sorted((DATA / "instances" / "small").glob("*.txt"))
        if args.small_sample < len(small):
            small = sorted(random.Random(args.sample_seed).sample(small, args.small_sample))
        files += small
    if args.large:
        files += sorted((DATA / "instances" / "large").glob("*.txt"))
    if args.xlarge:
        files += sorted((DATA / "instances" / "xlarge").glob("*.txt.gz"))
    if args.only:
        keep = set(args.only.split(","))
        files = [f for f in files if instance_name(f) in keep]
    return files


def group_of(n: int) -> str:
    return CLASSES.get(n, "xlarge" if n > 100 else "large")


def fmt(v: Any, digits: int = 2) -> str:
    if v is None or v == "":
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def run(args: argparse.Namespace) -> Path:
    ref = load_reference()
    files = select(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = Path(args.out) if args.out else RESULTS / f"upmsp_{time.strftime('%Y%m%d_%H%M%S')}.csv"
    solvers = set(args.solvers.split(","))
    seeds = [int(x) for x in args.seeds.split(",")] if args.seeds else [args.seed]
    command = "python benchmarks/upmsp.py " + " ".join(sys.argv[1:])
    print(
        f"# {len(files)} instances, time limit {args.time_limit}s, solvers {sorted(solvers)},"
        f" workers {args.workers}, cpus {os.cpu_count()}, csv {out}",
        file=sys.stderr,
    )
    warm_up()  # load the compiled kernels once, outside every instance's clock
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for seed, f in [(sd, f) for sd in seeds for f in files]:
            inst = read_instance(f)
            bk = float(ref[inst.name]["best_known"])
            row: dict[str, Any] = {
                "instance": inst.name, "n": inst.n, "m": inst.m, "best_known": int(bk),
                "group": group_of(inst.n), "seed": seed, "command": command,
                "time_limit": args.time_limit, "workers": args.workers,
                "load1": round(os.getloadavg()[0], 2),
            }  # fmt: skip
            if "engine" in solvers:
                cp = args.checkpoint if row["group"] != "small" else None
                row |= run_engine(
                    inst, args.time_limit, args.workers, seed, cp, not args.no_exact, args.cpu_clock
                )
                row["engine_rpd"] = rpd(row["engine"], bk)
                row["engine_cp_rpd"] = rpd(row["engine_cp"], bk)
            if "pyjobshop" in solvers and (row["group"] == "large" or args.pjs_small):
                row |= run_pyjobshop(inst, args.time_limit, args.workers)
                row["pjs_rpd"] = rpd(row["pjs"], bk)
            writer.writerow(row)
            fh.flush()
            print(" ".join(f"{k}={fmt(row.get(k))}" for k in (
                "instance", "seed", "best_known", "engine", "engine_rpd", "engine_cp",
                "evals_per_s", "pjs", "pjs_rpd", "pjs_status", "load1")),
                file=sys.stderr, flush=True)  # fmt: skip
    return out


def _num(v: str | None) -> float | None:
    return None if v in (None, "") else float(v)


def merge(paths: list[Path]) -> list[dict[str, str]]:
    """One row per (instance, seed); later files fill in columns missing in earlier ones."""
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for p in paths:
        with p.open() as fh:
            for r in csv.DictReader(fh):
                cur = rows.setdefault((r["instance"], r.get("seed") or "0"), {})
                for k, v in r.items():
                    if v not in (None, "") or k not in cur:
                        cur[k] = v
    return sorted(
        rows.values(),
        key=lambda r: (r["group"], int(r["n"]), int(r["m"]), r["instance"], r.get("seed") or "0"),
    )


def class_table(rows: list[dict[str, str]]) -> None:
    """Per job count: mean RPD at the checkpoint and at the limit, evaluations/s, load."""
    cmds = sorted({r["command"] for r in rows if r.get("command")})
    print()
    for c in cmds:
        print(f"command: {c}")
    head = "class | n | instances | runs | clock | RPD@checkpoint | RPD@limit | evals/s (wall)"
    print(head + " | evals/cpu-s | it/s (wall) | load1")
    print(" | ".join(["---"] * 11))
    for n in sorted({int(r["n"]) for r in rows}):
        g = [r for r in rows if int(r["n"]) == n and r.get("engine")]
        if not g:
            continue
        cp = [x for r in g if (x := _num(r.get("engine_cp_rpd"))) is not None]
        rp = [x for r in g if (x := _num(r.get("engine_rpd"))) is not None]
        ev = [x for r in g if (x := _num(r.get("evals_per_s"))) is not None]
        evc = [x for r in g if (x := _num(r.get("evals_per_cpu_s"))) is not None]
        clocks = ",".join(sorted({r.get("clock") or "wall" for r in g}))
        its = [float(r["iterations"]) / float(r["engine_s"]) for r in g if r.get("iterations")]
        ld = [x for r in g if (x := _num(r.get("load1"))) is not None]
        cps = ",".join(sorted({r["checkpoint_s"] for r in g if r.get("checkpoint_s")}))
        tls = ",".join(sorted({r["time_limit"] for r in g}))
        print(" | ".join([
            group_of(n), str(n), str(len({r["instance"] for r in g})), str(len(g)), clocks,
            f"{fmt(mean(cp), 3)} % @ {cps or '-'} s", f"{fmt(mean(rp), 3)} % @ {tls} s",
            fmt(mean(ev), 0), fmt(mean(evc), 0), fmt(mean(its), 1),
            f"{fmt(min(ld, default=None))}-{fmt(max(ld, default=None))}",
        ]))  # fmt: skip
    for group in sorted({r["group"] for r in rows} - {"small"}):
        g = [r for r in rows if r["group"] == group and r.get("engine")]
        cp = [x for r in g if (x := _num(r.get("engine_cp_rpd"))) is not None]
        rp = [x for r in g if (x := _num(r.get("engine_rpd"))) is not None]
        print(f"{group} | all | {len({r['instance'] for r in g})} | {len(g)} | | "
              f"{fmt(mean(cp), 3)} % | {fmt(mean(rp), 3)} % | | | |")  # fmt: skip


def mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def summarize(rows: list[dict[str, str]], per_instance: bool = True) -> None:
    if per_instance:
        head = ["instance", "seed", "best_known", "LB", "eng@cp", "rpd@cp", "engine", "rpd",
                "eng_s", "pyjobshop", "pjs_rpd", "pjs_s", "pjs_status"]  # fmt: skip
        print(" | ".join(head))
        print(" | ".join("---" for _ in head))
        for r in rows:
            vals = [r["instance"], r.get("seed"), r["best_known"], r.get("lower_bound"),
                    r.get("engine_cp"), _num(r.get("engine_cp_rpd")), r.get("engine"),
                    _num(r.get("engine_rpd")),
                    _num(r.get("engine_s")), r.get("pjs"), _num(r.get("pjs_rpd")),
                    _num(r.get("pjs_s")), r.get("pjs_status")]  # fmt: skip
            print(" | ".join(fmt(v) for v in vals))
    print()
    print("group | instances | metric | value")
    print("--- | --- | --- | ---")
    for group in ("small", "large", "xlarge"):
        g = [r for r in rows if r["group"] == group]
        eng = [x for r in g if (x := _num(r.get("engine_rpd"))) is not None]
        cp = [x for r in g if (x := _num(r.get("engine_cp_rpd"))) is not None]
        tl = {r["time_limit"] for r in g if r.get("engine")}
        cps = {r["checkpoint_s"] for r in g if r.get("engine_cp")}
        if eng:
            print(f"{group} | {len(eng)} | engine mean RPD @ {','.join(tl)} s | {mean(eng):.3f} %")
            opt = sum(1 for x in eng if x <= 0)
            print(f"{group} | {len(eng)} | engine at or below best_known | {opt}")
        if cp:
            print(f"{group} | {len(cp)} | engine mean RPD @ {','.join(cps)} s | {mean(cp):.3f} %")
        both = [r for r in g if r.get("engine") and r.get("pjs_status")]
        pjs = [x for r in both if (x := _num(r.get("pjs_rpd"))) is not None]
        if both:
            nosol = sum(1 for r in both if not r.get("pjs"))
            beats = sum(1 for r in both if not r.get("pjs") or float(r["engine"]) < float(r["pjs"]))
            print(
                f"{group} | {len(pjs)} | PyJobShop mean RPD (solved ones) | {fmt(mean(pjs), 3)} %"
            )
            print(f"{group} | {len(both)} | PyJobShop without a solution | {nosol}")
            ties = sum(1 for r in both if r.get("pjs") and float(r["engine"]) == float(r["pjs"]))
            pct, pct_eq = 100 * beats / len(both), 100 * (beats + ties) / len(both)
            print(f"{group} | {len(both)} | engine strictly better than PyJobShop | {pct:.1f} %")
            print(f"{group} | {len(both)} | engine at least as good as PyJobShop | {pct_eq:.1f} %")
        new = [r["instance"] + f" {r['engine']}<{r['best_known']}" for r in g
               if r.get("engine") and float(r["engine"]) < float(r["best_known"])]  # fmt: skip
        print(f"{group} | {len(g)} | new best-known values | {', '.join(new) or 'none'}")
    class_table(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--time-limit", type=float, default=30.0, help="seconds per instance and solver"
    )
    ap.add_argument(
        "--checkpoint",
        type=float,
        default=10.0,
        help="also report the engine's best at this time (large and xlarge; 0 = off)",
    )
    ap.add_argument("--small-sample", type=int, default=0, help="N small instances (640 = all)")
    ap.add_argument("--sample-seed", type=int, default=0)
    ap.add_argument("--large", action="store_true", help="include the 72 large instances")
    ap.add_argument("--xlarge", action="store_true", help="include the 8 xlarge (.txt.gz) ones")
    ap.add_argument("--only", help="comma-separated instance names (of the selected sets)")
    ap.add_argument("--seeds", help="comma-separated seeds, one run each (overrides --seed)")
    ap.add_argument(
        "--cpu-clock",
        action="store_true",
        help="limit and checkpoint in CPU seconds of each search process (a loaded machine"
        " then measures what the search does with a core per worker; wall time is longer)",
    )
    ap.add_argument("--solvers", default="engine,pyjobshop")
    ap.add_argument("--pjs-small", action="store_true", help="also run PyJobShop on small ones")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-exact", action="store_true", help="heuristic only, also for n <= 12")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="CSV path (default benchmarks/results/upmsp_<time>.csv)")
    ap.add_argument("--summarize", nargs="+", type=Path, help="only print tables from CSVs")
    ap.add_argument("--no-per-instance", action="store_true")
    args = ap.parse_args()
    paths = args.summarize or [run(args)]
    summarize(merge(paths), per_instance=not args.no_per_instance)


if __name__ == "__main__":
    main()
