"""Candidate sites: the one rule that makes host sites of mapped places and existing points.

Every region's candidate sites (``planner.schema.SITE_COLUMNS``) come from three kinds of
source, each turned into sites here and nowhere else:

- existing service points: every office (``planner.schema.OFFICE_KINDS``) and every point
  that can host is a site of its own organisation (:func:`existing_sites`; its agreement is
  ``yes``, :func:`planner.hosts.default_agreement`);
- mapped places (OpenStreetMap POIs, from the demo's extract, a local ``.osm.pbf`` or an
  osmnx download): a POI with one of :data:`HOST_TAGS` is a site of the kind the tag names
  (the first matching tag wins), unless its name is in :data:`EXCLUDED_HOSTS`; a place
  mapped both as a building and as a node is kept once, the building first
  (:func:`host_pois`); its host organisation is told by :func:`planner.hosts.classify_host`
  from kind, name and ``operator``, its agreement is ``to_verify`` (:func:`poi_sites`);
- the planner's own sites files (:mod:`planner.data.files`), already in site columns.

Spare desks, rent and fit-out of a mapped place or an existing point are the illustrative
defaults of :data:`SITE_DEFAULTS` by kind; :func:`merge_sites` puts the parts together
(the first of a repeated ``site_id`` wins).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from planner.hosts import classify_host, default_agreement
from planner.schema import CRS, OFFICE_KINDS, SITE_COLUMNS

#: OSM tags that make a POI a candidate host site, with its kind.
HOST_TAGS: dict[tuple[str, str], str] = {
    ("amenity", "library"): "library",
    ("amenity", "community_centre"): "community_centre",
    ("amenity", "townhall"): "town_hall",
    ("office", "government"): "government_office",
    ("office", "administrative"): "government_office",
    ("amenity", "clinic"): "health_facility",
    ("amenity", "doctors"): "health_facility",
    ("healthcare", "clinic"): "health_facility",
}
#: Mapped places that match the tags but cannot host public customer service, with why.
EXCLUDED_HOSTS: dict[str, str] = {
    "Puolustusministeriö": "defence ministry, closed premises",
    "Pääesikunta": "defence command, closed premises",
    "Euroopan kemikaalivirasto": "EU agency, not a Finnish public service",
    "Hypnoosi- ja luontaisterapeuttia Anneli Rusanen": "private therapist",
    "Elielinaukion röntgen": "imaging unit without customer premises",
}
#: Illustrative capacity and premises figures per kind of host site:
#: (spare desks, rent EUR/m2/year, one-off fit-out EUR).
SITE_DEFAULTS: dict[str, tuple[int, float, float]] = {
    "library": (4, 330.0, 40000.0),
    "community_centre": (2, 300.0, 30000.0),
    "town_hall": (6, 380.0, 40000.0),
    "government_office": (3, 400.0, 50000.0),
    "health_facility": (2, 420.0, 60000.0),
    "office": (0, 400.0, 50000.0),
    "health_station": (0, 420.0, 60000.0),
    "social_office": (0, 380.0, 50000.0),
    "employment_office": (0, 380.0, 50000.0),
}


def osm_tags() -> dict[str, list[str]]:
    """Return :data:`HOST_TAGS` as OSM key -> values (the form osmnx and pyrosm take).

    Returns
    -------
    dict of str to list of str
        Keys in the order of :data:`HOST_TAGS` (``amenity``, ``office``, ``healthcare``).
    """
    tags: dict[str, list[str]] = {}
    for key, value in HOST_TAGS:
        tags.setdefault(key, []).append(value)
    return tags


def empty_sites() -> gpd.GeoDataFrame:
    """Return a site table without rows (``planner.schema.SITE_COLUMNS``, EPSG:3067)."""
    return gpd.GeoDataFrame({c: [] for c in SITE_COLUMNS}, geometry=[], crs=CRS)


def host_pois(pois: gpd.GeoDataFrame, polygon: BaseGeometry | None = None
              ) -> gpd.GeoDataFrame:
    """Return the mapped places that can host, one point per named place, with their kind.

    Parameters
    ----------
    pois : geopandas.GeoDataFrame
        OSM features with ``id``, ``osm_type``, ``name`` and their tag columns (any CRS).
    polygon : shapely geometry, optional
        Keep only places inside it (EPSG:3067), before repeated names are dropped.

    Returns
    -------
    geopandas.GeoDataFrame
        The features (EPSG:3067, geometry their representative point) with a ``kind``
        from :data:`HOST_TAGS`, named and not in :data:`EXCLUDED_HOSTS`; of several
        features of one name the first way (then the lowest id). Possibly empty.
    """
    pois = pois.to_crs(CRS)
    tagged = [pois[k].eq(v).to_numpy() if k in pois.columns else np.zeros(len(pois), bool)
              for k, v in HOST_TAGS]  # first matching tag wins
    pois = pois.assign(kind=np.select(tagged, list(HOST_TAGS.values()), default=""))
    pois = pois[(pois["kind"] != "") & pois["name"].notna()
                & ~pois["name"].isin(list(EXCLUDED_HOSTS))].copy()
    pois["geometry"] = pois.geometry.representative_point()
    if polygon is not None:
        pois = pois[pois.geometry.within(polygon)]
    # the same place mapped as a node and as a building: keep one (ways first, then by id)
    pois = pois.assign(_rank=(pois["osm_type"] != "way").astype(int))
    pois = pois.sort_values(["name", "_rank", "id"]).drop_duplicates("name")
    return pois.drop(columns="_rank")


def poi_sites(pois: gpd.GeoDataFrame, source: str = "osm") -> gpd.GeoDataFrame:
    """Return candidate host sites of mapped places, in the order given.

    Parameters
    ----------
    pois : geopandas.GeoDataFrame
        Output of :func:`host_pois` (``id``, ``osm_type``, ``name``, ``kind``, optional
        ``operator``).
    source : str
        Value of the ``source`` column.

    Returns
    -------
    geopandas.GeoDataFrame
        ``planner.schema.SITE_COLUMNS`` in EPSG:3067, ``site_id`` ``osm-<type>-<id>``;
        desks, rent and fit-out from :data:`SITE_DEFAULTS`, the host by
        :func:`planner.hosts.classify_host` (kind, name, ``operator``), the agreement
        ``to_verify``.
    """
    rows = []
    for p in pois.itertuples():
        spare, rent, fitout = SITE_DEFAULTS[p.kind]
        host = classify_host(p.kind, p.name, getattr(p, "operator", None))
        rows.append({"site_id": f"osm-{p.osm_type}-{p.id}", "name": p.name, "kind": p.kind,
                     "host_org": host, "host_agreement": default_agreement(existing=False),
                     "spare_desks": spare, "rent_eur_m2_year": rent, "fitout_eur": fitout,
                     "existing_point_id": "", "source": source, "geometry": p.geometry})
    if not rows:
        return empty_sites()
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def existing_sites(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return every existing office or point that can host, as a candidate site.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Service points (``planner.schema.SERVICE_POINT_COLUMNS``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``planner.schema.SITE_COLUMNS``, in the points' order; ``existing_point_id`` links
        back to the point, rent and fit-out from :data:`SITE_DEFAULTS` by kind (an office's
        for a kind it lacks), ``host_agreement`` ``yes`` (the organisation's own premises,
        :func:`planner.hosts.default_agreement`).
    """
    keep = points[points["can_host"].astype(bool) | points["kind"].isin(OFFICE_KINDS)]
    defaults = pd.DataFrame([SITE_DEFAULTS.get(k, SITE_DEFAULTS["office"])
                             for k in keep["kind"]],
                            columns=["_spare", "rent_eur_m2_year", "fitout_eur"])
    return gpd.GeoDataFrame({
        "site_id": keep["point_id"].to_numpy(), "name": keep["name"].to_numpy(),
        "kind": keep["kind"].to_numpy(), "host_org": keep["organisation"].to_numpy(),
        "host_agreement": default_agreement(existing=True),
        "spare_desks": keep["spare_desks"].astype(int).to_numpy(),
        "rent_eur_m2_year": defaults["rent_eur_m2_year"].to_numpy(),
        "fitout_eur": defaults["fitout_eur"].to_numpy(),
        "existing_point_id": keep["point_id"].to_numpy(), "source": keep["source"].to_numpy(),
    }, geometry=keep.geometry.to_numpy(), crs=CRS)


def merge_sites(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Return one site table of several, in order; the first of a repeated id wins.

    Parameters
    ----------
    frames : list of geopandas.GeoDataFrame
        Site tables (at least ``planner.schema.SITE_COLUMNS`` and geometry, EPSG:3067).

    Returns
    -------
    geopandas.GeoDataFrame
        ``SITE_COLUMNS`` and geometry, index 0..n-1.
    """
    frames = [fr[[*SITE_COLUMNS, "geometry"]] for fr in frames if len(fr)]
    if not frames:
        return empty_sites()
    out = pd.concat(frames, ignore_index=True)
    out = out[~out["site_id"].duplicated()].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=CRS)
