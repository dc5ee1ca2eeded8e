"""Warm starts: greedy construction and best-swap interchange, vectorised with numpy.

They give the exact models a good first solution (an upper bound) and are deterministic:
ties always go to the lowest site index.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from planner.locate._costs import Pairs

#: Dense heuristics are used up to this many matrix cells (about 160 MB of float64).
MAX_DENSE_CELLS = 20_000_000


def _penalised(pairs: Pairs, weights: np.ndarray) -> np.ndarray:
    """Return the dense weighted cost with a large finite penalty for unreachable pairs."""
    big = (float(pairs.cost.max()) if pairs.cost.size else 1.0) * 1e3 + 1.0
    d = pairs.dense(fill=big)
    return d * weights[:, None]


def median_heuristic(
    pairs: Pairs,
    weights: np.ndarray,
    p: int,
    fixed: np.ndarray,
    max_swaps: int | None = None,
    initial: np.ndarray | None = None,
) -> np.ndarray | None:
    """Return the p-median's open sites (sorted) by greedy adding, then best-swap interchange.

    ``initial`` (a mask of p open sites, e.g. a rounded LP solution) replaces the greedy
    start. Returns None when the matrix is too large for the dense heuristic.
    """
    n, m = pairs.n_clients, pairs.n_sites
    if n * m > MAX_DENSE_CELLS or n == 0:
        return None
    wd = _penalised(pairs, weights)
    is_open = np.zeros(m, dtype=bool) if initial is None else initial.copy()
    is_open[fixed] = True
    cur = wd[:, is_open].min(axis=1) if is_open.any() else np.full(n, wd.max() * 10 + 1)
    while is_open.sum() < p:
        total = np.minimum(wd, cur[:, None]).sum(axis=0)
        total[is_open] = np.inf
        j = int(np.argmin(total))
        is_open[j] = True
        cur = np.minimum(cur, wd[:, j])
    movable = is_open.copy()
    movable[fixed] = False
    limit = max_swaps if max_swaps is not None else 10 * p + 100
    for _ in range(limit):
        opened = np.flatnonzero(is_open)
        if opened.size < 2 or not movable.any() or is_open.all():
            break
        sub = wd[:, opened]
        order = np.argsort(sub, axis=1, kind="stable")
        near = opened[order[:, 0]]
        d1 = sub[np.arange(n), order[:, 0]]
        d2 = sub[np.arange(n), order[:, 1]]
        gain = np.maximum(d1[:, None] - wd, 0.0).sum(axis=0)  # opening a
        extra = np.minimum(wd, d2[:, None]) - np.minimum(wd, d1[:, None])  # closing b
        onehot = sp.csr_matrix((np.ones(n), (near, np.arange(n))), shape=(m, n))
        loss = onehot @ extra  # loss[b, a]
        delta = loss.T - gain[:, None]  # delta[a, b]
        delta[is_open, :] = np.inf
        delta[:, ~movable] = np.inf
        k = int(np.argmin(delta))
        a, b = divmod(k, m)
        if not delta[a, b] < -1e-9 * max(1.0, float(d1.sum())):
            break
        is_open[a], is_open[b] = True, False
        movable[a], movable[b] = True, False
    return np.flatnonzero(is_open)


def coverage_heuristic(
    pairs: Pairs, weights: np.ndarray, p: int, fixed: np.ndarray
) -> np.ndarray:
    """Return a greedy maximal cover: add the site covering the most uncovered weight."""
    m = pairs.n_sites
    is_open = np.zeros(m, dtype=bool)
    is_open[fixed] = True
    covered = np.zeros(pairs.n_clients, dtype=bool)
    covered[pairs.client[is_open[pairs.site]]] = True
    while is_open.sum() < p:
        free = ~covered[pairs.client]
        gain = np.bincount(pairs.site[free], weights=weights[pairs.client[free]], minlength=m)
        gain[is_open] = -1.0
        j = int(np.argmax(gain))
        is_open[j] = True
        covered[pairs.client[pairs.site == j]] = True
    return np.flatnonzero(is_open)
