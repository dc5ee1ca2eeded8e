"""folium helpers of the maps: fast GeoJSON layers, points, colour bars and numbering.

At national scale a layer holds thousands of sites, offices, grid cells or outlines: any
layer of more than 50 points, and every layer of polygons, is one GeoJSON layer whose
features carry their own popup, tooltip and style (:func:`geojson_layer`), written to the
page without folium's second template pass (:class:`GeoJson`). Up to 50 points are folium
objects; above 200 they are clustered.

Elements are numbered rather than named at random (:func:`number_elements`), so the same
map is saved byte for byte the same. branca keeps an element's children and id private;
:func:`children` is the one place that reads or sets them.

All planner geometry is EPSG:3067; the map itself is drawn in EPSG:4326, coordinates
rounded to six decimals (about 10 cm).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import branca.colormap
import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element
from folium.features import GeoJsonStyleMapper
from folium.plugins import DualMap, MarkerCluster
from jinja2.utils import htmlsafe_json_dumps
from shapely.geometry import mapping

from planner import i18n
from planner.maps.markup import BOX, esc

__all__ = ["CLUSTER_THRESHOLD", "GEOJSON_THRESHOLD", "PRECISION", "AddFeatures", "ColourBar",
           "GeoJson", "RawScript", "add_colour_bars", "add_points", "bind_details", "children",
           "container", "geojson_layer", "latlon", "number_elements", "polygons_geojson",
           "round_coord"]

#: Decimals of the map's coordinates (degrees): about 10 cm.
PRECISION = 6
#: Above this many points in a layer they are clustered (see :func:`container`).
CLUSTER_THRESHOLD = 200
#: Above this many points in a layer one GeoJSON layer draws them (see :func:`add_points`).
GEOJSON_THRESHOLD = 50
#: Douglas-Peucker tolerance of drawn outlines (metres).
SIMPLIFY_M = 5.0
#: Width of the colour-bar box (px): its caption wraps inside it.
_BAR_WIDTH = 260


# --------------------------------------------------------------------------- branca internals
def children(element: Element, *, new_id: str | None = None) -> OrderedDict[str, Element]:
    """Return an element's children, by the names its own dict keeps them under.

    branca keeps an element's children and its id private and has no public way to list
    the one or set the other (``add_child`` only adds, ``get_name`` only reads). The maps
    need both: to find a map's colour scales (and the tests its layers), and to number the
    elements so that a page is reproducible. This is the one place that touches them.

    Parameters
    ----------
    element : branca.element.Element
        Any element (a map, a layer, a marker, a popup, ...).
    new_id : str, optional
        Give the element this id first (its ``get_name()`` then ends with it).

    Returns
    -------
    collections.OrderedDict
        branca's own dict of the children: changing it changes the element.
    """
    if new_id is not None:
        element._id = new_id  # noqa: SLF001 - branca has no public setter of the id
    return element._children  # noqa: SLF001 - nor a public accessor of the children


def number_elements(root: Element) -> None:
    """Name every element under ``root`` by its place in the page, not at random.

    branca gives each element a random id, and the names in the page's script carry them
    (also as the keys its parent keeps it under); numbered in a fixed walk (children in
    order, then elements held as attributes, such as a popup's HTML) and re-keyed, the same
    map is written byte for byte the same.
    """
    seen: set[int] = set()
    found: list[tuple[Element, str]] = []
    stack = [root]
    while stack:
        el = stack.pop()
        if id(el) in seen:
            continue
        seen.add(id(el))
        found.append((el, el.get_name()))
        held = [v for k, v in vars(el).items() if k not in ("_parent", "_children")]
        held = [x for v in held for x in (v.values() if isinstance(v, dict) else
                                          v if isinstance(v, list | tuple) else [v])]
        nested = [*children(el).values(), *(x for x in held if isinstance(x, Element))]
        stack.extend(reversed(nested))
    old = {id(el): name for el, name in found}
    for n, (el, _name) in enumerate(found):
        children(el, new_id=f"{n:08x}")
    for el, _name in found:
        kids = children(el)
        items = [(c.get_name() if key == old[id(c)] else key, c) for key, c in kids.items()]
        kids.clear()
        kids.update(items)


# --------------------------------------------------------------------------- geometry
def round_coord(x: float) -> float:
    """Return a coordinate (degrees) rounded to ``PRECISION`` decimals."""
    return round(float(x), PRECISION)


def latlon(geoms: gpd.GeoSeries) -> list[tuple[float, float]]:
    """Return representative points of EPSG:3067 geometries as rounded (lat, lon) pairs."""
    if len(geoms) == 0:
        return []
    pts = gpd.GeoSeries(geoms.representative_point(), crs=geoms.crs).to_crs("EPSG:4326")
    return [(round_coord(p.y), round_coord(p.x)) for p in pts]


def polygons_geojson(geoms: gpd.GeoSeries, simplify_m: float = SIMPLIFY_M,
                     preserve_topology: bool = True) -> dict:
    """Return EPSG:3067 polygons as a GeoJSON FeatureCollection: simplified, EPSG:4326, rounded.

    Geometry only: properties would reach the page as unescaped JSON. Without
    ``preserve_topology`` the simplification is plain Douglas-Peucker (GEOS keeps polygons
    valid), an order of magnitude faster on thousands of round-cornered outlines.
    """
    geoms = geoms[geoms.notna() & ~geoms.is_empty]
    geoms = geoms.simplify(simplify_m, preserve_topology=preserve_topology).to_crs("EPSG:4326")
    rounded = shapely.transform(np.asarray(geoms.values, dtype=object),
                                lambda c: np.round(c, PRECISION))
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": mapping(g)}
                         for g in rounded]}


# --------------------------------------------------------------------------- elements
class RawScript(Element):
    """Script text written to the page as it is (not parsed as a Jinja template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawScript"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the script text."""
        return self.text


class AddFeatures(Element):
    """The script adding a :class:`GeoJson` layer's features, as JSON written as it is."""

    def __init__(self, layer: folium.GeoJson, data: dict) -> None:
        super().__init__()
        self._name = "AddFeatures"
        self.layer, self.data = layer, data

    def render(self, **kwargs: Any) -> None:
        """Add the script to the page's script."""
        # as folium's ``tojson``: sorted keys, <>&' escaped so no text can end the script
        data = str(htmlsafe_json_dumps(self.data, sort_keys=True))
        name = self.layer.get_name()
        self.get_root().script.add_child(RawScript(f"{name}_add({data});\n"),
                                         name=f"{name}_features")


class GeoJson(folium.GeoJson):
    """``folium.GeoJson`` whose features reach the page without a second Jinja pass.

    folium renders a layer's script and branca then parses that output as a template again:
    megabytes of features cost seconds to parse (and any ``{{ ... }}`` in their text would be
    evaluated). Here the layer's own script adds an empty collection and a second script,
    written as it is, adds the features, before the layer joins its parent (a MarkerCluster
    only clusters the features it finds then). Popups and tooltips must be bound per feature
    (``on_each_feature``): folium's ``GeoJsonPopup`` and ``GeoJsonTooltip`` read the data
    while the layer renders.
    """

    def render(self, **kwargs: Any) -> None:
        """Render the layer with its features added by an :class:`AddFeatures` script."""
        data = self.data
        if data["features"]:  # folium maps styles to features while rendering: do it here
            mapper = GeoJsonStyleMapper(data, self.feature_identifier, self) \
                if self.style or self.highlight else None
            if self.style:
                self.style_map = mapper.get_style_map(self.style_function)
            if self.highlight:
                self.highlight_map = mapper.get_highlight_map(self.highlight_function)
        self.add_child(AddFeatures(self, data), name=self.get_name() + "_features", index=0)
        self.data = {"type": "FeatureCollection", "features": []}
        try:
            super().render(**kwargs)
        finally:
            self.data = data


def bind_details(max_width: int | None) -> folium.JsCode:
    """Return the ``onEachFeature`` binding each feature's popup and tooltip to its layer.

    Bound per feature (not on the GeoJSON layer, as ``folium.GeoJsonPopup`` does) they also
    open when a MarkerCluster holds the features; the HTML was escaped when it was made.
    ``max_width`` None binds no popup.
    """
    popup = ("" if max_width is None else
             f" layer.bindPopup(feature.properties.popup, {{maxWidth: {int(max_width)}}});")
    return folium.JsCode("function (feature, layer) {" + popup
                         + " layer.bindTooltip(feature.properties.tooltip, {sticky: true}); }")


def geojson_layer(target: folium.map.Layer, geometries: Sequence[dict],
                  popups: Sequence[str] | None, tooltips: Sequence[str], *,
                  max_width: int | None, marker: folium.Marker | None = None,
                  styles: Sequence[dict[str, Any]] | None = None) -> folium.GeoJson:
    """Draw one GeoJSON layer of many shapes, each with its popup, tooltip and style.

    Parameters
    ----------
    target : folium layer
        Where the layer goes (a FeatureGroup or a MarkerCluster).
    geometries : sequence of dict
        GeoJSON geometries in EPSG:4326.
    popups, tooltips : sequence of str
        HTML per shape, every piece of text from data already escaped (``esc``): it
        reaches the page as JSON and the browser shows it as HTML. ``popups`` None: none.
    max_width : int or None
        Popup width in pixels (None without popups).
    marker : folium.Marker or folium.CircleMarker, optional
        How points are drawn (its options, and its icon for a Marker).
    styles : sequence of dict, optional
        Leaflet path options per shape (e.g. ``{"fillColor": "#1a9850"}``), through
        ``style_function``: folium writes each distinct style once.

    Returns
    -------
    folium.GeoJson
        Its features are numbered by ``id`` in the given order.
    """
    if popups is None:
        props = [{"tooltip": t} for t in tooltips]
    else:
        props = [{"popup": p, "tooltip": t} for p, t in zip(popups, tooltips, strict=True)]
    features = [{"type": "Feature", "id": i, "geometry": g, "properties": p}
                for i, (g, p) in enumerate(zip(geometries, props, strict=True))]
    style_function = None
    if styles is not None:
        styles = list(styles)

        def style_function(feature: dict) -> dict:
            return dict(styles[feature["id"]])

    return GeoJson(
        {"type": "FeatureCollection", "features": features}, marker=marker,
        style_function=style_function,
        on_each_feature=bind_details(None if popups is None else max_width),
    ).add_to(target)


def container(group: folium.FeatureGroup, n_points: int) -> folium.map.Layer:
    """Return where to put a layer's markers: a MarkerCluster only for more than 200 points."""
    if n_points > CLUSTER_THRESHOLD:
        return MarkerCluster(control=False, disableClusteringAtZoom=14).add_to(group)
    return group


def add_points(group: folium.FeatureGroup, coords: Sequence[tuple[float, float]],
               popups: Sequence[str], tooltips: Sequence[str],
               marker: Callable[[list[float] | None], folium.Marker | folium.CircleMarker],
               *, max_width: int, styles: Sequence[dict[str, Any]] | None = None) -> None:
    """Draw points (lat, lon) with popups and tooltips (HTML, user text already escaped).

    Up to ``GEOJSON_THRESHOLD`` points are folium objects ``marker(location)`` with the
    point's ``styles`` (Leaflet options) set; more are one GeoJSON layer drawing each point
    the same way (:func:`geojson_layer`), because a folium object costs milliseconds to
    build and render and a national map has thousands. Above ``CLUSTER_THRESHOLD`` points
    are clustered.
    """
    target = container(group, len(coords))
    if len(coords) > GEOJSON_THRESHOLD:
        geometries = [{"type": "Point", "coordinates": [lon, lat]} for lat, lon in coords]
        geojson_layer(target, geometries, popups, tooltips, max_width=max_width,
                      marker=marker(None), styles=styles)
        return
    for i, loc in enumerate(coords):
        obj = marker(list(loc))
        if styles is not None:
            obj.options.update(styles[i])
        obj.add_child(folium.Popup(popups[i], max_width=max_width))
        obj.add_child(folium.Tooltip(tooltips[i]))
        obj.add_to(target)


# --------------------------------------------------------------------------- colour bars
class ColourBar(branca.colormap.LinearColormap):
    """A linear colour scale drawn as an HTML box (:func:`add_colour_bars`).

    Not as branca's fixed-width SVG, whose caption is cut off where it is longer than the
    bar.
    """

    def __init__(self, colors: list[str], vmin: float, vmax: float, caption: str = "",
                 percent: bool = False) -> None:
        super().__init__(colors, vmin=vmin, vmax=vmax, caption=caption)
        self.percent = percent

    def render(self, **kwargs: Any) -> None:
        """Render nothing of its own: the page's colour-bar box shows it."""

    def html(self) -> str:
        """Return the caption, the gradient and three tick labels (0, middle, end) as HTML."""
        stops = ", ".join(self.rgb_hex_str(self.vmin + (self.vmax - self.vmin) * t / 10)
                          for t in range(11))
        ticks = [self.vmin, (self.vmin + self.vmax) / 2, self.vmax]
        labels = [i18n.fmt_percent(t) if self.percent else i18n.fmt_number(t) for t in ticks]
        spans = "".join(f"<span>{esc(t)}</span>" for t in labels)
        return (f'<div class="planner-colour-bar" style="margin-bottom:4px">'
                f'<div class="planner-colour-caption">{esc(self.caption)}</div>'
                f'<div style="height:10px;border:1px solid #999;'
                f'background:linear-gradient(to right, {stops});"></div>'
                f'<div style="display:flex;justify-content:space-between">{spans}</div></div>')


def add_colour_bars(root: folium.Map | DualMap, maps: Sequence[folium.Map], right: str,
                    top: str = "60px") -> None:
    """Draw one box of the colour scales (:class:`ColourBar`) added to ``maps``.

    The box sits under the layer control at the top right of the page.
    """
    bars = [c for m in maps for c in children(m).values() if isinstance(c, ColourBar)]
    if not bars:
        return
    root.get_root().html.add_child(folium.Element(
        f'<div class="planner-map-scales" style="{BOX}top:{top};right:{right};'
        f'width:{_BAR_WIDTH}px;">' + "".join(b.html() for b in bars) + "</div>"))
