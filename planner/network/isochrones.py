"""Isochrones: the area within N minutes of a site, for maps.

:func:`isochrones` works on the street network: each isochrone is the union of the street
pieces reachable within the time, buffered by a few tens of metres (the walk from the street
to a door), in EPSG:3067. A street whose start is reachable but whose end is not is cut
where the time runs out. It is exact but slow on big graphs.

:func:`reach_areas` works on a travel-time table instead (fast): the area of a site and
limit is the concave hull of the site and the demand points whose travel time to it is
within the limit, widened by 40 m; it outlines where the residents who reach the site live.
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
from planner.network.arrays import graph_to_csr
from planner.network.snap import Snapping, snap_points
from planner.schema import CRS

__all__ = ["REACH_HULL_RATIO", "REACH_MARGIN_M", "isochrones", "reach_areas"]

#: Concave-hull ratio of :func:`reach_areas` (0: tightest, 1: convex hull).
REACH_HULL_RATIO = 0.4
#: Width added around a reach area's hull (metres).
REACH_MARGIN_M = 40.0


def isochrones(graph: nx.MultiDiGraph, sites: gpd.GeoSeries, minutes: Sequence[float],
               direction: str = "to_site", buffer_m: float = 50.0,
               snapping: Snapping | None = None) -> gpd.GeoDataFrame:
    """Return polygons of the area within each number of minutes of each site.

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
    snapping : Snapping, optional
        How the sites meet the network, as in :func:`planner.network.travel_times`
        (default :class:`~planner.network.snap.Snapping`); the site's walk to the network
        counts.

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
    sn = snapping or Snapping()
    snapped = snap_points(graph, sites, sn.snap, sn.walk_speed_kmh, sn.max_snap_m,
                          csr=(mat, nodes), component=sn.component)
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
    """Return the buffered union of the street pieces reached within ``limit_s``.

    ``best`` holds the seconds to each node.
    """
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


def reach_areas(site_xy: np.ndarray, demand_xy: np.ndarray, site: np.ndarray,
                origin: np.ndarray, minutes: np.ndarray, limits: Sequence[float]
                ) -> gpd.GeoDataFrame:
    """Return the area of the demand points within each limit of each site, from a table.

    Per site and limit: the concave hull (``REACH_HULL_RATIO``) of the site and the demand
    points within the limit, in the table's order, widened by ``REACH_MARGIN_M``; all hulls
    of a limit are made in one vectorised call.

    Parameters
    ----------
    site_xy : numpy.ndarray
        Shape (n_sites, 2): the sites' coordinates (EPSG:3067).
    demand_xy : numpy.ndarray
        Shape (n_demand, 2): the demand points' coordinates.
    site, origin, minutes : numpy.ndarray
        The travel-time table: per row a site (position in ``site_xy``), a demand point
        (position in ``demand_xy``) and the minutes between them.
    limits : sequence of float
        Time limits, ascending.

    Returns
    -------
    geopandas.GeoDataFrame
        ``site`` (position in ``site_xy``), ``minutes`` (the limit) and the area, by limit
        and then site; a site reaching no one within a limit has no row.
    """
    order = np.argsort(site, kind="stable")  # grouped by site, in the table's order
    k, origin, minutes = site[order], origin[order], minutes[order]
    rows: list[dict] = []
    for limit in limits:
        within = minutes <= limit
        kin = k[within]
        has = np.unique(kin)  # the sites reaching someone, in order
        if not len(has):
            continue
        # members: each site's own point first, then its demand points
        group = np.searchsorted(has, np.concatenate([has, kin]))
        first = np.r_[np.zeros(len(has), dtype=np.int8), np.ones(len(kin), dtype=np.int8)]
        xy = np.concatenate([site_xy[has], demand_xy[origin[within]]])
        members = np.lexsort((first, group))  # stable: demand points keep their order
        # a line through the points: the hull of its vertices is that of the points, and
        # one coordinate sequence per site is far cheaper to build than a point per vertex
        pts = shapely.linestrings(xy[members], indices=group[members])
        hulls = shapely.buffer(shapely.concave_hull(pts, ratio=REACH_HULL_RATIO),
                               REACH_MARGIN_M, quad_segs=16)  # as Geometry.buffer
        rows += [{"site": j, "minutes": limit, "geometry": h}
                 for j, h in zip(has.tolist(), hulls, strict=True)]
    return gpd.GeoDataFrame(rows, columns=["site", "minutes", "geometry"], geometry="geometry",
                            crs=CRS)
