"""Travel-time matrices: planner.network against the baselines a user would pick.

For each graph, the same sites (sources) and points (targets), given as node ids, get the
network times from every site to every point within a cut-off, computed

- by the per-source networkx loop osmnx users write
  (``nx.single_source_dijkstra_path_length(G, site, cutoff=..., weight="travel_time")``);
  the ratios are against this loop with the cut-off; the same loop without a cut-off, as
  often written, is timed on ``--nocut-sites`` sites and extrapolated for reference,
- by scipy's csgraph used naively (a full ``dijkstra`` from every site, no ``limit``),
- by igraph's ``distances`` (if ``python-igraph`` is installed: ``pip install -e ".[bench]"``),
- by ours, :func:`planner.network.node_times` (chunked csgraph with ``limit``).

All run in the same process on the same inputs. Preparing the graph is done once beforehand
and timed apart (column "prep s": networkx to CSR plus the contraction of degree-2 chains,
:mod:`planner.network.contract`), since a planner prepares a graph once and queries it many
times; the ratio "vs networkx +prep" charges that preparation to the one query. The igraph
graph is built untimed. Results are compared pair by pair with the
networkx loop: the same pairs, times equal to 1e-9 s. The script exits 1 if any differ.

Every method is timed as the best of ``--repeat`` runs (3), except that a run over 10 s is
not repeated (the networkx loop and igraph on the grid city).

Usage::

    python benchmarks/bench_network.py [--grid 450] [--sites 200] [--points 20000]
                                       [--nx-sites 200] [--cutoff-min 15]

``--nx-sites N`` times the networkx loop on the first N sites only and extrapolates linearly
(marked in the table); the results of those N sites are still compared.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from planner import network
from planner.data.demo import demo_graph
from planner.network.contract import contract_cached


def grid_city(side: int, seed: int = 1) -> nx.MultiDiGraph:
    """A ``side x side`` grid city: 100 m blocks (jittered), 30 km/h streets, 50 km/h every
    tenth street, a tenth of the streets one-way; EPSG:3067, ``travel_time`` in seconds."""
    rng = np.random.default_rng(seed)
    idx = np.arange(side * side).reshape(side, side)
    xs, ys = np.meshgrid(np.arange(side) * 100.0, np.arange(side) * 100.0)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    row = np.concatenate([np.repeat(np.arange(side), side - 1),
                          np.tile(np.arange(side), side - 1)])
    kmh = np.where(row % 10 == 0, 50.0, 30.0)
    length = 100.0 + rng.uniform(-10, 10, len(u))
    tt = length / (kmh / 3.6)
    one_way = rng.random(len(u)) < 0.1
    g = nx.MultiDiGraph(crs="EPSG:3067")
    g.add_nodes_from((int(n), {"x": 380000.0 + x, "y": 6670000.0 + y})
                     for n, x, y in zip(idx.ravel(), xs.ravel(), ys.ravel(), strict=True))
    g.add_edges_from((int(a), int(b), {"length": lg, "travel_time": t})
                     for a, b, lg, t in zip(u, v, length, tt, strict=True))
    g.add_edges_from((int(b), int(a), {"length": lg, "travel_time": t})
                     for a, b, lg, t, ow in zip(u, v, length, tt, one_way, strict=True) if not ow)
    return g


REPEAT = 3
#: A run longer than this (s) is not repeated.
ONCE_S = 10.0


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    """Result and best time of up to ``REPEAT`` runs (one run if it takes over ``ONCE_S``)."""
    best = np.inf
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        if best > ONCE_S:
            break
    return out, best


def as_pairs(i: np.ndarray, j: np.ndarray, v: np.ndarray) -> sp.csr_array:
    """Pairs as a sparse matrix keyed (site, point), zeros kept explicit via an offset."""
    return sp.coo_array((np.asarray(v) + 1.0, (i, j))).tocsr()


def same(a: sp.csr_array, b: sp.csr_array, rows: int) -> tuple[bool, float]:
    """Same pairs (in the first ``rows`` sites) and the largest time difference (s)."""
    a, b = a[:rows].tocsr(), b[:rows].tocsr()
    a.sort_indices()
    b.sort_indices()
    shape_ok = a.shape[1] == b.shape[1] or a.nnz == b.nnz == 0
    if not shape_ok:
        n = max(a.shape[1], b.shape[1])
        a.resize((a.shape[0], n))
        b.resize((b.shape[0], n))
    ok = (np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices))
    diff = float(np.max(np.abs(a.data - b.data))) if ok and a.nnz else (0.0 if ok else np.inf)
    return ok and diff <= 1e-9, diff


def run_case(name: str, g: nx.MultiDiGraph, n_sites: int, n_points: int, cutoff_min: float,
             nx_sites: int, nocut_sites: int, seed: int = 0) -> tuple[list[str], bool]:
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()  # once: the contraction is remembered for the queries below
    mat, nodes = network.graph_to_csr(g)
    contract_cached(mat)
    prep_s = time.perf_counter() - t0
    n = len(nodes)
    sites = rng.choice(n, min(n_sites, n), replace=False)
    points = rng.choice(n, min(n_points, n), replace=False)
    limit = cutoff_min * 60.0

    # networkx loop, as osmnx users write it
    k = min(nx_sites, len(sites))

    point_of = {int(nodes[p]): j for j, p in enumerate(points)}  # node id -> point column

    def nx_loop(count: int, cutoff: float | None) -> sp.csr_array:
        ii, jj, vv = [], [], []
        for s_row, s in enumerate(sites[:count]):
            lengths = nx.single_source_dijkstra_path_length(g, int(nodes[s]), cutoff=cutoff,
                                                            weight="travel_time")
            for node, t in lengths.items():
                j = point_of.get(node)
                if j is not None and t <= limit:
                    ii.append(s_row)
                    jj.append(j)
                    vv.append(t)
        return as_pairs(np.array(ii, dtype=np.int64), np.array(jj, dtype=np.int64),
                        np.array(vv))

    ref, nx_s = timed(lambda: nx_loop(k, limit))
    nx_s_full = nx_s * len(sites) / k
    # the same loop without a cut-off (common in osmnx notebooks), timed on a few sites
    few = min(nocut_sites, len(sites))
    _, nocut_s = timed(lambda: nx_loop(few, None))
    nocut_s *= len(sites) / few

    def scipy_naive() -> sp.csr_array:
        dist = dijkstra(mat, directed=True, indices=sites)[:, points]
        i, j = np.nonzero(dist <= limit)
        return as_pairs(i, j, dist[i, j])

    naive, naive_s = timed(scipy_naive)
    ours_ijv, ours_s = timed(lambda: network.node_times(mat, sites, points, limit))
    ours = as_pairs(*ours_ijv)
    ig_s, ig_ok = None, None
    try:
        import igraph as ig
    except ImportError:
        ig = None
    if ig is not None:
        coo = mat.tocoo()
        graph_ig = ig.Graph(n=n, edges=np.c_[coo.row, coo.col].tolist(), directed=True)
        graph_ig.es["w"] = coo.data.tolist()

        def igraph_run() -> sp.csr_array:
            dist = np.array(graph_ig.distances(source=sites.tolist(), target=points.tolist(),
                                               weights="w", mode="out"))
            i, j = np.nonzero(dist <= limit)
            return as_pairs(i, j, dist[i, j])

        ig_res, ig_s = timed(igraph_run)
        ig_ok = same(ig_res, ref, k)[0]
    ours_ok, diff = same(ours, ref, k)
    naive_ok = same(naive, ref, k)[0]
    nx_cell = f"{nx_s_full:.2f}" + ("" if k == len(sites) else f" (extrapolated from {k})")
    row = [name, f"{n:,}", f"{len(sites)} x {len(points):,}", f"{cutoff_min:g}",
           f"{ours.nnz:,}", nx_cell,
           f"{nocut_s:.2f}" + ("" if few == len(sites) else f" (from {few})"),
           f"{naive_s:.2f}",
           "n/a" if ig_s is None else f"{ig_s:.2f}", f"{prep_s:.2f}", f"{ours_s:.3f}",
           f"{nx_s_full / ours_s:.1f}x", f"{nx_s_full / (ours_s + prep_s):.1f}x",
           f"{naive_s / ours_s:.1f}x",
           "yes" if ours_ok and naive_ok and ig_ok is not False else f"NO (max diff {diff})"]
    return row, ours_ok and naive_ok and ig_ok is not False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--grid", type=int, default=450, help="grid side (450: 202,500 nodes)")
    ap.add_argument("--sites", type=int, default=200)
    ap.add_argument("--points", type=int, default=20_000)
    ap.add_argument("--nx-sites", type=int, default=200,
                    help="sites the networkx loop is timed on (extrapolated to --sites)")
    ap.add_argument("--cutoff-min", type=float, default=15.0)
    ap.add_argument("--nocut-sites", type=int, default=10,
                    help="sites the networkx loop without cut-off is timed on (extrapolated)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="best of this many runs for every method (one if it takes > 10 s)")
    args = ap.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)
    cases = [
        ("Helsinki drive", lambda: demo_graph("drive"), 100, 1437, 5.0),
        ("Helsinki walk", lambda: demo_graph("walk"), 100, 5559, 15.0),
        (f"grid city {args.grid}x{args.grid}", lambda: grid_city(args.grid), args.sites,
         args.points, args.cutoff_min),
    ]
    head = ["graph", "nodes", "sites x points", "cut-off min", "pairs", "networkx loop s",
            "networkx no cut-off s", "scipy naive s", "igraph s", "prep s", "ours s", "vs networkx",
            "vs networkx +prep", "vs scipy naive", "identical"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    all_ok = True
    for name, build, n_sites, n_points, cutoff in cases:
        g = build()
        row, ok = run_case(name, g, n_sites, n_points, cutoff, args.nx_sites,
                           args.nocut_sites)
        print("| " + " | ".join(row) + " |", flush=True)
        all_ok &= ok
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
