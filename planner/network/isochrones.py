"""Isochrones: the area within N minutes of a site on the street network, for maps.

Each isochrone is the union of the street pieces reachable within the time, buffered by a
few tens of metres (the walk from the street to a door), in EPSG:3067. A street whose start
is reachable but whose end is not is cut where the time runs out.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from planner.errors import InputError
from planner.network.graph import graph_to_csr
from planner.network.snap import snap_points
from planner.network.speeds import WALK_SPEED_KMH
from planner.schema import CRS


def isochrones(graph: nx.MultiDiGraph, sites: gpd.GeoSeries, minutes: Sequence[float],
               direction: str = "to_site", buffer_m: float = 50.0,
               walk_speed_kmh: float = WALK_SPEED_KMH, max_snap_m: float = 500.0,
               snap: str = "node", component: str = "largest") -> gpd.GeoDataFrame:
    """Polygons of the area within each number of minutes of each site.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Graph in EPSG:3067 with ``travel_time`` (seconds) on every edge.
    sites : geopandas.GeoSeries
        Site locations (any CRS).
    minutes : sequence of float
        Time limits, e.g. ``[5, 10, 15]``.
    direction : {"to_site", "from_site"}
        Travel towards the site (residents' trips; one-way streets reversed) or from it.
    buffer_m : float
        Width added around reachable streets (metres).
    walk_speed_kmh, max_snap_m, snap, component
        As in :func:`planner.network.travel_times`; the site's walk to the network counts.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per site and limit: ``site`` (position in ``sites``), ``minutes``, geometry
        (a Polygon or MultiPolygon, empty if the site is off the network), EPSG:3067.
    """
    if direction not in ("to_site", "from_site"):
        raise InputError(f"isochrones: direction must be 'to_site' or 'from_site', "
                         f"not {direction!r}")
    limits = sorted({float(m) for m in minutes})
    if not limits or limits[0] < 0:
        raise InputError("isochrones: give at least one limit >= 0 minutes")
    mat, nodes = graph_to_csr(graph)
    snapped = snap_points(graph, sites, snap, walk_speed_kmh, max_snap_m, csr=(mat, nodes),
                          component=component)
    forward = direction == "from_site"
    off = snapped.out_s if forward else snapped.in_s
    edges = ox.convert.graph_to_gdfs(graph, nodes=False, fill_edge_geometry=True)
    index = pd.Index(nodes)
    eu = index.get_indexer(edges.index.get_level_values(0))
    ev = index.get_indexer(edges.index.get_level_values(1))
    tt = edges["travel_time"].to_numpy(dtype=float)
    lines = edges.geometry.to_numpy()
    if not forward:  # walking an edge towards the site: reach it from its far end
        eu, ev = ev, eu
        lines = shapely.reverse(lines)
    entries = snapped.node[snapped.node >= 0]
    uniq, inv = np.unique(entries, return_inverse=True)
    slot = np.full(snapped.node.shape, -1, dtype=np.int64)
    slot[snapped.node >= 0] = inv
    graph_dir = mat if forward else mat.T.tocsr()
    dist = (dijkstra(graph_dir, directed=True, indices=uniq, limit=limits[-1] * 60.0)
            if len(uniq) else np.empty((0, len(nodes))))
    rows = []
    for s in range(len(sites)):
        best = np.full(len(nodes), np.inf)
        for k in range(2):
            if slot[s, k] >= 0:
                np.minimum(best, dist[slot[s, k]] + off[s, k], out=best)
        for limit in limits:
            rows.append({"site": s, "minutes": limit,
                         "geometry": _area(best, eu, tt, lines, limit * 60.0, buffer_m)})
    return gpd.GeoDataFrame(rows, columns=["site", "minutes", "geometry"], geometry="geometry",
                            crs=CRS)


def _area(best: np.ndarray, eu: np.ndarray, tt: np.ndarray, lines: np.ndarray,
          limit_s: float, buffer_m: float) -> shapely.Geometry:
    """Buffered union of the street pieces reached within ``limit_s`` from the times ``best``."""
    start = best[eu]
    whole = start + tt <= limit_s
    part = (start <= limit_s) & ~whole
    share = (limit_s - start[part]) / np.where(tt[part] > 0, tt[part], 1.0)
    pieces = [substring(line, 0.0, float(f), normalized=True)
              for line, f in zip(lines[part], share, strict=True)]
    geoms = [*lines[whole], *pieces]
    if not geoms:
        return shapely.Polygon()
    return shapely.buffer(shapely.union_all(geoms), buffer_m)
