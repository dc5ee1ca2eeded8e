"""Reader for Beasley's OR-Library p-median instances (``pmedN.txt``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from planner.errors import InputError


@dataclass(frozen=True)
class OrlibInstance:
    """An OR-Library p-median instance.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"pmed1"``.
    cost : numpy.ndarray
        ``n x n`` shortest-path distances between the nodes (clients = sites = nodes).
    p : int
        Number of medians.
    n_edges : int
        Edge lines in the file.
    """

    name: str
    cost: np.ndarray
    p: int
    n_edges: int


def read_orlib_pmed(path: str | Path) -> OrlibInstance:
    """Read a ``pmedN.txt`` file and compute its distance matrix.

    The file holds ``n m p`` then ``m`` lines ``i j cost`` of undirected edges (nodes
    1-based). Where an edge is listed more than once the last line wins, as in Beasley's
    description. Distances are shortest paths over the graph (Dijkstra, scipy csgraph).

    Raises
    ------
    InputError
        When the file is not in this format or its graph is not connected.
    """
    path = Path(path)
    try:
        tokens = path.read_text().split()
        n, m, p = (int(t) for t in tokens[:3])
        edges = np.asarray(tokens[3 : 3 + 3 * m], dtype=np.int64).reshape(m, 3)
    except (OSError, ValueError) as exc:
        raise InputError(
            f"{path}: not an OR-Library p-median file ({exc}); "
            "expected 'n m p' then m lines 'i j cost'"
        ) from exc
    i, j, c = edges[:, 0] - 1, edges[:, 1] - 1, edges[:, 2].astype(float)
    if i.min() < 0 or j.min() < 0 or i.max() >= n or j.max() >= n:
        raise InputError(f"{path}: an edge names a node outside 1..{n}")
    a, b = np.minimum(i, j), np.maximum(i, j)
    key = a * n + b
    # The last listing of each edge wins: keep the last occurrence of every key.
    _, last_rev = np.unique(key[::-1], return_index=True)
    last = key.size - 1 - last_rev
    g = sp.coo_matrix((c[last], (a[last], b[last])), shape=(n, n)).tocsr()
    dist = shortest_path(g, method="D", directed=False)
    if not np.all(np.isfinite(dist)):
        raise InputError(f"{path}: the graph is not connected")
    return OrlibInstance(path.stem, dist, p, m)
