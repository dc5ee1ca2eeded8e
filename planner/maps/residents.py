"""Layers of the residents: their minutes to in-person service, as points or grid cells.

Each demand point is a circle sized by its residents and coloured by its minutes
(visit-weighted over organisations, ``planner.assess.kpis.travel_minutes``) on one
green-yellow-red scale for the plan and the reference (:func:`travel_colormap`), so the two
layers can be toggled against each other. Above ``DEMAND_GRID_THRESHOLD`` points the
residents are drawn as square grid cells instead (``planner.problem.demand.demand_grid``), at most
that many.
"""

from __future__ import annotations

import math

import branca.colormap
import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from planner.i18n import N_
from planner.i18n import gettext as _
from planner.maps.elements import PRECISION, ColourBar, add_points, geojson_layer, latlon
from planner.maps.markup import esc, fmt_int, fmt_minutes, table
from planner.maps.symbols import org_label, org_sort_key
from planner.problem.demand import demand_grid
from planner.region import Region

__all__ = ["DEMAND_GRID_THRESHOLD", "PROPOSED_RESIDENTS", "TODAY_RESIDENTS", "Travel",
           "add_demand", "travel_colormap"]

#: Above this many demand points the residents' layers are drawn as grid cells.
DEMAND_GRID_THRESHOLD = 2000
#: Layer names (English; translated where drawn).
PROPOSED_RESIDENTS = N_("Residents: minutes to in-person service (proposed)")
TODAY_RESIDENTS = N_("Residents: minutes to in-person service (today)")
_NO_DATA_COLOUR = "#9e9e9e"
_TRAVEL_COLOURS = ("#1a9850", "#fee08b", "#d73027")  # green -> yellow -> red
_TRAVEL_CAPTION = N_("Minutes to in-person service (visit-weighted mean over organisations)")

#: ``planner.assess.kpis.travel_minutes`` of a plan's assignment, computed once per map.
Travel = tuple[dict[str, float], pd.DataFrame]


def travel_colormap(*travel: Travel | None, caption: str | None = None) -> ColourBar:
    """Return the green-yellow-red scale from 0 to the 95th percentile of the minutes (>= 15).

    Parameters
    ----------
    *travel : Travel or None
        The plans' minutes (None: a plan not drawn).
    caption : str, optional
        Caption (untranslated; default: minutes to in-person service).

    Returns
    -------
    ColourBar
        The scale, to add to the map drawing the residents.
    """
    values: list[float] = []
    for t in travel:
        if t is not None:
            values += list(t[0].values())
    p95 = float(np.percentile(values, 95)) if values else 0.0
    vmax = float(max(15, math.ceil(p95)))
    return ColourBar(list(_TRAVEL_COLOURS), vmin=0.0, vmax=vmax,
                     caption=_(caption or _TRAVEL_CAPTION))


def _demand_popup(did: str, residents: float, minutes: float, rows: pd.DataFrame | None,
                  names: dict[str, str]) -> tuple[str, str]:
    """Return the popup HTML and tooltip text of one demand point."""
    html = ""
    if rows is not None:
        rows = rows.assign(_k=[org_sort_key(o) for o in rows["organisation"]])
        html = table(
            [_("Organisation"), _("Minutes (in person)"), _("Visits in person"), _("Remote"),
             _("Unserved")],
            [[esc(org_label(r.organisation, names)), esc(fmt_minutes(r.minutes)),
              esc(fmt_int(r.in_person)), esc(fmt_int(r.remote)),
              esc(fmt_int(r.unserved))]
             for r in rows.sort_values("_k").itertuples()],
        )
    mean_text = _("no in-person visits") if math.isnan(minutes) else fmt_minutes(minutes)
    heading = esc(_("Demand point {id}").format(id=did))
    residents_word, mean_word = esc(_("Residents")), esc(_("Mean to in-person service"))
    body = (f"<b>{heading}</b><br>{residents_word}: {esc(fmt_int(residents))}<br>"
            f"{mean_word}: {esc(mean_text)}<br>{html}")
    return body, _("{residents} residents, {minutes}").format(residents=fmt_int(residents),
                                                              minutes=mean_text)


def _colour(colormap: branca.colormap.LinearColormap, value: float) -> str:
    """Return the colour of ``value`` on the scale (clipped to it; grey for NaN)."""
    if math.isnan(value):
        return _NO_DATA_COLOUR
    return colormap(min(max(value, colormap.vmin), colormap.vmax))


