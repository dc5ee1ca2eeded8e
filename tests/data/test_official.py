"""Real figures of the national region: official residents per municipality, health stations.

Expected values are read off the sources themselves, not from the code: Statistics
Finland's residents on 31.12.2022 (Sotkanet indicator 127 as stored in geofi's
``sotkadata_population``: Tampere 249 009, Nokia 35 346, Mäntyharju 5 564 and Pertunmaa
1 600; Finland 5 563 970, Statistics Finland's published total for the end of 2022), and
rows of ``health_stations_fi_2013_2019.csv`` (names, statuses, places).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.data import geography, load_region, national, official
from planner.errors import InputError
from planner.region import Region


@pytest.fixture(scope="module")
def pirkanmaa() -> Region:
    return load_region("national:Pirkanmaa")


def test_official_population_table() -> None:
    pop = official.population()
    assert len(pop) == 308  # the municipalities of 1.1.2025, Åland's 16 included
    assert pop["837"] == 249_009  # Tampere
    assert pop["536"] == 35_346  # Nokia
    assert pop["507"] == 5_564 + 1_600  # Mäntyharju with Pertunmaa (joined 1.1.2025)
    assert pop.sum() == 5_563_970
    assert set(pop.index) == set(geography.load_table()["code"])


def test_open_in_by_status() -> None:
    status = pd.Series(["open_2013_2019", "opened_2017", "closed_2015", "opened_2019"])
    assert open_list(status, 2016) == [True, False, False, False]
    assert open_list(status, 2019) == [True, True, False, True]
    assert open_list(status, 2014) == [True, False, True, False]


def open_list(status: pd.Series, year: int) -> list[bool]:
    return official.open_in(status, year).tolist()


def test_health_stations_open_in_2019() -> None:
    hs = official.health_stations()
    # 585 open all along + 18 opened 2014-2019 = 603 rows; 40 names repeat: 563 stations
    assert len(hs) == 563 == hs["station"].nunique()
    assert not hs["status"].str.startswith("closed").any()
    assert "Kallion terveysasema" not in set(hs["station"])  # closed_2017 in the source
    riista = hs[hs["station"] == "Riistaveden terveysasema"]
    assert riista["row"].tolist() == [535]  # the first of its two rows (file line 537)
    assert official.health_stations(2016)["station"].eq("Kallion terveysasema").any()
    with pytest.raises(InputError, match="2013-2019"):
        official.health_stations(2021)


def test_allocate_by_hand() -> None:
    # a: 10 over three equal weights -> 3.33 each: 3, 3, 3 and the first remainder +1;
    # b: 7 over 2 : 0.5 -> 5.6 and 1.4: 5 and 1, the larger remainder (0.6) gets the last
    got = official.allocate(np.array([1.0, 1.0, 1.0, 2.0, 0.5]),
                            np.array(["a", "a", "a", "b", "b"]), pd.Series({"a": 10, "b": 7}))
    assert got.tolist() == [4, 3, 3, 6, 1]
    with pytest.raises(InputError, match="no official population"):
        official.allocate(np.ones(1), np.array(["c"]), pd.Series({"a": 1}))


def test_pirkanmaa_residents_equal_the_official_figures(pirkanmaa: Region) -> None:
    codes = geography.load_table().set_index("name")["code"]
    got = pirkanmaa.demand.groupby("municipality")["population"].sum()
    assert len(got) == 23  # Pirkanmaa's 23 municipalities, each with residents
    expected = official.population()[codes[got.index]].to_numpy()
    assert (got.to_numpy() == expected).all()
    assert got["Tampere"] == 249_009 and got["Nokia"] == 35_346
    assert got.sum() == 532_671
    assert (pirkanmaa.demand["population"] == pirkanmaa.demand["population"].round()).all()


def test_pirkanmaa_health_stations(pirkanmaa: Region) -> None:
    sp = pirkanmaa.service_points
    county = sp[sp["organisation"] == "county"].set_index("name")
    assert "Hervannan terveysasema (2019)" in county.index
    assert "Nokian terveyskeskus (2019)" in county.index
    assert county["source"].str.startswith("health stations 2019").all()
    assert set(county["org_name"]) == {"Pirkanmaan hyvinvointialue"}
    assert "Parolan terveysasema (2019)" not in county.index  # Hattula, Kanta-Häme
    assert "Lavian terveyskeskus (2019)" not in county.index  # Lavia of Pori, Satakunta
    # the rule-made offices stay labelled as such
    made = sp[sp["organisation"].isin(["kela", "employment", "municipality"])]
    assert (made["source"] == "illustrative").all()
    assert made["name"].str.endswith("(illustrative)").all()
    assert any("some have closed or merged since" in n for n in pirkanmaa.notes)


def test_named_stations_municipalities() -> None:
    places = national.geonames_places()
    hs = official.health_stations().set_index("station")
    # (general knowledge) Hervanta is a district of Tampere, Viiala and Kylmäkoski villages
    # of Akaa, Vilppula of Mänttä-Vilppula, Luopioinen of Pälkäne, Mouhijärvi of Sastamala,
    # Sahalahti of Kangasala; Parola the centre of Hattula (no GeoNames place >= 500).
    # (Kuru of Ylöjärvi still lands in Tampere: a straight-line rule, see the docstring.)
    for station, municipality in {"Hervannan terveysasema": "Tampere",
                                  "Viialan terveysasema": "Akaa",
                                  "Kylmäkosken terveysasema": "Akaa",
                                  "Vilppulan terveysasema": "Mänttä-Vilppula",
                                  "Luopioisten terveysasema": "Pälkäne",
                                  "Mouhijärven terveysasema": "Sastamala",
                                  "Sahalahden terveysasema": "Kangasala",
                                  "Parolan terveysasema": "Hattula",
                                  "Nokian terveyskeskus": "Nokia"}.items():
        row = national.nearest_places(places, np.array([hs.at[station, "x"]]),
                                      np.array([hs.at[station, "y"]]))[0]
        assert places.at[row, "municipality"] == municipality, station


def test_hattula_has_its_official_residents() -> None:
    region = load_region("national:Kanta-Häme")
    got = region.demand.groupby("municipality")["population"].sum()
    assert got["Hattula"] == 9_359 == official.population()["082"]
    county = region.service_points[region.service_points["organisation"] == "county"]
    assert "Parolan terveysasema (2019)" in set(county["name"])
