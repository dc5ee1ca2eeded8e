"""The co-location model on two organisations and four sites, each optimum worked on paper.

Common to every instance: travel is valued at 60 EUR/h, i.e. 1 EUR per visit-minute; each
resident (all aged 15-64) makes one visit a year to each organisation; an office has 2 desks
of 10 m2 and a fixed running cost of 50 000 EUR/year, so a tenant office at a host charging
R EUR/m2 costs 20 R + 50 000; closing an existing office costs 10 000 once, 1 000 a year over
10 years; a visit no option takes costs 10 000 (never worth it); a pop-up day costs 100 EUR
and serves 25 visits; a remote point costs 300 EUR/year.

Sites: A is kela's office (58 000 EUR/year), B the county's (58 000), C and D are libraries
with 4 spare desks.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.assess import kpis
from planner.assess.proposal import proposal_plan
from planner.errors import InfeasibleError, InputError
from planner.model import colocation
from planner.problem import costs, demand
from planner.problem.build import Problem
from planner.scenario import parse_scenario

ORGS = ("kela", "county")


def instance(times: dict[str, dict[str, float]], population: dict[str, float], *,
             rent: tuple[float, float] = (500.0, 500.0), shared_saving_share: float = 0.0,
             standards: list[dict] | None = None, remote_share: dict[str, float] | None = None,
             can_popup: bool = True, municipality: dict[str, str] | None = None) -> Problem:
    """Build a two-organisation, four-site problem; ``times[point][site]`` in minutes.

    Only the organisations in ``remote_share`` may run remote points; budgets are set by
    :func:`with_budgets`.
    """
    remote_share = remote_share or {}
    orgs = {
        o: {"name": o, "visit_rates": {"age_15_64": 1.0},
            "remote_share": {"age_15_64": remote_share.get(o, 0.0)},
            "desks_per_office": 2, "visits_per_desk_year": 1000,
            "office_fixed_eur_year": 50000, "can_popup": can_popup,
            "can_remote": o in remote_share, "budget_eur_year": None}
        for o in ORGS
    }
    sc = parse_scenario({
        "name": "colocation",
        "organisations": orgs,
        "standards": standards if standards is not None
        else [{"organisation": "all", "minutes": 10, "share": 1.0, "min_popup_days": 2}],
        "costs": {"value_of_time_eur_per_hour": 60, "desk_m2": 10,
                  "fitout_amortisation_years": 10, "closing_eur": 10000,
                  "shared_saving_share": shared_saving_share, "unserved_eur_per_visit": 10000,
                  "popup": {"days_per_month": [2, 4], "eur_per_session": 100,
                            "visits_per_day": 25, "desks": 1},
                  "remote": {"eur_per_year": 300, "visits_per_year": 1000}},
        "solver": {"time_limit_s": 30, "relative_gap": 0},
    })
    sites = gpd.GeoDataFrame({
        "site_id": ["A", "B", "C", "D"], "name": ["Kela A", "County B", "Library C",
                                                  "Library D"],
        "kind": ["office", "office", "library", "library"],
        "host_org": ["kela", "county", "city", "city"], "spare_desks": [0, 0, 4, 4],
        "rent_eur_m2_year": [0.0, 0.0, *rent], "fitout_eur": 0.0,
        "existing_point_id": ["A", "B", "", ""], "source": "test"},
        geometry=[Point(0, 0), Point(100, 0), Point(5000, 0), Point(2500, 0)], crs="EPSG:3067")
    names = list(population)
    municipality = municipality or {}
    dem = gpd.GeoDataFrame({
        "demand_id": names, "population": [population[n] for n in names],
        "age_0_14": 0.0, "age_15_64": [population[n] for n in names], "age_65_": 0.0,
        "municipality": [municipality.get(n, "M1") for n in names], "county": "X",
        "employment_area": "X"},
        geometry=[Point(10 * i, 50) for i in range(len(names))], crs="EPSG:3067")
    pos = {s: k for k, s in enumerate(sites["site_id"])}
    tt = pd.DataFrame([(names.index(p), pos[s], m) for p, row in times.items()
                       for s, m in row.items()], columns=["origin", "destination", "minutes"])
    tt = tt.sort_values(["origin", "destination"]).reset_index(drop=True)
    existing = pd.DataFrame({"org": list(ORGS), "site": [0, 1], "point_id": ["A", "B"],
                             "annual_cost_eur": [58000.0, 58000.0], "desks": [3, 3],
                             "lease_end": ["", ""], "must_keep": [False, False]})
    v, r = demand.visits(dem, sc)
    return Problem(scenario=sc, orgs=list(ORGS), sites=sites, demand=dem, times=tt, visits=v,
                   remote_share=r, existing=existing,
                   options=costs.option_table(sc, sites, existing))


def with_budgets(p: Problem, budgets: dict[str, float]) -> Problem:
    """Return ``p`` with the organisations' annual budgets (EUR/year) of ``budgets``."""
    orgs = {o: org.model_copy(update={"budget_eur_year": budgets.get(o)})
            for o, org in p.scenario.organisations.items()}
    return dataclasses.replace(p, scenario=p.scenario.model_copy(update={"organisations": orgs}))


