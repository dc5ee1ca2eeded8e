"""Snapping points to a street graph, with the walk to the network as access time.

Two methods:

- ``"node"``: each point goes to its nearest graph node; the access time is the straight
  walk to that node.
- ``"edge"``: each point goes to the nearest position on the nearest edge (osmnx's
  ``nearest_edges`` with the point projected onto the edge geometry). The access time is the
  straight walk to that position, and the point enters the network at both edge ends, at the
  share of the edge's travel time that lies between the position and each end (the far end
  of a one-way edge only in its direction).

Where a point may snap (:func:`snap_targets`): by default only to the largest strongly
connected component of the graph (a point snapped to an island of three footways, a metro
platform or a one-way loop reaches nothing, or reaches it the long way round), and not to
indoor, platform or private ways (:mod:`planner.network.tags`) unless none of the other ways
lies within ``max_snap_m``. ``Snapped.restricted`` tells which points fell back to such a way.

Points farther than ``max_snap_m`` from the network are unreachable: they are reported, never
silently snapped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from planner.errors import InputError
from planner.network.arrays import edge_ends, graph_to_csr, node_ids, node_xy
from planner.network.speeds import WALK_SPEED_KMH
from planner.network.tags import restricted_edges

SNAP_METHODS = ("node", "edge")
#: Where points may snap: the largest strongly connected component, or any node.
SNAP_COMPONENTS = ("largest", "any")


@dataclass(frozen=True)
class Snapping:
    """How points meet the network, for travel times and isochrones alike.

    Attributes
    ----------
    walk_speed_kmh : float
        Speed of the walk between a point and the network.
    max_snap_m : float
        Points farther than this from the network are unreachable.
    snap : {"node", "edge"}
        Snap to the nearest node, or to the nearest position on the nearest edge.
    component : {"largest", "any"}
        Snap to the largest strongly connected component only (default), or to any node.
    """

    walk_speed_kmh: float = WALK_SPEED_KMH
    max_snap_m: float = 500.0
    snap: str = "node"
    component: str = "largest"


@dataclass(frozen=True)
class SnapTargets:
    """The nodes and edges points may snap to, on one graph.

    Attributes
    ----------
    main : numpy.ndarray
        Per matrix node: in the component points snap to.
    edge_main : numpy.ndarray
        Per edge (``graph.edges`` order): both ends in that component.
    edge_ok : numpy.ndarray
        ``edge_main`` and not an indoor, platform or private way.
    u, v : numpy.ndarray
        Matrix positions of each edge's ends (:func:`planner.network.arrays.edge_ends`).
    graph : networkx.MultiDiGraph
        The graph, for :attr:`edges`.
    """

    main: np.ndarray
    edge_main: np.ndarray
    edge_ok: np.ndarray
    u: np.ndarray
    v: np.ndarray
    graph: nx.MultiDiGraph = field(repr=False, compare=False)

    @cached_property
    def edges(self) -> gpd.GeoDataFrame:
        """Return the graph's edges with their geometries, built once for every snap."""
        return ox.convert.graph_to_gdfs(self.graph, nodes=False, fill_edge_geometry=True)


def largest_component(mat: sp.csr_array) -> np.ndarray:
    """Nodes of the largest strongly connected component (boolean per matrix node).

    Ties go to the component of the lowest node position, so the result is deterministic.

    Parameters
    ----------
    mat : scipy.sparse.csr_array
        Edge weights.

    Returns
    -------
    numpy.ndarray
    """
    if mat.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    _, label = connected_components(mat, directed=True, connection="strong")
    return label == np.argmax(np.bincount(label))


