r"""Travel-time matrices: planner.network against the strongest peers a user could install.

For each graph and cut-off, the same sites (sources) and points (targets), given as node
positions, get the network times from every site to every point within the cut-off,
computed

- by scipy's csgraph *with the same limit*: ``dijkstra(mat, indices=sites, limit=cutoff)``
  in blocks of sites that keep the dense result under 256 MB, what an experienced user
  writes in three lines (the reference of the "identical" column and of ``vs scipy limit``);
- by igraph's ``distances`` (``python-igraph``; it has no cut-off, the pairs beyond it are
  dropped afterwards);
- by RoutingKit's customizable contraction hierarchies (``routingkit-cch``:
  ``CCHOneToMany`` with the points pinned as targets; integer weights, no cut-off);
- on graphs up to 250,000 nodes, by the per-source networkx loop osmnx users write
  (``nx.single_source_dijkstra_path_length`` with the cut-off);
- by ours, :func:`planner.network.node_times` (the numba kernel of
  :mod:`planner.network.kernel`, on as many threads as the process has cores; scipy and the
  peers run on one). The kernel is compiled, or loaded from numba's cache, once before any
  timing; the time that takes is printed above the table.

Install the peers with ``pip install -e ".[bench]"``; a missing one shows ``n/a``. Edge
weights are whole milliseconds (rounded once, the same matrix for every method), so that
the integer engine (CCH) and the floating-point ones compute the same sums exactly and no
pair sits on the cut-off by a rounding error; results must then agree pair for pair within
1e-6 s, else the script exits 1.

Preparation is timed apart ("prep" columns): ours converts nothing (CSR in) but contracts
degree-2 chains once (or finds none to contract); CCH computes a nested-dissection order
(inertial flow), builds the hierarchy and customises the metric. Query times are the best of
``--repeat`` runs (one if a run takes over 10 s). Where a peer would take minutes, it is
timed on the first ``--subset`` sites and extrapolated linearly (marked "from N"); its
pairs are compared on those sites.

Graphs: the demo's Helsinki drive and walk networks, a grid city of ``--grid``\ :sup:`2`
nodes (100 m blocks, 30 km/h streets and 50 km/h every tenth, a tenth one-way) and one of
``--big``\ :sup:`2` (default 1,000,000 nodes); cut-offs 15 and 30 minutes; and one
national-size query on the big grid (``--national-sites`` x ``--national-points``, 30 min).

Usage (from the repository, with ``PYTHONPATH=.`` if the checkout is not the installed one)::

    python benchmarks/bench_network.py [--grid 450] [--big 1000] [--sites 200]
        [--points 20000] [--national-sites 2000] [--national-points 200000] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from planner import network
from planner.data.demo import demo_graph
from planner.network import kernel
from planner.network.contract import contract_cached

REPEAT = 3
#: A run longer than this (s) is not repeated.
ONCE_S = 10.0
#: Dense block budget of the scipy baseline (bytes).
BLOCK_BYTES = 256 * 2**20
#: networkx is run on graphs up to this many nodes.
NX_MAX_NODES = 250_000


def grid_csr(side: int, seed: int = 1) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """Build a ``side x side`` grid city: a CSR matrix of seconds and node coordinates (m).

    100 m blocks (lengths jittered by up to 10 m), 30 km/h streets and 50 km/h on every
    tenth row and column, a tenth of the blocks one-way.
    """
    rng = np.random.default_rng(seed)
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    row = np.concatenate([np.repeat(np.arange(side), side - 1),
                          np.tile(np.arange(side), side - 1)])
    kmh = np.where(row % 10 == 0, 50.0, 30.0)
    tt = (100.0 + rng.uniform(-10, 10, len(u))) / (kmh / 3.6)
    one_way = rng.random(len(u)) < 0.1
    n = side * side
    mat = network.arrays.min_csr(np.r_[u, v[~one_way]], np.r_[v, u[~one_way]],
                                np.r_[tt, tt[~one_way]], n)
    ys, xs = np.divmod(np.arange(n), side)
    return mat, xs * 100.0, ys * 100.0


def helsinki(mode: str) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """Return the demo's Helsinki graph of ``mode`` as a CSR matrix and node coordinates."""
    g = demo_graph(mode)
    mat, _ = network.graph_to_csr(g)
    x, y = network.node_xy(g)
    return mat, x, y


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    """Return the result and best time of up to ``REPEAT`` runs (one if over ``ONCE_S``)."""
    best = np.inf
    out = None
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        if best > ONCE_S:
            break
    return out, best


Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]


def from_dense(dist: np.ndarray, limit: float, row0: int = 0) -> Pairs:
    """Return the pairs of a dense block within ``limit``, rows offset by ``row0``."""
    i, j = np.nonzero(dist <= limit)
    return i + row0, j, dist[i, j]


def scipy_limit(mat: sp.csr_array, sites: np.ndarray, points: np.ndarray,
                limit: float) -> Pairs:
    """Run ``dijkstra(indices=sites, limit=limit)`` in blocks that fit the memory budget."""
    size = max(1, BLOCK_BYTES // (8 * mat.shape[0]))
    parts = [from_dense(dijkstra(mat, directed=True, indices=sites[s:s + size],
                                 limit=limit)[:, points], limit, s)
             for s in range(0, len(sites), size)]
    return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]


