"""A bounded many-to-many shortest-path search, compiled with numba.

scipy's ``dijkstra(indices=..., limit=...)`` prunes its search at the cut-off, but it pays
for the whole graph once per source (its node array and the dense ``(sources, nodes)``
result are initialised in full), keeps its queue in a Fibonacci heap, and hands back a
dense row of which only the target columns are read. This kernel searches from each
source with a bucket queue (buckets as wide as the lightest edge, so that a node is
usually scanned once), reaches only nodes within the cut-off (as scipy does), resets only
the nodes it touched, and reads the targets straight off its own distance array. Sources
run on threads, each with its own work arrays (the kernel releases the GIL), in an order
where nearby sources follow each other (:mod:`planner.network.order`); each finished search
is copied from a reused scratch buffer into the result, or, when the order differs from
the caller's, into a staging area from which the pairs are put back in the caller's order.

The distances are scipy's, bit for bit. Both compute, for every node, the least over its
paths of the sum of the weights added from the source outwards in floating point; that
least value does not depend on the order in which nodes are scanned (a sum never falls
below its first term, and rounding is monotone). A node improved while its own bucket is
being emptied (an edge lighter than the bucket, or a rounding at its edge) goes into that
bucket again and is scanned again, so the result is exact whatever the bucket width.

numba is used because no installable engine prunes a many-to-many search by a cut-off:
igraph, RoutingKit's CCH and pandana all compute more than the pairs within it (see the
documentation's performance page, docs/how/performance.md, for the measurements).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit

from planner.network.order import search_order
from planner.network.prefetch import prefetch

#: Sources per unit of work handed to a thread.
BLOCK = 2
#: Below this many edge visits at most (edges x sources) the searches run on one thread.
SMALL_WORK = 1_000_000
#: Address space first reserved for the pairs (bytes, 24 a pair); only what is written is
#: touched, and it doubles when full.
BUFFER_BYTES = 4 * 2**30
#: At most this many buckets span the limit, or the heaviest edge.
_STEPS = 2.0**16

Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]


@njit(cache=True, nogil=True)
def _search(graph: tuple, seed_node: np.ndarray, seed_d: np.ndarray, radius: float,
            inv: float, dist: np.ndarray, head: np.ndarray, pool: tuple) -> int:
    """Search from the seeds (node, start distance) over nodes within ``radius``.

    Buckets of width ``1 / inv`` sit in a ring of ``len(head)`` slots (a power of two),
    each a linked list of entries (node, key, next) in ``pool``; an entry whose key is no
    longer its node's distance is stale and skipped. While a node is scanned, the edges of
    the next entry's node and the offsets and distance of the one after it are prefetched
    (:mod:`planner.network.prefetch`; about 20 % faster on the grids of the benchmark).
    Returns the number of entries used (every touched node has one), or ``-1 - used`` if
    the pool ran out.
    """
    indptr, indices, data = graph
    e_node, e_key, e_next = pool
    cap = e_node.shape[0]
    mask = head.shape[0] - 1
    top = 0
    b = -1
    for k in range(seed_node.shape[0]):
        u = seed_node[k]
        d = seed_d[k]
        if u < 0 or not d <= radius or not d < dist[u]:
            continue
        if top == cap:
            return -1 - top
        dist[u] = d
        kb = int(d * inv)
        if b < 0 or kb < b:
            b = kb
        e_node[top], e_key[top], e_next[top] = u, d, head[kb & mask]
        head[kb & mask] = top
        top += 1
    live = top
    while live > 0:
        slot = b & mask
        e = head[slot]
        while e >= 0:
            nxt = e_next[e]
            if nxt >= 0:  # a two-stage pipeline of hints: they change no value
                first = indptr[e_node[nxt]]
                prefetch(indices, first)
                prefetch(data, first)
                after = e_next[nxt]
                if after >= 0:
                    prefetch(indptr, e_node[after])
                    prefetch(dist, e_node[after])
            head[slot] = nxt
            live -= 1
            u = e_node[e]
            d = e_key[e]
            if d == dist[u]:
                for q in range(indptr[u], indptr[u + 1]):
                    v = indices[q]
                    nd = d + data[q]
                    if nd < dist[v] and nd <= radius:
                        if top == cap:
                            return -1 - top
                        dist[v] = nd
                        s = int(nd * inv) & mask
                        e_node[top], e_key[top], e_next[top] = v, nd, head[s]
                        head[s] = top
                        top += 1
                        live += 1
            e = head[slot]
        b += 1
    return top


@njit(cache=True, nogil=True)
def _gather(dist: np.ndarray, post: float, t_node: np.ndarray, t_off: np.ndarray,
            limit: float, cols: np.ndarray, vals: np.ndarray, m: int) -> int:
    """Append the targets within ``limit`` and their times; the new count."""
    n_t, k_t = t_node.shape
    for j in range(n_t):
        best = dist[max(t_node[j, 0], 0)] + t_off[j, 0]
        for k in range(1, k_t):
            x = dist[max(t_node[j, k], 0)] + t_off[j, k]
            if x < best:
                best = x
        total = best + post
        if total <= limit:
            cols[m] = j
            vals[m] = total
            m += 1
    return m


@njit(cache=True, nogil=True)
def _block(graph: tuple, sources: tuple, targets: tuple, limit: float, inv: float,
           work: tuple, out: tuple) -> tuple:
    """Search from a block of sources; per source its count, the targets and times in ``out``.

    ``sources`` is (seed nodes, start distances, radius, time added to the results) per
    source, ``targets`` (entry nodes, offsets) per target. A source's time to target ``j``
    is ``min_k(dist[t_node[j, k]] + t_off[j, k]) + post``, kept where it is ``<= limit``:
    the operations, in the order, of the numpy reduction of a dense scipy block. ``work``
    is the thread's distances (all infinite), ring heads (all ``-1``) and entry pool,
    which grows when a search overflows it. ``out`` (targets, times) has room for every
    target of every source. Returns the counts (the pairs fill ``out`` in order) and the
    pool.
    """
    s_node, s_init, s_radius, s_post = sources
    t_node, t_off = targets
    dist, head, pool = work
    cols, vals = out
    counts = np.zeros(s_node.shape[0], dtype=np.int64)
    m = 0
    for s in range(s_node.shape[0]):
        used = _search(graph, s_node[s], s_init[s], s_radius[s], inv, dist, head, pool)
        while used < 0:  # the pool ran out: start again with one twice the size
            for q in range(-1 - used):
                dist[pool[0][q]] = np.inf
            head[:] = -1
            size = 2 * pool[0].shape[0]
            pool = (np.empty(size, dtype=np.int32), np.empty(size),
                    np.empty(size, dtype=np.int32))
            used = _search(graph, s_node[s], s_init[s], s_radius[s], inv, dist, head, pool)
        start = m
        m = _gather(dist, s_post[s], t_node, t_off, limit, cols, vals, m)
        counts[s] = m - start
        for q in range(used):
            dist[pool[0][q]] = np.inf
    return counts, pool


@njit(cache=True, nogil=True)
def _weights(data: np.ndarray) -> tuple:
    """One pass over the weights: least positive and largest finite, any negative, float32-exact."""
    lo = np.inf
    hi = 0.0
    negative = False
    single = True
    for x in data:
        if x < 0:
            negative = True
        if 0 < x < np.inf:
            lo = min(lo, x)
            hi = max(hi, x)
        if single and np.float64(np.float32(x)) != x:
            single = False
    return lo, hi, negative, single


def _layout(lightest: float, heaviest: float, limit: float) -> tuple[float, int]:
    """Return one over the bucket width and the ring size (a power of two).

    The width is the least positive weight (then a node is scanned once, as in Dijkstra),
    but at least a ``2**-16`` share of the limit and of the heaviest edge, so that a search
    steps through at most that many empty buckets per limit and the ring stays small.
    """
    if not np.isfinite(lightest):
        return 1.0, 4
    width = max(lightest, heaviest / _STEPS, (limit if np.isfinite(limit) else 0.0) / _STEPS)
    inv = 1.0 / width
    ring = int(heaviest * inv) + 4
    if np.isfinite(limit):
        ring = min(ring, int(limit * inv) + 4)
    return inv, 1 << (ring - 1).bit_length()


def threads() -> int:
    """Worker threads: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _pool_size(n_edges: int, n_seeds: int) -> int:
    """Entries of a search's first pool: enough unless a node is scanned twice."""
    return n_edges + n_seeds + 1