def add_demand(m: folium.Map, region: Region, travel: Travel, name: str, show: bool,
               colormap: branca.colormap.LinearColormap, names: dict[str, str],
               grid_threshold: int = DEMAND_GRID_THRESHOLD) -> None:
    """Draw one layer of the residents coloured by their minutes under one plan.

    Parameters
    ----------
    m : folium.Map
        The map to draw on.
    region : planner.Region
        Its ``demand`` points.
    travel : Travel
        ``planner.assess.kpis.travel_minutes`` of the plan's assignment.
    name : str
        The layer's name.
    show : bool
        Whether the layer is shown when the page opens.
    colormap : branca.colormap.LinearColormap
        The colour scale (:func:`travel_colormap`).
    names : dict of str to str
        Display name per organisation code.
    grid_threshold : int
        Above this many demand points they are drawn as grid cells (at most this many).
    """
    demand = region.demand.reset_index(drop=True)
    overall, per_org = travel
    group = folium.FeatureGroup(name=name, show=show)
    squares = population_cells(region)
    if squares is not None:
        _add_cells(group, demand, squares, overall, colormap)
        group.add_to(m)
        return
    if len(demand) > grid_threshold:
        _add_grid(group, demand, overall, grid_threshold, colormap)
        group.add_to(m)
        return
    coords = latlon(demand.geometry)
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
        tooltips.append(esc(tip))
        styles.append({"radius": round(radius, 2), "color": colour, "fillColor": colour})

    def marker(loc: list[float] | None) -> folium.CircleMarker:
        return folium.CircleMarker(location=loc, weight=1, fill=True, fill_opacity=0.7)

    add_points(group, coords, popups, tooltips, marker, max_width=520, styles=styles)
    group.add_to(m)


def population_cells(region: Region) -> gpd.GeoSeries | None:
    """Return the population grid's square of each demand point, when a point is a cell.

    A region whose demand points are cells of a population grid (a unique ``cell`` per
    point, every one a ``hsy_cell`` of the region's boundary, as in the Helsinki demo)
    draws its residents as those squares; otherwise None.
    """
    demand, boundary = region.demand, region.boundary
    if ("cell" not in demand.columns or boundary is None or "hsy_cell" not in boundary.columns
            or not demand["cell"].is_unique):
        return None
    squares = boundary.drop_duplicates("hsy_cell").set_index("hsy_cell").geometry
    if not demand["cell"].isin(squares.index).all():
        return None
    return gpd.GeoSeries(squares.reindex(demand["cell"]).to_numpy(), crs=boundary.crs)


def _add_cells(group: folium.FeatureGroup, demand: gpd.GeoDataFrame, squares: gpd.GeoSeries,
               minutes: dict[str, float], colormap: branca.colormap.LinearColormap) -> None:
    """Draw each demand point as its population-grid square, coloured by its minutes."""
    corners = np.round(squares.to_crs("EPSG:4326").bounds.to_numpy(), PRECISION).tolist()
    geometries = [{"type": "Polygon",
                   "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
                  for w, s, e, n in corners]
    mins = [minutes.get(str(d), float("nan")) for d in demand["demand_id"]]
    texts = [_("{residents} residents, {minutes}").format(
                 residents=fmt_int(r), minutes=_("no in-person visits") if math.isnan(mi)
                 else _("mean {minutes}").format(minutes=fmt_minutes(mi)))
             for r, mi in zip(demand["population"], mins, strict=True)]
    titles = [esc(_("Grid cell {cell}").format(cell=c)) for c in demand["cell"]]
    colours = [_colour(colormap, mi) for mi in mins]
    geojson_layer(
        group, geometries, [f"<b>{t}</b><br>{esc(x)}" for t, x in zip(titles, texts,
                                                                         strict=True)],
        [esc(t) for t in texts], max_width=320,
        styles=[{"color": c, "weight": 0, "fill": True, "fillColor": c, "fillOpacity": 0.6}
                for c in colours])


def _add_grid(group: folium.FeatureGroup, demand: gpd.GeoDataFrame,
              minutes: dict[str, float], max_cells: int,
              colormap: branca.colormap.LinearColormap) -> None:
    """Draw residents as grid cells (``planner.problem.demand.demand_grid``).

    One GeoJSON layer of squares coloured by their minutes, each with its popup and tooltip.
    """
    cells, size = demand_grid(demand, minutes, max_cells)
    corners = np.round(cells.to_crs("EPSG:4326").bounds.to_numpy(), PRECISION).tolist()
    geometries = [{"type": "Polygon",
                   "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
                  for w, s, e, n in corners]
    texts = [_("{residents} residents in {points} points, {minutes}").format(
                 residents=fmt_int(r), points=fmt_int(p),
                 minutes=_("no in-person visits") if math.isnan(mi)
                 else _("mean {minutes}").format(minutes=fmt_minutes(mi)))
             for r, p, mi in zip(cells["residents"], cells["points"], cells["minutes"],
                                 strict=True)]
    colours = [_colour(colormap, mi) for mi in cells["minutes"]]
    cell_word = esc(_("Grid cell {size} m").format(size=fmt_int(size)))
    geojson_layer(
        group, geometries,
        [f"<b>{cell_word}</b><br>{esc(t)}" for t in texts],
        [esc(t) for t in texts], max_width=320,
        styles=[{"color": c, "weight": 0, "fill": True, "fillColor": c, "fillOpacity": 0.6}
                for c in colours])
