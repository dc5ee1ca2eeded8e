"""One run of the planner: region -> travel times -> problem -> optimised plan -> KPIs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

import planner.data
from planner import calibrate, decompose, demand, evaluate, i18n, network, routing, sharing
from planner.errors import InputError
from planner.i18n import gettext as _
from planner.plan import Plan
from planner.problem import Problem, build_problem
from planner.region import Region
from planner.scenario import Scenario

Progress = Callable[[str], None]
#: Cut-off of staff travel between sites (minutes): what a working day of 7.5 h leaves for
#: each way around a 3-hour pop-up session ((450 - 180) / 2); farther sites cannot be toured.
SITE_CUTOFF_MIN = 135.0


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


def load_region(scenario: Scenario, progress: Progress | None = None) -> Region:
    """Load the region a scenario names, with its travel mode's network, and say its notes.

    ``demo:helsinki`` (embedded), ``national`` or ``national:<maakunta>`` (illustrative,
    from GeoNames places, see :mod:`planner.data.national`) or a region spec
    (:class:`planner.data.spec.RegionSpec`: Statistics Finland, the service catalogue, OSM
    and the planner's own files, from the local cache when it holds them; ``planner fetch``
    fills it), all through :func:`planner.data.load_region`.

    Parameters
    ----------
    scenario : Scenario
        Its ``region``, and its travel mode and walking speed for the network.
    progress : callable, optional
        Called with each of the region's notes.

    Returns
    -------
    Region
        Validated.
    """
    say = progress or (lambda _msg: None)
    mode = scenario.travel.mode
    region = planner.data.load_region(scenario.region,  # transit walks on the walk graph
                                      modes=("walk" if mode == "transit" else mode,),
                                      walk_speed_kmh=scenario.travel.walk_speed_kmh)
    for note in region.notes:
        say(note)
    return region


#: Default speeds (km/h) of the straight-line model by travel mode.
STRAIGHT_SPEEDS_KMH = {"drive": 50.0, "bike": 15.0}


def _times(scenario: Scenario, region: Region, origins: gpd.GeoSeries,
           destinations: gpd.GeoSeries, cutoff_min: float) -> pd.DataFrame:
    """Street-network times, or the straight-line model when asked or when no network."""
    tr = scenario.travel
    if tr.mode == "transit" and tr.transit is not None:
        from planner.network.transit_cache import cached_scenario_times

        return cached_scenario_times(tr.transit, region.graphs.get("walk"), origins,
                                     destinations, cutoff_min, tr.walk_speed_kmh,
                                     tr.max_snap_m)
    if tr.model == "network" and tr.mode in region.graphs:
        return network.travel_times(region.graphs[tr.mode], origins, destinations, cutoff_min,
                                    network.Snapping(walk_speed_kmh=tr.walk_speed_kmh,
                                                     max_snap_m=tr.max_snap_m))
    if tr.model == "network" and region.graphs:
        raise InputError(f"scenario: travel.mode {tr.mode!r} has no network in the region; "
                         f"use one of {sorted(region.graphs)} or travel.model: straight_line")
    speed = tr.straight_speed_kmh or STRAIGHT_SPEEDS_KMH.get(tr.mode, tr.walk_speed_kmh)
    return network.straight_line_times(origins, destinations, cutoff_min, speed,
                                       circuity=tr.circuity,
                                       access_min=tr.straight_access_min)


def prepare(scenario: Scenario, region: Region | None = None,
            progress: Progress | None = None) -> tuple[Region, Problem]:
    """Build the region (unless given), the travel times and the model input."""
    say = progress or (lambda _msg: None)
    if region is None:
        say(_("Building the region"))
        region = load_region(scenario, say)
    notes = {}
    most = scenario.solver.max_demand_points
    if most is not None and len(region.demand) > most:
        say(_("Aggregating demand"))
        agg, cell, move = demand.aggregate(region.demand, most)
        notes["demand_aggregation"] = (
            f"{len(region.demand)} demand points aggregated to {len(agg)} grid cells of "
            f"{cell:.0f} m within areas; residents moved at most {move:.0f} m")
        region = dataclasses.replace(region, demand=agg)
    say(_("Computing travel times"))
    tr = scenario.travel
    times = _times(scenario, region, region.demand.geometry, region.sites.geometry,
                   tr.cutoff_min)
    a = times.attrs
    if a.get("model") == "straight_line":  # the parameters the matrix was made with
        extra = f" + {a['access_min']:g} min" if a["access_min"] else ""
        notes["travel_model"] = (f"straight-line travel times (distance x {a['circuity']:g} "
                                 f"at {a['speed_kmh']:g} km/h{extra}), not a street network")
    if a.get("model") == "transit":  # the feed, its day and licence in the meta and the map
        notes["travel_model"] = a["note"]
        region = dataclasses.replace(region, attribution=list(dict.fromkeys(
            [*region.attribution, a["attribution"]])))
    # staff travel between sites, for pop-up pricing and tours (half a working day)
    st = _times(scenario, region, region.sites.geometry, region.sites.geometry,
                SITE_CUTOFF_MIN)
    ids = region.sites["site_id"].astype(str).to_numpy()
    site_times = pd.DataFrame({  # categorical ids: millions of pairs at national scale
        "from": pd.Categorical.from_codes(st["origin"].to_numpy(), categories=ids),
        "to": pd.Categorical.from_codes(st["destination"].to_numpy(), categories=ids),
        "minutes": st["minutes"].to_numpy()})
    say(_("Building the model"))
    problem = build_problem(region, scenario, times, site_times)
    problem.notes.update(notes)
    if scenario.demand.calibrate == "rates":
        say(_("Calibrating demand to the recorded visits"))
        problem, factors = calibrate.calibrate(problem, evaluate.current_plan(problem))
        if factors:
            problem.notes["demand_calibration"] = (
                "visit rates scaled so that today's offices receive their recorded visits: "
                + ", ".join(f"{o} x{f:.2f}" for o, f in factors.items()))
    check = calibrate.visits_table(problem, evaluate.current_plan(problem))
    for i, warning in enumerate(calibrate.differences(check, scenario.demand.tolerance)):
        problem.notes[f"visits_warning_{i + 1}"] = warning
        say(_("Warning: {warning}").format(warning=warning))
    return region, problem


def _today(problem: Problem) -> Plan:
    """Return today's network as a plan, with its KPIs."""
    today = evaluate.current_plan(problem)
    today.kpis = evaluate.evaluate(today, problem)
    return today


