"""The order of the searches: sources near each other one after another.

A bounded search reads the graph's arrays and its distances around its source. When the
next search (on this thread or the other) starts near the last one, most of what it reads
is still in the processor's caches; when it starts anywhere, little is. Sources handed in
at random (the usual case: sites from a table) are therefore put in an order where
neighbours follow each other, and the results are put back in the caller's order.

Two orders, chosen by how many sources share the graph:

- **few sources** (fewer than one per :data:`NODES_PER_SOURCE` nodes): by node position.
  Free, and graphs are numbered with some locality (a grid row by row, OpenStreetMap
  nodes roughly by when an area was mapped).
- **many sources**: each node is given to its nearest source by a breadth-first search
  from all sources at once (Voronoi cells by links), two sources are neighbours when an
  edge joins their cells, and the sources are ordered by scipy's reverse Cuthill-McKee on
  that neighbour graph: band by band, each band in sequence, so that consecutive sources
  are neighbours. One pass over the graph (about 0.1 s on a million nodes).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.sparse.csgraph import reverse_cuthill_mckee

#: Below one source per this many nodes the sources go by node position.
NODES_PER_SOURCE = 500


@njit(cache=True, nogil=True)
def nearest_cells(indptr: np.ndarray, indices: np.ndarray, sources: np.ndarray,
                  n: int) -> np.ndarray:
    """Give every node the position of the first source a breadth-first search reaches it from.

    Parameters
    ----------
    indptr, indices : numpy.ndarray
        The graph's CSR structure.
    sources : numpy.ndarray
        A node per source (``-1``: none).
    n : int
        Number of nodes.

    Returns
    -------
    numpy.ndarray
        Per node, a source position (``-1`` where no source reaches it).
    """
    cell = np.full(n, -1, dtype=np.int32)
    queue = np.empty(n, dtype=np.int32)
    head = tail = 0
    for k in range(sources.shape[0]):
        s = sources[k]
        if 0 <= s < n and cell[s] < 0:
            cell[s] = k
            queue[tail] = s
            tail += 1
    while head < tail:
        u = queue[head]
        head += 1
        for q in range(indptr[u], indptr[u + 1]):
            v = indices[q]
            if cell[v] < 0:
                cell[v] = cell[u]
                queue[tail] = v
                tail += 1
    return cell


def neighbour_order(indptr: np.ndarray, indices: np.ndarray, sources: np.ndarray,
                    n: int) -> np.ndarray:
    """Order sources so that each follows a neighbour: Voronoi cells, then Cuthill-McKee.

    Parameters
    ----------
    indptr, indices : numpy.ndarray
        The graph's CSR structure (weights are not needed).
    sources : numpy.ndarray
        A node per source (``-1``: none; such sources go last, and a source at the node
        of an earlier one right after it).
    n : int
        Number of nodes.

    Returns
    -------
    numpy.ndarray
        A permutation of the source positions.
    """
    k = len(sources)
    cell = nearest_cells(indptr, indices, np.asarray(sources, dtype=np.int64), n)
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
    a, b = cell[rows], cell[indices]
    cut = (a != b) & (a >= 0) & (b >= 0)
    # int32 counts of the links between two cells (a narrower type could wrap to zero)
    adj = sp.csr_matrix((np.ones(int(cut.sum()), dtype=np.int32), (a[cut], b[cut])),
                        shape=(k, k))
    order = reverse_cuthill_mckee((adj + adj.T).tocsr(), symmetric_mode=True)
    on = (sources >= 0) & (sources < n)
    owner = np.full(k, k, dtype=np.int64)  # each source's cell: the first source at its node
    owner[on] = cell[sources[on]]
    rank = np.full(k + 1, k, dtype=np.int64)  # sources without a node: last
    rank[order] = np.arange(k)
    return np.argsort(rank[owner], kind="stable").astype(np.int64)


def search_order(indptr: np.ndarray, indices: np.ndarray, sources: np.ndarray,
                 n: int) -> np.ndarray | None:
    """Return the order to search the sources in, or None to keep theirs.

    Parameters
    ----------
    indptr, indices : numpy.ndarray
        The graph's CSR structure.
    sources : numpy.ndarray
        The first seed node of each source (``-1``: none).
    n : int
        Number of nodes.

    Returns
    -------
    numpy.ndarray or None
        A permutation of the source positions; None when it would not change theirs.
    """
    if len(sources) < 3:
        return None
    if len(sources) * NODES_PER_SOURCE < n:
        order = np.argsort(sources, kind="stable")
    else:
        order = neighbour_order(indptr, indices, sources, n)
    return None if (np.diff(order) > 0).all() else order
