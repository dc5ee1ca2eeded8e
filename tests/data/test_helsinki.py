"""The demo region, inner Helsinki: its residents, areas, offices, transit times and run.

Values are worked out independently of the code under test: the three cells' residents
and age groups were read from HSY's published shapefile
(``hsy_vaestotietoruudukko_2019.dbf``) with a 20-line DBF reader written for the purpose
(struct, not GDAL); the postal codes are those of the buildings' street addresses; the
metro times were read off ``stop_times.txt`` and ``frequencies.txt`` by hand.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box
from typer.testing import CliRunner, Result

import planner.cli
from planner._paths import resource
from planner.data import hsy2019
from planner.errors import InputError
from planner.region import Region

GTFS = resource("gtfs", "hsl_gtfs_2022-02-22.zip")


def test_the_grid_of_the_feed_area_holds_its_876_cells_and_355972_residents() -> None:
    cells = hsy2019.read_cells()
    assert len(cells) == 876 and cells["cell"].is_unique
    assert cells["population"].sum() == 355_972  # the samples' README: 876 cells, 355,972
    assert int(cells["suppressed"].sum()) == 200  # every age group 99 in 200 cells
    ages = cells[["age_0_14", "age_15_64", "age_65_"]].sum(axis=1)
    assert np.allclose(ages, cells["population"])
    assert hsy2019.SEA_CELL not in set(cells["cell"])


# (INDEX, ASUKKAITA, IKA0_9, IKA10_19, ..., IKA_YLI80) as the DBF holds them
HAND_READ = {
    15984: (176, 7, 17, 34, 31, 23, 34, 15, 9, 6),  # the cell of KELA Kamppi, Salomonkatu 17
    16788: (2294, 129, 48, 576, 649, 269, 208, 168, 168, 79),  # the most populous cell
    16122: (98, 99, 99, 99, 99, 99, 99, 99, 99, 99),  # suppressed: every group 99
}


def test_three_cells_as_read_by_hand_from_the_published_shapefile() -> None:
    cells = hsy2019.read_cells().set_index("cell")
    # 15984: 0-14 = 7 + 17 / 2; 15-64 = 17 / 2 + 34 + 31 + 23 + 34 + 15 / 2; 65+ = 15 / 2 + 9 + 6
    assert cells.loc[15984, ["population", "age_0_14", "age_15_64", "age_65_"]].tolist() == [
        176, 15.5, 138.0, 22.5]
    # 16788: 129 + 24 = 153; 24 + 576 + 649 + 269 + 208 + 84 = 1810; 84 + 168 + 79 = 331
    assert cells.loc[16788, ["population", "age_0_14", "age_15_64", "age_65_"]].tolist() == [
        2294, 153.0, 1810.0, 331.0]
    # 16122: 98 residents (not 9 x 99 = 891) by the other cells' shares
    row = cells.loc[16122]
    assert row["population"] == 98 and bool(row["suppressed"])
    real = cells[~cells["suppressed"]]
    for group in ("age_0_14", "age_15_64", "age_65_"):
        share = real[group].sum() / real["population"].sum()
        assert row[group] == pytest.approx(98 * share)
    assert 0.10 < row["age_0_14"] / 98 < 0.14  # inner Helsinki has few children


def test_the_sea_cell_is_refused(tmp_path: Path) -> None:
    values = HAND_READ[15984]
    cols = ["ASUKKAITA", *hsy2019.AGE_COLUMNS]
    frame = gpd.GeoDataFrame({"INDEX": [hsy2019.SEA_CELL], **{c: [v] for c, v in zip(
        cols, values, strict=True)}}, geometry=[box(0, 0, 250, 250)], crs=hsy2019.GRID_CRS)
    path = tmp_path / "grid.gpkg"
    frame.to_file(path, layer=hsy2019.GRID_LAYER)
    with pytest.raises(InputError, match="27699 lies in the sea"):
        hsy2019.read_cells(path)


@pytest.mark.parametrize(("lon", "lat", "code"), [
    (24.9292896, 60.1688197, "00100"),  # KELA Kamppi, Salomonkatu 17, 00100 Helsinki
    (24.9529062, 60.1683657, "00170"),  # the city hall, Pohjoisesplanadi 11-13, 00170
    (24.9482426, 60.1904471, "00510"),  # Helsingin TYP, Viipurinkatu 2, 00510 Helsinki
])
def test_postal_area_of_a_known_address(lon: float, lat: float, code: str) -> None:
    codes, dist = hsy2019.postal_codes(gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326"))
    assert codes.tolist() == [code] and dist.tolist() == [0.0]


def _stop(stop_id: int) -> gpd.GeoSeries:
    with zipfile.ZipFile(GTFS) as z:
        stops = pd.read_csv(z.open("stops.txt")).set_index("stop_id")
    s = stops.loc[stop_id]
    return gpd.GeoSeries([Point(s["stop_lon"], s["stop_lat"])], crs="EPSG:4326")


@pytest.mark.parametrize(("start", "minutes"), [("08:00", 7.0), ("08:01", 9.0),
                                                ("08:02", 8.0)])
def test_metro_from_kamppi_to_kalasatama_by_hand(start: str, minutes: float) -> None:
    """Eastbound metro platform Kamppi (1040601) to Kalasatama (1100601), 2022-02-22.

    By hand from the feed: M2 trip 31M2_20220204_Ti_1_1623 starts every 360 s from 07:29
    (frequencies.txt, exact times) and reaches Kamppi 7 min and Kalasatama 14 min after
    its start: the start 07:53 is at Kamppi 08:00, Kalasatama 08:07; the next at 08:06.
    M1 trip 31M1_20220204_Ti_1_0750 starts every 360 s from 07:26, Kamppi at +7 and
    Kalasatama at +14: the start 07:56 is at Kamppi 08:03, Kalasatama 08:10. Leaving the
    platform at 08:00: the M2 at 08:00, 7 min; at 08:01: the M1 at 08:03, 9 min; at
    08:02: 8 min. Walking (4.3 km) takes about an hour.
    """
    from planner.network import read_gtfs, transit_times

    times = transit_times(read_gtfs(GTFS), _stop(1040601), _stop(1100601), date="2022-02-22",
                          start=start, window_min=1, cutoff_min=60)
    assert times["minutes"].tolist() == [minutes]


@pytest.fixture(scope="module")
def region() -> Region:
    from planner.data import load_region

    return load_region("demo:inner-helsinki", modes=("walk",))


@pytest.mark.slow
def test_region_holds_every_resident_once_and_the_real_offices(region: Region) -> None:
    d = region.demand
    assert len(d) == 876 and d["population"].sum() == pytest.approx(355_972)
    assert set(d["demand_id"]) == {f"hsy-{c}" for c in hsy2019.read_cells()["cell"]}
    sp = region.service_points.set_index("point_id")
    assert sp.loc["kela-kamppi", "name"] == "KELA Kamppi"
    assert sp.loc["kela-kamppi", "organisation"] == "kela"
    kela = gpd.GeoSeries([sp.loc["kela-kamppi", "geometry"]], crs=sp.crs)
    assert hsy2019.postal_codes(kela)[0].tolist() == ["00100"]
    offices = sp[sp["annual_visits"] > 0]
    assert set(offices["organisation"]) == {"kela", "municipality", "county", "employment"}
    assert (sp["source"].str.contains("illustrative")).all()  # figures labelled
    # inside the extract: the cell of KELA Kamppi is placed at its buildings
    row = d.set_index("demand_id").loc["hsy-15984"]
    assert row["placed"] == "buildings" and row["postcode"] == "00100"
    assert any("27699" in note and "left out" in note for note in region.notes)
    hosts = set(region.sites["name"])
    assert {"Helsingin keskustakirjasto Oodi", "Rikhardinkadun kirjasto",
            "Kampin palvelukeskus", "Kallion virastotalo"} <= hosts
    assert not any("Terveystalo" in n or "ministeriö" in n for n in hosts)


@pytest.fixture(scope="module")
def demo_default(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out = tmp_path_factory.mktemp("helsinki_demo")
    result = CliRunner().invoke(planner.cli.app, ["demo", "--out", str(out)],
                                env={"COLUMNS": "120"})
    return result, out


@pytest.mark.slow
def test_planner_demo_plans_inner_helsinki(demo_default: tuple[Result, Path]) -> None:
    result, out = demo_default
    assert result.exit_code == 0, result.output
    demand = gpd.read_file(out / "plan.gpkg", layer="demand")
    assert demand["population"].sum() == pytest.approx(355_972, abs=1)
    visits = pd.read_csv(out / "report_visits.csv")
    offices = visits[visits["point_id"] != "total"]
    assert "kela-kamppi" in set(offices["point_id"])
    assert (offices["difference_share"].abs() <= 0.25).all(), offices
    for name in ("demo.html", "demo_compare.html"):
        assert (out / name).stat().st_size < 5 * 2**20, name
    page = (out / "demo.html").read_text(encoding="utf-8")
    for credit in ("OpenStreetMap", "HSY", "HSL", "Statistics Finland"):
        assert credit in page, credit
    assert "KELA Kamppi" in page
    assert "by public transport" in page and "Public transport: lines and stops" in page
    run = pd.read_csv(out / "report_run.csv", index_col="key")["value"]
    assert "public transport times: GTFS feed hsl_gtfs_2022-02-22.zip" in " ".join(run)


@pytest.mark.slow
def test_planner_demo_in_swedish(tmp_path: Path) -> None:
    result = CliRunner().invoke(planner.cli.app, ["demo", "--lang", "sv", "--out",
                                                  str(tmp_path)], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    page = (tmp_path / "demo.html").read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="sv">')
