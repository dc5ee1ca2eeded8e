"""The p-median problem: open p sites to minimise the total weighted cost of serving clients.

Uncapacitated: the radius formulation of Elloumi (2010) and García, Labbé and Marín (2011),
written incrementally so that its size is linear in the number of reachable pairs. For
client i let ``D_i1 < D_i2 < ... < D_iK`` be its distinct costs to reachable sites and
``z_ik`` (continuous) mean "client i is served at a cost above ``D_ik``"::

    min  sum_i w_i (D_i1 + sum_{k<K} (D_i,k+1 - D_ik) z_ik)
    s.t. z_ik >= z_i,k-1 - sum_{j: c_ij = D_ik} y_j     (z_i0 = 1, z_iK = 0)
         sum_j y_j = p,   y_j = 1 for fixed sites,   y binary

Each client's levels stop at the rank where a site is certain to be open: its first fixed
site, or its (m - p + 1)-th nearest site (at most m - p sites are closed). Its linear
relaxation is as strong as the classic one and often integral.

Capacitated: the classic assignment formulation with single sourcing (every client served
by one site), variables only for reachable pairs.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from planner.locate._costs import Pairs, as_capacity, as_pairs, as_sites, as_weights
from planner.locate._heuristics import median_heuristic
from planner.locate.setcover import check_p, set_cover
from planner.locate.solution import (
    Solution,
    empty_solution,
    finished,
    nearest_open,
    remaining,
    status_of,
)
from planner.mip import MIPResult, SparseMIP, add_single_source


def _radius_model(
    pairs: Pairs, w: np.ndarray, p: int, fixed: np.ndarray
) -> tuple[SparseMIP, np.ndarray, dict]:
    """Build the incremental radius formulation; return the model and the y indices."""
    n, m = pairs.n_clients, pairs.n_sites
    nnz = pairs.site.size
    is_fixed = np.zeros(m, dtype=bool)
    is_fixed[fixed] = True
    start = pairs.start
    cl = pairs.client
    rank = np.arange(nnz) - start[cl]
    new_level = (rank == 0) | np.concatenate([[True], pairs.cost[1:] != pairs.cost[:-1]])
    gcum = np.cumsum(new_level)
    level = gcum - gcum[start[cl]] + 1  # 1-based level of each pair within its client

    deg = np.diff(start)
    reach = deg > 0
    cap = np.where(deg >= m - p + 1, m - p + 1, deg)
    fpos = np.where(is_fixed[pairs.site], rank, np.iinfo(np.int64).max)
    first_fixed = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_fixed, cl, fpos)
    cap = np.where(first_fixed < cap, first_fixed + 1, cap)
    kmax = np.zeros(n, dtype=np.int64)
    kmax[reach] = level[start[:-1][reach] + cap[reach] - 1]
    keep = level <= kmax[cl]

    # One row per (client, level); rows of a client are consecutive, levels in order.
    row_start = np.concatenate([[0], np.cumsum(kmax)])
    n_rows = int(row_start[-1])
    lev_idx = np.flatnonzero(keep & new_level)  # the first pair of each kept level
    lev_client = cl[lev_idx]
    lev_k = level[lev_idx]
    lev_cost = pairs.cost[lev_idx]
    last = lev_k == kmax[lev_client]

    mip = SparseMIP()
    y = mip.add_vars(m, lb=is_fixed.astype(float), ub=1.0, integer=True)
    zrows = np.flatnonzero(~last)  # rows (= levels) that carry a z variable
    step = np.zeros(n_rows)
    step[zrows] = lev_cost[zrows + 1] - lev_cost[zrows]
    z = mip.add_vars(zrows.size, lb=0.0, ub=1.0, obj=w[lev_client[zrows]] * step[zrows])
    z_of_row = np.full(n_rows, -1, dtype=np.int64)
    z_of_row[zrows] = z
    mip.offset = float(np.sum(w[lev_client[lev_k == 1]] * lev_cost[lev_k == 1]))

    kept = np.flatnonzero(keep)
    y_rows = row_start[cl[kept]] + level[kept] - 1
    prev = np.flatnonzero(lev_k >= 2)
    rows = np.concatenate([y_rows, zrows, prev])
    cols = np.concatenate([y[pairs.site[kept]], z_of_row[zrows], z_of_row[prev - 1]])
    coef = np.concatenate([np.ones(kept.size), np.ones(zrows.size), -np.ones(prev.size)])
    mip.add_rows(n_rows, rows, cols, coef, lb=(lev_k == 1).astype(float))
    mip.add_rows(1, np.zeros(m, dtype=np.int64), y, 1.0, lb=p, ub=p)
    return mip, y, {"z": z, "z_client": lev_client[zrows], "z_cost": lev_cost[zrows]}


def _assignment_model(
    pairs: Pairs, w: np.ndarray, p: int, fixed: np.ndarray, cap: np.ndarray
) -> tuple[SparseMIP, np.ndarray, np.ndarray]:
    """Build the classic capacitated p-median with single sourcing; return model, y and x."""
    n, m = pairs.n_clients, pairs.n_sites
    nnz = pairs.site.size
    mip = SparseMIP()
    lb = np.zeros(m)
    lb[fixed] = 1.0
    y = mip.add_vars(m, lb=lb, ub=1.0, integer=True)
    x = mip.add_vars(nnz, obj=w[pairs.client] * pairs.cost, integer=True)
    reach = np.flatnonzero(pairs.reachable)
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[reach] = np.arange(reach.size)
    mip.add_rows(reach.size, row_of[pairs.client], x, 1.0, lb=1.0, ub=1.0)
    add_single_source(mip, pairs.site, w[pairs.client], x, y, cap)
    mip.add_rows(1, np.zeros(m, dtype=np.int64), y, 1.0, lb=p, ub=p)
    return mip, y, x


def _solve_uncapacitated(
    pairs: Pairs,
    w: np.ndarray,
    p: int,
    fixed: np.ndarray,
    deadline: float | None,
    seed: int,
    gap_limit: float,
) -> tuple[MIPResult, np.ndarray | None]:
    """Solve the uncapacitated p-median: LP bound first, then ever stronger searches.

    1. The linear relaxation (GLOP) gives a lower bound; when its y are integral they are
       optimal.
    2. Best-swap interchange from the LP's p largest y (or, without an LP, from a greedy
       start) gives the warm start (:func:`_lp_start`); it is proven optimal when it
       reaches the bound.
    3. The MIP restricted to the LP's fractional sites (SCIP, small;
       :func:`_restricted_solve`), then
    4. the full MIP (SCIP) from the best solution so far.
    """
    t0 = time.perf_counter()
    mip, y, zinfo = _radius_model(pairs, w, p, fixed)
    lp = mip.solve(solver="GLOP", relax=True, time_limit=remaining(deadline))
    if lp.infeasible:
        return lp, None
    lb = lp.objective if lp.values is not None else -np.inf
    yv = lp.values[y] if lp.values is not None else None
    best_open = _lp_start(pairs, w, p, fixed, yv)
    best = _total(pairs, w, best_open) if best_open is not None else np.inf

    def result(proven: bool) -> tuple[MIPResult, np.ndarray]:
        return MIPResult(proven, False, _y_values(mip, y, best_open), best, lb,
                         time.perf_counter() - t0), best_open

    if np.isfinite(best) and _stop(best, lb, gap_limit):
        return result(_stop(best, lb, 0.0))
    if yv is not None:  # 3. restricted MIP over the LP's fractional sites
        cand = _restricted_solve(pairs, w, p, fixed, yv, deadline, seed)
        c = _total(pairs, w, cand) if cand is not None else np.inf
        if c < best:
            best_open, best = cand, c
            if _stop(best, lb, gap_limit):
                return result(_stop(best, lb, 0.0))
    if best_open is not None and np.isfinite(best):
        mip.hint(y, best_open.astype(float))
        _, hcost = nearest_open(pairs, best_open)
        mip.hint(zinfo["z"], (hcost[zinfo["z_client"]] > zinfo["z_cost"]).astype(float))
    res = mip.solve(time_limit=remaining(deadline), seed=seed, relative_gap=gap_limit)
    if res.values is None:
        if np.isfinite(best) and not res.infeasible:
            return result(False)
        return res, None
    if np.isfinite(lb):
        res.bound = max(res.bound, lb) if np.isfinite(res.bound) else lb
    return res, res.values[y] > 0.5


def _stop(best: float, lb: float, gap_limit: float) -> bool:
    """Return whether a solution of cost ``best`` may end the search given the bound ``lb``.

    It may when it is proven optimal (``best`` reaches ``lb`` within rounding) or, with a
    positive ``gap_limit``, when its relative gap is at most that.
    """
    tol = 1e-7 * max(1.0, abs(best))
    return best <= lb + tol or (gap_limit > 0 and best - lb <= gap_limit * best)


def _lp_start(pairs: Pairs, w: np.ndarray, p: int, fixed: np.ndarray,
              yv: np.ndarray | None) -> np.ndarray | None:
    """Return the best starting sites from the relaxation's ``yv`` (None: no relaxation).

    Best-swap interchange (:func:`median_heuristic`) from the fixed sites and the LP's
    largest y (from a greedy start without an LP); the LP's own y when they are integral
    and cheaper. None when neither gives a solution.
    """
    m = pairs.n_sites
    initial = None
    if yv is not None:
        initial = np.zeros(m, dtype=bool)
        initial[fixed] = True
        rest = np.argsort(-np.where(initial, -np.inf, yv), kind="stable")
        initial[rest[: p - fixed.size]] = True
    best_open = None
    start = median_heuristic(pairs, w, p, fixed, initial=initial)
    if start is not None:
        best_open = np.zeros(m, dtype=bool)
        best_open[start] = True
    elif initial is not None:
        best_open = initial
    if yv is not None and np.all(np.minimum(yv, 1 - yv) < 1e-7):
        cand = yv > 0.5
        if best_open is None or _total(pairs, w, cand) < _total(pairs, w, best_open):
            best_open = cand
    return best_open


def _restricted_solve(pairs: Pairs, w: np.ndarray, p: int, fixed: np.ndarray,
                      yv: np.ndarray, deadline: float | None, seed: int
                      ) -> np.ndarray | None:
    """Return the open sites of the MIP restricted to the LP's fractional sites.

    Sites whose LP value is 0 stay closed and those at 1 open; None when the solver finds
    no solution before ``deadline`` (``time.perf_counter()`` seconds).
    """
    small, ys, _ = _radius_model(pairs, w, p, fixed)
    small.set_bounds(ys[yv < 1e-7], 0.0, 0.0)
    small.set_bounds(ys[yv > 1 - 1e-7], 1.0, 1.0)
    res = small.solve(time_limit=remaining(deadline), seed=seed)
    return res.values[ys] > 0.5 if res.values is not None else None


def _total(pairs: Pairs, w: np.ndarray, is_open: np.ndarray) -> float:
    """Return the total weighted cost of serving every reachable client from the open sites."""
    _, c = nearest_open(pairs, is_open)
    reach = pairs.reachable
    if not np.all(np.isfinite(c[reach])):
        return float("inf")
    return float(np.sum(w[reach] * c[reach]))


def _y_values(mip: SparseMIP, y: np.ndarray, is_open: np.ndarray) -> np.ndarray:
    values = np.zeros(mip.n_vars)
    values[y] = is_open
    return values


def min_sites_to_reach(pairs: Pairs, fixed: np.ndarray) -> int:
    """Return the fewest sites (fixed ones too) that reach every reachable client (a set cover)."""
    _, is_open = set_cover(pairs, fixed, None, 0)
    return int(is_open.sum())


def p_median(
    cost: np.ndarray | sp.spmatrix | sp.sparray,
    p: int,
    weights: np.ndarray | None = None,
    *,
    fixed: object = (),
    capacity: np.ndarray | float | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    relative_gap_limit: float = 0.0,
) -> Solution:
    """Open ``p`` sites so that the total weighted cost of serving every client is least.

    Parameters
    ----------
    cost : numpy.ndarray or scipy.sparse matrix, shape (clients, sites)
        Cost (e.g. minutes or metres) of serving client i from site j. Dense: ``inf`` or
        ``nan`` means unreachable; sparse: an absent entry means unreachable.
    p : int
        Number of sites to open.
    weights : array of shape (clients,), optional
        Demand of each client (default 1).
    fixed : iterable of int
        Sites that must be open (counted in ``p``).
    capacity : float or array of shape (sites,), optional
        Most demand a site can serve; with it every client is served by a single site.
    time_limit : float, optional
        Seconds; when reached the best solution found is returned with status
        ``"time_limit"`` and its gap.
    seed : int
        Solver seed; the same inputs and seed give the same solution.
    relative_gap_limit : float
        Stop once the proven gap is at most this (status ``"feasible"``); 0 means prove
        optimality.

    Returns
    -------
    Solution
        Open sites, each client's site, total weighted cost (``objective``) and bound.
        Clients with no reachable site are listed in ``unreachable`` and assigned -1.
    """
    t0 = time.perf_counter()
    pairs = as_pairs(cost)
    n, m = pairs.n_clients, pairs.n_sites
    w = as_weights(weights, n)
    fixed_arr = as_sites(fixed, m)
    p = check_p(p, m, fixed_arr)
    cap = as_capacity(capacity, m)
    unreachable = np.flatnonzero(~pairs.reachable)
    deadline = None if time_limit is None else t0 + float(time_limit)
    if cap is None:
        res, is_open = _solve_uncapacitated(
            pairs, w, p, fixed_arr, deadline, seed, relative_gap_limit
        )
        x = None
    else:
        mip, y, x = _assignment_model(pairs, w, p, fixed_arr, cap)
        res = mip.solve(time_limit=time_limit, seed=seed, relative_gap=relative_gap_limit)
        is_open = res.values[y] > 0.5 if res.values is not None else None
    status = status_of(res, relative_gap_limit)
    if is_open is None:
        msg = ""
        if status == "infeasible":
            msg = _explain(pairs, w, p, fixed_arr, cap)
        elif status == "time_limit":
            msg = f"no solution found within the time limit of {time_limit} s"
        return empty_solution("p_median", n, status, time.perf_counter() - t0, msg, unreachable)
    assign, acost = nearest_open(pairs, is_open)
    if x is not None:
        chosen = np.flatnonzero(res.values[x] > 0.5)
        assign[pairs.client[chosen]] = pairs.site[chosen]
        acost[pairs.client[chosen]] = pairs.cost[chosen]
    served = assign >= 0
    objective = float(np.sum(w[served] * acost[served]))
    bound = min(res.bound, objective) if np.isfinite(res.bound) else res.bound
    return finished("p_median", is_open, assign, objective, bound, status, t0,
                    unreachable)


def _explain(pairs: Pairs, w: np.ndarray, p: int, fixed: np.ndarray, cap: np.ndarray | None) -> str:
    """Return one line on why no choice of p sites works."""
    need = min_sites_to_reach(pairs, fixed)
    if need > p:
        return (f"reaching every reachable client needs at least {need} sites but p = {p}; "
                "raise p or the travel-time cut-off")
    if cap is not None:
        demand = float(w[pairs.reachable].sum())
        free = np.setdiff1d(np.arange(pairs.n_sites), fixed)
        best = float(cap[fixed].sum() + np.sort(cap[free])[::-1][: p - fixed.size].sum())
        if demand > best + 1e-9:
            return (f"total demand {demand:g} exceeds the {p} largest capacities' total "
                    f"{best:g}; raise p or the capacities")
        return ("no choice of p sites serves every client within capacity and reach; "
                "raise p, the capacities or the cut-off")
    return "no choice of p sites serves every client"
