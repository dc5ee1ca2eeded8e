"""Outline layers: the region's boundary and the reach of the proposed in-person sites.

The boundary is a dashed line without fill. The reach areas
(``planner.assess.kpis.plan_isochrones``) are one hidden layer per time limit, one GeoJSON
layer for all sites (thousands at national scale), each area with the site's name as its
tooltip.
"""

from __future__ import annotations

import folium
import geopandas as gpd

from planner.i18n import gettext as _
from planner.maps.elements import GeoJson, geojson_layer, polygons_geojson
from planner.maps.markup import esc
from planner.region import Region

__all__ = ["add_boundary", "add_isochrones"]

_ISOCHRONE_COLOUR = "#6a3d9a"


def add_boundary(m: folium.Map, region: Region) -> None:
    """Draw the region's boundary (none: nothing is drawn)."""
    if region.boundary is None or not len(region.boundary):
        return
    GeoJson(
        polygons_geojson(region.boundary.geometry), name=_("Region boundary"),
        style_function=lambda _f: {"color": "#333333", "weight": 2, "fill": False,
                                   "fillOpacity": 0.0, "dashArray": "6 4"},
    ).add_to(m)


def add_isochrones(m: folium.Map, iso: gpd.GeoDataFrame | None) -> None:
    """Draw the reach areas, one hidden layer per time limit.

    Parameters
    ----------
    m : folium.Map
        The map to draw on.
    iso : geopandas.GeoDataFrame, optional
        ``planner.assess.kpis.plan_isochrones``: ``site_name``, ``minutes`` and the area.
        None or empty: nothing is drawn.
    """
    if iso is None or not len(iso):
        return
    for limit in sorted({float(x) for x in iso["minutes"]}):
        group = folium.FeatureGroup(
            name=_("Reach of proposed in-person sites ({minutes} min)").format(
                minutes=f"{limit:g}"), show=False)
        rows = iso[(iso["minutes"] == limit) & iso.geometry.notna() & ~iso.geometry.is_empty]
        # separate outlines that may overlap: no shared topology to preserve
        data = polygons_geojson(gpd.GeoSeries(rows.geometry.to_numpy(), crs=iso.crs),
                                preserve_topology=False)
        style = {"color": _ISOCHRONE_COLOUR, "weight": 1, "fillColor": _ISOCHRONE_COLOUR,
                 "fillOpacity": 0.12}
        geojson_layer(  # one layer for all sites: thousands of sites at national scale
            group, [f["geometry"] for f in data["features"]], None,
            [esc(_("{name}: within {minutes} min").format(name=name, minutes=f"{limit:g}"))
             for name in rows["site_name"]],
            max_width=None, styles=[style] * len(rows))
        group.add_to(m)
