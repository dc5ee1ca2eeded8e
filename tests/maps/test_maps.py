"""Tests of ``planner.maps``: layers, popups, escaping, travel-time colours and saving.

Also the numbers the maps draw: ``planner.assess.kpis.travel_minutes`` and
``plan_isochrones``, and ``planner.problem.demand.demand_grid``.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from branca.colormap import LinearColormap
from folium.plugins import MarkerCluster
from shapely.geometry import Point, box

from planner import maps
from planner.assess import kpis
from planner.maps import (
    MODE_ICONS,
    ORG_COLOURS,
    MapLayers,
    markup,
    plan_map,
    proposal,
    save_map,
    symbols,
)
from planner.maps.elements import children
from planner.plan import ASSIGNMENT_COLUMNS, DECISION_COLUMNS, Plan
from planner.problem.demand import demand_grid, square_cells
from planner.region import Region
from planner.schema import DEMAND_COLUMNS, SERVICE_POINT_COLUMNS, SITE_COLUMNS

EVIL = "<script>alert(1)</script>"
LON, LAT = 24.94, 60.17


def _gdf(rows: list[dict], lonlat: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    pts = [Point(LON + dx, LAT + dy) for dx, dy in lonlat]
    return gpd.GeoDataFrame(rows, geometry=pts, crs="EPSG:4326").to_crs(3067)


def _service_points() -> gpd.GeoDataFrame:
    common = {"services": "benefits", "floor_m2": 300.0, "annual_visits": 10000.0,
              "lease_end": "2027-12-31", "can_host": True, "spare_desks": 2}
    rows = [
        {"point_id": "P1", "organisation": "kela", "org_name": "Kela",
         "name": "Kela Helsinki Centre", "kind": "office", "annual_cost_eur": 250000.0,
         "desks": 10, "source": "osm"},
        {"point_id": "P2", "organisation": "kela", "org_name": "Kela", "name": "Kela Kallio",
         "kind": "office", "annual_cost_eur": 150000.0, "desks": 6, "source": "illustrative"},
        {"point_id": "P3", "organisation": "municipality", "org_name": "City of Helsinki",
         "name": "Helsinki service point", "kind": "office", "annual_cost_eur": 180000.0,
         "desks": 8, "source": "osm"},
    ]
    gdf = _gdf([{**common, **r} for r in rows], [(0.0, 0.0), (0.01, 0.015), (-0.01, 0.005)])
    assert set(SERVICE_POINT_COLUMNS) <= set(gdf.columns)
    return gdf


SITES = [  # site_id, name, host, (dlon, dlat)
    ("S1", "Kallio library", "municipality", (0.012, 0.016)),
    ("S2", EVIL, "kela", (0.03, -0.01)),
    ("S3", "Pasila video point", "municipality", (-0.02, 0.025)),
    ("S4", "Kela Helsinki Centre", "kela", (0.0, 0.0)),
]
#: Host agreement of each site: the library is still to be agreed, S4 is Kela's own office.
AGREEMENT = {"S1": "to_verify", "S2": "yes", "S3": "yes", "S4": "yes"}


def _sites() -> gpd.GeoDataFrame:
    rows = [{"site_id": s, "name": n, "kind": "library" if s == "S1" else "office",
             "host_org": h, "host_agreement": AGREEMENT[s], "spare_desks": 3,
             "rent_eur_m2_year": 250.0, "fitout_eur": 20000.0,
             "existing_point_id": "P1" if s == "S4" else None, "source": "illustrative"}
            for s, n, h, _ in SITES]
    gdf = _gdf(rows, [xy for *_, xy in SITES])
    assert set(SITE_COLUMNS) <= set(gdf.columns)
    return gdf


def _demand() -> gpd.GeoDataFrame:
    pops = [1200, 800, 450, 3000, 60]
    rows = [{"demand_id": f"D{i + 1}", "population": p, "age_0_14": p * 0.15,
             "age_15_64": p * 0.65, "age_65_": p * 0.2, "municipality": "Helsinki",
             "county": "Helsinki", "employment_area": "Uusimaa"} for i, p in enumerate(pops)]
    gdf = _gdf(rows, [(0.005, 0.01), (0.02, -0.005), (-0.015, 0.02), (0.0, -0.01),
                      (0.04, 0.03)])
    assert set(DEMAND_COLUMNS) <= set(gdf.columns)
    return gdf


def _region() -> Region:
    boundary = gpd.GeoDataFrame(
        {"name": [EVIL]}, geometry=[box(LON - 0.05, LAT - 0.03, LON + 0.06, LAT + 0.05)],
        crs="EPSG:4326",
    ).to_crs(3067)
    return Region(
        name="Test Helsinki", service_points=_service_points(), sites=_sites(),
        demand=_demand(), boundary=boundary,
        attribution=["© OpenStreetMap contributors <ODbL>", "Illustrative demo & data"],
    ).validate()


def _decisions() -> gpd.GeoDataFrame:
    where = {s: (n, h, xy) for s, n, h, xy in SITES}
    rows = [  # site, organisation, mode, days, action, cost, visits
        ("S1", "kela", "shared", 0, "open", 123456.0, 5400.4),
        ("S1", "municipality", "shared", 0, "open", 80000.0, 3100.0),
        ("S2", "kela", "popup", 4, "open", 9000.0, 700.0),
        ("S3", "municipality", "remote", 0, "open", 4000.0, 250.0),
        ("S4", "kela", "closed", 0, "close", 0.0, 0.0),
        ("S4", "municipality", "office", 0, "open", 60000.0, 900.0),
    ]
    recs = [{"site_id": s, "site_name": where[s][0], "host_org": where[s][1],
             "organisation": o, "mode": m, "days_per_month": d, "action": a,
             "annual_cost_eur": c, "visits": v} for s, o, m, d, a, c, v in rows]
    gdf = _gdf(recs, [where[s][2] for s, *_ in rows])
    for col in DECISION_COLUMNS:  # cost lines 0; no host agreement (the region's is shown)
        if col not in gdf.columns:
            gdf[col] = "" if col == "host_agreement" else 0.0
    return gdf[[*DECISION_COLUMNS, "geometry"]]


# D1: kela 30 visits at 10 min + 10 visits at 20 min, municipality 20 visits at 9 min;
# its remote and unserved rows must not count.
ASSIGNMENT = [
    ("D1", "kela", "S1", "in_person", 30.0, 10.0),
    ("D1", "kela", "S2", "in_person", 10.0, 20.0),
    ("D1", "municipality", "S1", "in_person", 20.0, 9.0),
    ("D1", "municipality", "S3", "remote", 5.0, 1.0),
    ("D1", "kela", "", "unserved", 3.0, 0.0),
    ("D2", "kela", "S2", "in_person", 25.0, 14.0),
    ("D3", "municipality", "S4", "in_person", 12.0, 22.0),
    ("D4", "kela", "S1", "in_person", 70.0, 6.0),
    ("D4", "municipality", "S4", "in_person", 40.0, 30.0),
    ("D5", "municipality", "S3", "remote", 2.0, 3.0),
]


def _plan() -> Plan:
    asg = pd.DataFrame(ASSIGNMENT, columns=list(ASSIGNMENT_COLUMNS))
    return Plan(name="optimised", decisions=_decisions(), assignment=asg)


def _before() -> Plan:
    asg = pd.DataFrame([(d, o, "S4", "in_person", 10.0, 40.0) for d in ("D1", "D2", "D3", "D4")
                        for o in ("kela",)], columns=list(ASSIGNMENT_COLUMNS))
    return Plan(name="current", decisions=_decisions(), assignment=asg)


def _walk(element):
    for child in children(element).values():
        yield child
        yield from _walk(child)


def _layer(m: folium.Map, name: str) -> folium.FeatureGroup:
    found = [c for c in children(m).values()
             if isinstance(c, folium.FeatureGroup) and c.layer_name == name]
    assert len(found) == 1, name
    return found[0]


def _popup_html(marker) -> str:
    popups = [c for c in children(marker).values() if isinstance(c, folium.Popup)]
    return "".join(h.data for h in children(popups[0].html).values())


def _tooltip(marker) -> str:
    return next(c.text for c in children(marker).values() if isinstance(c, folium.Tooltip))


def _markers(layer) -> list:
    return [c for c in _walk(layer) if isinstance(c, folium.Marker | folium.CircleMarker)]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[folium.Map, str]:
    m = plan_map(_region(), _plan(), before=_before(), title="Helsinki <test> plan")
    out = save_map(m, tmp_path_factory.mktemp("maps") / "plan.html")
    return m, out.read_text(encoding="utf-8")


LAYERS = [
    "Today: Kela (2)", "Today: City of Helsinki (1)", "Proposed: shared premises",
    "Proposed: offices", "Proposed: pop-up", "Proposed: remote service", "Closed offices",
    "Residents: minutes to in-person service (proposed)",
    "Residents: minutes to in-person service (today)", "Region boundary",
]


def test_constants_are_distinct() -> None:
    assert set(ORG_COLOURS) == {"kela", "municipality", "county", "employment", "other"}
    assert len(set(ORG_COLOURS.values())) == len(ORG_COLOURS)
    assert set(MODE_ICONS) == {"office", "shared", "popup", "remote"}
    assert len(set(MODE_ICONS.values())) == len(MODE_ICONS)


def test_every_layer_is_in_the_page_and_the_layer_control(built) -> None:
    m, page = built
    for name in LAYERS:
        assert f'"{name}"' in page, name
    assert "L.control.layers" in page and '"collapsed": true' in page
    assert "L.control.scale" in page  # scale bar
    assert "openstreetmap" in page.lower()
    assert "fitBounds" in page
    assert _layer(m, "Residents: minutes to in-person service (today)").show is False
    assert _layer(m, "Residents: minutes to in-person service (proposed)").show is True


def test_without_before_there_is_no_today_residents_layer() -> None:
    page = plan_map(_region(), _plan()).get_root().render()
    assert "Residents: minutes to in-person service (proposed)" in page
    assert "Residents: minutes to in-person service (today)" not in page


def test_site_names_are_escaped(built) -> None:
    _, page = built
    assert EVIL not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for _, name, _, _ in SITES:
        assert name.replace("<", "&lt;").replace(">", "&gt;") in page
    assert "Helsinki &lt;test&gt; plan" in page  # title
    assert "Helsinki <test> plan" not in page


def test_each_site_is_drawn_once_in_its_strongest_layer(built) -> None:
    m, _ = built
    expected = {"Proposed: shared premises": ["Kallio library"],
                "Proposed: offices": ["Kela Helsinki Centre"],
                "Proposed: pop-up": ["&lt;script&gt;alert(1)&lt;/script&gt;"],
                "Proposed: remote service": ["Pasila video point"]}
    for layer, names in expected.items():
        markers = _markers(_layer(m, layer))
        assert len(markers) == len(names), layer
        for marker, name in zip(markers, names, strict=True):
            assert name in _popup_html(marker)
            assert name in _tooltip(marker)
    icons = [c for c in _walk(_layer(m, "Proposed: shared premises"))
             if isinstance(c, folium.Icon)]
    assert icons[0].options["icon"] == MODE_ICONS["shared"]
    assert icons[0].options["prefix"] == "fa"


def test_shared_popup_lists_both_organisations(built) -> None:
    m, _ = built
    (marker,) = _markers(_layer(m, "Proposed: shared premises"))
    popup = _popup_html(marker)
    rows = re.findall(r"<tr>(.*?)</tr>", popup)
    body = rows[1:]  # first row is the header
    assert len(body) == 2
    assert "Kela" in body[0] and "City of Helsinki" in body[1]
    assert "Host: City of Helsinki (agreement: to verify)" in popup  # from region.sites
    assert "123,456\u00a0€" in body[0]  # thousands separator (English)
    assert "5,400" in body[0]  # visits rounded
    assert "80,000\u00a0€" in body[1]


def test_site_popup_shows_the_host_agreement() -> None:
    dec = _decisions()
    s2 = dec[dec["site_id"] == "S2"]
    names = {"kela": "Kela"}
    # no agreement known (e.g. a region without the column): the host alone
    assert "Host: Kela<br>" in proposal.site_popups(s2, names)["popup"].iloc[0]
    # from the region's sites, by site id
    popup = proposal.site_popups(s2, names, agreements={"S2": "no"})["popup"].iloc[0]
    assert "Host: Kela (agreement: no)<br>" in popup
    # a host_agreement column of the decisions takes precedence over the region's
    own = s2.assign(host_agreement="to_verify")
    popup = proposal.site_popups(own, names, agreements={"S2": "no"})["popup"].iloc[0]
    assert "Host: Kela (agreement: to verify)<br>" in popup


def test_popup_shows_days_per_month(built) -> None:
    m, _ = built
    (marker,) = _markers(_layer(m, "Proposed: pop-up"))
    cells = re.findall(r"<td[^>]*>(.*?)</td>", _popup_html(marker))
    assert cells[:4] == ["Kela", "pop-up", "4", "open"]  # the mode as the glossary names it


def test_closed_office_is_in_closed_layer(built) -> None:
    m, _ = built
    (marker,) = _markers(_layer(m, "Closed offices"))
    popup = _popup_html(marker)
    assert "Kela Helsinki Centre" in popup and "close" in popup
    assert "City of Helsinki" not in popup  # the municipality's office at S4 stays open
    icon = next(c for c in children(marker).values() if isinstance(c, folium.Icon))
    assert icon.options["marker_color"] == "gray"


def test_demand_popup_has_weighted_minutes(built) -> None:
    m, page = built
    layer = _layer(m, "Residents: minutes to in-person service (proposed)")
    markers = _markers(layer)
    assert len(markers) == 5
    d1 = _popup_html(markers[0])
    mean = (30 * 10 + 10 * 20 + 20 * 9) / (30 + 10 + 20)  # in person only: 11.33
    kela = (30 * 10 + 10 * 20) / (30 + 10)  # 12.5
    assert f"Mean to in-person service: {mean:.1f} min" in d1
    assert "Residents: 1,200" in d1
    rows = re.findall(r"<tr>(.*?)</tr>", d1)[1:]
    assert "Kela" in rows[0] and f"{kela:.1f} min" in rows[0]
    assert "City of Helsinki" in rows[1] and "9.0 min" in rows[1]
    assert "no in-person visits" in _popup_html(markers[4])  # D5 is served remotely only
    # bigger population, bigger circle
    radii = [mk.options["radius"] for mk in markers]
    assert radii[3] == max(radii) and radii[4] == min(radii)
    # D4 (6 min x 70, 30 min x 40) is redder than D1
    d4 = (70 * 6 + 40 * 30) / 110
    cmap = next(c for c in children(m).values() if isinstance(c, LinearColormap))
    assert markers[3].options["fillColor"] == cmap(d4)
    assert f"{mean:.1f} min" in page


def test_colormap_legend(built) -> None:
    m, page = built
    cmap = next(c for c in children(m).values() if isinstance(c, LinearColormap))
    assert cmap.vmin == 0
    proposed = [(30 * 10 + 10 * 20 + 20 * 9) / 60, 14.0, 22.0, (70 * 6 + 40 * 30) / 110]
    today = [40.0] * 4  # the before plan: everyone travels 40 minutes
    assert cmap.vmax == max(15, math.ceil(np.percentile(proposed + today, 95)))
    assert cmap.vmax == 40
    assert cmap.caption in page
    assert "Minutes to in-person service" in cmap.caption


def test_colormap_has_a_15_minute_floor() -> None:
    plan = _plan()
    plan.assignment["minutes"] = 2.0
    m = plan_map(_region(), plan)
    cmap = next(c for c in children(m).values() if isinstance(c, LinearColormap))
    assert cmap.vmax == 15


def test_legend_footer_and_attribution_are_escaped(built) -> None:
    _, page = built
    assert "planner-map-legend" in page and "planner-map-footer" in page
    assert "© OpenStreetMap contributors &lt;ODbL&gt;" in page
    assert "Illustrative demo &amp; data" in page
    for icon in MODE_ICONS.values():
        assert f"fa-{icon}" in page
    for colour in ORG_COLOURS.values():
        assert colour in page


def test_coordinates_are_rounded(built) -> None:
    _, page = built
    coords = re.findall(r"\[\s*(-?\d+\.\d+),\s*(-?\d+\.\d+)\s*\]", page)
    assert coords
    for lat, lon in coords:
        assert len(lat.split(".")[1]) <= 6 and len(lon.split(".")[1]) <= 6


def test_marker_cluster_only_for_big_layers(built) -> None:
    m, _ = built
    assert not any(isinstance(c, MarkerCluster) for c in _walk(m))
    region = _region()
    n = 250
    big = pd.concat([region.demand.iloc[[0]]] * n, ignore_index=True)
    big["demand_id"] = [f"B{i}" for i in range(n)]
    region.demand = gpd.GeoDataFrame(big, geometry="geometry", crs=region.demand.crs)
    m2 = plan_map(region, _plan())
    clusters = [c for c in _walk(m2) if isinstance(c, MarkerCluster)]
    assert len(clusters) == 1
    # above the threshold the points are one GeoJSON layer in the cluster, each with its
    # own popup, tooltip and style (radius by population, colour by minutes)
    (geo,) = [c for c in _walk(clusters[0]) if isinstance(c, folium.GeoJson)]
    assert isinstance(geo.marker, folium.CircleMarker)
    feats = geo.data["features"]
    assert len(feats) == n
    assert all("Demand point B" in f["properties"]["popup"] for f in feats)
    assert all("residents" in f["properties"]["tooltip"] for f in feats)
    assert {geo.style_function(f)["radius"] for f in feats} == {12.0}
    # bound per feature, so popups also open inside the cluster
    page = m2.get_root().render()
    assert "layer.bindPopup(feature.properties.popup, {maxWidth: 520})" in page


def test_save_map_is_atomic_and_makes_folders(tmp_path: Path) -> None:
    m = plan_map(_region(), _plan())
    target = tmp_path / "a" / "b" / "map.html"
    out = save_map(m, target)
    assert out == target and target.exists()
    assert os.listdir(target.parent) == ["map.html"]
    assert target.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")
    save_map(m, str(target))  # overwrite in place
    assert os.listdir(target.parent) == ["map.html"]


def test_save_map_leaves_old_file_on_failure(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "map.html"
    target.write_text("old", encoding="utf-8")

    def boom(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)  # as planner._io calls it
    with pytest.raises(OSError):
        save_map(plan_map(_region(), _plan()), target)
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["map.html"]


def test_travel_minutes_weights_and_channels() -> None:
    asg = pd.DataFrame(ASSIGNMENT, columns=list(ASSIGNMENT_COLUMNS))
    overall, per_org = kpis.travel_minutes(asg)
    assert set(overall) == {"D1", "D2", "D3", "D4"}  # D5 has no in-person visits
    assert overall["D1"] == pytest.approx((30 * 10 + 10 * 20 + 20 * 9) / 60)
    row = per_org[(per_org["demand_id"] == "D1") & (per_org["organisation"] == "municipality")]
    assert row[["minutes", "in_person", "remote", "unserved"]].iloc[0].tolist() == [
        9.0, 20.0, 5.0, 0.0]
    # zero visits: plain mean; numeric ids are matched as text
    zero = pd.DataFrame([(1, "kela", "S3", "in_person", 0.0, 3.0),
                         (1, "kela", "S2", "in_person", 0.0, 5.0)],
                        columns=list(ASSIGNMENT_COLUMNS))
    assert kpis.travel_minutes(zero)[0] == {"1": 4.0}
    assert kpis.travel_minutes(asg.iloc[0:0])[0] == {}


# --------------------------------------------------------------------------- grid, isochrones,
# areas, the side-by-side map and self-contained pages
def test_demand_grid_sums_residents_and_weights_minutes() -> None:
    # cells of 100 m: (0,0) holds D1 and D2, (1,0) holds D3, (0,1) holds D4 without minutes
    demand = gpd.GeoDataFrame(
        {"demand_id": ["D1", "D2", "D3", "D4"], "population": [100, 300, 50, 20]},
        geometry=[Point(10, 10), Point(90, 50), Point(150, 20), Point(20, 150)], crs=3067)
    minutes = {"D1": 4.0, "D2": 8.0, "D3": 12.0}
    cells, size = demand_grid(demand, minutes, max_cells=3)
    assert size == 100.0
    assert list(cells["residents"]) == [400, 20, 50]  # sorted by (ix, iy)
    assert list(cells["points"]) == [2, 1, 1]
    assert cells["minutes"].iloc[0] == pytest.approx((100 * 4 + 300 * 8) / 400)
    assert math.isnan(cells["minutes"].iloc[1])
    assert cells["minutes"].iloc[2] == 12.0
    assert cells.geometry.iloc[0].equals(box(0, 0, 100, 100))
    # at most two cells: the side doubles to 200 m and everything falls in one cell
    cells2, size2 = demand_grid(demand, minutes, max_cells=2)
    assert size2 == 200.0 and len(cells2) == 1
    assert cells2["minutes"].iloc[0] == pytest.approx((100 * 4 + 300 * 8 + 50 * 12) / 450)


def test_square_cells_grow_by_the_given_rule() -> None:
    x, y = np.array([1000.0, 1120.0, 1250.0, 1260.0]), np.zeros(4)
    # demand_grid's rule, from the origin: 100 m cells 10, 11, 12, 12 are 3; 200 m: 5, 5, 6, 6
    cells = square_cells(x, y, 2, start_m=100.0, growth=2.0, from_minimum=False)
    assert cells.size == 200.0
    assert cells.ix.tolist() == [5, 5, 6, 6] and cells.iy.tolist() == [0] * 4
    assert cells.group.tolist() == [0, 0, 1, 1]
    # aggregate's rule, from the smallest x (0, 120, 250, 260): 100 m are 3; 150 m: 0, 0, 1, 1
    cells = square_cells(x, y, 2, start_m=100.0, growth=1.5, from_minimum=True)
    assert cells.size == 150.0 and cells.ix.tolist() == [0, 0, 1, 1]
    # keys are never mixed: with the second point in area "b" two groups need one cell of
    # 100 x 1.5^3 = 337.5 m
    cells = square_cells(x, y, 2, start_m=100.0, growth=1.5, from_minimum=True,
                         keys={"area": np.array(["a", "b", "a", "a"])})
    assert cells.size == 337.5 and cells.group.tolist() == [0, 1, 0, 0]


def test_residents_drawn_as_grid_above_the_threshold() -> None:
    m = plan_map(_region(), _plan(), grid_threshold=2)
    layer = _layer(m, "Residents: minutes to in-person service (proposed)")
    # one GeoJSON layer of squares, not a folium object per cell
    (geo,) = [c for c in _walk(layer) if isinstance(c, folium.GeoJson)]
    assert not _markers(layer)
    cells = geo.data["features"]
    assert 1 <= len(cells) <= 2
    assert all(c["geometry"]["type"] == "Polygon" for c in cells)
    tips = [c["properties"]["tooltip"] for c in cells]
    assert sum(int(re.search(r"(\d[\d,]*) residents", t).group(1).replace(",", ""))
               for t in tips) == 1200 + 800 + 450 + 3000 + 60
    for cell, tip in zip(cells, tips, strict=True):
        assert cell["properties"]["popup"].startswith("<b>Grid cell ")
        assert cell["properties"]["popup"].endswith(tip)
        style = geo.style_function(cell)
        assert style["fillColor"] == style["color"] and style["fillOpacity"] == 0.6


class _Problem:
    """The parts of a Problem that ``plan_isochrones`` reads."""

    def __init__(self, sites: gpd.GeoDataFrame, demand: gpd.GeoDataFrame,
                 times: pd.DataFrame) -> None:
        self.sites, self.demand, self.times = sites, demand, times

    def site_index(self) -> pd.Series:
        return pd.Series(range(len(self.sites)), index=self.sites["site_id"].astype(str))


def test_reach_isochrones_cover_the_points_within_the_limit() -> None:
    sites = gpd.GeoDataFrame({"site_id": ["A"], "name": [EVIL]}, geometry=[Point(0, 0)],
                             crs=3067)
    demand = gpd.GeoDataFrame({"demand_id": list("NESW"), "population": [1] * 4},
                              geometry=[Point(0, 100), Point(100, 0), Point(0, -100),
                                        Point(-100, 0)], crs=3067)
    times = pd.DataFrame({"origin": [0, 1, 2, 3], "destination": 0,
                          "minutes": [5.0, 5.0, 20.0, 5.0]})
    dec = gpd.GeoDataFrame([{"site_id": "A", "site_name": EVIL, "host_org": "kela",
                             "organisation": "kela", "mode": "office", "days_per_month": 0,
                             "action": "open", "annual_cost_eur": 0.0, "visits": 0.0}],
                           geometry=[Point(0, 0)], crs=3067)
    iso = kpis.plan_isochrones(Plan("p", dec), _Problem(sites, demand, times), [10, 30])
    assert list(iso["minutes"]) == [30.0, 10.0]
    ten = iso.geometry.iloc[1]
    for p in (Point(0, 100), Point(100, 0), Point(-100, 0), Point(0, -30)):
        assert ten.contains(p)
    assert not ten.contains(Point(0, -100))  # 20 minutes away
    assert iso.geometry.iloc[0].contains(Point(0, -100))
    # remote points are not in-person service: no area
    dec["mode"] = "remote"
    assert not len(kpis.plan_isochrones(Plan("p", dec), _Problem(sites, demand, times), [10]))
    # drawn as a hidden layer with the site's name escaped
    page = plan_map(_region(), _plan(), layers=MapLayers(isochrones=iso)).get_root().render()
    assert "Reach of proposed in-person sites (10 min)" in page
    # one GeoJSON layer per limit; the tooltip property is the escaped name, and the JSON
    # escapes its "&" again (the browser shows the name as text)
    assert EVIL not in page
    assert r"\u0026lt;script\u0026gt;alert(1)\u0026lt;/script\u0026gt;: within 10 min" in page


def _areas() -> gpd.GeoDataFrame:
    rows = [("municipality", EVIL, "kela", 0.9, 0.8, True),
            ("municipality", EVIL, "municipality", 0.4, 0.8, False),
            ("municipality", "Espoo", "kela", 1.0, 0.8, True),
            ("county", "Uusimaa", "kela", 0.7, np.nan, None)]
    df = pd.DataFrame(rows, columns=["level", "area", "organisation", "share_within",
                                     "required_share", "met"]).assign(minutes=10.0)
    geoms = [box(385000, 6671000, 386000, 6672000)] * 2 + [box(386000, 6671000, 387000,
                                                                6672000)] * 2
    return gpd.GeoDataFrame(df, geometry=geoms, crs=3067)


def test_areas_coloured_by_the_worst_share() -> None:
    m = plan_map(_region(), _plan(), layers=MapLayers(areas=_areas()))
    layer = _layer(m, "Areas: share within standard by municipality")
    assert layer.show is False
    _layer(m, "Areas: share within standard by wellbeing services county")
    # one GeoJSON layer per level, a feature per area with its popup, tooltip and colour
    (geo,) = [c for c in _walk(layer) if isinstance(c, folium.GeoJson)]
    shapes = geo.data["features"]
    assert len(shapes) == 2  # sorted by name: "<script>..." before "Espoo"
    cmap = next(c for c in children(m).values()
                if isinstance(c, LinearColormap) and "Share" in c.caption)
    evil, espoo = shapes
    assert geo.style_function(espoo)["fillColor"] == cmap(1.0)
    assert geo.style_function(evil)["fillColor"] == cmap(0.4)  # the municipality's share
    popup = evil["properties"]["popup"]
    assert "&lt;script&gt;" in popup and EVIL not in popup
    cells = re.findall(r"<td[^>]*>(.*?)</td>", popup)
    assert cells[:5] == ["Kela", "10 min", "90.0%", "80%", "yes"]
    assert cells[5:10] == ["City of Helsinki", "10 min", "40.0%", "80%", "no"]
    assert "40% within the standard" in evil["properties"]["tooltip"]
    assert evil["geometry"]["type"] == "Polygon"


def test_comparison_map_has_today_left_and_the_plan_right() -> None:
    dual = maps.comparison_map(_region(), _plan(), _before(), title="A <b> title")
    left = {c.layer_name for c in children(dual.m1).values()
            if isinstance(c, folium.FeatureGroup)}
    right = {c.layer_name for c in children(dual.m2).values()
             if isinstance(c, folium.FeatureGroup)}
    assert {"Today: Kela (2)", "Residents: minutes to in-person service (today)"} <= left
    assert not any(n.startswith("Proposed") for n in left)
    assert {"Proposed: shared premises", "Closed offices",
            "Residents: minutes to in-person service (proposed)"} <= right
    assert not any(n.startswith("Today") for n in right)
    page = dual.get_root().render()
    assert "A &lt;b&gt; title" in page and "A <b> title" not in page
    assert page.count("L.control.layers(") == 2
    # the same colour scale on both sides: D1 today (40 min) and in the plan
    cmap = next(c for c in children(dual.m2).values() if isinstance(c, LinearColormap))
    assert cmap.vmax == 40


def test_saved_page_is_self_contained(tmp_path: Path) -> None:
    m = plan_map(_region(), _plan(), before=_before())
    page = save_map(m, tmp_path / "a.html").read_text(encoding="utf-8")
    assert not re.search(r'<script src="http', page)
    assert not re.search(r'<link rel="stylesheet" href="http', page)
    assert "Leaflet 1.9.3" in page or '"1.9.3"' in page
    assert "font/woff2;base64" in page  # the icon font travels with the page
    linked = save_map(m, tmp_path / "b.html", self_contained=False).read_text(encoding="utf-8")
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js">' in linked
    assert len(linked) < len(page) - 500_000
    dual = save_map(maps.comparison_map(_region(), _plan(), _before()), tmp_path / "c.html")
    assert not re.search(r'<script src="http', dual.read_text(encoding="utf-8"))


def test_popup_tours_layer() -> None:
    stops = pd.DataFrame(
        [("kela", 1, 1, 0, "S4", 480.0, 480.0, 0.0), ("kela", 1, 1, 1, "S2", 485.0, 725.0, 5.0),
         ("kela", 1, 1, 2, "S1", 732.0, 972.0, 7.0), ("kela", 1, 1, 3, "S4", 978.0, 978.0, 6.0),
         ("kela", 1, 2, 0, "S4", 480.0, 480.0, 0.0), ("kela", 1, 2, 1, "S9", 490.0, 700.0, 10.0)],
        columns=["organisation", "team", "day", "stop", "site_id", "arrival_min",
                 "departure_min", "travel_min"])
    m = plan_map(_region(), _plan(), layers=MapLayers(tours=stops))
    layer = _layer(m, "Pop-up tours (staff)")
    assert layer.show is False
    lines = [c for c in _walk(layer) if isinstance(c, folium.PolyLine)]
    assert len(lines) == 1  # day 2 has one known site only (S9 is not a site)
    where = {s: xy for s, *_, xy in SITES}
    expected = [where[s] for s in ("S4", "S2", "S1", "S4")]
    for (lat, lon), (dlon, dlat) in zip(lines[0].locations, expected, strict=True):
        assert lat == pytest.approx(LAT + dlat, abs=1e-6)
        assert lon == pytest.approx(LON + dlon, abs=1e-6)
    assert _tooltip(lines[0]) == "Kela, team 1, day 1: 2 pop-up stops, 18 min travel"
    assert lines[0].options["color"] == ORG_COLOURS["kela"]


def test_shared_premises_popup_shows_the_agreement() -> None:
    from planner.costing import sharing
    from planner.model import colocation
    from tests.model.test_colocation import instance

    # kela and the county share library C (the city lets it): 50 000 each under every
    # key; kela's services serve both, so the county pays kela 10 000 (see
    # test_cost_sharing.test_cost_sharing_of_an_optimised_plan)
    p = instance({"p0": {"A": 5, "B": 5, "C": 5, "D": 5}}, {"p0": 100},
                 rent=(500.0, 2000.0), shared_saving_share=0.4, can_popup=False)
    plan = colocation.solved_plan(p)
    split = sharing.cost_sharing(plan.decisions, p)
    agreement = sharing.agreements(plan.decisions, p, split)
    names = {"kela": "Kela", "county": "County"}
    rows = plan.decisions[plan.decisions["site_id"] == "C"]
    body = proposal.site_popups(rows, names, split, agreement=agreement).iloc[0]["popup"]
    assert "Agreement" in body and "key floor area, term to 31 Dec 2030" in body
    part = body.split("Agreement")[1]
    # per party: what it pays (floor area), its Shapley and nucleolus shares: 50 000 each,
    # to the cent (the shares add up to the site's cost to the cent: planner.cents)
    assert part.count(markup.esc(markup.fmt_cents(50000.0))) == 6
    assert markup.esc("50,000.00\u00a0€") in part
    assert markup.esc(markup.fmt_cents(10000.0)) in part  # the county's fee
    assert ">lessor<" in part and ">tenant<" in part
    alone = proposal.site_popups(plan.decisions[plan.decisions["site_id"] == "A"], names, split,
                              agreement=agreement).iloc[0]["popup"]
    assert "Agreement" not in alone


def test_many_sites_of_one_mode_become_one_geojson_layer() -> None:
    # 600 pop-ups (more than elements.GEOJSON_THRESHOLD): one GeoJSON layer with one feature
    # per site, each with its escaped popup and tooltip, instead of 600 folium Markers
    n = 600
    dec = _decisions()
    pop = dec[dec["mode"] == "popup"].iloc[[0] * n].reset_index(drop=True)
    pop["site_id"] = [f"P{i}" for i in range(n)]
    pop["site_name"] = [f"{EVIL} {i}" for i in range(n)]
    pop = gpd.GeoDataFrame(pop, geometry=[Point(385000 + 10 * i, 6672000) for i in range(n)],
                           crs=3067).to_crs(dec.crs)
    plan = Plan(name="many", decisions=pd.concat([dec, pop], ignore_index=True),
                assignment=pd.DataFrame(ASSIGNMENT, columns=list(ASSIGNMENT_COLUMNS)))
    m = plan_map(_region(), plan)
    layer = _layer(m, "Proposed: pop-up")
    geo = [c for c in _walk(layer) if isinstance(c, folium.GeoJson)]
    assert len(geo) == 1 and not [c for c in _markers(layer) if c is not geo[0].marker]
    feats = geo[0].data["features"]
    assert len(feats) == n + 1  # S2 and the 600
    props = {f["properties"]["tooltip"]: f["properties"]["popup"] for f in feats}
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 599 (Pop-up)" in props
    assert all(EVIL not in p and EVIL not in t for t, p in props.items())
    assert all("Days/month" in p for p in props.values())
    html = m.get_root().render()
    assert html.count("L.marker(") < 20  # the 600 are one GeoJSON layer, not markers


def test_saved_maps_are_the_same_every_time(tmp_path: Path) -> None:
    # branca names elements at random; the maps number them, so a page is reproducible
    def pages() -> tuple[bytes, bytes]:
        m = plan_map(_region(), _plan(), before=_before(), layers=MapLayers(areas=_areas()),
                     grid_threshold=2)
        dual = maps.comparison_map(_region(), _plan(), _before())
        return (save_map(m, tmp_path / "m.html").read_bytes(),
                save_map(dual, tmp_path / "c.html").read_bytes())

    first, again = pages(), pages()
    assert first == again
    assert not re.search(rb"_[0-9a-f]{32}\b", first[0])  # no random names left


@pytest.mark.parametrize("n_extra", [0, 600])  # folium Markers, and one GeoJSON layer
def test_template_syntax_in_names_is_text(n_extra: int) -> None:
    # branca parses folium's output as a Jinja template again: braces from data are
    # escaped so that nothing in a name is evaluated when the page is rendered
    evil = "{{ 6*7 }} {% if true %}x{% endif %} {# c"
    dec = _decisions()
    dec.loc[dec["mode"] == "popup", "site_name"] = evil
    extra = dec[dec["mode"] == "popup"].iloc[[0] * n_extra].reset_index(drop=True)
    extra["site_id"] = [f"P{i}" for i in range(n_extra)]
    dec = pd.concat([dec, extra], ignore_index=True)
    plan = Plan(name=evil, decisions=dec,
                assignment=pd.DataFrame(ASSIGNMENT, columns=list(ASSIGNMENT_COLUMNS)))
    page = plan_map(_region(), plan).get_root().render()
    assert "&#123;&#123; 6*7 &#125;&#125; &#123;% if true %&#125;x" in page  # the title
    # title, popup and tooltip; in GeoJSON properties the JSON escapes "&" once more
    assert (page.count("&#123;&#123; 6*7 &#125;&#125;")
            + page.count(r"\u0026#123;\u0026#123; 6*7 \u0026#125;\u0026#125;")) >= 3
    assert "{{" not in page and "{%" not in page and "{#" not in page


def test_popup_tables_are_styled_once_per_page(built) -> None:
    _, page = built
    assert page.count(markup.TABLE_CSS) == 1
    assert '<table class="planner-table">' in page and "<td style=" not in page
    dual = maps.comparison_map(_region(), _plan(), _before()).get_root().render()
    assert dual.count(markup.TABLE_CSS) == 1


def test_a_plan_of_only_closures_is_drawn() -> None:
    # no open site: the mode layers are empty, the closed sites are markers
    plan = _plan()
    plan.decisions["mode"] = "closed"
    m = plan_map(_region(), plan)
    assert not _markers(_layer(m, symbols.MODE_LAYERS["office"]))
    closed = _markers(_layer(m, symbols.CLOSED_LAYER))
    assert len(closed) == plan.decisions["site_id"].nunique()
