"""Public transport in a scenario: the feed read once, the times, the note and the map layer.

``travel.mode: transit`` with ``travel.transit: {feed, date, start, window_min, statistic}``
routes residents on the feed's timetable (:func:`planner.network.transit_times`), walking
on the region's walk graph where it has one (straight lines x circuity elsewhere). The
plan's meta and the map's source line name the feed, its day and its licence.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString, box

from planner.network.gtfs import GtfsFeed, read_gtfs
from planner.network.snap import Snapping
from planner.network.timetable import build_timetable
from planner.network.transit import TransitNetwork, Walking, transit_times
from planner.schema import CRS

#: The feed shipped with the package (``planner/resources/gtfs/``).
SHIPPED_FEED = Path(__file__).resolve().parents[1] / "resources" / "gtfs" / \
    "hsl_gtfs_2022-02-22.zip"
#: Source and licence of shipped feeds, by file name.
SHIPPED_ATTRIBUTION = {
    "hsl_gtfs_2022-02-22.zip": "Public transport: Helsingin seudun liikenne HSL, 2022, "
                               "CC BY 4.0 (GTFS feed hsl_gtfs_2022-02-22.zip)",
}
#: GTFS route types drawn on the map, by name.
ROUTE_TYPES = {0: "tram", 1: "metro", 2: "rail", 3: "bus", 4: "ferry"}


class TransitSettings(Protocol):
    """The scenario's ``travel.transit`` (:class:`planner.scenario.Transit`)."""

    feed: Path
    date: str
    start: str
    window_min: int
    statistic: str
    max_walk_m: float
    max_transfer_m: float
    attribution: str | None


@lru_cache(maxsize=4)
def _load(path: str, stamp: float) -> GtfsFeed:
    return read_gtfs(path)


def load_feed(path: str | os.PathLike[str]) -> GtfsFeed:
    """Read a feed once per process (again when the file changes).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    GtfsFeed
    """
    p = str(path)
    return _load(p, os.path.getmtime(p) if os.path.exists(p) else 0.0)


def attribution(feed: GtfsFeed, given: str | None = None) -> str:
    """Return the feed's source line: as given, the shipped feed's, else its publisher's."""
    if given:
        return given
    return SHIPPED_ATTRIBUTION.get(feed.name, f"Public transport: {feed.publisher or 'GTFS'} "
                                              f"(GTFS feed {feed.name}; licence as published)")


def scenario_times(settings: TransitSettings, walk_graph: nx.MultiDiGraph | None,
                   origins: gpd.GeoSeries, destinations: gpd.GeoSeries, cutoff_min: float,
                   walk_speed_kmh: float, max_snap_m: float) -> pd.DataFrame:
    """Public transport minutes of a scenario, with its note and source line in ``attrs``.

    Parameters
    ----------
    settings : TransitSettings
        The scenario's ``travel.transit``.
    walk_graph : networkx.MultiDiGraph, optional
        The region's walk graph (None: straight lines x 1.3).
    origins, destinations : geopandas.GeoSeries
    cutoff_min : float
    walk_speed_kmh, max_snap_m : float
        The scenario's walking speed and farthest snap.

    Returns
    -------
    pandas.DataFrame
        As :func:`planner.network.transit_times`; ``attrs["note"]`` describes the model and
        ``attrs["attribution"]`` is the feed's source line.
    """
    feed = load_feed(settings.feed)
    walking = Walking(speed_kmh=walk_speed_kmh, max_walk_m=settings.max_walk_m,
                      max_transfer_m=settings.max_transfer_m, graph=walk_graph,
                      snapping=Snapping(walk_speed_kmh=walk_speed_kmh, max_snap_m=max_snap_m))
    times = transit_times(TransitNetwork(feed, walking), origins, destinations,
                          date=settings.date, start=settings.start, cutoff_min=cutoff_min,
                          window_min=settings.window_min, statistic=settings.statistic)
    end = dt.datetime.combine(dt.date.today(), dt.time.fromisoformat(
        _hhmm(settings.start))) + dt.timedelta(minutes=settings.window_min - 1)
    source = attribution(feed, settings.attribution)
    times.attrs["attribution"] = source
    times.attrs["note"] = (
        f"public transport times: GTFS feed {feed.name} on {settings.date}, the "
        f"{settings.statistic} over departures every minute {_hhmm(settings.start)}-"
        f"{end:%H:%M} (Range RAPTOR); walking at {walk_speed_kmh:g} km/h "
        f"{'on the walk network' if walk_graph is not None else 'along straight lines x 1.3'}"
        f", at most {settings.max_walk_m:g} m to or from a stop and {settings.max_transfer_m:g}"
        f" m between stops; a walk alone counts when faster. {source}")
    return times


def _hhmm(start: str) -> str:
    h, m = str(start).split(":")[:2]
    return f"{int(h):02d}:{int(m):02d}"


def map_layers(settings: TransitSettings, around: gpd.GeoSeries | None = None,
               margin_m: float = 2000.0) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the stops and the lines running on the day, for the map.

    Parameters
    ----------
    settings : TransitSettings
    around : geopandas.GeoSeries, optional
        Keep only the stops and lines within ``margin_m`` of these geometries' bounding
        box (the map's area); default all.
    margin_m : float

    Returns
    -------
    stops, lines : geopandas.GeoDataFrame
        Stops served on the day (``stop_name``, points) and one straight-segment line per
        route and stop sequence (``route``, ``kind``, ``trips``), EPSG:3067.
    """
    feed = load_feed(settings.feed)
    tt = build_timetable(feed, settings.date)
    xy = feed.stops[["x", "y"]].to_numpy()
    served = np.unique(tt.route_stops)
    stops = gpd.GeoDataFrame({"stop_name": feed.stops["stop_name"].to_numpy()[served]},
                             geometry=gpd.points_from_xy(xy[served, 0], xy[served, 1]),
                             crs=CRS)
    rows: dict[tuple[int, tuple[int, ...]], int] = {}
    for r in range(tt.n_routes):
        key = (int(tt.gtfs_route[r]), tuple(tt.route_stops[tt.route_ptr[r]:
                                                           tt.route_ptr[r + 1]].tolist()))
        rows[key] = rows.get(key, 0) + int(tt.n_trips[r])
    routes = feed.routes
    lines = gpd.GeoDataFrame({
        "route": [str(routes["route_short_name"].iloc[g]) for g, _ in rows],
        "kind": [ROUTE_TYPES.get(int(routes["route_type"].iloc[g]) % 100, "other")
                 if int(routes["route_type"].iloc[g]) < 100 else
                 _extended_kind(int(routes["route_type"].iloc[g])) for g, _ in rows],
        "trips": list(rows.values())},
        geometry=[LineString(xy[list(seq)]) if len(seq) > 1 else None for _, seq in rows],
        crs=CRS)
    lines = lines[lines.geometry.notna()]
    if around is not None and len(around):
        x0, y0, x1, y1 = around.to_crs(CRS).total_bounds
        area = box(x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m)
        stops = stops[stops.intersects(area)]
        lines = lines[lines.intersects(area)]
    return stops.reset_index(drop=True), lines.reset_index(drop=True)


def _extended_kind(route_type: int) -> str:
    """Kind of an extended GTFS route type (100s rail, 400s metro, 700s bus, 900s tram)."""
    return {1: "rail", 4: "metro", 7: "bus", 9: "tram", 10: "ferry"}.get(route_type // 100,
                                                                          "other")
