"""Decomposition by county with a national budget, and the sparse cut-off, solved by hand.

Two counties, X and Y, far apart (no travel between them). In each, one organisation
(kela) has an office at A (100 000 EUR/year); B and D are host sites where a tenant office
costs 2 desks x 10 m2 x rent + 50 000: B (rent 1 500) 80 000, D (rent 1 000) 70 000.
Closing A costs 10 000 once, 1 000 a year. Travel is valued at 1 EUR per visit-minute;
each resident makes one visit a year. Both counties have two points, d0 and d1:

    minutes   A   B   D
    d0        1   5   9
    d1        9   5   9

The standard: everyone within 10 minutes. County X has 2 000 residents per point, Y 1 000.
By hand, per county (one office is enough; two cost at least 150 000 more):

    X: keep A 100 000 + 2 000 + 18 000 = 120 000; B 81 000 + 20 000 = 101 000;
       D 71 000 + 36 000 = 107 000                                    -> B, 101 000
    Y: keep A 100 000 + 1 000 + 9 000 = 110 000; B 81 000 + 10 000 = 91 000;
       D 71 000 + 18 000 = 89 000                                     -> D, 89 000

so 190 000 in all, kela's own costs 81 000 + 71 000 = 152 000. With a national budget of
150 000, X must move to D as well: 107 000 + 89 000 = 196 000 (own costs 142 000).
Under a budget price p, X prefers D once 71 000 (1 + p) + 36 000 <= 81 000 (1 + p) + 20 000,
i.e. p >= 0.6; the Lagrangian bound peaks there at
(71 000 x 1.6 + 36 000) + (71 000 x 1.6 + 18 000) - 0.6 x 150 000 = 191 200.
"""

from __future__ import annotations

import dataclasses
import multiprocessing

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.assess import kpis
from planner.model import colocation, decompose
from planner.problem import costs, demand
from planner.problem.build import Problem
from planner.scenario import parse_scenario

TIMES = {"d0": {"A": 1.0, "B": 5.0, "D": 9.0}, "d1": {"A": 9.0, "B": 5.0, "D": 9.0}}
POP = {"X": 2000.0, "Y": 1000.0}


def two_counties(*, budget: float | None = None, decompose_by: str = "county",
                 assign_nearest: int | None = None) -> Problem:
    """Build the two-county problem of the module docstring."""
    sc = parse_scenario({
        "name": "two counties",
        "organisations": {"kela": {
            "name": "Kela", "visit_rates": {"age_15_64": 1.0}, "desks_per_office": 2,
            "visits_per_desk_year": 10000, "office_fixed_eur_year": 50000,
            "can_popup": False, "can_remote": False, "budget_eur_year": budget}},
        "standards": [{"organisation": "all", "area": "county", "minutes": 10, "share": 1.0}],
        "costs": {"value_of_time_eur_per_hour": 60, "desk_m2": 10,
                  "fitout_amortisation_years": 10, "closing_eur": 10000,
                  "shared_saving_share": 0.0, "unserved_eur_per_visit": 10000},
        "solver": {"time_limit_s": 30, "relative_gap": 0, "decompose": decompose_by,
                   "assign_nearest": assign_nearest, "workers": 1},
    })
    names, rent, county, geom = [], [], [], []
    for c, x0 in (("X", 0.0), ("Y", 500_000.0)):
        for k, (s, r) in enumerate((("A", 0.0), ("B", 1500.0), ("D", 1000.0))):
            names.append(f"{s}{c}")
            rent.append(r)
            county.append(c)
            geom.append(Point(x0 + 400 * k, 0))
    sites = gpd.GeoDataFrame({
        "site_id": names, "name": names, "kind": ["office", "library", "library"] * 2,
        "host_org": ["kela", "city", "city"] * 2, "spare_desks": [0, 2, 2] * 2,
        "rent_eur_m2_year": rent, "fitout_eur": 0.0,
        "existing_point_id": ["AX", "", "", "AY", "", ""], "source": "test",
        "county": county}, geometry=geom, crs="EPSG:3067")
    pts = [(f"{d}{c}", c) for c in ("X", "Y") for d in ("d0", "d1")]
    dem = gpd.GeoDataFrame({
        "demand_id": [p for p, _ in pts], "population": [POP[c] for _, c in pts],
        "age_0_14": 0.0, "age_15_64": [POP[c] for _, c in pts], "age_65_": 0.0,
        "municipality": [c for _, c in pts], "county": [c for _, c in pts],
        "employment_area": [c for _, c in pts]},
        geometry=[Point((0 if c == "X" else 500_000) + 100 * i, 10)
                  for i, (_, c) in enumerate(pts)], crs="EPSG:3067")
    pos = {s: k for k, s in enumerate(names)}
    rows = [(i, pos[f"{s}{c}"], m) for i, (p, c) in enumerate(pts)
            for s, m in TIMES[p[:2]].items()]
    times = pd.DataFrame(rows, columns=["origin", "destination", "minutes"])
    existing = pd.DataFrame({"org": ["kela", "kela"], "site": [0, 3],
                             "point_id": ["AX", "AY"], "annual_cost_eur": [100000.0] * 2,
                             "desks": [3, 3], "lease_end": ["", ""],
                             "must_keep": [False, False]})
    v, r = demand.visits(dem, sc)
    return Problem(scenario=sc, orgs=["kela"], sites=sites, demand=dem, times=times,
                   visits=v, remote_share=r, existing=existing,
                   options=costs.option_table(sc, sites, existing))