def decisions(plan) -> dict[tuple[str, str], tuple[str, int]]:
    """(site, organisation) -> (mode, days) of every decision."""
    d = plan.decisions
    return {(s, o): (m, int(k)) for s, o, m, k in
            zip(d["site_id"], d["organisation"], d["mode"], d["days_per_month"], strict=True)}


def check_objective(plan, p: Problem, expected: float) -> None:
    """Check that the plan is optimal and costs ``expected`` however it is priced.

    The optimiser's objective, the evaluated plan and the plan retyped as a user's proposal
    (site, organisation, mode, days only) all cost ``expected``.
    """
    assert plan.meta["status"] == "optimal"
    assert plan.meta["objective"] == pytest.approx(expected)
    assert kpis.total_cost(plan, p) == pytest.approx(expected)
    rows = plan.decisions[["site_id", "organisation", "mode", "days_per_month"]]
    retyped = proposal_plan(pd.DataFrame(rows), p)
    assert kpis.total_cost(retyped, p) == pytest.approx(expected)
    assert decisions(retyped) == decisions(plan)


def test_optimum_is_shared_premises() -> None:
    # One point of 100 residents, 5 minutes from every site: 100 visits per organisation,
    # 500 EUR of travel wherever they go. A tenant office at C costs 20 x 500 + 50 000 =
    # 60 000, at D (2 000 EUR/m2) 90 000. Sharing saves 40 % of the fixed 50 000 = 20 000.
    #   alone, kela: keep A 58 000 + 500 = 58 500 < move to C 60 000 + 1 000 + 500 = 61 500
    #   together at C the larger office's services serve the other (equal: kela, the first
    #   organisation, ranks first): kela 60 000 + 1 000 closing + 500 travel = 61 500,
    #   the county 60 000 - 20 000 + 1 000 + 500 = 41 500
    # so both move into C: 103 000 < keeping both 117 000 (D shared: 91 500 + 71 500).
    p = instance({"p0": {"A": 5, "B": 5, "C": 5, "D": 5}}, {"p0": 100},
                 rent=(500.0, 2000.0), shared_saving_share=0.4, can_popup=False)
    plan = colocation.solved_plan(p)
    check_objective(plan, p, 103000.0)
    assert decisions(plan) == {("A", "kela"): ("closed", 0), ("B", "county"): ("closed", 0),
                               ("C", "kela"): ("shared", 0), ("C", "county"): ("shared", 0)}
    # without the saving each keeps its own office
    alone = colocation.solved_plan(instance({"p0": {"A": 5, "B": 5, "C": 5, "D": 5}}, {"p0": 100},
                                 rent=(500.0, 2000.0), can_popup=False))
    assert alone.meta["objective"] == pytest.approx(117000.0)


