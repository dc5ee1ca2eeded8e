"""Travel-time matrices: one-to-many and many-to-many with a cut-off.

The engine (:func:`planner.network.kernel.bounded_times`, compiled with numba) searches from
the smaller side of the problem: from the origins over the graph, or from the destinations
over the reversed graph. Each search reaches only the nodes within the cut-off and reads the
targets off its distances, on as many threads as there are cores; the times equal those of
``scipy.sparse.csgraph.dijkstra(indices=..., limit=...)`` bit for bit. The pairs go into
one result reserved at first for a budget of pairs and grown when full. No Python loop runs
over origins or destinations.

Times are absent, never zero, for pairs that are not connected (other strongly connected
components, one-way streets) or slower than the cut-off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.errors import InputError
from planner.network.arrays import graph_to_csr
from planner.network.contract import contract_cached
from planner.network.snap import Snapped, Snapping, edge_share, snap_points, snap_targets

if TYPE_CHECKING:
    from planner.network.kernel import Searchable

#: Address space (bytes, 24 a pair) first reserved for the result; it grows when full.
CHUNK_BYTES = 256 * 2**20
#: Relative slack of a source's search radius over the limit less its offset.
_RADIUS_SLACK = 1e-9


def empty_table() -> pd.DataFrame:
    """Return a long travel-time table with no rows (columns origin, destination, minutes)."""
    return pd.DataFrame({"origin": pd.Series(dtype=np.int64),
                         "destination": pd.Series(dtype=np.int64),
                         "minutes": pd.Series(dtype=float)})


def node_times(mat: sp.csr_array, sources: np.ndarray, targets: np.ndarray,
               limit: float = np.inf, chunk_bytes: int = CHUNK_BYTES,
               contract_chains: bool = True
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Network times from source nodes to target nodes within a limit.

    Parameters
    ----------
    mat : scipy.sparse.csr_array
        Edge weights (see :func:`planner.network.arrays.graph_to_csr`).
    sources, targets : numpy.ndarray
        Matrix positions (duplicates allowed; each is one row/column of the result).
    limit : float
        Pairs farther than this are left out (same unit as the weights).
    chunk_bytes : int
        Address space first reserved for the result (bytes, 24 a pair; only what is
        written uses memory); it grows when full.
    contract_chains : bool
        Search over junctions only (:mod:`planner.network.contract`) when most nodes
        lie inside degree-2 chains.

    Returns
    -------
    i, j, value : numpy.ndarray
        Positions in ``sources`` and ``targets`` and the time of every pair within the limit,
        sorted by ``i`` then ``j``.
    """
    sources = np.asarray(sources, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    one = np.zeros((len(sources), 1))
    src = Snapped(node=np.c_[sources, np.full(len(sources), -1)], out_s=np.c_[one, one + np.inf],
                  in_s=np.c_[one, one + np.inf], distance_m=one[:, 0], access_min=one[:, 0],
                  ok=np.ones(len(sources), dtype=bool), edge=np.full((len(sources), 2), -1),
                  fraction=one[:, 0], edge_s=np.full((len(sources), 2), np.inf))
    zero = np.zeros((len(targets), 1))
    tgt = Snapped(node=np.c_[targets, np.full(len(targets), -1)],
                  out_s=np.c_[zero, zero + np.inf], in_s=np.c_[zero, zero + np.inf],
                  distance_m=zero[:, 0], access_min=zero[:, 0],
                  ok=np.ones(len(targets), dtype=bool), edge=np.full((len(targets), 2), -1),
                  fraction=zero[:, 0], edge_s=np.full((len(targets), 2), np.inf))
    return pair_times(mat, src, tgt, limit, chunk_bytes, contract_chains)


def pair_times(mat: sp.csr_array, origins: Snapped, destinations: Snapped,
               limit: float = np.inf, chunk_bytes: int = CHUNK_BYTES,
               contract_chains: bool = True
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Door-to-door times (same unit as the weights) between snapped points within a limit.

    A pair's time is the best over its entry nodes of: point to entry node, the network,
    exit node to point; two points on the same edge may also go straight along it.

    Parameters
    ----------
    mat : scipy.sparse.csr_array
        Edge weights.
    origins, destinations : Snapped
        Snapped points (:func:`planner.network.snap.snap_points`).
    limit : float
        Pairs slower than this are left out.
    chunk_bytes : int
        Address space first reserved for the result (see :func:`node_times`).
    contract_chains : bool
        Contract degree-2 chains first when that pays (see :func:`node_times`).

    Returns
    -------
    i, j, value : numpy.ndarray
        Origin and destination positions and the time, sorted by ``i`` then ``j``.
    """
    forward = len(origins.ok) <= len(destinations.ok)
    if forward:
        graph, src_node, src_off = mat, origins.node, origins.out_s
        tgt_node, tgt_off = destinations.node, destinations.in_s
    else:  # from each destination backwards: times to it on the reversed graph
        graph, src_node, src_off = mat.T.tocsr(), destinations.node, destinations.in_s
        tgt_node, tgt_off = origins.node, origins.out_s
    src_ok = np.flatnonzero((src_node >= 0).any(axis=1))
    tgt_ok = np.flatnonzero((tgt_node >= 0).any(axis=1))
    si = ti = np.empty(0, dtype=np.int64)
    val = np.empty(0)
    extra = None
    if len(src_ok) and len(tgt_ok):
        s_node, s_off = src_node[src_ok], src_off[src_ok]
        t_node, t_off = tgt_node[tgt_ok], tgt_off[tgt_ok]
        small = contract_cached(graph) if contract_chains else None
        if small is not None:  # route over junctions; chain nodes read off their ends
            ci, cj, cv = small.same_chain(s_node, s_off, t_node, t_off)
            extra = (src_ok[ci], tgt_ok[cj], cv)
            s_node, s_off = small.entries(s_node, s_off, outgoing=True)
            t_node, t_off = small.entries(t_node, t_off, outgoing=False)
            graph = small.mat
        s_node, s_off = _used_columns(s_node, s_off)
        t_node, t_off = _used_columns(t_node, t_off)
        si, ti, val = _block(_searchable(graph, limit), src_ok, (s_node, s_off), tgt_ok,
                             (t_node, t_off), limit, chunk_bytes)
    if extra is not None and len(extra[0]):
        si, ti, val = _merge_min(si, ti, val, *extra, limit)
    i, j = (si, ti) if forward else (ti, si)
    i, j, val = _same_edge(origins, destinations, i, j, val, limit)
    if forward:  # the searches come out sorted, and _merge_min keeps them so
        return i, j, val
    order = np.lexsort((j, i))
    return i[order], j[order], val[order]


def _used_columns(node: np.ndarray, off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop entry columns that no point uses."""
    used = (node >= 0).any(axis=0)
    return node[:, used], off[:, used]


def _merge_min(i: np.ndarray, j: np.ndarray, v: np.ndarray, ei: np.ndarray, ej: np.ndarray,
               ev: np.ndarray, limit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of both lists within the limit, the least time where a pair is in both.

    The first list is large and has unique pairs; the second is small. Runs in
    O(n log n) numpy without grouping the large list.
    """
    keep = ev <= limit
    ei, ej, ev = ei[keep], ej[keep], ev[keep]
    if not len(ei):
        return i, j, v
    width = int(max(j.max(initial=-1), ej.max()) + 1)
    key = i.astype(np.int64) * width + j
    order = None
    if len(key) > 1 and not (np.diff(key) > 0).all():
        order = np.argsort(key, kind="stable")
        i, j, v, key = i[order], j[order], v[order], key[order]
    ekey = ei.astype(np.int64) * width + ej
    eo = np.lexsort((ev, ekey))  # by key, least time first
    ekey, ev = ekey[eo], ev[eo]
    first = np.r_[True, ekey[1:] != ekey[:-1]]
    ekey, ev = ekey[first], ev[first]
    at = np.searchsorted(key, ekey)
    found = at < len(key)
    found[found] = key[at[found]] == ekey[found]
    v = v.copy()
    np.minimum.at(v, at[found], ev[found])
    new = ~found
    if new.any():
        ins = at[new]
        i = np.insert(i, ins, ekey[new] // width)
        j = np.insert(j, ins, ekey[new] % width)
        v = np.insert(v, ins, ev[new])
    return i, j, v


def _searchable(graph: sp.csr_array, limit: float) -> Searchable:
    """Prepare the graph for the searches (:func:`kernel.prepare`)."""
    from planner.network.kernel import prepare  # numba loads on the first search

    return prepare(graph, limit)


def _block(graph: Searchable, rows: np.ndarray, entries: tuple[np.ndarray, np.ndarray],
           tgt_ok: np.ndarray, targets: tuple[np.ndarray, np.ndarray], limit: float,
           buffer_bytes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Search from the sources' entry nodes; the pairs within the limit.

    With one entry node per source the search starts at 0 and the source's offset is
    added to its times afterwards; with several, each entry starts at its offset (as from
    a virtual source linked to them). Either way the sums are those of the former scipy
    blocks, operation for operation.
    """
    from planner.network.kernel import bounded_times  # numba loads on the first search

    node, off = entries
    if node.shape[1] == 1:
        post = off[:, 0]
        init = np.zeros_like(off)
        if np.isfinite(limit):  # a hair over what the offset leaves, never short of it
            radius = np.maximum(limit - post, 0.0) + _RADIUS_SLACK * max(abs(limit), 1.0)
        else:
            radius = np.full(len(node), np.inf)
    else:
        post = np.zeros(len(node))
        init = off
        radius = np.full(len(node), float(limit))
    i, j, v = bounded_times(graph, (node, init), radius, post, targets, limit,
                            buffer_bytes=buffer_bytes)
    # positions are sorted and unique: the last is n - 1 only when every point is on the network
    if len(tgt_ok) and tgt_ok[-1] != len(tgt_ok) - 1:
        j = tgt_ok[j]
    if len(rows) and rows[-1] != len(rows) - 1:
        i = rows[i]
    return i, j, v


def _same_edge(origins: Snapped, destinations: Snapped, i: np.ndarray, j: np.ndarray,
               val: np.ndarray, limit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Let two points snapped to the same street go straight along it if that is faster."""
    o_ok = np.flatnonzero(origins.ok & (origins.edge[:, 0] >= 0))
    d_ok = np.flatnonzero(destinations.ok & (destinations.edge[:, 0] >= 0))
    if not len(o_ok) or not len(d_ok):
        return i, j, val
    o = pd.DataFrame({"a": origins.edge[o_ok, 0], "b": origins.edge[o_ok, 1], "i": o_ok})
    d = pd.DataFrame({"a": destinations.edge[d_ok, 0], "b": destinations.edge[d_ok, 1],
                      "j": d_ok})
    pairs = o.merge(d, on=["a", "b"])
    if pairs.empty:
        return i, j, val
    pi, pj = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    go, gd = origins.fraction[pi], destinations.fraction[pj]
    t_ab, t_ba = origins.edge_s[pi, 0], origins.edge_s[pi, 1]
    along = np.where(gd >= go, edge_share(gd - go, t_ab), edge_share(go - gd, t_ba))
    along[gd == go] = 0.0
    direct = (origins.access_min[pi] + destinations.access_min[pj]) * 60.0 + along
    return _merge_min(i, j, val, pi, pj, direct, limit)


def travel_times(graph: nx.MultiDiGraph, origins: gpd.GeoSeries,
                 destinations: gpd.GeoSeries, cutoff_min: float,
                 snapping: Snapping | None = None, *, cache_dir: str | None = None,
                 chunk_bytes: int = CHUNK_BYTES, contract_chains: bool = True
                 ) -> pd.DataFrame:
    """Travel times from every origin to every destination within a cut-off.

    The time of a pair is the walk from the origin to the network, the network time, and
    the walk from the network to the destination (see :mod:`planner.network.snap`).

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Graph in EPSG:3067 with ``travel_time`` (seconds) on every edge.
    origins, destinations : geopandas.GeoSeries
        Points; rows are identified by position (0..n-1) in the result.
    cutoff_min : float
        Pairs slower than this (minutes) are left out.
    snapping : Snapping, optional
        How the points meet the network (walking speed, the farthest snap, node or edge,
        the component; default :class:`~planner.network.snap.Snapping`).
    cache_dir : str or path-like, optional
        Folder of a Parquet cache keyed by the graph, the points and these parameters.
    chunk_bytes : int
        Address space first reserved for the result (bytes; see :func:`node_times`).
    contract_chains : bool
        Search over junctions only when most nodes lie inside degree-2 chains (same
        times up to rounding below 1e-9 s).

    Returns
    -------
    pandas.DataFrame
        Long table with columns ``origin``, ``destination`` (row positions) and ``minutes``,
        sorted by origin then destination. Unreachable pairs are absent, never zero.
        ``attrs["unreachable_origins"]`` / ``attrs["unreachable_destinations"]`` list the
        positions of points farther than ``snapping.max_snap_m`` from the network;
        ``attrs["access"]`` summarises the walk between the points and the network
        (:func:`access_summary`); ``attrs["model"]`` is ``"network"``; ``attrs["cache"]`` is
        ``"hit"``, ``"miss"`` or ``"off"``.
    """
    if cutoff_min < 0 or not np.isfinite(cutoff_min):
        raise InputError("cutoff_min must be a finite number >= 0")
    sn = snapping or Snapping()
    mat, nodes = graph_to_csr(graph)
    params = {"cutoff_min": float(cutoff_min), "walk_speed_kmh": float(sn.walk_speed_kmh),
              "max_snap_m": float(sn.max_snap_m), "snap": sn.snap, "model": "network",
              "component": sn.component}
    key = None
    if cache_dir is not None:
        from planner.network import cache

        key = cache.cache_key(cache.graph_hash(graph, mat, nodes), origins, destinations,
                              params)
        hit = cache.load(cache_dir, key)
        if hit is not None:
            hit.attrs["cache"] = "hit"
            return hit
    targets = snap_targets(graph, (mat, nodes), sn.component)
    o = snap_points(graph, origins, sn.snap, sn.walk_speed_kmh, sn.max_snap_m,
                    csr=(mat, nodes), targets=targets)
    d = snap_points(graph, destinations, sn.snap, sn.walk_speed_kmh, sn.max_snap_m,
                    csr=(mat, nodes), targets=targets)
    i, j, sec = pair_times(mat, o, d, cutoff_min * 60.0, chunk_bytes, contract_chains)
    result = pd.DataFrame({"origin": i.astype(np.int64), "destination": j.astype(np.int64),
                           "minutes": sec / 60.0})
    result.attrs.update(unreachable_origins=o.unreachable,
                        unreachable_destinations=d.unreachable, model="network",
                        snap=sn.snap, cutoff_min=float(cutoff_min),
                        access={"origins": access_summary(o),
                                "destinations": access_summary(d)})
    if key is not None:
        from planner.network import cache

        cache.save(cache_dir, key, result)
        result.attrs["cache"] = "miss"
    else:
        result.attrs["cache"] = "off"
    return result


def access_summary(snapped: Snapped) -> dict[str, float]:
    """How far snapped points are from the network (the access walk, in metres).

    Parameters
    ----------
    snapped : Snapped

    Returns
    -------
    dict
        ``points``, ``unreachable`` (beyond ``max_snap_m``), ``restricted`` (snapped to an
        indoor, platform or private way for want of another), and the median, 90th
        percentile and largest snapping distance of the reachable points (``median_m``,
        ``p90_m``, ``max_m``; ``nan`` if none).
    """
    d = snapped.distance_m[snapped.ok]
    restricted = 0 if snapped.restricted is None else int(snapped.restricted.sum())
    stats = [*np.percentile(d, [50, 90]).tolist(), float(d.max())] if len(d) else [np.nan] * 3
    return {"points": len(snapped.ok), "unreachable": int((~snapped.ok).sum()),
            "restricted": restricted, "median_m": float(stats[0]), "p90_m": float(stats[1]),
            "max_m": float(stats[2])}


def to_sparse(table: pd.DataFrame, n_origins: int, n_destinations: int) -> sp.csr_array:
    """Turn a long travel-time table into a sparse ``(origins, destinations)`` matrix.

    Absent entries are pairs beyond the cut-off or unreachable; a stored ``0.0`` is a real
    zero time (the same place), kept as an explicit entry.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``origin``, ``destination``, ``minutes``.
    n_origins, n_destinations : int
        Shape of the matrix (clients x sites when origins are the clients).

    Returns
    -------
    scipy.sparse.csr_array
    """
    return sp.csr_array((table["minutes"].to_numpy(dtype=float),
                         (table["origin"].to_numpy(), table["destination"].to_numpy())),
                        shape=(n_origins, n_destinations))


def travel_time_matrix(graph: nx.MultiDiGraph, origins: gpd.GeoSeries,
                       destinations: gpd.GeoSeries, cutoff_min: float,
                       **kwargs: object) -> sp.csr_array:
    """:func:`travel_times` as a sparse ``(origins, destinations)`` matrix of minutes.

    Parameters
    ----------
    graph, origins, destinations, cutoff_min
        As in :func:`travel_times`.
    **kwargs
        Passed to :func:`travel_times`.

    Returns
    -------
    scipy.sparse.csr_array
        See :func:`to_sparse`.
    """
    table = travel_times(graph, origins, destinations, cutoff_min, **kwargs)
    return to_sparse(table, len(origins), len(destinations))
