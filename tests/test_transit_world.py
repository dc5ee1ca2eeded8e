"""Public transport times against the world: the Helsinki Region Travel Time Matrix 2015.

Every YKR 250 m cell of the shipped HSL feed's area (inside the hull of its stops, with a
stop within the farthest walk: elsewhere the feed, cut to zones A/B, cannot serve the cell)
is routed to the matrix's destination cell 5980260 (Ruoholahti) on the feed's day,
2022-02-22, leaving every minute 07:30-08:29, walking at the matrix's 70 m/min (4.2 km/h).

Which column compares: the planner's median over departure minutes includes the wait for the
first vehicle (the rider leaves at a given minute), as ``pt_r_tt`` does (the matrix's one
departure at rush hour, door to door with the first wait); ``pt_r_t`` leaves home just in
time, as the planner's fastest departure (``min``) does. Both pairs are held.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from planner.network.gtfs import read_gtfs
from planner.network.transit import TransitNetwork, Walking, prepare, run

ROOT = Path(__file__).resolve().parents[1]
FEED = ROOT / "planner" / "resources" / "gtfs" / "hsl_gtfs_2022-02-22.zip"
GRID = ROOT / "data" / "reference" / "ykr_grid_hsl_inner_epsg3067.gpkg"
MATRIX = ROOT / "data" / "reference" / "hrtm2015_travel_times_to_5980260_ruoholahti.txt"
WALK = Walking(speed_kmh=4.2, max_walk_m=1000.0, circuity=1.3)


@pytest.fixture(scope="module")
def compared() -> pd.DataFrame:
    feed = read_gtfs(FEED)
    grid = gpd.read_file(GRID)
    matrix = pd.read_csv(MATRIX, sep=";")
    stops = gpd.GeoSeries(gpd.points_from_xy(feed.stops["x"], feed.stops["y"]), crs=3067)
    centre = grid.centroid
    reach = WALK.max_walk_m / WALK.circuity
    near = stops.sindex.query(centre.buffer(reach), predicate="intersects")
    served = np.zeros(len(grid), dtype=bool)
    served[near[0]] = True
    inside = centre.within(stops.union_all().convex_hull).to_numpy()
    cells = grid[served & inside].merge(matrix, left_on="YKR_ID", right_on="from_id")
    cells = cells[(cells["pt_r_tt"] > 0) & (cells["pt_r_t"] > 0)].reset_index(drop=True)
    dest = grid.loc[grid["YKR_ID"] == 5980260].centroid.reset_index(drop=True)
    prepared = prepare(TransitNetwork(feed, WALK), cells.centroid, dest, "2022-02-22", 120.0)
    median, every = run(prepared, "07:30", 60, 120.0, "median", keep_all=True)
    cells["median"] = median[:, 0]
    cells["fastest"] = every[:, 0, :].min(axis=1)
    return cells


def figures(ours: np.ndarray, ref: np.ndarray) -> tuple[float, float, float]:
    """Correlation, median ratio and median difference (minutes) of the reached cells."""
    ok = np.isfinite(ours)
    return (float(np.corrcoef(ours[ok], ref[ok])[0, 1]), float(np.median(ours[ok] / ref[ok])),
            float(np.median(ours[ok] - ref[ok])))


def test_cells_of_the_feed_area_are_reached(compared: pd.DataFrame) -> None:
    # 1,198 cells (the feed covers inner Helsinki); all reach Ruoholahti within 2 hours
    assert len(compared) > 1000
    assert np.isfinite(compared["median"]).mean() > 0.99


def test_median_against_pt_r_tt(compared: pd.DataFrame) -> None:
    r, ratio, diff = figures(compared["median"].to_numpy(), compared["pt_r_tt"].to_numpy())
    # measured: r 0.93, ratio 0.88, difference -4.3 min (1,198 cells). The planner is
    # faster: the 2022 timetable (the western metro opened in 2017, the bus lines were
    # redrawn around it) against the matrix's 2015 one, straight walks x 1.3 against the
    # matrix's street walks, and the matrix's fixed boarding and platform times. Walking
    # alone would give a ratio of about 2-3; a router missing transfers would be slower
    # than the matrix, not faster.
    assert r > 0.9
    assert 0.8 < ratio < 1.0
    assert -8.0 < diff < 0.0


def test_fastest_departure_against_pt_r_t(compared: pd.DataFrame) -> None:
    r, ratio, diff = figures(compared["fastest"].to_numpy(), compared["pt_r_t"].to_numpy())
    # measured: r 0.92, ratio 0.87, difference -4.3 min (the same reasons as above)
    assert r > 0.9
    assert 0.8 < ratio < 1.0
    assert -8.0 < diff < 0.0
