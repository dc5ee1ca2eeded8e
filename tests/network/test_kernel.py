"""The compiled bounded search against scipy's dijkstra on random graphs: same pairs, same times."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from planner import network
from planner.network import kernel


def random_graph(n: int, seed: int, integer: bool = False) -> sp.csr_array:
    """Make a directed graph: random one-way arcs, an island, some zero arcs."""
    rng = np.random.default_rng(seed)
    m = 3 * n
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    w = rng.integers(1, 600, m).astype(float) if integer else rng.exponential(60.0, m)
    w[rng.random(m) < 0.02] = 0.0  # explicit zero arcs are arcs
    island = n - n // 10  # the last tenth is cut off from the rest
    keep = (u != v) & ((u < island) == (v < island))
    return network.arrays.min_csr(u[keep], v[keep], w[keep], n)


def scipy_pairs(mat: sp.csr_array, sources: np.ndarray, targets: np.ndarray,
                limit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dist = dijkstra(mat, directed=True, indices=sources, limit=limit)[:, targets]
    i, j = np.nonzero(dist <= limit)
    return i, j, dist[i, j]


def assert_same(got: tuple, want: tuple, exact: bool = True) -> None:
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    if exact:  # the same sums in the same order: bit for bit
        assert np.array_equal(got[2], want[2])
    else:
        assert np.allclose(got[2], want[2], rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("limit", [None, 90.0, 400.0, np.inf])
def test_node_times_equal_scipy_on_random_graphs(seed: int, limit: float | None) -> None:
    mat = random_graph(400, seed)
    tiny = limit is None
    if tiny:  # below every positive arc: only the node itself and zero arcs are within it
        limit = float(mat.data[mat.data > 0].min()) / 2
    rng = np.random.default_rng(100 + seed)
    sources = rng.integers(0, 400, 25)  # duplicates allowed
    sources[:3] = sources[3]
    targets = rng.integers(0, 400, 150)
    targets[-2:] = targets[0]
    targets[:5] = sources[:5]
    want = scipy_pairs(mat, sources, targets, limit)
    for contract in (False, True):
        got = network.node_times(mat, sources, targets, limit, contract_chains=contract)
        assert_same(got, want, exact=not contract)
    if tiny:
        assert (want[2] == 0).all() and len(want[0]) >= 5
    if limit == np.inf:  # no limit: every pair, the unreachable ones at infinity
        assert len(want[0]) == 25 * 150 and np.isinf(want[2]).any()


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_threads_change_nothing_and_seeds_match_a_virtual_source(n_threads: int) -> None:
    mat = random_graph(300, 7, integer=True)
    rng = np.random.default_rng(3)
    seeds = (rng.integers(-1, 300, (40, 2)), rng.uniform(0, 50, (40, 2)))
    tgt = (rng.integers(0, 300, (90, 1)), rng.uniform(0, 20, (90, 1)))
    radius = np.full(40, 500.0)
    base = kernel.bounded_times(mat, seeds, radius, np.zeros(40), tgt, 500.0, n_threads=1)
    got = kernel.bounded_times(mat, seeds, radius, np.zeros(40), tgt, 500.0,
                               n_threads=n_threads)
    assert_same(got, base)
    # a virtual source linked to its seeds at their offsets, in scipy
    n = mat.shape[0]
    ok = seeds[0] >= 0
    coo = mat.tocoo()
    big = network.arrays.min_csr(np.r_[coo.row, n + np.repeat(np.arange(40), ok.sum(axis=1))],
                                np.r_[coo.col, seeds[0][ok]], np.r_[coo.data, seeds[1][ok]],
                                n + 40)
    dist = dijkstra(big, indices=n + np.arange(40), limit=500.0)[:, tgt[0][:, 0]] + tgt[1][:, 0]
    i, j = np.nonzero(dist <= 500.0)
    assert_same(got, (i, j, dist[i, j]))


def test_a_full_pool_grows_and_the_search_starts_again(monkeypatch: pytest.MonkeyPatch) -> None:
    mat = random_graph(500, 11)
    sources, targets = np.arange(0, 500, 7), np.arange(500)
    want = scipy_pairs(mat, sources, targets, 300.0)
    monkeypatch.setattr(kernel, "_pool_size", lambda _edges, _seeds: 1)
    got = network.node_times(mat, sources, targets, 300.0, contract_chains=False)
    assert_same(got, want)


def test_wide_buckets_scan_again_and_stay_exact() -> None:
    # weights from 1e-6 to 1e3 and an infinite limit: buckets are 1e3 / 2**16 wide, far
    # wider than the lightest arcs, so nodes improve inside their own bucket
    rng = np.random.default_rng(5)
    n = 300
    u, v = rng.integers(0, n, 1500), rng.integers(0, n, 1500)
    w = 10.0 ** rng.uniform(-6, 3, 1500)
    mat = network.arrays.min_csr(u[u != v], v[u != v], w[u != v], n)
    inv = kernel.prepare(mat, np.inf).inv
    assert 1 / inv > 100 * mat.data.min()
    got = network.node_times(mat, np.arange(0, n, 3), np.arange(n), np.inf,
                             contract_chains=False)
    assert_same(got, scipy_pairs(mat, np.arange(0, n, 3), np.arange(n), np.inf))


def test_negative_weights_are_refused() -> None:
    mat = sp.csr_array(np.array([[0.0, -1.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="negative"):
        network.node_times(mat, [0], [1], 10.0)


def test_compile_time_is_reported() -> None:
    assert 0 <= kernel.compile_kernel() < 120


@pytest.mark.parametrize("integer", [False, True])
def test_the_compact_layout_is_taken_only_when_it_is_exact(integer: bool) -> None:
    # whole numbers are float32 values: the weights are stored in four bytes, yet the sums
    # are float64 and equal scipy's bit for bit; exponential weights are not, and stay
    mat = random_graph(400, 21, integer=integer)
    ready = kernel.prepare(mat, 900.0)
    assert ready.parts[2].dtype == (np.float32 if integer else np.float64)
    assert ready.parts[0].dtype == np.int32
    assert np.array_equal(ready.parts[2].astype(np.float64), mat.data)
    sources, targets = np.arange(0, 400, 5), np.arange(0, 400, 2)
    want = scipy_pairs(mat, sources, targets, 900.0)
    one = np.zeros((len(sources), 1))
    got = kernel.bounded_times(ready, (sources[:, None], one), np.full(len(sources), 900.0),
                               one[:, 0], (targets[:, None], np.zeros((len(targets), 1))),
                               900.0)
    assert_same(got, want)
    assert kernel.prepare(sp.csr_array(np.array([[0.0, 0.1], [0.5, 0.0]])),
                          1.0).parts[2].dtype == np.float64  # 0.1 is not a float32 value


@pytest.mark.parametrize("buffer_bytes", [1, 5_000, kernel.BUFFER_BYTES])
def test_pairs_are_the_same_whatever_the_buffers(buffer_bytes: int) -> None:
    # 1 byte: the result is reserved for one pair and doubles again and again; 5 kB: twice
    mat = random_graph(500, 13)
    sources, targets = np.arange(0, 500, 3), np.arange(0, 500, 4)
    want = scipy_pairs(mat, sources, targets, 400.0)
    one = np.zeros((len(sources), 1))
    got = kernel.bounded_times(mat, (sources[:, None], one), np.full(len(sources), 400.0),
                               one[:, 0], (targets[:, None], np.zeros((len(targets), 1))),
                               400.0, n_threads=2, buffer_bytes=buffer_bytes)
    assert_same(got, want)


def test_a_refused_reservation_is_halved_and_a_refused_growth_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a system that refuses more than 5,000 pairs at once: the first reservation is halved
    # down to what it grants and the result is still exact; a result that needs more than
    # that is a MemoryError, not an error from a copy into too small an array
    mat = random_graph(300, 19)
    sources, targets = np.arange(0, 300, 3), np.arange(0, 300, 2)
    want = scipy_pairs(mat, sources, targets, 200.0)
    assert 2500 < len(want[0]) < 5000
    real = vars(kernel)["_allocate"]
    asked: list[int] = []

    def strict(capacity: int, staged: bool) -> tuple:
        asked.append(capacity)
        if capacity > 5000:
            raise MemoryError
        return real(capacity, staged)

    monkeypatch.setattr(kernel, "_allocate", strict)
    one = np.zeros((len(sources), 1))
    args = ((sources[:, None], one), np.full(len(sources), 200.0), one[:, 0],
            (targets[:, None], np.zeros((len(targets), 1))))
    assert_same(kernel.bounded_times(mat, *args, 200.0), want)
    assert asked[0] == 15_000 and min(asked) <= 5000
    with pytest.raises(MemoryError):
        kernel.bounded_times(mat, *args, np.inf)  # every pair: 15,000


def test_a_failing_search_stops_the_other_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    # the third block raises: the error reaches the caller and no thread is left waiting
    real = vars(kernel)["_block"]
    calls = {"n": 0}

    def flaky(*args: object) -> tuple:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("search failed")
        return real(*args)

    monkeypatch.setattr(kernel, "_block", flaky)
    mat = random_graph(300, 23)
    sources = np.arange(0, 300, 5)
    one = np.zeros((len(sources), 1))
    with pytest.raises(RuntimeError, match="search failed"):
        kernel.bounded_times(mat, (sources[:, None], one), np.full(len(sources), 300.0),
                             one[:, 0], (sources[:, None], one), 300.0, n_threads=2)


def test_sources_without_seed_columns_reach_nothing() -> None:
    mat = random_graph(50, 29)
    i, _, v = kernel.bounded_times(mat, (np.zeros((4, 0), dtype=np.int64), np.zeros((4, 0))),
                                   np.full(4, np.inf), np.zeros(4),
                                   (np.arange(3)[:, None], np.zeros((3, 1))), np.inf)
    assert len(i) == 12 and np.isinf(v).all()  # no limit: every pair, at infinity