def test_optimum_is_a_popup() -> None:
    # p0 (100 residents) is 2 min from A and B; p1 (20 residents) is 2 min from C, 20 from D
    # and 40 from A and B. The standard (everyone within 10 min, pop-ups of 2+ days count)
    # needs in-person service at C for p1: a tenant office 60 000 or a 2-day pop-up
    # 2 x 12 x 100 = 2 400 (capacity 600 visits). A and B are the only sites near p0.
    # Each organisation: keep its office 58 000 + pop-up 2 400 + travel 100 x 2 + 20 x 2
    # = 60 640; both 121 280.
    p = instance({"p0": {"A": 2, "B": 2, "C": 40, "D": 20},
                  "p1": {"A": 40, "B": 40, "C": 2, "D": 20}}, {"p0": 100, "p1": 20})
    plan = colocation.solved_plan(p)
    check_objective(plan, p, 121280.0)
    assert decisions(plan) == {("A", "kela"): ("office", 0), ("B", "county"): ("office", 0),
                               ("C", "kela"): ("popup", 2), ("C", "county"): ("popup", 2)}


REMOTE_TIMES = {"p0": {"A": 2, "B": 2, "C": 40, "D": 20},
                "p1": {"A": 40, "B": 40, "C": 2, "D": 20}}


def test_optimum_is_a_remote_point() -> None:
    # Same places; the standard asks 80 % within 10 min, which p0 alone (100 of 120
    # residents) meets, so p1 need not have in-person service. Half of kela's visits are
    # remote-suited; the county has no remote service. For p1's 20 kela visits:
    #   all travel to A: 20 x 40 = 800
    #   remote point at C 300 + 10 x 2 + the other 10 to A 10 x 40 = 720   <- best
    #   remote at D: 300 + 10 x 20 + 400 = 900; pop-up at C: 2 400 + 40 = 2 440
    # kela: 58 000 + 200 + 720 = 58 920; county: 58 000 + 200 + 800 = 59 000.
    p = instance(REMOTE_TIMES, {"p0": 100, "p1": 20}, remote_share={"kela": 0.5},
                 standards=[{"organisation": "all", "minutes": 10, "share": 0.8}])
    plan = colocation.solved_plan(p)
    check_objective(plan, p, 117920.0)
    assert decisions(plan) == {("A", "kela"): ("office", 0), ("B", "county"): ("office", 0),
                               ("C", "kela"): ("remote", 0)}
    remote = plan.assignment[plan.assignment["channel"] == "remote"]
    assert remote["visits"].sum() == pytest.approx(10.0)


def test_budget_binds() -> None:
    # As above, but kela may spend at most 58 100 a year: the remote point (58 000 + 300)
    # no longer fits, so p1's kela visits all travel to A: 59 000 + 59 000 = 118 000.
    p = with_budgets(instance(REMOTE_TIMES, {"p0": 100, "p1": 20}, remote_share={"kela": 0.5},
                              standards=[{"organisation": "all", "minutes": 10, "share": 0.8}]),
                     {"kela": 58100.0})
    plan = colocation.solved_plan(p)
    check_objective(plan, p, 118000.0)
    assert ("C", "kela") not in decisions(plan)


def test_lease_blocks_a_closure() -> None:
    # The shared-premises instance, but kela's lease at A runs past the horizon: kela stays
    # (58 000 + 500); the county alone at C gets no saving (61 500 > keeping B 58 500), so
    # both keep their offices: 117 000.
    p = instance({"p0": {"A": 5, "B": 5, "C": 5, "D": 5}}, {"p0": 100},
                 rent=(500.0, 2000.0), shared_saving_share=0.4, can_popup=False)
    p.existing.loc[0, ["lease_end", "must_keep"]] = ["2040-01-01", True]
    plan = colocation.solved_plan(p)
    check_objective(plan, p, 117000.0)
    assert decisions(plan) == {("A", "kela"): ("office", 0), ("B", "county"): ("office", 0)}


