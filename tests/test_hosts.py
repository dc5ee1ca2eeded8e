"""Who may host (``planner.hosts``): agreements, usable hosts, the host classifier.

Also the ``host_agreement`` column of the demo's sites, own site files and the schema.

Expected values are written out by hand from the rules in ``planner.hosts``' docstrings.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from planner import schema
from planner.data import files
from planner.data.demo import demo_service_points, demo_sites
from planner.errors import InputError
from planner.hosts import (
    AGREEMENTS,
    PARTNERS,
    classify_host,
    default_agreement,
    usable_hosts,
)


def test_constants() -> None:
    assert PARTNERS == ("kela", "municipality", "county", "employment")
    assert AGREEMENTS == ("yes", "to_verify", "no")
    assert schema.SITE_COLUMNS[3:5] == ("host_org", "host_agreement")


# ------------------------------------------------------------------ default_agreement
@pytest.mark.parametrize(("host_org", "existing", "expected"), [
    ("kela", True, "yes"),  # Kela's own office
    ("county", True, "yes"),  # the county's own health station
    ("other", True, "yes"),  # an existing point of a non-partner is still its own premises
    ("municipality", False, "to_verify"),  # a library found in OSM
    ("county", False, "to_verify"),
    ("employment", False, "to_verify"),
    ("other", False, "to_verify"),  # a ministry or private clinic: a suggestion only
])
def test_default_agreement(host_org: str, existing: bool, expected: str) -> None:
    assert default_agreement(existing) == expected  # whoever the host


# ------------------------------------------------------------------ usable_hosts
#: (host_org, agreement) -> (usable by default, usable with suggestions)
TRUTH = {
    ("kela", "yes"): (True, True),
    ("kela", "to_verify"): (True, True),
    ("kela", "no"): (False, False),
    ("municipality", "yes"): (True, True),
    ("municipality", "to_verify"): (True, True),
    ("municipality", "no"): (False, False),
    ("county", "yes"): (True, True),
    ("county", "to_verify"): (True, True),
    ("county", "no"): (False, False),
    ("employment", "yes"): (True, True),
    ("employment", "to_verify"): (True, True),
    ("employment", "no"): (False, False),
    ("other", "yes"): (True, True),  # a non-partner that has agreed
    ("other", "to_verify"): (False, True),  # a suggestion: off by default
    ("other", "no"): (False, False),
    ("city", "to_verify"): (False, True),  # not a partner key: treated as a non-partner
}


def test_usable_hosts_truth_table() -> None:
    orgs = [o for o, _ in TRUTH]
    agreements = [a for _, a in TRUTH]
    default = [d for d, _ in TRUTH.values()]
    suggested = [s for _, s in TRUTH.values()]
    got = usable_hosts(np.array(orgs, dtype=object), np.array(agreements, dtype=object))
    assert got.dtype == bool
    assert got.tolist() == default
    assert usable_hosts(orgs, agreements, suggestions=True).tolist() == suggested


def test_usable_hosts_is_positional_for_series() -> None:
    orgs = pd.Series(["other", "kela"], index=[10, 3])
    agreements = pd.Series(["to_verify", "no"], index=[3, 10])  # index not aligned on
    assert usable_hosts(orgs, agreements).tolist() == [False, False]
    assert usable_hosts(orgs, agreements, suggestions=True).tolist() == [True, False]


def test_usable_hosts_refuses_bad_agreements() -> None:
    with pytest.raises(InputError, match=r"'maybe' is not one of yes, to_verify, no"):
        usable_hosts(["kela"], ["maybe"])
    with pytest.raises(ValueError, match="2 values"):
        usable_hosts(["kela", "county"], ["yes"])


# ------------------------------------------------------------------ classify_host
@pytest.mark.parametrize(("kind", "name", "operator", "expected"), [
    # a city library by its name (keskustakirjasto) or by the demo's named libraries
    ("library", "Helsingin keskustakirjasto Oodi", None, "municipality"),
    ("library", "Rikhardinkadun kirjasto", None, "municipality"),
    ("library", "Tampereen kaupunginkirjasto", None, "municipality"),
    ("library", "Metso", "Tampereen kaupunki", "municipality"),
    ("town_hall", "Helsingin kaupungintalo", "Helsingin kaupunki", "municipality"),
    ("town_hall", "Kunnantalo", float("nan"), "municipality"),  # NaN operator: none
    ("community_centre", "Malmitalo", "Helsingin kaupunki", "municipality"),
    ("community_centre", "Luckan", None, "other"),  # run by an association
    # a health station run by the city counts for the county (Helsinki is its own county)
    ("health_facility", "Kallion terveysasema", "Helsingin kaupunki", "county"),
    ("health_facility", "Hervannan sote-keskus", "Pirkanmaan hyvinvointialue", "county"),
    ("health_station", "Keskustan terveysasema", None, "county"),
    ("health_facility", "Terveystalo", None, "other"),  # private clinics
    ("health_facility", "Mehiläinen terveysasema", "Mehiläinen Oy", "other"),
    ("health_facility", "Diacor Keskusta", None, "other"),
    ("office", "Kelan palvelupiste Kamppi", None, "kela"),
    ("office", "Vantaan työllisyyspalvelut", "Vantaan kaupunki", "employment"),
    # ministries, agencies, the state and universities
    ("government_office", "Ympäristöministeriö", None, "other"),
    ("government_office", "Digi- ja väestötietovirasto", None, "other"),
    ("government_office", "Pääkaupunkiseudun verotoimisto", "Valtion hallinto", "other"),
    ("government_office", "Valtakunnansovittelijan toimisto", None, "other"),
    ("library", "Helsingin yliopiston pääkirjasto", "University of Helsinki", "other"),
    ("library", "Kansalliskirjasto", "Helsingin yliopisto", "other"),
    ("library", "Metsätalon kirjasto", None, "other"),  # untagged: not claimed
])
def test_classify_host(kind: str, name: str, operator: object, expected: str) -> None:
    assert classify_host(kind, name, operator) == expected


# ------------------------------------------------------------------ the demo's sites
#: The demo's existing points (resources/demo/service_points.csv) that are sites: usable hosts.
DEMO_USABLE = {
    "kela-kamppi": ("Kela customer service Kamppi (illustrative)", "kela"),
    "kela-kruununhaka": ("Kela service point Kruununhaka (illustrative)", "kela"),
    "city-kaupungintalo": ("Helsingin kaupungintalo", "municipality"),
    "city-oodi": ("Helsingin keskustakirjasto Oodi", "municipality"),
    "city-rikhardinkatu": ("Rikhardinkadun kirjasto", "municipality"),
    "hel-terveysasema": ("Keskustan terveysasema (illustrative)", "county"),
    "hel-sosiaalipalvelut": ("Sosiaalipalvelujen asiakaspalvelu Kluuvi (illustrative)",
                             "county"),
    "tyo-keskusta": ("Työllisyyspalvelut Keskusta (illustrative)", "employment"),
}
#: OSM places of the extract that are not partners: suggestions to verify.
DEMO_SUGGESTIONS = (
    "Liikenne- ja viestintäministeriö", "Ympäristöministeriö",
    "Valtakunnansovittelijan toimisto", "Pääkaupunkiseudun verotoimisto",
    "HSL Tarkastusmaksutoimisto", "Diacor Keskusta", "Bulevardin Klinikka", "Dextra",
    "Vita Lääkäriasema", "Mehiläinen", "Helsingin yliopiston pääkirjasto",
    "Kansalliskirjasto", "Metsätalon kirjasto", "Topelia", "Luckan", "LillaLuckan",
    "Avoin olohuone",
)


@pytest.fixture(scope="module")
def sites() -> gpd.GeoDataFrame:
    return demo_sites(demo_service_points())


def test_demo_usable_hosts(sites: gpd.GeoDataFrame) -> None:
    usable = sites[usable_hosts(sites["host_org"], sites["host_agreement"])]
    assert set(usable["site_id"]) == set(DEMO_USABLE)
    by_id = usable.set_index("site_id")
    for sid, (name, org) in DEMO_USABLE.items():
        assert by_id.loc[sid, "name"] == name
        assert by_id.loc[sid, "host_org"] == org
        assert by_id.loc[sid, "host_agreement"] == "yes"  # their own premises
        assert by_id.loc[sid, "existing_point_id"] == sid


def test_demo_suggestions_are_other_to_verify(sites: gpd.GeoDataFrame) -> None:
    osm = sites[sites["existing_point_id"] == ""].set_index("name")
    assert sorted(osm.index) == sorted(DEMO_SUGGESTIONS)
    assert (osm["host_org"] == "other").all()
    assert (osm["host_agreement"] == "to_verify").all()
    assert (osm["source"] == "osm").all()
    # with suggestions on, every one of the 8 + 17 sites may host
    assert len(sites) == 8 + 17
    assert usable_hosts(sites["host_org"], sites["host_agreement"], suggestions=True).all()


# ------------------------------------------------------------------ own site files
def test_sites_file_with_finnish_agreements(tmp_path: Path) -> None:
    path = tmp_path / "kohteet.csv"
    path.write_text(
        "tunnus;nimi;tyyppi;isäntäorganisaatio;lat;lon;existing_point_id;Isännöintisopimus\n"
        "k1;Kirjasto A;library;kunta;60.17;24.94;;kyllä\n"
        "k2;Terveysasema B;health_station;hyvinvointialue;60.18;24.95;;Tarkistettava\n"
        "k3;Yliopisto C;library;muu;60.19;24.96;;EI\n"
        "k4;Talo D;community_centre;kaupunki;60.20;24.97;;\n"
        "k5;Kela E;office;kela;60.21;24.98;P5;\n"
        "k6;Ministeriö F;government_office;other;60.22;24.99;;to verify\n",
        encoding="utf-8")
    gdf, report = files.read_layer(path, "sites")
    assert report.matched["host_agreement"] == "Isännöintisopimus"
    assert gdf["host_org"].tolist() == ["municipality", "county", "other", "municipality",
                                        "kela", "other"]
    # empty cells: yes for an existing point's site (k5), else to_verify (k4)
    assert gdf["host_agreement"].tolist() == ["yes", "to_verify", "no", "to_verify", "yes",
                                              "to_verify"]
    assert usable_hosts(gdf["host_org"], gdf["host_agreement"]).tolist() == [
        True, True, False, True, True, False]
    assert "host_agreement" not in report.filled
    schema.validate(gdf, schema.SITE_COLUMNS, "site_id", "kohteet")


def test_sites_file_without_agreements_gets_defaults(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("id,name,host_org,x,y,existing_point_id\n"
                    "a,Library,municipality,385000,6672000,\n"
                    "b,Kela office,kela,386000,6672000,kela-b\n", encoding="utf-8")
    gdf, report = files.read_layer(path, "sites")
    assert gdf["host_agreement"].tolist() == ["to_verify", "yes"]
    assert report.filled["host_agreement"] == "yes for existing points, else to_verify"
    assert "host_agreement='yes for existing points, else to_verify'" in str(report)


def test_sites_file_with_a_bad_agreement(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("id,name,x,y,sopimus\n"
                    "a,Library,385000,6672000,kyllä\n"
                    "b,Hall,386000,6672000,ehkä\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        files.read_layer(path, "sites")
    message = str(exc.value)
    assert "\n" not in message
    assert message == (f"{path}: row 3, column 'sopimus': 'ehkä' is not a host agreement; "
                       "use one of yes, to_verify, no (or kyllä, tarkistettava, ei)")


# ------------------------------------------------------------------ schema validation
def test_schema_refuses_a_bad_agreement(sites: gpd.GeoDataFrame) -> None:
    schema.validate(sites, schema.SITE_COLUMNS, "site_id", "demo: sites")
    bad = sites.copy()
    bad.loc[bad["site_id"] == "city-oodi", "host_agreement"] = "maybe"
    with pytest.raises(InputError) as exc:
        schema.validate(bad, schema.SITE_COLUMNS, "site_id", "demo: sites")
    assert str(exc.value) == ("demo: sites: row site_id='city-oodi' has host_agreement "
                              "'maybe'; use one of yes, to_verify, no")
    with pytest.raises(InputError, match="missing column\\(s\\) host_agreement"):
        schema.validate(sites.drop(columns="host_agreement"), schema.SITE_COLUMNS, "site_id",
                        "demo: sites")
