"""The command's progress lines, shown while it runs.

One line per stage with its elapsed time, and during the solve the elapsed and limit
seconds, the best plan's cost, the bound and the gap as they improve.

Shown only on a terminal; when the output goes to a file or a pipe nothing is printed.
"""

from __future__ import annotations

import math
from types import TracebackType

from rich.console import Console
from rich.progress import (
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from planner import i18n, progress
from planner.i18n import gettext as _


def solve_text(update: progress.SolveUpdate) -> str:
    """Return what the solve has found, in the language in effect.

    For example ``best 2,437,024 EUR/year, bound 2,435,410, gap 0.07%`` (Finnish ``paras
    2 437 024 €/v, raja 2 435 410, ero 0,07 %``); before the first plan, just the bound (or
    nothing).
    """
    parts = []
    if math.isfinite(update.objective):
        parts.append(_("best {cost} EUR/year").format(cost=i18n.fmt_number(update.objective)))
    if math.isfinite(update.bound):
        parts.append(_("bound {bound}").format(bound=i18n.fmt_number(update.bound)))
    if not math.isnan(update.gap):
        parts.append(_("gap {gap}").format(gap=i18n.fmt_percent(update.gap, 2)))
    return ", ".join(parts)


class _TimeColumn(ProgressColumn):
    """A progress column: a stage's elapsed time, or the solve's seconds of its limit.

    A stage shows ``0:00:07``; the solve the elapsed seconds of its time limit (``7 s of
    90 s``), in the language of the run (rich draws from a thread of its own, which does not
    see the language in effect).
    """

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.elapsed = TimeElapsedColumn()

    def render(self, task: Task) -> Text:
        limit = task.fields.get("limit")
        if limit is None or task.finished:
            return self.elapsed.render(task)
        with i18n.language(self.lang):
            return Text(_("{elapsed} s of {limit} s").format(
                elapsed=i18n.fmt_number(task.elapsed or 0.0), limit=i18n.fmt_number(limit)),
                style="cyan")


class StageProgress:
    """Progress lines of a run's stages (a context manager).

    Parameters
    ----------
    console : rich.console.Console
        Where to draw; nothing is drawn unless it is a terminal.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar = Progress(SpinnerColumn(finished_text="[green]✓[/]"),
                            _TimeColumn(i18n.current()), TextColumn("{task.description}"),
                            console=console, disable=not console.is_terminal)
        self.task: int | None = None
        self.name = ""

    def __enter__(self) -> StageProgress:  # noqa: D105
        self.bar.__enter__()
        self._listen = progress.listen(self.solve)
        self._listen.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,  # noqa: D105
                 tb: TracebackType | None) -> None:
        self._finish()
        self._listen.__exit__(kind, exc, tb)
        self.bar.__exit__(kind, exc, tb)

    def _finish(self) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=1)
            self.task = None

    def stage(self, name: str) -> None:
        """Start the stage ``name`` (the previous one ends, with its time)."""
        self._finish()
        self.name = name
        self.task = self.bar.add_task(name, total=1)

    def solve(self, update: progress.SolveUpdate) -> None:
        """Show what the solve of the current stage has found (a progress listener)."""
        if self.task is None:
            return
        found = solve_text(update)
        self.bar.update(self.task, limit=update.limit_s,
                        description=f"{self.name}: {found}" if found else self.name)
        self.bar.refresh()
