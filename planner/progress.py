"""What a running solve has found so far, for whoever listens.

Elapsed and limit seconds, the best plan's cost, the bound and the gap (``planner``'s
progress line).

The solver code reports into the solve in effect (:func:`solving`): the starting plan and
the relaxation's bound, each plan the solver improves to and its bound (HiGHS callbacks;
SCIP through OR-Tools reports none while it runs, so with it the line shows the elapsed
time and the plans found before and after). A listener (:func:`listen`) receives a
:class:`SolveUpdate` whenever the best plan or the bound improves. Without a listener
nothing is computed or kept.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

__all__ = ["SolveUpdate", "found", "found_by_solver", "listen", "main_solve", "solving",
           "watching"]


@dataclass(frozen=True)
class SolveUpdate:
    """The state of a solve.

    Attributes
    ----------
    elapsed_s : float
        Seconds since the solve started.
    limit_s : float
        Its time limit (seconds).
    objective : float
        Cost of the best plan found (EUR/year; ``inf`` before the first).
    bound : float
        Proven lower bound on any plan's cost (``-inf`` before the first).
    """

    elapsed_s: float
    limit_s: float
    objective: float = math.inf
    bound: float = -math.inf

    @property
    def gap(self) -> float:
        """Relative gap ``(objective - bound) / |objective|``; NaN until both are known."""
        if not (math.isfinite(self.objective) and math.isfinite(self.bound)):
            return math.nan
        return max(self.objective - self.bound, 0.0) / max(abs(self.objective), 1e-9)


Listener = Callable[[SolveUpdate], None]


@dataclass
class _Solve:
    listener: Listener
    limit_s: float
    start: float = field(default_factory=time.perf_counter)
    objective: float = math.inf
    bound: float = -math.inf
    main: bool = False

    def update(self) -> SolveUpdate:
        return SolveUpdate(time.perf_counter() - self.start, self.limit_s, self.objective,
                           self.bound)


_listener: ContextVar[Listener | None] = ContextVar("planner_solve_listener", default=None)
_solve: ContextVar[_Solve | None] = ContextVar("planner_solve", default=None)


@contextmanager
def listen(listener: Listener | None) -> Iterator[None]:
    """Send the updates of every solve inside the block to ``listener`` (None: no one)."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


@contextmanager
def solving(limit_s: float) -> Iterator[None]:
    """Follow one solve with a time limit of ``limit_s`` seconds, timed from here."""
    listener = _listener.get()
    token = _solve.set(None if listener is None else _Solve(listener, float(limit_s)))
    try:
        if listener is not None:
            listener(_solve.get().update())
        yield
    finally:
        _solve.reset(token)


@contextmanager
def main_solve() -> Iterator[None]:
    """Mark the block where the solver works on the whole model.

    Inside it the solver's bounds are the solve's (outside, e.g. in a neighbourhood search,
    only the plans it finds count).
    """
    s = _solve.get()
    if s is None:
        yield
        return
    s.main = True
    try:
        yield
    finally:
        s.main = False


def watching() -> bool:
    """Return whether someone listens to the solve in effect."""
    return _solve.get() is not None


def found(objective: float | None = None, bound: float | None = None) -> None:
    """Report a plan of cost ``objective`` and/or a proven ``bound`` (EUR/year).

    The listener hears of it when either improves. A bound counts only from the whole model
    (:func:`main_solve`) or when given outside any solver call.
    """
    s = _solve.get()
    if s is None:
        return
    better = False
    if objective is not None and math.isfinite(objective) and objective < s.objective - 1e-9:
        s.objective, better = float(objective), True
    if bound is not None and math.isfinite(bound) and bound > s.bound + 1e-9:
        s.bound, better = float(bound), True
    if better:
        s.listener(s.update())


def found_by_solver(objective: float, bound: float) -> None:
    """Report what a solver found; its bound counts only inside :func:`main_solve`."""
    s = _solve.get()
    if s is not None:
        found(objective, bound if s.main else None)
