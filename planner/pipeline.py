"""One run of the planner: region -> travel times -> problem -> optimised plan -> KPIs."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

import planner.data
from planner import i18n, network
from planner.assess import calibration, checks, kpis
from planner.assess.proposal import proposal_plan
from planner.costing import sharing
from planner.errors import InputError
from planner.i18n import gettext as _
from planner.model import decompose
from planner.model.tours import TOUR_COLUMNS, Tours, TourSettings, plan_tours_for_plan
from planner.plan import Plan
from planner.problem import demand
from planner.problem.build import Problem, build_problem
from planner.region import Region
from planner.scenario import Scenario

Progress = Callable[[str], None]
#: Cut-off of staff travel between sites (minutes): what a working day of 7.5 h leaves for
#: each way around a 3-hour pop-up session ((450 - 180) / 2); farther sites cannot be toured.
SITE_CUTOFF_MIN = 135.0


@dataclass(frozen=True)
class Run:
    """Everything one run computed, each once: the outputs, report, maps and CLI read it.

    Attributes
    ----------
    scenario : Scenario
    region : Region
    problem : Problem
    today, plan : Plan
        Today's network and the plan, each with its KPIs.
    kpis : pandas.DataFrame
        Their KPIs side by side (:func:`compare`), one row per organisation and ``all``.
    standards, standards_today : pandas.DataFrame
        Every access standard per area in the plan and today
        (:func:`planner.assess.kpis.standards_report`).
    visits : pandas.DataFrame
        Recorded and modelled visits of today's offices
        (:func:`planner.assess.calibration.visits_table`).
    cost_split, agreements, budgets : pandas.DataFrame
        The plan's shared premises: their cost split, agreements and the budgets after the
        fees (:mod:`planner.costing.sharing`).
    tours : Tours, optional
        The pop-up teams' tours (``None`` when not planned).
    """

    scenario: Scenario
    region: Region
    problem: Problem
    today: Plan
    plan: Plan
    kpis: pd.DataFrame
    standards: pd.DataFrame
    standards_today: pd.DataFrame
    visits: pd.DataFrame
    cost_split: pd.DataFrame
    agreements: pd.DataFrame
    budgets: pd.DataFrame
    tours: Tours | None = None

    def comparison(self) -> pd.DataFrame:
        """Return the KPIs today and in the plan side by side (``kpis``)."""
        return self.kpis


def run_of(scenario: Scenario, region: Region, problem: Problem, today: Plan, plan: Plan,
           visits: pd.DataFrame, tours: Tours | None = None) -> Run:
    """Return the run of a plan: its KPIs, standards and shared premises, computed once.

    Both plans' KPIs are computed here when they have none; ``visits`` is today's visits
    table (:func:`run_inputs`).
    """
    for p in (today, plan):
        if not len(p.kpis):
            p.kpis = kpis.plan_kpis(p, problem)
    split = sharing.cost_sharing(plan.decisions, problem)
    agreements = sharing.agreements(plan.decisions, problem, split)
    return Run(scenario=scenario, region=region, problem=problem, today=today, plan=plan,
               kpis=compare(today, plan), standards=kpis.standards_report(plan, problem),
               standards_today=kpis.standards_report(today, problem), visits=visits,
               cost_split=split, agreements=agreements,
               budgets=sharing.budgets(plan.decisions, today.decisions, agreements),
               tours=tours)


def region_of(scenario: Scenario, progress: Progress | None = None) -> Region:
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


def region_and_problem(scenario: Scenario, region: Region | None = None,
                       progress: Progress | None = None) -> tuple[Region, Problem]:
    """Return the region (built unless given) and the problem: travel times, model input."""
    region, problem, _today, _visits = run_inputs(scenario, region, progress)
    return region, problem


def run_inputs(scenario: Scenario, region: Region | None = None, progress: Progress | None = None
               ) -> tuple[Region, Problem, Plan, pd.DataFrame]:
    """Return the region, the problem, today's network and its visits table.

    As :func:`region_and_problem`, and today's network as a plan is made once, for the
    calibration's check of the visits (:func:`planner.assess.calibration.visits_table`) and
    for the run.
    """
    say = progress or (lambda _msg: None)
    if region is None:
        say(_("Building the region"))
        region = region_of(scenario, say)
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
        problem, factors = calibration.calibrate(problem, kpis.current_plan(problem))
        if factors:
            problem.notes["demand_calibration"] = (
                "visit rates scaled so that today's offices receive their recorded visits: "
                + ", ".join(f"{o} x{f:.2f}" for o, f in factors.items()))
    today = kpis.current_plan(problem)
    visits = calibration.visits_table(problem, today)
    for i, warning in enumerate(calibration.visits_warnings(visits, scenario.demand.tolerance)):
        problem.notes[f"visits_warning_{i + 1}"] = warning
        say(_("Warning: {warning}").format(warning=warning))
    return region, problem, today, visits


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
        region, problem, today, visits = run_inputs(scenario, region, say)
        say(_("Evaluating today's network"))
        today.kpis = kpis.plan_kpis(today, problem)
        say(_("Optimising"))
        plan = decompose.optimised_plan(problem)
        say(_("Planning pop-up tours"))
        tours = tours_of(problem, plan)
        if tours is not None and tours.notes:  # the teams and their cost reach the report
            plan.meta["notes"] = {**plan.meta.get("notes", {}),
                                  **{f"tours_{i + 1}": n for i, n in enumerate(tours.notes)}}
        return run_of(scenario, region, problem, today, plan, visits, tours)


def tours_of(problem: Problem, plan: Plan) -> Tours | None:
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
    stops, hours, cost, notes, teams = [], 0.0, 0.0, [], {}
    settings = TourSettings(
        team_eur_per_year=problem.scenario.costs.popup.team_eur_per_year)
    for area, in_area in areas.groupby(areas, sort=True):
        d = dec[dec_ids.isin(set(in_area.index))]
        if not (d["mode"] == "popup").any():
            continue
        tours = plan_tours_for_plan(d, st, settings=settings)
        stops.append(tours.stops)
        hours += tours.travel_hours
        cost += tours.travel_cost_eur
        notes += [f"{area}: {n}" if area else n for n in tours.notes]
        teams |= {f"{area}: {o}" if area else o: k for o, k in tours.teams.items()}
    table = (pd.concat(stops, ignore_index=True) if stops
             else pd.DataFrame(columns=list(TOUR_COLUMNS)))
    return Tours(table, hours, cost, notes, teams, sum(teams.values()) * settings.team_eur_per_year)


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


@dataclass(frozen=True)
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
        ``new`` or ``already broken today`` (:func:`planner.assess.checks.standards_status`).
    access : pandas.DataFrame
        Residents gaining and losing in-person service within the standard, per
        organisation (:func:`planner.assess.kpis.access_changes`).
    access_by_area : pandas.DataFrame
        The same per area and age group (:func:`planner.assess.kpis.access_changes_by_area`).
    checks : pandas.DataFrame
        The optimiser's rules the proposal breaks (:func:`planner.assess.checks.plan_checks`).
    run : Run
        The proposal's run against today's network (:func:`run_of`): what its report shows.
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
    run: Run

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
        return {key: kpis.total_cost(p, self.problem) for key, p in
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
        The proposal's rows (:func:`planner.assess.proposal.read_proposal`): for every
        organisation it names, its whole network; other organisations keep today's.
    name, source : str
        The proposal plan's name and where it came from.
    region : Region, optional
        A region already built (else built from ``scenario.region``).
    optimised : Plan, optional
        A saved optimised plan to compare with; without it the scenario is solved as a
        run solves it (:func:`planner.model.decompose.optimised_plan`: every solver setting,
        including ``solver.decompose``, holds).
    progress : callable, optional
        Called with a short message as each stage starts.

    Returns
    -------
    Evaluation
    """
    say = progress or (lambda _msg: None)
    region, problem, today, visits = run_inputs(scenario, region, say)
    say(_("Evaluating today's network and the proposal"))
    # the proposal's run computes its KPIs and both standards reports once; the assessment
    # reads them (assess_proposal would compute the reports again)
    run = run_of(scenario, region, problem, today,
                 proposal_plan(table, problem, name=name, source=source), visits)
    mine = _assessment(problem, today, run.plan, run.standards_today, run.standards)
    if optimised is None:
        say(_("Optimising"))
        optimised = decompose.optimised_plan(problem)
    optimised.kpis = kpis.plan_kpis(optimised, problem)
    return Evaluation(scenario=scenario, region=region, problem=problem, today=today,
                      proposal=mine.plan, optimised=optimised, standards=mine.standards,
                      access=mine.access, access_by_area=mine.access_by_area,
                      checks=mine.checks, run=run)


