"""One cost basis for today and every plan: premises, shared services and staff.

Staff move with a closure; a closed host hosts nobody; pop-ups need a staffed base. Every
expected figure below is worked out by hand in the test's docstring.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.assess import kpis
from planner.costing import pricing
from planner.model import colocation
from planner.problem import costs, demand
from planner.problem.build import Problem
from planner.problem.costs import EXISTING_COLUMNS
from planner.scenario import parse_scenario


def _problem(orgs: dict[str, dict], sites: list[dict], points: list[dict],
             times: dict[tuple[int, int], float], existing: list[dict],
             standards: list[dict]) -> Problem:
    base = {"visit_rates": {"age_15_64": 1.0}, "visits_per_desk_year": 10000,
            "office_fixed_eur_year": 20000, "staff_eur_fte_year": 50000,
            "can_remote": False}
    sc = parse_scenario({
        "name": "cost basis toy",
        "organisations": {o: {"name": o, **base, **v} for o, v in orgs.items()},
        "standards": standards,
        "costs": {"value_of_time_eur_per_hour": 0, "desk_m2": 10,
                  "fitout_amortisation_years": 10, "closing_eur": 10000,
                  "shared_saving_share": 0.0, "unserved_eur_per_visit": 1e6,
                  "popup": {"days_per_month": [2], "eur_per_session": 100,
                            "visits_per_day": 25, "desks": 1}},
        "solver": {"time_limit_s": 30, "relative_gap": 0},
    })
    s = gpd.GeoDataFrame({
        "site_id": [x["id"] for x in sites], "name": [x["id"] for x in sites],
        "kind": "office", "host_org": [x["host"] for x in sites], "host_agreement": "yes",
        "spare_desks": [x["spare"] for x in sites],
        "rent_eur_m2_year": [x.get("rent", 100.0) for x in sites], "fitout_eur": 0.0,
        "existing_point_id": "", "source": "test"},
        geometry=[Point(100 * i, 0) for i in range(len(sites))], crs="EPSG:3067")
    dem = gpd.GeoDataFrame({
        "demand_id": [p["id"] for p in points],
        "population": [p["pop"] for p in points], "age_0_14": 0.0,
        "age_15_64": [p["pop"] for p in points], "age_65_": 0.0,
        "municipality": "X", "county": "X", "employment_area": "X"},
        geometry=[Point(0, 10 * i) for i in range(len(points))], crs="EPSG:3067")
    t = pd.DataFrame([(i, j, m) for (i, j), m in times.items()],
                     columns=["origin", "destination", "minutes"])
    ids = [x["id"] for x in sites]
    ex = pd.DataFrame([{
        "org": e["org"], "site": ids.index(e["site"]), "point_id": e["site"],
        "desks": e["desks"], "lease_end": e.get("lease", ""), "must_keep": bool(e.get("lease")),
        "premises_eur": e["premises"], "services_eur": e["services"], "fte": e["fte"],
        "staff_eur": e["fte"] * 50000.0, "recorded_visits": 0.0,
        "annual_cost_eur": e["premises"] + e["services"] + e["fte"] * 50000.0}
        for e in existing], columns=list(EXISTING_COLUMNS))
    v, r = demand.visits(dem, sc)
    return Problem(scenario=sc, orgs=list(orgs), sites=s, demand=dem, times=t, visits=v,
                   remote_share=r, existing=ex, options=costs.option_table(sc, s, ex))


def close_and_move() -> Problem:
    """Build Kela's two offices and a host, where closing and moving staff pay.

    Kela has offices A (2 desks, 2 FTE, premises 50 000, services 20 000, no spare
    desks) and B (3 desks, 3 FTE, premises 60 000, services 20 000, 2 spare desks); host C
    (3 spare desks, rent 100) offers a 2-desk office for 2 x 10 m2 x 100 + 20 000 =
    22 000. One point of 100 residents is within 6 minutes of all three.

    Staff need 5 desks. Keep both: 150 000. Close A (1 000 a year), its 2 FTE into B's
    spare desks: 80 000 + 1 000 = 81 000. Close B: A's 2 desks + C's 2 + 1 more desk at C
    (1 000) = 5, 70 000 + 22 000 + 1 000 + 1 000 = 94 000. Close both: C holds 3 < 5.
    The optimum closes A: 81 000 (staff 250 000 the same in every plan, outside the
    objective).
    """
    return _problem(
        {"kela": {"desks_per_office": 2, "can_popup": False}},
        [{"id": "A", "host": "kela", "spare": 0}, {"id": "B", "host": "kela", "spare": 2},
         {"id": "C", "host": "municipality", "spare": 3}],
        [{"id": "d0", "pop": 100.0}],
        {(0, 0): 5.0, (0, 1): 1.0, (0, 2): 3.0},
        [{"org": "kela", "site": "A", "desks": 2, "fte": 2, "premises": 50000.0,
          "services": 20000.0},
         {"org": "kela", "site": "B", "desks": 3, "fte": 3, "premises": 60000.0,
          "services": 20000.0}],
        [{"organisation": "kela", "minutes": 6, "share": 1.0}])


def test_today_priced_as_a_plan_is_todays_total() -> None:
    p = close_and_move()
    today = kpis.current_plan(p)
    # (50 000 + 20 000 + 2 x 50 000) + (60 000 + 20 000 + 3 x 50 000) = 400 000
    assert today.decisions["annual_cost_eur"].sum() == pytest.approx(400000.0, abs=1e-6)
    assert today.decisions["annual_cost_eur"].sum() == p.existing["annual_cost_eur"].sum()
    lines = today.decisions[list(costs.COST_LINES)].sum(axis=1)
    assert np.allclose(lines, today.decisions["annual_cost_eur"])


def test_closing_an_office_whose_staff_move_saves_premises_and_services_only() -> None:
    p = close_and_move()
    plan = colocation.solved_plan(p)
    assert plan.meta["status"] == "optimal"
    assert plan.meta["objective"] == pytest.approx(81000.0)
    dec = plan.decisions.set_index("site_id")
    assert dec.loc["A", "mode"] == "closed" and dec.loc["B", "action"] == "keep"
    assert dec.loc["B", "staff_fte"] == pytest.approx(5.0)  # A's 2 FTE moved in
    sav = pricing.savings(kpis.current_plan(p).decisions, plan.decisions)
    k = sav[sav["organisation"] == "kela"].set_index("line")["saving_eur"]
    # premises 50 000 and services 20 000 saved, staff 0, closing 1 000 a year more
    assert k["premises"] == pytest.approx(50000.0)
    assert k["services"] == pytest.approx(20000.0)
    assert k["staff"] == pytest.approx(0.0)
    assert k["closing"] == pytest.approx(-1000.0)
    assert k["total"] == pytest.approx(69000.0)
    assert plan.decisions["annual_cost_eur"].sum() == pytest.approx(400000.0 - 69000.0)


def test_a_host_that_closes_cannot_host() -> None:
    """Check that a host that closes its office cannot host others.

    The county's office H (premises 100 000, services 20 000, 1 FTE on 1 desk, 2 spare
    desks) is the only site within 5 minutes of Kela's customers; the county's other office
    T (15 000, 1 desk, 1 spare) could take H's FTE, so closing H would save the county
    120 000 - 1 000. Kela (its own office K, lease to 2040) can serve them only by a pop-up
    at H (2 sessions a month x 12 x 100 = 2 400). Without the rule: close H, its FTE to T:
    K 10 000 + T 15 000 + closing 1 000 + pop-up 2 400 = 28 400. A closed host hosts nobody,
    so H stays, and T closes instead (its FTE into H's spare desk left by the pop-up):
    K 10 000 + H 120 000 + closing T 1 000 + pop-up 2 400 = 133 400 (keeping both:
    147 400).
    """
    p = _problem(
        {"kela": {"desks_per_office": 5}, "county": {"desks_per_office": 5}},
        [{"id": "H", "host": "county", "spare": 2}, {"id": "T", "host": "county", "spare": 1},
         {"id": "K", "host": "kela", "spare": 0}],
        [{"id": "k0", "pop": 100.0}],
        {(0, 0): 1.0, (0, 1): 20.0, (0, 2): 20.0},
        [{"org": "county", "site": "H", "desks": 1, "fte": 1, "premises": 100000.0,
          "services": 20000.0},
         {"org": "county", "site": "T", "desks": 1, "fte": 1, "premises": 10000.0,
          "services": 5000.0},
         {"org": "kela", "site": "K", "desks": 1, "fte": 1, "premises": 5000.0,
          "services": 5000.0, "lease": "2040-01-01"}],
        [{"organisation": "kela", "minutes": 5, "share": 1.0}])
    plan = colocation.solved_plan(p)
    assert plan.meta["status"] == "optimal"
    assert plan.meta["objective"] == pytest.approx(133400.0)
    dec = plan.decisions.set_index(["site_id", "organisation"])
    assert dec.loc[("H", "county"), "action"] == "keep"
    assert dec.loc[("T", "county"), "mode"] == "closed"
    assert dec.loc[("H", "county"), "staff_fte"] == pytest.approx(2.0)
    assert dec.loc[("H", "kela"), "mode"] == "popup"


@pytest.mark.parametrize("least", [0, 1])
def test_a_popup_needs_a_staffed_base_whose_cost_counts(least: int) -> None:
    """Check that a pop-up needs a staffed base, whose cost counts.

    Kela has no office in the region. Its customers are 1 minute from host P (1 spare
    desk: a pop-up, 2 x 12 x 100 = 2 400, but no 2-desk office) and 20 from host O
    (2 spare desks: an office, 2 x 10 m2 x 100 + 20 000 = 22 000). A pop-up alone would
    cost 2 400, but it needs a staffed base: pop-up at P + office at O = 24 400.
    """
    p = _problem(
        {"kela": {"desks_per_office": 2, "min_staffed_sites": least}},
        [{"id": "P", "host": "municipality", "spare": 1},
         {"id": "O", "host": "municipality", "spare": 2}],
        [{"id": "k0", "pop": 100.0}],
        {(0, 0): 1.0, (0, 1): 20.0},
        [], [{"organisation": "kela", "minutes": 5, "share": 1.0}])
    plan = colocation.solved_plan(p)
    assert plan.meta["objective"] == pytest.approx(24400.0)
    dec = plan.decisions.set_index("site_id")
    assert dec.loc["P", "mode"] == "popup" and dec.loc["O", "mode"] == "office"
    assert plan.decisions["annual_cost_eur"].sum() == pytest.approx(24400.0)
