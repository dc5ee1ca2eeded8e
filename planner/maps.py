"""Interactive Leaflet maps of a plan: today's offices, the proposal and travel times.

``plan_map`` draws one ``Region`` and one ``Plan`` (optionally the ``before`` plan for
comparison) with folium; ``save_map`` writes the map to a single HTML file.

Every piece of text that comes from data (names, organisations, attribution) is
HTML-escaped before it reaches the page, so a site called ``<script>...`` shows as text.
All planner geometry is EPSG:3067; the map itself is drawn in EPSG:4326.

At national scale a layer holds thousands of sites, offices, grid cells or outlines: any
layer of more than 50 points, and every layer of polygons, is one GeoJSON layer whose
features carry their own popup, tooltip and style (``_geojson_layer``), written to the page
without folium's second template pass (``_GeoJson``). Elements are numbered rather than
named at random, so the same map is saved byte for byte the same.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import branca.colormap
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from folium.features import GeoJsonStyleMapper
from folium.plugins import DualMap, MarkerCluster
from jinja2.utils import htmlsafe_json_dumps
from shapely.geometry import mapping

from planner import i18n
from planner._basemap import RawScript as _Script
from planner._basemap import add_base_layers
from planner._io import atomic_write
from planner.i18n import N_, term
from planner.i18n import gettext as _
from planner.plan import Plan
from planner.problem import Problem
from planner.region import Region

__all__ = ["MODE_ICONS", "ORG_COLOURS", "comparison_map", "plan_isochrones", "plan_map",
           "save_map", "travel_minutes"]

#: Colour of each organisation's markers and legend entry.
ORG_COLOURS: dict[str, str] = {
    "kela": "#1f5fbf",
    "municipality": "#2ca02c",
    "county": "#d62728",
    "employment": "#ff7f0e",
    "other": "#9467bd",
}
#: Font Awesome icon name (``prefix="fa"``) of each proposed service mode.
MODE_ICONS: dict[str, str] = {
    "office": "building",
    "shared": "users",
    "popup": "calendar",
    "remote": "laptop",
}

# Labels used when the region gives no ``org_name`` for an organisation.
_ORG_LABELS = {
    "kela": N_("Kela"),
    "municipality": N_("Municipality"),
    "county": N_("Wellbeing services county"),
    "employment": N_("Employment services"),
    "other": N_("Other"),
}
# Strongest mode first: a site is drawn once, in the layer of its strongest mode.
_MODE_ORDER = ("shared", "office", "popup", "remote")
_MODE_LAYERS = {
    "shared": N_("Proposed: shared premises"),
    "office": N_("Proposed: offices"),
    "popup": N_("Proposed: pop-up"),
    "remote": N_("Proposed: remote service"),
}
_MODE_LABELS = {
    "shared": N_("Shared premises"),
    "office": N_("Office"),
    "popup": N_("Pop-up"),
    "remote": N_("Remote service point"),
    "closed": N_("Closed office"),
}
# Leaflet.awesome-markers colours (a fixed palette) of the proposal's markers.
_MODE_MARKER_COLOURS = {
    "shared": "purple",
    "office": "darkblue",
    "popup": "orange",
    "remote": "cadetblue",
}
_MARKER_HEX = {"purple": "#d252b9", "darkblue": "#0067a3", "orange": "#f69730",
               "cadetblue": "#436978", "gray": "#575757"}
_CLOSED_ICON = "ban"
_PROPOSED_RESIDENTS = N_("Residents: minutes to in-person service (proposed)")
_TODAY_RESIDENTS = N_("Residents: minutes to in-person service (today)")
_CLOSED_LAYER = N_("Closed offices")
_CLOSED_MARKER_COLOUR = "gray"
_NO_DATA_COLOUR = "#9e9e9e"
_TRAVEL_COLOURS = ("#1a9850", "#fee08b", "#d73027")  # green -> yellow -> red
_TRAVEL_CAPTION = N_("Minutes to in-person service (visit-weighted mean over organisations)")
#: Above this many points in a layer they are clustered (see _container).
_CLUSTER_THRESHOLD = 200
#: Above this many points in a layer one GeoJSON layer draws them (see _add_points).
_GEOJSON_THRESHOLD = 50
#: Above this many demand points the residents' layers are drawn as grid cells.
DEMAND_GRID_THRESHOLD = 2000
_GRID_START_M = 100.0
_PRECISION = 6
_BOUNDARY_SIMPLIFY_M = 5.0
_ISOCHRONE_COLOUR = "#6a3d9a"
_REACH_HULL_RATIO = 0.4
_REACH_MARGIN_M = 40.0
_SHARE_COLOURS = ("#d73027", "#fee08b", "#1a9850")  # red -> yellow -> green
_SHARE_CAPTION = N_("Share of residents within the access standard (worst organisation)")
_AREA_LEVELS = {"municipality": N_("municipality"), "county": N_("wellbeing services county"),
                "employment_area": N_("employment area")}
_AREA_LAYERS = {"municipality": N_("Areas: share within standard by municipality"),
                "county": N_("Areas: share within standard by wellbeing services county"),
                "employment_area": N_("Areas: share within standard by employment area")}
_WEB = Path(__file__).parent / "resources" / "web"
# Remote assets folium links to, and the vendored copy inlined by ``save_map`` instead
# (matched on a part of the URL); ``None`` drops the link (glyphicons: unused here).
_ASSETS: dict[str, str | None] = {
    "/leaflet@1.9.3/dist/leaflet.js": "leaflet.js",
    "/leaflet@1.9.3/dist/leaflet.css": "leaflet.css",
    "code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1.min.js",
    "/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": "bootstrap.bundle.min.js",
    "/bootstrap@5.2.2/dist/css/bootstrap.min.css": "bootstrap.min.css",
    "bootstrap-glyphicons.css": None,
    "/fontawesome-free@6.2.0/css/all.min.css": "all.min.css",
    "Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": "leaflet.awesome-markers.js",
    "Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": "leaflet.awesome-markers.css",
    "leaflet.awesome.rotate.min.css": None,
    "leaflet.markercluster/1.1.0/leaflet.markercluster.js": "leaflet.markercluster.js",
    "leaflet.markercluster/1.1.0/MarkerCluster.css": "MarkerCluster.css",
    "leaflet.markercluster/1.1.0/MarkerCluster.Default.css": "MarkerCluster.Default.css",
    "jieter/Leaflet.Sync/L.Map.Sync.min.js": "L.Map.Sync.min.js",
    "ajax/libs/d3/3.5.5/d3.min.js": "d3-3.5.5.min.js",
}
# What leaflet.awesome.rotate.min.css gives folium's rotated icons.
_ROTATE_CSS = (".fa-rotate-custom{transform:rotate(var(--fa-rotate-angle,0));}"
               ".awesome-marker i{display:inline-block;}")
_DASH = "\u2013"  # en dash


# --------------------------------------------------------------------------- text helpers
_ESCAPES = str.maketrans({"\\": "&#92;", "`": "&#96;", "$": "&#36;", "{": "&#123;",
                          "}": "&#125;"})
_SPECIAL = re.compile(r"[&<>\"'\\`${}]")
#: Style of the popups' tables (``_table``), as each cell carried it before.
_TABLE_CSS = (".planner-table{border-collapse:collapse;font-size:12px}"
              ".planner-table th{text-align:left;padding:1px 6px}"
              ".planner-table td{padding:1px 6px;white-space:nowrap}")


def _esc(value: Any) -> str:
    """HTML-escape ``value`` and neutralise JavaScript template-literal and Jinja syntax.

    folium puts popup and tooltip HTML inside JavaScript template literals (backticks), so
    besides ``<>&"'`` the backtick, ``$`` and backslash are replaced by character references;
    and branca parses what folium renders as a Jinja template again, so the braces are too
    (a name such as ``{{ ... }}`` would otherwise be evaluated when the map is written).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    if not _SPECIAL.search(text):  # most names and numbers: nothing to replace
        return text
    return html.escape(text, quote=True).translate(_ESCAPES)


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _fmt_int(value: Any) -> str:
    """``123456.4`` -> ``"123,456"`` (Finnish ``"123 456"``); missing -> a dash."""
    return _DASH if _is_missing(value) else i18n.fmt_number(value)


