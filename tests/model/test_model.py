"""The co-location model on small instances solved by hand and by brute force."""

from __future__ import annotations

import dataclasses
import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.assess import kpis
from planner.errors import InfeasibleError
from planner.model import colocation
from planner.problem import costs, demand
from planner.problem.build import Problem
from planner.scenario import parse_scenario

# Times (minutes) from the two demand points to sites A, B, C.
TIMES = {0: {0: 1.0, 1: 5.0, 2: 9.0}, 1: {0: 9.0, 1: 5.0, 2: 1.0}}


def toy_problem(*, must_keep_a: bool = False, minutes: float = 6.0,
                orgs: tuple[str, ...] = ("kela",), shared_saving_share: float = 0.0,
                budget: float | None = None) -> Problem:
    """Three sites, two demand points of 100 residents each, one visit a year each.

    A is the organisation's existing office (100 000 EUR/year); B and C are host sites
    where a tenant office costs 2 desks x 10 m2 x rent + 50 000 fixed: B 70 000, C 90 000.
    Travel is valued at 60 EUR/h = 1 EUR per visit-minute. Closing A costs 10 000 once,
    1 000 a year over 10 years. The standard: 100 % within ``minutes``.
    """
    org_def = {"name": "Org", "visit_rates": {"age_15_64": 1.0}, "desks_per_office": 2,
               "visits_per_desk_year": 1000, "office_fixed_eur_year": 50000,
               "can_popup": False, "can_remote": False}
    sc = parse_scenario({
        "name": "toy",
        "organisations": {o: {**org_def, "budget_eur_year": budget} for o in orgs},
        "standards": [{"organisation": "all", "minutes": minutes, "share": 1.0}],
        "costs": {"value_of_time_eur_per_hour": 60, "desk_m2": 10,
                  "fitout_amortisation_years": 10, "closing_eur": 10000,
                  "shared_saving_share": shared_saving_share,
                  "unserved_eur_per_visit": 10000},
        "solver": {"time_limit_s": 30, "relative_gap": 0},
    })
    sites = gpd.GeoDataFrame({
        "site_id": ["A", "B", "C"], "name": ["Site A", "Site B", "Site C"],
        "kind": ["office", "library", "library"], "host_org": [orgs[0], "other", "other"],
        "spare_desks": [0, 2 * len(orgs), 2], "rent_eur_m2_year": [0.0, 1000.0, 2000.0],
        "fitout_eur": [0.0, 0.0, 0.0], "existing_point_id": ["A", "", ""],
        "source": "test"}, geometry=[Point(0, 0), Point(400, 0), Point(800, 0)],
        crs="EPSG:3067")
    dem = gpd.GeoDataFrame({
        "demand_id": ["d0", "d1"], "population": [100.0, 100.0], "age_0_14": [0.0, 0.0],
        "age_15_64": [100.0, 100.0], "age_65_": [0.0, 0.0], "municipality": "X",
        "county": "X", "employment_area": "X"},
        geometry=[Point(0, 10), Point(800, 10)], crs="EPSG:3067")
    times = pd.DataFrame([(i, s, m) for i, row in TIMES.items() for s, m in row.items()],
                         columns=["origin", "destination", "minutes"])
    existing = pd.DataFrame({"org": [orgs[0]], "site": [0], "point_id": ["A"],
                             "annual_cost_eur": [100000.0], "desks": [3],
                             "lease_end": ["2040-01-01" if must_keep_a else ""],
                             "must_keep": [must_keep_a]})
    v, r = demand.visits(dem, sc)
    return Problem(scenario=sc, orgs=list(orgs), sites=sites, demand=dem, times=times,
                   visits=v, remote_share=r, existing=existing,
                   options=costs.option_table(sc, sites, existing))