def run(scenario: Scenario, region: Region | None = None,
        progress: Progress | None = None, lang: str | None = None) -> Run:
    """Run the whole pipeline for a scenario.

    Parameters
    ----------
    scenario : Scenario
    region : Region, optional
        A region already built (else built from ``scenario.region``).
    progress : callable, optional
        Called with a short message as each stage starts (region, travel times, model,
        solve, tours), in the run's language; the solve's own updates go to the
        listener of :func:`planner.progress.listen`.
    lang : {"en", "fi", "sv"}, optional
        Language of the messages (default: the scenario's ``lang``).

    Returns
    -------
    Run
        Today's network and the optimised plan, both with KPIs.
    """
    say = progress or (lambda _msg: None)
    with i18n.language(lang or scenario.lang):
        region, problem = prepare(scenario, region, say)
        say(_("Evaluating today's network"))
        today = _today(problem)
        say(_("Optimising"))
        plan = decompose.solve(problem)
        plan.kpis = evaluate.evaluate(plan, problem)
        say(_("Planning pop-up tours"))
        tours = plan_tours(problem, plan)
        split = sharing.cost_sharing(plan.decisions, problem)
    return Run(scenario=scenario, region=region, problem=problem, today=today, plan=plan,
               tours=tours, cost_split=split)


def plan_tours(problem: Problem, plan: Plan) -> routing.Tours | None:
    """Plan the pop-up teams' monthly tours of a plan (None without staff travel times).

    Every tour starts and ends at a site where its organisation is staffed in the plan (an
    office of its own or in shared premises). When the problem is solved by area
    (``solver.decompose``), each area's teams tour its own pop-ups from its own bases.
    """
    if problem.site_times is None:
        return None
    dec, st = plan.decisions, problem.site_times
    column = problem.scenario.solver.decompose
    ids = problem.sites["site_id"].astype(str)
    areas = (pd.Series(decompose.site_areas(problem, column), index=ids.to_numpy())
             if column != "none" else pd.Series("", index=ids.to_numpy()))
    dec_ids = dec["site_id"].astype(str)
    stops, hours, cost, notes = [], 0.0, 0.0, []
    for area, in_area in areas.groupby(areas, sort=True):
        d = dec[dec_ids.isin(set(in_area.index))]
        if not (d["mode"] == "popup").any():
            continue
        tours = routing.plan_tours_for_plan(d, st)
        stops.append(tours.stops)
        hours += tours.travel_hours
        cost += tours.travel_cost_eur
        notes += [f"{area}: {n}" if area else n for n in tours.notes]
    table = (pd.concat(stops, ignore_index=True) if stops
             else pd.DataFrame(columns=list(routing.TOUR_COLUMNS)))
    return routing.Tours(table, hours, cost, notes)


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


