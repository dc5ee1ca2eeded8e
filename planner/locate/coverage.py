"""Coverage models: maximal covering (MCLP), set covering (LSCP) and the p-center.

A client is covered by a site when their cost is at most the radius. Formulations::

    LSCP  min sum_j y_j      s.t. sum_{j covers i} y_j >= 1 for every coverable i
    MCLP  max sum_i w_i c_i  s.t. c_i <= sum_{j covers i} y_j,  sum_j y_j = p
    capacitated MCLP: single-source x_ij for covering pairs, sum_i w_i x_ij <= cap_j y_j

The p-center (minimise the largest weighted cost ``w_i c_ij``) is solved exactly by a
binary search over the distinct weighted costs, each step an LSCP asking whether p sites
can cover every client within that radius (Minieka's method); among the optimal radii'
solutions, one with a low total weighted cost is returned (best-swap interchange over the
pairs within the optimal radius).
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from planner.locate._costs import Pairs, as_capacity, as_pairs, as_sites, as_weights
from planner.locate._heuristics import coverage_heuristic, median_heuristic
from planner.locate.setcover import check_p, set_cover
from planner.locate.solution import (
    Solution,
    empty_solution,
    finished,
    nearest_open,
    remaining,
    status_of,
)
from planner.mip import SparseMIP, add_single_source


def lscp(
    cost: np.ndarray | sp.spmatrix | sp.sparray,
    radius: float,
    *,
    fixed: object = (),
    time_limit: float | None = None,
    seed: int = 0,
) -> Solution:
    """Open the fewest sites so that every coverable client is within ``radius``.

    Parameters
    ----------
    cost : numpy.ndarray or scipy.sparse matrix, shape (clients, sites)
        As in :func:`planner.locate.p_median`.
    radius : float
        Coverage radius in the cost's unit.
    fixed : iterable of int
        Sites that must be open.
    time_limit, seed
        As in :func:`planner.locate.p_median`.

    Returns
    -------
    Solution
        ``objective`` is the number of open sites; clients with no site within the radius
        are listed in ``unreachable``; every other client is assigned its nearest open site.
    """
    t0 = time.perf_counter()
    pairs = as_pairs(cost)
    fixed_arr = as_sites(fixed, pairs.n_sites)
    within = pairs.select(pairs.cost <= radius)
    unreachable = np.flatnonzero(~within.reachable)
    res, is_open = set_cover(within, fixed_arr, time_limit, seed)
    status = status_of(res)
    assign, _ = nearest_open(within, is_open)
    objective = float(is_open.sum())
    bound = float(np.ceil(res.bound - 1e-6))
    return finished("lscp", is_open, assign, objective, bound, status, t0,
                    unreachable)


def mclp(
    cost: np.ndarray | sp.spmatrix | sp.sparray,
    radius: float,
    p: int,
    weights: np.ndarray | None = None,
    *,
    fixed: object = (),
    capacity: np.ndarray | float | None = None,
    time_limit: float | None = None,
    seed: int = 0,
) -> Solution:
    """Open ``p`` sites to cover the most client weight within ``radius``.

    Parameters
    ----------
    cost : numpy.ndarray or scipy.sparse matrix, shape (clients, sites)
        As in :func:`planner.locate.p_median`.
    radius : float
        Coverage radius in the cost's unit.
    p : int
        Number of sites to open.
    weights : array of shape (clients,), optional
        Demand of each client (default 1).
    fixed : iterable of int
        Sites that must be open (counted in ``p``).
    capacity : float or array of shape (sites,), optional
        Most demand a site can cover; a client is then covered whole by one site or not.
    time_limit, seed
        As in :func:`planner.locate.p_median`.

    Returns
    -------
    Solution
        ``objective`` is the covered weight and ``bound`` an upper bound on it; covered
        clients are assigned a covering site (the nearest open one when uncapacitated),
        the others -1. Clients with no site within the radius are in ``unreachable``.
    """
    t0 = time.perf_counter()
    pairs = as_pairs(cost)
    n, m = pairs.n_clients, pairs.n_sites
    w = as_weights(weights, n)
    fixed_arr = as_sites(fixed, m)
    p = check_p(p, m, fixed_arr)
    cap = as_capacity(capacity, m)
    within = pairs.select(pairs.cost <= radius)
    unreachable = np.flatnonzero(~within.reachable)
    mip = SparseMIP(maximize=True)
    lb = np.zeros(m)
    lb[fixed_arr] = 1.0
    y = mip.add_vars(m, lb=lb, ub=1.0, integer=True)
    mip.add_rows(1, np.zeros(m, dtype=np.int64), y, 1.0, lb=p, ub=p)
    reach = np.flatnonzero(within.reachable)
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[reach] = np.arange(reach.size)
    x = None
    if cap is None:
        c = mip.add_vars(reach.size, obj=w[reach])
        mip.add_rows(reach.size, np.concatenate([np.arange(reach.size), row_of[within.client]]),
                     np.concatenate([c, y[within.site]]),
                     np.concatenate([np.ones(reach.size), -np.ones(within.site.size)]), ub=0.0)
        start = coverage_heuristic(within, w, p, fixed_arr)
        is_open = np.zeros(m, dtype=bool)
        is_open[start] = True
        mip.hint(y, is_open.astype(float))
        hit = np.zeros(n, dtype=bool)
        hit[within.client[is_open[within.site]]] = True
        mip.hint(c, hit[reach].astype(float))
    else:
        k = within.site.size
        x = mip.add_vars(k, obj=w[within.client], integer=True)
        mip.add_rows(reach.size, row_of[within.client], x, 1.0, ub=1.0)
        add_single_source(mip, within.site, w[within.client], x, y, cap)
    res = mip.solve(time_limit=time_limit, seed=seed)
    status = status_of(res)
    if res.values is None:
        msg = f"no solution found within the time limit of {time_limit} s"
        return empty_solution("mclp", n, status, time.perf_counter() - t0, msg, unreachable)
    is_open = res.values[y] > 0.5
    if x is None:
        assign, _ = nearest_open(within, is_open)
    else:
        assign = np.full(n, -1, dtype=np.int64)
        chosen = np.flatnonzero(res.values[x] > 0.5)
        assign[within.client[chosen]] = within.site[chosen]
    objective = float(w[assign >= 0].sum())
    bound = max(res.bound, objective)
    return finished("mclp", is_open, assign, objective, bound, status, t0,
                    unreachable)


def p_center(
    cost: np.ndarray | sp.spmatrix | sp.sparray,
    p: int,
    weights: np.ndarray | None = None,
    *,
    fixed: object = (),
    time_limit: float | None = None,
    seed: int = 0,
) -> Solution:
    """Open ``p`` sites so that the largest weighted cost ``w_i c_ij`` of any client is least.

    Parameters
    ----------
    cost : numpy.ndarray or scipy.sparse matrix, shape (clients, sites)
        As in :func:`planner.locate.p_median`.
    p : int
        Number of sites to open.
    weights : array of shape (clients,), optional
        Client weights (default 1).
    fixed : iterable of int
        Sites that must be open (counted in ``p``).
    time_limit, seed
        As in :func:`planner.locate.p_median`.

    Returns
    -------
    Solution
        ``objective`` is the largest weighted cost; among solutions reaching it, one with
        a low total weighted cost (best-swap interchange within the optimal radius).
        Clients with no reachable site are in ``unreachable``.
    """
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + float(time_limit)
    pairs = as_pairs(cost)
    n, m = pairs.n_clients, pairs.n_sites
    w = as_weights(weights, n)
    fixed_arr = as_sites(fixed, m)
    p = check_p(p, m, fixed_arr)
    unreachable = np.flatnonzero(~pairs.reachable)
    wc = w[pairs.client] * pairs.cost
    weighted = Pairs(n, m, pairs.client, pairs.site, wc, pairs.start)
    res, cover = set_cover(pairs, fixed_arr, remaining(deadline), seed)
    if res.proven and cover.sum() > p:
        return empty_solution(
            "p_center", n, "infeasible", time.perf_counter() - t0,
            f"reaching every reachable client needs at least {int(cover.sum())} sites but "
            f"p = {p}; raise p or the travel-time cut-off", unreachable)
    start, upper, radii = _candidate_radii(pairs, weighted, p, fixed_arr)
    search = _bisect_radii(weighted, radii, p, fixed_arr, deadline, seed)
    r_star = float(radii[search.hi]) if radii.size else 0.0
    bound = float(radii[search.lo]) if radii.size else 0.0
    best_open = search.best_open
    if best_open is None:  # the search never left the upper end: its solution stands
        if start is not None and radii.size and r_star >= upper:
            best_open = np.zeros(m, dtype=bool)
            best_open[start] = True
        else:
            best_open = cover
    if best_open.sum() > p:
        return empty_solution("p_center", n, "time_limit", time.perf_counter() - t0,
                              f"no solution found within the time limit of {time_limit} s",
                              unreachable)
    is_open = _least_total_within(pairs, pairs.select(wc <= r_star), w, p, fixed_arr,
                                  best_open)
    assign, acost = nearest_open(pairs, is_open)
    served = assign >= 0
    objective = float(np.max(w[served] * acost[served])) if served.any() else 0.0
    status = "time_limit" if search.timed_out else "optimal"
    return finished("p_center", is_open, assign, objective, min(bound, objective), status, t0,
                    unreachable)


def _candidate_radii(pairs: Pairs, weighted: Pairs, p: int, fixed: np.ndarray
                     ) -> tuple[np.ndarray | None, float, np.ndarray]:
    """Return the p-center's candidate radii and the heuristic solution that caps them.

    The radii are the distinct weighted costs between the trivial lower bound (every
    client's nearest site) and the radius of a p-median heuristic's solution.

    Returns
    -------
    start : numpy.ndarray or None
        The heuristic's open sites (None when it found none).
    upper : float
        Its radius (``inf`` without it or when it leaves a reachable client unserved).
    radii : numpy.ndarray
        The candidate radii, ascending.
    """
    n, m = pairs.n_clients, pairs.n_sites
    wc = weighted.cost
    nearest = np.full(n, -np.inf)
    np.maximum.at(nearest, pairs.client, -wc)
    lower = float(np.max(-nearest[pairs.reachable])) if pairs.reachable.any() else 0.0
    start = median_heuristic(weighted, np.ones(n), p, fixed)
    upper = np.inf
    if start is not None:
        is_open = np.zeros(m, dtype=bool)
        is_open[start] = True
        _, hc = nearest_open(weighted, is_open)
        if not pairs.reachable.any():
            upper = 0.0
        elif np.all(np.isfinite(hc[pairs.reachable])):
            upper = float(hc[pairs.reachable].max())
    return start, upper, np.unique(wc[(wc >= lower) & (wc <= upper)])


class _RadiusSearch(NamedTuple):
    """Where the bisection over the radii stopped (see :func:`_bisect_radii`)."""

    lo: int
    hi: int
    best_open: np.ndarray | None
    timed_out: bool


def _bisect_radii(weighted: Pairs, radii: np.ndarray, p: int, fixed: np.ndarray,
                  deadline: float | None, seed: int) -> _RadiusSearch:
    """Bisect the radii for the least one whose set cover needs at most ``p`` sites.

    The answer is ``radii[k]`` for some ``lo <= k <= hi``; each step solves the set cover
    of the pairs within ``radii[mid]`` (Minieka's method). ``best_open`` is the cover of
    ``radii[hi]`` once one is found; ``timed_out`` when a step ran out of time unproven.
    """
    lo, hi = 0, radii.size - 1
    best_open: np.ndarray | None = None
    while lo < hi:
        mid = (lo + hi) // 2
        within = weighted.select(weighted.cost <= radii[mid])
        step, is_open = set_cover(within, fixed, remaining(deadline), seed)
        if step.values is not None and is_open.sum() <= p:
            hi, best_open = mid, is_open
        elif step.proven:
            lo = mid + 1
        else:
            return _RadiusSearch(lo, hi, best_open, True)
    return _RadiusSearch(lo, hi, best_open, False)


def _least_total_within(pairs: Pairs, within: Pairs, w: np.ndarray, p: int,
                        fixed: np.ndarray, best_open: np.ndarray) -> np.ndarray:
    """Return ``p`` open sites of low total weighted cost that keep every client within.

    The cover ``best_open`` is padded to ``p`` sites greedily and improved by best swaps
    over the pairs ``within`` the optimal radius (a p-median heuristic), kept only when
    every reachable client stays within; free sites then fill up to ``p``.
    """
    is_open = best_open.copy()
    better = median_heuristic(within, w, p, fixed, initial=best_open)
    if better is not None:
        cand = np.zeros(pairs.n_sites, dtype=bool)
        cand[better] = True
        if np.all(np.isfinite(nearest_open(within, cand)[1][within.reachable])):
            is_open = cand
    for j in np.flatnonzero(~is_open)[: max(p - int(is_open.sum()), 0)]:
        is_open[j] = True
    return is_open
