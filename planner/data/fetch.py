"""``planner fetch REGION``: download every payload a region spec needs into the disk cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.data import load_region
from planner.data.cache import Fetcher
from planner.data.spec import RegionSpec, load_region_spec


def fetch_region(spec: RegionSpec | str | Path, cache_dir: str | Path | None = None,
                 refresh: bool = False) -> dict[str, Any]:
    """Fill the cache for a region spec, so that later runs work offline.

    The region is built once online (boundaries, counties, population grid, PTV service
    locations, OSM sites and networks unless a local ``.osm.pbf`` is given), which stores
    each payload with its source URL, fetch time and licence.

    Parameters
    ----------
    spec : RegionSpec, str or pathlib.Path
        The spec, or a YAML file holding it (a region spec, or a scenario whose ``region``
        is a mapping; see :func:`planner.data.spec.load_region_spec`).
    cache_dir : str or pathlib.Path, optional
        Default ``$PLANNER_CACHE_DIR`` or the user cache directory.
    refresh : bool
        Download again what is already cached.

    Returns
    -------
    dict
        ``cache_dir``, ``region`` (name), ``counts`` (municipalities, demand points,
        population, service points, sites, graph nodes per mode), ``downloaded`` and
        ``cached`` (numbers of payloads), ``files`` (one dict per payload: url, path,
        fetched_at, licence, from_cache), ``geography`` (municipalities per county and per
        employment area, population per area, what the table does not know),
        ``attribution`` and ``notes``.
    """
    if not isinstance(spec, RegionSpec):
        spec = load_region_spec(spec)
    fetcher = Fetcher(cache_dir, refresh=refresh, timeout=spec.sources.timeout_s)
    region = load_region(spec, fetcher=fetcher)
    files = list(region.sources)
    return {
        "cache_dir": str(fetcher.cache_dir),
        "region": region.name,
        "counts": {
            "municipalities": len(spec.municipalities),
            "demand_points": len(region.demand),
            "population": float(region.demand["population"].sum()),
            "service_points": len(region.service_points),
            "sites": len(region.sites),
            **{f"{mode}_nodes": g.number_of_nodes() for mode, g in region.graphs.items()},
        },
        "downloaded": sum(not f["from_cache"] for f in files),
        "cached": sum(bool(f["from_cache"]) for f in files),
        "files": files,
        "attribution": list(region.attribution),
        "geography": list(region.geography),
        "notes": [n for n in region.notes
                  if n not in region.geography],
    }
