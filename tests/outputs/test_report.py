"""Tests of ``planner.outputs.report`` and ``planner report``: workbook, CSV, GeoPackage, charts.

The unit tests use the demo region with a plan written by hand (no solver): four
organisations at two sites, with costs and visits chosen so that every expected number is
worked out here independently of the code under test.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from PIL import Image
from shapely.geometry import Point, box
from typer.testing import CliRunner, Result

import planner.cli
import planner.model.colocation
from planner._paths import DEMO_SCENARIO
from planner.assess import kpis as evaluate
from planner.outputs import report
from planner.pipeline import run_inputs, run_of
from planner.plan import Plan, normalise_decisions
from planner.problem.build import Problem
from planner.region import Region
from planner.scenario import load_scenario

FORMULA = '=HYPERLINK("http://evil.example","click")'
EVIL = "<script>alert(1)</script>"
ORGS = ("kela", "municipality", "county", "employment")


@pytest.fixture(scope="module")
def prepared_all() -> tuple[Region, Problem, Plan, pd.DataFrame]:
    return run_inputs(load_scenario(DEMO_SCENARIO))


@pytest.fixture(scope="module")
def prepared(prepared_all) -> tuple[Region, Problem]:
    return prepared_all[:2]


def _hand_plan(problem: Problem) -> Plan:
    """Return a plan written by hand.

    Kela and the municipality share site A (60 000 and 40 000 EUR, 100 and 300 visits),
    employment has a remote point there (6 000 EUR), the county an office at site B.
    """
    sites = problem.sites
    a, b = sites.iloc[0], sites.iloc[1]
    rows = [  # site, name, organisation, mode, cost, visits
        (a, FORMULA, "kela", "shared", 60000.0, 100.0),
        (a, FORMULA, "municipality", "shared", 40000.0, 300.0),
        (a, FORMULA, "employment", "remote", 6000.0, 0.0),
        (b, EVIL, "county", "office", 150000.0, 50.0),
    ]
    dec = gpd.GeoDataFrame(
        [{"site_id": s["site_id"], "site_name": n, "host_org": str(s["host_org"]),
          "organisation": o, "mode": m, "days_per_month": 0, "action": "open",
          "annual_cost_eur": c, "visits": v} for s, n, o, m, c, v in rows],
        geometry=[s.geometry for s, *_ in rows], crs=sites.crs)
    dec = normalise_decisions(dec, "hand plan")
    plan = Plan(name="hand", decisions=dec, meta={"status": "evaluated", "source": "test"})
    plan.assignment = evaluate.assign_nearest(plan, problem)
    plan.kpis = evaluate.plan_kpis(plan, problem)
    return plan


@pytest.fixture(scope="module")
def run(prepared_all, tmp_path_factory) -> tuple[Problem, Plan, Plan, dict[str, Path]]:
    region, problem, today, visits = prepared_all
    plan = _hand_plan(problem)
    out = tmp_path_factory.mktemp("report")
    written = report.write_report(out, run_of(problem.scenario, region, problem, today, plan,
                                              visits),
                                  options=report.ReportOptions(map_name="plan.html"))
    return problem, plan, today, written


def _share_by_hand(plan: Plan, problem: Problem, org: str, minutes: float,
                   area: str | None = None) -> float:
    """Return the share of residents with an office or shared premises within reach.

    Residents of municipality ``area`` (else all) with an office or shared premises of
    ``org`` within ``minutes``.
    """
    pos = {str(s): i for i, s in enumerate(problem.sites["site_id"])}
    sites = {pos[r.site_id] for r in plan.decisions.itertuples()
             if r.organisation == org and r.mode in ("office", "shared")}
    t = problem.times
    covered = set(t.loc[t["destination"].isin(sites) & (t["minutes"] <= minutes), "origin"])
    pop = problem.demand["population"].to_numpy(dtype=float)
    if area is not None:
        pop = pop * (problem.demand["municipality"].to_numpy() == area)
    return sum(pop[i] for i in covered) / pop.sum()


def _sheet(path: Path, name: str) -> pd.DataFrame:
    ws = openpyxl.load_workbook(path)[name]
    values = list(ws.values)
    return pd.DataFrame(values[1:], columns=values[0])


# --------------------------------------------------------------------------- spreadsheet safety
@pytest.mark.parametrize(("value", "expected"), [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+41 1234", "'+41 1234"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1", "'\t=1"),
    ("Kela Kamppi", "Kela Kamppi"),
    ("a=b", "a=b"),
    ("", ""),
    (-5.0, -5.0),
    (None, None),
])
def test_safe_cell(value, expected) -> None:
    assert report.safe_cell(value) == expected


@pytest.mark.slow
def test_formula_text_is_neutralised_in_excel_and_csv(run) -> None:
    _, _, _, written = run
    wb = openpyxl.load_workbook(written["xlsx"])
    formulas = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == []
    names = [c.value for c in next(wb["Decisions"].iter_cols(min_col=2, max_col=2))]
    assert names[0] == "site_name"
    assert names.count("'" + FORMULA) == 3
    assert FORMULA not in names
    assert ("'" + FORMULA) in set(_sheet(written["xlsx"], "Shared sites")["site_name"])
    csv = pd.read_csv(written["report_decisions"])
    assert set(csv["site_name"]) == {"'" + FORMULA, EVIL}


# --------------------------------------------------------------------------- workbook
@pytest.mark.slow
def test_workbook_has_the_sheets_and_the_plans_kpis(run) -> None:
    problem, plan, _, written = run
    wb = openpyxl.load_workbook(written["xlsx"])
    assert wb.sheetnames == ["Summary", "Decisions", "Access", "Costs", "Savings", "Visits",
                             "Agreements", "Budgets", "Cost sharing", "Shared sites", "Run"]
    summary = _sheet(written["xlsx"], "Summary").set_index("organisation")
    assert list(summary.index) == [*ORGS, "all"]
    by_hand_cost = {"kela": 60000.0, "municipality": 40000.0, "county": 150000.0,
                    "employment": 6000.0}
    for org in ORGS:
        assert summary.loc[org, "annual_cost_eur"] == by_hand_cost[org]
        assert summary.loc[org, "annual_cost_eur_today"] == pytest.approx(
            float(problem.existing.loc[problem.existing["org"] == org,
                                       "annual_cost_eur"].sum()))
        assert summary.loc[org, "share_within_standard"] == pytest.approx(
            _share_by_hand(plan, problem, org, 12.0), abs=1e-12)
        for col in ("mean_minutes", "p90_minutes", "unserved_visits", "travel_value_eur"):
            assert summary.loc[org, col] == pytest.approx(plan.kpis.loc[org, col], nan_ok=True)
    kela = plan.assignment[(plan.assignment["organisation"] == "kela")
                           & (plan.assignment["channel"] == "in_person")]
    assert summary.loc["kela", "mean_minutes"] == pytest.approx(
        (kela["minutes"] * kela["visits"]).sum() / kela["visits"].sum())
    assert np.isnan(summary.loc["employment", "mean_minutes"])  # remote only
    assert summary.loc["all", "annual_cost_eur"] == sum(by_hand_cost.values())
    assert summary.loc["kela", "sites_shared"] == 1
    assert summary.loc["employment", "sites_remote"] == 1


def test_workbook_cells_as_pandas_writes_them_and_reproducible(tmp_path: Path) -> None:
    import datetime
    import time

    odd = pd.DataFrame({
        "f": [1.5, np.nan, np.inf, -np.inf], "i": [1, 2, 3, 4],
        "b": [True, False, True, False], "o": [FORMULA, None, True, 3],
        "s": pd.array(["a", None, "", "c"], dtype="str"),
        "d": [datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 3, 4, 5),
              pd.Timestamp("2024-01-01"), np.nan],
        "n": pd.array([1, None, 3, 4], dtype="Int64"),
        "l": [[1, 2], {"a": 1}, 1.25, np.float32(2.5)]})
    tables = {"Odd": odd, "Empty": odd.iloc[0:0]}
    first = report.write_excel(tables, tmp_path / "a.xlsx").read_bytes()
    with pd.ExcelWriter(tmp_path / "pandas.xlsx", engine="openpyxl") as xw:
        for name, df in tables.items():
            report.safe_frame(df).to_excel(xw, sheet_name=name, index=False)

    def cells(path: Path) -> dict:
        wb = openpyxl.load_workbook(path)
        return {ws.title: [[(c.value, c.data_type, c.number_format) for c in row]
                           for row in ws.iter_rows()] for ws in wb}

    assert cells(tmp_path / "a.xlsx") == cells(tmp_path / "pandas.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx")["Odd"]
    assert ws.freeze_panes == "A2" and ws["B1"].value == "i"
    assert ws["D2"].value == "'" + FORMULA  # neutralised
    # saved later: the same bytes (openpyxl and zip stamp the time, to 1 and 2 seconds)
    time.sleep(2.1)
    assert report.write_excel(tables, tmp_path / "b.xlsx").read_bytes() == first


@pytest.mark.slow
def test_costs_sheet_before_and_after(run) -> None:
    problem, _, _, written = run
    costs = _sheet(written["xlsx"], "Costs").set_index("organisation")
    today_kela = float(problem.existing.loc[problem.existing["org"] == "kela",
                                            "annual_cost_eur"].sum())
    assert costs.loc["kela", "annual_cost_eur_today"] == pytest.approx(today_kela)
    assert costs.loc["kela", "annual_cost_eur_plan"] == 60000.0
    assert costs.loc["kela", "change_eur"] == pytest.approx(60000.0 - today_kela)
    assert costs.loc["kela", "plan_shared_eur"] == 60000.0
    assert costs.loc["employment", "plan_remote_eur"] == 6000.0
    assert costs.loc["all", "plan_office_eur"] == 150000.0
    assert costs.loc["all", "annual_cost_eur_plan"] == 256000.0


@pytest.mark.slow
def test_shared_sites_sheet_lists_each_shared_sites_organisations(run) -> None:
    _, _, _, written = run
    cs = _sheet(written["xlsx"], "Shared sites")
    assert list(cs["organisation"]) == ["employment", "kela", "municipality"]
    assert list(cs["annual_cost_eur"]) == [6000.0, 60000.0, 40000.0]
    assert list(cs["share_of_site_cost"]) == pytest.approx([6 / 106, 60 / 106, 40 / 106])
    assert list(cs["share_of_visits"]) == pytest.approx([0.0, 0.25, 0.75])


@pytest.mark.slow
def test_cost_sharing_sheet_splits_the_shared_premises(run) -> None:
    problem, _, _, written = run
    cs = _sheet(written["xlsx"], "Cost sharing")
    assert set(cs["method"]) == {"floor_area", "desk_days", "visits", "equal", "shapley",
                                 "nucleolus"}
    assert set(cs["organisation"]) == {"kela", "municipality"}  # remote: not in person
    assert set(cs["site_name"]) == {"'" + FORMULA}
    sc = problem.scenario
    # Site A is Kela Kamppi (kela's own office, 620 m2): kela is the host, the municipality
    # a tenant in its spare desks. The hand plan has no cost lines: its 60 000 and 40 000
    # count as premises (C = 100 000). On its own the municipality would also rent its
    # desks' floor area at the site's rent: 40 000 + space. Two players: Shapley and the
    # nucleolus split the difference, kela 60 000 - space / 2.
    m_desks = sc.organisations["municipality"].desks_per_office
    k_desks = sc.organisations["kela"].desks_per_office
    space = m_desks * sc.costs.desk_m2 * 400.0  # Kamppi's rent, EUR/m2
    by = cs.set_index(["method", "organisation"])
    for method in ("shapley", "nucleolus"):
        assert by.loc[(method, "kela"), "share_eur"] == pytest.approx(60000 - space / 2)
        assert by.loc[(method, "municipality"), "share_eur"] == pytest.approx(40000 + space / 2)
    assert by.loc[("shapley", "municipality"), "alone_eur"] == pytest.approx(40000 + space)
    # floor area: kela's 60 000 over its 620 m2; the municipality's desks' floor area from
    # it, the common space (20 %) by desk-days, kela the rest; the municipality's own 40 000
    per_m2 = 60000 / 620
    common = 0.2 * 620
    m_m2 = m_desks * sc.costs.desk_m2
    w = m_desks / (m_desks + k_desks)
    assert by.loc[("floor_area", "municipality"), "share_eur"] == pytest.approx(
        40000 + m_m2 * per_m2 + common * per_m2 * w, abs=0.01)
    assert by.loc[("floor_area", "kela"), "share_eur"] == pytest.approx(
        (620 - common - m_m2) * per_m2 + common * per_m2 * (1 - w), abs=0.01)
    for method, g in cs.groupby("method"):
        assert g["share_eur"].sum() == pytest.approx(100000.0), method
    assert "Shapley" in cs["note"].iloc[0]
    agree = _sheet(written["xlsx"], "Agreements")
    # site B (Kela Kruununhaka) hosts the county: kela lets it (no office of its own there)
    assert agree.loc[agree["site_id"] == problem.sites["site_id"].iloc[1], "role"].tolist() \
        == ["tenant", "lessor"]
    agree = agree[agree["site_id"] == problem.sites["site_id"].iloc[0]].set_index("organisation")
    assert agree.at["kela", "role"] == "host" and agree.at["municipality", "role"] == "tenant"
    fee = by.loc[("floor_area", "municipality"), "share_eur"] - 40000
    assert agree.at["municipality", "fee_eur"] == pytest.approx(fee, abs=0.01)
    assert agree.at["kela", "income_eur"] == pytest.approx(fee, abs=0.01)
    budgets = _sheet(written["xlsx"], "Budgets").set_index("organisation")
    assert budgets.at["joint", "budget_eur"] == pytest.approx(256000.0)  # 60+40+6+150 k
    assert budgets.at["joint", "fees_paid_eur"] == pytest.approx(
        budgets.at["joint", "fees_received_eur"])


@pytest.mark.slow
def test_access_sheet_is_the_standards_report_today_and_after(run) -> None:
    problem, plan, today, written = run
    access = _sheet(written["xlsx"], "Access")
    # 12 min for all, 20 min for the county, in each of the demo's 4 postal code areas
    assert len(access) == (len(ORGS) + 1) * 4
    area = "00100 Helsinki"
    kela = access[(access["organisation"] == "kela") & (access["minutes"] == 12)
                  & (access["group"] == area)].iloc[0]
    assert kela["achieved_share"] == pytest.approx(
        _share_by_hand(plan, problem, "kela", 12, area))
    assert kela["achieved_share_today"] == pytest.approx(
        _share_by_hand(today, problem, "kela", 12, area))
    assert kela["required_share"] == 0.8
    assert bool(kela["met"]) == (kela["achieved_share"] >= 0.8)


@pytest.mark.slow
def test_csv_copies_equal_the_sheets(run) -> None:
    _, _, _, written = run
    for sheet, stem in report.SHEETS.items():
        csv = pd.read_csv(written[stem])
        xl = _sheet(written["xlsx"], sheet)
        assert list(csv.columns) == list(xl.columns), sheet
        assert len(csv) == len(xl), sheet


# --------------------------------------------------------------------------- GeoPackage
@pytest.mark.slow
def test_geopackage_layers_round_trip(run) -> None:
    problem, plan, _, written = run
    path = written["gpkg"]
    layers = dict(pyogrio.list_layers(path))
    assert {"decisions", "assignment", "kpis", "meta", "sites", "demand",
            "areas"} <= set(layers)
    sites = pyogrio.read_dataframe(path, layer="sites")
    demand = pyogrio.read_dataframe(path, layer="demand")
    areas = pyogrio.read_dataframe(path, layer="areas")
    for gdf, n in ((sites, len(problem.sites)), (demand, len(problem.demand))):
        assert len(gdf) == n
        assert gdf.crs.to_epsg() == 3067
    assert list(sites["site_id"]) == list(problem.sites["site_id"].astype(str))
    a = sites.set_index("site_id").loc[problem.sites["site_id"].iloc[0]]
    assert a["plan_organisations"] == "employment;kela;municipality"
    assert areas.crs.to_epsg() == 3067
    # (4 organisations at 15 min + the county at 20 min) x every area of the 3 levels: the
    # demo's 4 postal code areas, 1 county, its 1 km blocks
    n_areas = sum(problem.demand[c].nunique() for c in ("municipality", "county",
                                                        "employment_area"))
    assert n_areas >= 4 + 1 + 3
    assert len(areas) == n_areas * 5
    assert set(areas["level"]) == {"municipality", "county", "employment_area"}
    # met: a yes/no where the standard is set per municipality, unknown elsewhere
    muni = areas[areas["level"] == "municipality"]
    expected = (muni["share_within"] + 1e-9 >= muni["required_share"]).astype(float)
    assert list(muni["met"].astype(float)) == list(expected)
    assert areas.loc[areas["level"] == "county", "met"].isna().all()
    back = Plan.from_file(path)
    assert len(back.decisions) == 4
    assert list(back.decisions["site_name"]) == [FORMULA, FORMULA, FORMULA, EVIL]
    # minutes of the first demand point with in-person visits, from the assignment by hand
    asg = plan.assignment[plan.assignment["channel"] == "in_person"]
    did = str(asg["demand_id"].iloc[0])
    rows = asg[asg["demand_id"].astype(str) == did]
    expected = (rows["minutes"] * rows["visits"]).sum() / rows["visits"].sum()
    got = demand.set_index(demand["demand_id"].astype(str)).loc[did, "minutes_plan"]
    assert got == pytest.approx(expected)
    kela = rows[rows["organisation"] == "kela"]
    assert demand.set_index(demand["demand_id"].astype(str)).loc[did, "minutes_plan_kela"] \
        == pytest.approx(float(np.average(kela["minutes"], weights=kela["visits"])))


@pytest.mark.slow
def test_geopackage_is_the_same_file_every_time(run, tmp_path: Path) -> None:
    _, plan, _, written = run
    layers = {name: pyogrio.read_dataframe(written["gpkg"], layer=name)
              for name in ("sites", "areas")}
    first = report.write_gpkg(plan, layers, tmp_path / "a.gpkg").read_bytes()
    again = report.write_gpkg(plan, layers, tmp_path / "b.gpkg").read_bytes()
    assert first == again  # GDAL stamps each layer's last change: fixed for all layers
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None  # restored


# --------------------------------------------------------------------------- areas
def test_area_polygons_dissolve_hull_and_single_area() -> None:
    region = Region(name="t", service_points=gpd.GeoDataFrame(), sites=gpd.GeoDataFrame(),
                    demand=gpd.GeoDataFrame(),
                    boundary=gpd.GeoDataFrame({"municipality": ["A", "A", "B"]},
                                              geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10),
                                                        box(0, 10, 20, 20)], crs=3067))
    demand = gpd.GeoDataFrame({"municipality": ["A", "B", "B"], "county": ["X", "X", "Y"]},
                              geometry=[Point(5, 5), Point(5, 15), Point(15, 15)], crs=3067)
    m = report.area_polygons(region, demand, "municipality")
    assert list(m["area"]) == ["A", "B"]
    assert m.geometry.iloc[0].area == pytest.approx(200.0)  # the two A boxes dissolved
    c = report.area_polygons(region, demand, "county")  # no county column: hulls, clipped
    assert list(c["area"]) == ["X", "Y"]
    assert c.geometry.iloc[0].contains(Point(5, 5)) and c.geometry.iloc[0].contains(Point(5, 15))
    assert c.geometry.iloc[1].area == pytest.approx(
        Point(15, 15).buffer(100.0).intersection(box(0, 0, 20, 20)).area)
    one = report.area_polygons(region, demand.assign(county="X"), "county")
    assert one.geometry.iloc[0].area == pytest.approx(400.0)  # the whole boundary


@pytest.mark.slow
def test_area_access_shares_by_hand(run, prepared) -> None:
    region, problem = prepared
    _, plan, today, _ = run
    acc = report.area_access(plan, problem, region, before=today)
    row = acc[(acc["level"] == "municipality") & (acc["organisation"] == "county")
              & (acc["minutes"] == 20)].iloc[0]
    area = row["area"]
    assert area == "00100 Helsinki"  # the first postal code area
    assert row["share_within"] == pytest.approx(
        _share_by_hand(plan, problem, "county", 20, area))
    assert row["share_before"] == pytest.approx(
        _share_by_hand(today, problem, "county", 20, area))
    assert row["required_share"] == 0.9
    county_rows = acc[acc["level"] == "county"]
    assert county_rows["required_share"].isna().all()  # the standards are per municipality


# --------------------------------------------------------------------------- charts and maps
def nonblank_png(path: Path) -> tuple[int, int, float]:
    """Return the width, height and share of pixels unlike the corner pixel of a PNG."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=int)
    differs = (np.abs(rgb - rgb[0, 0]).sum(axis=2) > 30).mean()
    return rgb.shape[1], rgb.shape[0], float(differs)


