"""Door-to-door times by public transport, as a percentile over a window of departures.

For every departure minute of the window (leaving the origin at that minute) the earliest
arrival at every destination is found by Range RAPTOR (:mod:`planner.network.raptor`) on
the day's timetable (:mod:`planner.network.timetable`); per pair the minutes of all
departures are reduced to their median (or another percentile), as R5/r5py and the
Helsinki Region Travel Time Matrix do. Unreached departures count as infinitely slow, so a
pair whose median departure misses the cut-off is absent.

Walking (:class:`Walking`): from the origin to the first stop and from the last stop to the
destination up to ``max_walk_m``, between stops (a transfer) up to ``max_transfer_m``, and
the whole way when that is faster (up to the cut-off). On the street graph when one is
given (the package's bounded search, :func:`planner.network.travel_times`; points off the
graph fall back to the straight line), else along straight lines x ``circuity`` at
``speed_kmh``. ``transfers.txt`` overrides the walk between two stops (type 2 with
``min_transfer_time``), forbids it (type 3) or sets the change time at one stop.

Not modelled: ``pickup_type``/``drop_off_type`` (every stop lets riders on and off),
fares, the first wait's randomness of ``exact_times`` 0 (expanded like exact times).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.network.gtfs import GtfsFeed
from planner.network.snap import Snapping
from planner.network.speeds import WALK_SPEED_KMH
from planner.network.straight import DEFAULT_CIRCUITY, straight_line_times
from planner.network.timetable import Timetable, build_timetable
from planner.schema import CRS

#: Statistics by name; ``"p<N>"`` asks for the N-th percentile.
STATISTICS = {"median": 50.0, "min": 0.0, "max": 100.0}


@dataclass(frozen=True)
class Walking:
    """How riders walk to, between and from stops.

    Attributes
    ----------
    speed_kmh : float
        Walking speed (the package's walking speed by default).
    max_walk_m : float
        Farthest walk (network metres) from the origin to a stop and from a stop to the
        destination.
    max_transfer_m : float
        Farthest walk between two stops to change trips.
    circuity : float
        Walked per straight-line distance where there is no street graph.
    graph : networkx.MultiDiGraph, optional
        Walk graph in EPSG:3067 with ``travel_time`` (seconds); points more than
        ``snapping.max_snap_m`` off it walk straight lines.
    snapping : Snapping, optional
        How points meet the graph.
    """

    speed_kmh: float = WALK_SPEED_KMH
    max_walk_m: float = 1000.0
    max_transfer_m: float = 500.0
    circuity: float = DEFAULT_CIRCUITY
    graph: nx.MultiDiGraph | None = None
    snapping: Snapping | None = None

    def minutes(self, metres: float) -> float:
        """Minutes to walk ``metres`` along the way."""
        return metres / (self.speed_kmh * 1000.0 / 60.0)


@dataclass(frozen=True)
class TransitNetwork:
    """A feed and the walking that joins it to the places: what :func:`transit_times` routes.

    Attributes
    ----------
    feed : GtfsFeed
    walking : Walking
    """

    feed: GtfsFeed
    walking: Walking = Walking()


def parse_start(start: str | dt.time | int) -> int:
    """Seconds after midnight of ``"HH:MM"``, ``"HH:MM:SS"``, a ``datetime.time`` or seconds.

    Parameters
    ----------
    start : str, datetime.time or int

    Returns
    -------
    int
    """
    if isinstance(start, dt.time):
        return start.hour * 3600 + start.minute * 60 + start.second
    if isinstance(start, int | np.integer):
        return int(start)
    parts = str(start).strip().split(":")
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        nums = []
    if len(nums) not in (2, 3) or not 0 <= nums[1] < 60 or (len(nums) == 3 and
                                                             not 0 <= nums[2] < 60):
        raise InputError(f"transit start {start!r} is not a time HH:MM (e.g. 08:00)")
    return nums[0] * 3600 + nums[1] * 60 + (nums[2] if len(nums) == 3 else 0)


def parse_statistic(statistic: str | float) -> float:
    """Percentile of ``"median"``, ``"min"``, ``"max"``, ``"p<N>"`` or a number 0-100."""
    if isinstance(statistic, int | float):
        q = float(statistic)
    elif str(statistic) in STATISTICS:
        q = STATISTICS[str(statistic)]
    else:
        try:
            q = float(str(statistic).removeprefix("p"))
        except ValueError:
            q = -1.0
    if not 0.0 <= q <= 100.0:
        raise InputError(f"transit statistic {statistic!r}: use median, min, max or p<N> "
                         "with N from 0 to 100 (e.g. p75)")
    return q


def _points(points: gpd.GeoSeries) -> gpd.GeoSeries:
    if points.crs is None:
        raise InputError("points have no CRS; set one (EPSG:3067 or EPSG:4326)")
    return points.to_crs(CRS).representative_point()


def walk_table(a: gpd.GeoSeries, b: gpd.GeoSeries, cutoff_min: float,
               walking: Walking) -> pd.DataFrame:
    """Return walking minutes from ``a`` to ``b`` within a cut-off (graph or straight lines).

    Parameters
    ----------
    a, b : geopandas.GeoSeries
        Points in EPSG:3067.
    cutoff_min : float
    walking : Walking

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination``, ``minutes``.
    """
    line = straight_line_times(a, b, cutoff_min, walking.speed_kmh, walking.circuity)
    if walking.graph is None:
        return line
    from planner.network.matrix import travel_times

    sn = walking.snapping or Snapping(walk_speed_kmh=walking.speed_kmh)
    net = travel_times(walking.graph, a, b, cutoff_min, sn)
    off_a = np.zeros(len(a), dtype=bool)
    off_a[np.asarray(net.attrs["unreachable_origins"], dtype=np.int64)] = True
    off_b = np.zeros(len(b), dtype=bool)
    off_b[np.asarray(net.attrs["unreachable_destinations"], dtype=np.int64)] = True
    fallback = line[off_a[line["origin"].to_numpy()] | off_b[line["destination"].to_numpy()]]
    both = pd.concat([net, fallback], ignore_index=True)
    return both.sort_values(["origin", "destination"], kind="stable").reset_index(drop=True)


def _csr(table: pd.DataFrame, n_rows: int, row: str = "origin", col: str = "destination"
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``ptr, index, seconds`` (int64) of a long table sorted by ``row``."""
    t = table.sort_values([row, col], kind="stable")
    ptr = np.r_[0, np.cumsum(np.bincount(t[row].to_numpy(dtype=np.int64), minlength=n_rows))]
    sec = np.rint(t["minutes"].to_numpy(dtype=float) * 60.0).astype(np.int64)
    return ptr.astype(np.int64), t[col].to_numpy(dtype=np.int64), sec


def footpaths(feed: GtfsFeed, stops: gpd.GeoSeries, walking: Walking
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the walks between distinct stops to change trips (``ptr, to, seconds``).

    Parameters
    ----------
    feed : GtfsFeed
    stops : geopandas.GeoSeries
        The feed's stops (EPSG:3067).
    walking : Walking

    Returns
    -------
    ptr, to, seconds : numpy.ndarray
    """
    walk = walk_table(stops, stops, walking.minutes(walking.max_transfer_m), walking)
    walk = walk[walk["origin"] != walk["destination"]]
    tr = feed.transfers
    tr = tr[tr["from_stop"] != tr["to_stop"]]
    fixed = tr[(tr["transfer_type"] == 2) & tr["min_transfer_time"].notna()]
    drop = tr[(tr["transfer_type"] == 3) | tr.index.isin(fixed.index)]
    if len(drop):
        key = walk["origin"].to_numpy() * len(stops) + walk["destination"].to_numpy()
        gone = drop["from_stop"].to_numpy() * len(stops) + drop["to_stop"].to_numpy()
        walk = walk[~np.isin(key, gone)]
    extra = pd.DataFrame({"origin": fixed["from_stop"].to_numpy(),
                          "destination": fixed["to_stop"].to_numpy(),
                          "minutes": fixed["min_transfer_time"].to_numpy() / 60.0})
    return _csr(pd.concat([walk, extra], ignore_index=True), len(stops))


@dataclass(frozen=True)
class Prepared:
    """Everything the kernel reads for one set of origins, destinations and a day."""

    timetable: Timetable
    walks: tuple[np.ndarray, ...]
    foot: tuple[np.ndarray, np.ndarray, np.ndarray]
    n_orig: int
    n_dest: int


def prepare(network: TransitNetwork, origins: gpd.GeoSeries, destinations: gpd.GeoSeries,
            date: dt.date | str, cutoff_min: float) -> Prepared:
    """Build the day's timetable and the walks of the points (see :func:`transit_times`).

    Parameters
    ----------
    network : TransitNetwork
    origins, destinations : geopandas.GeoSeries
    date : datetime.date or str
    cutoff_min : float
        Farthest walk alone from an origin to a destination (minutes).

    Returns
    -------
    Prepared
    """
    feed, walking = network.feed, network.walking
    tt = build_timetable(feed, date)
    stops = gpd.GeoSeries(gpd.points_from_xy(feed.stops["x"], feed.stops["y"]), crs=CRS)
    o, d = _points(origins), _points(destinations)
    reach = walking.minutes(walking.max_walk_m)
    acc = walk_table(o, stops, reach, walking)
    egr = walk_table(stops, d, reach, walking)
    direct = walk_table(o, d, cutoff_min, walking)
    egress = _csr(egr, len(stops))
    walks = (*_csr(acc, len(o)), *egress, *_csr(direct, len(o)),
             np.flatnonzero(np.diff(egress[0])).astype(np.int64))
    return Prepared(timetable=tt, walks=walks, foot=footpaths(feed, stops, walking),
                    n_orig=len(o), n_dest=len(d))


def run(prepared: Prepared, start: str | dt.time | int, window_min: int, cutoff_min: float,
        statistic: str | float = "median", keep_all: bool = False
        ) -> tuple[np.ndarray, np.ndarray]:
    """Run rRAPTOR on prepared inputs.

    Parameters
    ----------
    prepared : Prepared
        From :func:`prepare`.
    start, window_min, cutoff_min, statistic
        As in :func:`transit_times`.
    keep_all : bool
        Also return the minutes of every departure.

    Returns
    -------
    out : numpy.ndarray
        ``(origins, destinations)`` minutes of the statistic (``inf`` beyond the cut-off).
    every : numpy.ndarray
        ``(origins, destinations, departures)`` minutes per departure if ``keep_all``.
    """
    from planner.network.raptor import range_raptor  # numba compiles on first use

    if not isinstance(window_min, int | np.integer) or window_min < 1:
        raise InputError(f"transit window_min {window_min!r} must be a whole number >= 1")
    if cutoff_min < 0 or not np.isfinite(cutoff_min):
        raise InputError("cutoff_min must be a finite number >= 0")
    deps = parse_start(start) + 60 * np.arange(int(window_min), dtype=np.int64)
    q = parse_statistic(statistic)
    return range_raptor(deps, int(np.floor(cutoff_min * 60.0)), prepared.timetable.arrays(),
                        prepared.walks, prepared.foot, q, prepared.n_dest, keep_all)


def transit_times(feed: GtfsFeed | TransitNetwork, origins: gpd.GeoSeries,
                  destinations: gpd.GeoSeries, *, date: dt.date | str,
                  start: str | dt.time | int, cutoff_min: float, window_min: int = 60,
                  statistic: str | float = "median") -> pd.DataFrame:
    """Door-to-door minutes by public transport, a percentile over departure minutes.

    Parameters
    ----------
    feed : GtfsFeed or TransitNetwork
        The timetable (:func:`planner.network.gtfs.read_gtfs`), with the walking that
        joins it to the points (:class:`TransitNetwork`; default :class:`Walking`).
    origins, destinations : geopandas.GeoSeries
        Points in any CRS (polygons: their representative point); rows are identified by
        position in the result.
    date : datetime.date or str
        Service day (``YYYY-MM-DD``).
    start : str, datetime.time or int
        First departure (``"08:00"``, or seconds after midnight).
    cutoff_min : float
        Pairs whose statistic is slower than this (minutes) are left out.
    window_min : int
        Departures every minute from ``start`` for this many minutes (1: one departure).
    statistic : str or float
        ``"median"`` (default), ``"min"``, ``"max"``, ``"p<N>"`` or a percentile 0-100 of the
        minutes over the departures (unreached departures count as infinitely slow).

    Returns
    -------
    pandas.DataFrame
        Columns ``origin``, ``destination``, ``minutes`` sorted by origin then destination,
        as :func:`planner.network.travel_times`; ``attrs["model"] == "transit"`` with the
        feed, date, start, window and statistic in ``attrs``.
    """
    network = feed if isinstance(feed, TransitNetwork) else TransitNetwork(feed)
    prepared = prepare(network, origins, destinations, date, cutoff_min)
    out, _ = run(prepared, start, window_min, cutoff_min, statistic)
    i, j = np.nonzero(out <= cutoff_min)
    result = pd.DataFrame({"origin": i.astype(np.int64), "destination": j.astype(np.int64),
                           "minutes": out[i, j]})
    result.attrs.update(unreachable_origins=[], unreachable_destinations=[], model="transit",
                        cutoff_min=float(cutoff_min), feed=network.feed.name,
                        publisher=network.feed.publisher,
                        date=prepared.timetable.date.isoformat(), start=str(start),
                        window_min=int(window_min), statistic=str(statistic), cache="off")
    return result