@dataclass(frozen=True)
class Searchable:
    """A graph ready for :func:`bounded_times`: its CSR arrays and bucket layout.

    Attributes
    ----------
    parts : tuple of numpy.ndarray
        ``indptr``, ``indices`` (int32) and ``data``: ``indptr`` is int32 when the edges
        fit, ``data`` float32 when every weight is a float32 value (the sums are still
        taken in float64, so the times are the same), else int64 and float64. Fewer bytes
        per node reached make the searches faster.
    n : int
        Number of nodes.
    inv : float
        One over the bucket width.
    ring : int
        Number of bucket slots.
    """

    parts: tuple[np.ndarray, np.ndarray, np.ndarray]
    n: int
    inv: float
    ring: int


def prepare(graph: sp.csr_array, limit: float) -> Searchable:
    """Check a graph and lay out its buckets for searches up to ``limit``.

    Parameters
    ----------
    graph : scipy.sparse.csr_array
        Non-negative edge weights (explicit zeros are edges).
    limit : float
        The largest search radius that will be asked (may be infinite).

    Returns
    -------
    Searchable
    """
    data = np.ascontiguousarray(graph.data, dtype=np.float64)
    lightest, heaviest, negative, single = _weights(data)
    if negative:
        raise ValueError("the graph has negative edge weights")
    small = data.size < np.iinfo(np.int32).max
    indptr = np.asarray(graph.indptr, dtype=np.int32 if small else np.int64)
    indices = np.asarray(graph.indices, dtype=np.int32)
    inv, ring = _layout(lightest, heaviest, limit)
    return Searchable((indptr, indices, data.astype(np.float32) if single else data),
                      graph.shape[0], inv, ring)


