"""A street graph as arrays: node ids, node coordinates and a sparse matrix of edge weights.

The array form every routine works on (snapping, matrices, contraction, quality, walkable
areas): positions follow the graph's node order. It depends on nothing else of
:mod:`planner.network`, so that the graph readers (:mod:`planner.network.graph`) can use the
modules that use it.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.errors import InputError


def node_xy(graph: nx.MultiDiGraph) -> tuple[np.ndarray, np.ndarray]:
    """Return the node coordinates as two arrays in the graph's node order."""
    n = graph.number_of_nodes()
    x = np.fromiter((d["x"] for _, d in graph.nodes(data=True)), dtype=float, count=n)
    y = np.fromiter((d["y"] for _, d in graph.nodes(data=True)), dtype=float, count=n)
    return x, y


def node_ids(graph: nx.MultiDiGraph) -> np.ndarray:
    """Return the node ids in the graph's node order (int64)."""
    return np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())


def edge_ends(graph: nx.MultiDiGraph, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the matrix positions of every edge's two ends, in ``graph.edges`` order.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
    nodes : numpy.ndarray
        Node ids in matrix order (:func:`node_ids`).

    Returns
    -------
    u, v : numpy.ndarray
        Positions of the start and end node of each edge.
    """
    m = graph.number_of_edges()
    index = pd.Index(nodes)
    u = index.get_indexer(np.fromiter((e[0] for e in graph.edges), dtype=np.int64, count=m))
    v = index.get_indexer(np.fromiter((e[1] for e in graph.edges), dtype=np.int64, count=m))
    return u, v


def graph_to_csr(graph: nx.MultiDiGraph, weight: str = "travel_time"
                 ) -> tuple[sp.csr_array, np.ndarray]:
    """Return the graph as a sparse matrix of edge weights (the best parallel edge wins).

    Parameters
    ----------
    graph : networkx.MultiDiGraph
    weight : str
        Edge attribute to use (non-negative). Zero weights stay edges: scipy's csgraph
        treats explicitly stored zeros of a sparse matrix as edges.

    Returns
    -------
    matrix : scipy.sparse.csr_array
        ``matrix[i, j]`` is the weight of the best edge from node ``i`` to node ``j``.
    nodes : numpy.ndarray
        Node ids in matrix order.
    """
    nodes = node_ids(graph)
    m = graph.number_of_edges()
    u, v = edge_ends(graph, nodes)
    w = np.fromiter((np.nan if d is None else d for *_, d in graph.edges(data=weight)),
                    dtype=float, count=m)
    if not (w >= 0).all():
        raise InputError(f"graph: some edges have no {weight!r} or a negative one; "
                         "run prepare_graph first")
    return min_csr(u, v, w, len(nodes)), nodes


def min_csr(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> sp.csr_array:
    """Build an ``(n, n)`` CSR matrix of arcs ``u -> v``, keeping the least weight of duplicates.

    Parameters
    ----------
    u, v : numpy.ndarray
        Arc ends (matrix positions).
    w : numpy.ndarray
        Arc weights (zeros are kept as explicit entries).
    n : int
        Number of nodes.

    Returns
    -------
    scipy.sparse.csr_array
    """
    order = np.lexsort((w, v, u))  # by u, then v, then weight: the first of a run is best
    u, v, w = u[order], v[order], w[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    return sp.csr_array((w[first], (u[first], v[first])), shape=(n, n))
