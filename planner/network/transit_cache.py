"""Public transport matrices kept in the user's cache, keyed by everything they depend on.

A scenario's public transport times (:func:`planner.network.transit_setup.scenario_times`)
take seconds to tens of seconds (the inner-Helsinki demo: 876 cells x 30 sites x 60
departures with walks on a 48,000-node street graph, about 18 s). They are kept as Parquet
in ``<cache>/travel_times`` (``$PLANNER_CACHE_DIR`` or the user cache directory,
``platformdirs``) by :mod:`planner.network.cache`, under a SHA-256 of: the feed file's bytes,
the walk graph (its ``graph.graph["cache_key"]`` when its builder set one from its own
inputs, else :func:`planner.network.cache.graph_hash`), the origin and destination
geometries, every setting of ``travel.transit``, the cut-off, the walking speed and snap,
and :data:`CACHE_VERSION`. Any change gives a new key, so a stale table is never read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd

from planner.network import cache
from planner.network.transit_setup import TransitSettings, scenario_times

#: Bump when the transit engine's results change for the same inputs.
CACHE_VERSION = 1


def cache_dir() -> Path:
    """Return the folder of cached matrices (``$PLANNER_CACHE_DIR`` or the user's cache)."""
    return cache.user_cache_dir("travel_times")


def _file_digest(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cached_scenario_times(settings: TransitSettings, walk_graph: nx.MultiDiGraph | None,
                          origins: gpd.GeoSeries, destinations: gpd.GeoSeries,
                          cutoff_min: float, walk_speed_kmh: float, max_snap_m: float,
                          folder: str | Path | None = None) -> pd.DataFrame:
    """Return :func:`~planner.network.transit_setup.scenario_times`, from the cache if there.

    Parameters
    ----------
    settings, walk_graph, origins, destinations, cutoff_min, walk_speed_kmh, max_snap_m
        As :func:`~planner.network.transit_setup.scenario_times`.
    folder : str or pathlib.Path, optional
        The cache folder (default :func:`cache_dir`).

    Returns
    -------
    pandas.DataFrame
        The same table and ``attrs``; ``attrs["cache"]`` is ``hit`` or ``miss``.
    """
    folder = Path(folder) if folder is not None else cache_dir()
    if walk_graph is None:
        graph_key = "none"
    else:
        graph_key = str(walk_graph.graph.get("cache_key") or cache.graph_hash(walk_graph))
    params = {"feed": _file_digest(settings.feed), "date": settings.date,
              "start": settings.start, "window_min": settings.window_min,
              "statistic": settings.statistic, "max_walk_m": settings.max_walk_m,
              "max_transfer_m": settings.max_transfer_m, "attribution": settings.attribution,
              "cutoff_min": cutoff_min, "walk_speed_kmh": walk_speed_kmh,
              "max_snap_m": max_snap_m, "version": CACHE_VERSION, "model": "transit"}
    key = cache.cache_key(graph_key, origins, destinations, params)
    hit = cache.load(folder, key)
    if hit is not None:
        hit.attrs["cache"] = "hit"
        return hit
    times = scenario_times(settings, walk_graph, origins, destinations, cutoff_min,
                           walk_speed_kmh, max_snap_m)
    with contextlib.suppress(OSError):  # a read-only or full cache does not fail the run
        cache.save(folder, key, times)
    times.attrs["cache"] = "miss"
    return times
