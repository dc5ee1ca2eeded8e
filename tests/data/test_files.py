"""Import of the planner's own files: aliases, CRS detection, swapped columns, clear errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, Polygon

from planner.data import files
from planner.errors import InputError
from planner.schema import DEMAND_COLUMNS, SERVICE_POINT_COLUMNS, SITE_COLUMNS

DATA = Path(__file__).parent / "finland"
TO_TM35 = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)


def test_finnish_csv_with_decimal_commas_and_aliases() -> None:
    pts, rep = files.read_layer(DATA / "own_points_fi.csv", "service_points")
    assert list(pts.columns[:len(SERVICE_POINT_COLUMNS)]) == list(SERVICE_POINT_COLUMNS)
    assert list(pts["name"]) == ["Kela Kamppi", "Espoon yhteispalvelupiste"]
    assert list(pts["organisation"]) == ["kela", "municipality"]
    assert list(pts["desks"]) == [8, 3] and list(pts["lease_end"]) == ["2027-06-30", ""]
    e, n = TO_TM35.transform(24.9384, 60.1699)
    assert pts.geometry.iloc[0].x == pytest.approx(e, abs=0.01)
    assert pts.geometry.iloc[0].y == pytest.approx(n, abs=0.01)
    assert pts.crs.to_epsg() == 3067
    assert rep.crs == "EPSG:4326" and rep.crs_detected and not rep.swapped
    assert rep.matched["name"] == "Nimi" and rep.matched["desks"] == "Työpisteet"
    assert rep.matched["lease_end"] == "Vuokra päättyy"
    assert rep.matched["x"] == "Pituus" and rep.matched["y"] == "Leveys"
    assert rep.filled["point_id"] == "own_points_fi-<row>"
    assert list(pts["point_id"]) == ["own_points_fi-2", "own_points_fi-3"]
    assert rep.filled["source"] == "own_points_fi.csv" and "annual_cost_eur" in rep.filled
    assert rep.ignored == ["Huom"]
    assert "missing, default used: " in str(rep) and "Nimi -> name" in str(rep)


def test_swapped_lat_lon_detected_and_said() -> None:
    dem, rep = files.read_layer(DATA / "own_demand_swapped.csv", "demand")
    assert rep.swapped and rep.crs == "EPSG:4326"
    assert "wrong way round" in str(rep)
    e, n = TO_TM35.transform(24.6559, 60.2055)
    assert (dem.geometry.iloc[1].x, dem.geometry.iloc[1].y) == pytest.approx((e, n), abs=0.01)
    assert list(dem["demand_id"]) == ["c1", "c2"]
    # no age groups in the file: Finland's shares, summing to the population
    assert dem["age_65_"].tolist() == pytest.approx([120 * 0.23, 80 * 0.23])
    ages = dem[["age_0_14", "age_15_64", "age_65_"]].sum(axis=1)
    assert ages.tolist() == pytest.approx([120, 80])
    assert set(DEMAND_COLUMNS) <= set(dem.columns)


def test_xlsx_in_tm35_and_explicit_crs(tmp_path: Path) -> None:
    path = tmp_path / "sites.xlsx"
    pd.DataFrame({"Kohde": ["Oodi", "Sello library"], "Itakoordinaatti": [385600, 374000],
                  "Pohjoiskoordinaatti": [6672900, 6676000], "Vuokra": [330, 300]}
                 ).to_excel(path, index=False)
    sites, rep = files.read_layer(path, "sites")
    assert rep.crs == "EPSG:3067" and rep.crs_detected
    assert [(p.x, p.y) for p in sites.geometry] == [(385600, 6672900), (374000, 6676000)]
    assert list(sites["rent_eur_m2_year"]) == [330, 300]
    assert set(SITE_COLUMNS) <= set(sites.columns)
    # northing first, easting second, said explicitly: no detection, no swap
    csv = tmp_path / "s.csv"
    csv.write_text("name,x,y\nA,6672900,385600\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"s.csv: row 2 lies outside Finland"):
        files.read_layer(csv, "sites", crs="EPSG:3067")
    sites, rep = files.read_layer(csv, "sites")
    assert rep.swapped and (sites.geometry.iloc[0].x, sites.geometry.iloc[0].y) == \
        (385600, 6672900)


def test_geojson_and_geopackage(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"nimi": ["Town hall"], "organisaatio": ["kunta"]},
                           geometry=[Point(24.9384, 60.1699)], crs="EPSG:4326")
    gj = tmp_path / "p.geojson"
    gdf.to_file(gj, driver="GeoJSON")
    pts, rep = files.read_layer(gj, "service_points")
    e, n = TO_TM35.transform(24.9384, 60.1699)
    assert (pts.geometry.iloc[0].x, pts.geometry.iloc[0].y) == pytest.approx((e, n), abs=0.01)
    assert pts["organisation"].iloc[0] == "municipality"
    poly = gpd.GeoDataFrame({"name": ["Block"], "vaesto": [50]}, geometry=[Polygon(
        [(385000, 6672000), (385100, 6672000), (385100, 6672100), (385000, 6672100)])],
        crs="EPSG:3067")
    gp = tmp_path / "d.gpkg"
    poly.to_file(gp, layer="blocks", driver="GPKG")
    dem, rep = files.read_layer(gp, "demand", gpkg_layer="blocks")
    assert dem["population"].iloc[0] == 50 and dem.geometry.iloc[0].within(poly.geometry[0])
    assert "non-point features" in str(rep)


@pytest.mark.parametrize(("text", "layer", "pattern"), [
    ("name,organisation,lat,lon\nA,Kela,60.1,24.9\nB,Kela,60.2,x\n", "service_points",
     r"bad.csv: row 3, column 'lon': 'x' is not a number; fix the cell"),
    ("name,organisation,lat,lon\nA,Kella,60.1,24.9\n", "service_points",
     r"bad.csv: row 2, column 'organisation': 'Kella' is not an organisation; use one of kela"),
    ("name,lat,lon\nA,60.1,24.9\n", "service_points",
     r"bad.csv: missing column\(s\) organisation \(or organization/org\); add them"),
    ("name,organisation\nA,kela\n", "service_points", r"bad.csv: no coordinate columns"),
    ("name,x,y\nA,1000,2000\n", "sites", r"bad.csv: cannot tell the CRS of 'x'/'y' .*give the"),
    ("name,lat,lon\nA,60.1,24.9\nB,,\n", "sites", r"bad.csv: row 3: no coordinates"),
    ("id,name,lat,lon\nq,A,60.1,24.9\nq,B,60.2,24.8\n", "sites",
     r"bad.csv: row 3, column 'id': id 'q' repeats"),
    ("name,organisation,lat,lon,can_host\nA,kela,60.1,24.9,maybe\n", "service_points",
     r"bad.csv: row 2, column 'can_host': 'maybe' is not yes/no"),
    ("name,lat,lon\nA,48.85,2.35\n", "sites", r"cannot tell the CRS"),
])
def test_bad_input_one_line(tmp_path: Path, text: str, layer: str, pattern: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=pattern) as info:
        files.read_layer(path, layer)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


def test_missing_file_and_unknown_crs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.csv: no such file"):
        files.read_layer(tmp_path / "nope.csv", "sites")
    with pytest.raises(InputError, match="crs 'EPSG:999999' is not a known CRS"):
        files.read_layer(DATA / "own_demand_swapped.csv", "demand", crs="EPSG:999999")


def test_detect_crs_ranges() -> None:
    import numpy as np

    assert files.detect_crs(np.array([24.9]), np.array([60.2])) == ("EPSG:4326", False)
    assert files.detect_crs(np.array([60.2]), np.array([24.9])) == ("EPSG:4326", True)
    assert files.detect_crs(np.array([385000.0]), np.array([6672000.0])) == ("EPSG:3067", False)
    assert files.detect_crs(np.array([10.0]), np.array([50.0])) is None