def snap_targets(graph: nx.MultiDiGraph, csr: tuple[sp.csr_array, np.ndarray] | None = None,
                 component: str = "largest") -> SnapTargets:
    """Return where points may snap on a graph (see the module docstring).

    Parameters
    ----------
    graph : networkx.MultiDiGraph
    csr : tuple, optional
        ``graph_to_csr(graph)`` if already computed.
    component : {"largest", "any"}
        Snap only to the largest strongly connected component and avoid indoor, platform
        and private ways, or snap to the nearest node or edge of any way.

    Returns
    -------
    SnapTargets
    """
    if component not in SNAP_COMPONENTS:
        raise InputError(f"unknown snap component {component!r}; use one of "
                         f"{list(SNAP_COMPONENTS)}")
    mat, nodes = graph_to_csr(graph) if csr is None else csr
    main = largest_component(mat) if component == "largest" else np.ones(len(nodes), bool)
    u, v = edge_ends(graph, nodes)
    edge_main = main[u] & main[v] if len(u) else np.zeros(0, dtype=bool)
    ok = edge_main if component == "any" else edge_main & ~restricted_edges(graph)
    return SnapTargets(main=main, edge_main=edge_main, edge_ok=ok, u=u, v=v, graph=graph)


@dataclass(frozen=True)
class Snapped:
    """Where points meet the network.

    Attributes
    ----------
    node : numpy.ndarray
        ``(n, 2)`` matrix positions of the entry nodes of each point (``-1`` = none). With the
        node method, column 1 is always ``-1``.
    out_s : numpy.ndarray
        ``(n, 2)`` seconds from the point to each entry node: the walk to the network plus
        the travel along the edge (``inf`` where there is no entry node or way).
    in_s : numpy.ndarray
        ``(n, 2)`` seconds from each entry node to the point.
    distance_m : numpy.ndarray
        Straight-line distance from each point to the network (metres).
    access_min : numpy.ndarray
        ``distance_m`` walked at the walking speed (minutes).
    ok : numpy.ndarray
        ``True`` where the point is within ``max_snap_m`` of the network.
    edge : numpy.ndarray
        ``(n, 2)`` canonical edge ``(a, b)`` (``a < b`` matrix positions) of edge snapping,
        ``-1`` with the node method; with ``fraction`` (from ``a``) and ``edge_s``
        (``a -> b`` and ``b -> a`` seconds, ``inf`` if one-way) it gives the direct time
        between two points on the same street.
    fraction : numpy.ndarray
    edge_s : numpy.ndarray
    restricted : numpy.ndarray, optional
        ``True`` where the point snapped to an indoor, platform or private way because no
        other way of the component lies within ``max_snap_m``.
    """

    node: np.ndarray
    out_s: np.ndarray
    in_s: np.ndarray
    distance_m: np.ndarray
    access_min: np.ndarray
    ok: np.ndarray
    edge: np.ndarray
    fraction: np.ndarray
    edge_s: np.ndarray
    restricted: np.ndarray | None = None

    @property
    def unreachable(self) -> list[int]:
        """Positions of the points too far from the network."""
        return np.flatnonzero(~self.ok).tolist()


