"""What the domains' command-line modules share: how a refused command ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from mixshare.errors import MixshareError, ValidationFailed

err = Console(stderr=True, highlight=False)


@contextmanager
def exit_on_error(*also: type[Exception]) -> Iterator[None]:
    """A service error (or one of ``also``) ends the command with ``error: …`` on stderr and
    exit status 1, never a traceback; a rejected input lists every problem. The messages are
    escaped: they quote what the user typed, and Rich would read ``[/b]`` in a username as
    markup (a traceback instead of the message)."""
    caught: tuple[type[Exception], ...] = (MixshareError, *also)
    try:
        yield
    except ValidationFailed as exc:
        err.print(f"[red]rejected, nothing was written ({len(exc.problems)} problem(s)):[/red]")
        for problem in exc.problems:
            err.print(f"  - {escape(str(problem))}")
        raise typer.Exit(1) from exc
    except caught as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from exc