@dataclass
class Evaluation:
    """A proposal evaluated against today's network and the optimised plan.

    Attributes
    ----------
    scenario : Scenario
    region : Region
    problem : Problem
    today, proposal, optimised : Plan
        Each with its KPIs.
    standards : pandas.DataFrame
        Every standard per area today and in the proposal, each broken one marked
        ``new`` or ``already broken today`` (:func:`planner.checks.standards_status`).
    access : pandas.DataFrame
        Residents gaining and losing in-person service within the standard, per
        organisation (:func:`planner.evaluate.access_changes`).
    access_by_area : pandas.DataFrame
        The same per area and age group (:func:`planner.evaluate.access_changes_by_area`).
    checks : pandas.DataFrame
        The optimiser's rules the proposal breaks (:func:`planner.checks.plan_checks`).
    """

    scenario: Scenario
    region: Region
    problem: Problem
    today: Plan
    proposal: Plan
    optimised: Plan
    standards: pd.DataFrame
    access: pd.DataFrame
    access_by_area: pd.DataFrame
    checks: pd.DataFrame

    def vs_today(self) -> pd.DataFrame:
        """Return the KPIs of today and the proposal side by side."""
        return compare(self.today, self.proposal)

    def vs_optimised(self) -> pd.DataFrame:
        """Return the KPIs of the proposal and the optimised plan side by side."""
        return compare(self.proposal, self.optimised)

    def totals(self) -> dict[str, float]:
        """Return the total cost of today, the proposal and the optimised plan.

        Organisations' costs, residents' time and unserved visits, EUR/year, keyed
        ``today``, ``proposal`` and ``optimised``.
        """
        return {key: evaluate.total_cost(p, self.problem) for key, p in
                (("today", self.today), ("proposal", self.proposal),
                 ("optimised", self.optimised))}


def evaluate_proposal(scenario: Scenario, table: pd.DataFrame, *, name: str = "proposal",
                      source: str = "", region: Region | None = None,
                      optimised: Plan | None = None, progress: Progress | None = None
                      ) -> Evaluation:
    """Evaluate a user's proposal: costs, access, broken standards and rules.

    Parameters
    ----------
    scenario : Scenario
    table : pandas.DataFrame
        The proposal's rows (:func:`planner.proposal.read_proposal`): for every
        organisation it names, its whole network; other organisations keep today's.
    name, source : str
        The proposal plan's name and where it came from.
    region : Region, optional
        A region already built (else built from ``scenario.region``).
    optimised : Plan, optional
        A saved optimised plan to compare with; without it the scenario is solved as a
        run solves it (:func:`planner.decompose.solve`: every solver setting, including
        ``solver.decompose``, holds).
    progress : callable, optional
        Called with a short message as each stage starts.

    Returns
    -------
    Evaluation
    """
    from planner import checks
    from planner.proposal import proposal_plan

    say = progress or (lambda _msg: None)
    region, problem = prepare(scenario, region, say)
    say(_("Evaluating today's network and the proposal"))
    today = _today(problem)
    mine = proposal_plan(table, problem, name=name, source=source)
    mine.kpis = evaluate.evaluate(mine, problem)
    if optimised is None:
        say(_("Optimising"))
        optimised = decompose.solve(problem)
    optimised.kpis = evaluate.evaluate(optimised, problem)
    standards = checks.standards_status(evaluate.standards_report(today, problem),
                                        evaluate.standards_report(mine, problem))
    return Evaluation(scenario=scenario, region=region, problem=problem, today=today,
                      proposal=mine, optimised=optimised, standards=standards,
                      access=evaluate.access_changes(today, mine, problem),
                      access_by_area=evaluate.access_changes_by_area(today, mine, problem),
                      checks=checks.plan_checks(mine, problem))


def evaluate_plan(scenario: Scenario, plan: Plan, region: Region | None = None,
                  progress: Progress | None = None) -> Run:
    """Evaluate a saved plan and today's network without solving again.

    Parameters
    ----------
    scenario : Scenario
        The scenario the plan was made for.
    plan : Plan
    region : Region, optional
        A region already built (else built from ``scenario.region``).
    progress : callable, optional
        Called with a short message as each stage starts.

    Returns
    -------
    Run
        The plan and today's network with their KPIs (no tours, no cost split).
    """
    say = progress or (lambda _msg: None)
    region, problem = prepare(scenario, region, say)
    say(_("Evaluating today's network and the plan"))
    today = _today(problem)
    plan.kpis = evaluate.evaluate(plan, problem)
    return Run(scenario=scenario, region=region, problem=problem, today=today, plan=plan)


#: Solver settings of a regional demo with the shipped national scenario: one maakunta at
#: about the national run's density, solved in a couple of minutes.
REGIONAL_SOLVER = {"max_demand_points": 600, "time_limit_s": 90.0}


def regional_scenario(scenario: Scenario, maakunta: str, resize: bool = False) -> Scenario:
    """Return the scenario planning one maakunta of the illustrative national data.

    Parameters
    ----------
    scenario : Scenario
    maakunta : str
        A maakunta's Finnish or English name or code (e.g. ``Pirkanmaa``, ``Kainuu``).
    resize : bool
        Also apply :data:`REGIONAL_SOLVER` (for the shipped national scenario, which is
        sized for the whole of Finland).

    Returns
    -------
    Scenario
        A copy whose region is ``national:<maakunta>``.
    """
    from planner.data.national import MAAKUNNAT, maakunta_code

    sc = scenario.model_copy(update={"region": f"national:{MAAKUNNAT[maakunta_code(maakunta)][0]}"})
    if resize:
        sc = sc.model_copy(update={"solver": sc.solver.model_copy(update=REGIONAL_SOLVER)})
    return sc
