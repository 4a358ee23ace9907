"""``mixshare simulate``, ``mixshare simulate-plc`` and ``mixshare collect`` (registered by
:mod:`mixshare.cli`): the simulated center and the OPC UA collector of a line."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from mixshare.cli_common import err
from mixshare.db import session_scope
from mixshare.errors import MixshareError
from mixshare.execution.simulation import SimulationSettings

console = Console(highlight=False)

PlanOption = Annotated[
    int | None, typer.Option("--plan", help="Plan id; default: the published plan.")
]
DaysOption = Annotated[
    float, typer.Option("--days", min=0.01, max=28, help="How many days from the plan's start.")
]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed: the same seed, the same batches.")]


def _fail(exc: MixshareError) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(str(exc))}")
    return typer.Exit(1)


def simulate(plan: PlanOption = None, days: DaysOption = 2.0, seed: SeedOption = 7) -> None:
    """Play a plan's first days through the ingest path: raw-material receipts, batch records
    with curves and genealogy, lab results, releases and holds. Re-running is harmless."""
    from mixshare.execution.playback import play

    try:
        with session_scope() as session:
            playback = play(session, plan, days, SimulationSettings(seed=seed))
    except MixshareError as exc:
        raise _fail(exc) from exc
    for line in playback.lines():
        console.print(escape(line))


def _documents_for(line: str, plan: int | None, days: float, seed: int) -> list[dict[str, object]]:
    from mixshare.execution.playback import published_plan
    from mixshare.execution.simulation import simulate_days

    with session_scope() as session:
        chosen = published_plan(session, plan)
        simulated = simulate_days(session, chosen, days, SimulationSettings(seed=seed))
    return simulated.for_line(line)


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)


def _say(text: str) -> None:
    print(text, flush=True)  # a supervisor (or a test) reads the lines as they come


def simulate_plc(
    line: Annotated[str, typer.Option("--line", help="The line's code, e.g. L1.")],
    endpoint: Annotated[
        str, typer.Option("--endpoint", help="Where to listen.")
    ] = "opc.tcp://127.0.0.1:4840/mixshare/",
    plan: PlanOption = None,
    days: DaysOption = 1.0,
    seed: SeedOption = 7,
    rate: Annotated[
        float, typer.Option("--rate", min=0, help="Batches per second; 0: as fast as acked.")
    ] = 0.0,
    ring: Annotated[int, typer.Option("--ring", min=1, max=999, help="Ring slots.")] = 64,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Publish at most this many batches.")
    ] = None,
    epoch: Annotated[
        str | None, typer.Option("--epoch", help="The counter's identity; default: random.")
    ] = None,
    sent_log: Annotated[
        Path | None, typer.Option("--sent-log", help="Append '<sequence> <batch>' per batch.")
    ] = None,
) -> None:
    """Serve a simulated line PLC over OPC UA that publishes the plan's batches of ``--line``
    (node layout: docs/opcua-line.md). Runs until interrupted."""
    from mixshare.execution.opcua_line import SimulatedLine

    try:
        documents = _documents_for(line, plan, days, seed)
    except MixshareError as exc:
        raise _fail(exc) from exc
    if limit is not None:
        documents = documents[:limit]
    server = SimulatedLine(
        line,
        documents,
        endpoint=endpoint,
        ring=ring,
        rate=rate,
        epoch=epoch,
        sent_log=sent_log,
        say=_say,
    )

    async def main() -> None:
        stop = asyncio.Event()
        _stop_on_signals(stop)
        await server.run(stop)

    _say(f"{len(documents)} batch documents of line {line} to publish")
    asyncio.run(main())


def collect(
    line: Annotated[str, typer.Option("--line", help="The line's code, e.g. L1.")],
    endpoint: Annotated[
        str, typer.Option("--endpoint", help="The PLC's OPC UA endpoint (opc.tcp://…).")
    ],
    poll: Annotated[
        float, typer.Option("--poll", min=0.05, help="Seconds between polls besides the push.")
    ] = 1.0,
    exit_when_idle: Annotated[
        float | None,
        typer.Option("--exit-when-idle", help="Stop after this many seconds without a batch."),
    ] = None,
) -> None:
    """Collect a line's batches from its PLC over OPC UA into the database; each is
    acknowledged to the PLC only after it is committed. Runs until interrupted."""
    from mixshare.execution.collector import Collector

    collector = Collector(line, endpoint, poll=poll, exit_when_idle=exit_when_idle, say=_say)

    async def main() -> None:
        stop = asyncio.Event()
        _stop_on_signals(stop)
        await collector.run(stop)

    try:
        asyncio.run(main())
    except MixshareError as exc:
        raise _fail(exc) from exc
    stats = collector.stats
    _say(
        f"collected {stats.documents} documents in {stats.rounds} rounds "
        f"({stats.rate():.0f}/s): {stats.report.summary()}"
    )
    sys.stdout.flush()