def test_infeasible_standard_names_area_and_organisation() -> None:
    # Two municipalities; p1 lives in M2, 40 min from A and B and 2 from C. The libraries
    # have 1 spare desk, too few for an office (2 desks): only pop-ups fit there, and the
    # county's pop-up options are removed. Kela meets 90 % in M2 with a pop-up at C; the
    # county reaches 0 % of M2 at best, so the explanation names the county and M2.
    p = instance(REMOTE_TIMES, {"p0": 100, "p1": 20},
                 municipality={"p0": "M1", "p1": "M2"},
                 standards=[{"organisation": "all", "area": "municipality", "minutes": 10,
                             "share": 0.9}])
    p.sites["spare_desks"] = [0, 0, 1, 1]
    opts = costs.option_table(p.scenario, p.sites, p.existing)
    p.options = opts[~((opts["org"] == "county") & (opts["mode"] == "popup"))]
    with pytest.raises(InfeasibleError) as exc:
        colocation.solved_plan(p)
    msg = str(exc.value)
    assert "county: 90% of residents in municipality M2 within 10 min" in msg
    assert "only 0.0%" in msg and "kela" not in msg and "\n" not in msg


def test_standards_competing_for_desks_are_explained() -> None:
    # Both organisations must reach 90 % of M2 (p1, 20 residents) within 10 min, which only
    # a pop-up at C does (1 desk); C and D have 1 spare desk each, so only one of the two
    # pop-ups fits. Each standard holds alone; together one falls to 0 %, short by 18.
    p = instance(REMOTE_TIMES, {"p0": 100, "p1": 20},
                 municipality={"p0": "M1", "p1": "M2"},
                 standards=[{"organisation": "all", "area": "municipality", "minutes": 10,
                             "share": 0.9}])
    p.sites["spare_desks"] = [0, 0, 1, 1]
    p.options = costs.option_table(p.scenario, p.sites, p.existing)
    with pytest.raises(InfeasibleError) as exc:
        colocation.solved_plan(p)
    msg = str(exc.value)
    assert "compete for the hosts' spare desks" in msg
    assert "of residents in municipality M2 within 10 min of in-person service reaches " \
           "at best 0.0% (short by 18 residents)" in msg
    assert msg.count("reaches at best") == 1 and "\n" not in msg


def test_proposal_is_costed_like_the_model() -> None:
    # The shared-premises instance; the proposal: kela moves into C, the county keeps B.
    # Kela: tenant office 60 000 (C is not shared: the county is not there) + closing A
    # 1 000 + travel 500; the county keeps B: 58 000 + 500. Total 120 000. Kela's 100
    # residents keep access within 10 min (C is 5 min away): nobody gains or loses.
    p = instance({"p0": {"A": 5, "B": 5, "C": 5, "D": 5}}, {"p0": 100},
                 rent=(500.0, 2000.0), shared_saving_share=0.4, can_popup=False)
    plan = proposal_plan(pd.DataFrame({"site_id": ["C"], "organisation": ["kela"],
                                       "mode": ["office"]}).assign(days_per_month=0), p)
    assert decisions(plan) == {("A", "kela"): ("closed", 0), ("B", "county"): ("office", 0),
                               ("C", "kela"): ("office", 0)}
    assert kpis.total_cost(plan, p) == pytest.approx(120000.0)
    # adding the county at C as a pop-up makes C shared premises (two organisations serve
    # there in person), but a pop-up shares no running costs: kela saves nothing (the
    # saving needs another office); the county pays 2 x 12 x 100 = 2 400 more and its
    # 100 visits go to the nearer of B and C (both 5 min: the first site, B)
    both = proposal_plan(pd.DataFrame({
        "site_id": ["C", "C", "B"], "organisation": ["kela", "county", "county"],
        "mode": ["office", "popup", "office"], "days_per_month": [0, 2, 0]}), p)
    assert decisions(both)[("C", "kela")] == ("shared", 0)
    assert kpis.total_cost(both, p) == pytest.approx(120000.0 + 2400.0)
    changes = kpis.access_changes(kpis.current_plan(p), plan, p)
    assert changes["residents_losing"].sum() == 0 and changes["residents_gaining"].sum() == 0


