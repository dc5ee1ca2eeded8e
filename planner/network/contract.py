"""Contraction of degree-2 chains, so that Dijkstra runs over junctions only.

OpenStreetMap graphs read without simplification (pyrosm's, the demo's) are mostly nodes in
the middle of streets: 88 % of central Helsinki's drive nodes and 56 % of its walk nodes
have exactly two neighbours. Each maximal chain of such nodes between two junctions becomes
one edge each way (where the whole chain can be travelled that way), and a tail ending in a
dead end is dropped from the search (no shortest path passes through it). Dijkstra runs on
the junctions, and a chain node's time is read off its ends plus the time along the chain.
Times equal those on the full graph up to floating-point rounding of the sums (< 1e-9 s).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from itertools import accumulate

import numpy as np
import scipy.sparse as sp

from planner.network.arrays import min_csr
from planner.network.snap import edge_lookup

#: Contract only when at least this share of the nodes sits inside chains.
MIN_CHAIN_SHARE = 0.25
#: Gap count of the missing far end of a dead-end tail (never equal to a node's count).
_NO_END = -1


@dataclass(frozen=True)
class Contraction:
    """A graph with its degree-2 chains contracted.

    Attributes
    ----------
    mat : scipy.sparse.csr_array
        Edge weights between kept nodes (junctions, dead ends, nodes of pure cycles).
    kept : numpy.ndarray
        Contracted index of each original node, ``-1`` inside a chain.
    chain, ends : numpy.ndarray
        Chain id of each original node (``-1`` if kept) and the chain's two ends as
        contracted indices (``ends[chain] = (a, b)``).
    pos : numpy.ndarray
        Position along the chain (a = 0).
    f_sum, f_gap, g_sum, g_gap : numpy.ndarray
        Per original node: the finite sum and the count of impassable steps of the chain from
        ``a`` to the node forwards (``f``) and from the node to ``a`` backwards (``g``);
        the same at ``b`` is stored per chain in ``end_*``.
    """

    mat: sp.csr_array
    kept: np.ndarray
    chain: np.ndarray
    ends: np.ndarray
    pos: np.ndarray
    f_sum: np.ndarray
    f_gap: np.ndarray
    g_sum: np.ndarray
    g_gap: np.ndarray
    end_f_sum: np.ndarray
    end_f_gap: np.ndarray
    end_g_sum: np.ndarray
    end_g_gap: np.ndarray

    def entries(self, node: np.ndarray, off: np.ndarray, outgoing: bool
                ) -> tuple[np.ndarray, np.ndarray]:
        """Translate entry nodes and offsets to the contracted graph.

        Parameters
        ----------
        node, off : numpy.ndarray
            ``(n, k)`` original node positions (``-1`` = none) and offsets.
        outgoing : bool
            ``True`` for sources (time from the node to the chain ends), ``False`` for
            targets (time from the chain ends to the node).

        Returns
        -------
        node, off : numpy.ndarray
            ``(n, 2k)`` contracted positions and offsets.
        """
        cols_n, cols_o = [], []
        for k in range(node.shape[1]):
            x = node[:, k]
            valid = x >= 0
            xs = np.where(valid, x, 0)
            c = self.chain[xs]
            inner = valid & (c >= 0)
            cs = np.where(inner, c, 0)
            if outgoing:  # x -> a backwards along g; x -> b forwards along f
                to_a = _diff(self.g_sum[xs], self.g_gap[xs], 0.0, 0)
                to_b = _diff(self.end_f_sum[cs], self.end_f_gap[cs], self.f_sum[xs],
                             self.f_gap[xs])
            else:  # a -> x forwards; b -> x backwards
                to_a = _diff(self.f_sum[xs], self.f_gap[xs], 0.0, 0)
                to_b = _diff(self.end_g_sum[cs], self.end_g_gap[cs], self.g_sum[xs],
                             self.g_gap[xs])
            first = np.where(inner, self.ends[cs, 0], np.where(valid, self.kept[xs], -1))
            second = np.where(inner, self.ends[cs, 1], -1)
            cols_n += [first, second]
            cols_o += [np.where(inner, off[:, k] + to_a, np.where(valid, off[:, k], np.inf)),
                       np.where(inner, off[:, k] + to_b, np.inf)]
        return np.stack(cols_n, axis=1), np.stack(cols_o, axis=1)

    def along(self, src: np.ndarray, tgt: np.ndarray) -> np.ndarray:
        """Return the time along a chain from original node ``src`` to ``tgt`` (same chain)."""
        ahead = self.pos[tgt] >= self.pos[src]
        fwd = _diff(self.f_sum[tgt], self.f_gap[tgt], self.f_sum[src], self.f_gap[src])
        back = _diff(self.g_sum[src], self.g_gap[src], self.g_sum[tgt], self.g_gap[tgt])
        return np.where(ahead, fwd, back)

    def same_chain(self, s_node: np.ndarray, s_off: np.ndarray, t_node: np.ndarray,
                   t_off: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the direct times between sources and targets whose entry nodes share a chain."""
        out_i, out_j, out_v = [], [], []
        for k in range(s_node.shape[1]):
            s_chain = self._chain_of(s_node[:, k])
            for m in range(t_node.shape[1]):
                i, j = _equal_pairs(s_chain, self._chain_of(t_node[:, m]))
                if len(i):
                    out_i.append(i)
                    out_j.append(j)
                    out_v.append(s_off[i, k] + self.along(s_node[i, k], t_node[j, m])
                                 + t_off[j, m])
        if not out_i:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)
        return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_v)

    def _chain_of(self, x: np.ndarray) -> np.ndarray:
        return np.where(x >= 0, self.chain[np.maximum(x, 0)], -1)


