"""Range RAPTOR over a window of departure minutes, compiled with numba.

RAPTOR (Delling, Pajor and Werneck 2012, "Round-Based Public Transit Routing") finds
earliest arrivals in rounds: round k scans, once each, the routes through the stops improved
in round k - 1, boarding at every stop the earliest trip it can still catch; the stops a
trip improved then spread by one footpath. rRAPTOR runs it for every departure minute of the
window from the latest to the earliest without resetting the labels: an arrival reached by
leaving later is reachable by leaving earlier and waiting, so each earlier run only has to
improve on them. The rounds go on until nothing improves (no limit on the number of trips),
so the arrivals are the earliest ones.

Labels per stop: ``ride`` (the earliest arrival on a trip; the footpaths and the walk to the
destination start from it) and ``board`` (the earliest time one can be at the stop to board:
the walk from the origin, a trip plus the stop's change time, a trip at another stop plus a
footpath). A walk never follows a walk: the origin's walk reaches stops directly, one
footpath joins two trips, the destination is walked to from a trip's stop or from the origin.

Origins run in parallel (``numba.prange``), each with its own labels; per origin and
destination the times of all departures are reduced to a percentile at once, so only
``(origins, destinations)`` values leave the kernel.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: Unreached.
INF = np.int64(2**62)


@njit(cache=True, nogil=True)
def _earliest_trip(dep: np.ndarray, base: int, n: int, n_trips: int, pos: int,
                   t: int, hi: int) -> int:
    """First trip (< ``hi``) of a route leaving position ``pos`` at or after ``t``; -1 if none."""
    lo = 0
    while lo < hi:
        mid = (lo + hi) // 2
        if dep[base + mid * n + pos] >= t:
            hi = mid
        else:
            lo = mid + 1
    return lo if lo < n_trips and dep[base + lo * n + pos] >= t else -1


@njit(cache=True, nogil=True)
def _scan_route(r: int, start: int, tt: tuple, scratch: tuple, bound: int) -> None:
    """Ride route ``r`` from position ``start``, boarding as early as the labels allow."""
    route_ptr, route_stops, time_ptr, n_trips, arrival, departure = tt[:6]
    board, ride, improved, ilist, counts = scratch[0], scratch[1], scratch[3], scratch[7], \
        scratch[8]
    a, b = route_ptr[r], route_ptr[r + 1]
    n = b - a
    base = time_ptr[r]
    nt = n_trips[r]
    trip = -1
    for i in range(start, n):
        p = route_stops[a + i]
        if trip >= 0:
            t_arr = arrival[base + trip * n + i]
            if t_arr < ride[p] and t_arr <= bound:
                ride[p] = t_arr
                if not improved[p]:
                    improved[p] = True
                    ilist[counts[1]] = p
                    counts[1] += 1
        bp = board[p]
        if bp >= INF:
            continue
        if trip < 0:
            trip = _earliest_trip(departure, base, n, nt, i, bp, nt)
        elif trip > 0 and bp <= departure[base + (trip - 1) * n + i]:
            trip = _earliest_trip(departure, base, n, nt, i, bp, trip)


@njit(cache=True, nogil=True)
def _mark(s: int, scratch: tuple) -> None:
    """Put stop ``s`` on the list of stops to board from in the next round."""
    marked, mlist, counts = scratch[2], scratch[6], scratch[8]
    if not marked[s]:
        marked[s] = True
        mlist[counts[0]] = s
        counts[0] += 1


@njit(cache=True, nogil=True)
def _collect_routes(tt: tuple, scratch: tuple) -> int:
    """Queue the routes through marked stops, each from its first marked position."""
    stop_route_ptr, stop_route, stop_pos = tt[6], tt[7], tt[8]
    marked, first, queue, mlist, counts = scratch[2], scratch[4], scratch[5], scratch[6], \
        scratch[8]
    nq = 0
    for k in range(counts[0]):
        s = mlist[k]
        marked[s] = False
        for e in range(stop_route_ptr[s], stop_route_ptr[s + 1]):
            r = stop_route[e]
            if first[r] < 0:
                queue[nq] = r
                nq += 1
                first[r] = stop_pos[e]
            elif stop_pos[e] < first[r]:
                first[r] = stop_pos[e]
    counts[0] = 0
    return nq


@njit(cache=True, nogil=True)
def _transfers(tt: tuple, foot: tuple, scratch: tuple, bound: int) -> None:
    """From every stop a trip improved: change there, or walk one footpath."""
    change = tt[9]
    foot_ptr, foot_to, foot_s = foot
    board, ride, improved, ilist, counts = scratch[0], scratch[1], scratch[3], scratch[7], \
        scratch[8]
    for k in range(counts[1]):
        p = ilist[k]
        improved[p] = False
        at = ride[p] + change[p]
        if at < board[p] and at <= bound:
            board[p] = at
            _mark(p, scratch)
        for e in range(foot_ptr[p], foot_ptr[p + 1]):
            q = foot_to[e]
            at = ride[p] + foot_s[e]
            if at < board[q] and at <= bound:
                board[q] = at
                _mark(q, scratch)
    counts[1] = 0


@njit(cache=True, nogil=True)
def _run(t: int, bound: int, tt: tuple, access: tuple, foot: tuple, scratch: tuple) -> None:
    """One departure of rRAPTOR: the labels improve on those of later departures."""
    board, first, queue, counts = scratch[0], scratch[4], scratch[5], scratch[8]
    acc_stop, acc_s = access
    for e in range(len(acc_stop)):
        s = acc_stop[e]
        at = t + acc_s[e]
        if at < board[s] and at <= bound:
            board[s] = at
            _mark(s, scratch)
    while counts[0] > 0:
        nq = _collect_routes(tt, scratch)
        for k in range(nq):
            r = queue[k]
            _scan_route(r, first[r], tt, scratch, bound)
            first[r] = -1
        _transfers(tt, foot, scratch, bound)


@njit(cache=True, nogil=True)
def _percentile(values: np.ndarray, q: float) -> float:
    """``numpy.percentile(values, q)`` (linear), infinite if an interpolated end is."""
    v = np.sort(values)
    pos = q / 100.0 * (len(v) - 1)
    lo = int(np.floor(pos))
    frac = pos - lo
    if frac == 0.0 or lo + 1 >= len(v):
        return v[lo]
    if not np.isfinite(v[lo + 1]):
        return np.inf
    return v[lo] + frac * (v[lo + 1] - v[lo])


@njit(cache=True, nogil=True)
def _origin(o: int, query: tuple, tt: tuple, walks: tuple, foot: tuple, out: np.ndarray,
            every: np.ndarray) -> None:
    """All departures from origin ``o``: its row of ``out`` (minutes, inf beyond cut-off)."""
    deps, cutoff, q = query
    acc_ptr, acc_stop, acc_s, egr_ptr, egr_dest, egr_s, dir_ptr, dir_dest, dir_s = walks[:9]
    egr_stops = walks[9]
    n_stops = tt[6].shape[0] - 1
    n_routes = tt[0].shape[0] - 1
    n_dest = out.shape[1]
    n_dep = len(deps)
    board = np.full(n_stops, INF)
    ride = np.full(n_stops, INF)
    marked = np.zeros(n_stops, dtype=np.bool_)
    improved = np.zeros(n_stops, dtype=np.bool_)
    first = np.full(n_routes, -1, dtype=np.int64)
    queue = np.empty(n_routes, dtype=np.int64)
    times = np.full((n_dest, n_dep), np.inf)
    best = np.empty(n_dest, dtype=np.int64)
    access = (acc_stop[acc_ptr[o]:acc_ptr[o + 1]], acc_s[acc_ptr[o]:acc_ptr[o + 1]])
    scratch = (board, ride, marked, improved, first, queue, np.empty(n_stops, dtype=np.int64),
               np.empty(n_stops, dtype=np.int64), np.zeros(2, dtype=np.int64))
    for di in range(n_dep - 1, -1, -1):
        t = deps[di]
        bound = t + cutoff
        _run(t, bound, tt, access, foot, scratch)
        best[:] = INF
        for e in range(dir_ptr[o], dir_ptr[o + 1]):
            best[dir_dest[e]] = min(best[dir_dest[e]], t + dir_s[e])
        for p in egr_stops:
            if ride[p] >= INF:
                continue
            for e in range(egr_ptr[p], egr_ptr[p + 1]):
                at = ride[p] + egr_s[e]
                if at < best[egr_dest[e]]:
                    best[egr_dest[e]] = at
        for d in range(n_dest):
            if best[d] <= bound:
                times[d, di] = (best[d] - t) / 60.0
    for d in range(n_dest):
        out[o, d] = _percentile(times[d], q)
        if every.shape[0] > 0:
            every[o, d, :] = times[d]


@njit(cache=True, parallel=True)
def range_raptor(deps: np.ndarray, cutoff: int, tt: tuple, walks: tuple, foot: tuple,
                 q: float, n_dest: int, keep_all: bool) -> tuple[np.ndarray, np.ndarray]:
    """Percentile over departures of the door-to-door minutes of every pair.

    Parameters
    ----------
    deps : numpy.ndarray
        Departure times (seconds after midnight, int64, ascending).
    cutoff : int
        Seconds; slower journeys count as infinite.
    tt : tuple
        :meth:`planner.network.timetable.Timetable.arrays`.
    walks : tuple
        CSR of the walks (seconds, int64): origin -> stop, stop -> destination and
        origin -> destination (``ptr, index, seconds`` each, nine arrays), then the stops
        with a walk to a destination.
    foot : tuple
        Footpaths stop -> stop (``ptr, to, seconds``).
    q : float
        Percentile (50 = median).
    n_dest : int
        Destinations (origins: ``len(walks[0]) - 1``).
    keep_all : bool
        Also return every departure's minutes (``(n_orig, n_dest, n_dep)``).

    Returns
    -------
    out : numpy.ndarray
        ``(n_orig, n_dest)`` minutes, ``inf`` where the percentile is beyond the cut-off.
    every : numpy.ndarray
        Per departure (empty unless ``keep_all``).
    """
    n_orig = len(walks[0]) - 1
    out = np.full((n_orig, n_dest), np.inf)
    every = np.full((n_orig if keep_all else 0, n_dest, len(deps)), np.inf)
    for o in prange(n_orig):
        _origin(o, (deps, cutoff, q), tt, walks, foot, out, every)
    return out, every