def igraph_runner(mat: sp.csr_array) -> Callable[[np.ndarray, np.ndarray, float], Pairs] | None:
    """Return igraph's ``distances`` on ``mat`` as a query function (None without igraph)."""
    try:
        import igraph as ig
    except ImportError:
        return None
    coo = mat.tocoo()
    g = ig.Graph(n=mat.shape[0], edges=np.c_[coo.row, coo.col], directed=True)
    g.es["w"] = coo.data

    def run(sites: np.ndarray, points: np.ndarray, limit: float) -> Pairs:
        parts = []
        for s in range(0, len(sites), 50):
            d = np.array(g.distances(source=sites[s:s + 50].tolist(), target=points.tolist(),
                                     weights="w", mode="out"))
            parts.append(from_dense(d, limit, s))
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore

    return run


def cch_prepare(mat: sp.csr_array, x: np.ndarray, y: np.ndarray) -> object | None:
    """Prepare RoutingKit's CCH: order (inertial flow on coordinates), hierarchy, metric (ms)."""
    try:
        import routingkit_cch as rk
    except ImportError:
        return None
    coo = mat.tocoo()
    tail, head = coo.row.tolist(), coo.col.tolist()
    # inertial flow wants latitude/longitude; any planar coordinates scaled to degrees do
    order = rk.compute_order_inertial(mat.shape[0], tail, head, (y / 111_000).tolist(),
                                      (x / 111_000).tolist())
    cch = rk.CCH(order, tail, head, False)
    return rk, cch, rk.CCHMetric(cch, coo.data.astype(np.int64).tolist())


def cch_run(prepared: object, sites: np.ndarray, points: np.ndarray, limit: float) -> Pairs:
    """Return the pairs within ``limit`` by RoutingKit's CCH one-to-many queries."""
    rk, _, metric = prepared  # type: ignore[misc]
    query = rk.CCHOneToMany(metric, points.tolist())
    ii, jj, vv = [], [], []
    for row, s in enumerate(sites.tolist()):
        d = np.array(query.distances_from(s), dtype=float)  # None -> nan: unreachable
        keep = np.flatnonzero(d <= limit)
        ii.append(np.full(len(keep), row))
        jj.append(keep)
        vv.append(d[keep])
    return np.concatenate(ii), np.concatenate(jj), np.concatenate(vv)


def nx_run(g: nx.DiGraph, sites: np.ndarray, points: np.ndarray, limit: float) -> Pairs:
    """Return the pairs within ``limit`` by networkx's per-source Dijkstra loop."""
    col = {int(p): j for j, p in enumerate(points)}
    ii, jj, vv = [], [], []
    for row, s in enumerate(sites.tolist()):
        for node, t in nx.single_source_dijkstra_path_length(g, s, cutoff=limit,
                                                             weight="weight").items():
            j = col.get(node)
            if j is not None:
                ii.append(row)
                jj.append(j)
                vv.append(t)
    return np.array(ii, dtype=np.int64), np.array(jj, dtype=np.int64), np.array(vv)


def as_csr(p: Pairs, rows: int, cols: int) -> sp.csr_array:
    """Pairs keyed (site, point), zero times kept via an offset; first ``rows`` sites."""
    i, j, v = p
    keep = i < rows
    m = sp.csr_array((v[keep] + 1.0, (i[keep], j[keep])), shape=(rows, cols))
    m.sort_indices()
    return m


def agree(a: Pairs, ref: Pairs, rows: int, cols: int) -> tuple[bool, float]:
    """Return whether the first ``rows`` sites' pairs agree, and the largest difference (s)."""
    x, y = as_csr(a, rows, cols), as_csr(ref, rows, cols)
    same = np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)
    if not same:
        return False, np.inf
    diff = float(np.max(np.abs(x.data - y.data))) / 1000 if x.nnz else 0.0  # ms -> s
    return diff <= 1e-6, diff


class Peers:
    """Everything prepared once per graph: our contraction, igraph, CCH, networkx."""

    def __init__(self, mat: sp.csr_array, x: np.ndarray, y: np.ndarray, nx_sites: int):
        t0 = time.perf_counter()
        contract_cached(mat)  # remembered for every query on this matrix
        self.ours_prep = time.perf_counter() - t0
        self.igraph = igraph_runner(mat)
        t0 = time.perf_counter()
        self.cch = cch_prepare(mat, x, y)
        self.cch_prep = time.perf_counter() - t0
        self.nx = (nx.from_scipy_sparse_array(mat, create_using=nx.DiGraph)
                   if mat.shape[0] <= NX_MAX_NODES and nx_sites > 0 else None)


@dataclass(frozen=True)
class Case:
    """One query of the table: its label, how many sites and points, and the cut-off."""

    name: str
    n_sites: int
    n_points: int
    cutoff_min: float


