"""The order of the searches: Voronoi cells by links, then Cuthill-McKee; results unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from planner import network
from planner.network import kernel, order


def path(n: int):
    """Make a two-way path 0 - 1 - ... - n-1 as a CSR matrix."""
    a, b = np.arange(n - 1), np.arange(1, n)
    return network.arrays.min_csr(np.r_[a, b], np.r_[b, a], np.ones(2 * (n - 1)), n)


def grid(side: int):
    idx = np.arange(side * side).reshape(side, side)
    u = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    v = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    return network.arrays.min_csr(np.r_[u, v], np.r_[v, u], np.ones(2 * len(u)), side * side)


def test_cells_go_to_the_nearest_source_first_come_on_ties() -> None:
    # sources at both ends of 0-1-2-3-4-5-6: node 3 is three links from each; the search
    # from 0 was queued first, so it reaches 3 first
    mat = path(7)
    cells = order.nearest_cells(mat.indptr, mat.indices, np.array([0, 6]), 7)
    assert cells.tolist() == [0, 0, 0, 0, 1, 1, 1]


def test_sources_on_a_line_are_ordered_along_it() -> None:
    # five sources 20 links apart, handed in shuffled: their cells form a chain, which
    # Cuthill-McKee walks from one end to the other
    mat = path(100)
    src = np.array([50, 10, 90, 30, 70])
    got = src[order.neighbour_order(mat.indptr, mat.indices, src, 100)]
    assert got.tolist() in ([10, 30, 50, 70, 90], [90, 70, 50, 30, 10])


def test_a_repeated_source_follows_its_first_and_a_missing_one_goes_last() -> None:
    mat = path(30)
    src = np.array([5, 5, -1, 20, 12])
    perm = order.neighbour_order(mat.indptr, mat.indices, src, 30)
    assert sorted(perm.tolist()) == [0, 1, 2, 3, 4]
    assert perm[-1] == 2  # no node
    assert perm.tolist().index(1) == perm.tolist().index(0) + 1  # the second 5 after the first
    assert src[perm[:4]].tolist() in ([5, 5, 12, 20], [20, 12, 5, 5])


@pytest.mark.parametrize("rungs", [127, 128, 256])
def test_cells_joined_by_many_links_stay_neighbours(rungs: int) -> None:
    # s0 (node 0) and s1 (node 1) are hubs of two rows joined by ``rungs`` links, and s1
    # reaches s2 (node 3) through node 2: the chain of cells is s0 - s1 - s2 whatever the
    # number of links (counts of 128 or 256 once wrapped to zero in a narrow integer type)
    a, b = 4 + np.arange(rungs), 4 + rungs + np.arange(rungs)
    u = np.r_[np.zeros(rungs, dtype=int), np.ones(rungs, dtype=int), a, 1, 2]
    v = np.r_[a, b, b, 2, 3]
    n = 4 + 2 * rungs
    mat = network.arrays.min_csr(np.r_[u, v], np.r_[v, u], np.ones(2 * len(u)), n)
    src = np.array([3, 0, 1])
    got = src[order.neighbour_order(mat.indptr, mat.indices, src, n)].tolist()
    assert got in ([0, 1, 3], [3, 1, 0])


def test_neighbours_follow_each_other_on_a_grid() -> None:
    side = 60
    mat = grid(side)
    rng = np.random.default_rng(4)
    src = rng.choice(side * side, 150, replace=False)
    perm = order.neighbour_order(mat.indptr, mat.indices, src, side * side)

    def steps(nodes: np.ndarray) -> float:
        y, x = np.divmod(nodes, side)
        return float(np.median(np.abs(np.diff(x)) + np.abs(np.diff(y))))

    # 150 sources on 3,600 nodes: about one per 5 x 5 links; handed in at random the median
    # step is about 40 links (a third of the span), in the order a few cells
    assert steps(src[perm]) <= 10 < 30 <= steps(src)


def test_the_order_is_chosen_by_how_many_sources_share_the_graph() -> None:
    mat = grid(60)  # 3,600 nodes
    few = np.array([3000, 10, 2000])  # fewer than one per NODES_PER_SOURCE nodes: by node
    assert order.search_order(mat.indptr, mat.indices, few, 3600).tolist() == [1, 2, 0]
    assert order.search_order(mat.indptr, mat.indices, np.sort(few), 3600) is None
    many = np.arange(0, 3600, 50)[::-1].copy()  # 72 sources: by Voronoi cells
    perm = order.search_order(mat.indptr, mat.indices, many, 3600)
    want = order.neighbour_order(mat.indptr, mat.indices, many, 3600)
    assert perm is not None and np.array_equal(perm, want)


@pytest.mark.parametrize("reordered", [False, True])
def test_results_come_back_in_the_callers_order(reordered: bool,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # the same pairs, in the same order, whether the searches ran in another order or not
    from tests.network.test_kernel import assert_same, random_graph, scipy_pairs

    if not reordered:
        monkeypatch.setattr(kernel, "search_order", lambda *_: None)
    mat = random_graph(400, 17)
    rng = np.random.default_rng(9)
    sources, targets = rng.integers(0, 400, 60), rng.integers(0, 400, 120)
    if reordered:  # 60 sources on 400 nodes: by Voronoi cells, not the callers' order
        perm = order.search_order(mat.indptr, mat.indices, sources, 400)
        assert perm is not None and sorted(perm.tolist()) == list(range(60))
    want = scipy_pairs(mat, sources, targets, 300.0)
    one = np.zeros((60, 1))
    for n_threads in (1, 2):
        got = kernel.bounded_times(mat, (sources[:, None], one), np.full(60, 300.0), one[:, 0],
                                   (targets[:, None], np.zeros((120, 1))), 300.0,
                                   n_threads=n_threads, buffer_bytes=2_000)
        assert_same(got, want)