class _Sink:
    """The pairs of a call's searches, written in source order as blocks finish.

    A block is searched into a scratch buffer (room for every target of its sources);
    blocks are handed out in order and a finished block waits in its scratch until every
    block before it is in the output, so the pairs are copied once, into the output. At
    most ``4 x threads`` scratches exist, reused and so never fresh memory. The output is
    reserved ``capacity`` pairs at first (address space: only what is written is touched)
    and doubles when full. With ``staged`` the sources were searched in another order than
    the caller's: only targets and times are kept (12 bytes a pair), and :meth:`pairs` puts
    them back in the caller's order.
    """

    def __init__(self, n_blocks: int, scratch: int, capacity: int, workers: int,
                 staged: bool = False) -> None:
        self.n_blocks, self.scratch, self.most = n_blocks, scratch, 4 * workers
        self.staged, self.workers = staged, workers
        self.out = self._reserve(capacity, 1)
        self.counts: list[np.ndarray] = []
        self.pos = self.done = self.handed = self.made = 0
        self.failed = self.committing = False
        self.free: list[tuple[np.ndarray, np.ndarray]] = []
        self.waiting: dict[int, tuple[int, np.ndarray, tuple[np.ndarray, np.ndarray]]] = {}
        self.cond = threading.Condition()

    def _reserve(self, capacity: int, need: int) -> tuple[np.ndarray, ...]:
        """Reserve ``capacity`` pairs, or less (never below ``need``) if the system refuses."""
        while True:
            try:
                return _allocate(capacity, self.staged)
            except MemoryError:  # a strict overcommit policy: reserve less, grow later
                if capacity <= need:
                    raise
                capacity = max(need, capacity // 2)

    def take(self) -> tuple[int, tuple[np.ndarray, np.ndarray]] | None:
        """Return the next block and a scratch for it, or None when every block is out."""
        with self.cond:
            while (not self.free and self.made >= self.most and self.handed < self.n_blocks
                   and not self.failed):
                self.cond.wait()
            if self.handed == self.n_blocks or self.failed:
                return None
            if self.free:
                buf = self.free.pop()
            else:
                buf = (np.empty(self.scratch, dtype=np.int32), np.empty(self.scratch))
                self.made += 1
            self.handed += 1
            return self.handed - 1, buf

    def put(self, b: int, first: int, counts: np.ndarray,
            buf: tuple[np.ndarray, np.ndarray]) -> None:
        """Hand in block ``b`` (its first source and counts); write every block now due.

        One thread at a time writes (the committer) and copies outside the lock, so that
        the others keep taking blocks while the output's fresh pages are touched.
        """
        with self.cond:
            self.waiting[b] = (first, counts, buf)
            if self.committing:
                return
            self.committing = True
        due: list[tuple[int, np.ndarray, tuple[np.ndarray, np.ndarray]]] = []
        try:
            while True:
                with self.cond:
                    self.done += len(due)
                    self.free.extend(d[2] for d in due)
                    self.cond.notify_all()
                    due = []
                    while self.done + len(due) in self.waiting:
                        due.append(self.waiting.pop(self.done + len(due)))
                    if not due:
                        self.committing = False
                        return
                for first_source, block_counts, scratch in due:
                    self._write(first_source, block_counts, scratch)
        except BaseException:
            with self.cond:
                self.committing = False
            raise

    def _write(self, first: int, counts: np.ndarray, buf: tuple[np.ndarray, np.ndarray]) -> None:
        """Append a block's pairs to the output (the committer only)."""
        k = int(counts.sum())
        if self.pos + k > self.out[0].shape[0]:
            grown = self._reserve(max(2 * self.out[0].shape[0], self.pos + k), self.pos + k)
            for new, old in zip(grown, self.out, strict=True):
                new[:self.pos] = old[:self.pos]
            self.out = grown
        at = slice(self.pos, self.pos + k)
        if not self.staged:
            self.out[0][at] = np.repeat(np.arange(first, first + len(counts)), counts)
        self.out[-2][at] = buf[0][:k]
        self.out[-1][at] = buf[1][:k]
        if self.staged:
            self.counts.append(counts)
        self.pos += k

    def fail(self) -> None:
        """Stop handing out blocks (a search raised), and wake every waiting thread."""
        with self.cond:
            self.failed = True
            self.cond.notify_all()

    def pairs(self, order: np.ndarray | None) -> Pairs:
        """Return the pairs sorted by source then target (``order``: the search order)."""
        if not self.staged or order is None:
            for a in self.out:  # give back the reservation beyond the pairs (no copy)
                a.resize(self.pos, refcheck=False)
            return self.out[0], self.out[1], self.out[2]
        counts = np.concatenate(self.counts) if self.counts else np.zeros(0, dtype=np.int64)
        return _regrouped(self.out[0], self.out[1], counts, order, self.workers)


def _allocate(capacity: int, staged: bool) -> tuple[np.ndarray, ...]:
    """Return output arrays for ``capacity`` pairs: (sources,) targets and times."""
    if staged:
        return np.empty(capacity, dtype=np.int32), np.empty(capacity)
    return (np.empty(capacity, dtype=np.int64), np.empty(capacity, dtype=np.int64),
            np.empty(capacity))


def _regrouped(cols: np.ndarray, vals: np.ndarray, counts: np.ndarray, order: np.ndarray,
               workers: int) -> Pairs:
    """Put pairs staged in search order (source ``order[p]`` at ``p``) back by source.

    The sources are split into ``workers`` ranges of about as many pairs, copied on threads.
    """
    start = np.r_[0, np.cumsum(counts)]  # of each search position in the staging
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    at = np.r_[0, np.cumsum(counts[rank])]  # of each source in the output
    total = int(at[-1])
    out = (np.empty(total, dtype=np.int64), np.empty(total, dtype=np.int64), np.empty(total))
    cuts = np.searchsorted(at, np.linspace(0, total, workers + 1)[1:-1])
    bounds = np.r_[0, cuts, len(order)]
    jobs = [(int(lo), int(hi)) for lo, hi in itertools.pairwise(bounds) if hi > lo]

    def copy(lo: int, hi: int) -> None:
        _regroup(cols, vals, start, rank, at, lo, hi, out)

    if len(jobs) > 1:
        with ThreadPoolExecutor(len(jobs)) as pool:
            for f in [pool.submit(copy, lo, hi) for lo, hi in jobs]:
                f.result()
    else:
        for lo, hi in jobs:
            copy(lo, hi)
    return out


@njit(cache=True, nogil=True)
def _regroup(cols: np.ndarray, vals: np.ndarray, start: np.ndarray, rank: np.ndarray,
             at: np.ndarray, lo: int, hi: int, out: tuple) -> None:
    """Copy sources ``lo..hi``'s pairs from their staging place to their output place."""
    i, j, v = out
    for s in range(lo, hi):
        w = at[s]
        for q in range(start[rank[s]], start[rank[s] + 1]):
            i[w] = s
            j[w] = cols[q]
            v[w] = vals[q]
            w += 1


def bounded_times(graph: sp.csr_array | Searchable, seeds: tuple[np.ndarray, np.ndarray],
                  radius: np.ndarray, post: np.ndarray,
                  targets: tuple[np.ndarray, np.ndarray], limit: float,
                  n_threads: int | None = None, buffer_bytes: int = BUFFER_BYTES) -> Pairs:
    """Compute the times from seeded sources to targets with entry offsets within a limit.

    Parameters
    ----------
    graph : scipy.sparse.csr_array or Searchable
        Non-negative edge weights, or the same prepared by :func:`prepare` for radii up to
        the largest in ``radius``.
    seeds : tuple of numpy.ndarray
        ``(sources, k)`` seed nodes of each source (``-1`` = none) and their start
        distances; seeds farther than the radius, or infinite, are left out.
    radius : numpy.ndarray
        Per source, the search radius: nodes farther than it are not reached.
    post : numpy.ndarray
        Per source, a time added to each of its results.
    targets : tuple of numpy.ndarray
        ``(targets, m)`` entry nodes of each target (``-1`` = none, then node 0 is read
        with the offset, as numpy's gather does) and the time from each to the target.
    limit : float
        Pairs slower than this are left out.
    n_threads : int, optional
        Worker threads (default: the usable cores, one for a small problem).
    buffer_bytes : int
        Address space first reserved for the pairs (24 bytes each, at most every pair);
        only what is written uses memory, and it doubles when full.

    Returns
    -------
    i, j, value : numpy.ndarray
        Source and target positions and the time, sorted by ``i`` then ``j``.
    """
    s_node = np.ascontiguousarray(seeds[0], dtype=np.int64)
    s_init = np.ascontiguousarray(seeds[1], dtype=np.float64)
    s_radius = np.ascontiguousarray(radius, dtype=np.float64)
    s_post = np.ascontiguousarray(post, dtype=np.float64)
    t_node = np.ascontiguousarray(targets[0], dtype=np.int64)
    t_off = np.ascontiguousarray(targets[1], dtype=np.float64)
    if not isinstance(graph, Searchable):
        graph = prepare(graph, float(s_radius.max()) if len(s_radius) else np.inf)
    parts = graph.parts
    n_s, n_t = s_node.shape[0], t_node.shape[0]
    # search nearby sources one after another (planner.network.order); same results
    order = (search_order(parts[0], parts[1], s_node[:, 0], graph.n) if s_node.shape[1]
             else None)
    if order is not None:
        s_node, s_init, s_radius, s_post = (a[order] for a in (s_node, s_init, s_radius, s_post))
    starts = range(0, n_s, BLOCK)
    if n_threads is None:
        n_threads = 1 if parts[1].size * n_s < SMALL_WORK else threads()
    workers = max(1, min(n_threads, len(starts)))
    sink = _Sink(len(starts), n_t * min(BLOCK, n_s),
                 max(1, min(n_s * n_t, buffer_bytes // 24)), workers, order is not None)

    def work() -> None:
        size = _pool_size(parts[1].size, s_node.shape[1])
        state = (np.full(graph.n, np.inf), np.full(graph.ring, -1, dtype=np.int32),
                 (np.empty(size, dtype=np.int32), np.empty(size),
                  np.empty(size, dtype=np.int32)))
        try:
            while (job := sink.take()) is not None:
                b, buf = job
                sl = slice(starts[b], starts[b] + BLOCK)
                counts, pool = _block(parts, (s_node[sl], s_init[sl], s_radius[sl], s_post[sl]),
                                      (t_node, t_off), float(limit), graph.inv, state, buf)
                state = (state[0], state[1], pool)
                sink.put(b, starts[b], counts, buf)
        except BaseException:
            sink.fail()
            raise

    if workers == 1:
        work()
    else:
        with ThreadPoolExecutor(workers) as pool:
            for f in [pool.submit(work) for _ in range(workers)]:
                f.result()
    return sink.pairs(order)


def compile_kernel() -> float:
    """Compile (or load from numba's cache) the kernel on toy graphs; seconds taken.

    Both layouts of :class:`Searchable` (float32 and float64 weights) and the search order
    with its regrouping (sources handed in backwards on a path) are compiled.
    """
    t0 = time.perf_counter()
    for w in (1.0, 0.1):  # 0.1 is not a float32 value
        a, b = np.arange(3), np.arange(1, 4)
        g = sp.csr_array((np.full(6, w), (np.r_[a, b], np.r_[b, a])), shape=(4, 4))
        src = np.array([[3], [2], [1], [0]])
        bounded_times(g, (src, np.zeros((4, 1))), np.full(4, 9.0), np.zeros(4),
                      (np.array([[1], [2]]), np.zeros((2, 1))), 9.0, n_threads=1)
    return time.perf_counter() - t0
