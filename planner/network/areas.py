"""Walkable areas (pedestrian squares) as links of the walking network.

OpenStreetMap maps a square or a pedestrian zone as an *area*: a closed way or multipolygon
tagged ``highway=pedestrian`` (or ``footway``) with ``area=yes``. Network readers drop
areas (pyrosm's and osmnx's walking filters exclude ``area=yes``), so the ways that end at
a square end in the void, and a walk across the square goes around it or does not exist.
:func:`add_area_links` puts the square back: every pair of graph nodes on or inside the area
whose straight segment stays inside it is joined by a straight walking edge (a visibility
graph; for large areas the edges of the nodes' Delaunay triangulation that stay inside).
"""

from __future__ import annotations

import warnings
from itertools import combinations
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from planner.network.arrays import node_ids, node_xy
from planner.network.speeds import WALK_SPEED_KMH
from planner.schema import CRS

#: OSM highway classes that are walkable when mapped as an area.
AREA_HIGHWAYS = ("pedestrian", "footway")
#: Nodes within this distance of an area (metres) count as on it.
AREA_TOLERANCE_M = 1.0
#: Above this many nodes on one area, link Delaunay neighbours instead of every pair.
MAX_PAIRWISE_NODES = 150


def _walkable(features: gpd.GeoDataFrame | None) -> gpd.GeoSeries:
    """Return the polygons of walkable areas among OSM features, in EPSG:3067."""
    if features is None or len(features) == 0 or "highway" not in features:
        return gpd.GeoSeries([], crs=CRS)
    area = features["area"] if "area" in features else pd.Series("", index=features.index)
    keep = (features["highway"].isin(AREA_HIGHWAYS) & (area == "yes")
            & features.geom_type.isin(["Polygon", "MultiPolygon"]))
    return gpd.GeoSeries(features.geometry[keep].to_numpy(), crs=features.crs).to_crs(CRS)


def areas_from_pbf(path: str | Path, bounding_box: list[float] | None = None
                   ) -> gpd.GeoSeries:
    """Read the walkable areas of a local ``.osm.pbf`` file (pyrosm).

    Parameters
    ----------
    path : str or pathlib.Path
    bounding_box : list of float, optional
        ``[minx, miny, maxx, maxy]`` in degrees.

    Returns
    -------
    geopandas.GeoSeries
        Polygons in EPSG:3067.
    """
    import pyrosm

    return areas_from_osm(pyrosm.OSM(str(path), bounding_box=bounding_box))


def areas_from_osm(osm: object) -> gpd.GeoSeries:
    """Read the walkable areas of an open ``pyrosm.OSM`` reader.

    Parameters
    ----------
    osm : pyrosm.OSM

    Returns
    -------
    geopandas.GeoSeries
        Polygons in EPSG:3067.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        features = osm.get_data_by_custom_criteria(
            custom_filter={"highway": list(AREA_HIGHWAYS)}, filter_type="keep",
            keep_nodes=False, keep_ways=True, keep_relations=True)
    return _walkable(features)


def areas_from_xml(path: str | Path) -> gpd.GeoSeries:
    """Read the walkable areas of a local OSM XML file (osmnx).

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    geopandas.GeoSeries
        Polygons in EPSG:3067.
    """
    return _osmnx_areas("features_from_xml", path)


def areas_from_polygon(polygon: BaseGeometry) -> gpd.GeoSeries:
    """Download the walkable areas inside a polygon (EPSG:4326) from Overpass (osmnx).

    Parameters
    ----------
    polygon : shapely.Polygon or shapely.MultiPolygon

    Returns
    -------
    geopandas.GeoSeries
        Polygons in EPSG:3067.
    """
    return _osmnx_areas("features_from_polygon", polygon)


def _osmnx_areas(reader: str, source: object) -> gpd.GeoSeries:
    """Read walkable areas with one of osmnx's feature readers (none if it finds none)."""
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError  # osmnx: nothing matched

    try:
        features = getattr(ox, reader)(source, tags={"highway": list(AREA_HIGHWAYS)})
    except InsufficientResponseError:
        return gpd.GeoSeries([], crs=CRS)
    return _walkable(features)


def _candidate_pairs(xy: np.ndarray) -> list[tuple[int, int]]:
    """Return every pair of few nodes; the Delaunay edges of many."""
    k = len(xy)
    if k <= MAX_PAIRWISE_NODES:
        return list(combinations(range(k), 2))
    lines = shapely.get_parts(shapely.delaunay_triangles(shapely.multipoints(xy),
                                                         only_edges=True))
    at = {tuple(p): i for i, p in enumerate(xy.tolist())}
    coords = shapely.get_coordinates(lines).reshape(-1, 2, 2)
    pairs = {tuple(sorted((at[tuple(a)], at[tuple(b)]))) for a, b in coords.tolist()}
    return sorted(pairs)


def _has_as_short(graph: nx.MultiDiGraph, u: int, v: int, length: float) -> bool:
    """Return whether an edge u -> v at most ``length`` long exists already."""
    edges = graph.get_edge_data(u, v) or {}
    return any(d.get("length", np.inf) <= length + 1e-6 for d in edges.values())


def add_area_links(graph: nx.MultiDiGraph, areas: gpd.GeoSeries,
                   walk_speed_kmh: float = WALK_SPEED_KMH,
                   tolerance_m: float = AREA_TOLERANCE_M) -> int:
    """Join the nodes of each walkable area by straight walking edges inside it.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A walk graph in EPSG:3067 (changed in place).
    areas : geopandas.GeoSeries
        Polygons of walkable areas (any CRS).
    walk_speed_kmh : float
        Speed on the new edges (``travel_time`` = ``length`` at this speed).
    tolerance_m : float
        Nodes within this distance of an area count as on it.

    Returns
    -------
    int
        Edges added (each direction counts).
    """
    if len(areas) == 0 or graph.number_of_nodes() == 0:
        return 0
    polys = areas.to_crs(graph.graph["crs"]).buffer(tolerance_m).to_numpy()
    ids = node_ids(graph)
    x, y = node_xy(graph)
    tree = shapely.STRtree(shapely.points(x, y))
    speed = float(walk_speed_kmh)
    added = 0
    for a, poly in enumerate(polys):
        on = tree.query(poly, predicate="intersects")
        if len(on) < 2:
            continue
        on = np.sort(on)
        xy = np.c_[x[on], y[on]]
        pairs = np.array(_candidate_pairs(xy), dtype=np.int64).reshape(-1, 2)
        segs = shapely.linestrings(np.stack([xy[pairs[:, 0]], xy[pairs[:, 1]]], axis=1))
        shapely.prepare(poly)
        inside = shapely.covers(poly, segs)
        for (i, j), seg, ok in zip(pairs.tolist(), segs, inside, strict=True):
            u, v = int(ids[on[i]]), int(ids[on[j]])
            length = float(seg.length)
            if not ok or u == v or _has_as_short(graph, u, v, length):
                continue
            attrs = {"highway": "pedestrian", "area": "yes", "area_link": a,
                     "length": length, "speed_kph": speed,
                     "travel_time": length / (speed / 3.6)}
            graph.add_edge(u, v, geometry=seg, **attrs)
            graph.add_edge(v, u, geometry=LineString(seg.coords[::-1]), **attrs)
            added += 2
    return added
