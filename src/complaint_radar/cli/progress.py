"""What the file commands show while they run: a rows/s progress bar and the first bad rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from complaint_radar.logs import mask_for_log

if TYPE_CHECKING:
    from complaint_radar.services.rows import RowProblem


@contextmanager
def row_progress(console: Console, verb: str, name: str, *, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A transient progress bar ("<verb> <name>  n rows/s") on a terminal; yields the advance callback."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn(f"{verb} {{task.fields[name]}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=quiet or not console.is_terminal,
    )
    with progress:
        task = progress.add_task(verb, total=None, name=name, rate="")

        def advance(n: int) -> None:
            progress.advance(task, n)
            elapsed = progress.tasks[0].elapsed or 0.0
            done = progress.tasks[0].completed
            progress.update(task, rate=f"{done / elapsed:,.0f} rows/s" if elapsed else "")

        yield advance


class ProblemPrinter:
    """Print the first ``limit`` bad rows as they come (line and reason); count the rest.

    A reason may quote a cell; with `mask_pii` on it is masked like a log line (stderr often ends up in one).
    """

    def __init__(self, console: Console, limit: int = 20) -> None:
        from complaint_radar.settings import get_settings

        self.console = console
        self.limit = limit
        self.seen = 0
        self._mask = get_settings().mask_pii

    def __call__(self, problem: RowProblem) -> None:
        self.seen += 1
        if self.seen <= self.limit:
            reason = mask_for_log(problem.reason) if self._mask else problem.reason
            self.console.print(f"[yellow]line {problem.line}: {escape(reason)}[/yellow]")

    def print_rest(self, where: str) -> None:
        """Say how many bad rows were not printed and ``where`` to find them."""
        if self.seen > self.limit:
            self.console.print(
                f"[yellow]... and {self.seen - self.limit} more invalid rows ({where})[/yellow]"
            )
