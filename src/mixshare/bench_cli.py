"""`mixshare bench`: benchmark commands whose output anyone can check independently.

``mixshare bench upmsp FILE... --time-limit SECONDS [--solutions DIR]`` solves Vallada & Ruiz
UPMSP-SDST instances (makespan), plain ``.txt`` or gzipped ``.txt.gz``, and prints CSV
``instance,makespan,seconds`` on stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mixshare.benchsolvers.upmsp import format_solution, makespan, read_instance, solve
from mixshare.benchsolvers.upmsp_search import warm_up

bench_app = typer.Typer(help="Public benchmark commands.", no_args_is_help=True)


@bench_app.callback()
def _bench() -> None:
    """Public benchmark commands."""  # keeps `upmsp` a named sub-command


@bench_app.command("upmsp")
def upmsp(
    files: Annotated[
        list[Path],
        typer.Argument(help="instance files (.txt or .txt.gz)", exists=True, dir_okay=False),
    ],
    time_limit: Annotated[float, typer.Option("--time-limit", help="seconds per instance")],
    solutions: Annotated[
        Path | None, typer.Option("--solutions", help="write DIR/<instance>.txt", file_okay=False)
    ] = None,
    seed: Annotated[int, typer.Option(help="random seed of the first worker")] = 0,
    workers: Annotated[int, typer.Option(help="search processes")] = 2,
) -> None:
    """Minimise the makespan of each FILE; CSV `instance,makespan,seconds` on stdout."""
    if time_limit <= 0:
        raise typer.BadParameter("must be positive", param_hint="--time-limit")
    try:  # read everything first so a bad file fails before any output
        instances = [read_instance(path) for path in files]
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    if solutions is not None:
        solutions.mkdir(parents=True, exist_ok=True)
    warm_up()  # load (or compile) the search kernels once, outside every instance's clock
    print("instance,makespan,seconds", flush=True)
    for inst in instances:
        res = solve(inst, time_limit, seed=seed, workers=workers)
        value = makespan(inst, res.assignment)  # the printed value is re-evaluated
        print(f"{inst.name},{value},{res.seconds:.2f}", flush=True)
        print(
            f"{inst.name}: makespan {value}, lower bound {res.lower_bound}, {res.method}",
            file=sys.stderr,
        )
        if solutions is not None:
            (solutions / f"{inst.name}.txt").write_text(format_solution(res.assignment))


if __name__ == "__main__":
    bench_app()
