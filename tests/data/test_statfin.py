"""Statistics Finland connector against recorded WFS payloads served locally.

Expected values are worked out by hand from ``tests/data/finland/statfi_*.geojson``:
Helsinki's unsuppressed cells hold 610 + 100 = 710 children, 3900 + 800 = 4700 of working
age and 811 + 300 = 1111 elderly (6521 in all); Espoo's one unsuppressed cell 400/1300/300.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.data import statfin
from planner.data.cache import Fetcher, SourceError
from planner.errors import InputError
from tests.data.test_cache import FakeFinland, fake_server  # noqa: F401  (the fake fixture)


def _wfs(fake: FakeFinland) -> str:
    return f"{fake.base}/geoserver/wfs"


def test_municipalities_paged_and_mapped(fake: FakeFinland, tmp_path: Path) -> None:
    f = Fetcher(tmp_path)
    munis = statfin.municipalities(2025, fetcher=f, url=_wfs(fake), page_size=3)
    assert list(munis["code"]) == ["049", "091", "092", "235"]
    assert list(munis["name"]) == ["Espoo", "Helsinki", "Vantaa", "Kauniainen"]
    assert munis.crs.to_epsg() == 3067
    assert munis.loc[munis["code"] == "091"].geometry.iloc[0].area == pytest.approx(1e8)
    starts = [q["startIndex"] for _, q in fake.requests]
    assert starts == ["0", "3"]  # 4 features, 3 per page
    q = fake.requests[0][1]
    assert q["typeNames"] == "tilastointialueet:kunta1000k_2025"
    assert q["srsName"] == "EPSG:3067" and q["outputFormat"] == "application/json"
    assert f.attributions() == ["Statistics Finland (Tilastokeskus): municipalities 2025 "
                                "(CC BY 4.0)"]


def test_select_by_code_or_name_and_did_you_mean(fake: FakeFinland, tmp_path: Path) -> None:
    munis = statfin.municipalities(2025, fetcher=Fetcher(tmp_path), url=_wfs(fake))
    sel = statfin.select_municipalities(munis, ["91", "esbo", "Kauniainen"])
    assert list(sel["code"]) == ["091", "049", "235"]
    with pytest.raises(InputError, match=r"municipality 'Helsinky' .*did you mean 'helsinki'"):
        statfin.select_municipalities(munis, ["Helsinky"])


def test_county_membership_by_boundaries(fake: FakeFinland, tmp_path: Path) -> None:
    f = Fetcher(tmp_path)
    munis = statfin.municipalities(2025, fetcher=f, url=_wfs(fake))
    counties = statfin.counties(2025, fetcher=f, url=_wfs(fake))
    member = statfin.county_membership(munis, counties).set_index("municipality_code")
    assert member.loc["049", "county"] == "Länsi-Uudenmaan hyvinvointialue"
    assert member.loc["235", "county_code"] == "HVA02"
    assert member.loc["092", "county"] == "Vantaan ja Keravan hyvinvointialue"
    # Helsinki is in no county: it organises the services itself
    assert member.loc["091", "county"] == "Helsinki" and member.loc["091", "county_code"] == ""


def test_classification_map(fake: FakeFinland, tmp_path: Path) -> None:
    table = statfin.classification_map("kunta", "hyvinvointialue", 2025,
                                       fetcher=Fetcher(tmp_path), url=f"{fake.base}/cls")
    assert table.to_dict("records") == [{"source_code": "091", "source_name": "Helsinki",
                                         "target_code": "HVA01", "target_name": "Helsinki"}]
    path = fake.requests[0][0]
    assert path == "/cls/correspondenceTables/kunta_1_20250101%23hyvinvointialue_1_20250101/maps"


def test_grid_to_demand_columns_and_suppressed_cells(fake: FakeFinland, tmp_path: Path) -> None:
    f = Fetcher(tmp_path)
    munis = statfin.select_municipalities(
        statfin.municipalities(2025, fetcher=f, url=_wfs(fake)), ["091", "049", "235"])
    grid = statfin.population_grid(2025, bbox=(370000, 6670000, 390000, 6682000), fetcher=f,
                                   url=_wfs(fake), page_size=3)
    assert len(grid) == 8 and fake.requests[-1][1]["bbox"] == \
        "370000,6670000,390000,6682000,EPSG:3067"
    member = statfin.county_membership(munis, statfin.counties(2025, fetcher=f, url=_wfs(fake)))
    demand, notes = statfin.grid_to_demand(grid, munis, member, statfin.employment_areas())
    # Vantaa (092) and Kuopio (749) cells are not in the chosen municipalities
    assert len(demand) == 6
    assert demand["population"].sum() == 5321 + 1200 + 6 + 2000 + 8 + 900
    d = demand.set_index("demand_id")
    # suppressed Helsinki cell: 6 residents split 710/4700/1111 of 6521
    assert d.loc["grid-1kmN6679E381", "age_0_14"] == pytest.approx(6 * 710 / 6521, abs=1e-3)
    assert d.loc["grid-1kmN6679E381", "age_65_"] == pytest.approx(6 * 1111 / 6521, abs=1e-3)
    # suppressed Espoo cell: 8 residents by Espoo's 400/1300/300
    assert d.loc["grid-1kmN6677E371", ["age_0_14", "age_15_64", "age_65_"]].tolist() == \
        pytest.approx([1.6, 5.2, 1.2])
    assert d.loc["grid-1kmN6672E385", "age_15_64"] == 3900
    ages = demand[["age_0_14", "age_15_64", "age_65_"]].sum(axis=1)
    assert ages.to_numpy() == pytest.approx(demand["population"].to_numpy(), abs=0.01)
    # numeric kunta 91 is Helsinki; centroids at the cell centre
    assert d.loc["grid-1kmN6675E388", "municipality"] == "Helsinki"
    pt = d.loc["grid-1kmN6675E388", "geometry"]
    assert (pt.x, pt.y) == (388500, 6675500)
    assert d.loc["grid-1kmN6681E371", "county"] == "Länsi-Uudenmaan hyvinvointialue"
    assert d.loc["grid-1kmN6672E385", "county"] == "Helsinki"
    assert d.loc["grid-1kmN6672E385", "employment_area"] == "Helsinki"
    # the shipped table: Espoo and Kauniainen form one employment area (1.1.2025)
    assert d.loc["grid-1kmN6671E375", "employment_area"] == "Espoo-Kauniainen"
    assert d["suppressed"].sum() == 2
    assert any("2 grid cells with under 10 residents" in n for n in notes)
    assert not any("employment-area table" in n for n in notes)
    # a table without Espoo: its area stays empty (never made up) and the notes say so
    partial = statfin.employment_areas().query("municipality_code != '049'")
    demand, notes = statfin.grid_to_demand(grid, munis, member, partial)
    espoo = demand.set_index("demand_id").loc["grid-1kmN6671E375"]
    assert espoo["municipality"] == "Espoo" and espoo["employment_area"] == ""
    assert any("no employment-area table membership for Espoo; their employment area is "
               "left empty and counts in no employment area standard" in n for n in notes)
    assert demand.crs.to_epsg() == 3067


def test_wrong_layer_and_wrong_payload(fake: FakeFinland, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"HTTP 400 .*check the layer, year"):
        statfin.municipalities(1999, fetcher=Fetcher(tmp_path), url=_wfs(fake))
    with pytest.raises(SourceError, match=r"not a GeoJSON FeatureCollection; check the layer"):
        statfin.wfs_features("x", fetcher=Fetcher(tmp_path), url=f"{fake.base}/cls/"
                             "correspondenceTables/kunta_1_20250101%23hyvinvointialue_1_2025"
                             "0101/maps")


def test_employment_area_table_of_the_user(tmp_path: Path) -> None:
    csv = tmp_path / "ea.csv"
    csv.write_text("kunta,tyollisyysalue_nimi\n49,Espoon seudun työllisyysalue\n",
                   encoding="utf-8")
    table = statfin.employment_areas(csv)
    assert table[["municipality_code", "employment_area"]].values.tolist() == \
        [["049", "Espoon seudun työllisyysalue"]]
    csv.write_text("code,area\n049,x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"ea.csv: missing column\(s\) kunta, "
                                         r"tyollisyysalue_nimi; found code, area"):
        statfin.employment_areas(csv)
