"""OpenStreetMap for a real region: candidate host sites and travel networks.

Host sites are the POIs a service could move into: libraries, town halls, community
centres, government offices and health facilities (the tags of
:data:`planner.data.sites.HOST_TAGS`). They are read from a local ``.osm.pbf`` with pyrosm
or downloaded with osmnx (``features_from_polygon``, Overpass) and kept in the disk cache,
so that a later run works offline. Networks come from :mod:`planner.network`; a downloaded
network is cached here as GraphML.

Licence: © OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pandas as pd
from shapely.geometry.base import BaseGeometry

from planner import network
from planner.data.cache import Fetcher
from planner.data.sites import empty_sites, host_pois, osm_tags, poi_sites
from planner.errors import InputError
from planner.hosts import default_agreement
from planner.schema import CRS, SITE_COLUMNS

LICENCE = "ODbL 1.0"
ATTRIBUTION = "© OpenStreetMap contributors"


def host_sites(pois: gpd.GeoDataFrame, polygon: BaseGeometry | None = None,
               source: str = "osm") -> gpd.GeoDataFrame:
    """Map OSM features to candidate host sites.

    Parameters
    ----------
    pois : geopandas.GeoDataFrame
        Features from pyrosm (``id``, ``osm_type`` columns) or osmnx (index ``element``,
        ``id``), with their tag columns.
    polygon : shapely geometry, optional
        Keep only sites inside it (EPSG:3067).
    source : str
        Value of the ``source`` column.

    Returns
    -------
    geopandas.GeoDataFrame
        ``planner.schema.SITE_COLUMNS`` in EPSG:3067, one point per named place (a place
        mapped both as a building and as a node is kept once, the building first), sorted
        by ``site_id``: the rule of :mod:`planner.data.sites`
        (:func:`~planner.data.sites.host_pois`, :func:`~planner.data.sites.poi_sites`).
    """
    if isinstance(pois.index, pd.MultiIndex):
        pois = pois.reset_index()
        pois = pois.rename(columns={"element": "osm_type", "element_type": "osm_type"})
    if len(pois) == 0 or "name" not in pois.columns:
        return empty_sites()
    found = host_pois(pois, polygon)
    if len(found) == 0:
        return empty_sites()
    return poi_sites(found, source).sort_values("site_id").reset_index(drop=True)


def _to_lonlat(polygon: BaseGeometry) -> BaseGeometry:
    return gpd.GeoSeries([polygon], crs=CRS).to_crs("EPSG:4326").iloc[0]


def host_sites_from_pbf(path: str | Path, polygon: BaseGeometry) -> gpd.GeoDataFrame:
    """Read the candidate host sites inside a polygon from a local ``.osm.pbf`` (pyrosm).

    Parameters
    ----------
    path : str or pathlib.Path
        The extract, e.g. Geofabrik's ``finland-latest.osm.pbf``.
    polygon : shapely geometry
        The region in EPSG:3067.

    Returns
    -------
    geopandas.GeoDataFrame
        See :func:`host_sites`.
    """
    import pyrosm

    if not Path(path).is_file():
        raise InputError(f"OSM file {path} does not exist; check osm_pbf in the region spec")
    osm = pyrosm.OSM(str(path), bounding_box=_to_lonlat(polygon.envelope))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pois = osm.get_pois(custom_filter={k: True for k in osm_tags()})
    if pois is None:
        return empty_sites()
    return host_sites(pois, polygon)


def host_sites_online(polygon: BaseGeometry, fetcher: Fetcher | None = None
                      ) -> gpd.GeoDataFrame:
    """Download the candidate host sites inside a polygon with osmnx, through the cache.

    Parameters
    ----------
    polygon : shapely geometry
        The region in EPSG:3067.
    fetcher : Fetcher, optional
        Cache settings; offline, the cached download is used or the call fails.

    Returns
    -------
    geopandas.GeoDataFrame
        See :func:`host_sites`.
    """
    f = fetcher if fetcher is not None else Fetcher()
    lonlat = _to_lonlat(polygon)
    key = f"osmnx:features_from_polygon?tags={osm_tags()}&polygon={lonlat.wkt}"

    def download(tmp: Path) -> None:
        feats = ox.features_from_polygon(lonlat, tags=osm_tags())
        sites = host_sites(feats, polygon)
        sites.to_file(tmp, driver="GeoJSON")

    rec = f.get_file(key, download, suffix=".geojson", licence=LICENCE,
                     attribution=ATTRIBUTION)
    sites = gpd.read_file(rec.path)
    if len(sites) == 0:
        return empty_sites()
    sites = sites.set_crs(CRS, allow_override=True)
    for col in ("existing_point_id", "source"):
        sites[col] = sites[col].fillna("").astype(str)
    if "host_agreement" not in sites.columns:  # cached before sites had agreements
        sites["host_agreement"] = default_agreement(existing=False)
    return sites[[*SITE_COLUMNS, "geometry"]]


def graph_online(polygon: BaseGeometry, mode: str, fetcher: Fetcher | None = None,
                 **prepare_kw: object) -> nx.MultiDiGraph:
    """Return a mode's network inside a polygon, downloaded once (osmnx), cached as GraphML.

    Parameters
    ----------
    polygon : shapely geometry
        The region in EPSG:3067.
    mode : {"walk", "drive", "bike"}
    fetcher : Fetcher, optional
    **prepare_kw
        Passed to :func:`planner.network.prepare_graph` (``walk_speed_kmh``).

    Returns
    -------
    networkx.MultiDiGraph
        Prepared (EPSG:3067, ``travel_time`` on every edge); a walk graph has its
        pedestrian squares as links (downloaded and cached the same way), and
        ``graph.graph["quality"]`` its measures.
    """
    f = fetcher if fetcher is not None else Fetcher()
    key = f"osmnx:graph_from_polygon?mode={mode}&polygon={_to_lonlat(polygon).wkt}"

    def download(tmp: Path) -> None:
        raw = network.graph_from_polygon(polygon, mode, crs=CRS, prepare=False)
        ox.save_graphml(raw, tmp)

    rec = f.get_file(key, download, suffix=".graphml", licence=LICENCE,
                     attribution=ATTRIBUTION)

    def areas() -> gpd.GeoSeries:  # walk graphs: the squares, downloaded once too
        def fetch(tmp: Path) -> None:
            found = network.areas.areas_from_polygon(_to_lonlat(polygon))
            gpd.GeoDataFrame(geometry=found).to_file(tmp, driver="GeoJSON")

        got = f.get_file(f"osmnx:walk_areas?polygon={_to_lonlat(polygon).wkt}", fetch,
                         suffix=".geojson", licence=LICENCE, attribution=ATTRIBUTION)
        return gpd.read_file(got.path).geometry

    return network.finish_graph(ox.load_graphml(rec.path), mode, prepare=True, areas=areas,
                                **prepare_kw)


def pbf_to_xml(pbf: str | Path, out: str | Path) -> Path:
    """Write a ``.osm.pbf`` extract as OSM XML that osmnx can read (needs ``osmium``).

    An extract cut by a bounding box keeps ways whose nodes lie partly outside it; osmnx
    refuses such ways (``Some edges missing nodes``). Each is kept as its longest run of
    nodes inside the extract (pyrosm drops the missing nodes in the same way), and dropped
    if fewer than two remain.

    Parameters
    ----------
    pbf : str or pathlib.Path
        The extract, e.g. ``pyrosm.get_data("helsinki_pbf")``.
    out : str or pathlib.Path
        The XML file to write (replaced if it exists).

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    import osmium

    out = Path(out)
    out.unlink(missing_ok=True)
    have = {n.id for n in osmium.FileProcessor(str(pbf), osmium.osm.NODE)}
    with osmium.SimpleWriter(str(out)) as writer:
        for obj in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY):
            if obj.is_way():
                refs = [n.ref for n in obj.nodes]
                run = _longest_run(refs, have)
                if len(run) < 2:
                    continue
                if len(run) < len(refs):
                    writer.add(obj.replace(nodes=run))
                    continue
            writer.add(obj)
    return out


def _longest_run(refs: list[int], have: set[int]) -> list[int]:
    """Return the longest stretch of consecutive ``refs`` that are all in ``have``."""
    best: list[int] = []
    current: list[int] = []
    for r in refs:
        if r in have:
            current.append(r)
            if len(current) > len(best):
                best = list(current)
        else:
            current = []
    return best
