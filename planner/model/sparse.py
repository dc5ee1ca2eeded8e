"""Index helpers of the sparse models.

Grouping, expanding and ranking integer keys with numpy (no Python loop per entry).
"""

from __future__ import annotations

import numpy as np


def group(keys: np.ndarray, items: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Group ``items`` by integer ``keys`` (0..n_keys-1): ``(ptr, items sorted by key)``."""
    order = np.argsort(keys, kind="stable")
    ptr = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n_keys), out=ptr[1:])
    return ptr, items[order]


def expand(ptr: np.ndarray, items: np.ndarray, keys: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Return every item of the group of each entry of ``keys``: ``(entry, item)``."""
    cnt = ptr[keys + 1] - ptr[keys]
    total = int(cnt.sum())
    entry = np.repeat(np.arange(keys.size, dtype=np.int64), cnt)
    first = np.cumsum(cnt) - cnt
    pos = np.arange(total, dtype=np.int64) + np.repeat(ptr[keys] - first, cnt)
    return entry, items[pos]


def rows_of(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct ``keys`` (sorted) and each entry's position among them."""
    uniq, inv = np.unique(keys, return_inverse=True)
    return uniq, inv.astype(np.int64)


def ranks(key: np.ndarray, m: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Return the rank of each pair by minutes (ties: site position) within its ``key`` group."""
    order = np.lexsort((s, m, key))
    k = key[order]
    start = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    rank = np.empty(key.size, dtype=np.int64)
    rank[order] = np.arange(k.size) - np.repeat(start, np.diff(np.r_[start, k.size]))
    return rank


def keep_nearest(i: np.ndarray, o: np.ndarray, s: np.ndarray, m: np.ndarray, k: int | None,
                 n_o: int, today: np.ndarray) -> tuple[np.ndarray, ...]:
    """Keep each (point, organisation)'s ``k`` nearest sites and nearest current offices.

    ``today`` marks pairs whose site is a current office; all pairs are kept when ``k`` is
    None; ties are broken by site position, so the choice is deterministic. Keeping the
    current offices keeps today's network a feasible plan.
    """
    if k is None or not i.size:
        return i, o, s, m
    key = i * n_o + o
    keep = ranks(key, m, s) < k
    if today.any():
        sub = np.flatnonzero(today)
        keep[sub[ranks(key[sub], m[sub], s[sub]) < k]] = True
    return i[keep], o[keep], s[keep], m[keep]