def run_case(case: Case, mat: sp.csr_array, peers: Peers, subset: int, nx_sites: int,
             seed: int = 0) -> tuple[list[str], bool]:
    """Time every method on one case; return its table row and whether all agree.

    ``subset`` sites time the slow peers on graphs over ``NX_MAX_NODES`` nodes, and
    ``nx_sites`` the networkx loop (both extrapolated to every site).
    """
    name, n_sites, n_points, cutoff_min = case.name, case.n_sites, case.n_points, case.cutoff_min
    n = mat.shape[0]
    rng = np.random.default_rng(seed)
    sites = rng.choice(n, min(n_sites, n), replace=False)
    points = np.sort(rng.choice(n, min(n_points, n), replace=False))
    limit = cutoff_min * 60_000.0  # milliseconds
    ref, scipy_s = timed(lambda: scipy_limit(mat, sites, points, limit))
    ours, ours_s = timed(lambda: network.node_times(mat, sites, points, limit))
    ok, diff = agree(ours, ref, len(sites), len(points))
    cells = {"ours": "yes" if ok else f"NO ({diff:.2g})"}

    def peer(label: str, fn: Callable[[np.ndarray], Pairs], count: int) -> str:
        few = sites[:min(count, len(sites))]
        res, secs = timed(lambda: fn(few))
        good, d = agree(res, ref, len(few), len(points))
        cells[label] = "yes" if good else f"NO ({d:.2g})"
        mark = "" if len(few) == len(sites) else f" (from {len(few)})"
        return f"{secs * len(sites) / len(few):.2f}{mark}"

    slow = subset if n > NX_MAX_NODES else len(sites)
    ig_cell = "n/a" if peers.igraph is None else peer(
        "igraph", lambda s: peers.igraph(s, points, limit), slow)
    cch_cell = "n/a" if peers.cch is None else peer(
        "CCH", lambda s: cch_run(peers.cch, s, points, limit), slow)
    nx_cell = "n/a" if peers.nx is None else peer(
        "networkx", lambda s: nx_run(peers.nx, s, points, limit), nx_sites)
    all_ok = all(v == "yes" for v in cells.values())
    ident = "yes" if all_ok else "; ".join(f"{m} {v}" for m, v in cells.items() if v != "yes")
    row = [name, f"{n:,}", f"{len(sites):,} x {len(points):,}", f"{cutoff_min:g}",
           f"{len(ref[0]):,}", f"{scipy_s:.2f}", ig_cell,
           "n/a" if peers.cch is None else f"{peers.cch_prep:.1f}", cch_cell, nx_cell,
           f"{peers.ours_prep:.2f}", f"{ours_s:.2f}", f"{scipy_s / ours_s:.2f}x", ident]
    return row, all_ok


def main() -> int:
    """Print the comparison table; return 1 when a method disagrees."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--grid", type=int, default=450, help="grid city side (450: 202,500 nodes)")
    ap.add_argument("--big", type=int, default=1000, help="large grid side (1000: 1,000,000)")
    ap.add_argument("--sites", type=int, default=200)
    ap.add_argument("--points", type=int, default=20_000)
    ap.add_argument("--national-sites", type=int, default=2000)
    ap.add_argument("--national-points", type=int, default=200_000)
    ap.add_argument("--subset", type=int, default=20,
                    help="sites the slow peers are timed on for graphs over 250,000 nodes")
    ap.add_argument("--nx-sites", type=int, default=20,
                    help="sites the networkx loop is timed on (extrapolated)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true",
                    help="small graphs only (Helsinki and a 100 x 100 grid)")
    args = ap.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)
    graphs: list[tuple[str, Callable[[], tuple]]] = [
        ("Helsinki drive", lambda: helsinki("drive")),
        ("Helsinki walk", lambda: helsinki("walk")),
    ]
    grid, big = (100, 0) if args.quick else (args.grid, args.big)
    graphs.append((f"grid city {grid}x{grid}", lambda: grid_csr(grid)))
    if big:
        graphs.append((f"grid {big}x{big}", lambda: grid_csr(big, seed=2)))
    head = ["graph", "nodes", "sites x points", "cut-off min", "pairs", "scipy limit s",
            "igraph s", "CCH prep s", "CCH s", "networkx s", "prep s", "ours s",
            "vs scipy limit", "identical"]
    jit_s = kernel.compile_kernel()  # numba: compiled once, then loaded from its cache
    print(f"ours: numba kernel compiled or loaded in {jit_s:.2f} s (not in any time below); "
          f"{kernel.threads()} thread(s)")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    all_ok = True
    for name, build in graphs:
        mat, x, y = build()
        mat = sp.csr_array((np.rint(mat.data * 1000), mat.indices, mat.indptr),
                           shape=mat.shape)  # whole milliseconds, for every method
        peers = Peers(mat, x, y, args.nx_sites)
        cases = [Case(name, args.sites, args.points, c) for c in (15.0, 30.0)]
        if big and name == f"grid {big}x{big}":
            cases.append(Case(f"{name} national query", args.national_sites,
                              args.national_points, 30.0))
        for case in cases:
            row, ok = run_case(case, mat, peers, args.subset, args.nx_sites)
            print("| " + " | ".join(row) + " |", flush=True)
            all_ok &= ok
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
