"""Layer of today's offices: one layer per organisation, a circle per service point.

Each point's popup gives its kind, desks, annual cost and source; a point from illustrative
data (``source == "illustrative"``) has a dashed outline, as the legend says.
"""

from __future__ import annotations

import folium

from planner.i18n import gettext as _
from planner.maps.elements import add_points, latlon
from planner.maps.markup import column, esc, eur_or_dash, fmt_int, table
from planner.maps.symbols import org_colour, org_label, org_sort_key
from planner.region import Region

__all__ = ["add_today"]


def add_today(m: folium.Map, region: Region, names: dict[str, str]) -> None:
    """Draw the region's service points, one shown layer per organisation.

    Parameters
    ----------
    m : folium.Map
        The map to draw on.
    region : planner.Region
        Its ``service_points`` (none: nothing is drawn).
    names : dict of str to str
        Display name per organisation code (``symbols.org_names``).
    """
    sp = region.service_points
    if sp is None or not len(sp):
        return
    sp = sp.reset_index(drop=True)
    coords = latlon(sp.geometry)
    orgs = [str(o) for o in sp["organisation"]]
    name, kind, source = column(sp, "name"), column(sp, "kind"), column(sp, "source")
    desks, cost = column(sp, "desks", None), column(sp, "annual_cost_eur", None)
    for org in sorted(set(orgs), key=org_sort_key):
        idx = [i for i, o in enumerate(orgs) if o == org]
        label = org_label(org, names)
        group = folium.FeatureGroup(
            name=esc(_("Today: {organisation} ({count})").format(organisation=label,
                                                                   count=len(idx))), show=True)
        colour = org_colour(org)
        popups, tooltips, styles = [], [], []
        for i in idx:
            illustrative = str(source[i]) == "illustrative"
            popups.append(
                f"<b>{esc(name[i])}</b><br>{esc(label)}<br>"
                + table(["", ""], [
                    [_("Kind"), esc(kind[i])],
                    [_("Desks"), esc(fmt_int(desks[i]))],
                    [_("Annual cost"), esc(eur_or_dash(cost[i]))],
                    [_("Source"), esc(_("illustrative (not a real office)") if illustrative
                                      else str(source[i]))],
                ]))
            tooltips.append(esc(_("{name} (today, {organisation})").format(
                name=name[i], organisation=label)))
            styles.append({"dashArray": "4 3" if illustrative else None})

        def marker(loc: list[float] | None, colour: str = colour) -> folium.CircleMarker:
            return folium.CircleMarker(location=loc, radius=6, color=colour, weight=2,
                                       fill=True, fill_color=colour, fill_opacity=0.5)

        add_points(group, [coords[i] for i in idx], popups, tooltips, marker,
                   max_width=320, styles=styles)
        group.add_to(m)
