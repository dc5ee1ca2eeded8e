"""Layer of the pop-up tours: one dashed line per team and day through its stops.

The lines are straight between the sites (``planner.model.tours.Tours.stops``), in the
organisation's colour; the tooltip gives the organisation, team, day, number of pop-up
stops and the staff's minutes of travel.
"""

from __future__ import annotations

import folium
import pandas as pd

from planner import i18n
from planner.i18n import gettext as _
from planner.maps.elements import latlon
from planner.maps.markup import esc, fmt_int
from planner.maps.symbols import org_colour, org_label
from planner.region import Region

__all__ = ["add_tours"]


def add_tours(m: folium.Map, region: Region, tours: pd.DataFrame | None,
              names: dict[str, str]) -> None:
    """Draw a hidden layer of pop-up tours: one line per team and day through its stops.

    Parameters
    ----------
    m : folium.Map
        The map to draw on.
    region : planner.Region
        Its ``sites`` locate the stops (stops at unknown sites are left out).
    tours : pandas.DataFrame, optional
        ``planner.model.tours.Tours.stops``: ``organisation``, ``team``, ``day``, ``stop``,
        ``site_id``, ``travel_min``. None or empty: nothing is drawn.
    names : dict of str to str
        Display name per organisation code.
    """
    if tours is None or not len(tours) or region.sites is None or not len(region.sites):
        return
    where = dict(zip(region.sites["site_id"].astype(str), latlon(region.sites.geometry),
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
            visits).format(organisation=org_label(org, names), team=team, day=day,
                           stops=visits, minutes=fmt_int(travel))
        folium.PolyLine(path, color=org_colour(org), weight=3, opacity=0.8,
                        dash_array="6 4", tooltip=folium.Tooltip(esc(text))).add_to(group)
    group.add_to(m)
