"""Writing and reading plans: GeoPackage and GeoJSON round trips, hand-made files, errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj
import pytest
from shapely.geometry import Point

from planner.errors import InputError
from planner.plan import ASSIGNMENT_COLUMNS, DECISION_COLUMNS, Plan

TO_TM35 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)

XY = [(385605.572133, 6672569.091768), (386087.057, 6672975.105), (385200.25, 6671900.5)]
DECISIONS = [
    {"site_id": "city-oodi", "site_name": "Helsingin keskustakirjasto Oodi",
     "host_org": "municipality", "organisation": "kela", "mode": "shared",
     "days_per_month": 0, "action": "open", "annual_cost_eur": 83200.5, "visits": 4100.25},
    {"site_id": "osm-node-42", "site_name": "Työväen <kirjasto> & \"sali\"",
     "host_org": "other", "organisation": "county", "mode": "popup",
     "days_per_month": 4, "action": "open", "annual_cost_eur": 33600.0, "visits": 1200.0},
    {"site_id": "kela-kamppi", "site_name": "Kela Kamppi", "host_org": "kela",
     "organisation": "kela", "mode": "closed", "days_per_month": 0, "action": "close",
     "annual_cost_eur": 0.0, "visits": 0.0},
]
ASSIGNMENT = [
    ("bldg-1", "kela", "city-oodi", "in_person", 12.5, 6.25),
    ("bldg-2", "county", "osm-node-42", "remote", 3.125, 11.5),
    ("bldg-3", "kela", "", "unserved", 0.75, math.nan),
]
META = {"status": "time_limit", "objective": 1483293.12, "bound": 1446217.0, "gap": 0.025,
        "seconds": 40.1, "scenario": "Keskusta – demo", "seed": 0,
        "solver": {"name": "SCIP", "limits": {"time_s": 40, "gap": 0.01}, "tags": ["a", "b"]}}


def _plan() -> Plan:
    dec = gpd.GeoDataFrame(DECISIONS, geometry=[Point(x, y) for x, y in XY], crs="EPSG:3067")
    asg = pd.DataFrame(ASSIGNMENT, columns=list(ASSIGNMENT_COLUMNS))
    kpis = pd.DataFrame(
        {"standard": ["10 min", "12 min"], "share_within_standard": [0.85, 0.9125],
         "annual_cost_eur": [83200.5, 33600.0], "sites_popup": [0, 1]},
        index=pd.Index(["kela", "county"], name="organisation"))
    return Plan(name="hand-made plan", decisions=dec, assignment=asg, kpis=kpis,
                meta=json.loads(json.dumps(META)))


def _check_decisions(back: Plan, tol_m: float) -> None:
    dec = back.decisions
    assert list(dec.columns) == [*DECISION_COLUMNS, "geometry"]
    assert dec.crs.to_epsg() == 3067
    assert len(dec) == len(DECISIONS)
    for i, want in enumerate(DECISIONS):
        row = dec.iloc[i]
        for col, val in want.items():
            if isinstance(val, float):
                assert row[col] == pytest.approx(val, abs=1e-9), col
            else:
                assert row[col] == val, col
        assert row.geometry.x == pytest.approx(XY[i][0], abs=tol_m)
        assert row.geometry.y == pytest.approx(XY[i][1], abs=tol_m)


def _check_assignment(back: Plan) -> None:
    asg = back.assignment
    assert list(asg.columns) == list(ASSIGNMENT_COLUMNS)
    assert len(asg) == len(ASSIGNMENT)
    for i, want in enumerate(ASSIGNMENT):
        row = asg.iloc[i]
        for col, val in zip(ASSIGNMENT_COLUMNS, want, strict=True):
            if isinstance(val, float) and math.isnan(val):
                assert row[col] is None or pd.isna(row[col]), col
            elif isinstance(val, float):
                assert row[col] == pytest.approx(val, abs=1e-12), col
            else:
                assert row[col] == val, col


def _check_kpis(back: Plan) -> None:
    k = back.kpis
    assert list(k.index) == ["kela", "county"]
    assert list(k["standard"]) == ["10 min", "12 min"]
    assert list(k["share_within_standard"]) == pytest.approx([0.85, 0.9125])
    assert list(k["annual_cost_eur"]) == pytest.approx([83200.5, 33600.0])
    assert list(k["sites_popup"]) == [0, 1]


@pytest.mark.parametrize(("name", "tol_m"), [("plan.gpkg", 1e-6), ("plan.geojson", 1e-3)])
def test_round_trip(tmp_path: Path, name: str, tol_m: float) -> None:
    path = _plan().to_file(tmp_path / name)
    assert path == tmp_path / name
    if name.endswith(".gpkg"):
        layers = {layer for layer, _ in pyogrio.list_layers(path)}
        assert {"decisions", "assignment", "kpis", "meta"} <= layers
    else:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["type"] == "FeatureCollection"
        lon, lat = doc["features"][0]["geometry"]["coordinates"]
        assert 24.9 < lon < 25.0 and 60.1 < lat < 60.2  # written in EPSG:4326
    back = Plan.from_file(path)
    assert back.name == "hand-made plan"
    _check_decisions(back, tol_m=tol_m)  # the GeoJSON goes through EPSG:4326
    _check_assignment(back)
    _check_kpis(back)
    # every meta value round-trips except the run's seconds, kept out of files so that the
    # same scenario gives byte-identical plans
    assert back.meta == {k: v for k, v in META.items() if k != "seconds"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_hand_written_geojson_gets_defaults(tmp_path: Path) -> None:
    lonlat = [(24.9384, 60.1739), (24.9521, 60.1686)]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(lonlat[0])},
         "properties": {"site_id": "city-oodi", "organisation": "kela", "mode": "shared"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(lonlat[1])},
         "properties": {"site_id": 17, "organisation": "county", "mode": "remote"}},
    ]}
    path = tmp_path / "mine.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    plan = Plan.from_file(path)
    assert plan.name == "mine"
    assert plan.meta == {}
    assert len(plan.assignment) == 0
    assert list(plan.assignment.columns) == list(ASSIGNMENT_COLUMNS)
    dec = plan.decisions
    assert list(dec.columns) == [*DECISION_COLUMNS, "geometry"]
    assert list(dec["site_id"]) == ["city-oodi", "17"]
    assert list(dec["organisation"]) == ["kela", "county"]
    assert list(dec["mode"]) == ["shared", "remote"]
    assert list(dec["site_name"]) == ["", ""]
    assert list(dec["host_org"]) == ["", ""]
    assert list(dec["days_per_month"]) == [0, 0]
    assert list(dec["action"]) == ["open", "open"]
    assert list(dec["annual_cost_eur"]) == [0.0, 0.0]
    assert list(dec["visits"]) == [0.0, 0.0]
    assert dec.crs.to_epsg() == 3067
    for geom, (lon, lat) in zip(dec.geometry, lonlat, strict=True):
        x, y = TO_TM35.transform(lon, lat)
        assert geom.x == pytest.approx(x, abs=1e-6)
        assert geom.y == pytest.approx(y, abs=1e-6)


def test_bad_mode_names_file_and_value(tmp_path: Path) -> None:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [24.94, 60.17]},
         "properties": {"site_id": "a", "organisation": "kela", "mode": "teleport"}},
    ]}
    path = tmp_path / "bad_mode.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        Plan.from_file(path)
    msg = str(exc.value)
    assert str(path) in msg
    assert "'teleport'" in msg
    assert "\n" not in msg


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        _plan().to_file(tmp_path / "plan.shp")
    assert "plan.shp" in str(exc.value)
    assert "'.shp'" in str(exc.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("suffix", "method"),
                         [(".gpkg", "_write_gpkg"), (".geojson", "_to_geojson_text")])
def test_failed_write_keeps_existing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          suffix: str, method: str) -> None:
    path = tmp_path / f"plan{suffix}"
    _plan().to_file(path)
    before = path.read_bytes()

    def boom(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Plan, method, boom)
    other = _plan()
    other.name = "should not be written"
    with pytest.raises(OSError, match="disk full"):
        other.to_file(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    assert not list(tmp_path.glob(".tmp-*"))
    monkeypatch.undo()
    assert Plan.from_file(path).name == "hand-made plan"
