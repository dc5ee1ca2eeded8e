"""The result of a location model, and helpers every model uses to fill it in."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from planner.locate._costs import Pairs
from planner.mip import MIPResult

STATUSES = ("optimal", "feasible", "infeasible", "time_limit")


@dataclass(frozen=True)
class Solution:
    """A solved location model.

    Attributes
    ----------
    model : str
        ``"p_median"``, ``"p_center"``, ``"mclp"`` or ``"lscp"``.
    open_sites : numpy.ndarray
        Sorted indices of the open sites.
    assignment : numpy.ndarray
        For each client the site that serves it, ``-1`` when none does (unreachable or,
        in the coverage models, not covered).
    objective : float
        The model's objective for this solution (nan when no solution was found).
    bound : float
        Best proven bound on the optimum: a lower bound when minimising, an upper bound
        when maximising (``mclp``).
    gap : float
        ``|objective - bound| / max(|objective|, 1e-9)``; 0 at a proven optimum.
    status : str
        ``"optimal"`` (proven), ``"feasible"`` (a solution within the requested gap),
        ``"infeasible"`` (no solution exists; ``message`` says why) or ``"time_limit"``
        (the limit was reached; the best solution found, if any, is returned).
    seconds : float
        Wall-clock seconds, model building included.
    unreachable : numpy.ndarray
        Clients the model could not serve at all (no reachable site, or for ``mclp`` and
        ``lscp`` no site within the radius); they are left out of the objective and
        assigned ``-1``.
    message : str
        A one-line explanation, e.g. why the model is infeasible.
    """

    model: str
    open_sites: np.ndarray
    assignment: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    unreachable: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    message: str = ""

    def __post_init__(self) -> None:
        """Check the status."""
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")


def nearest_open(pairs: Pairs, is_open: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each client's cheapest open site (ties: lowest index) and its cost.

    Returns ``(site, cost)`` arrays over clients, ``-1`` and ``inf`` where no open site is
    reachable.
    """
    n = pairs.n_clients
    hit = is_open[pairs.site]
    pos = np.where(hit, np.arange(pairs.site.size), np.iinfo(np.int64).max)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, pairs.client, pos)
    found = first != np.iinfo(np.int64).max
    site = np.full(n, -1, dtype=np.int64)
    cost = np.full(n, np.inf)
    site[found] = pairs.site[first[found]]
    cost[found] = pairs.cost[first[found]]
    return site, cost


def relative_gap(objective: float, bound: float) -> float:
    """Return ``|objective - bound| / max(|objective|, 1e-9)``, nan when either is unknown."""
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return float("nan")
    return float(abs(objective - bound) / max(abs(objective), 1e-9))


def status_of(res: MIPResult, relative_gap_limit: float = 0.0) -> str:
    """Map a solver result to a :data:`STATUSES` value."""
    if res.infeasible:
        return "infeasible"
    if res.proven:
        return "optimal"
    if res.values is not None and relative_gap_limit > 0:
        gap = relative_gap(res.objective, res.bound)
        if np.isfinite(gap) and gap <= relative_gap_limit + 1e-12:
            return "feasible"
    return "time_limit"


def empty_solution(model: str, n: int, status: str, seconds: float, message: str,
                   unreachable: np.ndarray | None = None) -> Solution:
    """Return a solution without open sites (infeasible, or no solution found in time)."""
    return Solution(
        model=model,
        open_sites=np.zeros(0, dtype=np.int64),
        assignment=np.full(n, -1, dtype=np.int64),
        objective=float("nan"),
        bound=float("nan"),
        gap=float("nan"),
        status=status,
        seconds=seconds,
        unreachable=np.zeros(0, dtype=np.int64) if unreachable is None else unreachable,
        message=message,
    )


def finished(
    model: str,
    is_open: np.ndarray,
    assignment: np.ndarray,
    objective: float,
    bound: float,
    status: str,
    t0: float,
    unreachable: np.ndarray,
) -> Solution:
    """Return a solution from a mask of open sites (the bound is the objective if optimal)."""
    if status == "optimal":
        bound = objective
    return Solution(
        model=model,
        open_sites=np.flatnonzero(is_open),
        assignment=assignment,
        objective=float(objective),
        bound=float(bound),
        gap=relative_gap(objective, bound),
        status=status,
        seconds=time.perf_counter() - t0,
        unreachable=unreachable,
    )


def remaining(deadline: float | None) -> float | None:
    """Seconds left until ``deadline`` (a ``time.perf_counter`` value), None without one."""
    return None if deadline is None else max(deadline - time.perf_counter(), 0.0)
