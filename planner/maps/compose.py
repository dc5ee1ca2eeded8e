"""The maps put together: a plan on one map, or today and the plan side by side.

:func:`plan_map` draws one plan, :func:`comparison_map` today and the plan side by side.

A map draws, bottom to top: the base layers (``basemap``), the boundary, the areas, the
reach outlines, today's offices, the proposal, the tours and the residents; then the page's
colour scales, table style, title, legend and footer, and a collapsed layer control. The
numbers it draws come computed (``planner.evaluate.travel_minutes``,
``planner.evaluate.plan_isochrones``, ``planner.report.area_access``, ``planner.sharing``);
the optional layers of a plan map travel together as one :class:`MapLayers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from folium.plugins import DualMap

from planner import i18n
from planner.evaluate import travel_minutes
from planner.i18n import gettext as _
from planner.maps.areas import add_areas
from planner.maps.basemap import add_base_layers, street_data
from planner.maps.elements import add_colour_bars, number_elements, round_coord
from planner.maps.furniture import add_footer, add_legend, add_side_label, add_title
from planner.maps.markup import DASH, add_table_style
from planner.maps.outlines import add_boundary, add_isochrones
from planner.maps.proposal import add_proposal, host_agreements
from planner.maps.residents import (
    DEMAND_GRID_THRESHOLD,
    PROPOSED_RESIDENTS,
    TODAY_RESIDENTS,
    add_demand,
    travel_colormap,
)
from planner.maps.symbols import org_names, organisations
from planner.maps.today import add_today
from planner.maps.tours import add_tours
from planner.maps.transit import TRANSIT_CAPTION, add_transit
from planner.plan import Plan
from planner.region import Region

__all__ = ["MapLayers", "comparison_map", "plan_map"]


@dataclass(frozen=True)
class MapLayers:
    """The optional layers of :func:`plan_map`, beside the region and the plan.

    Parameters
    ----------
    isochrones : geopandas.GeoDataFrame, optional
        From ``planner.evaluate.plan_isochrones``: a hidden layer per time limit.
    areas : geopandas.GeoDataFrame, optional
        Access per area (``planner.report.area_access``: ``level``, ``area``,
        ``organisation``, ``minutes``, ``share_within``, ``required_share``, ``met`` and
        the area's polygon); a hidden layer per level, each area coloured by its worst
        organisation's share of residents within the standard.
    tours : pandas.DataFrame, optional
        Pop-up tours (``planner.routing.Tours.stops``: ``organisation``, ``team``,
        ``day``, ``stop``, ``site_id``, ``travel_min``); a hidden layer with a line per
        team and day through its stops (straight lines between the sites).
    cost_split : pandas.DataFrame, optional
        ``planner.sharing.cost_sharing`` of the plan (Shapley and nucleolus shares, core
        checks), shown with ``agreement``.
    agreement : pandas.DataFrame, optional
        ``planner.sharing.agreements`` of the plan; a shared site's popup then shows its
        agreement: key, term, and per party its role, floor area, desk-days, what it pays,
        its fee to the host (the host's income), its Shapley and nucleolus shares.
    transit : tuple of geopandas.GeoDataFrame, optional
        Public transport stops and lines (``planner.network.transit_setup.map_layers``): a
        hidden layer, and the residents' minutes are captioned as by public transport.
    """

    isochrones: gpd.GeoDataFrame | None = None
    areas: gpd.GeoDataFrame | None = None
    tours: pd.DataFrame | None = None
    cost_split: pd.DataFrame | None = None
    agreement: pd.DataFrame | None = None
    transit: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None = None


def _bounds(region: Region, plan: Plan) -> list[list[float]] | None:
    """Return ``[[south, west], [north, east]]`` of the region's demand and sites."""
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
    return [[round_coord(south), round_coord(west)], [round_coord(north), round_coord(east)]]


def _new_map(region: Region, plan: Plan, cls: type = folium.Map) -> Any:
    """Return an empty map (``cls``: a folium Map or DualMap) of the region's extent.

    It has the base layers (``basemap``) on each side and is fitted to the region.
    """
    bounds = _bounds(region, plan)
    centre = ([(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
              if bounds else [60.17, 24.94])
    m = cls(location=[round_coord(c) for c in centre], zoom_start=10, tiles=None,
            control_scale=True)
    streets = street_data(region.graphs)
    for side in (m.m1, m.m2) if isinstance(m, DualMap) else (m,):
        add_base_layers(side, streets)
    if bounds:
        m.fit_bounds(bounds)
    return m


def plan_map(region: Region, plan: Plan, before: Plan | None = None, *,
             title: str | None = None, layers: MapLayers | None = None,
             grid_threshold: int = DEMAND_GRID_THRESHOLD, lang: str | None = None
             ) -> folium.Map:
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
    layers : MapLayers, optional
        The optional layers: reach outlines, access per area, pop-up tours, and the
        agreements and cost split of shared sites.
    grid_threshold : int
        Above this many demand points residents are drawn as grid cells (at most this
        many) instead of points.
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
        return _plan_map(region, plan, before, title, layers or MapLayers(), grid_threshold)


def _plan_map(region: Region, plan: Plan, before: Plan | None, title: str | None,
              layers: MapLayers, grid_threshold: int) -> folium.Map:
    names = org_names(region)
    m = _new_map(region, plan)
    proposed = travel_minutes(plan.assignment)
    today = travel_minutes(before.assignment) if before is not None else None
    colormap = travel_colormap(proposed, today, caption=TRANSIT_CAPTION if layers.transit
                               else None)
    add_boundary(m, region)
    add_areas(m, layers.areas, names)
    add_isochrones(m, layers.isochrones)
    add_today(m, region, names)
    add_proposal(m, plan, names, split=layers.cost_split, agreements=host_agreements(region),
                 agreement=layers.agreement)
    add_tours(m, region, layers.tours, names)
    if layers.transit is not None:
        add_transit(m, *layers.transit)
    add_demand(m, region, proposed, _(PROPOSED_RESIDENTS), True, colormap, names,
               grid_threshold)
    if today is not None:
        add_demand(m, region, today, _(TODAY_RESIDENTS), False, colormap, names,
                   grid_threshold)
    colormap.add_to(m)
    add_table_style(m)
    add_title(m, title if title is not None else f"{region.name} {DASH} {plan.name}")
    add_legend(m, names, organisations(region))
    add_colour_bars(m, [m], right="10px")
    add_footer(m, [str(a) for a in region.attribution])
    folium.LayerControl(collapsed=True).add_to(m)
    number_elements(m.get_root())
    return m


def comparison_map(region: Region, plan: Plan, before: Plan, *, title: str | None = None,
                   grid_threshold: int = DEMAND_GRID_THRESHOLD,
                   lang: str | None = None) -> DualMap:
    """Draw today and the plan side by side, panned and zoomed together.

    The left map shows today's points per organisation and residents' minutes under
    ``before``; the right map the plan's sites by mode and residents' minutes under
    ``plan``, on the same colour scale.

    Parameters
    ----------
    region : planner.Region
        The planning area.
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
    names = org_names(region)
    dual = _new_map(region, plan, DualMap)
    proposed, today = travel_minutes(plan.assignment), travel_minutes(before.assignment)
    colormap = travel_colormap(proposed, today)
    for side, label in ((dual.m1, _("Today")), (dual.m2, _("Proposed"))):
        add_boundary(side, region)
        if side is dual.m1:
            add_today(side, region, names)
            add_demand(side, region, today, _(TODAY_RESIDENTS), True, colormap,
                       names, grid_threshold)
        else:
            add_proposal(side, plan, names, agreements=host_agreements(region))
            add_demand(side, region, proposed, _(PROPOSED_RESIDENTS), True, colormap,
                       names, grid_threshold)
        add_side_label(dual, label, "56px" if side is dual.m1 else "calc(50% + 56px)")
        folium.LayerControl(collapsed=True).add_to(side)
    colormap.add_to(dual.m2)
    add_table_style(dual)
    add_title(dual, title if title is not None
              else _("{region}: today {dash} {plan}").format(region=region.name, dash=DASH,
                                                            plan=plan.name))
    add_legend(dual, names, organisations(region))
    add_colour_bars(dual, [dual.m2], right="10px", top="60px")
    number_elements(dual.get_root())
    return dual
