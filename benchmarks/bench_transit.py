r"""Public transport times: planner.network's Range RAPTOR against pyraptor.

The feed is HSL's inner-city GTFS of 2022-02-22 (``planner/resources/gtfs/``; 1,388 stops,
12,878 trips once ``frequencies.txt`` is expanded). Two kinds of query:

- **stop queries**: earliest arrival at every stop from one stop, leaving at one time (the
  query RAPTOR answers), for ``--stops`` origin stops at 08:00 and at 16:30. The same
  queries go to pyraptor (PyPI ``pyraptor`` 1.x, a Python RAPTOR: ``RaptorAlgorithm.run``
  with every stop its own station, so no footpaths, and enough rounds to converge; its query
  code needs no pandas and runs as is). pyraptor's GTFS loader
  (``pyraptor.gtfs.timetable``) cannot read this feed: it takes service days from
  ``calendar_dates.txt`` only (HSL's feed has ``calendar.txt``), needs the Dutch
  ``trip_short_name``/``trip_long_name`` columns and ignores ``frequencies.txt``. So
  pyraptor is **fed the planner's expanded trips through its own Timetable structures**
  (``Stop``, ``Station``, ``Trip``, ``TripStopTime``, ``Routes``): both route the same
  trips. Ours runs the same queries through the kernel with the origin
  stop as the only access (0 s) and every stop a destination (0 s), no footpaths. Earliest
  arrivals must be identical at every stop reached (else the script exits 1).
- **inner-city matrix**: every populated HSY cell of the feed's area (876 cells,
  ``benchmarks/data/``) to ``--sites`` sites (cells drawn with seed 0), every departure
  minute 08:00-08:59, median per pair, 60-minute cut-off, walking on straight lines x 1.3
  up to 1 km: what a transit scenario computes. pyraptor has no access walks, windows or
  many-to-many; its time for the matrix is its measured time per stop query times the
  876 x 60 RAPTOR runs an rRAPTOR-less router needs (marked "est."), a lower bound (each
  run of ours also walks to ~40 stops).

Times are wall-clock on as many threads as numba has (``NUMBA_NUM_THREADS``; pyraptor runs
on one) and the process CPU time, which on a shared machine says more than the wall clock:
CPU / threads is the wall clock of an idle machine. Peak memory is the process's peak
resident set (``ru_maxrss``) after each stage. The kernel is compiled (or loaded from
numba's cache) before any timing.

pyraptor pins ``pandas<2``; install it without its dependencies::

    pip install --no-deps pyraptor loguru joblib

Usage (from the repository)::

    PYTHONPATH=. python benchmarks/bench_transit.py [--stops 10] [--sites 100]
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np

from planner.network.gtfs import read_gtfs
from planner.network.timetable import Timetable, build_timetable
from planner.network.transit import TransitNetwork, Walking, prepare, run

ROOT = Path(__file__).resolve().parents[1]
FEED = ROOT / "planner" / "resources" / "gtfs" / "hsl_gtfs_2022-02-22.zip"
CELLS = ROOT / "benchmarks" / "data" / "hsy_population_hsl_inner_2019.gpkg"
DATE = "2022-02-22"
NO_LIMIT_MIN = 24 * 60.0


def cpu_s() -> float:
    """CPU seconds of this process so far (all threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_mb() -> float:
    """Peak resident memory of this process (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn: Callable[[], object]) -> tuple[object, float, float]:
    """Return the result, wall seconds and CPU seconds of ``fn()``."""
    c, t = cpu_s(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t, cpu_s() - c


def csr(rows: np.ndarray, cols: np.ndarray, n_rows: int) -> tuple[np.ndarray, ...]:
    """``ptr, index, seconds`` of 0-second walks ``rows[k] -> cols[k]``."""
    order = np.lexsort((cols, rows))
    ptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=n_rows))].astype(np.int64)
    return ptr, cols[order].astype(np.int64), np.zeros(len(rows), dtype=np.int64)


def stop_queries(template: object, tt: Timetable, origin_stops: np.ndarray,
                 dep: int) -> np.ndarray:
    """Earliest arrival (s, inf if none) at every stop from each origin stop, by our kernel."""
    n = tt.n_stops
    k = len(origin_stops)
    access = csr(np.arange(k), origin_stops, k)
    egress = csr(np.arange(n), np.arange(n), n)
    direct = csr(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), k)
    walks = (*access, *egress, *direct, np.arange(n, dtype=np.int64))
    foot = csr(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), n)
    prepared = dataclasses.replace(template, timetable=tt, walks=walks, foot=foot, n_orig=k,
                                   n_dest=n)
    _, every = run(prepared, dep, 1, NO_LIMIT_MIN, "min", keep_all=True)
    return np.rint(every[:, :, 0] * 60.0) + dep


def pyraptor_timetable(tt: Timetable) -> object:
    """Put the planner's expanded trips in pyraptor's own Timetable structures."""
    from pyraptor.model import structures as ps

    stations, stops = ps.Stations(), ps.Stops()
    stop_of = []
    for i in range(tt.n_stops):
        station = stations.add(ps.Station(str(i), str(i)))
        stop = ps.Stop(str(i), str(i), station, None)
        station.add_stop(stop)
        stop_of.append(stops.add(stop))
    # RaptorAlgorithm reads the stops, stations, routes and transfers; the trip stop time
    # index (TripStopTimes) is left empty: it is not read, and filling it before the trips
    # have ids (as pyraptor's loader does) hashes every trip alike
    trips, routes = ps.Trips(), ps.Routes()
    for r in range(tt.n_routes):
        seq = tt.route_stops[tt.route_ptr[r]:tt.route_ptr[r + 1]]
        n = len(seq)
        for k in range(tt.n_trips[r]):
            trip = ps.Trip()
            at = tt.time_ptr[r] + k * n
            for i, s in enumerate(seq):
                trip.add_stop_time(ps.TripStopTime(trip, i, stop_of[s],
                                                   int(tt.arrival[at + i]),
                                                   int(tt.departure[at + i]), 0))
            trips.add(trip)
            routes.add(trip)
    return ps.Timetable(stations=stations, stops=stops, trips=trips,
                        trip_stop_times=ps.TripStopTimes(), routes=routes,
                        transfers=ps.Transfers())


def pyraptor_query(ptt: object, n_stops: int, origin: int, dep: int) -> np.ndarray:
    """Earliest arrival (s, inf if none) at every stop from one stop, by pyraptor."""
    from pyraptor.model.raptor import RaptorAlgorithm
    from pyraptor.util import LARGE_NUMBER

    raptor = RaptorAlgorithm(ptt)
    raptor.run([ptt.stops.get(str(origin))], dep, 60)
    out = np.full(n_stops, np.inf)
    for stop, label in raptor.bag_star.items():
        if label.earliest_arrival_time < LARGE_NUMBER:
            out[int(stop.id)] = label.earliest_arrival_time
    return out


def compare(ours: np.ndarray, ref: np.ndarray, origins: np.ndarray) -> int:
    """Count the stops whose earliest arrivals differ (the origin stop left out)."""
    ref = ref.copy()
    ref[np.arange(len(origins)), origins] = ours[np.arange(len(origins)), origins]
    return int((ours != ref).sum())


def matrix_case(feed: object, n_sites: int, window: int
                ) -> tuple[np.ndarray, float, float, int]:
    """Route the inner-city matrix: minutes, wall and CPU seconds, RAPTOR runs."""
    cells = gpd.read_file(CELLS).geometry
    sites = cells.iloc[np.sort(np.random.default_rng(0).choice(len(cells), n_sites,
                                                               replace=False))]
    net = TransitNetwork(feed, Walking(max_walk_m=1000.0, circuity=1.3))
    c, t = cpu_s(), time.perf_counter()
    prepared = prepare(net, cells.reset_index(drop=True), sites.reset_index(drop=True), DATE,
                       60.0)
    out, _ = run(prepared, "08:00", window, 60.0, "median")
    return out, time.perf_counter() - t, cpu_s() - c, len(cells) * window


def main() -> int:
    """Print the comparison table; return 1 when pyraptor and ours disagree."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stops", type=int, default=2,
                    help="origin stops per departure (pyraptor: about 40 s each)")
    ap.add_argument("--sites", type=int, default=100, help="sites of the matrix")
    args = ap.parse_args()
    import numba
    from loguru import logger

    logger.remove()  # pyraptor logs every round
    feed = read_gtfs(FEED)
    tt = build_timetable(feed, DATE)
    origins = np.sort(np.random.default_rng(1).choice(tt.n_stops, args.stops, replace=False))
    template = prepare(TransitNetwork(feed), gpd.GeoSeries([], crs=3067),
                       gpd.GeoSeries([], crs=3067), DATE, 1.0)
    _, jit_s, _ = timed(lambda: stop_queries(template, tt, origins[:1], 8 * 3600))
    matrices = [(*matrix_case(feed, args.sites, w), peak_mb()) for w in (60, 1)]
    ptt, ptt_s, _ = timed(lambda: pyraptor_timetable(tt))
    print(f"feed: {feed.name}, {tt.n_stops} stops, {tt.n_routes} routes, "
          f"{int(tt.n_trips.sum())} trips; threads: {numba.get_num_threads()}; kernel "
          f"compiled or loaded in {jit_s:.1f} s, pyraptor's timetable built in {ptt_s:.1f} s "
          "(neither timed below)")
    head = ["query", "RAPTOR runs", "ours s (CPU s)", "pyraptor s", "vs pyraptor",
            "identical", "peak MB"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    bad = 0
    per_query = []
    for label, dep in (("stop queries 08:00", 8 * 3600), ("stop queries 16:30", 16 * 3600 + 1800)):
        ours, o_s, o_cpu = timed(lambda dep=dep: stop_queries(template, tt, origins, dep))
        ref, p_s, _ = timed(lambda dep=dep: np.array([pyraptor_query(ptt, tt.n_stops, int(s),
                                                                     dep) for s in origins]))
        wrong = compare(ours, ref, origins)
        bad += wrong
        per_query.append(p_s / len(origins))
        print(f"| {label}, one departure, every stop | {len(origins)} | {o_s:.3f} "
              f"({o_cpu:.3f}) | {p_s:.1f} | {p_s / o_s:,.1f}x | "
              f"{'yes' if not wrong else f'NO ({wrong} stops)'} | {peak_mb():.0f} |",
              flush=True)
    est = float(np.mean(per_query))
    for (_, m_s, m_cpu, runs, mb), what in zip(
            matrices, ("60 departures 08:00-08:59, median", "one departure 08:00"),
            strict=True):
        print(f"| inner-city matrix 876 cells x {args.sites} sites, {what} | {runs} | "
              f"{m_s:.2f} ({m_cpu:.2f}) | {est * runs:,.0f} est. | {est * runs / m_s:,.0f}x "
              f"| n/a | {mb:.0f} |")
    out = matrices[0][0]
    reached = np.isfinite(out)
    print(f"matrix: {reached.mean():.1%} of pairs within 60 min, median "
          f"{np.median(out[reached]):.1f} min (walks prepared and routed, both timed); "
          "peak MB is the process's peak so far (the matrices run before pyraptor loads)")
    if bad:
        print(f"DISAGREEMENT: {bad} stop arrivals differ from pyraptor", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