def offices(plan) -> set[str]:
    d = plan.decisions
    return set(d.loc[d["mode"] != "closed", "site_id"])


def test_split_keeps_each_county_whole() -> None:
    parts = decompose.split(two_counties(), "county")
    assert [a for a, _ in parts] == ["X", "Y"]
    for area, part in parts:
        assert list(part.sites["site_id"]) == [f"A{area}", f"B{area}", f"D{area}"]
        assert list(part.demand["demand_id"]) == [f"d0{area}", f"d1{area}"]
        assert len(part.times) == 6 and part.times["destination"].max() == 2
        assert list(part.existing["site"]) == [0]


def test_decomposed_equals_whole_and_hand() -> None:
    whole = colocation.solved_plan(two_counties(decompose_by="none"))
    parts = decompose.optimised_plan(two_counties())
    assert whole.meta["objective"] == pytest.approx(190000.0)
    assert parts.meta["objective"] == pytest.approx(190000.0)
    assert parts.meta["bound"] == pytest.approx(190000.0)
    assert parts.meta["status"] == "optimal"
    assert offices(parts) == offices(whole) == {"BX", "DY"}
    assert "2 parts by county" in parts.meta["decomposition"]
    p = two_counties()
    parts.kpis = kpis.plan_kpis(parts, p)
    assert kpis.total_cost(parts, p) == pytest.approx(190000.0)


def test_national_budget_priced_across_counties() -> None:
    whole = colocation.solved_plan(two_counties(budget=150000.0, decompose_by="none"))
    assert whole.meta["objective"] == pytest.approx(196000.0)
    plan = decompose.optimised_plan(two_counties(budget=150000.0))
    assert plan.meta["objective"] == pytest.approx(196000.0)
    assert offices(plan) == {"DX", "DY"}
    own = plan.decisions["annual_cost_eur"].sum()
    assert own == pytest.approx(142000.0) and own <= 150000.0
    # a valid Lagrangian bound: above the unbudgeted optimum, at most its peak 191 200
    assert 190000.0 < plan.meta["bound"] <= 191200.0 + 1e-6
    assert "budgets priced" in plan.meta["decomposition"]


def test_budget_no_price_can_meet_is_explained() -> None:
    # the cheapest offices cost 2 x 71 000 = 142 000 of kela's own money
    with pytest.raises(colocation.InfeasibleError, match="no price of the budgets of kela"):
        decompose.optimised_plan(two_counties(budget=140000.0))


def test_sparse_cut_off_keeps_nearest_site_and_current_office() -> None:
    # K = 1: d0 keeps A (nearest, also today's office); d1 keeps B (nearest) and A
    # (its nearest current office), not D -- so D cannot serve X's d1
    m = colocation.Model(two_counties(decompose_by="none", assign_nearest=1))
    ids = m.p.sites["site_id"].to_numpy()
    dem = m.p.demand["demand_id"].to_numpy()
    pairs = {(dem[i], ids[s]) for i, s in zip(m.assignment.in_person.point,
                                                m.assignment.in_person.site, strict=True)}
    assert pairs == {("d0X", "AX"), ("d1X", "BX"), ("d1X", "AX"),
                     ("d0Y", "AY"), ("d1Y", "BY"), ("d1Y", "AY")}
    plan = colocation.solved_plan(two_counties(decompose_by="none", assign_nearest=1))
    # d0 may only go to A, so closing A would leave it unserved (10 000 a visit): each
    # county keeps A alone, X 100 000 + 2 000 + 18 000, Y 100 000 + 1 000 + 9 000 --
    # the price of too small a K
    assert plan.meta["objective"] == pytest.approx(120000.0 + 110000.0)
    assert offices(plan) == {"AX", "AY"}
    # K = 2: d1's second nearest is a tie at 9 min between A and D, broken by site
    # position (A), so D is still out of reach: X B 101 000, Y B 91 000
    two = colocation.solved_plan(two_counties(decompose_by="none", assign_nearest=2))
    assert two.meta["objective"] == pytest.approx(101000.0 + 91000.0)
    three = colocation.solved_plan(two_counties(decompose_by="none", assign_nearest=3))
    assert three.meta["objective"] == pytest.approx(190000.0)


def test_time_is_shared_by_size_and_capped_per_part() -> None:
    # 180 s on 2 processes = 360 s: the largest part (weight 80 of 100) may use at most
    # 180 s, and the other 180 s go to the rest as 10 : 5 : 5
    out = decompose.share_time(np.array([80.0, 10.0, 5.0, 5.0]), 180.0, 2)
    assert out.tolist() == [180.0, 90.0, 45.0, 45.0]
    # no part gets less than MIN_PART_S (10 x 1/1001 s is raised to it)
    out = decompose.share_time(np.array([1000.0, 1.0]), 10.0, 1)
    assert out == pytest.approx([10.0 * 1000 / 1001, decompose.MIN_PART_S])


def _solve_in_daemon(queue: multiprocessing.Queue) -> None:
    p = two_counties()
    solver = p.scenario.solver.model_copy(update={"workers": 2})
    p = dataclasses.replace(p, scenario=p.scenario.model_copy(update={"solver": solver}))
    queue.put(decompose.optimised_plan(p).meta["objective"])


def test_parts_run_in_turn_inside_a_daemon_process() -> None:
    # a Dask worker (planner sweep) is a daemon process, which may not start a pool
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_solve_in_daemon, args=(queue,), daemon=True)
    proc.start()
    assert queue.get(timeout=120) == pytest.approx(190000.0)
    proc.join(timeout=30)
