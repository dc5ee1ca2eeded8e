"""The ``Region``: the validated data of one planning area."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx

from planner import schema
from planner.errors import InputError


@dataclass
class Region:
    """All input layers of one planning area, in EPSG:3067.

    Attributes
    ----------
    name : str
        Human-readable name of the region.
    service_points : geopandas.GeoDataFrame
        Existing service points (see ``planner.schema.SERVICE_POINT_COLUMNS``).
    sites : geopandas.GeoDataFrame
        Candidate sites (``planner.schema.SITE_COLUMNS``); every existing point that can
        host or is an office is also a site, linked by ``existing_point_id``.
    demand : geopandas.GeoDataFrame
        Demand points with residents by age group (``planner.schema.DEMAND_COLUMNS``).
    graphs : dict of str to networkx.MultiDiGraph
        Travel networks by mode (``"walk"``, ``"drive"``), osmnx-compatible, projected to
        EPSG:3067, with ``travel_time`` (seconds) on every edge.
    boundary : geopandas.GeoDataFrame
        The region's outline (one or more polygons).
    attribution : list of str
        Data sources and licences, shown in map footers and reports.
    notes : list of str
        What building the region assumed or did (e.g. "used the local cache ...").
    from_cache : bool
        True when any downloaded payload came from the local cache.
    sources : list of dict
        Each payload's source URL, fetch time, licence and cache path.
    geography : list of str
        What a planner checks first of the areas (municipalities per county and per
        employment area, population per area; :func:`planner.data.geography.summary_lines`),
        for a region built from a region spec.
    """

    name: str
    service_points: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    graphs: dict[str, nx.MultiDiGraph] = field(default_factory=dict)
    boundary: gpd.GeoDataFrame | None = None
    attribution: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    from_cache: bool = False
    sources: list[dict] = field(default_factory=list)
    geography: list[str] = field(default_factory=list)

    def validate(self) -> Region:
        """Check every layer against its column contract; return ``self``."""
        schema.validate(self.service_points, schema.SERVICE_POINT_COLUMNS, "point_id",
                        f"{self.name}: service points")
        schema.validate(self.sites, schema.SITE_COLUMNS, "site_id", f"{self.name}: sites")
        schema.validate(self.demand, ("demand_id", "population", *schema.AGE_GROUPS),
                        "demand_id", f"{self.name}: demand")
        residents = float(self.demand["population"].sum())
        if not residents > 0:  # also NaN
            raise InputError(f"{self.name}: the region has no residents: {len(self.demand)} "
                             f"demand point(s) with {residents:g} residents in all; "
                             "give the population of the demand points, or check the "
                             "municipalities and the grid year")
        return self
