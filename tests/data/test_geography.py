"""The municipality table of ``resources/finland`` against facts of Finland's 2025 administration.

Counts are public facts, not read from the table: 308 municipalities in force in 2025 (292
on the mainland, 16 on Åland), 21 wellbeing services counties plus the City of Helsinki,
19 regions (maakunnat) with Åland, and 45 employment areas from 1.1.2025 (Government
release 22.2.2024: 39 by the host-municipality model, Helsinki, Vantaa, Lahti and Kouvola
alone, the joint authorities Suupohja and Kymppi).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planner.data import geography, statfin
from planner.data.cache import Fetcher
from planner.errors import InputError
from tests.data.test_cache import FakeFinland, fake_server  # noqa: F401  (the fake fixture)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return geography.load_table()


def test_every_municipality_in_force_once(table: pd.DataFrame) -> None:
    assert len(table) == 308 and table["code"].is_unique and table["name"].is_unique
    assert table["code"].str.fullmatch(r"\d{3}").all()
    assert (table[["name", "name_sv", "maakunta", "county", "employment_area"]] != "").all().all()
    assert len(geography.mainland(table)) == 292
    named = table.set_index("code")
    assert named.loc["091", ["name", "name_sv"]].tolist() == ["Helsinki", "Helsingfors"]
    assert named.loc["049", ["name", "name_sv"]].tolist() == ["Espoo", "Esbo"]
    assert named.loc["992", "name"] == "Äänekoski"
    assert named.loc["478", "maakunta"] == "Ahvenanmaa"  # Mariehamn's code
    assert table["maakunta"].nunique() == 19


def test_organisers_of_health_and_social_services(table: pd.DataFrame) -> None:
    land = geography.mainland(table)
    assert land["county"].nunique() == 22
    assert (land["county"] == "Helsingin kaupunki").sum() == 1
    per = land.groupby("county")["name"].apply(set)
    assert per["Vantaan ja Keravan hyvinvointialue"] == {"Vantaa", "Kerava"}
    assert {"Espoo", "Kauniainen"} <= per["Länsi-Uudenmaan hyvinvointialue"]
    # Uusimaa (the maakunta) has four wellbeing services counties and the City of Helsinki
    assert land.loc[land["maakunta"] == "Uusimaa", "county"].nunique() == 5


def test_karkola_in_paijat_hame(table: pd.DataFrame) -> None:
    row = table.set_index("name").loc["Kärkölä"]
    assert row["code"] == "316"
    assert row["maakunta"] == "Päijät-Häme" and row["county"] == "Päijät-Hämeen hyvinvointialue"


def test_employment_areas_of_2025(table: pd.DataFrame) -> None:
    land = geography.mainland(table)
    assert land["employment_area"].nunique() == 45
    models = land.drop_duplicates("employment_area")["employment_model"].value_counts()
    assert models.to_dict() == {"host_municipality": 39, "alone": 4, "joint_authority": 2}
    alone = land[land["employment_model"] == "alone"]
    assert sorted(alone["name"]) == sorted(alone["employment_area"]) == \
        ["Helsinki", "Kouvola", "Lahti", "Vantaa"]
    assert set(land.loc[land["employment_model"] == "joint_authority", "employment_area"]) \
        == {"Suupohja", "Kymppi"}
    assert set(table.loc[table["name"].isin(["Espoo", "Kauniainen"]), "employment_area"]) \
        == {"Espoo-Kauniainen"}


def test_no_city_district_is_a_municipality_or_employment_area(table: pd.DataFrame) -> None:
    districts = {"Kallio", "Haaga", "Lauttasaari", "Hervanta", "Vuosaari", "Myyrmäki",
                 "Tikkurila", "Leppävaara", "Tapiola", "Kontula"}
    assert not districts & set(table["name"])
    assert not districts & set(table["name_sv"])
    assert not districts & set(table["employment_area"])


def test_summary_counts_and_population(table: pd.DataFrame) -> None:
    capital = table[table["name"].isin(["Helsinki", "Espoo", "Kauniainen", "Vantaa"])]
    capital.attrs = table.attrs
    demand = pd.DataFrame({"population": [100.0, 50.0, 25.0, 10.0],
                           "municipality": ["Helsinki", "Espoo", "Kauniainen", "Vantaa"],
                           "county": ["Helsingin kaupunki", "Länsi-Uudenmaan hyvinvointialue",
                                      "Länsi-Uudenmaan hyvinvointialue",
                                      "Vantaan ja Keravan hyvinvointialue"],
                           "employment_area": ["Helsinki", "Espoo-Kauniainen",
                                               "Espoo-Kauniainen", "Vantaa"]})
    lines = geography.summary_lines(capital, demand)
    assert lines[0] == ("Geography: 4 municipalities, 3 organisers of health and social "
                        "services, 3 employment areas, 1 regions (table "
                        "municipalities_2025.csv)")
    assert lines[2] == ("Municipalities per employment area: Espoo-Kauniainen 2, Helsinki 1, "
                        "Vantaa 1")
    assert lines[-1] == ("Population per employment area (3): Espoo-Kauniainen 75, "
                         "Helsinki 100, Vantaa 10")


def test_own_table_gaps_and_errors(tmp_path: Path) -> None:
    own = tmp_path / "kunnat.csv"
    own.write_text("\ufeffkunta,nimi,maakunta,hyvinvointialue,tyollisyysalue\n"
                   "91,Helsinki,Uusimaa,Helsingin kaupunki,Helsinki\n"
                   "49,Espoo,Uusimaa,Länsi-Uudenmaan hyvinvointialue,\n", encoding="utf-8")
    t = geography.load_table(own)
    assert t["code"].tolist() == ["049", "091"] and t["employment_area"].tolist() == ["",
                                                                                     "Helsinki"]
    lines = geography.summary_lines(t)
    assert ("employment area unknown for 1 municipality(ies) (not in the table): Espoo; they "
            "count in no employment area standard") in lines
    own.write_text("code,name\n091,Helsinki\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"kunnat.csv: missing column\(s\) kunta, nimi, "
                                         r"maakunta, hyvinvointialue; found code, name"):
        geography.load_table(own)
    own.write_text("kunta,nimi,maakunta,hyvinvointialue\n091,A,B,C\n91,D,E,F\n",
                   encoding="utf-8")
    with pytest.raises(InputError, match="municipality 091 is listed twice"):
        geography.load_table(own)


def test_from_classifications_recorded(fake: FakeFinland, tmp_path: Path) -> None:
    """Build the table from recorded correspondences.

    Four capital-region municipalities in Uusimaa; a county only for Helsinki, an employment
    area for all but Kauniainen.
    """
    t, notes = statfin.from_classifications(2025, fetcher=Fetcher(tmp_path),
                                              url=f"{fake.base}/cls")
    assert notes == []
    assert t["code"].tolist() == ["049", "091", "092", "235"]
    assert t["name_sv"].tolist() == ["Esbo", "Helsingfors", "Vanda", "Grankulla"]
    assert set(t["maakunta"]) == {"Uusimaa"} and set(t["maakunta_code"]) == {"01"}
    assert t["county"].tolist() == ["", "Helsinki", "", ""]
    assert t["employment_area"].tolist() == ["Espoo-Kauniainen", "Helsinki", "Vantaa", ""]
    langs = [q["lang"] for p, q in fake.requests]
    assert langs.count("sv") == 1 and len(fake.requests) == 4
    diff = geography.differences(t, geography.load_table())
    assert diff[0] == "304 municipality code(s) of the reference missing: 005, 009, 010, 016, " \
                      "018, 019, 020, 035, 043, 046"
