"""Snapping points to a street graph, with the walk to the network as access time.

Two methods:

- ``"node"``: each point goes to its nearest graph node; the access time is the straight
  walk to that node.
- ``"edge"``: each point goes to the nearest position on the nearest edge (osmnx's
  ``nearest_edges`` with the point projected onto the edge geometry). The access time is the
  straight walk to that position, and the point enters the network at both edge ends, at the
  share of the edge's travel time that lies between the position and each end (the far end
  of a one-way edge only in its direction).

Points farther than ``max_snap_m`` from the network are unreachable: they are reported, never
silently snapped.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import scipy.sparse as sp
import shapely

from planner.errors import InputError
from planner.network.graph import graph_to_csr, node_ids, node_xy
from planner.network.speeds import WALK_SPEED_KMH

SNAP_METHODS = ("node", "edge")


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
    """Snap points to their nearest graph node.

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
                csr: tuple[sp.csr_array, np.ndarray] | None = None) -> Snapped:
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
        Points farther than this from the network are unreachable.
    csr : tuple, optional
        ``graph_to_csr(graph)`` if already computed.

    Returns
    -------
    Snapped
    """
    if method not in SNAP_METHODS:
        raise InputError(f"unknown snap method {method!r}; use one of {list(SNAP_METHODS)}")
    if walk_speed_kmh <= 0:
        raise InputError("walk_speed_kmh must be positive")
    mat, nodes = graph_to_csr(graph) if csr is None else csr
    n = len(points)
    walk_m_per_s = walk_speed_kmh / 3.6
    node = np.full((n, 2), -1, dtype=np.int64)
    edge = np.full((n, 2), -1, dtype=np.int64)
    fraction = np.zeros(n)
    edge_s = np.full((n, 2), np.inf)
    if method == "node":
        ids, dist = snap(graph, points)
        node[:, 0] = pd.Index(nodes).get_indexer(ids)
        out_s = np.full((n, 2), np.inf)
        out_s[:, 0] = dist / walk_m_per_s
        in_s = out_s.copy()
    else:
        dist, node, out_s, in_s, edge, fraction, edge_s = _snap_edges(graph, points, mat,
                                                                     nodes, walk_m_per_s)
    ok = dist <= max_snap_m
    node[~ok] = -1
    out_s[~ok] = np.inf
    in_s[~ok] = np.inf
    return Snapped(node=node, out_s=out_s, in_s=in_s, distance_m=dist,
                   access_min=dist / walk_m_per_s / 60.0, ok=ok, edge=edge,
                   fraction=fraction, edge_s=edge_s)


def _snap_edges(graph: nx.MultiDiGraph, points: gpd.GeoSeries, mat: sp.csr_array,
                nodes: np.ndarray, walk_m_per_s: float) -> tuple[np.ndarray, ...]:
    """Nearest edge positions, vectorised with shapely's STRtree (as osmnx.nearest_edges)."""
    x, y = _xy(graph, points)
    n = len(x)
    edges = ox.convert.graph_to_gdfs(graph, nodes=False, fill_edge_geometry=True)
    geoms = edges.geometry.to_numpy()
    pts = shapely.points(x, y)
    hit, dist = shapely.STRtree(geoms).query_nearest(pts, all_matches=False,
                                                     return_distance=True)
    which = np.empty(n, dtype=np.int64)
    which[hit[0]] = hit[1]
    distance = np.empty(n)
    distance[hit[0]] = dist
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
    with np.errstate(invalid="ignore"):  # 0 * inf where the point sits on an end node
        out_s = walk[:, None] + np.stack([edge_share(g, t_ba), edge_share(1.0 - g, t_ab)], axis=1)
        in_s = walk[:, None] + np.stack([edge_share(g, t_ab), edge_share(1.0 - g, t_ba)], axis=1)
    return (distance, node, out_s, in_s, node.copy(), g, np.stack([t_ab, t_ba], axis=1))


def edge_share(share: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """``share * seconds``, with an impassable direction (inf) staying impassable."""
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


__all__ = ["SNAP_METHODS", "Snapped", "edge_lookup", "node_ids", "node_xy", "snap",
           "snap_points"]