def _xy(graph: nx.MultiDiGraph, points: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    if points.crs is None:
        raise InputError("points have no CRS; set one (EPSG:3067 or EPSG:4326)")
    pts = points.to_crs(graph.graph["crs"])
    if len(pts) and (pts.is_empty | pts.isna()).any():
        raise InputError("points include empty or missing geometries")
    pts = pts.representative_point() if len(pts) else pts
    return pts.x.to_numpy(dtype=float), pts.y.to_numpy(dtype=float)


def snap(graph: nx.MultiDiGraph, points: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Snap points to their nearest graph node, whatever its component or way.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Graph in EPSG:3067.
    points : geopandas.GeoSeries
        Points (any geometry: its representative point is used), converted to the graph CRS.

    Returns
    -------
    nodes : numpy.ndarray
        Nearest node id of each point.
    distance_m : numpy.ndarray
        Straight-line distance from each point to its node (metres).
    """
    x, y = _xy(graph, points)
    if len(x) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=float)
    nodes, dist = ox.distance.nearest_nodes(graph, x, y, return_dist=True)
    return np.asarray(nodes, dtype=np.int64), np.asarray(dist, dtype=float)


def snap_points(graph: nx.MultiDiGraph, points: gpd.GeoSeries, method: str = "node",
                walk_speed_kmh: float = WALK_SPEED_KMH, max_snap_m: float = 500.0,
                csr: tuple[sp.csr_array, np.ndarray] | None = None,
                component: str = "largest", targets: SnapTargets | None = None) -> Snapped:
    """Snap points to the network and price the walk to it.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Graph in EPSG:3067 with ``travel_time`` (seconds) on every edge.
    points : geopandas.GeoSeries
        Points in any CRS (polygons: their representative point).
    method : {"node", "edge"}
        Nearest node, or nearest position on the nearest edge.
    walk_speed_kmh : float
        Speed of the walk between a point and the network.
    max_snap_m : float
        Points farther than this from the network are unreachable; an indoor, platform or
        private way is used only where no other way lies within this distance.
    csr : tuple, optional
        ``graph_to_csr(graph)`` if already computed.
    component : {"largest", "any"}
        Snap to the largest strongly connected component only, avoiding indoor, platform
        and private ways (default), or to the nearest node or edge of any way.
    targets : SnapTargets, optional
        ``snap_targets(graph, csr, component)`` if already computed (``component`` is then
        ignored).

    Returns
    -------
    Snapped
    """
    if method not in SNAP_METHODS:
        raise InputError(f"unknown snap method {method!r}; use one of {list(SNAP_METHODS)}")
    if walk_speed_kmh <= 0:
        raise InputError("walk_speed_kmh must be positive")
    mat, nodes = graph_to_csr(graph) if csr is None else csr
    if targets is None:
        targets = snap_targets(graph, (mat, nodes), component)
    n = len(points)
    walk_m_per_s = walk_speed_kmh / 3.6
    node = np.full((n, 2), -1, dtype=np.int64)
    edge = np.full((n, 2), -1, dtype=np.int64)
    fraction = np.zeros(n)
    edge_s = np.full((n, 2), np.inf)
    if method == "node":
        pos, dist, restricted = _snap_nodes(graph, points, targets, max_snap_m)
        node[:, 0] = pos
        out_s = np.full((n, 2), np.inf)
        out_s[:, 0] = dist / walk_m_per_s
        in_s = out_s.copy()
    else:
        dist, node, out_s, in_s, edge, fraction, edge_s, restricted = _snap_edges(
            graph, points, mat, nodes, walk_m_per_s, targets, max_snap_m)
    ok = dist <= max_snap_m
    node[~ok] = -1
    out_s[~ok] = np.inf
    in_s[~ok] = np.inf
    return Snapped(node=node, out_s=out_s, in_s=in_s, distance_m=dist,
                   access_min=dist / walk_m_per_s / 60.0, ok=ok, edge=edge,
                   fraction=fraction, edge_s=edge_s, restricted=restricted & ok)


def _tiered(first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray],
            fallback_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Take the second candidate where the first is beyond ``fallback_m`` and it is nearer.

    Each candidate is ``(which, distance)``; ``which`` is ``-1`` where there is none.
    """
    which1, d1 = first
    which2, d2 = second
    use2 = (d1 > fallback_m) & (d2 < d1)
    return np.where(use2, which2, which1), np.where(use2, d2, d1), use2


def _nearest(tree_xy: np.ndarray, candidates: np.ndarray, x: np.ndarray, y: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Return the nearest of ``candidates`` (positions; coordinates ``tree_xy``) to each point."""
    if not len(candidates):
        return np.full(len(x), -1, dtype=np.int64), np.full(len(x), np.inf)
    dist, at = cKDTree(tree_xy).query(np.c_[x, y], k=1)
    return candidates[at], np.asarray(dist, dtype=float)


def _snap_nodes(graph: nx.MultiDiGraph, points: gpd.GeoSeries, targets: SnapTargets,
                fallback_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the nearest node of an allowed edge, else of any edge of the component (KD-tree)."""
    x, y = _xy(graph, points)
    nx_, ny_ = node_xy(graph)
    u, v = targets.u, targets.v
    tiers = []
    for mask in (targets.edge_ok, targets.edge_main):
        cand = np.unique(np.r_[u[mask], v[mask]])
        if not len(u):  # a graph without edges: every node of the component
            cand = np.flatnonzero(targets.main)
        tiers.append(_nearest(np.c_[nx_[cand], ny_[cand]], cand, x, y))
    pos, dist, restricted = _tiered(tiers[0], tiers[1], fallback_m)
    return pos, dist, restricted


def _snap_edges(graph: nx.MultiDiGraph, points: gpd.GeoSeries, mat: sp.csr_array,
                nodes: np.ndarray, walk_m_per_s: float, targets: SnapTargets,
                fallback_m: float) -> tuple[np.ndarray, ...]:
    """Return the nearest edge positions, by shapely's STRtree (as osmnx.nearest_edges)."""
    x, y = _xy(graph, points)
    n = len(x)
    edges = targets.edges
    geoms = edges.geometry.to_numpy()
    pts = shapely.points(x, y)
    tiers = []
    for mask in (targets.edge_ok, targets.edge_main):
        cand = np.flatnonzero(mask)
        which = np.full(n, -1, dtype=np.int64)
        distance = np.full(n, np.inf)
        if len(cand) and n:
            hit, dist = shapely.STRtree(geoms[cand]).query_nearest(
                pts, all_matches=False, return_distance=True)
            which[hit[0]] = cand[hit[1]]
            distance[hit[0]] = dist
        tiers.append((which, distance))
    which, distance, restricted = _tiered(tiers[0], tiers[1], fallback_m)
    found = which >= 0
    which = np.where(found, which, 0)
    index = pd.Index(nodes)
    u = index.get_indexer(edges.index.get_level_values(0).to_numpy()[which])
    v = index.get_indexer(edges.index.get_level_values(1).to_numpy()[which])
    t_uv = edges["travel_time"].to_numpy(dtype=float)[which]
    t_vu = edge_lookup(mat, v, u)  # the fastest reverse edge, inf on a one-way street
    f = shapely.line_locate_point(geoms[which], pts, normalized=True) if n else np.empty(0)
    # canonical orientation a < b so that two points on the same street compare directly
    flip = u > v
    a, b = np.where(flip, v, u), np.where(flip, u, v)
    g = np.where(flip, 1.0 - f, f)
    t_ab, t_ba = np.where(flip, t_vu, t_uv), np.where(flip, t_uv, t_vu)
    walk = distance / walk_m_per_s
    node = np.stack([a, b], axis=1)
    node[~found] = -1
    with np.errstate(invalid="ignore"):  # 0 * inf where the point sits on an end node
        out_s = walk[:, None] + np.stack([edge_share(g, t_ba), edge_share(1.0 - g, t_ab)], axis=1)
        in_s = walk[:, None] + np.stack([edge_share(g, t_ab), edge_share(1.0 - g, t_ba)], axis=1)
    return (distance, node, out_s, in_s, node.copy(), g, np.stack([t_ab, t_ba], axis=1),
            restricted)


def edge_share(share: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Return ``share * seconds``, with an impassable direction (inf) staying impassable."""
    return np.where(np.isinf(seconds), np.inf, share * np.where(np.isinf(seconds), 0, seconds))


def edge_lookup(mat: sp.csr_array, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Weights ``mat[rows, cols]``, ``inf`` where no edge is stored (explicit zeros are edges).

    Parameters
    ----------
    mat : scipy.sparse.csr_array
    rows, cols : numpy.ndarray
        Matrix positions of equal length.

    Returns
    -------
    numpy.ndarray
    """
    csr = sp.csr_array(mat, copy=True)
    csr.sum_duplicates()  # sorts the column indices of every row
    n = csr.shape[1]
    keys = np.repeat(np.arange(csr.shape[0], dtype=np.int64), np.diff(csr.indptr)) * n \
        + csr.indices
    want = np.asarray(rows, dtype=np.int64) * n + np.asarray(cols, dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, want), max(len(keys) - 1, 0))
    found = (keys[at] == want) if len(keys) else np.zeros(len(want), dtype=bool)
    return np.where(found, csr.data[at] if len(keys) else 0.0, np.inf)


__all__ = ["SNAP_COMPONENTS", "SNAP_METHODS", "SnapTargets", "Snapped", "edge_lookup",
           "largest_component", "node_ids", "node_xy", "snap", "snap_points", "snap_targets"]
