"""Travel networks and travel-time matrices.

Graphs are osmnx-compatible ``networkx.MultiDiGraph`` objects projected to EPSG:3067 with
``travel_time`` (seconds) on every edge. Matrices run scipy's Dijkstra from the (fewer)
destinations over the reversed graph with a cut-off, so cost grows with the number of sites
and the area within the cut-off, not with the number of residents.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from planner.schema import CRS

#: Walking speed (km/h) for walk graphs and for the walk from a point to its snapped node.
WALK_SPEED_KMH = 4.5
#: Finnish default driving speeds (km/h) by OSM highway class where ``maxspeed`` is missing:
#: 50 km/h is the general limit in built-up areas, 80 km/h outside them, 120 on motorways.
DRIVE_SPEEDS_KMH = {
    "motorway": 120.0, "motorway_link": 60.0, "trunk": 100.0, "trunk_link": 50.0,
    "primary": 60.0, "primary_link": 40.0, "secondary": 50.0, "secondary_link": 40.0,
    "tertiary": 50.0, "tertiary_link": 40.0, "unclassified": 40.0, "residential": 30.0,
    "living_street": 20.0, "service": 20.0,
}
DRIVE_FALLBACK_KMH = 40.0
#: Smallest edge time (s); csgraph treats zero weights as missing edges in some inputs.
_MIN_EDGE_S = 1e-6


def prepare_graph(graph: nx.MultiDiGraph, mode: str,
                  walk_speed_kmh: float = WALK_SPEED_KMH) -> nx.MultiDiGraph:
    """Project a graph to EPSG:3067 and put ``speed_kph`` and ``travel_time`` on every edge.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        osmnx-compatible graph (``crs`` in ``graph.graph``, ``length`` in metres on edges).
    mode : {"walk", "drive"}
        ``walk`` uses ``walk_speed_kmh`` on every edge; ``drive`` uses ``maxspeed`` where
        tagged and ``DRIVE_SPEEDS_KMH`` per highway class elsewhere (osmnx
        ``add_edge_speeds``/``add_edge_travel_times``).
    walk_speed_kmh : float
        Walking speed (km/h).

    Returns
    -------
    networkx.MultiDiGraph
        A new graph in EPSG:3067.
    """
    for _, data in graph.nodes(data=True):
        data.pop("geometry", None)  # pyrosm keeps a lon/lat Point; x/y are authoritative
    g = ox.project_graph(graph, to_crs=CRS)
    if mode == "walk":
        nx.set_edge_attributes(g, walk_speed_kmh, "speed_kph")
        g = ox.add_edge_travel_times(g)
    elif mode == "drive":
        g = ox.add_edge_speeds(g, hwy_speeds=DRIVE_SPEEDS_KMH, fallback=DRIVE_FALLBACK_KMH)
        g = ox.add_edge_travel_times(g)
    else:
        raise ValueError(f"unknown travel mode {mode!r}; use 'walk' or 'drive'")
    g.graph["mode"] = mode
    return g


def node_xy(graph: nx.MultiDiGraph) -> tuple[np.ndarray, np.ndarray]:
    """Node coordinates as two arrays in the graph's node order."""
    xy = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)], dtype=float)
    return xy[:, 0], xy[:, 1]


def graph_to_csr(graph: nx.MultiDiGraph, weight: str = "travel_time"
                 ) -> tuple[sp.csr_array, np.ndarray]:
    """The graph as a sparse matrix of edge weights (the fastest parallel edge wins).

    Parameters
    ----------
    graph : networkx.MultiDiGraph
    weight : str
        Edge attribute to use.

    Returns
    -------
    matrix : scipy.sparse.csr_array
        ``matrix[i, j]`` is the weight of the best edge from node ``i`` to node ``j``.
    nodes : numpy.ndarray
        Node ids in matrix order.
    """
    nodes = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    pos = pd.Series(np.arange(len(nodes)), index=nodes)
    u, v, w = zip(*graph.edges(data=weight), strict=True) if graph.number_of_edges() else ((),) * 3
    edges = pd.DataFrame({"u": pos.loc[list(u)].to_numpy(), "v": pos.loc[list(v)].to_numpy(),
                          "w": np.maximum(np.asarray(w, dtype=float), _MIN_EDGE_S)})
    best = edges.groupby(["u", "v"], sort=True)["w"].min().reset_index()
    mat = sp.csr_array((best["w"].to_numpy(), (best["u"].to_numpy(), best["v"].to_numpy())),
                       shape=(len(nodes), len(nodes)))
    return mat, nodes


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
    pts = points.to_crs(graph.graph["crs"]).representative_point()
    nodes, dist = ox.distance.nearest_nodes(graph, pts.x.to_numpy(), pts.y.to_numpy(),
                                            return_dist=True)
    return np.asarray(nodes, dtype=np.int64), np.asarray(dist, dtype=float)


