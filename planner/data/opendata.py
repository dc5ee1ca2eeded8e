"""Finnish open data and the planner's own files: a real region from a region spec.

:func:`build_region` makes a :class:`planner.region.Region` of a
:class:`~planner.data.spec.RegionSpec` (callers use :func:`planner.data.load_region`).

Boundaries, counties and the population grid come from Statistics Finland, service points
from the service catalogue (PTV) and the planner's own files, host sites from OSM and own
files, networks from a local ``.osm.pbf`` or an osmnx download. Every download goes through
the disk cache; ``offline=True`` uses only the cache. The returned region's ``from_cache``
(True when any payload came from the cache), ``notes`` (what was assumed or left out),
``geography`` (municipalities per county and per employment area, population per area:
:func:`planner.data.geography.summary_lines`) and ``sources`` (one dict per payload: url,
fetch time, licence) are filled.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.geometry.base import BaseGeometry

from planner import network
from planner.data import geography, osm, ptv, statfin
from planner.data.cache import Fetcher
from planner.data.own import OwnFiles, read_own_files
from planner.data.sites import existing_sites, merge_sites
from planner.data.spec import RegionSpec
from planner.region import Region
from planner.schema import CRS

#: Margin (m) around the generalised municipal boundaries within which OSM sites are kept.
COAST_MARGIN_M = 1000.0


def build_region(spec: RegionSpec, cache_dir: str | Path | None = None,
                 offline: bool = False, *, fetcher: Fetcher | None = None) -> Region:
    """Build and validate a real region.

    Parameters
    ----------
    spec : RegionSpec
        Which municipalities, year, organisations, files and networks.
    cache_dir : str or pathlib.Path, optional
        Disk cache (default ``$PLANNER_CACHE_DIR`` or the user cache directory).
    offline : bool
        Use only the cache; a missing payload raises :class:`~planner.data.cache.SourceError`
        naming it.
    fetcher : Fetcher, optional
        Overrides ``cache_dir``/``offline`` (e.g. ``refresh=True`` for ``planner fetch``).

    Returns
    -------
    Region
        Validated, EPSG:3067, with ``attribution`` listing every source and licence, and the
        extra attributes ``from_cache``, ``notes`` and ``sources``.
    """
    own = read_own_files(spec)  # a bad local file stops here, before any download
    f = fetcher if fetcher is not None else Fetcher(cache_dir, offline=offline,
                                                    timeout=spec.sources.timeout_s)
    wfs = spec.sources.statfin_wfs
    munis = statfin.select_municipalities(
        statfin.municipalities(spec.year, fetcher=f, url=wfs), spec.municipalities)
    outline = munis.union_all()
    boundary = gpd.GeoDataFrame({"name": [spec.name]}, geometry=[outline], crs=CRS)
    bbox = tuple(float(v) for v in outline.bounds)
    notes: list[str] = []
    table = _geography(spec, own.table, f, notes)
    if spec.year >= statfin.FIRST_COUNTY_YEAR:
        county_of = statfin.county_of_table(table)
    else:
        county_of = statfin.county_of_table(table.assign(county="", county_code=""))
        notes.append(f"no wellbeing services counties in {spec.year} (they start in "
                     f"{statfin.FIRST_COUNTY_YEAR}); the county is left empty")
    employment_of = (own.employment if own.employment is not None else pd.DataFrame({
                         "municipality_code": table["code"],
                         "employment_area": table["employment_area"]}))
    attribution: list[str] = [f"Areas: {table.attrs.get('source', 'own table')}"
                              if spec.municipality_table is not None or
                              spec.geography == "classifications" else
                              f"Areas: {geography.SOURCE}"]
    if spec.demand is not None and own.demand is not None:
        demand, rep = own.demand
        notes += rep.lines()
        demand = geography.fill_areas(demand, munis, county_of, employment_of)
        attribution.append(f"Demand: own file {spec.demand.path.name}")
    else:
        grid = statfin.population_grid(spec.population_year, bbox=bbox, fetcher=f, url=wfs)
        demand, grid_notes = statfin.grid_to_demand(grid, munis, county_of, employment_of)
        notes += grid_notes
    mine = table[table["code"].isin(list(munis["code"]))]
    mine.attrs = table.attrs
    summary = geography.summary_lines(mine, demand, table)
    notes += summary
    points = _service_points(spec, f, munis, own, (notes, attribution))
    # the 1:1 000 000 boundaries cut coasts and capes: take sites and streets a bit beyond
    near = outline.buffer(COAST_MARGIN_M)
    sites = _sites(spec, f, (points, near), own, (notes, attribution))
    graphs = _graphs(spec, f, near, notes, attribution)
    if f.used_cache:
        dates = sorted(r.fetched_at[:10] for r in f.records if r.from_cache)
        notes.insert(0, f"used the local cache {f.cache_dir} (data fetched {dates[0]}"
                        + (f" to {dates[-1]}" if dates[-1] != dates[0] else "") + ")")
    region = Region(name=spec.name, service_points=points, sites=sites, demand=demand,
                    graphs=graphs, boundary=boundary,
                    attribution=list(dict.fromkeys([*f.attributions(), *attribution])))
    region.validate()
    region.from_cache = f.used_cache
    region.notes = notes
    region.geography = summary
    region.sources = [
        {"url": r.url, "fetched_at": r.fetched_at, "licence": r.licence,
         "attribution": r.attribution, "from_cache": r.from_cache, "path": str(r.path)}
        for r in f.records]
    return region


def _geography(spec: RegionSpec, table: pd.DataFrame, f: Fetcher,
               notes: list[str]) -> pd.DataFrame:
    """Return the municipality table: own, shipped, or from the classification service."""
    if spec.geography == "classifications":
        shipped = table
        table, cls_notes = statfin.from_classifications(
            spec.year, fetcher=f, url=spec.sources.statfin_classifications)
        notes += cls_notes
        diff = geography.differences(table, shipped)
        notes += [f"classification service vs {Path(shipped.attrs['source']).name}: {d}"
                  for d in diff]
    elif spec.municipality_table is None and spec.year not in (2025, 2026):
        notes.append(f"areas from {geography.MUNICIPALITIES_CSV.name} (valid from "
                     f"{geography.VALID_FROM}), not from {spec.year}; give "
                     "geography: classifications or your own municipality_table")
    return table


def _service_points(spec: RegionSpec, f: Fetcher, munis: gpd.GeoDataFrame, own: OwnFiles,
                    said: tuple[list[str], list[str]]) -> gpd.GeoDataFrame:
    """Return the PTV service locations in the region, then the own files' points.

    ``said``: the notes and the attribution lines, added to.
    """
    notes, attribution = said
    outline = munis.union_all()
    frames = []
    for org in spec.ptv:
        pts, ptv_notes = ptv.service_locations(
            org.ptv_id, business_id=org.business_id, organisation=org.organisation,
            org_name=org.name, kind=org.kind, fetcher=f, url=spec.sources.ptv_api)
        inside = _in_region(pts, munis, outline)
        if len(pts) and not inside.all():
            notes.append(f"PTV {org.name or org.organisation}: {int((~inside).sum())} service "
                         "location(s) outside the region left out")
        frames.append(pts[inside.to_numpy()] if len(pts) else pts)
        notes += ptv_notes
    for pf, (pts, rep) in zip(spec.service_points, own.service_points, strict=True):
        notes += rep.lines()
        frames.append(pts)
        attribution.append(f"Service points: own file {pf.path.name}")
    return ptv.merge_points(frames)


def _sites(spec: RegionSpec, f: Fetcher, where: tuple[gpd.GeoDataFrame, BaseGeometry],
           own: OwnFiles, said: tuple[list[str], list[str]]) -> gpd.GeoDataFrame:
    """Return the sites: existing points that can host, OSM host POIs nearby, own sites files.

    ``where``: the service points and the area sites are taken from; ``said``: the notes
    and the attribution lines, added to.
    """
    points, near = where
    notes, attribution = said
    frames = [existing_sites(points)]
    if spec.osm_sites:
        if spec.osm_pbf is not None:
            frames.append(osm.host_sites_from_pbf(spec.osm_pbf, near))
            attribution.append(_pbf_attribution(spec.osm_pbf))
        else:
            frames.append(osm.host_sites_online(near, fetcher=f))
    for sf, (s, rep) in zip(spec.sites, own.sites, strict=True):
        notes += rep.lines()
        frames.append(s)
        attribution.append(f"Sites: own file {sf.path.name}")
    return merge_sites(frames)


def _graphs(spec: RegionSpec, f: Fetcher, near: BaseGeometry, notes: list[str],
            attribution: list[str]) -> dict[str, nx.MultiDiGraph]:
    """Build one network per mode from the local extract, else downloaded (and cached)."""
    graphs = {}
    if spec.network == "none":
        notes.append("no street network built (network: none); travel times need the "
                     "straight-line model")
        return graphs
    for mode in spec.modes:
        if spec.osm_pbf is not None:
            box = list(gpd.GeoSeries([near], crs=CRS).to_crs("EPSG:4326").total_bounds)
            graphs[mode] = network.graph_from_pbf(spec.osm_pbf, mode, bounding_box=box,
                                                  walk_speed_kmh=spec.walk_speed_kmh)
        else:
            graphs[mode] = osm.graph_online(near, mode, fetcher=f,
                                            walk_speed_kmh=spec.walk_speed_kmh)
    if spec.osm_pbf is not None:
        attribution.append(_pbf_attribution(spec.osm_pbf))
    return graphs


def _pbf_attribution(path: Path) -> str:
    return f"{osm.ATTRIBUTION}, {osm.LICENCE} (extract {path.name})"


def _in_region(pts: gpd.GeoDataFrame, munis: gpd.GeoDataFrame, outline: object) -> pd.Series:
    """Tell the points of the chosen municipalities: by PTV municipality code, else location."""
    if len(pts) == 0:
        return pd.Series([], dtype=bool)
    code = pts["municipality_code"].fillna("").astype(str)
    by_code = code.isin(list(munis["code"]))
    return by_code | ((code == "") & pts.geometry.within(outline))