@dataclass
class Assessment:
    """A proposal costed and evaluated against today's network (no optimised plan).

    Attributes
    ----------
    plan : Plan
        The proposal with its KPIs.
    standards, checks : pandas.DataFrame
        As in :class:`Evaluation`.
    today : Plan
        Today's network.
    problem : Problem
    """

    plan: Plan
    standards: pd.DataFrame
    checks: pd.DataFrame
    today: Plan
    problem: Problem

    @functools.cached_property
    def access(self) -> pd.DataFrame:
        """Residents gaining and losing service within the standard (computed when asked)."""
        return kpis.access_changes(self.today, self.plan, self.problem)

    @functools.cached_property
    def access_by_area(self) -> pd.DataFrame:
        """The same per area and age group (computed when asked)."""
        return kpis.access_changes_by_area(self.today, self.plan, self.problem)


def assess_proposal(problem: Problem, today: Plan, table: pd.DataFrame, *,
                    name: str = "proposal", source: str = "",
                    today_standards: pd.DataFrame | None = None) -> Assessment:
    """Cost and evaluate a proposal against today's network, as ``planner evaluate`` does.

    The one code path of ``planner evaluate`` and of the meeting page
    (:mod:`planner.meeting`), which prepares the problem once and calls this per change.

    Parameters
    ----------
    problem : Problem
    today : Plan
        Today's network with its KPIs.
    table : pandas.DataFrame
        The proposal's rows (:func:`planner.assess.proposal.read_proposal`).
    name, source : str
        The proposal plan's name and where it came from (in error messages).
    today_standards : pandas.DataFrame, optional
        ``kpis.standards_report(today, problem)``, when already computed.

    Returns
    -------
    Assessment
    """
    mine = proposal_plan(table, problem, name=name, source=source)
    mine.kpis = kpis.plan_kpis(mine, problem)
    before = (today_standards if today_standards is not None
              else kpis.standards_report(today, problem))
    return _assessment(problem, today, mine, before, kpis.standards_report(mine, problem))


def _assessment(problem: Problem, today: Plan, mine: Plan, before: pd.DataFrame,
                after: pd.DataFrame) -> Assessment:
    """Return the assessment of a costed proposal from both plans' standards reports."""
    return Assessment(plan=mine, standards=checks.standards_status(before, after),
                      checks=checks.plan_checks(mine, problem), today=today, problem=problem)


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
        The plan and today's network with their KPIs and tables (no tours).
    """
    say = progress or (lambda _msg: None)
    region, problem, today, visits = run_inputs(scenario, region, say)
    say(_("Evaluating today's network and the plan"))
    today.kpis = kpis.plan_kpis(today, problem)
    plan.kpis = kpis.plan_kpis(plan, problem)
    return run_of(scenario, region, problem, today, plan, visits)


#: Solver settings of a regional demo with the shipped national scenario: one maakunta at
#: about the national run's density, solved in a couple of minutes.
REGIONAL_SOLVER = {"max_demand_points": 600, "time_limit_s": 240.0}


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
