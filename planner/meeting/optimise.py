""""Optimise the rest": the scenario solved with the planner's choices locked, cancellable.

The solve runs in a child process (``spawn``), so that cancelling it is ending that
process: the solvers cannot be interrupted from another thread. The child solves the
problem with the locks (:func:`planner.locks.lock_choices`, then
:func:`planner.model.decompose.optimised_plan`, as ``planner run``) and sends the solver's progress
(:mod:`planner.progress`: elapsed time, best plan's cost, bound, gap) and finally the
plan's decisions through a queue; :class:`OptimiseJob` keeps the latest for the page.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner import progress
from planner.errors import PlannerError
from planner.model import decompose
from planner.model.locks import lock_choices
from planner.problem.build import Problem

__all__ = ["OptimiseJob"]

#: Seconds between two looks at the child's queue.
_POLL_S = 0.2


def _child(problem: Problem, locks: pd.DataFrame, out: Any) -> None:
    """Solve in the child process and report into ``out`` (a multiprocessing queue)."""

    def tell(u: progress.SolveUpdate) -> None:
        out.put(("progress", u.elapsed_s, u.limit_s, u.objective, u.bound))

    try:
        locked = lock_choices(problem, locks)
        with progress.listen(tell):
            plan = decompose.optimised_plan(locked, name="optimised")
        d = plan.decisions
        rows = list(zip(d["site_id"].astype(str), d["organisation"].astype(str),
                        d["mode"].astype(str), d["days_per_month"].astype(int).tolist(),
                        strict=True))
        out.put(("done", rows, {k: plan.meta.get(k) for k in ("status", "objective",
                                                                  "bound", "gap")}))
    except PlannerError as exc:
        out.put(("failed", str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
    except Exception as exc:  # the page shows one line, never a traceback
        out.put(("failed", f"the optimiser failed ({type(exc).__name__}: {exc})"))


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


@dataclass
class OptimiseJob:
    """One solve of the meeting, followed from the server.

    Attributes
    ----------
    state : str
        ``idle``, ``running``, ``done``, ``failed`` or ``cancelled``.
    """

    state: str = "idle"
    elapsed_s: float = 0.0
    limit_s: float = 0.0
    objective: float = math.inf
    bound: float = -math.inf
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    _proc: Any = None
    _started: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def start(self, problem: Problem, locks: pd.DataFrame,
              on_done: Callable[[list[tuple[str, str, str, int]]], None]) -> bool:
        """Start a solve unless one runs; ``on_done`` receives the plan's decisions rows.

        Returns whether it started.
        """
        with self._lock:
            if self.state == "running":
                return False
            self.state, self.message, self.result = "running", "", {}
            self.objective, self.bound, self.elapsed_s = math.inf, -math.inf, 0.0
            self.limit_s = float(problem.scenario.solver.time_limit_s)
            self._started = time.perf_counter()
            self._proc = None
        ctx = mp.get_context("spawn")  # started outside the lock: the page keeps polling
        q = ctx.Queue()
        proc = ctx.Process(target=_child, args=(problem, locks, q), daemon=True)
        try:
            proc.start()
        except (OSError, RuntimeError) as exc:  # e.g. a script without a __main__ guard
            with self._lock:
                self._end("failed", f"the optimiser could not start ({exc})".splitlines()[0])
            return True
        with self._lock:
            self._proc = proc
            if self.state != "running":  # cancelled while it started
                proc.terminate()
                return True
        threading.Thread(target=self._follow, args=(proc, q, on_done), daemon=True).start()
        return True

    def _end(self, state: str, message: str = "") -> None:
        """Record how the solve ended and when (call with the lock held)."""
        self.state, self.message = state, message
        self.elapsed_s = time.perf_counter() - self._started

    def _follow(self, proc: Any, q: Any, on_done: Callable) -> None:
        """Read the child's reports until it ends."""
        while True:
            try:
                msg = q.get(timeout=_POLL_S)
            except queue.Empty:
                if not proc.is_alive():
                    with self._lock:
                        if self.state == "running":
                            self._end("failed", "the optimiser stopped without a plan")
                    return
                continue
            with self._lock:
                if self.state != "running":  # cancelled meanwhile
                    return
                if msg[0] == "progress":
                    self.limit_s = msg[2]
                    self.objective, self.bound = msg[3], msg[4]
                    continue
                if msg[0] == "failed":
                    self._end("failed", msg[1])
                    return
            on_done(msg[1])
            with self._lock:
                self._end("done")
                self.result = dict(msg[2])
            proc.join(timeout=5)
            return

    def cancel(self) -> bool:
        """End a running solve; return whether one ran."""
        with self._lock:
            if self.state != "running":
                return False
            self._end("cancelled")
            proc = self._proc
        if proc is not None:  # else it is ended as soon as it has started
            proc.terminate()
            proc.join(timeout=5)
        return True

    def status(self) -> dict[str, Any]:
        """Return the solve's progress for the page."""
        with self._lock:
            elapsed = (time.perf_counter() - self._started if self.state == "running"
                       else self.elapsed_s)
            gap = progress.SolveUpdate(elapsed, self.limit_s, self.objective, self.bound).gap
            return {"state": self.state, "elapsed_s": round(elapsed, 1),
                    "limit_s": self.limit_s, "objective": _finite(self.objective),
                    "bound": _finite(self.bound), "gap": _finite(gap),
                    "message": self.message, "result": self.result}
