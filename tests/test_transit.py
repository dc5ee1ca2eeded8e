"""Public transport times: hand-made feeds, random feeds against networkx, bad feeds.

Hand-made feeds have their arrivals worked out in the comments; random feeds are held
against an independent earliest-arrival search (a time-expanded graph in networkx).
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest

from planner.errors import InputError
from planner.network.gtfs import read_gtfs
from planner.network.transit import TransitNetwork, Walking, prepare, run, transit_times

X0, Y0 = 385_000.0, 6_672_000.0  # EPSG:3067, central Helsinki
DATE = "2024-01-10"  # a Wednesday; the service "WK" runs Monday to Friday
# 100 m a minute, straight lines: a walk of d metres takes d / 100 minutes exactly
WALK = Walking(speed_kmh=6.0, max_walk_m=1500.0, max_transfer_m=500.0, circuity=1.0)


def hms(sec: float) -> str:
    """``H:MM:SS`` (hours may pass 24)."""
    s = round(sec)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def to_lonlat(xy: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    pts = gpd.GeoSeries(gpd.points_from_xy([X0 + x for x, _ in xy.values()],
                                           [Y0 + y for _, y in xy.values()]), crs=3067)
    ll = pts.to_crs(4326)
    return {k: (p.x, p.y) for k, p in zip(xy, ll, strict=True)}


def write_feed(folder: Path, stops: dict[str, tuple[float, float]],
               trips: list[tuple[str, str, list[tuple[str, float, float]]]],
               frequencies: tuple[tuple[str, str, str, int, int], ...] = (),
               extra: dict[str, str] | None = None) -> Path:
    """Write a GTFS folder: stops at (x, y) m from (X0, Y0); trips (route, trip, stop times)."""
    folder.mkdir(parents=True, exist_ok=True)
    ll = to_lonlat(stops)
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
                      "T,Test transit,http://example.org,Europe/Helsinki\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                        "start_date,end_date\nWK,1,1,1,1,1,0,0,20240101,20240131\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n" + "".join(
            f"{s},{s},{lat:.9f},{lon:.9f}\n" for s, (lon, lat) in ll.items()),
        "routes.txt": "route_id,route_short_name,route_type\n" + "".join(
            f"{r},{r},3\n" for r in sorted({t[0] for t in trips})),
        "trips.txt": "route_id,service_id,trip_id\n" + "".join(
            f"{r},WK,{t}\n" for r, t, _ in trips),
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "".join(
            f"{t},{hms(a)},{hms(d)},{s},{k + 1}\n" for _, t, sts in trips
            for k, (s, a, d) in enumerate(sts)),
    }
    if frequencies:
        files["frequencies.txt"] = "trip_id,start_time,end_time,headway_secs,exact_times\n" + \
            "".join(f"{t},{a},{b},{h},{e}\n" for t, a, b, h, e in frequencies)
    files.update(extra or {})
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def points(xy: list[tuple[float, float]]) -> gpd.GeoSeries:
    return gpd.GeoSeries(gpd.points_from_xy([X0 + x for x, _ in xy], [Y0 + y for _, y in xy]),
                         crs=3067)


def m(hh: int, mm: int) -> int:
    """Seconds of a clock time."""
    return hh * 3600 + mm * 60


# The hand-made network (x, y in metres; walks at 100 m/min):
#   A(0,0) --R1--> B(3000,0) --R1--> C(6000,0) --R2--> D(9000,0)
#   E(6000,200) --R3--> F(9000,3000)      (C to E: a 2-minute footpath)
#   G(0,20000) --R6 slow / R7 fast--> H(3000,20000);  G --R8 freq, R9 night--> K(0,26000)
HAND_STOPS = {"A": (0, 0), "B": (3000, 0), "C": (6000, 0), "D": (9000, 0), "E": (6000, 200),
              "F": (9000, 3000), "G": (0, 20000), "H": (3000, 20000), "K": (0, 26000)}
HAND_TRIPS = [
    ("R1", "r1", [("A", m(8, 0), m(8, 0)), ("B", m(8, 10), m(8, 10)), ("C", m(8, 20), m(8, 20))]),
    ("R2", "r2a", [("C", m(8, 20), m(8, 20)), ("D", m(8, 35), m(8, 35))]),
    ("R2", "r2b", [("C", m(8, 25), m(8, 25)), ("D", m(8, 40), m(8, 40))]),
    ("R3", "r3a", [("E", m(8, 21), m(8, 21)), ("F", m(8, 30), m(8, 30))]),
    ("R3", "r3b", [("E", m(8, 41), m(8, 41)), ("F", m(8, 50), m(8, 50))]),
    ("R6", "slow", [("G", m(8, 0), m(8, 0)), ("H", m(8, 30), m(8, 30))]),
    ("R7", "fast", [("G", m(8, 5), m(8, 5)), ("H", m(8, 15), m(8, 15))]),
    # a template: its times shifted to every departure of frequencies.txt
    ("R8", "freq", [("G", 0, 0), ("K", m(0, 7), m(0, 7))]),
    ("R9", "late", [("G", m(23, 50), m(23, 50)), ("K", m(24, 20), m(24, 20))]),
    ("R9", "night", [("G", m(24, 30), m(24, 30)), ("K", m(24, 50), m(24, 50))]),
]
HAND_FREQ = (("freq", "08:00:00", "08:30:00", 600, 1),)


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> TransitNetwork:
    folder = write_feed(tmp_path_factory.mktemp("hand") / "feed", HAND_STOPS, HAND_TRIPS,
                        HAND_FREQ)
    return TransitNetwork(read_gtfs(folder), WALK)


def one(net: TransitNetwork, o: str, d: str | tuple[float, float], start: str,
        cutoff: float = 60.0, window: int = 1, statistic: str = "min") -> float | None:
    """Minutes from stop ``o`` to stop (or point) ``d``; None if absent."""
    dxy = HAND_STOPS[d] if isinstance(d, str) else d
    t = transit_times(net, points([HAND_STOPS[o]]), points([dxy]), date=DATE, start=start,
                      cutoff_min=cutoff, window_min=window, statistic=statistic)
    return None if t.empty else float(t["minutes"].iloc[0])


def test_transfer_caught_with_no_time_to_spare(hand: TransitNetwork) -> None:
    # R1 leaves A 08:00, reaches C 08:20; R2 leaves C 08:20 (caught, change time 0),
    # reaches D 08:35: 35 minutes
    assert one(hand, "A", "D", "08:00") == pytest.approx(35.0)


def test_transfer_missed_by_a_minute(hand: TransitNetwork) -> None:
    # at C 08:20, walk 200 m to E (2 min): 08:22; R3 left E 08:21 (missed by a minute),
    # the next leaves 08:41 and reaches F 08:50: 50 minutes
    assert one(hand, "A", "F", "08:00") == pytest.approx(50.0)
    # cut-off 49: absent (walking A to F, 9.5 km, takes 95 minutes)
    assert one(hand, "A", "F", "08:00", cutoff=49.0) is None


def test_faster_trip_departing_later(hand: TransitNetwork) -> None:
    # G 08:00: the slow R6 arrives H 08:30, the fast R7 leaves 08:05 and arrives 08:15
    assert one(hand, "G", "H", "08:00") == pytest.approx(15.0)


def test_frequencies_expanded(hand: TransitNetwork) -> None:
    # R8 leaves G at 08:00, 08:10, 08:20 (not 08:30: end_time is exclusive), 7 minutes
    # to K. Leaving at minute k of 08:00-08:29: wait to the next departure, then 7 minutes;
    # from 08:21 none is left and the walk (6 km, 60 minutes) is beyond the cut-off
    prepared = prepare(hand, points([HAND_STOPS["G"]]), points([HAND_STOPS["K"]]), DATE, 59.0)
    out, every = run(prepared, "08:00", 30, 59.0, "median", keep_all=True)
    expected = [7.0] + [(10 - k) % 10 + 7.0 for k in range(1, 11)] + \
               [(20 - k) % 10 + 7.0 for k in range(11, 21)] + [np.inf] * 9
    expected[10], expected[20] = 7.0, 7.0
    assert every[0, 0].tolist() == expected
    # the median of 30 values: the mean of the 15th and 16th smallest
    assert out[0, 0] == pytest.approx(np.median(expected))


def test_trip_past_midnight(hand: TransitNetwork) -> None:
    # R9 leaves G 23:50 and reaches K 24:20 (00:20 the next day): 30 minutes from 23:50
    assert one(hand, "G", "K", "23:45") == pytest.approx(35.0)
    # the trip at 24:30 of Tuesday's service runs at 00:30 on Wednesday: leaving G at
    # 00:20 arrives 00:50 (Wednesday's own 24:30 trip is Thursday night)
    assert one(hand, "G", "K", "00:20") == pytest.approx(30.0)


def test_walk_beats_the_bus(hand: TransitNetwork) -> None:
    # W at (2000, 0): walking from A takes 20 minutes; by bus from 07:50: wait to 08:00,
    # B at 08:10, walk 1000 m back: 08:20, 30 minutes. The walk counts.
    assert one(hand, "A", (2000.0, 0.0), "07:50") == pytest.approx(20.0)
    # leaving at 08:00 the bus ties the walk (20 minutes)
    assert one(hand, "A", (2000.0, 0.0), "08:00") == pytest.approx(20.0)


def test_unreachable_within_cutoff(hand: TransitNetwork) -> None:
    # D is 35 minutes away by transit and 90 on foot: absent with a 30-minute cut-off
    assert one(hand, "A", "D", "08:00", cutoff=30.0) is None
    # H can never be reached from A (no route, 20 km on foot)
    assert one(hand, "A", "H", "08:00") is None


def test_table_shape_matches_travel_times(hand: TransitNetwork) -> None:
    o = points([HAND_STOPS["A"], HAND_STOPS["G"]])
    d = points([HAND_STOPS["D"], HAND_STOPS["H"], HAND_STOPS["A"]])
    t = transit_times(hand, o, d, date=DATE, start="08:00", cutoff_min=60, window_min=1)
    assert list(t.columns) == ["origin", "destination", "minutes"]
    # A->D 35, A->A 0 (no walk), G->H 15; A->H, G->D, G->A absent
    assert t[["origin", "destination"]].values.tolist() == [[0, 0], [0, 2], [1, 1]]
    assert t["minutes"].tolist() == pytest.approx([35.0, 0.0, 15.0])
    assert t.attrs["model"] == "transit" and t.attrs["date"] == DATE
    again = transit_times(hand, o, d, date=DATE, start="08:00", cutoff_min=60, window_min=1)
    assert again.equals(t)  # deterministic


# --- random feeds against a time-expanded graph searched by networkx ----------------------

def random_feed(rng: np.random.Generator) -> tuple[dict, list, tuple]:
    """8 stops in 3 km x 3 km, 3 routes of 3-5 stops, 3-6 trips each (overtaking allowed)."""
    stops = {f"S{k}": (float(rng.uniform(0, 3000)), float(rng.uniform(0, 3000)))
             for k in range(8)}
    names = list(stops)
    trips, freqs = [], []
    for r in range(3):
        seq = list(rng.choice(names, size=int(rng.integers(3, 6)), replace=False))
        for k in range(int(rng.integers(3, 7))):
            t = float(m(8, 0) + 60 * rng.integers(0, 40))
            sts = []
            for s in seq:
                dwell = 60.0 * int(rng.integers(0, 2))
                sts.append((s, t, t + dwell))
                t += dwell + 60.0 * int(rng.integers(1, 7))
            trips.append((f"R{r}", f"R{r}t{k}", sts))
    # one frequency route: its template times shifted to each departure
    seq = list(rng.choice(names, size=3, replace=False))
    trips.append(("RF", "RFt", [(s, 240.0 * i, 240.0 * i) for i, s in enumerate(seq)]))
    freqs.append(("RFt", "08:03:00", "08:40:00", int(60 * rng.integers(4, 12)),
                  int(rng.integers(0, 2))))
    return stops, trips, tuple(freqs)


def expand(trips: list, freqs: tuple) -> list[list[tuple[str, int, int]]]:
    """Every run of a trip: scheduled ones as they are, frequency templates shifted."""
    runs, templ = [], {f[0]: f for f in freqs}
    for _, tid, sts in trips:
        if tid not in templ:
            runs.append([(s, int(a), int(d)) for s, a, d in sts])
            continue
        _, a, b, head, _ = templ[tid]
        start = sum(int(x) * f for x, f in zip(a.split(":"), (3600, 60, 1), strict=True))
        end = sum(int(x) * f for x, f in zip(b.split(":"), (3600, 60, 1), strict=True))
        for t0 in range(start, end, head):
            runs.append([(s, int(x + t0 - sts[0][2]), int(y + t0 - sts[0][2]))
                         for s, x, y in sts])
    return runs


def walk_s(p: tuple[float, float], q: tuple[float, float]) -> float:
    return round(float(np.hypot(p[0] - q[0], p[1] - q[1])) / 100.0 * 60.0)


def timetable_graph(runs: list) -> tuple[nx.DiGraph, dict[str, list[int]]]:
    """Time-expanded graph of the trips: riding, staying aboard, waiting, boarding.

    Nodes are events: ("dep", run, i), ("arr", run, i) and ("wait", stop, time) for every
    departure time at a stop; weights are seconds.
    """
    g = nx.DiGraph()
    waits: dict[str, list[int]] = {}
    for r, sts in enumerate(runs):
        for i, (s, a, d) in enumerate(sts):
            waits.setdefault(s, []).append(d)
            g.add_edge(("wait", s, d), ("dep", r, i), weight=0)
            g.add_edge(("arr", r, i), ("dep", r, i), weight=d - a)
            if i + 1 < len(sts):
                g.add_edge(("dep", r, i), ("arr", r, i + 1), weight=sts[i + 1][1] - d)
    for s, ts in waits.items():
        ts.sort()
        for a, b in itertools.pairwise(ts):
            g.add_edge(("wait", s, a), ("wait", s, b), weight=b - a)
    return g, waits


def catch(waits: dict[str, list[int]], s: str, t: float) -> tuple | None:
    """Return the wait node of the first departure at stop ``s`` at or after ``t``."""
    ts = waits.get(s, [])
    k = int(np.searchsorted(ts, t))
    return ("wait", s, ts[k]) if k < len(ts) else None


def reference(stops: dict, runs: list, origin: tuple, dests: list, t0: int,
              limit_s: int) -> list[float]:
    """Earliest arrival minutes (inf beyond the limit) by Dijkstra on a time-expanded graph.

    Walks: the origin to a stop's first departure after the walk, an arrival to the same
    stop's or a nearby stop's next departure, an arrival or the origin to a destination.
    A walk never follows a walk, as in the planner's model.
    """
    g, waits = timetable_graph(runs)
    src = ("src",)
    g.add_node(src)
    reach, transfer = WALK.max_walk_m / 100 * 60, WALK.max_transfer_m / 100 * 60
    for s, xy in stops.items():
        w = walk_s(origin, xy)
        if w <= reach and (n := catch(waits, s, t0 + w)) is not None:
            g.add_edge(src, n, weight=n[2] - t0)
    for j, dxy in enumerate(dests):
        g.add_edge(src, ("dest", j), weight=walk_s(origin, dxy))
    for r, sts in enumerate(runs):
        for i, (s, a, _) in enumerate(sts):
            for q, qxy in stops.items():
                w = 0 if q == s else walk_s(stops[s], qxy)
                if w <= transfer and (n := catch(waits, q, a + w)) is not None:
                    g.add_edge(("arr", r, i), n, weight=n[2] - a)
            for j, dxy in enumerate(dests):
                if (w := walk_s(stops[s], dxy)) <= reach:
                    g.add_edge(("arr", r, i), ("dest", j), weight=w)
    dist = nx.single_source_dijkstra_path_length(g, src, weight="weight")
    out = [dist.get(("dest", j), np.inf) for j in range(len(dests))]
    return [d / 60.0 if d <= limit_s else np.inf for d in out]


@pytest.mark.parametrize("seed", range(6))
def test_random_feeds_match_time_expanded_search(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    stops, trips, freqs = random_feed(rng)
    net = TransitNetwork(read_gtfs(write_feed(tmp_path / "feed", stops, trips, freqs)), WALK)
    o_xy = [(float(rng.uniform(0, 3000)), float(rng.uniform(0, 3000))) for _ in range(4)]
    d_xy = [(float(rng.uniform(0, 3000)), float(rng.uniform(0, 3000))) for _ in range(4)]
    o_xy.append(stops["S0"])  # a point on a stop: a walk of 0
    window, cutoff = 45, 40.0
    prepared = prepare(net, points(o_xy), points(d_xy), DATE, cutoff)
    _, every = run(prepared, "08:00", window, cutoff, keep_all=True)
    runs = expand(trips, freqs)
    checked = by_transit = 0
    for i, oxy in enumerate(o_xy):
        walk_min = np.array([walk_s(oxy, dxy) / 60.0 for dxy in d_xy])
        for k in range(window):
            ref = reference(stops, runs, oxy, d_xy, m(8, 0) + 60 * k, int(cutoff * 60))
            assert every[i, :, k].tolist() == pytest.approx(ref), (i, k)
            checked += np.isfinite(ref).sum()
            by_transit += (np.array(ref) < walk_min - 1e-9).sum()
    # most pairs are reached, and in some the ride beats the walk (the test compares routing,
    # not only walks): 8 to 106 of 900 departures x pairs across the seeds
    assert checked > 100 and by_transit >= 5


# --- bad feeds: one line naming the file and row --------------------------------------------

def test_date_without_service_names_the_dates(hand: TransitNetwork) -> None:
    with pytest.raises(InputError, match=r"no service on 2024-01-13; .* 2024-01-01, "
                                         r"2024-01-02.*2024-01-31 \(23 dates\)"):
        transit_times(hand, points([(0, 0)]), points([(0, 0)]), date=dt.date(2024, 1, 13),
                      start="08:00", cutoff_min=30)


def test_missing_file(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "feed", HAND_STOPS, HAND_TRIPS)
    (folder / "stop_times.txt").unlink()
    with pytest.raises(InputError, match=r"^feed: stop_times.txt is missing"):
        read_gtfs(folder)


def test_stop_time_out_of_order(tmp_path: Path) -> None:
    trips = [("R1", "r1", [("A", m(8, 0), m(8, 0)), ("B", m(8, 10), m(8, 10)),
                           ("C", m(8, 5), m(8, 5))])]
    folder = write_feed(tmp_path / "feed", HAND_STOPS, trips)
    # header line 1, then A, B, C: C's row is line 4
    with pytest.raises(InputError, match=r"^feed: stop_times.txt line 4: stop time out of "
                                         r"order"):
        read_gtfs(folder)


def test_unknown_stop(tmp_path: Path) -> None:
    trips = [("R1", "r1", [("A", m(8, 0), m(8, 0)), ("Z", m(8, 10), m(8, 10))])]
    folder = write_feed(tmp_path / "feed", HAND_STOPS, trips)
    with pytest.raises(InputError, match=r"^feed: stop_times.txt line 3: stop_id 'Z' is not "
                                         r"in stops.txt"):
        read_gtfs(folder)


def test_bad_time(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "feed", HAND_STOPS, HAND_TRIPS[:1])
    text = (folder / "stop_times.txt").read_text().replace("08:10:00", "8h10", 1)
    (folder / "stop_times.txt").write_text(text)
    with pytest.raises(InputError, match=r"stop_times.txt line 3: arrival_time '8h10'"):
        read_gtfs(folder)


@pytest.mark.parametrize(("rows", "dest", "expected"), [
    # C to E given as 1 minute (type 2): at E 08:21, R3 caught, F at 08:30: 30 minutes
    ("C,E,2,60", "F", 30.0),
    # C to E forbidden (type 3): F only on foot (95 min), beyond the cut-off
    ("C,E,3,", "F", None),
    # 2 minutes to change at C: R2 at 08:20 missed, the 08:25 reaches D 08:40: 40 minutes
    ("C,C,2,120", "D", 40.0),
])
def test_transfers_txt(tmp_path: Path, rows: str, dest: str, expected: float | None) -> None:
    extra = {"transfers.txt": "from_stop_id,to_stop_id,transfer_type,min_transfer_time\n"
                              f"{rows}\n"}
    folder = write_feed(tmp_path / "feed", HAND_STOPS, HAND_TRIPS, HAND_FREQ, extra)
    net = TransitNetwork(read_gtfs(folder), WALK)
    assert one(net, "A", dest, "08:00") == (None if expected is None
                                            else pytest.approx(expected))


def test_missing_column(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "feed", HAND_STOPS, HAND_TRIPS)
    text = (folder / "stop_times.txt").read_text().replace("stop_sequence", "stop_seq", 1)
    (folder / "stop_times.txt").write_text(text)
    with pytest.raises(InputError, match=r"^feed: stop_times.txt line 1 has no column "
                                         r"stop_sequence"):
        read_gtfs(folder)


def test_no_calendar(tmp_path: Path) -> None:
    folder = write_feed(tmp_path / "feed", HAND_STOPS, HAND_TRIPS)
    (folder / "calendar.txt").unlink()
    with pytest.raises(InputError, match=r"^feed: .*calendar"):
        read_gtfs(folder)
