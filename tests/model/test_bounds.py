"""Bounds and heuristics against brute force.

On instances small enough to price every plan, the optimiser's bound never exceeds the best
plan, and every stage's plan (the starting plan, RINS, the search) is a feasible plan at
least as costly as the best.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from planner.assess import checks, kpis
from planner.assess.proposal import proposal_plan
from planner.model import colocation, decompose
from tests.model.test_colocation import instance

TIMES = {"p0": {"A": 3, "B": 9, "C": 4, "D": 12},
         "p1": {"A": 14, "B": 2, "C": 6, "D": 5},
         "p2": {"A": 8, "B": 8, "C": 3, "D": 9}}


def brute_force(p) -> float:
    """Return the cost of the cheapest feasible plan, found by pricing every plan.

    The cheapest plan over every combination of offices (each organisation: any
    non-empty subset of the sites where it may have one), each priced and
    assigned by the evaluation path (nearest office, ``planner.costing.pricing``), kept only when
    it meets every standard and breaks none of the optimiser's rules.
    """
    best = float("inf")
    ids = p.sites["site_id"].astype(str).to_numpy()
    offices = p.options[p.options["mode"] == "office"]
    where = {o: tuple(ids[offices.loc[offices["org"] == o, "site"].to_numpy()])
             for o in ("kela", "county")}
    choices = {o: [c for k in range(1, len(w) + 1) for c in itertools.combinations(w, k)]
               for o, w in where.items()}
    for ks, cs in itertools.product(choices["kela"], choices["county"]):
        rows = [(s, "kela", "office", 0) for s in ks] + [(s, "county", "office", 0) for s in cs]
        table = pd.DataFrame(rows, columns=["site_id", "organisation", "mode",
                                            "days_per_month"])
        plan = proposal_plan(table, p)
        if not kpis.standards_report(plan, p)["met"].all():
            continue
        if (checks.plan_checks(plan, p)["severity"] == "breach").any():
            continue
        best = min(best, kpis.total_cost(plan, p))
    return best


@pytest.mark.slow
@pytest.mark.parametrize(("rent", "share", "population"), [
    ((500.0, 2000.0), 0.4, {"p0": 100, "p1": 100, "p2": 50}),
    ((300.0, 300.0), 0.3, {"p0": 20, "p1": 400, "p2": 200}),
    ((1500.0, 800.0), 0.0, {"p0": 300, "p1": 30, "p2": 30}),
])
def test_bound_and_stages_against_brute_force(rent, share, population) -> None:
    p = instance(TIMES, population, rent=rent, shared_saving_share=share, can_popup=False)
    best = brute_force(p)
    assert best < float("inf")
    plan = colocation.solved_plan(p)
    meta, st = plan.meta, plan.meta["stages"]
    assert meta["bound"] <= best + 1e-6 * best
    assert st["lp_bound"] <= best + 1e-6 * best
    assert kpis.total_cost(plan, p) == pytest.approx(best, rel=1e-6)
    for stage in ("start", "rins", "final"):  # feasible plans: never below the optimum
        assert st[stage] >= best - 1e-6 * best, stage
    assert st["start"] >= st["rins"] >= st["final"] - 1e-6
    shares = st["rins_share"] + st["search_share"] + st["bound_share"] + st["open_share"]
    if st["start"] - st["lp_bound"] > 1e-6 * best:  # a first gap to close: shared out
        assert shares == pytest.approx(1.0, abs=1e-3)
    else:  # the relaxation was tight: nothing to share
        assert shares == 0.0


@pytest.mark.slow
def test_decomposed_bound_never_exceeds_the_best_plan_of_its_parts() -> None:
    # two municipalities solved apart, each served by its own sites: the sum of the parts'
    # bounds bounds the decomposed problem (the sum of the parts' best plans), which is a
    # restriction of the whole: here the whole's best plan (104 300) serves M2's
    # residents from M1's offices, which the parts may not
    p = instance(TIMES, {"p0": 100, "p1": 100, "p2": 50}, rent=(500.0, 2000.0),
                 shared_saving_share=0.4, can_popup=False,
                 municipality={"p0": "M1", "p1": "M2", "p2": "M2"})
    p.sites["municipality"] = ["M1", "M1", "M2", "M2"]  # A and B in M1, the libraries in M2
    whole = brute_force(p)
    solver = p.scenario.solver.model_copy(update={"decompose": "municipality"})
    p.scenario = p.scenario.model_copy(update={"solver": solver})
    best = sum(brute_force(part) for _, part in decompose.split(p, "municipality"))
    assert best >= whole
    plan = decompose.optimised_plan(p)
    assert plan.meta["bound"] <= best + 1e-6 * best
    assert kpis.total_cost(plan, p) == pytest.approx(best, rel=1e-6)
    assert "restricted" in plan.meta["decomposition"]
    assert kpis.standards_report(plan, p)["met"].all()
    assert plan.meta["stages"]["bound"] == pytest.approx(plan.meta["bound"], rel=1e-6)
