"""Interactive Leaflet maps of a plan: today's offices, the proposal and travel times.

``plan_map`` draws one ``Region`` and one ``Plan`` (optionally the ``before`` plan for
comparison) with folium; ``save_map`` writes the map to a single HTML file.

Every piece of text that comes from data (names, organisations, attribution) is
HTML-escaped before it reaches the page, so a site called ``<script>...`` shows as text.
All planner geometry is EPSG:3067; the map itself is drawn in EPSG:4326.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import branca.colormap
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.plugins import MarkerCluster
from shapely.geometry import mapping

from planner._io import atomic_write
from planner.plan import Plan
from planner.region import Region

__all__ = ["MODE_ICONS", "ORG_COLOURS", "plan_map", "save_map", "travel_minutes"]

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
    "kela": "Kela",
    "municipality": "Municipality",
    "county": "Wellbeing services county",
    "employment": "Employment services",
    "other": "Other",
}
# Strongest mode first: a site is drawn once, in the layer of its strongest mode.
_MODE_ORDER = ("shared", "office", "popup", "remote")
_MODE_LAYERS = {
    "shared": "Proposed: shared premises",
    "office": "Proposed: offices",
    "popup": "Proposed: pop-up",
    "remote": "Proposed: remote service",
}
_MODE_LABELS = {
    "shared": "Shared premises",
    "office": "Office",
    "popup": "Pop-up",
    "remote": "Remote service point",
    "closed": "Closed office",
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
_CLOSED_LAYER = "Closed offices"
_CLOSED_MARKER_COLOUR = "gray"
_NO_DATA_COLOUR = "#9e9e9e"
_TRAVEL_COLOURS = ("#1a9850", "#fee08b", "#d73027")  # green -> yellow -> red
_TRAVEL_CAPTION = "Minutes to in-person service (visit-weighted mean over organisations)"
_CLUSTER_THRESHOLD = 200
_PRECISION = 6
_BOUNDARY_SIMPLIFY_M = 5.0
_DASH = "\u2013"  # en dash


# --------------------------------------------------------------------------- text helpers
def _esc(value: Any) -> str:
    """HTML-escape ``value`` and neutralise JavaScript template-literal syntax.

    folium puts popup and tooltip HTML inside JavaScript template literals (backticks), so
    besides ``<>&"'`` the backtick, ``$`` and backslash are replaced by character references.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = html.escape(str(value), quote=True)
    return text.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _fmt_int(value: Any) -> str:
    """``123456.4`` -> ``"123 456"``; missing -> a dash."""
    if _is_missing(value):
        return _DASH
    return f"{round(float(value)):,}".replace(",", " ")


def _fmt_eur(value: Any) -> str:
    """``123456`` -> ``"123 456 €"``; missing -> a dash."""
    return _DASH if _is_missing(value) else f"{_fmt_int(value)} €"


def _fmt_minutes(value: Any) -> str:
    """``12.345`` -> ``"12.3 min"``; missing -> a dash."""
    return _DASH if _is_missing(value) else f"{float(value):.1f} min"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """An HTML table; the cells must already be escaped."""
    th = "".join(f'<th style="text-align:left;padding:1px 6px">{h}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td style="padding:1px 6px;white-space:nowrap">{c}</td>'
                         for c in row) + "</tr>"
        for row in rows
    )
    return (f'<table style="border-collapse:collapse;font-size:12px">'
            f"<tr>{th}</tr>{body}</table>")


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
    names = dict(_ORG_LABELS)
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