@pytest.mark.slow
def test_charts_are_nonblank_pngs(run) -> None:
    _, _, _, written = run
    for key in ("travel_times", "costs"):
        width, height, differs = nonblank_png(written[key])
        assert width > 300 and height > 200
        assert differs > 0.01, key


@pytest.mark.slow
def test_maps_written_with_isochrones_and_areas(run) -> None:
    _, _, _, written = run
    page = written["map"].read_text(encoding="utf-8")
    assert "Reach of proposed in-person sites (12 min)" in page
    assert "Reach of proposed in-person sites (20 min)" in page
    assert "Areas: share within standard by municipality" in page
    assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    compare = written["compare_map"].read_text(encoding="utf-8")
    assert compare.count("L.control.layers(") == 2
    assert ".sync(" in compare


# --------------------------------------------------------------------------- the commands
@pytest.mark.slow
def test_demo_writes_the_report_and_a_small_map(demo_run: tuple[Result, Path]) -> None:
    result, out = demo_run
    assert result.exit_code == 0, result.output
    size = (out / "demo.html").stat().st_size
    assert 100_000 < size < 5_000_000
    assert (out / "demo_compare.html").stat().st_size < 5_000_000
    for name in ("report.xlsx", "travel_times.png", "costs.png", "report_summary.csv"):
        assert (out / name).stat().st_size > 0, name
    assert "report.xlsx" in result.output
    summary = _sheet(out / "report.xlsx", "Summary").set_index("organisation")
    kpis = Plan.from_file(out / "plan.gpkg").kpis
    for org in ORGS:
        for col in ("annual_cost_eur", "share_within_standard", "mean_minutes"):
            assert summary.loc[org, col] == pytest.approx(kpis.loc[org, col], rel=1e-9)


