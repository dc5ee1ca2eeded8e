"""A disk cache of travel-time tables in Parquet, keyed by graph, points and parameters.

The key is a SHA-256 of the graph (node ids, coordinates and CRS, and every edge with its
weight as stored in the routing matrix), of the origin and destination geometries with
their CRS, and of the parameters. Any change to a node, an edge or a weight gives a new key,
so a stale table is never read; old files are simply not used again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import platformdirs
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp
import shapely

from planner._io import atomic_write
from planner.network.arrays import graph_to_csr, node_xy

_ATTRS_KEY = b"planner_attrs"


def user_cache_dir(sub: str) -> Path:
    """Return ``<cache>/<sub>``: ``$PLANNER_CACHE_DIR`` or the user cache directory.

    The user cache directory is ``platformdirs.user_cache_dir("planner")`` (on Linux
    ``~/.cache/planner``); the folder is not created here.
    """
    env = os.environ.get("PLANNER_CACHE_DIR")
    return (Path(env) if env else Path(platformdirs.user_cache_dir("planner"))) / sub


def graph_hash(graph: nx.MultiDiGraph, mat: sp.csr_array | None = None,
               nodes: np.ndarray | None = None) -> str:
    """Return a hex digest of a graph's nodes, coordinates, edges and ``travel_time`` weights.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
    mat, nodes : optional
        ``graph_to_csr(graph)`` if already computed.

    Returns
    -------
    str
    """
    if mat is None or nodes is None:
        mat, nodes = graph_to_csr(graph)
    csr = sp.csr_array(mat, copy=True)
    csr.sum_duplicates()
    h = hashlib.sha256()
    h.update(str(graph.graph.get("crs")).encode())
    for arr in (nodes, *node_xy(graph), csr.indptr, csr.indices, csr.data):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def points_hash(points: gpd.GeoSeries) -> str:
    """Return a hex digest of geometries (well-known binary) and their CRS."""
    h = hashlib.sha256(str(points.crs).encode())
    h.update(str(len(points)).encode())
    for wkb in shapely.to_wkb(np.asarray(points.values), hex=False):
        h.update(wkb)
    return h.hexdigest()


def cache_key(graph_digest: str, origins: gpd.GeoSeries, destinations: gpd.GeoSeries,
              params: dict[str, object]) -> str:
    """Return the cache key of one travel-time table."""
    h = hashlib.sha256(graph_digest.encode())
    h.update(points_hash(origins).encode())
    h.update(points_hash(destinations).encode())
    h.update(json.dumps(params, sort_keys=True).encode())
    return h.hexdigest()


def _path(cache_dir: str | Path, key: str) -> Path:
    return Path(cache_dir) / f"travel_times-{key[:32]}.parquet"


def load(cache_dir: str | Path, key: str) -> pd.DataFrame | None:
    """Return the cached table of ``key`` with its ``attrs``, or ``None`` if there is none."""
    path = _path(cache_dir, key)
    if not path.is_file():
        return None
    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {}).get(_ATTRS_KEY, b"{}"))
    if meta.pop("key", None) != key:
        return None
    df = table.to_pandas()
    df.attrs.update(meta)
    return df


def save(cache_dir: str | Path, key: str, table: pd.DataFrame) -> Path:
    """Write a table and its ``attrs`` under ``key`` (atomically)."""
    attrs = {k: v for k, v in table.attrs.items() if k != "cache"}
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    meta = dict(arrow.schema.metadata or {})
    meta[_ATTRS_KEY] = json.dumps({**attrs, "key": key}).encode()
    arrow = arrow.replace_schema_metadata(meta)
    return atomic_write(_path(cache_dir, key), lambda tmp: pq.write_table(arrow, tmp))
