"""The straight-line fallback model and isochrones, against hand-computed values."""

from __future__ import annotations

import time
import tracemalloc

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from planner import network
from planner.errors import InputError
from tests.network.test_matrix import X0, Y0, at, line_graph

#: Snap to any node, the component aside (the tests' small graphs have islands).
ANY = network.Snapping(component="any")



def pts(*xy: tuple[float, float]) -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(X0 + x, Y0 + y) for x, y in xy], crs="EPSG:3067")


def test_straight_line_hand_values() -> None:
    origins = pts((0, 0), (3000, 0), (0, 4000))
    sites = pts((0, 0), (3000, 4000))
    tt = network.straight_line_times(origins, sites, cutoff_min=10.5, speed_kmh=36,
                                     circuity=1.25, access_min=2.0)
    # 36 km/h = 600 m/min; minutes = d x 1.25 / 600 + 2
    got = {(o, d): m for o, d, m in tt.itertuples(index=False)}
    assert got == pytest.approx({(0, 0): 2.0, (1, 0): 3000 * 1.25 / 600 + 2,
                                 (1, 1): 4000 * 1.25 / 600 + 2, (2, 0): 4000 * 1.25 / 600 + 2,
                                 (2, 1): 3000 * 1.25 / 600 + 2})
    assert (0, 1) not in got  # 5000 m: 12.4 min > 10.5
    assert tt.attrs["model"] == "straight_line"
    assert (tt.attrs["circuity"], tt.attrs["speed_kmh"], tt.attrs["access_min"]) == (
        1.25, 36.0, 2.0)
    assert list(tt.columns) == ["origin", "destination", "minutes"]
    chunked = network.straight_line_times(origins, sites, 10.5, 36, 1.25, 2.0,
                                          chunk_points=1)
    pd.testing.assert_frame_equal(tt, chunked)


def test_straight_line_reprojects_and_checks_parameters() -> None:
    wgs = gpd.GeoSeries([Point(24.94, 60.17), Point(24.95, 60.17)], crs="EPSG:4326")
    tt = network.straight_line_times(wgs, wgs.iloc[:1], cutoff_min=60, speed_kmh=5)
    metres = wgs.to_crs("EPSG:3067").distance(wgs.to_crs("EPSG:3067").iloc[0])
    assert tt["minutes"].to_numpy() == pytest.approx(metres.to_numpy() * 1.3 / (5000 / 60))
    with pytest.raises(InputError, match="circuity"):
        network.straight_line_times(wgs, wgs, 10, speed_kmh=5, circuity=0.9)
    with pytest.raises(InputError, match="speed_kmh"):
        network.straight_line_times(wgs, wgs, 10, speed_kmh=0)
    assert len(network.straight_line_times(wgs, wgs, 1, speed_kmh=5, access_min=2)) == 0


@pytest.mark.slow
def test_straight_line_300k_points_3k_sites_fits_in_memory() -> None:
    rng = np.random.default_rng(3)
    side = 200_000.0  # a 200 km x 200 km region
    o_xy = rng.uniform(0, side, (300_000, 2))
    s_xy = rng.uniform(0, side, (3_000, 2))
    origins = gpd.GeoSeries(gpd.points_from_xy(o_xy[:, 0] + X0, o_xy[:, 1] + Y0),
                            crs="EPSG:3067")
    sites = gpd.GeoSeries(gpd.points_from_xy(s_xy[:, 0] + X0, s_xy[:, 1] + Y0),
                          crs="EPSG:3067")
    tracemalloc.start()
    t0 = time.perf_counter()
    tt = network.straight_line_times(origins, sites, cutoff_min=10, speed_kmh=60)
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # radius 10 x 1000 / 1.3 = 7.69 km: about 3000 x pi x 7.69^2 / 200^2 = 14 sites a point
    assert 3.0e6 < len(tt) < 5.0e6
    assert peak < 1.0e9  # a dense 300k x 3k float matrix alone would be 7.2 GB
    assert seconds < 60
    # brute force on a sample of origins
    for o in rng.choice(300_000, 50, replace=False):
        d = np.hypot(*(s_xy - o_xy[o]).T)
        want = {j: d[j] * 1.3 / 1000 for j in np.flatnonzero(d * 1.3 / 1000 <= 10)}
        got = tt[tt["origin"] == o]
        assert dict(zip(got["destination"], got["minutes"], strict=True)) == pytest.approx(
            want, abs=1e-9)


def test_isochrones_follow_the_one_way_street() -> None:
    g = line_graph()  # A -60- B -30 one-way-> C -60- D at x = 0, 100, 200, 300
    iso = network.isochrones(g, at((300, 0), (0, 0)), [1.25, 1.5], buffer_m=10,
                             snapping=ANY)  # the one-way splits the line in two parts
    assert iso.crs == "EPSG:3067"
    assert list(zip(iso["site"], iso["minutes"], strict=True)) == [
        (0, 1.25), (0, 1.5), (1, 1.25), (1, 1.5)]
    cap = np.pi * 10**2  # two half-disc caps of the 10 m buffer
    # to D within 75 s: C (60 s) and half of B -> C (15 of 30 s): x = 150..300
    assert iso.geometry[0].area == pytest.approx(150 * 20 + cap, rel=2e-3)
    # within 90 s: from B (60 + 30): x = 100..300
    assert iso.geometry[1].area == pytest.approx(200 * 20 + cap, rel=2e-3)
    assert iso.geometry[1].bounds[0] == pytest.approx(X0 + 100 - 10)
    # to A: only from B (60 s); C -> B would be against the one-way: x = 0..100
    assert iso.geometry[2].area == pytest.approx(100 * 20 + cap, rel=2e-3)
    # from A instead: B at 60 s, then half of B -> C in the remaining 15 s: x = 0..150
    out = network.isochrones(g, at((0, 0)), [1.25], direction="from_site", buffer_m=10,
                             snapping=ANY)
    assert out.geometry[0].area == pytest.approx(150 * 20 + cap, rel=2e-3)


def test_isochrone_of_a_site_off_the_network_is_empty() -> None:
    iso = network.isochrones(line_graph(), at((5000, 0)), [10],
                             snapping=network.Snapping(max_snap_m=100))
    assert iso.geometry[0].is_empty
    with pytest.raises(InputError, match="direction"):
        network.isochrones(line_graph(), at((0, 0)), [10], direction="both")
