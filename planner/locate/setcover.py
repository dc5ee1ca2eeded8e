"""What the p-median and the coverage models share.

The check of ``p`` and the set cover (the fewest sites that reach every client), so that
neither model imports the other.
"""

from __future__ import annotations

import numpy as np

from planner.locate._costs import Pairs
from planner.mip import MIPResult, SparseMIP


def check_p(p: int, m: int, fixed: np.ndarray) -> int:
    """Validate the number of sites to open against the sites available and fixed."""
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise ValueError(f"p must be an integer, got {p!r}")
    if not 1 <= p <= m:
        raise ValueError(f"p = {p} must lie between 1 and the number of sites ({m})")
    if fixed.size > p:
        raise ValueError(f"{fixed.size} fixed sites do not fit in p = {p}")
    return int(p)


def greedy_cover(pairs: Pairs, fixed: np.ndarray) -> np.ndarray:
    """Return a greedy set cover of every client that has a pair, as a mask of open sites."""
    m = pairs.n_sites
    is_open = np.zeros(m, dtype=bool)
    is_open[fixed] = True
    covered = np.zeros(pairs.n_clients, dtype=bool)
    covered[pairs.client[is_open[pairs.site]]] = True
    need = pairs.reachable
    while np.any(need & ~covered):
        free = ~covered[pairs.client]
        gain = np.bincount(pairs.site[free], minlength=m)
        j = int(np.argmax(gain))
        is_open[j] = True
        covered[pairs.client[pairs.site == j]] = True
    return is_open


def set_cover(
    pairs: Pairs, fixed: np.ndarray, time_limit: float | None, seed: int
) -> tuple[MIPResult, np.ndarray]:
    """Return the fewest sites covering every client that has a pair.

    An exact set cover, from the greedy cover, within ``time_limit`` seconds.

    Returns
    -------
    (MIPResult, numpy.ndarray)
        The solver's result and the mask of open sites (the greedy cover when no solution
        was found in time).
    """
    m = pairs.n_sites
    reach = np.flatnonzero(pairs.reachable)
    row_of = np.full(pairs.n_clients, -1, dtype=np.int64)
    row_of[reach] = np.arange(reach.size)
    mip = SparseMIP()
    lb = np.zeros(m)
    lb[fixed] = 1.0
    y = mip.add_vars(m, lb=lb, ub=1.0, obj=1.0, integer=True)
    mip.add_rows(reach.size, row_of[pairs.client], y[pairs.site], 1.0, lb=1.0)
    start = greedy_cover(pairs, fixed)
    mip.hint(y, start.astype(float))
    res = mip.solve(time_limit=time_limit, seed=seed)
    is_open = res.values[y] > 0.5 if res.values is not None else start
    return res, is_open
