"""How good a street graph is for travel times: components, dead ends, circuity.

A travel time is only as good as the graph it is routed on. :func:`graph_quality` measures
what makes OSM-based times go wrong, so that it is reported when a graph is built
(:func:`report_quality`, called by :func:`planner.network.graph.finish_graph`):

- strongly connected components, and the share of nodes in the largest one (points that
  snap elsewhere reach little or nothing);
- dead ends (nodes with one neighbour), and how many of them lie near the graph's outer edge
  (ways cut where an extract ends) rather than inside it (stubs, missing links);
- circuity: network distance over straight-line distance between random pairs of nodes of
  the largest component that are ``min_m`` to ``max_m`` apart (a city centre's walking
  network is typically 1.2-1.4; much more means missing links such as squares);
- the share of edges that are indoor, platform or private ways
  (:mod:`planner.network.tags`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components, dijkstra

from planner.errors import InputError
from planner.network.arrays import graph_to_csr, node_xy
from planner.network.snap import largest_component
from planner.network.tags import restricted_edges

#: A dead end closer than this to the convex hull of the nodes counts as cut at the edge.
EDGE_BAND_M = 50.0
#: Memory budget of one block of dense Dijkstra rows (bytes).
_BLOCK_BYTES = 64 * 2**20


@dataclass(frozen=True)
class GraphQuality:
    """The measures of :func:`graph_quality` (see the module docstring).

    Attributes
    ----------
    nodes, edges : int
    components : int
        Strongly connected components.
    largest_share : float
        Share of nodes in the largest strongly connected component.
    dead_ends : int
        Nodes with exactly one neighbour (either direction).
    dead_ends_at_edge : int
        Of these, those within ``EDGE_BAND_M`` of the convex hull of all nodes.
    restricted_share : float
        Share of edges that are indoor, platform or private ways.
    pairs : int
        Random node pairs measured for circuity.
    circuity_median, circuity_p90 : float
        Network over straight-line distance of those pairs (``nan`` if none).
    unreached_share : float
        Share of the pairs not reached within ``4 x max_m`` of network distance.
    min_m, max_m : float
        Straight-line distance band of the pairs.
    """

    nodes: int
    edges: int
    components: int
    largest_share: float
    dead_ends: int
    dead_ends_at_edge: int
    restricted_share: float
    pairs: int
    circuity_median: float
    circuity_p90: float
    unreached_share: float
    min_m: float
    max_m: float

    def as_dict(self) -> dict[str, float]:
        """Return the measures as a plain dict (for ``graph.graph["quality"]`` and JSON)."""
        return asdict(self)

    def summary(self) -> str:
        """Return the measures as one line a planner can read."""
        return (f"{self.nodes:,} nodes, {self.edges:,} edges; {self.components} strongly "
                f"connected components, the largest {self.largest_share:.1%} of the nodes; "
                f"{self.dead_ends:,} dead ends ({self.dead_ends_at_edge:,} at the outer edge); "
                f"{self.restricted_share:.1%} of edges indoor/platform/private; circuity of "
                f"{self.pairs} pairs {self.min_m:g}-{self.max_m:g} m apart: median "
                f"{self.circuity_median:.2f}, 90th percentile {self.circuity_p90:.2f}, "
                f"{self.unreached_share:.1%} not reached")


def _undirected_degree(mat: sp.csr_array) -> np.ndarray:
    n = mat.shape[0]
    coo = mat.tocoo()
    keep = coo.row != coo.col
    und = sp.csr_array((np.ones(2 * int(keep.sum())),
                        (np.r_[coo.row[keep], coo.col[keep]], np.r_[coo.col[keep], coo.row[keep]])),
                       shape=(n, n))
    und.sum_duplicates()
    return np.diff(und.indptr)


def circuity_pairs(length: sp.csr_array, x: np.ndarray, y: np.ndarray, nodes: np.ndarray,
                   n_pairs: int = 400, min_m: float = 200.0, max_m: float = 1000.0,
                   seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return the network and straight-line distances of random node pairs in a band.

    Sources are drawn at random from ``nodes``; each gets up to ten targets among ``nodes``
    whose straight-line distance lies in ``[min_m, max_m]``, drawn at random.

    Parameters
    ----------
    length : scipy.sparse.csr_array
        Edge lengths (metres).
    x, y : numpy.ndarray
        Node coordinates (metres), matrix order.
    nodes : numpy.ndarray
        Matrix positions pairs are drawn from.
    n_pairs : int
        Pairs wanted (fewer if the band holds fewer).
    min_m, max_m : float
        Straight-line distance band.
    seed : int
        Random seed (the pairs are deterministic for a given graph).

    Returns
    -------
    network_m, straight_m : numpy.ndarray
        One per pair; ``network_m`` is ``inf`` where the network distance exceeds
        ``4 * max_m`` or there is no path.
    """
    rng = np.random.default_rng(seed)
    per_source = 10
    n_src = min(len(nodes), max(1, -(-n_pairs // per_source)) * 2)
    if n_src == 0:
        return np.empty(0), np.empty(0)
    sources = rng.choice(nodes, n_src, replace=False)
    tree = shapely.STRtree(shapely.points(x[nodes], y[nodes]))
    src_list, tgt_list = [], []
    for s in sources.tolist():
        near = nodes[tree.query(shapely.Point(x[s], y[s]).buffer(max_m, quad_segs=4))]
        d = np.hypot(x[near] - x[s], y[near] - y[s])
        near = near[(d >= min_m) & (d <= max_m)]
        if len(near):
            pick = rng.choice(near, min(per_source, len(near)), replace=False)
            src_list.append(np.full(len(pick), s))
            tgt_list.append(pick)
        if sum(map(len, tgt_list)) >= n_pairs:
            break
    if not src_list:
        return np.empty(0), np.empty(0)
    src = np.concatenate(src_list)[:n_pairs]
    tgt = np.concatenate(tgt_list)[:n_pairs]
    uniq, row = np.unique(src, return_inverse=True)
    network_m = np.empty(len(src))
    step = max(1, _BLOCK_BYTES // (8 * length.shape[0]))  # dense rows kept under the budget
    for start in range(0, len(uniq), step):
        dist = dijkstra(length, directed=True, indices=uniq[start:start + step],
                        limit=4.0 * max_m)
        mine = (row >= start) & (row < start + step)
        network_m[mine] = dist[row[mine] - start, tgt[mine]]
    return network_m, np.hypot(x[tgt] - x[src], y[tgt] - y[src])


def graph_quality(graph: nx.MultiDiGraph, n_pairs: int = 400, min_m: float = 200.0,
                  max_m: float = 1000.0, seed: int = 0) -> GraphQuality:
    """Measure a street graph (see the module docstring).

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Projected graph (metres) with ``length`` on every edge.
    n_pairs : int
        Random node pairs for the circuity.
    min_m, max_m : float
        Their straight-line distance band.
    seed : int
        Random seed of the pairs.

    Returns
    -------
    GraphQuality
    """
    if graph.number_of_nodes() == 0:
        raise InputError("graph_quality: the graph has no nodes")
    length, nodes = graph_to_csr(graph, weight="length")
    n = len(nodes)
    x, y = node_xy(graph)
    count, _ = connected_components(length, directed=True, connection="strong")
    main = np.flatnonzero(largest_component(length))
    degree = _undirected_degree(length)
    dead = np.flatnonzero(degree == 1)
    hull = shapely.convex_hull(shapely.multipoints(np.c_[x, y]))
    at_edge = 0
    if len(dead) and hull.geom_type == "Polygon":
        at_edge = int((shapely.distance(hull.exterior, shapely.points(x[dead], y[dead]))
                       <= EDGE_BAND_M).sum())
    net, straight = circuity_pairs(length, x, y, main, n_pairs, min_m, max_m, seed)
    reached = np.isfinite(net)
    ratio = net[reached] / straight[reached]
    med, p90 = (np.percentile(ratio, [50, 90]) if len(ratio) else (np.nan, np.nan))
    m = graph.number_of_edges()
    return GraphQuality(
        nodes=n, edges=m, components=int(count), largest_share=float(len(main) / n),
        dead_ends=len(dead), dead_ends_at_edge=at_edge,
        restricted_share=float(restricted_edges(graph).mean()) if m else 0.0,
        pairs=len(net), circuity_median=float(med), circuity_p90=float(p90),
        unreached_share=float((~reached).mean()) if len(net) else 0.0,
        min_m=float(min_m), max_m=float(max_m))


def report_quality(graph: nx.MultiDiGraph, **kwargs: object) -> GraphQuality:
    """Measure a freshly built graph, keep the measures on it and log them.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The graph; ``graph.graph["quality"]`` receives :meth:`GraphQuality.as_dict`.
    **kwargs
        Passed to :func:`graph_quality`.

    Returns
    -------
    GraphQuality
    """
    quality = graph_quality(graph, **kwargs)
    graph.graph["quality"] = quality.as_dict()
    logging.getLogger("planner.network").info("graph %s: %s", graph.graph.get("mode", ""),
                                              quality.summary())
    return quality
