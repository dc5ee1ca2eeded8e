"""The pipeline functions the commands and notebooks share.

The region: two counties 500 km apart, X and Y, each with a Kela office ``A`` (30 m2 at
the default 300 EUR/m2, 2 desks, 2 FTE) at the residents of ``d0`` and two libraries of the
city, ``B`` 400 m away (200 EUR/m2) and ``D`` 800 m away at the residents of ``d1``
(100 EUR/m2), with straight-line walking times (x 1.3 at 4.5 km/h: 800 m is 13.9 min).
Kela's standard: every resident of each county within 20 minutes, met from any site.

By hand, per county: today 9 000 (premises) + 50 000 (services) + 120 000 (staff) =
179 000 EUR/year. Moving to ``D``: 2 desks x 10 m2 x 100 = 2 000 + 50 000 + 120 000 + 1 000
(closing, 10 000 over 10 years) = 173 000, the optimum (``B``: 175 000; staying: 179 000).
The proposal keeps ``AX`` and moves Y's office to ``BY``: 179 000 + 175 000 = 354 000.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from planner import pipeline
from planner.region import Region
from planner.scenario import Scenario, parse_scenario


def scenario(decompose_by: str) -> Scenario:
    """Return the two-county scenario, solved as one model or by ``decompose_by``."""
    return parse_scenario({
        "name": "two counties",
        "region": "demo:helsinki",  # replaced by the region given to the pipeline
        "organisations": {"kela": {
            "name": "Kela", "visit_rates": {"age_15_64": 1.0}, "desks_per_office": 2,
            "visits_per_desk_year": 10000, "office_fixed_eur_year": 50000,
            "can_popup": False, "can_remote": False}},
        "standards": [{"organisation": "kela", "area": "county", "minutes": 20,
                       "share": 1.0}],
        "travel": {"model": "straight_line", "cutoff_min": 60},
        "costs": {"value_of_time_eur_per_hour": 60, "desk_m2": 10,
                  "fitout_amortisation_years": 10, "closing_eur": 10000,
                  "shared_saving_share": 0.0},
        "solver": {"time_limit_s": 30, "relative_gap": 0, "decompose": decompose_by,
                   "workers": 1},
    })


def region() -> Region:
    """Return the two-county region of the module docstring."""
    names, kinds, hosts, point, county, geom = [], [], [], [], [], []
    for c, x0 in (("X", 0.0), ("Y", 500_000.0)):
        for k, (s, kind, host) in enumerate((("A", "office", "kela"),
                                             ("B", "library", "city"),
                                             ("D", "library", "city"))):
            names.append(f"{s}{c}")
            kinds.append(kind)
            hosts.append(host)
            point.append(f"{s}{c}" if s == "A" else "")
            county.append(c)
            geom.append(Point(x0 + 400 * k, 0))
    sites = gpd.GeoDataFrame({
        "site_id": names, "name": names, "kind": kinds, "host_org": hosts,
        "host_agreement": "yes", "spare_desks": [0, 2, 2] * 2,
        "rent_eur_m2_year": [300.0, 200.0, 100.0] * 2, "fitout_eur": 0.0,
        "existing_point_id": point, "source": "test", "county": county},
        geometry=geom, crs="EPSG:3067")
    offices = sites[sites["existing_point_id"] != ""]
    points = gpd.GeoDataFrame({
        "point_id": offices["site_id"].to_numpy(), "organisation": "kela",
        "org_name": "Kela", "name": offices["name"].to_numpy(), "kind": "office",
        "services": "", "floor_m2": 30.0, "annual_cost_eur": 0.0, "desks": 2,
        "annual_visits": 0.0, "lease_end": "", "can_host": False, "spare_desks": 0,
        "source": "test"}, geometry=offices.geometry.to_numpy(), crs="EPSG:3067")
    ids = [f"{d}{c}" for c in ("X", "Y") for d in ("d0", "d1")]
    demand = gpd.GeoDataFrame({
        "demand_id": ids, "population": 1000.0, "age_0_14": 0.0, "age_15_64": 1000.0,
        "age_65_": 0.0, "municipality": [i[-1] for i in ids],
        "county": [i[-1] for i in ids], "employment_area": [i[-1] for i in ids]},
        geometry=[Point((0 if i[-1] == "X" else 500_000) + 800 * (i[1] == "1"), 0)
                  for i in ids], crs="EPSG:3067")
    return Region(name="Two counties", service_points=points, sites=sites, demand=demand)


@pytest.mark.parametrize(("decompose_by", "parts"), [("county", ["X", "Y"]), ("none", [])])
def test_evaluate_honours_the_solver_settings_of_a_run(decompose_by: str,
                                                       parts: list[str]) -> None:
    sc = scenario(decompose_by)
    proposal = pd.DataFrame({"site_id": ["AX", "BY"], "organisation": "kela",
                             "mode": "office", "days_per_month": 0})
    ev = pipeline.evaluate_proposal(sc, proposal, name="mine", region=region())
    run = pipeline.run(sc, region=region())
    # the optimised plan of an evaluation is the run's: the same solve, part by part
    assert [p["area"] for p in ev.optimised.meta.get("parts", [])] == parts
    assert [p["area"] for p in run.plan.meta.get("parts", [])] == parts
    pd.testing.assert_frame_equal(ev.optimised.decisions, run.plan.decisions)
    assert ev.optimised.meta["objective"] == pytest.approx(run.plan.meta["objective"])
    # the proposal's rows: Kela's network is AX and BY; AY closes
    dec = ev.proposal.decisions
    open_ = set(dec.loc[dec["mode"] != "closed", "site_id"])
    assert open_ == {"AX", "BY"}
    assert set(dec.loc[dec["mode"] == "closed", "site_id"]) == {"AY"}
    assert ev.vs_today().loc["kela", "offices"] == 2
    # the hand-worked costs of the module docstring
    assert ev.vs_today().loc["kela", "cost_before_eur"] == pytest.approx(2 * 179_000)
    assert ev.vs_today().loc["kela", "cost_after_eur"] == pytest.approx(179_000 + 175_000)
    assert ev.vs_optimised().loc["kela", "cost_after_eur"] == pytest.approx(2 * 173_000)
    assert set(ev.optimised.decisions["site_id"]) == {"AX", "DX", "AY", "DY"}
    assert set(ev.optimised.decisions.query("mode != 'closed'")["site_id"]) == {"DX", "DY"}


def test_a_saved_optimised_plan_is_not_solved_again() -> None:
    sc = scenario("county")
    run = pipeline.run(sc, region=region())
    proposal = pd.DataFrame({"site_id": ["AX", "AY"], "organisation": "kela",
                             "mode": "office", "days_per_month": 0})
    ev = pipeline.evaluate_proposal(sc, proposal, region=region(), optimised=run.plan)
    assert ev.optimised is run.plan
    # today's network proposed again: the same cost and access as today
    totals = ev.totals()
    assert totals["proposal"] == pytest.approx(totals["today"])
    assert (ev.access[["residents_gaining", "residents_losing"]] == 0).all().all()
    assert not (ev.standards["status"] == "new").any()


# --------------------------------------------------------------------------- computed once
def _count_calls(monkeypatch: pytest.MonkeyPatch, targets: dict[str, tuple[object, str]]
                 ) -> dict[str, int]:
    """Wrap each target function wherever a planner module holds it; return the counts.

    A module that imported the function by name holds its own reference, so every loaded
    ``planner`` module's attribute that *is* the function is replaced.
    """
    import sys

    counts = dict.fromkeys(targets, 0)
    for key, (module, name) in targets.items():
        original = getattr(module, name)

        def wrapper(*args: object, _f: object = original, _k: str = key, **kwargs: object
                    ) -> object:
            counts[_k] += 1
            return _f(*args, **kwargs)

        for mod_name, mod in list(sys.modules.items()):
            if mod_name.split(".")[0] == "planner" and mod is not None:
                for attr, value in list(vars(mod).items()):
                    if value is original:
                        monkeypatch.setattr(mod, attr, wrapper)
    return counts


@pytest.mark.slow
def test_one_run_computes_each_thing_once(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    # ``planner run`` of the demo scenario: the demo calibrates its visit rates, so today's
    # network is made twice (before the rates are scaled, for the scaling, and after, for
    # the run); the travel times twice (residents to sites, and sites to sites for the
    # staff); everything else once, whoever shows it (CSV files, report, maps, console)
    from typer.testing import CliRunner

    import planner.cli
    from planner import network
    from planner._paths import DEMO_SCENARIO
    from planner.assess import calibration, kpis
    from planner.costing import sharing
    from planner.model import decompose
    from planner.outputs import report

    counts = _count_calls(monkeypatch, {
        "current_plan": (kpis, "current_plan"), "plan_kpis": (kpis, "plan_kpis"),
        "standards_report": (kpis, "standards_report"), "site_table": (kpis, "site_table"),
        "plan_isochrones": (kpis, "plan_isochrones"),
        "calibrate": (calibration, "calibrate"), "visits_table": (calibration, "visits_table"),
        "cost_sharing": (sharing, "cost_sharing"), "agreements": (sharing, "agreements"),
        "budgets": (sharing, "budgets"), "optimised_plan": (decompose, "optimised_plan"),
        "tours_of": (pipeline, "tours_of"), "area_access": (report, "area_access"),
        "travel_times": (network, "travel_times"), "run_inputs": (pipeline, "run_inputs"),
        "run_of": (pipeline, "run_of")})
    result = CliRunner().invoke(planner.cli.app, ["run", str(DEMO_SCENARIO), "--out",
                                                  str(tmp_path)], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert counts == {"current_plan": 2, "plan_kpis": 2, "standards_report": 2,
                      "site_table": 1, "plan_isochrones": 1, "calibrate": 1,
                      "visits_table": 1, "cost_sharing": 1, "agreements": 1, "budgets": 1,
                      "optimised_plan": 1, "tours_of": 1, "area_access": 1, "travel_times": 2,
                      "run_inputs": 1, "run_of": 1}
