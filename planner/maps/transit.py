"""Layer of public transport: the lines running on the day and their stops.

Lines are straight between consecutive stops (the feed's shapes are not read), coloured by
kind (tram, metro, rail, bus, ferry), with the line's name and trips of the day as tooltip;
stops are small grey dots with their name. Hidden until switched on in the layer control.
"""

from __future__ import annotations

import folium
import geopandas as gpd

from planner.i18n import N_
from planner.i18n import gettext as _
from planner.maps.elements import latlon, round_coord
from planner.maps.markup import esc

__all__ = ["TRANSIT_CAPTION", "add_transit"]

#: Colour bar caption of residents' minutes on a public transport map.
TRANSIT_CAPTION = N_("Minutes to in-person service by public transport (visit-weighted mean)")
#: Colour per kind of line (HSL's own colours).
KIND_COLOURS = {"tram": "#00985f", "metro": "#ff6319", "rail": "#8c4799", "bus": "#007ac9",
                "ferry": "#00b9e4"}
#: Name of each kind of line, for the tooltips.
KIND_LABELS = {"tram": N_("tram"), "metro": N_("metro"), "rail": N_("rail"), "bus": N_("bus"),
               "ferry": N_("ferry"), "other": N_("other")}


def add_transit(m: folium.Map, stops: gpd.GeoDataFrame, lines: gpd.GeoDataFrame) -> None:
    """Draw a hidden layer of the public transport lines and stops.

    Parameters
    ----------
    m : folium.Map
        The map to draw on.
    stops : geopandas.GeoDataFrame
        ``stop_name`` and points (EPSG:3067).
    lines : geopandas.GeoDataFrame
        ``route``, ``kind``, ``trips`` and lines (EPSG:3067).
    """
    group = folium.FeatureGroup(name=_("Public transport: lines and stops"), show=False)
    ll = lines.to_crs("EPSG:4326")
    for row in ll.itertuples():
        path = [(round_coord(y), round_coord(x)) for x, y in row.geometry.coords]
        tip = _("{kind} {route}: {trips} trips on the day").format(
            kind=_(KIND_LABELS.get(str(row.kind), KIND_LABELS["other"])), route=row.route,
            trips=row.trips)
        folium.PolyLine(path, color=KIND_COLOURS.get(str(row.kind), "#666666"), weight=2,
                        opacity=0.7, tooltip=folium.Tooltip(esc(tip))).add_to(group)
    for (lat, lon), name in zip(latlon(stops.geometry), stops["stop_name"], strict=True):
        folium.CircleMarker((lat, lon), radius=2, color="#555555", weight=1, fill=True,
                            fill_opacity=0.8, tooltip=folium.Tooltip(esc(str(name)))
                            ).add_to(group)
    group.add_to(m)
