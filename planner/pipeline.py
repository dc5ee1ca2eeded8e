"""One run of the planner: region -> travel times -> problem -> optimised plan -> KPIs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from planner import costs, demand, evaluate, model, network, routing
from planner.errors import InputError
from planner.plan import Plan
from planner.problem import Problem, build_problem
from planner.region import Region
from planner.scenario import Scenario

Progress = Callable[[str], None]
#: Cut-off of staff travel between sites (minutes): half a working day.
SITE_CUTOFF_MIN = 225.0


@dataclass
class Run:
    """Everything one run produced."""

    scenario: Scenario
    region: Region
    problem: Problem
    today: Plan
    plan: Plan
    tours: routing.Tours | None = None
    cost_split: pd.DataFrame | None = None

    def comparison(self) -> pd.DataFrame:
        """KPIs today and in the plan side by side, one row per organisation and ``all``."""
        return compare(self.today, self.plan)


def load_region(scenario: Scenario) -> Region:
    """The region a scenario names (``demo:helsinki`` is the embedded one)."""
    if scenario.region == "demo:helsinki":
        from planner.data import demo

        return demo.load_demo_region((scenario.travel.mode,), scenario.travel.walk_speed_kmh)
    raise InputError(f"scenario: region {scenario.region!r} is unknown; use 'demo:helsinki'")


def prepare(scenario: Scenario, region: Region | None = None,
            progress: Progress | None = None) -> tuple[Region, Problem]:
    """Build the region (unless given), the travel times and the model input."""
    say = progress or (lambda _msg: None)
    if region is None:
        say("Building the region")
        region = load_region(scenario)
    notes = {}
    most = scenario.solver.max_demand_points
    if most is not None and len(region.demand) > most:
        say("Aggregating demand")
        agg, cell, move = demand.aggregate(region.demand, most)
        notes["demand_aggregation"] = (
            f"{len(region.demand)} demand points aggregated to {len(agg)} grid cells of "
            f"{cell:.0f} m within areas; residents moved at most {move:.0f} m")
        region = dataclasses.replace(region, demand=agg)
    say("Computing travel times")
    tr = scenario.travel
    if tr.mode not in region.graphs:
        raise InputError(f"scenario: travel.mode {tr.mode!r} has no network in the region; "
                         f"use one of {sorted(region.graphs)}")
    times = network.travel_times(region.graphs[tr.mode], region.demand.geometry,
                                 region.sites.geometry, tr.cutoff_min, tr.walk_speed_kmh,
                                 tr.max_snap_m)
    # staff travel between sites, for pop-up pricing and tours (same network, half a day)
    st = network.travel_times(region.graphs[tr.mode], region.sites.geometry,
                              region.sites.geometry, SITE_CUTOFF_MIN, tr.walk_speed_kmh,
                              tr.max_snap_m)
    ids = region.sites["site_id"].astype(str).to_numpy()
    site_times = pd.DataFrame({"from": ids[st["origin"].to_numpy()],
                               "to": ids[st["destination"].to_numpy()],
                               "minutes": st["minutes"].to_numpy()})
    problem = build_problem(region, scenario, times, site_times)
    problem.notes.update(notes)
    return region, problem


def run(scenario: Scenario, region: Region | None = None,
        progress: Progress | None = None) -> Run:
    """Run the whole pipeline for a scenario.

    Parameters
    ----------
    scenario : Scenario
    region : Region, optional
        A region already built (else built from ``scenario.region``).
    progress : callable, optional
        Called with a short message as each stage starts.

    Returns
    -------
    Run
        Today's network and the optimised plan, both with KPIs.
    """
    say = progress or (lambda _msg: None)
    region, problem = prepare(scenario, region, say)
    say("Evaluating today's network")
    today = evaluate.current_plan(problem)
    today.kpis = evaluate.evaluate(today, problem)
    say("Optimising")
    plan = model.solve(problem)
    plan.kpis = evaluate.evaluate(plan, problem)
    say("Planning pop-up tours")
    tours = None
    if problem.site_times is not None:
        bases = {o: sorted(today.decisions.loc[today.decisions["organisation"] == o,
                                               "site_id"].astype(str))
                 for o in problem.orgs}
        tours = routing.plan_tours_for_plan(plan.decisions, problem.site_times,
                                            staff_bases=bases)
    split = costs.cost_sharing(plan.decisions, scenario)
    return Run(scenario=scenario, region=region, problem=problem, today=today, plan=plan,
               tours=tours, cost_split=split)


def compare(before: Plan, after: Plan) -> pd.DataFrame:
    """Side-by-side KPIs of two evaluated plans."""
    b, a = before.kpis, after.kpis
    out = pd.DataFrame({
        "standard": a["standard"],
        "within_before": b["share_within_standard"],
        "within_after": a["share_within_standard"],
        "cost_before_eur": b["annual_cost_eur"],
        "cost_after_eur": a["annual_cost_eur"],
        "mean_min_before": b["mean_minutes"],
        "mean_min_after": a["mean_minutes"],
        "offices": a["sites_office"], "shared": a["sites_shared"],
        "popup": a["sites_popup"], "remote": a["sites_remote"],
    })
    out.index.name = "organisation"
    return out
