"""Travel-time matrices: hand-checked toy graphs, networkx on Helsinki, snapping, cache."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from shapely.geometry import Point

import planner.network.matrix as matrix_mod
from planner import network
from planner.data.demo import demo_graph
from planner.network.contract import _may_contract, contract, contract_cached

X0, Y0 = 400000.0, 6670000.0

#: Snap to any node, the component aside (the tests' small graphs have islands).
ANY = network.Snapping(component="any")
#: Snap to the nearest position on the nearest edge, of any component.
EDGE = network.Snapping(component="any", snap="edge")



def line_graph() -> nx.MultiDiGraph:
    """Build a line graph with a one-way edge and an island.

    A -60 s- B -30 s one-way B->C- C -60 s- D on a 100 m line; island E -10 s- F.

    Nodes 1..4 are A..D at x = 0, 100, 200, 300; E, F (5, 6) at x = 1000, 1100.
    """
    g = nx.MultiDiGraph(crs="EPSG:3067")
    for n, x in {1: 0, 2: 100, 3: 200, 4: 300, 5: 1000, 6: 1100}.items():
        g.add_node(n, x=X0 + x, y=Y0)
    for u, v, t in [(1, 2, 60.0), (3, 4, 60.0), (5, 6, 10.0)]:
        g.add_edge(u, v, travel_time=t, length=100.0)
        g.add_edge(v, u, travel_time=t, length=100.0)
    g.add_edge(2, 3, travel_time=30.0, length=100.0)
    return g


def at(*xy: tuple[float, float]) -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(X0 + x, Y0 + y) for x, y in xy], crs="EPSG:3067")


def as_dict(tt: pd.DataFrame) -> dict[tuple[int, int], float]:
    return {(int(o), int(d)): m for o, d, m in tt.itertuples(index=False)}


A, D, E, F = (0, 0), (300, 0), (1000, 0), (1100, 0)


def test_one_way_and_island_give_asymmetric_and_missing_pairs() -> None:
    g = line_graph()
    pts = at(A, D, E, F)
    got = as_dict(network.travel_times(g, pts, pts, cutoff_min=60, snapping=ANY))
    # A -> D: 60 + 30 + 60 = 150 s; D -> A needs C -> B against the one-way: absent;
    # A/D and E/F are separate islands: absent both ways; same point: 0
    assert got == pytest.approx({(0, 0): 0.0, (0, 1): 2.5, (1, 1): 0.0, (2, 2): 0.0,
                                 (2, 3): 10 / 60, (3, 2): 10 / 60, (3, 3): 0.0})


def test_both_search_directions_agree() -> None:
    g = line_graph()
    few, many = at(A, E), at(A, D, E, F, D, A, (100, 0), (200, 0))
    forward = network.travel_times(g, few, many, cutoff_min=60, snapping=ANY)   # from the origins
    backward = network.travel_times(g, many, few, cutoff_min=60,
                                    snapping=ANY)  # from the destinations
    assert as_dict(forward) == pytest.approx({(0, 0): 0, (0, 1): 2.5, (0, 4): 2.5, (0, 5): 0,
                                              (0, 6): 1.0, (0, 7): 1.5, (1, 2): 0,
                                              (1, 3): 10 / 60})
    # reversed roles: D, C cannot reach A (one-way), B reaches A in 1 min
    assert as_dict(backward) == pytest.approx({(0, 0): 0, (2, 1): 0, (3, 1): 10 / 60,
                                               (5, 0): 0, (6, 0): 1.0})


def test_tiny_chunks_give_the_same_table() -> None:
    g = line_graph()
    pts = at(A, D, E, F, (100, 0), (200, 0))
    whole = network.travel_times(g, pts, pts[:2], cutoff_min=60, snapping=ANY)
    chunked = network.travel_times(g, pts, pts[:2], cutoff_min=60, chunk_bytes=1, snapping=ANY)
    pd.testing.assert_frame_equal(whole, chunked)


def test_edge_snap_enters_the_street_at_the_projection() -> None:
    g = line_graph()
    p = at((130, 20))  # 20 m off the one-way B -> C, 30 % along it
    walk_s = 20 / (4.5 / 3.6)  # 16 s
    to_d = network.travel_times(g, p, at(D), cutoff_min=60, snapping=EDGE)
    # walk 16 s + 70 % of 30 s to C + 60 s to D = 97 s
    assert to_d["minutes"].iloc[0] == pytest.approx((walk_s + 21 + 60) / 60, abs=1e-9)
    # nearest node is B, 36.06 m away: 28.84 s walk + 30 + 60
    node = network.travel_times(g, p, at(D), cutoff_min=60,
                                snapping=network.Snapping(component="any", snap="node"))
    assert node["minutes"].iloc[0] == pytest.approx((np.hypot(30, 20) / 1.25 + 90) / 60)
    # from A: 60 s to B + 30 % of 30 s + 16 s walk = 85 s; to A: against the one-way, none
    from_a = network.travel_times(g, at(A), p, cutoff_min=60, snapping=EDGE)
    assert from_a["minutes"].iloc[0] == pytest.approx(85 / 60, abs=1e-9)
    assert len(network.travel_times(g, p, at(A), cutoff_min=60, snapping=EDGE)) == 0


def test_edge_snap_same_street_goes_straight_along_it() -> None:
    g = line_graph()
    ahead = network.travel_times(g, at((120, 0)), at((170, 0)), cutoff_min=60, snapping=EDGE)
    assert ahead["minutes"].iloc[0] == pytest.approx(0.5 * 30 / 60, abs=1e-9)
    # backwards along a one-way street with no way round: absent, not zero
    assert len(network.travel_times(g, at((170, 0)), at((120, 0)), cutoff_min=60,
                                    snapping=EDGE)) == 0


def test_snapping_reports_distance_and_access_time() -> None:
    g = line_graph()
    s = network.snap_points(g, at((130, 20), (100, -45), (600, 0), (2000, 0)), method="edge",
                            component="any",
                            max_snap_m=250)
    assert s.distance_m == pytest.approx([20.0, 45.0, 300.0, 900.0])
    assert s.access_min == pytest.approx([20 / 75, 45 / 75, 4.0, 12.0])
    assert s.unreachable == [2, 3]
    nodes, dist = network.snap(g, at((130, 20)))
    assert (list(nodes), list(dist)) == ([2], [pytest.approx(np.hypot(30, 20))])
    tt = network.travel_times(g, at((600, 0), A), at(D), cutoff_min=60,
                              snapping=network.Snapping(component="any", max_snap_m=250))
    assert tt.attrs["unreachable_origins"] == [0]
    assert list(tt["origin"]) == [1]  # the far point is reported, never snapped
    # searched from the origins (two against three): the far one shifts the positions back;
    # A to D is 60 + 30 + 60 s, E is on the island
    fwd = network.travel_times(g, at((600, 0), A), at(D, E, A), cutoff_min=60,
                               snapping=network.Snapping(component="any", max_snap_m=250))
    assert as_dict(fwd) == {(1, 0): pytest.approx(2.5), (1, 2): 0.0}


def test_sparse_matrix_keeps_zero_times() -> None:
    g = line_graph()
    pts = at(A, D, E)
    m = network.travel_time_matrix(g, pts, pts[:2], cutoff_min=60, snapping=ANY)
    assert m.shape == (3, 2) and m.nnz == 3  # (A,A)=0, (A,D)=2.5, (D,D)=0
    assert m[0, 1] == pytest.approx(2.5) and m[1, 1] == 0.0
    assert m.has_canonical_format


def test_node_times_is_many_to_many() -> None:
    mat, nodes = network.graph_to_csr(line_graph())
    pos = {n: i for i, n in enumerate(nodes)}
    i, j, v = network.node_times(mat, [pos[1], pos[4]], [pos[4], pos[1], pos[2]], limit=120)
    # 1->4 is 150 s > limit; 1->1 0; 1->2 60; 4 reaches neither 1 nor 2
    assert list(zip(i, j, v, strict=True)) == [(0, 1, 0.0), (0, 2, 60.0), (1, 0, 0.0)]


@pytest.fixture(scope="module")
def helsinki() -> dict[str, nx.MultiDiGraph]:
    return {mode: demo_graph(mode) for mode in ("walk", "drive")}


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_helsinki_equals_networkx(helsinki: dict, mode: str) -> None:
    g = helsinki[mode]
    x, y = network.node_xy(g)
    rng = np.random.default_rng(7)
    sample = rng.choice(len(x), 12, replace=False)
    origins = gpd.GeoSeries([Point(x[k], y[k]) for k in sample], crs="EPSG:3067")
    targets = gpd.GeoSeries([Point(a, b) for a, b in zip(x, y, strict=True)], crs="EPSG:3067")
    cutoff = 8.0
    tt = network.travel_times(g, origins, targets, cutoff_min=cutoff, snapping=ANY)
    o_node, _ = network.snap(g, origins)
    t_node, _ = network.snap(g, targets)
    assert len(tt) > 100 * len(sample)
    for k, node in enumerate(o_node):
        ref = nx.single_source_dijkstra_path_length(g, int(node), cutoff=cutoff * 60,
                                                    weight="travel_time")
        want = {j: ref[n] / 60 for j, n in enumerate(t_node) if n in ref}
        got = tt[tt["origin"] == k]
        assert dict(zip(got["destination"], got["minutes"], strict=True)) == pytest.approx(
            want, abs=1e-6)


@pytest.mark.slow
def test_helsinki_many_origins_run_backwards_and_agree(helsinki: dict) -> None:
    g = helsinki["drive"]
    x, y = network.node_xy(g)
    everyone = gpd.GeoSeries([Point(a, b) for a, b in zip(x, y, strict=True)],
                             crs="EPSG:3067")
    sites = everyone.iloc[[5, 500, 1000]].reset_index(drop=True)
    tt = network.travel_times(g, everyone, sites, cutoff_min=5, snapping=ANY)
    rev = g.reverse(copy=False)
    t_node, _ = network.snap(g, everyone)
    s_node, _ = network.snap(g, sites)
    for j, node in enumerate(s_node):
        ref = nx.single_source_dijkstra_path_length(rev, int(node), cutoff=300,
                                                    weight="travel_time")
        want = {i: ref[n] / 60 for i, n in enumerate(t_node) if n in ref}
        got = tt[tt["destination"] == j]
        assert dict(zip(got["origin"], got["minutes"], strict=True)) == pytest.approx(
            want, abs=1e-6)
    small = network.travel_times(g, everyone, sites, cutoff_min=5, chunk_bytes=50_000, snapping=ANY)
    pd.testing.assert_frame_equal(tt, small)


def test_cache_is_hit_then_invalidated(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    g = line_graph()
    pts = at(A, D, (100, 0))
    first = network.travel_times(g, pts, pts, cutoff_min=60, cache_dir=tmp_path, snapping=ANY)
    assert first.attrs["cache"] == "miss"
    assert len(list(tmp_path.glob("*.parquet"))) == 1

    def no_routing(*_args: object, **_kw: object) -> None:
        raise AssertionError("the cache should have answered")

    with monkeypatch.context() as m:
        m.setattr(matrix_mod, "pair_times", no_routing)
        second = network.travel_times(g, pts, pts, cutoff_min=60, cache_dir=tmp_path, snapping=ANY)
    assert second.attrs["cache"] == "hit"
    pd.testing.assert_frame_equal(first, second, check_like=False)
    assert second.attrs["unreachable_origins"] == [] and second.attrs["model"] == "network"

    g[2][3][0]["travel_time"] = 90.0  # the one-way B -> C gets slower
    third = network.travel_times(g, pts, pts, cutoff_min=60, cache_dir=tmp_path, snapping=ANY)
    assert third.attrs["cache"] == "miss"
    assert as_dict(third)[(0, 1)] == pytest.approx((60 + 90 + 60) / 60)
    moved = network.travel_times(g, at(A, D, (200, 0)), pts, cutoff_min=60,
                                 cache_dir=tmp_path, snapping=ANY)
    other = network.travel_times(g, pts, pts, cutoff_min=30, cache_dir=tmp_path, snapping=ANY)
    assert (moved.attrs["cache"], other.attrs["cache"]) == ("miss", "miss")
    assert len(list(tmp_path.glob("*.parquet"))) == 4


def test_chain_contraction_keeps_junctions_and_chain_times() -> None:
    g = line_graph()
    # spurs make A and D junctions, D-9, D-10 (two-way, 5 s, dead ends)
    for n, x, y, end in [(7, 0, 50, 1), (8, 0, -50, 1), (9, 300, 50, 4), (10, 300, -50, 4)]:
        g.add_node(n, x=X0 + x, y=Y0 + y)
        g.add_edge(n, end, travel_time=5.0)
        g.add_edge(end, n, travel_time=5.0)
    mat, nodes = network.graph_to_csr(g)
    small = contract(mat, min_share=0.0)
    pos = {n: i for i, n in enumerate(nodes)}
    # B and C have two neighbours: A -> D becomes one arc of 150 s, D -> A none (one-way)
    assert small.kept[pos[2]] == small.kept[pos[3]] == -1
    a, d = small.kept[pos[1]], small.kept[pos[4]]
    assert small.mat[a, d] == 150.0
    assert (d, a) not in set(zip(*small.mat.nonzero(), strict=True))
    # C -> B is against the one-way: impassable along the chain; B -> C is 30 s
    assert small.along(np.array([pos[3]]), np.array([pos[2]]))[0] == np.inf
    assert small.along(np.array([pos[2]]), np.array([pos[3]]))[0] == 30.0
    # the spurs are dead-end tails: out of the search, hanging off their junction only
    assert small.kept[pos[7]] == -1 and list(small.ends[small.chain[pos[7]]]) == [a, -1]
    assert small.mat.shape == (4, 4)  # A, D, and the island E-F (no junction: kept as is)
    s_node, s_off = small.entries(np.array([[pos[7]]]), np.zeros((1, 1)), outgoing=True)
    assert list(s_node[0]) == [a, -1] and list(s_off[0]) == [5.0, np.inf]
    # and times through them are unchanged: 7 -> 9 = 5 + 150 + 5
    got = network.node_times(mat, [pos[7]], [pos[9], pos[10], pos[8]], limit=600)
    assert list(zip(*got, strict=True)) == [(0, 0, 160.0), (0, 1, 160.0), (0, 2, 10.0)]


@pytest.mark.slow
@pytest.mark.parametrize("snap", ["node", "edge"])
def test_contraction_changes_nothing_on_helsinki(helsinki: dict, snap: str) -> None:
    g = helsinki["walk"]
    rng = np.random.default_rng(11)
    x, y = network.node_xy(g)
    xy = rng.uniform([x.min(), y.min()], [x.max(), y.max()], (400, 2))
    pts = gpd.GeoSeries([Point(a, b) for a, b in xy], crs="EPSG:3067")
    for origins, destinations in [(pts[:15], pts), (pts, pts[:15])]:
        fast = network.travel_times(g, origins, destinations, cutoff_min=10,
                                    snapping=network.Snapping(snap=snap))
        full = network.travel_times(g, origins, destinations, cutoff_min=10,
                                    contract_chains=False, snapping=network.Snapping(snap=snap))
        assert len(fast) > 1000
        pd.testing.assert_frame_equal(fast[["origin", "destination"]],
                                      full[["origin", "destination"]])
        assert np.abs(fast["minutes"] - full["minutes"]).max() < 1e-9


def test_only_graphs_with_enough_low_degree_nodes_are_hashed_for_contraction() -> None:
    # a 30 x 30 street grid: 4 of 900 nodes (the corners) have two neighbours, 112 three
    side = 30
    idx = np.arange(side * side).reshape(side, side)
    u = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    v = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    grid = network.arrays.min_csr(np.r_[u, v], np.r_[v, u], np.ones(2 * len(u)), side * side)
    assert not _may_contract(grid, 0.25) and _may_contract(grid, 0.004)
    import planner.network.contract as contract_mod

    def no_hash(**_: object) -> None:
        raise AssertionError("the grid was hashed")

    real = contract_mod.hashlib.blake2b
    contract_mod.hashlib.blake2b = no_hash
    try:
        assert contract_cached(grid) is None  # told by the degrees, never hashed
    finally:
        contract_mod.hashlib.blake2b = real
    # a ring of 50 nodes with a chord 0-25: 48 chain nodes, contracted to the chord's ends
    a, b = np.r_[0:50, 0], np.r_[1:50, 0, 25]
    ring = network.arrays.min_csr(np.r_[a, b], np.r_[b, a], np.ones(102), 50)
    assert _may_contract(ring, 0.25)
    assert contract_cached(ring).mat.shape == (2, 2)
    # duplicate entries hide the degrees: no bound, the matrix is hashed as before
    dup = sp.csr_array((np.ones(4), np.array([1, 1, 0, 0]), np.array([0, 2, 4])), shape=(2, 2))
    assert not dup.has_canonical_format and _may_contract(dup, 1.0)
