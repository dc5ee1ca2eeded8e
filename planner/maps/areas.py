"""Layers of access per area: one hidden layer per area level, coloured by the worst share.

Each area (municipality, wellbeing services county, employment area) is coloured on a
red-yellow-green scale by the share of residents within the access standard of its worst
organisation (``planner.outputs.report.area_access``); its popup gives a row per organisation and
standard: the standard, the share within it, the share required and whether it is met.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from planner import i18n
from planner.i18n import N_, term
from planner.i18n import gettext as _
from planner.maps.elements import ColourBar, geojson_layer, polygons_geojson
from planner.maps.markup import DASH, esc, is_missing, table
from planner.maps.symbols import org_label

__all__ = ["add_areas"]

_SHARE_COLOURS = ("#d73027", "#fee08b", "#1a9850")  # red -> yellow -> green
_SHARE_CAPTION = N_("Share of residents within the access standard (worst organisation)")
_AREA_LEVELS = {"municipality": N_("municipality"), "county": N_("wellbeing services county"),
                "employment_area": N_("employment area")}
_AREA_LAYERS = {"municipality": N_("Areas: share within standard by municipality"),
                "county": N_("Areas: share within standard by wellbeing services county"),
                "employment_area": N_("Areas: share within standard by employment area")}


def _area_popups(level: str, rows: pd.DataFrame, names: dict[str, str]
                 ) -> list[tuple[str, str, float]]:
    """Return per area of one level (sorted by name): its name, popup HTML and worst share.

    The popup has a row per organisation and standard, in the given order.
    """
    rows = rows.assign(_area=rows["area"].astype(str)).sort_values("_area", kind="stable")
    worst = rows.groupby("_area", sort=True)["share_within"].min()
    out: dict[str, list[list[str]]] = {}
    for area, org, minutes, share, required, met in zip(
            rows["_area"], rows["organisation"], rows["minutes"], rows["share_within"],
            rows["required_share"], rows["met"], strict=True):
        no_req = is_missing(required)
        out.setdefault(area, []).append([
            esc(org_label(org, names)), esc(f"{minutes:g} min"),
            esc(i18n.fmt_percent(share, 1)),
            esc(DASH if no_req else i18n.fmt_percent(required)),
            esc(DASH if no_req else term(bool(met)))])
    header = [_("Organisation"), _("Standard"), _("Within"), _("Required"), _("Met")]
    where = esc(_(_AREA_LEVELS[level]) if level in _AREA_LEVELS else level)
    return [(area, f"<b>{esc(area)}</b> ({where})<br>{table(header, cells)}",
             float(worst[area])) for area, cells in out.items()]


def add_areas(m: folium.Map, areas: gpd.GeoDataFrame | None,
              names: dict[str, str]) -> None:
    """Draw one hidden layer per area level, each area coloured by its worst share.

    Parameters
    ----------
    m : folium.Map
        The map to draw on (it also gets the share's colour scale).
    areas : geopandas.GeoDataFrame, optional
        ``planner.outputs.report.area_access``: ``level``, ``area``, ``organisation``,
        ``minutes``, ``share_within``, ``required_share``, ``met`` and the area's polygon.
        None or empty: nothing is drawn.
    names : dict of str to str
        Display name per organisation code.
    """
    if areas is None or not len(areas):
        return
    cmap = ColourBar(list(_SHARE_COLOURS), vmin=0.0, vmax=1.0, caption=_(_SHARE_CAPTION),
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
        data = polygons_geojson(gpd.GeoSeries([outline[a] for a, _, _ in shown],
                                              crs=areas.crs))
        geojson_layer(
            group, [f["geometry"] for f in data["features"]], [p for _, p, _ in shown],
            [esc(_("{area}: {share} within the standard (worst organisation)").format(
                area=a, share=i18n.fmt_percent(worst)))
             for a, _popup, worst in shown], max_width=480,
            styles=[{"color": c, "weight": 2, "fillColor": c, "fillOpacity": 0.25}
                    for c in colours])
        group.add_to(m)
    cmap.add_to(m)
