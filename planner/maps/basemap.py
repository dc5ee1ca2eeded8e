"""Base layers of the maps: OpenStreetMap tiles and the region's streets drawn in the page.

The tiles need the internet; the streets come from the network the run already has, so a
map opened offline still shows where things are.

The street layer is a Leaflet base layer (a radio button beside the tiles), drawn in its own
pane under every other layer. A small script switches to it when the tiles cannot load (no
tile loaded and two failed, or the browser reports being offline); it can be chosen at any
time in the layer control.
"""

from __future__ import annotations

import json
from typing import Any

import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from branca.element import Element
from shapely.geometry import LineString, mapping

from planner.i18n import gettext as _
from planner.maps.elements import GeoJson, RawScript

__all__ = ["FOOT_PATHS", "MAIN_ROADS", "MAX_PATH_SEGMENTS", "MAX_SEGMENTS", "SIMPLIFY_M",
           "STREET_PANE", "add_base_layers", "street_data", "street_geojson", "street_lines"]

#: Leaflet pane of the street layer: above the tiles (200), below the overlays (400).
STREET_PANE = "planner-streets"
_PANE_Z = 250
#: Road classes drawn wider and darker than the rest (OSM ``highway`` values).
MAIN_ROADS = frozenset({"motorway", "trunk", "primary", "secondary", "tertiary",
                        "motorway_link", "trunk_link", "primary_link", "secondary_link",
                        "tertiary_link"})
#: Douglas-Peucker tolerance of the street lines (metres): invisible at street zoom.
SIMPLIFY_M = 2.0
#: Above this many street segments only the main roads are drawn (a page stays light).
MAX_SEGMENTS = 60000
#: Above this many, the separately mapped footways, paths, steps and cycleways
#: (:data:`FOOT_PATHS`) are left out: the streets remain (inner Helsinki maps every
#: sidewalk as a way of its own, which doubles the page).
MAX_PATH_SEGMENTS = 20000
#: OSM ``highway`` values of ways that are not streets.
FOOT_PATHS = frozenset({"footway", "path", "steps", "cycleway", "corridor", "bridleway"})
_PRECISION = 5  # decimal degrees: about a metre
_STYLE = {"main": {"color": "#8c8c8c", "weight": 2.5, "opacity": 0.9},
          "minor": {"color": "#a8a8a8", "weight": 1.2, "opacity": 0.8}}
_PAPER = "#f7f5f0"  # the page under the streets when no tiles show


