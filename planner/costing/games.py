"""Cost games: the Shapley value, the nucleolus and the core, exact for small games.

A cost game is a list of players and a function ``cost(frozenset_of_players) -> float``
(the cost the coalition would pay on its own; ``cost(frozenset())`` is not asked). Every
function here evaluates the cost of each coalition once, in a fixed order, so the results
do not depend on the order of a set (nor on ``PYTHONHASHSEED``). Exact up to
``MAX_PLAYERS`` (16) players: 65 535 coalitions.

References: Shapley (1953), the subset formula; Schmeidler (1969), the nucleolus;
Maschler, Peleg and Shapley (1979), its computation by a sequence of linear programmes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import linprog

from planner.errors import InputError

CostFunction = Callable[[frozenset[str]], float]
#: Largest game solved exactly (2**n coalitions).
MAX_PLAYERS = 16
_TOL = 1e-9


def coalition_costs(players: Sequence[str], cost: CostFunction) -> np.ndarray:
    """Return the cost of every coalition, indexed by bit mask (bit i: ``players[i]``).

    Entry 0 (the empty coalition) is 0.
    """
    n = len(players)
    if len(set(players)) != n:
        raise InputError(f"cost game: players repeat ({', '.join(players)})")
    if n > MAX_PLAYERS:
        raise InputError(f"cost game: {n} players; exact values need at most {MAX_PLAYERS}")
    c = np.zeros(1 << n)
    for mask in range(1, 1 << n):
        c[mask] = float(cost(frozenset(players[i] for i in range(n) if mask >> i & 1)))
    return c


def _members(n: int) -> np.ndarray:
    """Return the 0/1 membership matrix: row ``mask``, column i is 1 when i is in it."""
    masks = np.arange(1 << n)
    return ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(float)


def shapley(players: Sequence[str], cost: CostFunction) -> dict[str, float]:
    """Return the Shapley value of a cost game.

    Each player pays its marginal cost averaged over every order in which the coalition
    could form: ``phi_i = sum_{T not containing i} |T|! (n-|T|-1)! / n! (c(T+i) - c(T))``.

    Parameters
    ----------
    players : sequence of str
    cost : callable
        ``cost(frozenset of players) -> float``.

    Returns
    -------
    dict
        Player -> share; the shares add up to the cost of all players together.
    """
    n = len(players)
    c = coalition_costs(players, cost)
    size = _members(n).sum(axis=1).astype(int)
    weight = np.array([math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
                       for k in range(n)])
    out = {}
    masks = np.arange(1 << n)
    for i, p in enumerate(players):
        without = masks[(masks >> i & 1) == 0]
        out[p] = float((weight[size[without]] * (c[without | 1 << i] - c[without])).sum())
    return out


def nucleolus(players: Sequence[str], cost: CostFunction) -> dict[str, float]:
    """Return the nucleolus of a cost game.

    It is the imputation that makes the largest excess of any coalition (what it pays beyond
    its own cost, ``x(S) - c(S)``) as small as possible, then the next largest, and so on.

    The imputations are the allocations of ``c(all)`` in which nobody pays more than on
    its own (``x_i <= c({i})``). Computed by a sequence of linear programmes (HiGHS through
    scipy): each minimises the largest excess of the coalitions not yet fixed; the
    coalitions whose constraint has a positive dual are tight in every optimum and are
    fixed at that excess; coalitions whose excess the fixed ones determine are dropped;
    it stops when the fixed coalitions determine the allocation.

    Parameters
    ----------
    players : sequence of str
    cost : callable
        ``cost(frozenset of players) -> float``.

    Returns
    -------
    dict
        Player -> share. In a game with a non-empty core the nucleolus is in the core.
    """
    n = len(players)
    c = coalition_costs(players, cost)
    if n == 1:
        return {players[0]: float(c[1])}
    full = (1 << n) - 1
    a = _members(n)
    single = np.array([c[1 << i] for i in range(n)])
    active = np.arange(1, full)  # proper coalitions
    fixed_rows: list[np.ndarray] = [a[full]]
    fixed_rhs: list[float] = [float(c[full])]
    x = np.zeros(n)
    for _ in range(full):
        _, sing, vt = np.linalg.svd(np.array(fixed_rows))
        rank = int((sing > 1e-9 * sing[0]).sum())
        basis = vt[:rank].T  # an orthonormal basis of the fixed coalitions' span
        resid = a[active] - (a[active] @ basis) @ basis.T
        active = active[np.linalg.norm(resid, axis=1) > 1e-7]
        if rank >= n or not active.size:
            break
        # variables: x (n), eps; min eps s.t. x(S) - eps <= c(S) for S active
        a_ub = np.hstack([a[active], -np.ones((active.size, 1))])
        a_eq = np.hstack([np.array(fixed_rows), np.zeros((len(fixed_rows), 1))])
        res = linprog(np.r_[np.zeros(n), 1.0], A_ub=a_ub, b_ub=c[active], A_eq=a_eq,
                      b_eq=np.array(fixed_rhs), method="highs",
                      bounds=[(None, float(v)) for v in single] + [(None, None)])
        if res.status != 0:
            raise InputError("cost game: no imputation (some player's own cost is below "
                             "what the others leave to it); the nucleolus is undefined")
        x, eps = res.x[:n], float(res.x[n])
        dual = np.abs(res.ineqlin.marginals)
        tight = active[dual > _TOL]
        if not tight.size:  # degenerate duals: fix the coalitions at the optimum's excess
            tight = active[np.abs(a[active] @ x - c[active] - eps) <= 1e-9 * (1 + abs(eps))]
        for mask in tight:
            fixed_rows.append(a[mask])
            fixed_rhs.append(float(c[mask] + eps))
        active = np.setdiff1d(active, tight)
    if np.linalg.matrix_rank(np.array(fixed_rows)) >= n:
        x = np.linalg.lstsq(np.array(fixed_rows), np.array(fixed_rhs), rcond=None)[0]
    return {p: float(v) for p, v in zip(players, x, strict=True)}


def core_violations(players: Sequence[str], cost: CostFunction, shares: dict[str, float],
                    tol: float = 1e-6) -> list[str]:
    """Return the coalitions that pay more under ``shares`` than on their own.

    Such an allocation is outside the core; each is given as ``"a+b pays 12 > 10 on its
    own"``, with a note when the shares do not add up to the cost of all.
    """
    n = len(players)
    c = coalition_costs(players, cost)
    x = np.array([shares[p] for p in players], dtype=float)
    paid = _members(n) @ x
    bad = []
    scale = tol * max(1.0, float(np.abs(c).max()))
    for mask in range(1, (1 << n) - 1):
        if paid[mask] > c[mask] + scale:
            names = "+".join(players[i] for i in range(n) if mask >> i & 1)
            bad.append(f"{names} pays {paid[mask]:,.0f} > {c[mask]:,.0f} on its own")
    total = c[(1 << n) - 1]
    if abs(paid[-1] - total) > scale:
        bad.append(f"the shares add up to {paid[-1]:,.0f}, not the cost of all {total:,.0f}")
    return bad


def least_core_excess(players: Sequence[str], cost: CostFunction) -> float:
    """Return the least core's excess: the smallest possible largest excess of a coalition.

    That is the least ``max_S x(S) - c(S)`` over allocations of ``c(all)``: at most 0 when
    the core is non-empty, positive when it is empty (some coalition is always better off
    alone).
    """
    n = len(players)
    c = coalition_costs(players, cost)
    if n == 1:
        return 0.0
    full = (1 << n) - 1
    a = _members(n)
    proper = np.arange(1, full)
    res = linprog(np.r_[np.zeros(n), 1.0],
                  A_ub=np.hstack([a[proper], -np.ones((proper.size, 1))]), b_ub=c[proper],
                  A_eq=np.r_[a[full], 0.0][None, :], b_eq=[c[full]], method="highs",
                  bounds=[(None, None)] * (n + 1))
    return float(res.x[n])


def core_is_empty(players: Sequence[str], cost: CostFunction, tol: float = 1e-6) -> bool:
    """Return whether every allocation leaves some coalition paying more than on its own."""
    c = coalition_costs(players, cost)
    return least_core_excess(players, cost) > tol * max(1.0, float(np.abs(c).max()))