def _add_today(m: folium.Map, region: Region, names: dict[str, str]) -> None:
    sp = region.service_points
    if sp is None or not len(sp):
        return
    sp = sp.reset_index(drop=True)
    coords = _latlon(sp.geometry)
    orgs = sorted({str(o) for o in sp["organisation"]}, key=_org_sort_key)
    for org in orgs:
        idx = [i for i, o in enumerate(sp["organisation"]) if str(o) == org]
        label = _org_label(org, names)
        group = folium.FeatureGroup(name=_esc(f"Today: {label} ({len(idx)})"), show=True)
        target = _container(group, len(idx))
        colour = _org_colour(org)
        for i in idx:
            row = sp.iloc[i]
            illustrative = str(row.get("source", "")) == "illustrative"
            source = ("illustrative (not a real office)" if illustrative
                      else str(row.get("source", "")))
            body = (
                f"<b>{_esc(row.get('name', ''))}</b><br>{_esc(label)}<br>"
                + _table(["", ""], [
                    ["Kind", _esc(row.get("kind", ""))],
                    ["Desks", _esc(_fmt_int(row.get("desks")))],
                    ["Annual cost", _esc(_fmt_eur(row.get("annual_cost_eur")))],
                    ["Source", _esc(source)],
                ])
            )
            folium.CircleMarker(
                location=coords[i], radius=6, color=colour, weight=2,
                dash_array="4 3" if illustrative else None,
                fill=True, fill_color=colour, fill_opacity=0.5,
                popup=folium.Popup(body, max_width=320),
                tooltip=folium.Tooltip(_esc(f"{row.get('name', '')} (today, {label})")),
            ).add_to(target)
        group.add_to(m)


def _site_popup(rows: pd.DataFrame, names: dict[str, str]) -> tuple[str, str]:
    """Popup HTML and site name of one site's decisions (one row per organisation)."""
    site_name = next((str(s) for s in rows["site_name"] if not _is_missing(s) and str(s)),
                     str(rows["site_id"].iloc[0]))
    host = next((h for h in rows["host_org"] if not _is_missing(h) and str(h)), "")
    table_rows = []
    for _, r in rows.iterrows():
        days = r.get("days_per_month")
        days_text = _fmt_int(days) if not _is_missing(days) and float(days) > 0 else _DASH
        table_rows.append([
            _esc(_org_label(r["organisation"], names)),
            _esc(r["mode"]),
            _esc(days_text),
            _esc(r.get("action", "")),
            _esc(_fmt_eur(r.get("annual_cost_eur"))),
            _esc(_fmt_int(r.get("visits"))),
        ])
    body = (
        f"<b>{_esc(site_name)}</b><br>Host: {_esc(_org_label(host, names))}<br>"
        + _table(["Organisation", "Mode", "Days/month", "Action", "Annual cost", "Visits"],
                 table_rows)
    )
    return body, site_name


def _sorted_sites(dec: gpd.GeoDataFrame) -> list[tuple[str, pd.DataFrame]]:
    dec = dec.assign(_org_key=[_org_sort_key(str(o)) for o in dec["organisation"]])
    out = []
    for site_id, rows in dec.groupby(dec["site_id"].astype(str), sort=True):
        out.append((str(site_id), rows.sort_values("_org_key").drop(columns="_org_key")))
    return out


def _add_proposal(m: folium.Map, plan: Plan, names: dict[str, str]) -> None:
    dec = plan.decisions
    open_dec = dec[dec["mode"] != "closed"]
    by_mode: dict[str, list[tuple[str, pd.DataFrame]]] = {mode: [] for mode in _MODE_ORDER}
    for site_id, rows in _sorted_sites(open_dec):
        modes = set(rows["mode"].astype(str))
        strongest = next((mode for mode in _MODE_ORDER if mode in modes), "office")
        by_mode[strongest].append((site_id, rows))
    for mode in _MODE_ORDER:
        sites = by_mode[mode]
        group = folium.FeatureGroup(name=_MODE_LAYERS[mode], show=True)
        target = _container(group, len(sites))
        for _, rows in sites:
            body, site_name = _site_popup(rows, names)
            folium.Marker(
                location=_latlon(rows.geometry.iloc[:1])[0],
                icon=folium.Icon(color=_MODE_MARKER_COLOURS[mode], icon=MODE_ICONS[mode],
                                 prefix="fa", icon_color="white"),
                popup=folium.Popup(body, max_width=480),
                tooltip=folium.Tooltip(_esc(f"{site_name} ({_MODE_LABELS[mode]})")),
            ).add_to(target)
        group.add_to(m)

    closed = _sorted_sites(dec[dec["mode"] == "closed"])
    group = folium.FeatureGroup(name=_CLOSED_LAYER, show=True)
    target = _container(group, len(closed))
    for _, rows in closed:
        body, site_name = _site_popup(rows, names)
        folium.Marker(
            location=_latlon(rows.geometry.iloc[:1])[0],
            icon=folium.Icon(color=_CLOSED_MARKER_COLOUR, icon=_CLOSED_ICON, prefix="fa",
                             icon_color="white"),
            popup=folium.Popup(body, max_width=480),
            tooltip=folium.Tooltip(_esc(f"{site_name} (closes)")),
        ).add_to(target)
    group.add_to(m)


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