@pytest.mark.slow
def test_report_command_rerenders_without_solving(demo_run: tuple[Result, Path],
                                                  tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _, demo_out = demo_run

    def no_solving(*_args, **_kwargs):
        raise AssertionError("planner report must not solve")

    monkeypatch.setattr(planner.model.colocation, "solved_plan", no_solving)
    result = CliRunner().invoke(planner.cli.app, ["report", str(demo_out / "plan.gpkg"),
                                                  "--scenario", str(DEMO_SCENARIO),
                                                  "--out", str(tmp_path)],
                                env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    for name in ("plan.html", "plan_compare.html", "plan.gpkg", "report.xlsx",
                 "travel_times.png", "costs.png", "report_cost_sharing.csv"):
        assert (tmp_path / name).stat().st_size > 0, name
    saved = Plan.from_file(demo_out / "plan.gpkg")
    again = Plan.from_file(tmp_path / "plan.gpkg")
    assert list(again.decisions["site_id"]) == list(saved.decisions["site_id"])
    assert again.meta["objective"] == saved.meta["objective"]
    summary = _sheet(tmp_path / "report.xlsx", "Summary").set_index("organisation")
    for org in ORGS:
        assert summary.loc[org, "annual_cost_eur"] == pytest.approx(
            saved.kpis.loc[org, "annual_cost_eur"])
    assert "Today → optimised" in result.output


@pytest.mark.slow
def test_report_command_refuses_to_overwrite_the_plan(demo_run: tuple[Result, Path]) -> None:
    _, demo_out = demo_run
    before = (demo_out / "plan.gpkg").read_bytes()
    result = CliRunner().invoke(planner.cli.app, ["report", str(demo_out / "plan.gpkg"),
                                                  "--out", str(demo_out)])
    assert result.exit_code == 2
    assert "would be overwritten" in result.output
    assert (demo_out / "plan.gpkg").read_bytes() == before
