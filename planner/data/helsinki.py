"""The demo region: inner Helsinki as it is, from the files of ``planner/resources/helsinki``.

Real data (see ``planner/resources/helsinki/README.md`` for each file's source and licence):

- residents: every populated cell of HSY's 250 m population grid 2019 in the area of HSL's
  inner-city timetable (876 cells, 355,972 residents; :mod:`planner.data.hsy2019` handles
  the 99 suppression code of 200 cells; the grid's sea cell 27699 with 37,192 residents
  without a location lies outside the area and is left out);
- the OpenStreetMap extract of southern Helsinki (2024): its walking network, its
  residential buildings (a cell whose centre lies inside the extract has its residents
  placed at its residential buildings by floor area; every other cell is one demand point
  at its centre) and the partners' premises mapped in it (libraries, youth houses, the city
  hall);
- today's offices: Kela, the City of Helsinki, its social and health services (the health
  stations open in 2019) and its employment services, with names and places from OSM (or
  the 2019 list of health stations), in ``service_points.csv``. Their floor areas, staff,
  rents, costs and recorded visits are illustrative round figures, labelled so;
- Statistics Finland's Paavo postal code areas (2025): the areas of the access standards.

The walking network takes about 15 s to build from the extract, so it is kept in the
user's cache (:func:`walk_graph`), keyed by the extract's content and the walking speed.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import warnings
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyrosm
import shapely
from shapely.geometry.base import BaseGeometry

from planner import network
from planner._io import atomic_write
from planner.data import hsy2019
from planner.data.demo import residential_buildings
from planner.data.sites import existing_sites, host_pois, merge_sites, osm_tags, poi_sites
from planner.errors import InputError
from planner.network.cache import user_cache_dir
from planner.region import Region
from planner.schema import AGE_GROUPS, CRS

PBF_FILE = "helsinki_south_2024-08-15.osm.pbf"
POINTS_FILE = "service_points.csv"
#: The name of the region (``region:`` of a scenario).
NAME = "Inner Helsinki"
COUNTY = "Helsingin kaupunki"
EMPLOYMENT_AREA = "Helsinki"
#: Where HSL's feed runs: the bounding box of its stops (lon, lat), the demo's area.
FEED_AREA = (24.851, 60.150, 25.000, 60.250)
#: Partners' premises in the extract that the host rule does not tell (no operator tag):
#: the city's library and youth house, with their host.
CITY_PREMISES = {"Jätkäsaaren infokeskus ja kirjasto": "municipality",
                 "Ruoholahden nuorisotalo Koralli": "municipality"}
#: Kinds of mapped place that are premises for customer service (a foot-care unit or a
#: ministry is not).
HOST_KINDS = ("library", "community_centre", "town_hall", "health_facility")
#: Bump when the cached walking network's content changes for the same inputs.
GRAPH_CACHE_VERSION = 1
ATTRIBUTION = [
    "Streets, buildings and places: © OpenStreetMap contributors, ODbL 1.0 (southern "
    "Helsinki extract, 2024-08-15)",
    hsy2019.ATTRIBUTION,
    hsy2019.POSTAL_ATTRIBUTION,
    "Health stations open in 2019: lavaste/health_station_closures (MIT), places "
    "© OpenStreetMap contributors",
    "Floor areas, staff, rents, costs and recorded visits of every office: illustrative "
    "round figures, not data of Kela or the City of Helsinki",
]


@functools.cache
def _osm() -> pyrosm.OSM:
    return pyrosm.OSM(str(hsy2019.resource(PBF_FILE)))


def graph_cache_dir() -> Path:
    """Return the folder of cached networks (``$PLANNER_CACHE_DIR/networks`` or the user's)."""
    return user_cache_dir("networks")


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def walk_graph(walk_speed_kmh: float = network.WALK_SPEED_KMH,
               cache: bool = True) -> nx.MultiDiGraph:
    """Build the extract's walking network, or read it from the user's cache.

    Parameters
    ----------
    walk_speed_kmh : float
        Walking speed of the ``travel_time`` weights.
    cache : bool
        Read and write ``graph_cache_dir()/walk-<key>.pickle``, the key a SHA-256 of the
        extract's bytes, the speed and :data:`GRAPH_CACHE_VERSION` (a changed input gives
        a new file; about 15 s to build, 3 s to read). ``graph.graph["cache_key"]`` holds
        that key (the public transport matrices on this graph are cached under it,
        :mod:`planner.network.transit_cache`).

    Returns
    -------
    networkx.MultiDiGraph
        :func:`planner.network.graph_from_pbf`: every node kept, EPSG:3067, pedestrian
        squares linked across.
    """
    pbf = hsy2019.resource(PBF_FILE)
    key = hashlib.sha256(f"{_file_digest(pbf)}|{walk_speed_kmh!r}|"
                         f"{GRAPH_CACHE_VERSION}".encode()).hexdigest()[:32]
    path = graph_cache_dir() / f"walk-{key}.pickle"
    if cache and path.is_file():
        try:
            with path.open("rb") as f:
                graph = pickle.load(f)  # our own file in the user's cache
            if isinstance(graph, nx.MultiDiGraph) and graph.graph.get("cache_key"):
                return graph
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            pass  # a damaged cache file is rebuilt
    graph = network.graph_from_pbf(pbf, "walk", walk_speed_kmh=walk_speed_kmh)
    # the key of its inputs: matrices cached on this graph are keyed by it
    graph.graph["cache_key"] = f"helsinki-walk-{key}"
    if cache:
        atomic_write(path, lambda tmp: tmp.write_bytes(pickle.dumps(graph, protocol=5)))
    return graph


def service_points(csv: Path | None = None) -> gpd.GeoDataFrame:
    """Load today's offices and the partners' premises that can host.

    Parameters
    ----------
    csv : pathlib.Path, optional
        Default: the shipped ``service_points.csv``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``planner.schema.SERVICE_POINT_COLUMNS`` (plus ``osm_id``) in EPSG:3067.
    """
    csv = csv or hsy2019.resource(POINTS_FILE)
    table = pd.read_csv(csv, dtype={"lease_end": "string", "osm_id": "string"})
    if table[["lon", "lat"]].isna().any(axis=None):
        bad = table.loc[table[["lon", "lat"]].isna().any(axis=1), "point_id"].iloc[0]
        raise InputError(f"{csv}: row {bad!r} has no lon/lat; give the point's place")
    table["services"] = table["services"].fillna("").str.split(";")
    table["lease_end"] = table["lease_end"].fillna("")
    table["osm_id"] = table["osm_id"].fillna("")
    table["can_host"] = table["can_host"].astype(bool)
    geom = gpd.points_from_xy(table["lon"], table["lat"], crs="EPSG:4326").to_crs(CRS)
    return gpd.GeoDataFrame(table.drop(columns=["lon", "lat"]), geometry=geom, crs=CRS)


def _pois() -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pois = _osm().get_pois(custom_filter={k: True for k in sorted(osm_tags())})
    return host_pois(pois).sort_values("id").reset_index(drop=True)


def sites(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the candidate sites: today's offices and partners' premises, then the extract's.

    The extract's mapped places count when a partner runs them (the host rule of
    :func:`planner.hosts.classify_host`, or :data:`CITY_PREMISES`) and they are premises
    for customer service (:data:`HOST_KINDS`); a place that is one of the points (same
    OSM id or name) is not repeated.
    """
    pois = _pois()
    sites_ = poi_sites(pois)
    sites_["host_org"] = [CITY_PREMISES.get(n, h) for n, h in
                          zip(sites_["name"], sites_["host_org"], strict=True)]
    ids = {f"osm-{i.replace('/', '-')}" for i in points["osm_id"] if i}
    keep = ((sites_["host_org"] != "other") & sites_["kind"].isin(HOST_KINDS)
            & ~sites_["site_id"].isin(ids) & ~sites_["name"].isin(set(points["name"])))
    # a foot-care unit is no customer-service premises
    keep &= ~sites_["name"].str.contains("jalka", case=False)
    return merge_sites([existing_sites(points), sites_[keep]])


def extract_outline(graph: nx.MultiDiGraph | None = None) -> BaseGeometry:
    """Return the outline of the street extract: the convex hull of its walking network."""
    if graph is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nodes, _ = _osm().get_network(network_type="walking", nodes=True)
        return gpd.GeoSeries(nodes.geometry, crs="EPSG:4326").to_crs(CRS).union_all(
        ).convex_hull
    x, y = network.node_xy(graph)
    return shapely.MultiPoint(np.column_stack([x, y])).convex_hull


def demand(cells: gpd.GeoDataFrame, outline: BaseGeometry) -> gpd.GeoDataFrame:
    """Place each cell's residents: at its residential buildings inside the extract, else at it.

    One demand point per populated cell (the grid's own resolution; 876 points keep the
    model small). A cell whose centre lies in the extract's outline and that has
    residential buildings is placed at the centre of their floor area (the floor-weighted
    mean of the buildings' points, so on the side of the cell where its residents live);
    any other cell at its centre.

    Parameters
    ----------
    cells : geopandas.GeoDataFrame
        :func:`planner.data.hsy2019.read_cells`.
    outline : shapely geometry
        The street extract's outline (EPSG:3067).

    Returns
    -------
    geopandas.GeoDataFrame
        ``planner.schema.DEMAND_COLUMNS`` in EPSG:3067 (``demand_id`` ``hsy-<cell>``;
        residents and ages the cell's, not rounded, so they add up to the grid) plus
        ``cell``, ``postcode``, ``placed`` (``buildings`` or ``cell``) and ``buildings``
        (how many residential buildings placed it).
    """
    cells = cells.to_crs(CRS).reset_index(drop=True)
    centre = cells.geometry.centroid
    inside = centre.within(outline).to_numpy()
    bld = residential_buildings(_osm())
    pts = gpd.GeoDataFrame({"floor_m2": bld["floor_m2"].to_numpy(dtype=float)},
                           geometry=bld.geometry.representative_point().to_numpy(), crs=CRS)
    hit = gpd.sjoin(pts, cells[inside][["geometry"]], predicate="within", how="inner")
    hit = hit[hit["floor_m2"] > 0]
    w = hit["floor_m2"].to_numpy()
    grp = hit.groupby("index_right")
    wsum = grp["floor_m2"].sum()
    x = pd.Series(hit.geometry.x.to_numpy() * w, index=hit["index_right"]).groupby(
        level=0).sum() / wsum
    y = pd.Series(hit.geometry.y.to_numpy() * w, index=hit["index_right"]).groupby(
        level=0).sum() / wsum
    px, py = centre.x.to_numpy().copy(), centre.y.to_numpy().copy()
    placed = np.full(len(cells), "cell", dtype=object)
    px[x.index.to_numpy()], py[y.index.to_numpy()] = x.to_numpy(), y.to_numpy()
    placed[x.index.to_numpy()] = "buildings"
    count = grp.size().reindex(pd.RangeIndex(len(cells)), fill_value=0).to_numpy()
    codes, _ = hsy2019.postal_codes(gpd.GeoSeries(centre.to_numpy(), crs=CRS))
    names = hsy2019.postal_areas().set_index("posti_alue")["area"]
    data: dict[str, object] = {"demand_id": [f"hsy-{c}" for c in cells["cell"]],
                               "population": cells["population"].to_numpy()}
    data |= {g: cells[g].to_numpy() for g in AGE_GROUPS}
    data |= {"municipality": names.reindex(codes).to_numpy(), "county": COUNTY,
             "employment_area": EMPLOYMENT_AREA, "cell": cells["cell"].to_numpy(),
             "postcode": codes, "placed": placed.astype(str), "buildings": count}
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(px, py), crs=CRS)


def boundary_layer(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the region's boundary: its postal code areas, then its populated cells.

    The postal areas (Paavo 2025, the real polygons) holding residents are the areas the
    map colours by the share within the standard (the boundary dissolved by
    ``municipality``: a postal polygon with its cells, which add a little water by the
    shore); the cells (``hsy_cell``, ``residents``) are the squares the map draws the
    residents as (:func:`planner.maps.residents.population_cells`).
    """
    cells = cells.to_crs(CRS)
    codes, _ = hsy2019.postal_codes(gpd.GeoSeries(cells.geometry.centroid, crs=CRS))
    post = hsy2019.postal_areas()
    post = post[post["posti_alue"].isin(set(codes))]
    names = post.set_index("posti_alue")["area"]
    common = {"county": COUNTY, "employment_area": EMPLOYMENT_AREA}
    areas = gpd.GeoDataFrame(
        {"name": post["area"].to_numpy(), "municipality": post["area"].to_numpy(), **common,
         "hsy_cell": -1, "residents": np.nan}, geometry=post.geometry.to_numpy(), crs=CRS)
    squares = gpd.GeoDataFrame(
        {"name": [f"HSY cell {c}" for c in cells["cell"]],
         "municipality": names.reindex(codes).to_numpy(), **common,
         "hsy_cell": cells["cell"].to_numpy(), "residents": cells["population"].to_numpy()},
        geometry=cells.geometry.to_numpy(), crs=CRS)
    return gpd.GeoDataFrame(pd.concat([areas, squares], ignore_index=True),
                            geometry="geometry", crs=CRS)


def _notes(cells: gpd.GeoDataFrame, dem: gpd.GeoDataFrame) -> list[str]:
    sup = cells["suppressed"]
    shares = hsy2019.age_shares(cells)
    at_b = dem["placed"] == "buildings"
    return [
        f"Residents: HSY 250 m population grid 2019 (CC BY 4.0): the {len(cells)} populated "
        f"cells in the area of HSL's inner-city timetable, {cells['population'].sum():,.0f} "
        f"residents; in {int(sup.sum())} cells ({cells.loc[sup, 'population'].sum():,.0f} "
        "residents) every age group is the suppression code 99, so their residents are "
        "split by the other cells' shares ("
        + " / ".join(f"{100 * shares[g]:.1f} %" for g in AGE_GROUPS)
        + f" aged 0-14 / 15-64 / 65+); the grid's cell {hsy2019.SEA_CELL} in the sea "
        f"({hsy2019.SEA_CELL_RESIDENTS:,} residents without a location) is left out",
        f"Demand points: one per cell; {int(at_b.sum())} cells inside the street extract "
        f"({dem.loc[at_b, 'population'].sum():,.0f} residents) placed at the centre of the "
        f"floor area of their {int(dem['buildings'].sum()):,} residential buildings, the "
        f"other {int((~at_b).sum())} at the cell's centre",
        f"Areas: Paavo postal code areas 2025 ({dem['municipality'].nunique()} with "
        f"residents; a cell belongs to the area holding its centre, or the nearest by the "
        "shore); county and employment area: Helsinki",
    ]


def build_region(modes: tuple[str, ...] = ("walk",),
                 walk_speed_kmh: float = network.WALK_SPEED_KMH) -> Region:
    """Build the inner-Helsinki demo region.

    Parameters
    ----------
    modes : tuple of str
        Travel networks to build: ``"walk"`` (the extract's; the only one there is) or
        none. ``"transit"`` needs the walking network too (walks to and from stops).
    walk_speed_kmh : float

    Returns
    -------
    Region
        Validated; ``boundary`` is :func:`boundary_layer`.
    """
    unknown = set(modes) - {"walk", "transit"}
    if unknown:
        raise InputError(f"travel mode {sorted(unknown)[0]!r} is not available in the "
                         "Helsinki demo; use walk or transit")
    graphs = {"walk": walk_graph(walk_speed_kmh)} if modes else {}
    outline = extract_outline(graphs.get("walk"))
    cells = hsy2019.read_cells()
    dem = demand(cells, outline)
    points = service_points()
    region = Region(name=f"{NAME} (demo)", service_points=points, sites=sites(points),
                    demand=dem, graphs=graphs, boundary=boundary_layer(cells),
                    attribution=list(ATTRIBUTION), notes=_notes(cells, dem))
    return region.validate()