def _fmt_eur(value: Any) -> str:
    """``123456`` -> ``"123,456 €"`` (Finnish ``"123 456 €"``); missing -> a dash."""
    return _DASH if _is_missing(value) else i18n.fmt_eur(value)


def _fmt_minutes(value: Any) -> str:
    """``12.345`` -> ``"12.3 min"`` (Finnish ``"12,3 min"``); missing -> a dash."""
    return _DASH if _is_missing(value) else f"{i18n.fmt_number(value, 1)} min"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """An HTML table of class ``planner-table`` (styled once per page: ``_TABLE_CSS``);
    the cells must already be escaped.
    """
    th = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr><td>" + "</td><td>".join(row) + "</td></tr>" for row in rows)
    return f'<table class="planner-table"><tr>{th}</tr>{body}</table>'


def _add_table_style(m: folium.Map | DualMap) -> None:
    """The popups' table style, once in the page's header instead of on every cell."""
    m.get_root().header.add_child(folium.Element(f"<style>{_TABLE_CSS}</style>"),
                                  name="planner_table_style")


# --------------------------------------------------------------------------- geometry
def _round(x: float) -> float:
    return round(float(x), _PRECISION)


def _latlon(geoms: gpd.GeoSeries) -> list[tuple[float, float]]:
    """Representative points of EPSG:3067 geometries as rounded (lat, lon) pairs."""
    if len(geoms) == 0:
        return []
    pts = gpd.GeoSeries(geoms.representative_point(), crs=geoms.crs).to_crs("EPSG:4326")
    return [(_round(p.y), _round(p.x)) for p in pts]


