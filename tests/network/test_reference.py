"""The travel-time matrix reader and compare_with_matrix, on the real matrix format."""

from __future__ import annotations

import itertools
import statistics
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point

from planner import network
from planner.errors import InputError

SAMPLE = (Path(__file__).resolve().parents[2] / "data" / "reference"
          / "hrtm2018_travel_times_to_5975312.txt")
X0, Y0 = 385000.0, 6672000.0
#: walk_t and walk_d of the three sample rows (copied from the file by eye)
WALK = {5785640: (511, 35737), 5785641: (492, 34431), 5785642: (493, 34510)}


def test_read_matrix_sample() -> None:
    table = network.read_matrix(SAMPLE)
    assert list(table["from_id"]) == list(WALK)
    assert set(table["to_id"]) == {5975312}
    assert list(table["walk_t"]) == [t for t, _ in WALK.values()]
    assert list(table["car_m_t"]) == [55, 55, 62]


def test_read_matrix_minus_one_is_missing(tmp_path: Path) -> None:
    text = SAMPLE.read_text().splitlines()
    text[1] = text[1].replace(";511;", ";-1;", 1)
    (tmp_path / "5975xxx").mkdir()
    (tmp_path / "5975xxx" / "travel_times_to_5975312.txt").write_text("\n".join(text))
    table = network.read_matrix(tmp_path)  # a folder: its matrix files
    assert np.isnan(table["walk_t"].iloc[0]) and table["walk_t"].iloc[1] == 492
    with pytest.raises(InputError):
        network.read_matrix(tmp_path / "nothing.txt")


def road(speed_kmh: float) -> tuple[nx.MultiDiGraph, gpd.GeoDataFrame]:
    """Build a straight road through the sample's cells, and a grid of those four cells.

    The road runs east from the destination cell's centre through the origin cells' centres,
    each at its matrix walking distance ``walk_d``.
    """
    g = nx.MultiDiGraph(crs="EPSG:3067", mode="walk")
    xs = {5975312: 0.0} | {k: float(d) for k, (_, d) in WALK.items()}
    order = sorted(xs, key=xs.get)
    for k in order:
        g.add_node(k, x=X0 + xs[k], y=Y0)
    for a, b in itertools.pairwise(order):
        length = xs[b] - xs[a]
        for u, v in ((a, b), (b, a)):
            g.add_edge(u, v, length=length, travel_time=length / (speed_kmh / 3.6))
    grid = gpd.GeoDataFrame({"YKR_ID": list(xs)},
                            geometry=[Point(X0 + x, Y0).buffer(125, cap_style="square")
                                      for x in xs.values()], crs="EPSG:3067")
    return g, grid


def test_compare_with_matrix_on_a_road_at_the_matrix_speed(capsys: pytest.CaptureFixture
                                                           ) -> None:
    # the matrix walks 70 m/min (4.2 km/h): walk_d / 70 should be walk_t up to rounding
    g, grid = road(4.2)
    result = network.compare_with_matrix(g, SAMPLE, grid,
                                         routing=network.MatrixRouting(cutoff_min=600))
    want = {k: d / 70 / t for k, (t, d) in WALK.items()}  # 0.99908, 0.99974, 1.00000
    got = dict(zip(result.pairs["from_id"], result.pairs["ratio"], strict=True))
    assert got == pytest.approx(want, rel=1e-9)
    assert result.median_ratio == pytest.approx(statistics.median(want.values()), rel=1e-9)
    ref = [t for t, _ in WALK.values()]
    ours = [d / 70 for _, d in WALK.values()]
    assert result.correlation == pytest.approx(statistics.correlation(ref, ours), rel=1e-9)
    assert result.missing == 0 and result.column == "walk_t"
    # the largest difference is 5785640: 35737 / 70 - 511 = -0.47 min
    top = result.largest(1).iloc[0]
    assert top["from_id"] == 5785640
    assert top["difference_min"] == pytest.approx(35737 / 70 - 511, abs=1e-9)
    assert "3 cell pairs (walk_t)" in capsys.readouterr().out


def test_compare_with_matrix_counts_pairs_beyond_the_cutoff() -> None:
    g, grid = road(4.5)  # faster than the matrix: 75 m/min
    result = network.compare_with_matrix(
        g, SAMPLE, grid, routing=network.MatrixRouting(cutoff_min=460), show=None)
    # 34431 / 75 = 459.1 min is within 460; 35737 / 75 and 34510 / 75 (460.1) are not
    assert list(result.pairs["from_id"]) == [5785641] and result.missing == 2
    assert result.pairs["planner_min"].iloc[0] == pytest.approx(34431 / 75, rel=1e-9)
    with pytest.raises(InputError):
        network.compare_with_matrix(g, SAMPLE, grid.rename(columns={"YKR_ID": "id"}))
