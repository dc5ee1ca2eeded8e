"""The ``planner`` command: one real ``planner demo`` run, its outputs, help and errors."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

import planner.cli
from planner._paths import DEMO_SCENARIO
from planner.assess.kpis import standards_report
from planner.pipeline import region_and_problem
from planner.plan import Plan
from planner.problem.build import Problem
from planner.scenario import load_scenario

ORGS = ("kela", "municipality", "county", "employment")
#: The demo scenario's standards as written in planner/resources/demo/scenario.yaml:
#: (organisation, minutes, share, min_popup_days).
STANDARDS = [("all", 12.0, 0.8, 2), ("county", 20.0, 0.9, 4)]
LAYERS = ("Proposed: shared premises", "Proposed: pop-up", "Proposed: remote service",
          "Proposed: offices", "Closed offices",
          "Residents: minutes to in-person service (proposed)")


@pytest.fixture(scope="module")
def plan(demo_run: tuple[Result, Path]) -> Plan:
    _, out = demo_run
    return Plan.from_file(out / "plan.gpkg")


@pytest.fixture(scope="module")
def problem() -> Problem:
    return region_and_problem(load_scenario(DEMO_SCENARIO))[1]


def _share_by_hand(plan: Plan, problem: Problem, org: str, minutes: float,
                   min_popup_days: int, area: str | None = None) -> float:
    """Return the share of residents near an eligible open site of ``org``.

    Residents of municipality ``area`` (else all) within ``minutes``.
    """
    position = {str(s): i for i, s in enumerate(problem.sites["site_id"])}
    eligible = set()
    for row in plan.decisions.itertuples():
        if row.organisation != org:
            continue
        if row.mode in ("office", "shared") or (row.mode == "popup"
                                                 and row.days_per_month >= min_popup_days):
            eligible.add(position[row.site_id])
    covered = set()
    for origin, dest, mins in problem.times[["origin", "destination", "minutes"]].itertuples(
            index=False):
        if dest in eligible and mins <= minutes:
            covered.add(int(origin))
    pop = problem.demand["population"].to_numpy(dtype=float)
    if area is not None:
        pop = pop * (problem.demand["municipality"].to_numpy() == area)
    return sum(pop[i] for i in covered) / pop.sum()


@pytest.mark.slow
def test_demo_exits_cleanly_and_writes_outputs(demo_run: tuple[Result, Path]) -> None:
    result, out = demo_run
    assert result.exit_code == 0, result.output
    for name in ("demo.html", "plan.gpkg", "kpis.csv"):
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0
    assert not list(out.glob(".tmp-*"))


@pytest.mark.slow
def test_demo_prints_kpi_table_and_solver_line(demo_run: tuple[Result, Path],
                                              plan: Plan) -> None:
    result, _ = demo_run
    text = result.output
    assert "Today → optimised plan" in text
    for org in ORGS:
        assert re.search(rf"\b{org}\b", text), org
    solver = [line for line in text.splitlines() if line.startswith("Solver:")]
    assert len(solver) == 1
    assert "gap" in solver[0]
    assert plan.meta["status"] in solver[0]
    printed_gap = float(re.search(r"gap (\d+\.\d+)%", solver[0]).group(1))
    assert printed_gap == pytest.approx(100 * plan.meta["gap"], abs=0.006)
    assert "Traceback" not in text
    # COLUMNS=80 (the fixture): no table cell is cut, no table line is wider
    assert "…" not in text
    table = re.split(r"\n(?:Pop-up tours|Solver:)", text.split("Today → optimised plan", 1)[1])[0]
    assert max(len(line.rstrip()) for line in table.splitlines()) <= 80, table
    assert "Region: Residents: HSY 250 m population grid 2020 (CC BY 4.0)" in text
    assert "municipality = postal code area (4, from the extract's addresses)" in text


@pytest.mark.slow
def test_demo_map_has_layers_and_escaped_site_names(demo_run: tuple[Result, Path],
                                                    plan: Plan) -> None:
    _, out = demo_run
    page = (out / "demo.html").read_text(encoding="utf-8")
    for layer in LAYERS:
        assert layer in page, layer
    names = set(plan.open_decisions()["site_name"])
    assert len(names) >= 3
    for name in names:
        assert html.escape(name, quote=True) in page, name


@pytest.mark.slow
def test_plan_meets_its_access_standards(plan: Plan, problem: Problem) -> None:
    report = standards_report(plan, problem)
    # the demo's "municipality" areas are its four postal code areas (resources/demo/README.md):
    # every organisation under the 12-minute standard, plus county's stricter one, in each
    areas = sorted(set(problem.demand["municipality"]))
    assert areas == ["00100 Helsinki", "00120 Helsinki", "00130 Helsinki", "00170 Helsinki"]
    assert len(report) == (len(ORGS) + 1) * len(areas)
    assert report["met"].all(), report.to_string()
    for st_org, minutes, share, days in STANDARDS:
        for org in (ORGS if st_org == "all" else (st_org,)):
            for area in areas:
                achieved = _share_by_hand(plan, problem, org, minutes, days, area)
                assert achieved + 1e-9 >= share, (org, minutes, area, achieved)
                row = report[(report["organisation"] == org) & (report["minutes"] == minutes)
                             & (report["group"] == area)]
                assert len(row) == 1
                assert row["achieved_share"].iloc[0] == pytest.approx(achieved, abs=1e-9)


@pytest.mark.slow
def test_plan_solver_report(plan: Plan) -> None:
    meta = plan.meta
    assert meta["status"] in {"optimal", "feasible", "time_limit"}
    assert meta["gap"] >= 0
    assert meta["bound"] <= meta["objective"] + 1e-6
    expected_gap = (meta["objective"] - meta["bound"]) / meta["objective"]
    assert meta["gap"] == pytest.approx(expected_gap, abs=1e-5)
    assert meta["source"] == "optimised"


@pytest.mark.slow
def test_kpi_csv_meets_the_standard(demo_run: tuple[Result, Path], plan: Plan,
                                    problem: Problem) -> None:
    _, out = demo_run
    kpis = pd.read_csv(out / "kpis.csv", index_col="organisation")
    assert list(kpis.index) == [*ORGS, "all"]
    for org in ORGS:
        assert kpis.loc[org, "standard"] == "12 min"
        assert kpis.loc[org, "within_after"] >= 0.8 - 1e-4
        # the csv is written with 4 decimals; the share by hand must agree
        by_hand = _share_by_hand(plan, problem, org, 12.0, 2)
        assert kpis.loc[org, "within_after"] == pytest.approx(by_hand, abs=6e-5)
    assert np.isnan(kpis.loc["all", "within_after"])


def test_help_explains_itself() -> None:
    runner = CliRunner()
    top = runner.invoke(planner.cli.app, ["--help"], env={"COLUMNS": "200"})
    assert top.exit_code == 0
    assert "demo" in top.output
    assert "shared" in top.output.lower()
    sub = runner.invoke(planner.cli.app, ["demo", "--help"], env={"COLUMNS": "200"})
    assert sub.exit_code == 0
    assert "--out" in sub.output
    assert "--scenario" in sub.output
    assert "demo.html" in sub.output


def test_missing_scenario_is_one_line_error(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(planner.cli.app, ["demo", "--scenario", "nonexistent.yaml"])
    assert result.exit_code == 2
    text = result.output.strip()
    assert text
    assert "\n" not in text
    assert "nonexistent.yaml" in text
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.slow
def test_evaluate_a_proposal(demo_run: tuple[Result, Path], problem: Problem,
                             tmp_path: Path) -> None:
    _, demo_out = demo_run
    proposal = DEMO_SCENARIO.parent / "proposal.csv"
    result = CliRunner().invoke(
        planner.cli.app, ["evaluate", str(DEMO_SCENARIO), str(proposal), "--optimised",
                          str(demo_out / "plan.gpkg"), "--out", str(tmp_path)],
        env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    for name in ("proposal.html", "proposal.gpkg", "proposal_kpis.csv",
                 "proposal_standards.csv", "proposal_access.csv"):
        assert (tmp_path / name).stat().st_size > 0, name
    kpis = pd.read_csv(tmp_path / "proposal_kpis.csv", index_col="organisation")
    # kela by hand: its 11 FTE move to a tenant office at Oodi, priced for all 11 desks
    # (11 x 12 m2 x rent + 60 000 shared services + fit-out / 10), their staff cost
    # (11 x 62 000) and closing its two offices (50 000 / 10 each); Oodi is not shared
    # premises (the county's remote point is not in-person service). Oodi has 6 spare
    # desks, so 5 FTE have no desk: the plan says so.
    sc = problem.scenario
    oodi = problem.sites.set_index("site_id").loc["city-oodi"]
    kela = (11 * 12 * oodi["rent_eur_m2_year"] + 60000 + oodi["fitout_eur"] / 10
            + 11 * 62000 + 2 * sc.costs.closing_eur / 10)
    assert kela == pytest.approx(799560.0)
    assert kpis.loc["kela", "cost_after_eur"] == pytest.approx(kela, abs=0.01)
    assert kpis.loc["kela", "cost_before_eur"] == pytest.approx(791600.0 + 314400.0)
    county_today = kpis.loc["county", "cost_before_eur"]
    assert kpis.loc["county", "cost_after_eur"] == pytest.approx(
        county_today + sc.costs.remote.eur_per_year, abs=0.01)
    assert kpis.loc["municipality", "cost_after_eur"] == kpis.loc["municipality",
                                                                  "cost_before_eur"]
    assert "Total cost" in result.output and "optimised" in result.output
    # the meeting's questions: which broken standards are new, which rules the proposal
    # breaks (11 desks into Oodi's 6 spare), who loses by age group; the run's workbook
    out = " ".join(result.output.split())
    assert "breaks (new) Kela: 80% of residents in municipality 00120 Helsinki" in out
    assert "breaks (already broken today) employment" in out
    assert "rule host_desks: kela takes 11 desks of the host's 6 spare" in out
    assert "age 65_:" in out
    std = pd.read_csv(tmp_path / "proposal_standards.csv")
    assert set(std["status"]) <= {"met", "new", "already broken today"}
    assert (std.loc[std["status"] == "new", "met_today"]).all()
    sheets = pd.read_excel(tmp_path / "report.xlsx", sheet_name=None)
    assert {"Agreements", "Budgets", "Cost sharing", "Checks", "Access changes"} <= set(sheets)
    agree = sheets["Agreements"]
    oodi_kela = agree[(agree["site_id"] == "city-oodi") & (agree["organisation"] == "kela")]
    assert oodi_kela["role"].tolist() == ["tenant"]  # the city lets Oodi: a lessor row too
    assert "lessor" in set(agree.loc[agree["site_id"] == "city-oodi", "role"])
    budgets = sheets["Budgets"].set_index("organisation")
    assert budgets.at["joint", "budget_eur"] == pytest.approx(kpis.loc["all", "cost_after_eur"],
                                                              abs=0.05)
    access = pd.read_csv(tmp_path / "proposal_access.csv", index_col="organisation")
    assert set(access.index) == set(ORGS)


def test_evaluate_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    proposal = tmp_path / "proposal.gpkg"
    proposal.write_bytes(b"not really a geopackage")
    result = CliRunner().invoke(planner.cli.app, ["evaluate", str(DEMO_SCENARIO),
                                                  str(proposal), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "would be overwritten by the output proposal.gpkg" in result.output
    assert proposal.read_bytes() == b"not really a geopackage"


@pytest.mark.slow
def test_demo_plan_shares_premises_and_evaluates_to_its_objective(plan: Plan,
                                                                  problem: Problem) -> None:
    from planner.assess import kpis as evaluate

    shared = plan.decisions[plan.decisions["mode"] == "shared"]
    assert shared["site_id"].nunique() >= 1
    # shared premises: two or more organisations serve in person at each such site
    in_person = plan.decisions[plan.decisions["mode"].isin(["office", "shared", "popup"])]
    per_site = in_person.groupby("site_id")["organisation"].nunique()
    assert (per_site.loc[shared["site_id"].unique()] >= 2).all()
    # the plan as read back from plan.gpkg, evaluated afresh, costs what the solver said
    # plus the staff (the same in every plan, outside the objective) and the pop-ups'
    # travel repriced from the plan's own bases (visits and minutes are stored with 3
    # decimals, hence the tolerance)
    plan.kpis = evaluate.plan_kpis(plan, problem)
    meta = plan.meta
    assert meta["staff_eur"] > 0
    assert evaluate.solver_total(plan) == pytest.approx(
        meta["objective"] + meta["staff_eur"] + meta["travel_repriced_eur"])
    assert evaluate.total_cost(plan, problem) == pytest.approx(evaluate.solver_total(plan),
                                                               rel=1e-5)


@pytest.mark.slow
def test_demo_shows_a_tour_and_a_cost_split(demo_run: tuple[Result, Path]) -> None:
    result, out = demo_run
    tours = pd.read_csv(out / "tours.csv")
    assert len(tours) >= 3  # base, at least one pop-up stop, base
    first = tours[(tours["organisation"] == tours["organisation"].iloc[0])
                  & (tours["team"] == tours["team"].iloc[0])
                  & (tours["day"] == tours["day"].iloc[0])]
    assert first["site_id"].iloc[0] == first["site_id"].iloc[-1]  # back to its base
    assert (first["arrival_min"].diff().dropna() > 0).all()
    assert "Pop-up tours:" in result.output
    assert "Cost split at" in result.output
    page = (out / "demo.html").read_text(encoding="utf-8")
    assert "Agreement" in page and "key floor area" in page  # a shared site's popup
    split = pd.read_excel(out / "report.xlsx", sheet_name="Cost sharing")
    assert set(split["method"]) == {"floor_area", "desk_days", "visits", "equal", "shapley",
                                    "nucleolus"}
    # per site every key splits the same total: the site's premises and shared services
    dec = pd.read_csv(out / "report_decisions.csv", dtype={"site_id": str})
    site_cost = (dec[dec["mode"].isin(["office", "shared", "popup"])]
                 .assign(c=lambda d: d["premises_eur"] + d["services_eur"])
                 .groupby("site_id")["c"].sum())
    assert len(split["site_id"].unique()) >= 1
    for (site, method), g in split.groupby(["site_id", "method"]):
        assert g["share_eur"].sum() == pytest.approx(site_cost[site], abs=0.05), (site, method)
        assert (g["share_eur"] >= 0).all(), (site, method)  # no negative share
        if method in ("shapley", "nucleolus"):  # never above going alone, and in the core
            assert (g["share_eur"] <= g["alone_eur"] + 0.01).all()
            assert g["in_core"].all()


@pytest.mark.slow
def test_demo_plan_is_one_a_facility_planner_can_sign(demo_run: tuple[Result, Path]) -> None:
    """Read the demo's outputs as a planner would.

    Hosts are partners' premises (or agreed), a closed host hosts nobody, every tour starts
    where its organisation is staffed, the savings lines add up, and today's offices
    receive their recorded visits.
    """
    _, out = demo_run
    dec = pd.read_csv(out / "report_decisions.csv", dtype={"site_id": str})
    partners = {"kela", "municipality", "county", "employment"}
    guest = dec[(dec["organisation"] != dec["host_org"]) & (dec["mode"] != "closed")]
    assert len(guest) > 0
    assert (guest["host_org"].isin(partners) | (guest["host_agreement"] == "yes")).all()
    # a site whose host's own office closes hosts nobody else
    closed_hosts = dec[(dec["mode"] == "closed") & (dec["organisation"] == dec["host_org"])]
    for site in closed_hosts["site_id"]:
        assert (dec.loc[dec["site_id"] == site, "mode"] == "closed").all(), site
    # every tour starts and ends at a site where its organisation is staffed in the plan
    staffed = set(zip(dec.loc[dec["mode"].isin(["office", "shared"]), "site_id"],
                      dec.loc[dec["mode"].isin(["office", "shared"]), "organisation"],
                      strict=True))
    tours = pd.read_csv(out / "tours.csv", dtype={"site_id": str})
    assert len(tours) > 0
    for _, t in tours.groupby(["organisation", "team", "day"]):
        first, last = t.sort_values("stop").iloc[[0, -1]].itertuples()
        assert (first.site_id, first.organisation) in staffed
        assert last.site_id == first.site_id
    # the savings lines add up to the difference of today's and the plan's costs
    sav = pd.read_csv(out / "report_savings.csv")
    costs_ = pd.read_csv(out / "report_costs.csv", index_col="organisation")
    for org, g in sav.groupby("organisation"):
        lines = g[g["line"] != "total"]
        total = g[g["line"] == "total"].iloc[0]
        assert lines["saving_eur"].sum() == pytest.approx(total["saving_eur"], abs=0.05)
        assert total["today_eur"] == pytest.approx(costs_.loc[org, "annual_cost_eur_today"],
                                                   abs=0.05)
        assert total["plan_eur"] == pytest.approx(costs_.loc[org, "annual_cost_eur_plan"],
                                                  abs=0.05)
    staff = sav[sav["line"] == "staff"]
    assert staff["change_eur"].abs().max() < 0.05  # staff move, they do not vanish
    # recalibrated: today's network receives the recorded visits within the tolerance
    vis = pd.read_csv(out / "report_visits.csv")
    tot = vis[vis["point_id"] == "total"]
    assert len(tot) == len(ORGS)
    assert (tot["difference_share"].abs() <= 0.25).all()


@pytest.mark.slow
def test_finnish_demo_prints_finnish_and_keeps_the_csv_keys(
        demo_run: tuple[Result, Path], demo_run_fi: tuple[Result, Path]) -> None:
    """Check ``planner demo --lang fi``.

    The printed table, the solver line and the workbook are Finnish, numbers in Finnish
    format; the CSV files are byte for byte the English run's (machine-readable keys, same
    scenario and seed).
    """
    (_, out_en), (result, out_fi) = demo_run, demo_run_fi
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Nykytila → optimoitu suunnitelma" in text
    for label in ("hyvinvointialue", "työllisyysalue", "kunta", "Kela"):
        assert re.search(rf"\b{label}\b", text), label
    solver = [line for line in text.splitlines() if line.startswith("Ratkaisija:")]
    assert len(solver) == 1, text
    plan = Plan.from_file(out_fi / "plan.gpkg")
    gap = re.search(r"ero (\d+,\d+)\u00a0%", solver[0])
    assert gap and float(gap.group(1).replace(",", ".")) == pytest.approx(
        100 * plan.meta["gap"], abs=0.006)
    objective = re.search(r"tavoite ([\d\u00a0]+) EUR/v", solver[0]).group(1)
    assert int(objective.replace("\u00a0", "")) == round(plan.meta["objective"])
    for csv in sorted(out_en.glob("*.csv")):
        en, fi = (pd.read_csv(d / csv.name, dtype=str, keep_default_na=False)
                  for d in (out_en, out_fi))
        if csv.name == "report_run.csv":  # the solve's seconds differ from run to run
            en, fi = (t[t["key"] != "seconds"] for t in (en, fi))
            assert len(en) > 5
        else:
            assert (out_fi / csv.name).read_bytes() == csv.read_bytes(), csv.name
        pd.testing.assert_frame_equal(fi, en)
    page = (out_fi / "demo.html").read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="fi">')  # the page's language
    assert page.count("Central Helsinki shared service network (demo)") == 2  # tab and map
    assert "<title>Central Helsinki shared service network (demo)</title>" in page
    sheets = pd.read_excel(out_fi / "report.xlsx", sheet_name=None)
    assert list(sheets)[:3] == ["Yhteenveto", "Päätökset", "Saavutettavuus"]
    note = sheets["Kustannusten jako"]["huomio"].iloc[0]
    assert note.startswith("Kunkin yhteisen kohteen tilojen")  # the workbook's own note
    summary = sheets["Yhteenveto"].set_index("organisaatio")
    english = pd.read_csv(out_en / "report_summary.csv").set_index("organisation")
    assert summary.loc["hyvinvointialue", "vuosikustannus, EUR"] == pytest.approx(
        english.loc["county", "annual_cost_eur"])
    assert set(sheets["Päätökset"]["palvelumuoto"]) <= {
        "toimipiste", "yhteispalvelupiste", "pop-up-palvelu", "etäpalvelupiste", "suljettu"}


@pytest.mark.slow
def test_swedish_report_of_the_demo_plan(demo_run: tuple[Result, Path],
                                         tmp_path: Path) -> None:
    """Check ``planner report --lang sv``: map and workbook in Swedish, CSV keys English."""
    _, demo_out = demo_run
    result = CliRunner().invoke(planner.cli.app, [
        "report", str(demo_out / "plan.gpkg"), "--scenario", str(DEMO_SCENARIO), "--out",
        str(tmp_path), "--lang", "sv"],
        env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "Nuläge → optimised" in result.output  # the plan's own name stays
    page = (tmp_path / "plan.html").read_text(encoding="utf-8")
    for text in ("Förslag: samservicepunkter", "Organisationer (nuläge)", "Distanstjänstpunkt",
                 "Gator (offline, från körningens vägnät)", "Invånare: minuter till service"):
        # as HTML, or inside the page's script as JSON (non-ASCII letters \u-escaped)
        assert text in page or json.dumps(text)[1:-1] in page, text
    assert "Proposed: shared premises" not in page and "Organisations (today)" not in page
    sheets = pd.read_excel(tmp_path / "report.xlsx", sheet_name=None)
    assert "Sammanfattning" in sheets and "Kostnadsfördelning" in sheets
    assert "välfärdsområde" in set(sheets["Sammanfattning"]["organisation"])
    assert pd.read_csv(tmp_path / "report_summary.csv").columns[0] == "organisation"


def test_errors_in_the_chosen_language(tmp_path: Path) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    result = CliRunner().invoke(planner.cli.app, ["demo", "--lang", "fi", "--out",
                                                  str(a_file)])
    assert result.exit_code == 2
    text = result.output.strip()
    assert "\n" not in text and "Traceback" not in text
    assert text == f"virhe: {a_file}: --out on kansio, ei tiedosto; anna kansion polku"
    bad = CliRunner().invoke(planner.cli.app, ["demo", "--lang", "de", "--out",
                                               str(tmp_path / "x")])
    assert bad.exit_code == 2
    assert bad.output.strip() == ("error: language 'de' is not supported; use one of en, fi, "
                                  "sv")


def test_evaluate_refuses_to_overwrite_an_input_with_an_extra_sheet(tmp_path: Path) -> None:
    # the evaluation's workbook adds Checks and Access changes, each also written as CSV
    proposal = tmp_path / "report_access_changes.csv"
    text = (DEMO_SCENARIO.parent / "proposal.csv").read_text(encoding="utf-8")
    proposal.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(planner.cli.app, ["evaluate", str(DEMO_SCENARIO),
                                                  str(proposal), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "would be overwritten by the output report_access_changes.csv" in result.output
    assert proposal.read_text(encoding="utf-8") == text
