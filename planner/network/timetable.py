"""One service day of a GTFS feed as flat arrays for the RAPTOR kernel.

The trips running on the date (``calendar.txt`` and ``calendar_dates.txt``), those of the
day before that still run after midnight (shifted by -24 h), and the departures of
``frequencies.txt`` (a template trip's times shifted to every departure from ``start_time``
by ``headway_secs`` before ``end_time``; ``exact_times`` 0 and 1 alike, the template itself
not run) are grouped into routes in RAPTOR's sense: trips with the same sequence of stops,
sorted by departure, split further where a trip would overtake another (so that along every
route the trips keep their order at every stop, which the earliest-trip search needs).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.network.gtfs import GtfsFeed

DAY_S = 86_400


@dataclass(frozen=True)
class Timetable:
    """Routes, trips and stops of one service day in flat arrays (times in seconds).

    Attributes
    ----------
    n_stops : int
    route_ptr : numpy.ndarray
        Route ``r``'s stops are ``route_stops[route_ptr[r]:route_ptr[r + 1]]``.
    route_stops : numpy.ndarray
    time_ptr : numpy.ndarray
        Route ``r``'s times start at ``time_ptr[r]``: trip ``k`` (0 = earliest) at stop
        position ``i`` is at ``time_ptr[r] + k * n_r + i`` of ``arrival`` and ``departure``.
    n_trips : numpy.ndarray
        Trips per route.
    arrival, departure : numpy.ndarray
        Seconds after midnight of the date (int64).
    stop_route_ptr, stop_route, stop_pos : numpy.ndarray
        The routes through each stop and the stop's position on them.
    change_s : numpy.ndarray
        Least time to change between trips at each stop (``transfers.txt``, else 0).
    gtfs_route : numpy.ndarray
        Row of ``feed.routes`` of each route.
    date : datetime.date
    """

    n_stops: int
    route_ptr: np.ndarray
    route_stops: np.ndarray
    time_ptr: np.ndarray
    n_trips: np.ndarray
    arrival: np.ndarray
    departure: np.ndarray
    stop_route_ptr: np.ndarray
    stop_route: np.ndarray
    stop_pos: np.ndarray
    change_s: np.ndarray
    gtfs_route: np.ndarray
    date: dt.date

    @property
    def n_routes(self) -> int:
        """Number of routes (stop patterns split where trips overtake)."""
        return len(self.route_ptr) - 1

    def arrays(self) -> tuple[np.ndarray, ...]:
        """Return the arrays the kernel reads, in its order."""
        return (self.route_ptr, self.route_stops, self.time_ptr, self.n_trips, self.arrival,
                self.departure, self.stop_route_ptr, self.stop_route, self.stop_pos,
                self.change_s)


def _no_service(feed: GtfsFeed, date: dt.date) -> InputError:
    dates = sorted(feed.services)
    shown = ", ".join(d.isoformat() for d in dates[:5])
    more = f" ... {dates[-1].isoformat()} ({len(dates)} dates)" if len(dates) > 5 else ""
    return InputError(f"{feed.name}: no service on {date.isoformat()}; calendar.txt and "
                      f"calendar_dates.txt give service on {shown}{more}: choose one of them")


def _instances(feed: GtfsFeed, date: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Template trip and time shift of every trip run on the date (frequencies expanded)."""
    trips = feed.trips
    st = feed.stop_times
    today = trips["service_id"].isin(feed.services.get(date, frozenset())).to_numpy()
    yday = trips["service_id"].isin(
        feed.services.get(date - dt.timedelta(days=1), frozenset())).to_numpy()
    last_arr = st.groupby("trip")["arrival"].max().reindex(range(len(trips))).to_numpy()
    first_dep = st.groupby("trip")["departure"].first().reindex(range(len(trips))).to_numpy()
    has_times = ~np.isnan(first_dep)
    fr = feed.frequencies
    templ = np.zeros(len(trips), dtype=bool)
    templ[fr["trip"].to_numpy()] = True
    parts_t, parts_s = [], []
    for day_ok, shift in ((today, 0.0), (yday & (last_arr >= DAY_S), -float(DAY_S))):
        plain = np.flatnonzero(day_ok & has_times & ~templ)
        parts_t.append(plain)
        parts_s.append(np.full(len(plain), shift))
        f = fr[day_ok[fr["trip"].to_numpy()] & has_times[fr["trip"].to_numpy()]]
        for trip, start, end, head in zip(f["trip"], f["start"], f["end"], f["headway"],
                                          strict=True):
            deps = np.arange(start, end, head)
            parts_t.append(np.full(len(deps), trip))
            parts_s.append(deps - first_dep[trip] + shift)
    return np.concatenate(parts_t).astype(np.int64), np.concatenate(parts_s)


