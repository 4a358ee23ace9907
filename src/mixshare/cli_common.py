"""What the domains' command-line modules share: how a refused command ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from mixshare.errors import MixshareError

err = Console(stderr=True, highlight=False)


@contextmanager
def exit_on_error(*also: type[Exception]) -> Iterator[None]:
    """A service error (or one of ``also``) ends the command with ``error: …`` on stderr and
    exit status 1, never a traceback."""
    caught: tuple[type[Exception], ...] = (MixshareError, *also)
    try:
        yield
    except caught as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from exc
