"""Travel times on a hand-checked 5-node toy graph."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import pytest
from shapely.geometry import Point

from planner import network

#: Snap to any node, the component aside (the tests' small graphs have islands).
ANY = network.Snapping(component="any")



def toy_graph() -> nx.MultiDiGraph:
    """Nodes 1..5 on a 100 m grid; 5 -> 1 is one-way; 2 -> 3 has a faster parallel edge.

    Times (s): 1->2 60, 2->3 60 and 30 (parallel), 1->3 180, 3->4 60, 4->5 60, 5->1 60,
    and the reverse of every edge except 5->1 at the same time.
    """
    g = nx.MultiDiGraph(crs="EPSG:3067")
    xy = {1: (0, 0), 2: (100, 0), 3: (200, 0), 4: (200, 100), 5: (100, 100)}
    for n, (x, y) in xy.items():
        g.add_node(n, x=x + 400000.0, y=y + 6670000.0)
    two_way = [(1, 2, 60.0), (2, 3, 60.0), (2, 3, 30.0), (1, 3, 180.0), (3, 4, 60.0),
               (4, 5, 60.0)]
    for u, v, t in two_way:
        g.add_edge(u, v, travel_time=t)
        g.add_edge(v, u, travel_time=t)
    g.add_edge(5, 1, travel_time=60.0)
    return g


def pts(g: nx.MultiDiGraph, nodes: list[int], dx: float = 0.0) -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(g.nodes[n]["x"] + dx, g.nodes[n]["y"]) for n in nodes],
                         crs="EPSG:3067")


def test_hand_checked_times() -> None:
    g = toy_graph()
    tt = network.travel_times(g, pts(g, [1, 4]), pts(g, [4, 1]), cutoff_min=60)
    got = {(o, d): m for o, d, m in tt.itertuples(index=False)}
    # 1 -> 4: 1->2 (60) + 2->3 fast parallel (30) + 3->4 (60) = 150 s
    assert got[(0, 0)] == pytest.approx(2.5, abs=1e-9)
    # 4 -> 1: 4->5 (60) + one-way 5->1 (60) = 120 s
    assert got[(1, 1)] == pytest.approx(2.0, abs=1e-9)
    # same point: zero network time
    assert got[(0, 1)] == pytest.approx(0.0, abs=1e-9)
    # 1 -> 4 cannot use 5 -> 1 backwards; check against networkx on the same graph
    nx_time = nx.shortest_path_length(g, 1, 4, weight="travel_time") / 60
    assert got[(0, 0)] == pytest.approx(nx_time)


def test_cutoff_and_snap_access() -> None:
    g = toy_graph()
    # origins 45 m east of nodes 1 and 4: 45 m at 4.5 km/h = 0.6 min walk to the node
    tt = network.travel_times(g, pts(g, [1], dx=45.0), pts(g, [4]), cutoff_min=60,
                              snapping=network.Snapping(walk_speed_kmh=4.5))
    # nearest node of (45, 0) is node 1 (45 m) not node 2 (55 m)
    assert tt["minutes"].iloc[0] == pytest.approx(2.5 + 0.6, abs=1e-9)
    short = network.travel_times(g, pts(g, [1]), pts(g, [4]), cutoff_min=2.4)
    assert len(short) == 0  # 2.5 min is beyond the cut-off: absent, never zero


def test_unreachable_points_are_reported() -> None:
    g = toy_graph()
    far = gpd.GeoSeries([Point(400000.0 + 5000, 6670000.0)], crs="EPSG:3067")
    tt = network.travel_times(g, far, pts(g, [1]), cutoff_min=600,
                              snapping=network.Snapping(max_snap_m=500))
    assert len(tt) == 0
    assert tt.attrs["unreachable_origins"] == [0]


def test_island_is_absent_not_zero() -> None:
    g = toy_graph()
    g.add_node(9, x=401000.0, y=6670000.0)  # an island with no edges
    g.add_node(10, x=401100.0, y=6670000.0)
    g.add_edge(9, 10, travel_time=10.0)
    tt = network.travel_times(g, pts(g, [1, 9]), pts(g, [10]), cutoff_min=600, snapping=ANY)
    assert list(tt["origin"]) == [1]
    assert tt["minutes"].iloc[0] == pytest.approx(10 / 60)


def test_points_snap_to_the_largest_component() -> None:
    g = toy_graph()
    g.add_node(9, x=400300.0, y=6670000.0)  # a two-node island 100 m east of node 3
    g.add_node(10, x=400300.0, y=6670010.0)
    g.add_edge(9, 10, travel_time=10.0)
    g.add_edge(10, 9, travel_time=10.0)
    # a point 5 m west of node 9: the island is 5 m away, node 3 of the main part 95 m
    p = gpd.GeoSeries([Point(400295.0, 6670000.0)], crs="EPSG:3067")
    tt = network.travel_times(g, p, pts(g, [1]), cutoff_min=600,
                              snapping=network.Snapping(walk_speed_kmh=3.6))
    # 95 m at 1 m/s to node 3, then 3 -> 2 (30 s, fast parallel) -> 1 (60 s)
    assert tt["minutes"].iloc[0] == pytest.approx((95 + 90) / 60, abs=1e-9)
    assert tt.attrs["access"]["origins"]["median_m"] == pytest.approx(95.0)
    # anywhere: the island is nearer and reaches nothing
    assert network.travel_times(g, p, pts(g, [1]), cutoff_min=600, snapping=ANY).empty
    # beyond max_snap_m from the main part: unreachable, reported
    tt = network.travel_times(g, p, pts(g, [1]), cutoff_min=600,
                              snapping=network.Snapping(max_snap_m=50))
    assert tt.empty and tt.attrs["unreachable_origins"] == [0]


def test_csr_keeps_fastest_parallel_edge() -> None:
    g = toy_graph()
    mat, nodes = network.graph_to_csr(g)
    i, j = list(nodes).index(2), list(nodes).index(3)
    assert mat[i, j] == 30.0
    # 5 distinct two-way pairs (the parallel 2-3 edges merge) = 10 arcs, plus one-way 5->1
    assert mat.nnz == 11