def _bounds(region: Region, plan: Plan) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` of the region's demand and sites."""
    parts = [g.geometry for g in (region.demand, region.sites) if g is not None and len(g)]
    if not parts:
        parts = [plan.decisions.geometry] if len(plan.decisions) else []
    if not parts:
        return None
    geoms = gpd.GeoSeries(pd.concat([p.to_crs("EPSG:4326") for p in parts],
                                    ignore_index=True), crs="EPSG:4326")
    geoms = geoms[geoms.notna() & ~geoms.is_empty]
    if not len(geoms):
        return None
    west, south, east, north = geoms.total_bounds
    return [[_round(south), _round(west)], [_round(north), _round(east)]]


# --------------------------------------------------------------------------- organisations
def _org_names(region: Region) -> dict[str, str]:
    """Display name per organisation code: the region's ``org_name`` or a default label."""
    names = {o: _(label) for o, label in _ORG_LABELS.items()}
    sp = region.service_points
    if sp is None or not len(sp) or "org_name" not in sp.columns:
        return names
    seen: set[str] = set()
    for org, name in zip(sp["organisation"].astype(str), sp["org_name"], strict=True):
        if org in seen or _is_missing(name) or not str(name).strip():
            continue
        names[org] = str(name)
        seen.add(org)
    return names


def _org_colour(org: Any) -> str:
    return ORG_COLOURS.get(str(org), ORG_COLOURS["other"])


def _org_sort_key(org: str) -> tuple[int, str]:
    keys = list(ORG_COLOURS)
    return (keys.index(org) if org in keys else len(keys), org)


def _org_label(org: Any, names: dict[str, str]) -> str:
    if _is_missing(org) or str(org) == "":
        return _DASH
    return names.get(str(org), str(org))


# --------------------------------------------------------------------------- layers
def _container(group: folium.FeatureGroup, n_points: int) -> folium.map.Layer:
    """Where to put a layer's markers: a MarkerCluster only for more than 200 points."""
    if n_points > _CLUSTER_THRESHOLD:
        return MarkerCluster(control=False, disableClusteringAtZoom=14).add_to(group)
    return group


class _AddFeatures(Element):
    """Adds a ``_GeoJson`` layer's features to the page, as JSON written as it is."""

    def __init__(self, layer: folium.GeoJson, data: dict) -> None:
        super().__init__()
        self._name = "AddFeatures"
        self.layer, self.data = layer, data

    def render(self, **kwargs: Any) -> None:
        # as folium's ``tojson``: sorted keys, <>&' escaped so no text can end the script
        data = str(htmlsafe_json_dumps(self.data, sort_keys=True))
        name = self.layer.get_name()
        self.get_root().script.add_child(_Script(f"{name}_add({data});\n"),
                                         name=f"{name}_features")


class _GeoJson(folium.GeoJson):
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
        data = self.data
        if data["features"]:  # folium maps styles to features while rendering: do it here
            mapper = GeoJsonStyleMapper(data, self.feature_identifier, self) \
                if self.style or self.highlight else None
            if self.style:
                self.style_map = mapper.get_style_map(self.style_function)
            if self.highlight:
                self.highlight_map = mapper.get_highlight_map(self.highlight_function)
        self.add_child(_AddFeatures(self, data), name=self.get_name() + "_features", index=0)
        self.data = {"type": "FeatureCollection", "features": []}
        try:
            super().render(**kwargs)
        finally:
            self.data = data


def _bind_details(max_width: int | None) -> folium.JsCode:
    """``onEachFeature`` binding each feature's ``popup`` (unless ``max_width`` is None) and
    ``tooltip`` to its own layer.

    Bound per feature (not on the GeoJSON layer, as ``folium.GeoJsonPopup`` does) they also
    open when a MarkerCluster holds the features; the HTML was escaped when it was made.
    """
    popup = ("" if max_width is None else
             f" layer.bindPopup(feature.properties.popup, {{maxWidth: {int(max_width)}}});")
    return folium.JsCode("function (feature, layer) {" + popup
                         + " layer.bindTooltip(feature.properties.tooltip, {sticky: true}); }")


def _geojson_layer(target: folium.map.Layer, geometries: Sequence[dict],
                   popups: Sequence[str] | None, tooltips: Sequence[str], *,
                   max_width: int | None, marker: folium.Marker | None = None,
                   styles: Sequence[dict[str, Any]] | None = None) -> folium.GeoJson:
    """One GeoJSON layer of many shapes, each with its popup, tooltip and style.

    Parameters
    ----------
    target : folium layer
        Where the layer goes (a FeatureGroup or a MarkerCluster).
    geometries : sequence of dict
        GeoJSON geometries in EPSG:4326.
    popups, tooltips : sequence of str
        HTML per shape, every piece of text from data already escaped (``_esc``): it
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

    return _GeoJson(
        {"type": "FeatureCollection", "features": features}, marker=marker,
        style_function=style_function,
        on_each_feature=_bind_details(None if popups is None else max_width),
    ).add_to(target)


def _add_points(group: folium.FeatureGroup, coords: Sequence[tuple[float, float]],
                popups: Sequence[str], tooltips: Sequence[str],
                marker: Any, *, max_width: int,
                styles: Sequence[dict[str, Any]] | None = None) -> None:
    """Points (lat, lon) with popups and tooltips (HTML, user text already escaped).

    Up to ``_GEOJSON_THRESHOLD`` points are folium objects ``marker(location)`` with the
    point's ``styles`` (Leaflet options) set; more are one GeoJSON layer drawing each point
    the same way (``_geojson_layer``), because a folium object costs milliseconds to build
    and render and a national map has thousands. Above ``_CLUSTER_THRESHOLD`` points are
    clustered.
    """
    target = _container(group, len(coords))
    if len(coords) > _GEOJSON_THRESHOLD:
        geometries = [{"type": "Point", "coordinates": [lon, lat]} for lat, lon in coords]
        _geojson_layer(target, geometries, popups, tooltips, max_width=max_width,
                       marker=marker(None), styles=styles)
        return
    for i, loc in enumerate(coords):
        obj = marker(list(loc))
        if styles is not None:
            obj.options.update(styles[i])
        obj.add_child(folium.Popup(popups[i], max_width=max_width))
        obj.add_child(folium.Tooltip(tooltips[i]))
        obj.add_to(target)


def _column(df: pd.DataFrame, col: str, default: Any = "") -> list:
    """A column's values as a list; ``default`` for every row when there is no such column."""
    return df[col].tolist() if col in df.columns else [default] * len(df)


def _add_today(m: folium.Map, region: Region, names: dict[str, str]) -> None:
    sp = region.service_points
    if sp is None or not len(sp):
        return
    sp = sp.reset_index(drop=True)
    coords = _latlon(sp.geometry)
    orgs = [str(o) for o in sp["organisation"]]
    name, kind, source = _column(sp, "name"), _column(sp, "kind"), _column(sp, "source")
    desks, cost = _column(sp, "desks", None), _column(sp, "annual_cost_eur", None)
    for org in sorted(set(orgs), key=_org_sort_key):
        idx = [i for i, o in enumerate(orgs) if o == org]
        label = _org_label(org, names)
        group = folium.FeatureGroup(
            name=_esc(_("Today: {organisation} ({count})").format(organisation=label,
                                                                    count=len(idx))), show=True)
        colour = _org_colour(org)
        popups, tooltips, styles = [], [], []
        for i in idx:
            illustrative = str(source[i]) == "illustrative"
            popups.append(
                f"<b>{_esc(name[i])}</b><br>{_esc(label)}<br>"
                + _table(["", ""], [
                    [_("Kind"), _esc(kind[i])],
                    [_("Desks"), _esc(_fmt_int(desks[i]))],
                    [_("Annual cost"), _esc(_fmt_eur(cost[i]))],
                    [_("Source"), _esc(_("illustrative (not a real office)") if illustrative
                                       else str(source[i]))],
                ]))
            tooltips.append(_esc(_("{name} (today, {organisation})").format(
                name=name[i], organisation=label)))
            styles.append({"dashArray": "4 3" if illustrative else None})

        def marker(loc: list[float] | None, colour: str = colour) -> folium.CircleMarker:
            return folium.CircleMarker(location=loc, radius=6, color=colour, weight=2,
                                       fill=True, fill_color=colour, fill_opacity=0.5)

        _add_points(group, [coords[i] for i in idx], popups, tooltips, marker,
                    max_width=320, styles=styles)
        group.add_to(m)


def _split_tables(split: pd.DataFrame | None, names: dict[str, str],
                  agreement: pd.DataFrame | None = None) -> dict[str, str]:
    """Each shared site's agreement and cost split as popup HTML, by ``site_id``: the
    agreed key and term, and per party its role, floor area, desk-days, what it pays
    under the agreed key, its fee to the host (the host's income), and its Shapley and
    nucleolus shares with whether the agreed split is in the core.

    One pass over each table (rows in their order); sites without either are absent.
    """
    fair: dict[tuple[str, str, str], float] = {}
    core: dict[tuple[str, str], bool] = {}
    if split is not None and len(split):
        g = split[split["method"].isin(["shapley", "nucleolus"])]
        for sid, method, org, share in zip(g["site_id"].astype(str), g["method"],
                                           g["organisation"].astype(str), g["share_eur"],
                                           strict=True):
            fair[(sid, method, org)] = float(share)
        for sid, method, org, ok in zip(split["site_id"].astype(str), split["method"],
                                        split["organisation"].astype(str), split["in_core"],
                                        strict=True):
            core[(sid, f"{method}:{org}")] = bool(ok)
    if agreement is None or agreement.empty:
        return {}
    rows: dict[str, list[list[str]]] = {}
    head: dict[str, str] = {}
    for r in agreement.itertuples():
        sid, org = str(r.site_id), str(r.organisation)
        head.setdefault(sid, _("key {key}, term to {end}").format(
            key=term(r.key), end=i18n.fmt_date(r.term_end)))
        pay = (_fmt_eur(r.fee_eur) if r.role not in ("host", "lessor")
               else _("receives {amount}").format(amount=_fmt_eur(r.income_eur)))
        rows.setdefault(sid, []).append([
            _esc(_org_label(org, names)), _esc(term(r.role)), _esc(_fmt_int(r.own_m2)),
            _esc(_fmt_int(r.desk_days)), _esc(_fmt_eur(r.net_eur)), _esc(pay),
            _esc(_fmt_eur(fair[(sid, "shapley", org)]) if (sid, "shapley", org) in fair
                 else _DASH),
            _esc(_fmt_eur(fair[(sid, "nucleolus", org)]) if (sid, "nucleolus", org) in fair
                 else _DASH),
            _esc({True: term("yes"), False: term("no")}.get(
                core.get((sid, f"{r.key}:{org}")), _DASH))])
    header = [_("Organisation"), _("Role"), "m²", _("Desk-days"), _("Pays"), _("Fee to host"),
              "Shapley", _("Nucleolus"), _("In core")]
    agreement_word = _esc(_("Agreement"))
    return {sid: f"<br><b>{agreement_word}</b> ({_esc(head[sid])})"
            + _table(header, r)
            for sid, r in rows.items()}


def _first_text(values: Iterable[Any]) -> str | None:
    return next((str(v) for v in values if not _is_missing(v) and str(v)), None)


def _agreements(region: Region) -> dict[str, str]:
    """Each site's ``host_agreement`` by ``site_id`` (empty when the sites have none)."""
    sites = region.sites
    if sites is None or not {"site_id", "host_agreement"} <= set(sites.columns):
        return {}
    return dict(zip(sites["site_id"].astype(str), sites["host_agreement"].astype(str),
                    strict=True))


def _host_label(host: str, agreement: str | None, names: dict[str, str]) -> str:
    """``"City of Helsinki (agreement: yes)"``; the name alone without an agreement."""
    label = _org_label(host, names)
    if not agreement:
        return label
    return _("{host} (agreement: {agreement})").format(host=label, agreement=term(agreement))


def _site_popups(dec: gpd.GeoDataFrame, names: dict[str, str],
                 split: pd.DataFrame | None = None,
                 agreements: dict[str, str] | None = None,
                 agreement: pd.DataFrame | None = None) -> pd.DataFrame:
    """Popup HTML of every site of some decisions (one row per site and organisation).

    ``agreements`` (``site_id`` -> host agreement, see ``_agreements``) adds the host
    agreement after the host; a ``host_agreement`` column of ``dec`` takes precedence.

    Returns
    -------
    pandas.DataFrame
        One row per site, sorted by ``site_id`` (as text): ``site_id``, ``site_name``,
        ``popup`` (name, host and its agreement, and a row per organisation in legend
        order, with the cost split of shared premises), ``modes`` (set of the site's
        modes), ``lat`` and ``lon`` of the site's first row.
    """
    cols = ["site_id", "site_name", "popup", "modes", "lat", "lon"]
    if not len(dec):
        return pd.DataFrame(columns=cols)
    splits = _split_tables(split, names, agreement)
    rank = {o: i for i, o in enumerate(sorted({str(o) for o in dec["organisation"]},
                                              key=_org_sort_key))}
    dec = dec.assign(_sid=dec["site_id"].astype(str).to_numpy(),
                     _rank=[rank[str(o)] for o in dec["organisation"]])
    dec = dec.sort_values(["_sid", "_rank"], kind="stable")
    days = pd.to_numeric(pd.Series(_column(dec, "days_per_month", np.nan), dtype=object),
                         errors="coerce").fillna(0.0).tolist()
    cells = [[_esc(_org_label(o, names)), _esc(term(mode)),
              _esc(_fmt_int(d) if d > 0 else _DASH), _esc(term(action)), _esc(_fmt_eur(cost)),
              _esc(_fmt_int(visits))]
             for o, mode, d, action, cost, visits in zip(  # lists: fast to iterate
                 _column(dec, "organisation"), _column(dec, "mode"), days,
                 _column(dec, "action"), _column(dec, "annual_cost_eur", None),
                 _column(dec, "visits", None), strict=True)]
    header = [_("Organisation"), _("Mode"), _("Days/month"), _("Action"), _("Annual cost"),
              _("Visits")]
    sids = dec["_sid"].to_numpy()
    starts = np.flatnonzero(np.r_[True, sids[1:] != sids[:-1]])
    ends = np.r_[starts[1:], len(sids)]
    site_names, hosts = dec["site_name"].tolist(), dec["host_org"].tolist()
    agreed = _column(dec, "host_agreement", None)
    modes = dec["mode"].astype(str).tolist()
    out = []
    host_word = _esc(_("Host"))
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        sid = sids[a]
        name = _first_text(site_names[a:b]) or sid
        host = _first_text(hosts[a:b]) or ""
        agreement = _first_text(agreed[a:b]) or (agreements or {}).get(str(sid))
        body = (f"<b>{_esc(name)}</b><br>{host_word}: "
                f"{_esc(_host_label(host, agreement, names))}<br>"
                + _table(header, cells[a:b]) + splits.get(sid, ""))
        out.append((sid, name, body, set(modes[a:b])))
    where = _latlon(dec.geometry.iloc[starts])
    return pd.DataFrame([(*o, lat, lon) for o, (lat, lon) in zip(out, where, strict=True)],
                        columns=cols)


def _site_popup(rows: pd.DataFrame, names: dict[str, str],
                split: pd.DataFrame | None = None,
                agreements: dict[str, str] | None = None) -> tuple[str, str]:
    """Popup HTML and site name of one site's decisions (one row per organisation), with
    the cost split when the site is shared premises.
    """
    site = _site_popups(rows, names, split, agreements).iloc[0]
    return site["popup"], site["site_name"]


def _add_proposal(m: folium.Map, plan: Plan, names: dict[str, str],
                  split: pd.DataFrame | None = None,
                  agreements: dict[str, str] | None = None,
                  agreement: pd.DataFrame | None = None) -> None:
    dec = plan.decisions
    sites = _site_popups(dec[dec["mode"] != "closed"], names, split, agreements, agreement)
    strongest = np.array([next((mode for mode in _MODE_ORDER if mode in modes), "office")
                          for modes in sites["modes"]], dtype=object)
    for mode in _MODE_ORDER:
        group = folium.FeatureGroup(name=_(_MODE_LAYERS[mode]), show=True)
        _add_markers(group, sites[strongest == mode], _(_MODE_LABELS[mode]),
                     _MODE_MARKER_COLOURS[mode], MODE_ICONS[mode])
        group.add_to(m)

    group = folium.FeatureGroup(name=_(_CLOSED_LAYER), show=True)
    _add_markers(group, _site_popups(dec[dec["mode"] == "closed"], names,
                                     agreements=agreements), _("closes"),
                 _CLOSED_MARKER_COLOUR, _CLOSED_ICON)
    group.add_to(m)


def _add_markers(group: folium.FeatureGroup, sites: pd.DataFrame, label: str,
                 colour: str, icon: str) -> None:
    """Sites (``_site_popups``) as markers of one icon, each with its popup and the tooltip
    "name (label)" (see ``_add_points``).
    """
    def marker(loc: list[float] | None) -> folium.Marker:
        return folium.Marker(location=loc, icon=folium.Icon(
            color=colour, icon=icon, prefix="fa", icon_color="white"))

    _add_points(group, list(zip(sites["lat"], sites["lon"], strict=True)),
                sites["popup"].tolist(),
                [_esc(f"{name} ({label})") for name in sites["site_name"]], marker,
                max_width=480)


def _weighted_minutes(inp: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Visit-weighted mean of ``minutes`` per ``keys`` (plain mean where visits sum to 0)."""
    inp = inp[inp["minutes"].notna()]
    g = (inp.assign(_mw=inp["minutes"] * inp["visits"])
         .groupby(keys, sort=True)
         .agg(w=("visits", "sum"), mw=("_mw", "sum"), plain=("minutes", "mean")))
    return pd.Series(np.where(g["w"] > 0, g["mw"] / g["w"].where(g["w"] > 0, 1.0), g["plain"]),
                     index=g.index, dtype=float)


def travel_minutes(assignment: pd.DataFrame) -> tuple[dict[str, float], pd.DataFrame]:
    """Minutes to in-person service per demand point, overall and per organisation.

    Parameters
    ----------
    assignment : pandas.DataFrame
        ``Plan.assignment`` (``demand_id``, ``organisation``, ``channel``, ``visits``,
        ``minutes``).

    Returns
    -------
    overall : dict of str to float
        Per ``demand_id`` (as str): the visit-weighted mean of ``minutes`` over rows with
        ``channel == "in_person"`` of all organisations; demand points without in-person
        visits are absent.
    per_org : pandas.DataFrame
        One row per (``demand_id`` as str, ``organisation``) with ``minutes`` (visit-weighted
        mean of in-person rows, NaN without any) and ``in_person``, ``remote``, ``unserved``
        visits.
    """
    channels = ["in_person", "remote", "unserved"]
    cols = ["demand_id", "organisation", "minutes", *channels]
    if assignment is None or not len(assignment):
        return {}, pd.DataFrame(columns=cols)
    a = pd.DataFrame({
        "demand_id": assignment["demand_id"].astype(str),
        "organisation": assignment["organisation"].astype(str),
        "channel": assignment["channel"].astype(str),
        "visits": pd.to_numeric(assignment["visits"], errors="coerce").fillna(0.0),
        "minutes": pd.to_numeric(assignment["minutes"], errors="coerce"),
    })
    inp = a[a["channel"] == "in_person"]
    overall = _weighted_minutes(inp, ["demand_id"])
    per_org = (a.pivot_table(index=["demand_id", "organisation"], columns="channel",
                             values="visits", aggfunc="sum", fill_value=0.0)
               .reindex(columns=channels, fill_value=0.0))
    per_org.columns.name = None
    per_org.insert(0, "minutes", _weighted_minutes(inp, ["demand_id", "organisation"])
                   .reindex(per_org.index))
    return ({str(d): float(v) for d, v in overall.items()},
            per_org.reset_index()[cols].astype({c: float for c in ["minutes", *channels]}))


def _demand_popup(did: str, residents: float, minutes: float, rows: pd.DataFrame | None,
                  names: dict[str, str]) -> tuple[str, str]:
    """Popup HTML and tooltip text of one demand point."""
    table = ""
    if rows is not None:
        rows = rows.assign(_k=[_org_sort_key(o) for o in rows["organisation"]])
        table = _table(
            [_("Organisation"), _("Minutes (in person)"), _("Visits in person"), _("Remote"),
             _("Unserved")],
            [[_esc(_org_label(r.organisation, names)), _esc(_fmt_minutes(r.minutes)),
              _esc(_fmt_int(r.in_person)), _esc(_fmt_int(r.remote)),
              _esc(_fmt_int(r.unserved))]
             for r in rows.sort_values("_k").itertuples()],
        )
    mean_text = _("no in-person visits") if math.isnan(minutes) else _fmt_minutes(minutes)
    heading = _esc(_("Demand point {id}").format(id=did))
    residents_word, mean_word = _esc(_("Residents")), _esc(_("Mean to in-person service"))
    body = (f"<b>{heading}</b><br>{residents_word}: {_esc(_fmt_int(residents))}<br>"
            f"{mean_word}: {_esc(mean_text)}<br>{table}")
    return body, _("{residents} residents, {minutes}").format(residents=_fmt_int(residents),
                                                              minutes=mean_text)


def _colour(colormap: branca.colormap.LinearColormap, value: float) -> str:
    if math.isnan(value):
        return _NO_DATA_COLOUR
    return colormap(min(max(value, colormap.vmin), colormap.vmax))


def demand_grid(demand: gpd.GeoDataFrame, minutes: dict[str, float], max_cells: int
                ) -> tuple[gpd.GeoDataFrame, float]:
    """Residents and their minutes to in-person service summed to square grid cells.

    The cell side starts at 100 m and doubles until there are at most ``max_cells`` cells.

    Parameters
    ----------
    demand : geopandas.GeoDataFrame
        Demand points (``demand_id``, ``population``) in EPSG:3067.
    minutes : dict of str to float
        Minutes per ``demand_id`` (as from ``travel_minutes``); absent points have none.
    max_cells : int
        Largest number of cells wanted.

    Returns
    -------
    cells : geopandas.GeoDataFrame
        ``residents``, ``points``, ``minutes`` (population-weighted mean over the cell's
        points with minutes; NaN when none has) and the cell square, EPSG:3067.
    size : float
        Cell side in metres.
    """
    pts = demand.geometry.representative_point()
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    pop = pd.to_numeric(demand["population"], errors="coerce").fillna(0.0).clip(lower=0)
    mins = np.array([minutes.get(str(d), np.nan) for d in demand["demand_id"]], dtype=float)
    size = _GRID_START_M
    while True:
        ix, iy = np.floor(x / size).astype(np.int64), np.floor(y / size).astype(np.int64)
        if len(set(zip(ix.tolist(), iy.tolist(), strict=True))) <= max(max_cells, 1):
            break
        size *= 2
    has = ~np.isnan(mins)
    df = pd.DataFrame({"ix": ix, "iy": iy, "residents": pop.to_numpy(),
                       "w": np.where(has, pop.to_numpy(), 0.0),
                       "wm": np.where(has, pop.to_numpy() * np.nan_to_num(mins), 0.0),
                       "has": has.astype(int)})
    g = df.groupby(["ix", "iy"], sort=True).agg(
        residents=("residents", "sum"), points=("residents", "size"), w=("w", "sum"),
        wm=("wm", "sum"), has=("has", "sum")).reset_index()
    plain = (pd.DataFrame({"ix": ix, "iy": iy, "m": mins}).groupby(["ix", "iy"], sort=True)["m"]
             .mean().to_numpy())
    g["minutes"] = np.where(g["has"] == 0, np.nan,
                            np.where(g["w"] > 0, g["wm"] / g["w"].where(g["w"] > 0, 1.0), plain))
    squares = [shapely.box(i * size, j * size, (i + 1) * size, (j + 1) * size)
               for i, j in zip(g["ix"], g["iy"], strict=True)]
    cells = gpd.GeoDataFrame(g[["residents", "points", "minutes"]], geometry=squares,
                             crs=demand.crs)
    return cells, size


#: ``travel_minutes`` of a plan's assignment, computed once per map.
_Travel = tuple[dict[str, float], pd.DataFrame]


def _add_demand(m: folium.Map, region: Region, travel: _Travel, name: str,
                show: bool, colormap: branca.colormap.LinearColormap,
                names: dict[str, str], grid_threshold: int = DEMAND_GRID_THRESHOLD) -> None:
    demand = region.demand.reset_index(drop=True)
    overall, per_org = travel
    group = folium.FeatureGroup(name=name, show=show)
    if len(demand) > grid_threshold:
        _add_grid(group, demand, overall, grid_threshold, colormap)
        group.add_to(m)
        return
    coords = _latlon(demand.geometry)
    per_org_groups = {str(d): rows for d, rows in per_org.groupby("demand_id")}
    pop = pd.to_numeric(demand["population"], errors="coerce").fillna(0.0).clip(lower=0)
    max_sqrt = math.sqrt(float(pop.max())) if len(pop) and pop.max() > 0 else 1.0
    popups, tooltips, styles = [], [], []
    for did, residents in zip(demand["demand_id"].astype(str), pop.to_numpy(dtype=float),
                              strict=True):
        minutes = overall.get(did, float("nan"))
        colour = _colour(colormap, minutes)
        radius = 3.0 + 9.0 * math.sqrt(residents) / max_sqrt
        body, tip = _demand_popup(did, residents, minutes, per_org_groups.get(did), names)
        popups.append(body)
        tooltips.append(_esc(tip))
        styles.append({"radius": round(radius, 2), "color": colour, "fillColor": colour})

    def marker(loc: list[float] | None) -> folium.CircleMarker:
        return folium.CircleMarker(location=loc, weight=1, fill=True, fill_opacity=0.7)

    _add_points(group, coords, popups, tooltips, marker, max_width=520, styles=styles)
    group.add_to(m)


def _add_grid(group: folium.FeatureGroup, demand: gpd.GeoDataFrame,
              minutes: dict[str, float], max_cells: int,
              colormap: branca.colormap.LinearColormap) -> None:
    """Residents as grid cells (``demand_grid``): one GeoJSON layer of squares coloured by
    their minutes, each with its popup and tooltip.
    """
    cells, size = demand_grid(demand, minutes, max_cells)
    corners = np.round(cells.to_crs("EPSG:4326").bounds.to_numpy(), _PRECISION).tolist()
    geometries = [{"type": "Polygon",
                   "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
                  for w, s, e, n in corners]
    texts = [_("{residents} residents in {points} points, {minutes}").format(
                 residents=_fmt_int(r), points=_fmt_int(p),
                 minutes=_("no in-person visits") if math.isnan(mi)
                 else _("mean {minutes}").format(minutes=_fmt_minutes(mi)))
             for r, p, mi in zip(cells["residents"], cells["points"], cells["minutes"],
                                 strict=True)]
    colours = [_colour(colormap, mi) for mi in cells["minutes"]]
    cell_word = _esc(_("Grid cell {size} m").format(size=_fmt_int(size)))
    _geojson_layer(
        group, geometries,
        [f"<b>{cell_word}</b><br>{_esc(t)}" for t in texts],
        [_esc(t) for t in texts], max_width=320,
        styles=[{"color": c, "weight": 0, "fill": True, "fillColor": c, "fillOpacity": 0.6}
                for c in colours])


def _geojson(geoms: gpd.GeoSeries, simplify_m: float = _BOUNDARY_SIMPLIFY_M,
             preserve_topology: bool = True) -> dict:
    """EPSG:3067 polygons as a GeoJSON FeatureCollection: simplified, EPSG:4326, rounded.

    Geometry only: properties would reach the page as unescaped JSON. Without
    ``preserve_topology`` the simplification is plain Douglas-Peucker (GEOS keeps polygons
    valid), an order of magnitude faster on thousands of round-cornered outlines.
    """
    geoms = geoms[geoms.notna() & ~geoms.is_empty]
    geoms = geoms.simplify(simplify_m, preserve_topology=preserve_topology).to_crs("EPSG:4326")
    rounded = shapely.transform(np.asarray(geoms.values, dtype=object),
                                lambda c: np.round(c, _PRECISION))
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": mapping(g)}
                         for g in rounded]}


def _add_boundary(m: folium.Map, region: Region) -> None:
    if region.boundary is None or not len(region.boundary):
        return
    _GeoJson(
        _geojson(region.boundary.geometry), name=_("Region boundary"),
        style_function=lambda _f: {"color": "#333333", "weight": 2, "fill": False,
                                   "fillOpacity": 0.0, "dashArray": "6 4"},
    ).add_to(m)


def plan_isochrones(plan: Plan, problem: Problem, minutes: Sequence[float], *,
                    method: str = "reach", region: Region | None = None,
                    mode: str | None = None, **kwargs: Any) -> gpd.GeoDataFrame:
    """Areas within ``minutes`` of each site of the plan that offers in-person service.

    Parameters
    ----------
    plan : planner.Plan
        Sites with an office, shared premises or a pop-up are drawn.
    problem : planner.Problem
        Its ``sites``, ``demand`` and ``times`` (minutes from each demand point to each
        site within the cut-off).
    minutes : sequence of float
        Time limits, e.g. ``[10]``.
    method : {"reach", "network"}
        ``"reach"`` (fast): the concave hull of the site and the demand points whose
        travel time to it is within the limit, widened by 40 m; it outlines where the
        residents who reach the site live. ``"network"``: the street-network isochrone of
        :func:`planner.network.isochrones` on ``region.graphs[mode]``; exact, but slow on
        big graphs (tens of seconds per site on the demo's walking network).
    region : planner.Region, optional
        Needed for ``method="network"``.
    mode : str, optional
        Graph for ``"network"``; default ``"walk"`` if present, else the first graph.
    **kwargs
        Passed to :func:`planner.network.isochrones` (``walk_speed_kmh``, ``max_snap_m``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``site_id``, ``site_name``, ``minutes`` and the area (EPSG:3067), largest limit
        first; sites reaching no one within a limit are left out.
    """
    cols = ["site_id", "site_name", "minutes", "geometry"]
    crs = problem.sites.crs
    dec = plan.open_decisions()
    dec = dec[dec["mode"].isin(["office", "shared", "popup"])].drop_duplicates("site_id")
    limits = sorted({float(x) for x in minutes})
    rows: list[dict[str, Any]] = []
    if method == "network":
        graphs = region.graphs if region is not None else {}
        mode = mode or ("walk" if "walk" in graphs else next(iter(graphs), None))
        if mode in graphs and len(dec) and limits:
            from planner.network import isochrones

            iso = isochrones(graphs[mode], dec.geometry.reset_index(drop=True), limits,
                             **kwargs)
            rows = [{"site_id": dec["site_id"].iloc[r.site],
                     "site_name": dec["site_name"].iloc[r.site], "minutes": r.minutes,
                     "geometry": r.geometry} for r in iso.itertuples()]
    elif method == "reach":
        rows = _reach_rows(dec, problem, limits)
    else:
        raise ValueError(f"method must be 'reach' or 'network', not {method!r}")
    iso = gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=crs)
    iso = iso[~iso.geometry.is_empty].sort_values(["minutes", "site_id"],
                                                  ascending=[False, True])
    return iso.reset_index(drop=True)


def _reach_rows(dec: pd.DataFrame, problem: Problem, limits: list[float]
                ) -> list[dict[str, Any]]:
    """``plan_isochrones(method="reach")``: per site of ``dec`` and limit, the concave hull
    of the site and the demand points within the limit (in ``problem.times`` order),
    widened by ``_REACH_MARGIN_M``; all hulls of a limit in one vectorised call.
    """
    pos = problem.site_index()
    site = np.array([int(pos.get(str(s), -1)) for s in dec["site_id"]], dtype=np.int64)
    keep = site >= 0
    ids = dec["site_id"].astype(str).to_numpy()[keep]
    names, site = dec["site_name"].to_numpy()[keep], site[keep]
    if not len(site) or not limits:
        return []
    # each site's demand points within the longest limit, grouped by site in times order
    t = problem.times
    slot = pd.Series(np.arange(len(site)), index=site)
    t = t[t["destination"].isin(slot.index) & (t["minutes"] <= limits[-1])]
    k = slot.loc[t["destination"].to_numpy()].to_numpy()
    order = np.argsort(k, kind="stable")
    k, origin = k[order], t["origin"].to_numpy(dtype=np.int64)[order]
    minutes = t["minutes"].to_numpy(dtype=float)[order]
    dem_xy = shapely.get_coordinates(
        problem.demand.geometry.representative_point().to_numpy())
    site_xy = shapely.get_coordinates(problem.sites.geometry.to_numpy()[site])
    rows: list[dict[str, Any]] = []
    for limit in limits:
        within = minutes <= limit
        kin = k[within]
        has = np.unique(kin)  # the sites reaching someone, in slot order
        if not len(has):
            continue
        # members: each site's own point first, then its demand points
        group = np.searchsorted(has, np.concatenate([has, kin]))
        first = np.r_[np.zeros(len(has), dtype=np.int8), np.ones(len(kin), dtype=np.int8)]
        xy = np.concatenate([site_xy[has], dem_xy[origin[within]]])
        members = np.lexsort((first, group))  # stable: demand points keep their order
        # a line through the points: the hull of its vertices is that of the points, and
        # one coordinate sequence per site is far cheaper to build than a point per vertex
        pts = shapely.linestrings(xy[members], indices=group[members])
        hulls = shapely.buffer(shapely.concave_hull(pts, ratio=_REACH_HULL_RATIO),
                               _REACH_MARGIN_M, quad_segs=16)  # as Geometry.buffer
        rows += [{"site_id": ids[j], "site_name": names[j], "minutes": limit, "geometry": h}
                 for j, h in zip(has.tolist(), hulls, strict=True)]
    return rows


def _add_isochrones(m: folium.Map, iso: gpd.GeoDataFrame | None) -> None:
    if iso is None or not len(iso):
        return
    for limit in sorted({float(x) for x in iso["minutes"]}):
        group = folium.FeatureGroup(
            name=_("Reach of proposed in-person sites ({minutes} min)").format(
                minutes=f"{limit:g}"), show=False)
        rows = iso[(iso["minutes"] == limit) & iso.geometry.notna() & ~iso.geometry.is_empty]
        # separate outlines that may overlap: no shared topology to preserve
        data = _geojson(gpd.GeoSeries(rows.geometry.to_numpy(), crs=iso.crs),
                        preserve_topology=False)
        style = {"color": _ISOCHRONE_COLOUR, "weight": 1, "fillColor": _ISOCHRONE_COLOUR,
                 "fillOpacity": 0.12}
        _geojson_layer(  # one layer for all sites: thousands of sites at national scale
            group, [f["geometry"] for f in data["features"]], None,
            [_esc(_("{name}: within {minutes} min").format(name=name, minutes=f"{limit:g}"))
             for name in rows["site_name"]],
            max_width=None, styles=[style] * len(rows))
        group.add_to(m)


def _add_tours(m: folium.Map, region: Region, tours: pd.DataFrame | None,
               names: dict[str, str]) -> None:
    """A hidden layer of pop-up tours: one line per team and day through its stops."""
    if tours is None or not len(tours) or region.sites is None or not len(region.sites):
        return
    where = dict(zip(region.sites["site_id"].astype(str), _latlon(region.sites.geometry),
                     strict=True))
    group = folium.FeatureGroup(name=_("Pop-up tours (staff)"), show=False)
    keys = ["organisation", "team", "day"]
    for (org, team, day), stops in tours.sort_values([*keys, "stop"]).groupby(keys, sort=True):
        path = [where[s] for s in stops["site_id"].astype(str) if s in where]
        if len(path) < 2:
            continue
        visits = max(len(stops) - 2, 0)
        travel = pd.to_numeric(stops["travel_min"], errors="coerce").sum()
        text = i18n.ngettext(
            "{organisation}, team {team}, day {day}: {stops} pop-up stop, {minutes} min travel",
            "{organisation}, team {team}, day {day}: {stops} pop-up stops, {minutes} min travel",
            visits).format(organisation=_org_label(org, names), team=team, day=day,
                           stops=visits, minutes=_fmt_int(travel))
        folium.PolyLine(path, color=_org_colour(org), weight=3, opacity=0.8,
                        dash_array="6 4", tooltip=folium.Tooltip(_esc(text))).add_to(group)
    group.add_to(m)


def _area_popups(level: str, rows: pd.DataFrame, names: dict[str, str]
                 ) -> list[tuple[str, str, float]]:
    """Per area of one level (sorted by name): its name, popup HTML (a row per organisation
    and standard, in the given order) and worst share within the standard.
    """
    rows = rows.assign(_area=rows["area"].astype(str)).sort_values("_area", kind="stable")
    worst = rows.groupby("_area", sort=True)["share_within"].min()
    out: dict[str, list[list[str]]] = {}
    for area, org, minutes, share, required, met in zip(
            rows["_area"], rows["organisation"], rows["minutes"], rows["share_within"],
            rows["required_share"], rows["met"], strict=True):
        no_req = _is_missing(required)
        out.setdefault(area, []).append([
            _esc(_org_label(org, names)), _esc(f"{minutes:g} min"),
            _esc(i18n.fmt_percent(share, 1)),
            _esc(_DASH if no_req else i18n.fmt_percent(required)),
            _esc(_DASH if no_req else term(bool(met)))])
    header = [_("Organisation"), _("Standard"), _("Within"), _("Required"), _("Met")]
    where = _esc(_(_AREA_LEVELS[level]) if level in _AREA_LEVELS else level)
    return [(area, f"<b>{_esc(area)}</b> ({where})<br>{_table(header, cells)}",
             float(worst[area])) for area, cells in out.items()]


def _add_areas(m: folium.Map, areas: gpd.GeoDataFrame | None,
               names: dict[str, str]) -> None:
    """One layer per area level, each area coloured by its worst organisation's share."""
    if areas is None or not len(areas):
        return
    cmap = _ColourBar(list(_SHARE_COLOURS), vmin=0.0, vmax=1.0, caption=_(_SHARE_CAPTION),
                      percent=True)
    for level in [lv for lv in _AREA_LEVELS if lv in set(areas["level"])]:
        group = folium.FeatureGroup(
            name=_(_AREA_LAYERS[level]), show=False)
        rows = areas[areas["level"] == level]
        outline = rows.assign(_area=rows["area"].astype(str)).drop_duplicates("_area") \
            .set_index("_area").geometry
        shown = [(a, popup, worst) for a, popup, worst in _area_popups(level, rows, names)
                 if outline[a] is not None and not outline[a].is_empty]  # else nothing to draw
        colours = [cmap(worst) for _, _, worst in shown]
        data = _geojson(gpd.GeoSeries([outline[a] for a, _, _ in shown], crs=areas.crs))
        _geojson_layer(
            group, [f["geometry"] for f in data["features"]], [p for _, p, _ in shown],
            [_esc(_("{area}: {share} within the standard (worst organisation)").format(
                area=a, share=i18n.fmt_percent(worst)))
             for a, _popup, worst in shown], max_width=480,
            styles=[{"color": c, "weight": 2, "fillColor": c, "fillOpacity": 0.25}
                    for c in colours])
        group.add_to(m)
    cmap.add_to(m)


# --------------------------------------------------------------------------- page furniture
_BOX = ("position:fixed;z-index:1000;background:rgba(255,255,255,0.92);"
        "border:1px solid #888;border-radius:4px;padding:6px 10px;box-sizing:border-box;"
        "font:12px/1.4 Arial,Helvetica,sans-serif;box-shadow:0 1px 4px rgba(0,0,0,0.3);"
        "overflow-wrap:anywhere;")
#: Width of the colour-bar box (px): its caption wraps inside it.
_BAR_WIDTH = 260


class _ColourBar(branca.colormap.LinearColormap):
    """A linear colour scale drawn as an HTML box (``_add_colour_bars``), not as branca's
    fixed-width SVG, whose caption is cut off where it is longer than the bar.
    """

    def __init__(self, colors: list[str], vmin: float, vmax: float, caption: str = "",
                 percent: bool = False) -> None:
        super().__init__(colors, vmin=vmin, vmax=vmax, caption=caption)
        self.percent = percent

    def render(self, **kwargs: Any) -> None:
        """Nothing of its own: the page's colour-bar box shows it."""

    def html(self) -> str:
        """The caption, the gradient and three tick labels (0, middle, end)."""
        stops = ", ".join(self.rgb_hex_str(self.vmin + (self.vmax - self.vmin) * t / 10)
                          for t in range(11))
        ticks = [self.vmin, (self.vmin + self.vmax) / 2, self.vmax]
        labels = [i18n.fmt_percent(t) if self.percent else i18n.fmt_number(t) for t in ticks]
        spans = "".join(f"<span>{_esc(t)}</span>" for t in labels)
        return (f'<div class="planner-colour-bar" style="margin-bottom:4px">'
                f'<div class="planner-colour-caption">{_esc(self.caption)}</div>'
                f'<div style="height:10px;border:1px solid #999;'
                f'background:linear-gradient(to right, {stops});"></div>'
                f'<div style="display:flex;justify-content:space-between">{spans}</div></div>')


def _add_colour_bars(root: folium.Map | DualMap, maps: Sequence[folium.Map], right: str,
                     top: str = "60px") -> None:
    """One box of the colour scales (``_ColourBar``) added to ``maps``, under the layer
    control at the top right of the page.
    """
    bars = [c for m in maps for c in m._children.values() if isinstance(c, _ColourBar)]
    if not bars:
        return
    root.get_root().html.add_child(folium.Element(
        f'<div class="planner-map-scales" style="{_BOX}top:{top};right:{right};'
        f'width:{_BAR_WIDTH}px;">' + "".join(b.html() for b in bars) + "</div>"))


def _add_title(m: folium.Map, title: str) -> None:
    """The map's one title, on the map and as the page's (the browser tab's) title, and the
    page's language.
    """
    root = m.get_root()
    root.title = _esc(title)
    root.planner_lang = i18n.current()
    m.get_root().html.add_child(folium.Element(
        f'<div class="planner-map-title" style="{_BOX}top:10px;left:56px;max-width:30%;'
        f'font-size:15px;font-weight:bold;">{_esc(title)}</div>'
    ))


def _add_legend(m: folium.Map, names: dict[str, str], orgs: Iterable[str]) -> None:
    org_items = "".join(
        f'<div><span style="display:inline-block;width:11px;height:11px;border-radius:50%;'
        f'background:{_org_colour(o)};margin-right:6px;"></span>{_esc(_org_label(o, names))}'
        f"</div>"
        for o in orgs
    )
    modes = [(mode, MODE_ICONS[mode], _MODE_MARKER_COLOURS[mode]) for mode in _MODE_ORDER]
    modes.append(("closed", _CLOSED_ICON, _CLOSED_MARKER_COLOUR))
    mode_items = "".join(
        f'<div><span style="display:inline-block;width:18px;text-align:center;color:#fff;'
        f'background:{_MARKER_HEX[colour]};border-radius:3px;margin-right:6px;">'
        f'<i class="fa fa-{_esc(icon)}"></i></span>{_esc(_(_MODE_LABELS[mode]))}</div>'
        for mode, icon, colour in modes
    )
    orgs_word = _esc(_("Organisations (today)"))
    dashed_word = _esc(_("dashed outline: illustrative data"))
    proposal_word = _esc(_("Proposal"))
    m.get_root().html.add_child(folium.Element(
        f'<div class="planner-map-legend" style="{_BOX}bottom:30px;right:10px;">'
        f"<b>{orgs_word}</b>{org_items}"
        f'<div style="color:#555">{dashed_word}</div>'
        f'<b style="display:block;margin-top:4px">{proposal_word}</b>{mode_items}</div>'
    ))


def _add_footer(m: folium.Map, lines: Sequence[str]) -> None:
    if not lines:
        return
    text = "<br>".join(_esc(line) for line in lines)
    m.get_root().html.add_child(folium.Element(
        f'<div class="planner-map-footer" style="{_BOX}bottom:56px;left:10px;max-width:45%;'
        f'font-size:11px;color:#333;">{text}</div>'
    ))


# --------------------------------------------------------------------------- public API
def _travel_colormap(*travel: _Travel | None) -> branca.colormap.LinearColormap:
    """Green-yellow-red scale from 0 to the 95th percentile of the plans' minutes (>= 15)."""
    values: list[float] = []
    for t in travel:
        if t is not None:
            values += list(t[0].values())
    p95 = float(np.percentile(values, 95)) if values else 0.0
    vmax = float(max(15, math.ceil(p95)))
    return _ColourBar(list(_TRAVEL_COLOURS), vmin=0.0, vmax=vmax, caption=_(_TRAVEL_CAPTION))


def _new_map(region: Region, plan: Plan, cls: type = folium.Map) -> Any:
    bounds = _bounds(region, plan)
    centre = ([(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
              if bounds else [60.17, 24.94])
    m = cls(location=[_round(c) for c in centre], zoom_start=10, tiles=None,
            control_scale=True)
    for side in (m.m1, m.m2) if isinstance(m, DualMap) else (m,):
        add_base_layers(side, region.graphs, _GeoJson)
    if bounds:
        m.fit_bounds(bounds)
    return m


def _orgs(region: Region) -> list[str]:
    orgs = set(ORG_COLOURS)
    if region.service_points is not None and len(region.service_points):
        orgs |= {str(o) for o in region.service_points["organisation"]}
    return sorted(orgs, key=_org_sort_key)


def _number_elements(root: Element) -> None:
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
        nested = [*el._children.values(), *(x for x in held if isinstance(x, Element))]
        stack.extend(reversed(nested))
    old = {id(el): name for el, name in found}
    for n, (el, _name) in enumerate(found):
        el._id = f"{n:08x}"
    for el, _name in found:
        el._children = type(el._children)(
            (c.get_name() if key == old[id(c)] else key, c) for key, c in el._children.items())


def plan_map(region: Region, plan: Plan, before: Plan | None = None, *,
             title: str | None = None, isochrones: gpd.GeoDataFrame | None = None,
             areas: gpd.GeoDataFrame | None = None, tours: pd.DataFrame | None = None,
             grid_threshold: int = DEMAND_GRID_THRESHOLD,
             cost_split: pd.DataFrame | None = None,
             agreement: pd.DataFrame | None = None, lang: str | None = None) -> folium.Map:
    """Draw a plan on an interactive map.

    Parameters
    ----------
    region : planner.Region
        The planning area (service points, sites, demand, boundary, attribution).
    plan : planner.Plan
        The proposal: its decisions become marker layers, its assignment colours the
        residents by minutes to in-person service.
    before : planner.Plan, optional
        A reference plan (usually today's network); adds a hidden layer of residents'
        minutes under that plan, on the same colour scale, to toggle against the plan's.
    title : str, optional
        Title shown on top of the map; defaults to ``"<region> - <plan>"`` (en dash).
    isochrones : geopandas.GeoDataFrame, optional
        From ``plan_isochrones``: a hidden layer per time limit.
    areas : geopandas.GeoDataFrame, optional
        Access per area (``planner.report.area_access``: ``level``, ``area``,
        ``organisation``, ``minutes``, ``share_within``, ``required_share``, ``met`` and
        the area's polygon); a hidden layer per level, each area coloured by its worst
        organisation's share of residents within the standard.
    tours : pandas.DataFrame, optional
        Pop-up tours (``planner.routing.Tours.stops``: ``organisation``, ``team``,
        ``day``, ``stop``, ``site_id``, ``travel_min``); a hidden layer with a line per
        team and day through its stops (straight lines between the sites).
    grid_threshold : int
        Above this many demand points residents are drawn as grid cells (at most this
        many) instead of points.
    cost_split : pandas.DataFrame, optional
        ``planner.sharing.cost_sharing`` of the plan (Shapley and nucleolus shares, core
        checks), shown with ``agreement``.
    agreement : pandas.DataFrame, optional
        ``planner.sharing.agreements`` of the plan; a shared site's popup then shows its
        agreement: key, term, and per party its role, floor area, desk-days, what it pays,
        its fee to the host (the host's income), its Shapley and nucleolus shares.
    lang : {"en", "fi", "sv"}, optional
        Language of the map's texts (default: the one in effect, see ``planner.i18n``).

    Returns
    -------
    folium.Map
        The map, with a collapsed layer control (OpenStreetMap tiles or the region's
        streets drawn in the page as the base layer), scale bar, legend, colour scales and
        attribution footer. Save it with ``save_map``.
    """
    with i18n.language(lang):
        return _plan_map(region, plan, before, title=title, isochrones=isochrones,
                         areas=areas, tours=tours, grid_threshold=grid_threshold,
                         cost_split=cost_split, agreement=agreement)


def _plan_map(region: Region, plan: Plan, before: Plan | None, *, title: str | None,
              isochrones: gpd.GeoDataFrame | None, areas: gpd.GeoDataFrame | None,
              tours: pd.DataFrame | None, grid_threshold: int,
              cost_split: pd.DataFrame | None, agreement: pd.DataFrame | None) -> folium.Map:
    names = _org_names(region)
    m = _new_map(region, plan)
    proposed = travel_minutes(plan.assignment)
    today = travel_minutes(before.assignment) if before is not None else None
    colormap = _travel_colormap(proposed, today)
    _add_boundary(m, region)
    _add_areas(m, areas, names)
    _add_isochrones(m, isochrones)
    _add_today(m, region, names)
    _add_proposal(m, plan, names, split=cost_split, agreements=_agreements(region),
                  agreement=agreement)
    _add_tours(m, region, tours, names)
    _add_demand(m, region, proposed, _(_PROPOSED_RESIDENTS), True, colormap, names,
                grid_threshold)
    if today is not None:
        _add_demand(m, region, today, _(_TODAY_RESIDENTS), False, colormap, names,
                    grid_threshold)
    colormap.add_to(m)
    _add_table_style(m)
    _add_title(m, title if title is not None else f"{region.name} {_DASH} {plan.name}")
    _add_legend(m, names, _orgs(region))
    _add_colour_bars(m, [m], right="10px")
    _add_footer(m, [str(a) for a in region.attribution])
    folium.LayerControl(collapsed=True).add_to(m)
    _number_elements(m.get_root())
    return m


def comparison_map(region: Region, plan: Plan, before: Plan, *, title: str | None = None,
                   grid_threshold: int = DEMAND_GRID_THRESHOLD,
                   lang: str | None = None) -> DualMap:
    """Today and the plan side by side, panned and zoomed together.

    The left map shows today's points per organisation and residents' minutes under
    ``before``; the right map the plan's sites by mode and residents' minutes under
    ``plan``, on the same colour scale.

    Parameters
    ----------
    region : planner.Region
    plan : planner.Plan
        The proposal (right).
    before : planner.Plan
        The reference, usually today's network (left).
    title : str, optional
        Page title; defaults to ``"<region>: today - <plan>"``.
    grid_threshold : int
        As in ``plan_map``.
    lang : {"en", "fi", "sv"}, optional
        As in ``plan_map``.

    Returns
    -------
    folium.plugins.DualMap
        Save it with ``save_map``.
    """
    with i18n.language(lang):
        return _comparison_map(region, plan, before, title, grid_threshold)


def _comparison_map(region: Region, plan: Plan, before: Plan, title: str | None,
                    grid_threshold: int) -> DualMap:
    names = _org_names(region)
    dual = _new_map(region, plan, DualMap)
    proposed, today = travel_minutes(plan.assignment), travel_minutes(before.assignment)
    colormap = _travel_colormap(proposed, today)
    for side, label in ((dual.m1, _("Today")), (dual.m2, _("Proposed"))):
        _add_boundary(side, region)
        if side is dual.m1:
            _add_today(side, region, names)
            _add_demand(side, region, today, _(_TODAY_RESIDENTS), True, colormap,
                        names, grid_threshold)
        else:
            _add_proposal(side, plan, names, agreements=_agreements(region))
            _add_demand(side, region, proposed, _(_PROPOSED_RESIDENTS), True, colormap,
                        names, grid_threshold)
        left = "56px" if side is dual.m1 else "calc(50% + 56px)"
        dual.get_root().html.add_child(folium.Element(
            f'<div class="planner-side-label" style="{_BOX}top:60px;left:{left};'
            f'font-weight:bold;">{_esc(label)}</div>'))
        folium.LayerControl(collapsed=True).add_to(side)
    colormap.add_to(dual.m2)
    _add_table_style(dual)
    _add_title(dual, title if title is not None
               else _("{region}: today {dash} {plan}").format(region=region.name, dash=_DASH,
                                                             plan=plan.name))
    _add_legend(dual, names, _orgs(region))
    _add_colour_bars(dual, [dual.m2], right="10px", top="60px")
    _number_elements(dual.get_root())
    return dual


def _inline_assets(page: str) -> str:
    """Replace folium's links to JavaScript and CSS on CDNs by the vendored copies inline,
    so the page works without internet (map tiles still need it).
    """

    def asset(url: str) -> tuple[bool, str | None]:
        for key, name in _ASSETS.items():
            if key in url:
                return True, None if name is None else (_WEB / name).read_text(
                    encoding="utf-8")
        return False, None

    def script(match: re.Match) -> str:
        known, text = asset(match.group(1))
        if not known:
            return match.group(0)
        return "" if text is None else "<script>" + text.replace("</script", "<\\/script") \
            + "</script>"

    def style(match: re.Match) -> str:
        known, text = asset(match.group(1))
        if not known:
            return match.group(0)
        if text is None:
            return f"<style>{_ROTATE_CSS}</style>" if "rotate" in match.group(1) else ""
        return "<style>" + text.replace("</style", "<\\/style") + "</style>"

    page = re.sub(r'<script src="(https?://[^"]+)"></script>', script, page)
    return re.sub(r'<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>', style, page)


def save_map(m: folium.Map | DualMap, path: str | Path, self_contained: bool = True) -> Path:
    """Write a map to one HTML file, whole or not at all.

    The page is written to a temporary file in the target folder and renamed into place,
    so a reader never sees a half-written map. Missing parent folders are created.

    Parameters
    ----------
    m : folium.Map or folium.plugins.DualMap
        A map from ``plan_map`` or ``comparison_map`` (or any folium map).
    path : str or pathlib.Path
        Output file, usually ``*.html``.
    self_contained : bool
        Inline Leaflet, its plugins and the icon font (vendored in
        ``planner/resources/web``, about 1 MB) instead of linking to CDNs, so the map
        opens without internet; only the background tiles need it.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    page = m.get_root().render()
    lang = getattr(m.get_root(), "planner_lang", None)
    if lang:  # screen readers and hyphenation read the page in its language
        page = page.replace("<html>", f'<html lang="{lang}">', 1)
    if self_contained:
        page = _inline_assets(page)
    return atomic_write(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