def brute_force(p: Problem) -> tuple[float, frozenset[int]]:
    """Cheapest set of office sites for one organisation meeting the standard."""
    st = p.scenario.standards[0]
    fixed = {0: 100000.0, 1: 70000.0, 2: 90000.0}
    best = (float("inf"), frozenset())
    for n in range(1, 4):
        for open_ in itertools.combinations(range(3), n):
            if p.existing["must_keep"].iloc[0] and 0 not in open_:
                continue
            if any(min(TIMES[i][s] for s in open_) > st.minutes for i in TIMES):
                continue
            cost = sum(fixed[s] for s in open_) + (0 if 0 in open_ else 1000.0)
            cost += sum(100 * min(TIMES[i][s] for s in open_) for i in TIMES)
            best = min(best, (cost, frozenset(open_)), key=lambda b: b[0])
    return best


def test_hand_solved_optimum_moves_to_b() -> None:
    p = toy_problem()
    plan = colocation.solved_plan(p)
    # by hand: B alone reaches both points in 5 min; 70 000 + closing A 1 000
    # + travel 2 x 100 visits x 5 min x 1 EUR = 72 000 (A+B 170 600, A+C 190 200, ...)
    assert plan.meta["status"] == "optimal"
    assert plan.meta["objective"] == pytest.approx(72000.0)
    assert plan.meta["gap"] == pytest.approx(0.0, abs=1e-6)
    cost, sites = brute_force(p)
    assert cost == pytest.approx(72000.0) and sites == {1}
    dec = plan.decisions.set_index("site_id")
    assert dec.loc["B", "mode"] == "office" and dec.loc["B", "action"] == "open"
    assert dec.loc["A", "mode"] == "closed" and dec.loc["A", "action"] == "close"
    assert set(plan.assignment["site_id"]) == {"B"}
    assert plan.assignment["visits"].sum() == pytest.approx(200.0)


def test_lease_keeps_office_a() -> None:
    p = toy_problem(must_keep_a=True)
    plan = colocation.solved_plan(p)
    cost, sites = brute_force(p)
    # A must stay; d1 needs B or C within 6 min: A+B = 170 000 + 100 x 1 + 100 x 5
    assert cost == pytest.approx(170600.0) and sites == {0, 1}
    assert plan.meta["objective"] == pytest.approx(170600.0)
    kept = plan.decisions.set_index("site_id").loc["A"]
    assert kept["action"] == "keep" and kept["mode"] == "office"


def test_objective_equals_evaluated_cost() -> None:
    p = toy_problem(must_keep_a=True)
    plan = colocation.solved_plan(p)
    plan.kpis = kpis.plan_kpis(plan, p)
    assert kpis.total_cost(plan, p) == pytest.approx(plan.meta["objective"])
    report = kpis.standards_report(plan, p)
    assert report["met"].all()


def test_shared_premises_saving() -> None:
    # two organisations, both with the same costs; A is the first one's office.
    # At shared B the larger office's services serve the other (equal: the first
    # organisation, kela, ranks first), which saves 30 % of its fixed 50 000.
    p = toy_problem(orgs=("kela", "county"), shared_saving_share=0.3)
    plan = colocation.solved_plan(p)
    dec = plan.decisions[plan.decisions["mode"] != "closed"]
    assert set(dec["site_id"]) == {"B"}
    assert set(dec["mode"]) == {"shared"}
    # kela: 70 000 + closing 1 000 + travel 1 000; county 70 000 - 15 000 + travel 1 000
    assert plan.meta["objective"] == pytest.approx((70000 + 1000 + 1000) + (55000 + 1000))


def test_infeasible_standard_is_explained() -> None:
    p = toy_problem(minutes=0.5)
    with pytest.raises(InfeasibleError) as exc:
        colocation.solved_plan(p)
    msg = str(exc.value)
    assert "impossible" in msg and "0.0%" in msg and "\n" not in msg


def test_budget_below_cheapest_plan_is_explained() -> None:
    p = toy_problem(budget=50000.0)
    with pytest.raises(InfeasibleError) as exc:
        colocation.solved_plan(p)
    # the budget caps the organisation's own cost (not residents' travel): B 70 000 plus
    # closing A 1 000 = 71 000
    assert "71,000" in str(exc.value) and "budget of 50,000" in str(exc.value)


