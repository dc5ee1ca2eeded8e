"""The region's own files, read and checked before anything is downloaded or computed.

A region spec names local files beside its downloads: service points, sites, demand, the
municipality and employment-area tables and an OSM extract. :func:`read_own_files` reads
every one of them first (the tables whole, through :func:`planner.data.files.read_layer`;
the extract's header), so that a missing, unreadable or wrongly formatted file stops the
run with one line naming it, before a download that would fail offline or a long
computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner.data import files, geography, statfin
from planner.data.spec import PlannerFile, RegionSpec
from planner.errors import InputError

#: An OSM PBF file starts with a 4-byte header length and the header blob's type.
PBF_HEADER = b"OSMHeader"


@dataclass
class OwnFiles:
    """The region's own files, read.

    Attributes
    ----------
    service_points, sites : list of (GeoDataFrame, ImportReport)
        In the spec's order.
    demand : (GeoDataFrame, ImportReport) or None
    table : pandas.DataFrame
        The municipality table (own or shipped; :func:`planner.data.geography.load_table`).
    employment : pandas.DataFrame or None
        The own employment-area table (:func:`planner.data.statfin.employment_areas`).
    """

    service_points: list[tuple[gpd.GeoDataFrame, files.ImportReport]] = field(
        default_factory=list)
    sites: list[tuple[gpd.GeoDataFrame, files.ImportReport]] = field(default_factory=list)
    demand: tuple[gpd.GeoDataFrame, files.ImportReport] | None = None
    table: pd.DataFrame | None = None
    employment: pd.DataFrame | None = None


def _read(pf: PlannerFile, layer: files.Layer
          ) -> tuple[gpd.GeoDataFrame, files.ImportReport]:
    return files.read_layer(pf.path, layer, crs=pf.crs, sheet=pf.sheet, gpkg_layer=pf.layer)


def check_pbf(path: Path) -> None:
    """Refuse an OSM extract that is missing, unreadable or not in the PBF format.

    Raises
    ------
    InputError
        ``<path>: ...; check osm_pbf in the region spec``.
    """
    if not path.is_file():
        raise InputError(f"{path}: no such file; check osm_pbf in the region spec")
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the OSM extract ({exc.strerror}); check "
                         "osm_pbf in the region spec") from None
    if PBF_HEADER not in head[:32]:
        raise InputError(f"{path}: not an OSM PBF extract (no OSMHeader at its start); give "
                         "an .osm.pbf file (e.g. from download.geofabrik.de) as osm_pbf")


def read_own_files(spec: RegionSpec) -> OwnFiles:
    """Read and check every local file a region spec names, before any download.

    Parameters
    ----------
    spec : RegionSpec
        With paths resolved (:meth:`RegionSpec.resolve_paths`).

    Returns
    -------
    OwnFiles

    Raises
    ------
    InputError
        One line naming the first file that is missing, unreadable or malformed.
    """
    own = OwnFiles()
    if spec.osm_pbf is not None and (spec.osm_sites or spec.network == "osm"):
        check_pbf(spec.osm_pbf)
    own.table = geography.load_table(spec.municipality_table)
    if spec.employment_areas is not None:
        own.employment = statfin.employment_areas(spec.employment_areas)
    own.service_points = [_read(pf, "service_points") for pf in spec.service_points]
    own.sites = [_read(sf, "sites") for sf in spec.sites]
    if spec.demand is not None:
        own.demand = _read(spec.demand, "demand")
    return own