def test_proposal_losing_access_is_reported() -> None:
    # The pop-up instance: today nobody in p1 (20 residents) is within 10 min; a kela
    # pop-up at C gains them; closing kela's A loses p0's 100 residents.
    p = instance({"p0": {"A": 2, "B": 2, "C": 40, "D": 20},
                  "p1": {"A": 40, "B": 40, "C": 2, "D": 20}}, {"p0": 100, "p1": 20})
    plan = proposal_plan(pd.DataFrame({"site_id": ["C"], "organisation": ["kela"],
                                       "mode": ["popup"], "days_per_month": [4]}), p)
    ch = kpis.access_changes(kpis.current_plan(p), plan, p)
    assert ch.loc["kela", "residents_gaining"] == 20 and ch.loc["kela", "residents_losing"] == 100
    assert ch.loc["kela", "losing_ids"] == "p0"
    assert ch.loc["county", "residents_losing"] == 0
    report = kpis.standards_report(plan, p).set_index("organisation")
    assert not report.loc["kela", "met"] and report.loc["kela", "achieved_share"] == \
        pytest.approx(20 / 120)
    sites = kpis.site_table(plan, p).set_index("site_id")
    assert sites.loc["C", "desks_used"] == 1 and sites.loc["C", "organisations"] == "kela:popup"


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ({"site_id": "Z"}, r"row 2: site_id 'Z' is not a candidate site"),
        ({"organisation": "tax"}, r"row 2: organisation 'tax' is not one of kela, county"),
        ({"mode": "tent"}, r"row 2: mode 'tent' is not one of office, shared, popup"),
        ({"mode": "popup", "days_per_month": 0}, r"row 2: a pop-up needs days_per_month"),
        ({"days_per_month": "often"}, r"row 2: days_per_month 'often' is not a number"),
    ],
)
def test_proposal_rows_are_checked(row: dict, match: str) -> None:
    p = instance({"p0": {"A": 5}}, {"p0": 100})
    base = {"site_id": "C", "organisation": "kela", "mode": "office", "days_per_month": 0}
    with pytest.raises(InputError, match=match):
        proposal_plan(pd.DataFrame([{**base, **row}]), p, source="prop.csv")


def test_proposal_duplicate_row() -> None:
    p = instance({"p0": {"A": 5}}, {"p0": 100})
    rows = pd.DataFrame({"site_id": ["C", "C"], "organisation": ["kela", "kela"],
                         "mode": ["office", "remote"], "days_per_month": [0, 0]})
    with pytest.raises(InputError, match=r"row 3: kela at C is listed twice"):
        proposal_plan(rows, p, source="prop.csv")