def _add_demand(m: folium.Map, region: Region, assignment: pd.DataFrame, name: str,
                show: bool, colormap: branca.colormap.LinearColormap,
                names: dict[str, str]) -> None:
    demand = region.demand.reset_index(drop=True)
    coords = _latlon(demand.geometry)
    overall, per_org = travel_minutes(assignment)
    per_org_groups = {str(d): rows for d, rows in per_org.groupby("demand_id")}
    pop = pd.to_numeric(demand["population"], errors="coerce").fillna(0.0).clip(lower=0)
    max_sqrt = math.sqrt(float(pop.max())) if len(pop) and pop.max() > 0 else 1.0
    group = folium.FeatureGroup(name=name, show=show)
    target = _container(group, len(demand))
    for i, did in enumerate(demand["demand_id"].astype(str)):
        minutes = overall.get(did, float("nan"))
        colour = (_NO_DATA_COLOUR if math.isnan(minutes)
                  else colormap(min(max(minutes, colormap.vmin), colormap.vmax)))
        radius = 3.0 + 9.0 * math.sqrt(float(pop.iloc[i])) / max_sqrt
        rows = per_org_groups.get(did)
        table = ""
        if rows is not None:
            rows = rows.assign(_k=[_org_sort_key(o) for o in rows["organisation"]])
            table = _table(
                ["Organisation", "Minutes (in person)", "Visits in person", "Remote",
                 "Unserved"],
                [[_esc(_org_label(r.organisation, names)), _esc(_fmt_minutes(r.minutes)),
                  _esc(_fmt_int(r.in_person)), _esc(_fmt_int(r.remote)),
                  _esc(_fmt_int(r.unserved))]
                 for r in rows.sort_values("_k").itertuples()],
            )
        mean_text = ("no in-person visits" if math.isnan(minutes) else _fmt_minutes(minutes))
        body = (
            f"<b>Demand point {_esc(did)}</b><br>"
            f"Residents: {_esc(_fmt_int(pop.iloc[i]))}<br>"
            f"Mean to in-person service: {_esc(mean_text)}<br>{table}"
        )
        folium.CircleMarker(
            location=coords[i], radius=round(radius, 2), color=colour, weight=1,
            fill=True, fill_color=colour, fill_opacity=0.7,
            popup=folium.Popup(body, max_width=520),
            tooltip=folium.Tooltip(_esc(f"{_fmt_int(pop.iloc[i])} residents, {mean_text}")),
        ).add_to(target)
    group.add_to(m)


def _add_boundary(m: folium.Map, region: Region) -> None:
    if region.boundary is None or not len(region.boundary):
        return
    geoms = region.boundary.geometry
    geoms = geoms[geoms.notna() & ~geoms.is_empty]
    geoms = geoms.simplify(_BOUNDARY_SIMPLIFY_M, preserve_topology=True).to_crs("EPSG:4326")
    rounded = shapely.transform(np.asarray(geoms.values, dtype=object),
                                lambda c: np.round(c, _PRECISION))
    # Geometry only: properties would reach the page as unescaped JSON.
    data = {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": mapping(g)}
                         for g in rounded]}
    folium.GeoJson(
        data, name="Region boundary",
        style_function=lambda _f: {"color": "#333333", "weight": 2, "fill": False,
                                   "fillOpacity": 0.0, "dashArray": "6 4"},
    ).add_to(m)


