"""Reading public-transport timetables (GTFS) and checking them.

The files are read with partridge (``partridge.load_raw_feed``: a zip or a folder, every
column as text, rows in file order) and the service calendar with
``partridge.read_service_ids_by_date`` (``calendar.txt`` and ``calendar_dates.txt``
together). What partridge leaves as text is typed here: times as seconds after midnight of
the service day (``25:10:00`` is 90 600 s, a trip past midnight), stops projected to
EPSG:3067. Stations (``location_type`` 1) are not routed; stops need no parent station.

Bad feeds get one line naming the file and the line (the header is line 1): a missing
required file, a stop time out of order along its trip, a stop or trip not defined, a time
that is not ``H:MM:SS``. A date without service is reported by
:func:`planner.network.timetable.build_timetable`, naming the dates that have service.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.schema import CRS

#: Files a feed must have (plus calendar.txt or calendar_dates.txt), with their columns.
REQUIRED = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
COLUMNS = {"stops.txt": ("stop_id", "stop_lat", "stop_lon"),
           "routes.txt": ("route_id", "route_type"),
           "trips.txt": ("route_id", "service_id", "trip_id"),
           "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id",
                              "stop_sequence"),
           "frequencies.txt": ("trip_id", "start_time", "end_time", "headway_secs"),
           "transfers.txt": ("from_stop_id", "to_stop_id")}


@dataclass(frozen=True)
class GtfsFeed:
    """A GTFS feed read and checked, with times in seconds and stops in EPSG:3067.

    Attributes
    ----------
    path : str
        The zip or folder read.
    stops : pandas.DataFrame
        Routed stops (not stations): ``stop_id``, ``stop_name``, ``x``, ``y`` (EPSG:3067),
        ``lon``, ``lat``; the row position is the stop's index in every other table.
    routes : pandas.DataFrame
        ``route_id``, ``route_short_name``, ``route_type``.
    trips : pandas.DataFrame
        ``trip_id``, ``route_id``, ``service_id``.
    stop_times : pandas.DataFrame
        ``trip`` (row of ``trips``), ``stop`` (row of ``stops``), ``arrival``,
        ``departure`` (seconds), sorted by trip then ``stop_sequence``.
    frequencies : pandas.DataFrame
        ``trip``, ``start``, ``end``, ``headway`` (seconds), ``exact_times``.
    transfers : pandas.DataFrame
        ``from_stop``, ``to_stop`` (rows of ``stops``), ``transfer_type``,
        ``min_transfer_time`` (seconds, NaN when not given).
    services : dict
        Date -> frozenset of the service ids running on it.
    publisher : str
        The feed's publisher (``feed_info.txt``, else the first agency).
    """

    path: str
    stops: pd.DataFrame
    routes: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    frequencies: pd.DataFrame
    transfers: pd.DataFrame
    services: dict[dt.date, frozenset[str]] = field(repr=False)
    publisher: str = ""

    @property
    def name(self) -> str:
        """The file or folder name of the feed."""
        return Path(self.path).name


def _where(path: str, name: str, row: int) -> str:
    """``feed.zip: stop_times.txt line 12`` for the row in file order (header is line 1)."""
    return f"{Path(path).name}: {name} line {row + 2}"


def parse_times(values: pd.Series, path: str, name: str, column: str) -> np.ndarray:
    """Seconds after midnight of ``H:MM:SS`` texts (hours may pass 24); NaN where empty.

    Parameters
    ----------
    values : pandas.Series
        Texts as in the file (row index = position in the file).
    path, name, column : str
        The feed, the file and the column, for the message of a bad value.

    Returns
    -------
    numpy.ndarray
        Float seconds.
    """
    text = values.astype("string").str.strip()
    parts = text.str.extract(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
    bad = text.notna() & (text != "") & parts[0].isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{_where(path, name, row)}: {column} {text.iloc[row]!r} is not a "
                         "time H:MM:SS; write it as e.g. 08:05:00 (25:10:00 past midnight)")
    num = parts.astype(float).to_numpy()
    return num[:, 0] * 3600.0 + num[:, 1] * 60.0 + num[:, 2]


def _index_of(keys: pd.Series, known: pd.Index, path: str, name: str, column: str,
              defined_in: str) -> np.ndarray:
    """Positions of ``keys`` in ``known``; one line naming the first key not there."""
    pos = known.get_indexer(keys.to_numpy())
    if (pos < 0).any():
        row = int(np.flatnonzero(pos < 0)[0])
        raise InputError(f"{_where(path, name, row)}: {column} {keys.iloc[row]!r} is not in "
                         f"{defined_in}; add it there or remove the row")
    return pos


def _read(path: str) -> object:
    import partridge as ptg

    if not os.path.exists(path):
        raise InputError(f"{path}: GTFS feed not found; give a zip or a folder of .txt files")
    try:
        raw = ptg.load_raw_feed(str(path))
        for name in REQUIRED:
            frame = getattr(raw, name.removesuffix(".txt"))
            if frame.empty:
                raise InputError(f"{Path(path).name}: {name} is missing or empty; a GTFS feed "
                                 f"needs {', '.join(REQUIRED)} and calendar.txt or "
                                 "calendar_dates.txt")
        for name, columns in COLUMNS.items():
            frame = getattr(raw, name.removesuffix(".txt"))
            missing = [c for c in columns if c not in frame.columns]
            if missing and not frame.empty:
                raise InputError(f"{Path(path).name}: {name} line 1 has no column "
                                 f"{missing[0]}; its header needs {', '.join(columns)}")
    except InputError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{Path(path).name}: not a readable GTFS feed ({exc})") from exc
    return raw


def _services(path: str) -> dict[dt.date, frozenset[str]]:
    import partridge as ptg

    try:
        services = ptg.read_service_ids_by_date(str(path))
    except AssertionError:  # partridge's "No service found in feed."
        services = {}
    if not services:
        raise InputError(f"{Path(path).name}: calendar.txt and calendar_dates.txt give no "
                         "date with service; a feed needs at least one of them")
    return dict(services)


def _stops(raw: object, path: str) -> pd.DataFrame:
    import geopandas as gpd

    stops = raw.stops.reset_index(drop=True)
    kind = stops.get("location_type", pd.Series("", index=stops.index)).fillna("")
    routed = stops[kind.astype(str).str.strip().isin(["", "0"])].reset_index(drop=True)
    lon = pd.to_numeric(routed["stop_lon"], errors="coerce")
    lat = pd.to_numeric(routed["stop_lat"], errors="coerce")
    bad = lon.isna() | lat.isna() | ~lat.between(-90, 90) | ~lon.between(-180, 180)
    if bad.any():
        row = int(stops.index[stops["stop_id"] == routed["stop_id"][bad].iloc[0]][0])
        raise InputError(f"{_where(path, 'stops.txt', row)}: stop_lat/stop_lon missing or not "
                         "a coordinate in degrees")
    xy = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(CRS)
    name = routed.get("stop_name", routed["stop_id"]).fillna("")
    return pd.DataFrame({"stop_id": routed["stop_id"].astype(str), "stop_name": name,
                         "x": xy.x.to_numpy(), "y": xy.y.to_numpy(),
                         "lon": lon.to_numpy(), "lat": lat.to_numpy()})


def _stop_times(raw: object, path: str, stops: pd.DataFrame, trips: pd.DataFrame
                ) -> pd.DataFrame:
    st = raw.stop_times.reset_index(drop=True)
    name = "stop_times.txt"
    trip = _index_of(st["trip_id"], pd.Index(trips["trip_id"]), path, name, "trip_id",
                     "trips.txt")
    stop = _index_of(st["stop_id"], pd.Index(stops["stop_id"]), path, name, "stop_id",
                     "stops.txt (as a stop, not a station)")
    seq = pd.to_numeric(st["stop_sequence"], errors="coerce")
    if seq.isna().any():
        row = int(np.flatnonzero(seq.isna().to_numpy())[0])
        raise InputError(f"{_where(path, name, row)}: stop_sequence is not a whole number")
    arr = parse_times(st["arrival_time"], path, name, "arrival_time")
    dep = parse_times(st["departure_time"], path, name, "departure_time")
    arr = np.where(np.isnan(arr), dep, arr)
    dep = np.where(np.isnan(dep), arr, dep)
    out = pd.DataFrame({"trip": trip, "stop": stop, "seq": seq.to_numpy(), "arrival": arr,
                        "departure": dep, "row": np.arange(len(st))})
    out = out.sort_values(["trip", "seq"], kind="stable").reset_index(drop=True)
    _interpolate(out, path)
    _check_order(out, path)
    return out.drop(columns="seq")


def _interpolate(st: pd.DataFrame, path: str) -> None:
    """Fill the times of stops without them (non-timepoints) linearly along the trip."""
    missing = np.isnan(st["arrival"].to_numpy())
    if not missing.any():
        return
    first = np.r_[True, st["trip"].to_numpy()[1:] != st["trip"].to_numpy()[:-1]]
    last = np.r_[first[1:], True]
    ends = missing & (first | last)
    if ends.any():
        row = int(st["row"].to_numpy()[np.flatnonzero(ends)[0]])
        raise InputError(f"{_where(path, 'stop_times.txt', row)}: the first and last stop of "
                         "a trip need arrival_time and departure_time")
    filled = st.groupby("trip", sort=False)["arrival"].transform(
        lambda s: s.interpolate(method="index"))
    st["arrival"] = filled
    st["departure"] = st["departure"].fillna(filled)


def _check_order(st: pd.DataFrame, path: str) -> None:
    """One line for the first stop time that goes back in time along its trip."""
    arr, dep = st["arrival"].to_numpy(), st["departure"].to_numpy()
    same = np.r_[False, st["trip"].to_numpy()[1:] == st["trip"].to_numpy()[:-1]]
    back = np.r_[False, arr[1:] < dep[:-1]] & same
    early = dep < arr
    if back.any() or early.any():
        k = int(np.flatnonzero(back | early)[0])
        row = int(st["row"].iloc[k])
        what = ("leaves before it arrives" if early[k] and not back[k] else
                "arrives before the trip leaves the previous stop")
        raise InputError(f"{_where(path, 'stop_times.txt', row)}: stop time out of order "
                         f"(the trip {what}); times must not decrease along a trip")


def _frequencies(raw: object, path: str, trips: pd.DataFrame) -> pd.DataFrame:
    fr = raw.frequencies.reset_index(drop=True)
    cols = {"trip": np.empty(0, dtype=np.int64), "start": np.empty(0), "end": np.empty(0),
            "headway": np.empty(0), "exact_times": np.empty(0, dtype=np.int64)}
    if fr.empty:
        return pd.DataFrame(cols)
    name = "frequencies.txt"
    trip = _index_of(fr["trip_id"], pd.Index(trips["trip_id"]), path, name, "trip_id",
                     "trips.txt")
    head = pd.to_numeric(fr["headway_secs"], errors="coerce").to_numpy()
    if (~(head > 0)).any():
        row = int(np.flatnonzero(~(head > 0))[0])
        raise InputError(f"{_where(path, name, row)}: headway_secs must be a positive number")
    exact = fr.get("exact_times", pd.Series("0", index=fr.index)).fillna("0")
    return pd.DataFrame({"trip": trip,
                         "start": parse_times(fr["start_time"], path, name, "start_time"),
                         "end": parse_times(fr["end_time"], path, name, "end_time"),
                         "headway": head,
                         "exact_times": pd.to_numeric(exact, errors="coerce").fillna(0)
                         .astype(np.int64).to_numpy()})


def _transfers(raw: object, path: str, stops: pd.DataFrame) -> pd.DataFrame:
    tr = raw.transfers.reset_index(drop=True)
    if tr.empty:
        return pd.DataFrame({"from_stop": np.empty(0, dtype=np.int64),
                             "to_stop": np.empty(0, dtype=np.int64),
                             "transfer_type": np.empty(0, dtype=np.int64),
                             "min_transfer_time": np.empty(0)})
    known = pd.Index(stops["stop_id"])
    # transfers between stations are not routed: keep the rows between routed stops
    ok = known.get_indexer(tr["from_stop_id"]) >= 0
    ok &= known.get_indexer(tr["to_stop_id"]) >= 0
    tr = tr[ok].reset_index(drop=True)
    kind = pd.to_numeric(tr.get("transfer_type", pd.Series(dtype=str)),
                         errors="coerce").fillna(0)
    mtt = pd.to_numeric(tr.get("min_transfer_time", pd.Series(np.nan, index=tr.index)),
                        errors="coerce")
    return pd.DataFrame({"from_stop": known.get_indexer(tr["from_stop_id"]),
                         "to_stop": known.get_indexer(tr["to_stop_id"]),
                         "transfer_type": kind.astype(np.int64).to_numpy(),
                         "min_transfer_time": mtt.to_numpy(dtype=float)})


def read_gtfs(path: str | os.PathLike[str]) -> GtfsFeed:
    """Read and check a GTFS feed.

    Parameters
    ----------
    path : str or path-like
        A ``.zip`` or a folder holding ``stops.txt``, ``routes.txt``, ``trips.txt``,
        ``stop_times.txt``, ``calendar.txt`` and/or ``calendar_dates.txt``, and optionally
        ``frequencies.txt``, ``transfers.txt``, ``feed_info.txt``, ``agency.txt``.

    Returns
    -------
    GtfsFeed

    Raises
    ------
    planner.errors.InputError
        One line naming the file and line of the first problem.
    """
    path = str(path)
    raw = _read(path)
    services = _services(path)
    stops = _stops(raw, path)
    trips = raw.trips.reset_index(drop=True)[["trip_id", "route_id", "service_id"]].astype(str)
    routes = raw.routes.reset_index(drop=True)
    _index_of(trips["route_id"], pd.Index(routes["route_id"]), path, "trips.txt", "route_id",
              "routes.txt")
    routes = pd.DataFrame({"route_id": routes["route_id"].astype(str),
                           "route_short_name": routes.get("route_short_name",
                                                          routes["route_id"]).fillna(""),
                           "route_type": pd.to_numeric(routes["route_type"], errors="coerce")
                           .fillna(3).astype(np.int64)})
    info = raw.feed_info
    publisher = (str(info["feed_publisher_name"].iloc[0]) if not info.empty else
                 str(raw.agency["agency_name"].iloc[0]) if not raw.agency.empty else "")
    return GtfsFeed(path=path, stops=stops, routes=routes, trips=trips,
                    stop_times=_stop_times(raw, path, stops, trips),
                    frequencies=_frequencies(raw, path, trips),
                    transfers=_transfers(raw, path, stops), services=services,
                    publisher=publisher)