def test_equity_raises_the_worst_area() -> None:
    # M1 = p0 (100 residents, 2 min from A and B); M2 = p1 (20, 2 min from C, 20 from D)
    # and p2 (20, 2 min from D, 40 from the rest). Kela's standard: 50 % of each
    # municipality within 10 min. Cheapest: keep A and one 2-day pop-up in M2:
    #   at D: 58 000 + 2 400 + travel p0 200 + p1 to D 20 x 20 = 400 + p2 40 = 61 040
    #   at C: 58 000 + 2 400 + 200 + 40 + p2 to C or A 20 x 40 = 800     = 61 440
    # With maximise_worst, M2 can reach 100 % with pop-ups at C and D:
    #   58 000 + 4 800 + 200 + 40 + 40 = 63 080.
    # The county has no standard but a lease on B past the horizon, so it keeps B:
    # 58 000 + 200 + 800 + 800 = 59 800 (a pop-up at D, 2 400, would save only 1 160).
    times = {"p0": {"A": 2, "B": 2, "C": 40, "D": 20},
             "p1": {"A": 40, "B": 40, "C": 2, "D": 20},
             "p2": {"A": 40, "B": 40, "C": 40, "D": 2}}
    std = {"organisation": "kela", "area": "municipality", "minutes": 10, "share": 0.5}
    where = {"p0": "M1", "p1": "M2", "p2": "M2"}
    pop = {"p0": 100, "p1": 20, "p2": 20}

    def leased(p: Problem) -> Problem:
        p.existing.loc[1, ["lease_end", "must_keep"]] = ["2040-01-01", True]
        return p

    p = leased(instance(times, pop, standards=[std], municipality=where))
    cheap = colocation.solved_plan(p)
    check_objective(cheap, p, 61040.0 + 59800.0)
    assert decisions(cheap)[("D", "kela")] == ("popup", 2)
    assert ("C", "kela") not in decisions(cheap)
    p = leased(instance(times, pop, standards=[{**std, "maximise_worst": True}],
                        municipality=where))
    fair = colocation.solved_plan(p)
    check_objective(fair, p, 63080.0 + 59800.0)
    assert decisions(fair)[("C", "kela")] == ("popup", 2)
    assert decisions(fair)[("D", "kela")] == ("popup", 2)
    assert fair.meta["equity_floors"] == "kela 10 min: worst area 100.0%"


def test_demand_aggregation_keeps_residents_and_areas() -> None:
    import numpy as np

    from planner.problem.demand import aggregate

    rng = np.random.default_rng(0)
    n = 400
    xs, ys = rng.uniform(0, 2000, n), rng.uniform(0, 2000, n)
    pop = rng.integers(0, 50, n).astype(float)
    muni = np.where(xs < 1000, "M1", "M2")
    dem = gpd.GeoDataFrame({"demand_id": [f"d{i}" for i in range(n)], "population": pop,
                            "age_0_14": 0.0, "age_15_64": pop, "age_65_": 0.0,
                            "municipality": muni, "county": "X", "employment_area": "X"},
                           geometry=gpd.points_from_xy(xs, ys), crs="EPSG:3067")
    agg, cell, move = aggregate(dem, 50)
    assert len(agg) <= 50 and cell > 0
    assert agg["demand_id"].is_unique
    # residents are kept, per municipality too
    assert agg["population"].sum() == pytest.approx(pop.sum())
    for m in ("M1", "M2"):
        assert agg.loc[agg["municipality"] == m, "age_15_64"].sum() == \
            pytest.approx(pop[muni == m].sum())
    # the bound: no point moved farther than the cell diagonal, so every original point
    # has an aggregated point of its own municipality within it
    assert move <= cell * 2 ** 0.5 + 1e-9
    ax, ay = agg.geometry.x.to_numpy(), agg.geometry.y.to_numpy()
    for x, y, m in zip(xs, ys, muni, strict=True):
        same_area = agg["municipality"].to_numpy() == m
        assert np.hypot(ax[same_area] - x, ay[same_area] - y).min() <= move + 1e-9
    # untouched below the limit
    same, c0, m0 = aggregate(dem, 400)
    assert same is dem and c0 == 0.0 and m0 == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_same_scenario_gives_byte_identical_plan_files(tmp_path, suffix: str) -> None:
    import time

    files = []
    for k in range(2):
        p = instance({"p0": {"A": 2, "B": 2, "C": 40, "D": 20},
                      "p1": {"A": 40, "B": 40, "C": 2, "D": 20}}, {"p0": 100, "p1": 20})
        plan = colocation.solved_plan(p)
        plan.kpis = kpis.plan_kpis(plan, p)
        files.append(plan.to_file(tmp_path / f"plan{k}{suffix}"))
        time.sleep(1.1)  # a timestamp in the file would now differ
    assert files[0].read_bytes() == files[1].read_bytes()