# --------------------------------------------------------------------------- page furniture
_BOX = ("position:fixed;z-index:1000;background:rgba(255,255,255,0.92);"
        "border:1px solid #888;border-radius:4px;padding:6px 10px;"
        "font:12px/1.4 Arial,Helvetica,sans-serif;box-shadow:0 1px 4px rgba(0,0,0,0.3);")


def _add_title(m: folium.Map, title: str) -> None:
    m.get_root().html.add_child(folium.Element(
        f'<div class="planner-map-title" style="{_BOX}top:10px;left:50%;'
        f'transform:translateX(-50%);font-size:16px;font-weight:bold;">{_esc(title)}</div>'
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
        f'<i class="fa fa-{_esc(icon)}"></i></span>{_esc(_MODE_LABELS[mode])}</div>'
        for mode, icon, colour in modes
    )
    m.get_root().html.add_child(folium.Element(
        f'<div class="planner-map-legend" style="{_BOX}bottom:30px;right:10px;">'
        f"<b>Organisations (today)</b>{org_items}"
        f'<div style="color:#555">dashed outline: illustrative data</div>'
        f'<b style="display:block;margin-top:4px">Proposal</b>{mode_items}</div>'
    ))


def _add_footer(m: folium.Map, lines: Sequence[str]) -> None:
    if not lines:
        return
    text = "<br>".join(_esc(line) for line in lines)
    m.get_root().html.add_child(folium.Element(
        f'<div class="planner-map-footer" style="{_BOX}bottom:40px;left:10px;max-width:45%;'
        f'font-size:11px;color:#333;">{text}</div>'
    ))


# --------------------------------------------------------------------------- public API
def plan_map(region: Region, plan: Plan, before: Plan | None = None, *,
             title: str | None = None) -> folium.Map:
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
        minutes under that plan, on the same colour scale.
    title : str, optional
        Title shown on top of the map; defaults to ``"<region> - <plan>"`` (en dash).

    Returns
    -------
    folium.Map
        The map, with a layer control, scale bar, legend, travel-time colour scale and
        attribution footer. Save it with ``save_map``.
    """
    names = _org_names(region)
    bounds = _bounds(region, plan)
    centre = ([(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
              if bounds else [60.17, 24.94])
    m = folium.Map(location=[_round(c) for c in centre], zoom_start=10,
                   tiles="OpenStreetMap", control_scale=True)
    if bounds:
        m.fit_bounds(bounds)

    overall, _ = travel_minutes(plan.assignment)
    values = list(overall.values())
    if before is not None:
        values += list(travel_minutes(before.assignment)[0].values())
    p95 = float(np.percentile(values, 95)) if values else 0.0
    vmax = float(max(15, math.ceil(p95)))
    colormap = branca.colormap.LinearColormap(list(_TRAVEL_COLOURS), vmin=0.0, vmax=vmax,
                                              caption=_TRAVEL_CAPTION)

    _add_boundary(m, region)
    _add_today(m, region, names)
    _add_proposal(m, plan, names)
    _add_demand(m, region, plan.assignment,
                "Residents: minutes to in-person service (proposed)", True, colormap, names)
    if before is not None:
        _add_demand(m, region, before.assignment,
                    "Residents: minutes to in-person service (today)", False, colormap, names)
    colormap.add_to(m)

    orgs = set(ORG_COLOURS)
    if region.service_points is not None and len(region.service_points):
        orgs |= {str(o) for o in region.service_points["organisation"]}
    _add_title(m, title if title is not None else f"{region.name} {_DASH} {plan.name}")
    _add_legend(m, names, sorted(orgs, key=_org_sort_key))
    _add_footer(m, [str(a) for a in region.attribution])
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Write a map to one HTML file, whole or not at all.

    The page is written to a temporary file in the target folder and renamed into place,
    so a reader never sees a half-written map. Missing parent folders are created.

    Parameters
    ----------
    m : folium.Map
        A map from ``plan_map`` (or any folium map).
    path : str or pathlib.Path
        Output file, usually ``*.html``.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    page = m.get_root().render()
    return atomic_write(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