def _split_fifo(times: np.ndarray) -> np.ndarray:
    """Group of each trip (rows of ``times``, sorted) so that no trip overtakes another."""
    group = np.empty(len(times), dtype=np.int64)
    lasts: list[np.ndarray] = []
    for k, row in enumerate(times):
        for g, last in enumerate(lasts):
            if (row >= last).all():
                group[k] = g
                lasts[g] = row
                break
        else:
            group[k] = len(lasts)
            lasts.append(row)
    return group


def _routes(feed: GtfsFeed, trip: np.ndarray, shift: np.ndarray
            ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], list[int]]:
    """Return the stops, arrival and departure matrices and GTFS route of every route."""
    st = feed.stop_times
    ptr = np.r_[0, np.cumsum(np.bincount(st["trip"].to_numpy(), minlength=len(feed.trips)))]
    stop = st["stop"].to_numpy()
    arr, dep = st["arrival"].to_numpy(), st["departure"].to_numpy()
    pattern: dict[tuple[int, ...], int] = {}
    pat_of = np.empty(len(trip), dtype=np.int64)
    for k, t in enumerate(trip):
        pat_of[k] = pattern.setdefault(tuple(stop[ptr[t]:ptr[t + 1]].tolist()), len(pattern))
    route_of_trip = pd.Index(feed.routes["route_id"]).get_indexer(feed.trips["route_id"])
    stops_out, arr_out, dep_out, groute = [], [], [], []
    order = np.argsort(pat_of, kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(pat_of[order]) != 0, True])
    for a, b in itertools.pairwise(bounds):
        ks = order[a:b]
        t0 = trip[ks[0]]
        idx = ptr[trip[ks]][:, None] + np.arange(ptr[t0 + 1] - ptr[t0])[None, :]
        ta = np.rint(arr[idx] + shift[ks][:, None]).astype(np.int64)
        td = np.rint(dep[idx] + shift[ks][:, None]).astype(np.int64)
        srt = np.lexsort(np.c_[ta, td][:, ::-1].T)
        ta, td = ta[srt], td[srt]
        group = _split_fifo(np.c_[ta, td])
        for g in range(group.max() + 1):
            sel = group == g
            stops_out.append(stop[ptr[t0]:ptr[t0 + 1]])
            arr_out.append(ta[sel])
            dep_out.append(td[sel])
            groute.append(int(route_of_trip[t0]))
    return stops_out, arr_out, dep_out, groute


def build_timetable(feed: GtfsFeed, date: dt.date | str) -> Timetable:
    """Put the routes and trips of one service day in the kernel's flat arrays.

    Parameters
    ----------
    feed : GtfsFeed
        From :func:`planner.network.gtfs.read_gtfs`.
    date : datetime.date or str
        The service day (``YYYY-MM-DD``).

    Returns
    -------
    Timetable

    Raises
    ------
    planner.errors.InputError
        The feed has no service on the date (the message names the dates that have it).
    """
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError as exc:
            raise InputError(f"transit date {date!r} is not a date YYYY-MM-DD") from exc
    if not feed.services.get(date):
        raise _no_service(feed, date)
    trip, shift = _instances(feed, date)
    stops, arr, dep, groute = _routes(feed, trip, shift)
    n_r = np.array([len(s) for s in stops], dtype=np.int64)
    n_t = np.array([len(a) for a in arr], dtype=np.int64)
    route_ptr = np.r_[0, np.cumsum(n_r)].astype(np.int64)
    time_ptr = np.r_[0, np.cumsum(n_r * n_t)].astype(np.int64)
    route_stops = np.concatenate(stops).astype(np.int64) if stops else np.empty(0, np.int64)
    flat = [a.ravel() for a in arr]
    arrival = np.concatenate(flat) if flat else np.empty(0, np.int64)
    departure = np.concatenate([d.ravel() for d in dep]) if dep else np.empty(0, np.int64)
    n_stops = len(feed.stops)
    which = np.repeat(np.arange(len(stops)), n_r)
    pos = np.arange(len(route_stops)) - route_ptr[which]
    srt = np.lexsort((pos, which, route_stops))
    stop_route_ptr = np.r_[0, np.cumsum(np.bincount(route_stops, minlength=n_stops))]
    change = np.zeros(n_stops, dtype=np.int64)
    tr = feed.transfers
    same = tr[(tr["from_stop"] == tr["to_stop"]) & (tr["transfer_type"] == 2)]
    same = same[same["min_transfer_time"].notna()]
    change[same["from_stop"].to_numpy()] = np.rint(same["min_transfer_time"]).astype(np.int64)
    return Timetable(n_stops=n_stops, route_ptr=route_ptr, route_stops=route_stops,
                     time_ptr=time_ptr, n_trips=n_t, arrival=arrival, departure=departure,
                     stop_route_ptr=stop_route_ptr.astype(np.int64),
                     stop_route=which[srt].astype(np.int64), stop_pos=pos[srt].astype(np.int64),
                     change_s=change, gtfs_route=np.array(groute, dtype=np.int64), date=date)
