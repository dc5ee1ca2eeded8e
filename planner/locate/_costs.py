"""Cost matrices as sorted sparse lists of reachable (client, site, cost) pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Pairs:
    """Reachable client-site pairs, sorted by client, then cost, then site.

    Attributes
    ----------
    n_clients, n_sites : int
        Matrix shape.
    client, site : numpy.ndarray
        Indices of each reachable pair (int64).
    cost : numpy.ndarray
        Cost of each pair (float64, finite, >= 0).
    start : numpy.ndarray
        ``start[i]:start[i+1]`` is client ``i``'s block (length ``n_clients + 1``).
    """

    n_clients: int
    n_sites: int
    client: np.ndarray
    site: np.ndarray
    cost: np.ndarray
    start: np.ndarray

    @property
    def reachable(self) -> np.ndarray:
        """Boolean mask of clients with at least one reachable site."""
        return np.diff(self.start) > 0

    def select(self, keep: np.ndarray) -> Pairs:
        """Return the pairs where ``keep`` (a mask over pairs) is true, still sorted."""
        counts = np.bincount(self.client[keep], minlength=self.n_clients)
        start = np.concatenate([[0], np.cumsum(counts)])
        return Pairs(
            self.n_clients, self.n_sites, self.client[keep], self.site[keep],
            self.cost[keep], start,
        )

    def dense(self, fill: float = np.inf) -> np.ndarray:
        """Return the matrix as a dense array with ``fill`` where a pair is unreachable."""
        out = np.full((self.n_clients, self.n_sites), fill, dtype=float)
        out[self.client, self.site] = self.cost
        return out


def as_pairs(cost: np.ndarray | sp.spmatrix | sp.sparray) -> Pairs:
    """Normalise a cost matrix to :class:`Pairs`.

    Parameters
    ----------
    cost : numpy.ndarray or scipy.sparse matrix, shape (clients, sites)
        Dense: a non-finite entry (``inf`` or ``nan``) means unreachable. Sparse: every
        stored entry is reachable, explicit zeros included; an absent entry is unreachable.

    Raises
    ------
    ValueError
        For a matrix that is not two-dimensional, has negative costs or duplicate entries.
    """
    if sp.issparse(cost):
        coo = sp.coo_matrix(cost)
        if coo.ndim != 2:
            raise ValueError("cost must be a 2-D (clients x sites) matrix")
        r = coo.row.astype(np.int64)
        c = coo.col.astype(np.int64)
        v = coo.data.astype(float)
        key = r * coo.shape[1] + c
        if np.unique(key).size != key.size:
            raise ValueError(
                "cost has duplicate entries for the same client and site; sum or drop them first"
            )
        if not np.all(np.isfinite(v)):
            raise ValueError(
                "cost has non-finite stored entries; leave unreachable pairs out instead"
            )
        n, m = coo.shape
    else:
        arr = np.asarray(cost, dtype=float)
        if arr.ndim != 2:
            raise ValueError(f"cost must be a 2-D (clients x sites) array, got {arr.ndim}-D")
        n, m = arr.shape
        r, c = np.nonzero(np.isfinite(arr))
        r = r.astype(np.int64)
        c = c.astype(np.int64)
        v = arr[r, c]
    if np.any(v < 0):
        i = int(np.argmax(v < 0))
        raise ValueError(f"cost[{r[i]}, {c[i]}] = {v[i]} is negative; costs must be >= 0")
    order = np.lexsort((c, v, r))
    r, c, v = r[order], c[order], v[order]
    start = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=n))]).astype(np.int64)
    return Pairs(int(n), int(m), r, c, v, start)


def as_weights(weights: np.ndarray | None, n: int, name: str = "weights") -> np.ndarray:
    """Return client weights as a float array of length ``n`` (ones when None), checked >= 0."""
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float).ravel()
    if w.shape != (n,):
        raise ValueError(f"{name} has {w.size} entries but the cost matrix has {n} clients")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"{name} must be finite and >= 0")
    return w


def as_sites(fixed: object, m: int) -> np.ndarray:
    """Return sorted unique site indices from an iterable, checked to lie in ``0..m-1``."""
    items = fixed if isinstance(fixed, np.ndarray) else list(fixed)  # type: ignore[call-overload]
    arr = np.unique(np.asarray(items, dtype=np.int64))
    if arr.size and (arr[0] < 0 or arr[-1] >= m):
        raise ValueError(f"fixed site indices must lie in 0..{m - 1}")
    return arr


def as_capacity(capacity: np.ndarray | float | None, m: int) -> np.ndarray | None:
    """Return site capacities as a float array of length ``m`` (None stays None), checked >= 0."""
    if capacity is None:
        return None
    cap = np.broadcast_to(np.asarray(capacity, dtype=float), (m,)).copy()
    if np.any(np.isnan(cap)) or np.any(cap < 0):
        raise ValueError("capacity must be >= 0 for every site")
    return cap