def test_repair_adds_the_cheapest_cover_per_euro() -> None:
    # today's office A leaves d1 (9 min) outside the 6-minute standard; B (70 000) and C
    # (90 000) both bring d1's 100 residents within reach: B covers more per euro
    p = toy_problem()
    m = colocation.Model(p)
    today = np.zeros(m.options.y.size, dtype=bool)
    today[m.options.keep] = True
    added = m.repair(today)
    opts = m.options.table.iloc[added]
    assert opts["site"].tolist() == [1] and opts["mode"].tolist() == ["office"]
    # already feasible: nothing to add
    today[added] = True
    assert m.repair(today).size == 0


def test_repair_gives_up_when_no_option_can_meet_the_standard() -> None:
    p = toy_problem(minutes=0.5)  # nothing is within half a minute
    m = colocation.Model(p)
    today = np.zeros(m.options.y.size, dtype=bool)
    today[m.options.keep] = True
    assert m.repair(today).size == 0


def test_warm_start_is_the_rounded_relaxation() -> None:
    # by hand, the relaxation is integral: y_B = 1 meets both coverage rows (y_A + y_B >= 1,
    # y_B + y_C >= 1) for 70 000, any fractional mix costs more (half of A, B and C is
    # 129 500); with closing A (1 000) and travel (2 x 100 x 5 min) it is 72 000, the
    # optimum. Today's network repaired (A + B) costs 170 600, so the hint is B alone.
    p = toy_problem()
    m = colocation.Model(p)
    m.warm_start()
    hints = m.mip.hints()
    hint = np.array([hints[i] for i in range(m.mip.n_vars)])
    assert m.mip.objective_of(hint) == pytest.approx(72000.0)
    assert m.lp_bound == pytest.approx(72000.0)
    taken = m.options.table.loc[hint[m.options.y] > 0.5, "site"].tolist()
    assert taken == [1]
    today = np.zeros(m.options.y.size, dtype=bool)
    today[m.options.keep] = True
    today[m.repair(today)] = True
    assert m.mip.objective_of(m.complete(today)) == pytest.approx(170600.0)
    # C alone misses d0: no plan
    only_c = (m.options.table["site"] == 2).to_numpy()
    assert m.complete(only_c) is None


def test_rins_frees_where_start_and_relaxation_disagree() -> None:
    # start: today's network repaired, A + B (170 600); relaxation: B alone (integral, see
    # above). They agree on B (open) and C (closed), so only A is free: closing it gives
    # the optimum 72 000
    p = toy_problem()
    m = colocation.Model(p)
    today = np.zeros(m.options.y.size, dtype=bool)
    today[m.options.keep] = True
    today[m.repair(today)] = True
    m.start = m.complete(today)
    m.lp_y = m.mip.solve(solver="HIGHS", relax=True).values[m.options.y]
    m.improve(10.0)
    assert m.mip.objective_of(m.start) == pytest.approx(72000.0)
    assert m.options.table.loc[m.start[m.options.y] > 0.5, "site"].tolist() == [1]


def test_the_model_holds_named_parts_not_an_attribute_soup() -> None:
    # the problem, the MIP, six records of its parts and the starting plan's three fields
    m = colocation.Model(toy_problem())
    assert sorted(vars(m)) == ["access", "assignment", "costs", "lp_bound", "lp_y", "mip",
                               "moved", "options", "p", "shared", "start"]
    assert len(vars(m)) <= 15
    # the records are frozen: a part is built once
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.options.y = m.options.y  # type: ignore[misc]
    # every variable belongs to exactly one part (or to the coverage rows of a standard)
    a = m.assignment
    named = np.concatenate([m.options.y, m.shared.w, m.moved.m, a.in_person.var,
                            a.remote.var, a.unserved])
    assert np.unique(named).size == named.size