def street_lines(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """Return each street of a graph once (both directions of a way are one line).

    The links drawn across walkable squares (``area_link``) are left out.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        osmnx-style, projected (EPSG:3067): node ``x``/``y``, edge ``geometry`` (optional)
        and ``highway``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``kind`` (``main``, ``minor`` or ``path``: :data:`FOOT_PATHS`) and the line, in
        the graph's CRS, edges sorted by their end nodes.
    """
    seen: dict[tuple[Any, Any], tuple[str, LineString]] = {}
    xy = {n: (d["x"], d["y"]) for n, d in graph.nodes(data=True)}
    for u, v, data in graph.edges(data=True):
        key = (u, v) if str(u) <= str(v) else (v, u)
        if key in seen or u == v or data.get("area_link") is not None:
            continue  # a walkable square's links (planner.network.areas) are not streets
        geom = data.get("geometry") or LineString([xy[u], xy[v]])
        road = data.get("highway")
        road = road[0] if isinstance(road, list) and road else road
        seen[key] = ("main" if road in MAIN_ROADS else "path" if road in FOOT_PATHS
                     else "minor", geom)
    keys = sorted(seen, key=lambda k: (str(k[0]), str(k[1])))
    crs = graph.graph.get("crs", "EPSG:3067")
    return gpd.GeoDataFrame({"kind": [seen[k][0] for k in keys]},
                            geometry=[seen[k][1] for k in keys], crs=crs)


def street_geojson(graph: nx.MultiDiGraph) -> dict:
    """Return the streets of ``graph`` as GeoJSON (EPSG:4326), one MultiLineString per kind.

    The lines are merged, simplified by ``SIMPLIFY_M`` and rounded to about a metre; a
    large network loses its footways (``MAX_PATH_SEGMENTS``) or all but its main roads
    (``MAX_SEGMENTS``); footways are drawn as minor streets.
    """
    lines = street_lines(graph)
    if len(lines) > MAX_SEGMENTS:
        lines = lines[lines["kind"] == "main"]
    elif len(lines) > MAX_PATH_SEGMENTS:
        lines = lines[lines["kind"] != "path"]
    lines = lines.assign(kind=lines["kind"].replace("path", "minor"))
    features = []
    for kind in ("minor", "main"):  # main roads drawn over the others
        part = lines[lines["kind"] == kind]
        if not len(part):
            continue
        merged = shapely.line_merge(shapely.union_all(part.geometry.to_numpy()))
        merged = shapely.simplify(merged, SIMPLIFY_M, preserve_topology=False)
        geo = gpd.GeoSeries([merged], crs=lines.crs).to_crs("EPSG:4326").iloc[0]
        geo = shapely.transform(geo, lambda c: np.round(c, _PRECISION))
        features.append({"type": "Feature", "properties": {"kind": kind},
                         "geometry": mapping(geo)})
    return {"type": "FeatureCollection", "features": features}


def _graph(graphs: dict[str, nx.MultiDiGraph]) -> nx.MultiDiGraph | None:
    """Return the graph to draw streets from: the drive network (streets proper), else walk."""
    for mode in ("drive", "walk"):
        if mode in graphs:
            return graphs[mode]
    return next(iter(graphs.values()), None)


class _Fallback(Element):
    """The script that shows the street layer when the tiles cannot load."""

    def __init__(self, m: folium.Map, tiles: folium.TileLayer, streets: folium.GeoJson
                 ) -> None:
        super().__init__()
        self._name = "StreetFallback"
        self.map, self.tiles, self.streets = m, tiles, streets

    def render(self, **kwargs: Any) -> None:
        """Add the script to the page's script."""
        m = self.map
        names = {"map": m.get_name(), "tiles": self.tiles.get_name(),
                 "streets": self.streets.get_name()}
        script = (
            "(function () {{ var map = {map}, tiles = {tiles}, streets = {streets};"
            " var loads = 0, errors = 0;"
            " function paper(on) {{ map.getContainer().style.background = on ? {paper} : ''; }}"
            " function offline() {{ if (map.hasLayer(streets)) return;"
            " if (map.hasLayer(tiles)) map.removeLayer(tiles); map.addLayer(streets); }}"
            " streets.on('add', function () {{ paper(true); }});"
            " streets.on('remove', function () {{ paper(false); }});"
            " tiles.on('tileload', function () {{ loads += 1; }});"
            " tiles.on('tileerror', function () {{ errors += 1;"
            " if (loads === 0 && errors >= 2) offline(); }});"
            " if (navigator.onLine === false) offline(); }})();\n"
        ).format(paper=json.dumps(_PAPER), **names)
        self.get_root().script.add_child(RawScript(script), name=f"{names['map']}_fallback")


def street_data(graphs: dict[str, nx.MultiDiGraph]) -> dict | None:
    """Return the street layer's GeoJSON of a region's networks (``None``: no streets).

    Parameters
    ----------
    graphs : dict of str to networkx.MultiDiGraph
        The region's networks (``Region.graphs``).

    Returns
    -------
    dict or None
        :func:`street_geojson` of the network drawn, or ``None`` without one.
    """
    graph = _graph(graphs)
    if graph is None or graph.number_of_edges() == 0:
        return None
    data = street_geojson(graph)
    return data if data["features"] else None


def add_base_layers(m: folium.Map, streets: dict | None) -> None:
    """Add the tiles and, when the region has a network, the street layer to a map.

    Parameters
    ----------
    m : folium.Map
        A map made with ``tiles=None``.
    streets : dict or None
        :func:`street_data` of the region (computed once for every map and side that
        draws it); ``None``: tiles only. The streets are a
        :class:`planner.maps.elements.GeoJson` layer (its data reaches the page without a
        second template pass).
    """
    tiles = folium.TileLayer("OpenStreetMap", name=_("OpenStreetMap (online)"),
                             overlay=False, control=True, show=True).add_to(m)
    if streets is None:
        return
    data = streets
    folium.map.CustomPane(STREET_PANE, z_index=_PANE_Z, pointer_events=False).add_to(m)
    streets = GeoJson(
        data, name=_("Streets (offline, from the run's network)"), overlay=False,
        control=True, show=False, pane=STREET_PANE, interactive=False,
        style_function=lambda f: {**_STYLE[f["properties"]["kind"]],
                                  "className": "planner-street"},
    ).add_to(m)
    m.add_child(_Fallback(m, tiles, streets), name=f"{m.get_name()}_street_fallback")