def travel_times(graph: nx.MultiDiGraph, origins: gpd.GeoSeries,
                 destinations: gpd.GeoSeries, cutoff_min: float,
                 walk_speed_kmh: float = WALK_SPEED_KMH,
                 max_snap_m: float = 500.0) -> pd.DataFrame:
    """Travel times from every origin to every destination within a cut-off.

    The time of a pair is the walk from the origin to its nearest node, the network time
    between the nodes, and the walk from the destination's node to the destination.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Graph in EPSG:3067 with ``travel_time`` (seconds) on every edge.
    origins, destinations : geopandas.GeoSeries
        Points; rows are identified by position (0..n-1) in the result.
    cutoff_min : float
        Pairs slower than this (minutes) are left out.
    walk_speed_kmh : float
        Speed of the walk between a point and its snapped node.
    max_snap_m : float
        Points farther than this from the network are unreachable (no rows).

    Returns
    -------
    pandas.DataFrame
        Long table with columns ``origin``, ``destination`` (row positions) and ``minutes``,
        sorted by origin then destination. Unreachable pairs are absent, never zero.
        ``attrs["unreachable_origins"]`` / ``attrs["unreachable_destinations"]`` list the
        positions of points farther than ``max_snap_m`` from the network.
    """
    mat, nodes = graph_to_csr(graph)
    pos = pd.Series(np.arange(len(nodes)), index=nodes)
    o_node, o_dist = snap(graph, origins)
    d_node, d_dist = snap(graph, destinations)
    walk_m_per_min = walk_speed_kmh * 1000.0 / 60.0
    o_access = o_dist / walk_m_per_min
    d_access = d_dist / walk_m_per_min
    o_ok = o_dist <= max_snap_m
    d_ok = np.flatnonzero(d_dist <= max_snap_m)
    empty = pd.DataFrame({"origin": pd.Series(dtype=np.int64),
                          "destination": pd.Series(dtype=np.int64),
                          "minutes": pd.Series(dtype=float)})
    result = empty
    if len(d_ok) and o_ok.any():
        d_pos = pos.loc[d_node[d_ok]].to_numpy()
        uniq, inverse = np.unique(d_pos, return_inverse=True)
        # times from each destination node backwards = times to it on the reversed graph
        sec = dijkstra(mat.T.tocsr(), directed=True, indices=uniq,
                       limit=cutoff_min * 60.0)  # shape (n_unique_dest_nodes, n_nodes)
        o_pos = pos.loc[o_node].to_numpy()
        net_min = sec[inverse][:, o_pos] / 60.0  # (n_dest_ok, n_origins)
        total = net_min + d_access[d_ok][:, None] + o_access[None, :]
        total[:, ~o_ok] = np.inf
        di, oi = np.nonzero(total <= cutoff_min)
        result = pd.DataFrame({"origin": oi.astype(np.int64),
                               "destination": d_ok[di].astype(np.int64),
                               "minutes": total[di, oi]})
        result = result.sort_values(["origin", "destination"], kind="stable")
        result = result.reset_index(drop=True)
    result.attrs["unreachable_origins"] = np.flatnonzero(~o_ok).tolist()
    result.attrs["unreachable_destinations"] = np.flatnonzero(d_dist > max_snap_m).tolist()
    return result