def _equal_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return all ``(i, j)`` with ``a[i] == b[j] >= 0`` (a sort-merge join in numpy)."""
    ai = np.flatnonzero(a >= 0)
    bj = np.flatnonzero(b >= 0)
    bj = bj[np.argsort(b[bj], kind="stable")]
    b_sorted = b[bj]
    lo = np.searchsorted(b_sorted, a[ai], side="left")
    counts = np.searchsorted(b_sorted, a[ai], side="right") - lo
    total = int(counts.sum())
    i = np.repeat(ai, counts)
    within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    j = bj[np.repeat(lo, counts) + within]
    return i, j


def _diff(a_sum: np.ndarray, a_gap: np.ndarray, b_sum: np.ndarray | float,
          b_gap: np.ndarray | int) -> np.ndarray:
    """Return ``a - b`` of prefix sums, ``inf`` where an impassable step lies between."""
    return np.where(a_gap == b_gap, a_sum - b_sum, np.inf)


def _prefix(weights: list[float]) -> tuple[list[float], list[int]]:
    finite = list(accumulate((0.0 if w == np.inf else w for w in weights), initial=0.0))
    gaps = list(accumulate((w == np.inf for w in weights), initial=0))
    return finite, gaps


_CACHE: OrderedDict[bytes, Contraction | None] = OrderedDict()
_CACHE_SIZE = 8


def contract_cached(mat: sp.csr_array) -> Contraction | None:
    """Return :func:`contract` of a matrix, remembered for the last few (keyed by content).

    A graph that cannot have enough chain nodes (a count of degrees, far cheaper than
    hashing the matrix) returns ``None`` at once.
    """
    if not _may_contract(mat, MIN_CHAIN_SHARE):
        return None
    h = hashlib.blake2b(digest_size=16)
    h.update(np.asarray(mat.shape, dtype=np.int64).tobytes())
    for arr in (mat.indptr, mat.indices, mat.data):
        h.update(np.ascontiguousarray(arr).tobytes())
    key = h.digest()
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    result = contract(mat)
    _CACHE[key] = result
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def _may_contract(mat: sp.csr_array, min_share: float) -> bool:
    """Whether at least ``min_share`` of the nodes could lie inside chains.

    A chain node has at most two neighbours, so at most two edges out and two in (in a
    matrix without duplicate entries); counting those nodes bounds the chain nodes from
    above. A matrix with duplicates is not bounded this way.
    """
    if not mat.has_canonical_format:
        return True
    n = mat.shape[0]
    few = (np.diff(mat.indptr) <= 2) & (np.bincount(mat.indices, minlength=n) <= 2)
    return int(np.count_nonzero(few)) >= min_share * n


def contract(mat: sp.csr_array, min_share: float = MIN_CHAIN_SHARE) -> Contraction | None:
    """Contract the degree-2 chains of a weighted graph.

    Parameters
    ----------
    mat : scipy.sparse.csr_array
        Edge weights (explicit zeros are edges).
    min_share : float
        Return ``None`` when fewer than this share of the nodes lie inside chains.

    Returns
    -------
    Contraction or None
    """
    n = mat.shape[0]
    rows = np.repeat(np.arange(n), np.diff(mat.indptr))
    cols = mat.indices
    loop = rows == cols
    und = sp.csr_array((np.ones(2 * int((~loop).sum())),
                        (np.r_[rows[~loop], cols[~loop]], np.r_[cols[~loop], rows[~loop]])),
                       shape=(n, n))
    und.sum_duplicates()
    degree = np.diff(und.indptr)
    # chain nodes: two neighbours, or one (a dead end: its tail hangs off one junction)
    inner = ((degree == 2) | (degree == 1)) & ~np.isin(np.arange(n), rows[loop])
    if inner.sum() < min_share * n:
        return None
    ip, nb, inner_l = und.indptr.tolist(), und.indices.tolist(), inner.tolist()
    seen = bytearray(n)
    chains: list[list[int]] = []
    open_end: list[bool] = []
    starts = np.flatnonzero(~inner & ((und @ inner.astype(float)) > 0))
    for k in starts.tolist():
        for t in range(ip[k], ip[k + 1]):
            cur = nb[t]
            if not inner_l[cur] or seen[cur]:
                continue
            chain, prev, dead = [k], k, False
            while inner_l[cur]:
                seen[cur] = 1
                chain.append(cur)
                if ip[cur + 1] - ip[cur] == 1:  # a dead end closes the tail
                    dead = True
                    break
                a0, a1 = nb[ip[cur]], nb[ip[cur] + 1]
                prev, cur = cur, (a1 if a0 == prev else a0)
            if not dead:
                chain.append(cur)
            chains.append(chain)
            open_end.append(dead)
    if not chains:  # only pieces without a junction: nothing to contract
        return None
    keep = ~inner
    keep[np.flatnonzero(inner)[np.frombuffer(bytes(seen), dtype=np.uint8)[inner] == 0]] = True
    kept = np.full(n, -1, dtype=np.int64)
    kept[keep] = np.arange(int(keep.sum()))
    flat = np.fromiter((x for c in chains for x in c), dtype=np.int64)
    f_w = edge_lookup(mat, flat[:-1], flat[1:]).tolist() if len(flat) else []
    g_w = edge_lookup(mat, flat[1:], flat[:-1]).tolist() if len(flat) else []
    f_sum, f_gap = np.zeros(n), np.zeros(n, dtype=np.int64)
    g_sum, g_gap = np.zeros(n), np.zeros(n, dtype=np.int64)
    chain_id, pos = np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int64)
    ends = np.zeros((len(chains), 2), dtype=np.int64)
    end = np.zeros((len(chains), 4))
    start = 0
    for c, members in enumerate(chains):
        length = len(members)
        fs, fg = _prefix(f_w[start:start + length - 1])
        gs, gg = _prefix(g_w[start:start + length - 1])
        last = length if open_end[c] else length - 1  # members[1:last] are chain nodes
        inner_nodes = members[1:last]
        f_sum[inner_nodes], f_gap[inner_nodes] = fs[1:last], fg[1:last]
        g_sum[inner_nodes], g_gap[inner_nodes] = gs[1:last], gg[1:last]
        chain_id[inner_nodes] = c
        pos[inner_nodes] = np.arange(1, last)
        if open_end[c]:  # no far end: nothing reaches or leaves the tail through it
            ends[c] = kept[members[0]], -1
            end[c] = 0.0, _NO_END, 0.0, _NO_END
        else:
            ends[c] = kept[members[0]], kept[members[-1]]
            end[c] = fs[-1], fg[-1], gs[-1], gg[-1]
        start += length
    # contracted edges: kept-to-kept edges of the graph, plus each passable chain
    both = keep[rows] & keep[cols]
    fwd_ok = (end[:, 1] == 0) & (ends[:, 0] != ends[:, 1])
    back_ok = (end[:, 3] == 0) & (ends[:, 0] != ends[:, 1])
    u = np.r_[kept[rows[both]], ends[fwd_ok, 0], ends[back_ok, 1]]
    v = np.r_[kept[cols[both]], ends[fwd_ok, 1], ends[back_ok, 0]]
    w = np.r_[mat.data[both], end[fwd_ok, 0], end[back_ok, 2]]
    small = min_csr(u, v, w, int(keep.sum()))
    return Contraction(mat=small, kept=kept, chain=chain_id, ends=ends, pos=pos,
                       f_sum=f_sum, f_gap=f_gap, g_sum=g_sum, g_gap=g_gap,
                       end_f_sum=end[:, 0], end_f_gap=end[:, 1].astype(np.int64),
                       end_g_sum=end[:, 2], end_g_gap=end[:, 3].astype(np.int64))
