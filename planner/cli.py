"""The ``planner`` command."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console

from planner import i18n, pipeline
from planner._paths import HELSINKI_SCENARIO, NATIONAL_SCENARIO
from planner.errors import PlannerError
from planner.i18n import gettext as _
from planner.i18n import term
from planner.outputs import files
from planner.outputs.console import StageProgress
from planner.outputs.printed import kpi_legend, kpi_table, parts_table
from planner.outputs.publish import Publication
from planner.plan import Plan
from planner.scenario import Scenario, load_scenario

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


def _fail(exc: Exception, lang: str | None = None) -> None:
    """Print ``exc`` as one line (``error: ...``, the word in ``lang``) and exit with 2."""
    if _state["debug"]:
        raise exc
    with i18n.language(lang if lang in i18n.LANGUAGES else None):
        word = _("error")
    err_console.print(f"[bold red]{word}:[/] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def one_line_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Run a command in its ``--lang`` and turn its errors into one line and exit code 2.

    Every command is wrapped by this decorator (under ``@app.command``): a
    :class:`planner.errors.PlannerError` becomes ``error: <message>`` on stderr (the word
    in the command's language) with exit code 2 and no traceback (``--debug`` shows it).
    """

    @functools.wraps(command)
    def wrapper(*args: object, **kwargs: object) -> None:
        lang = kwargs.get("lang")
        lang = lang if isinstance(lang, str) else None
        try:
            with i18n.language(lang):
                command(*args, **kwargs)
        except PlannerError as exc:
            _fail(exc, lang)

    return wrapper


@contextmanager
def _scenario(path: Path, lang: str | None) -> Iterator[Scenario]:
    """Load a scenario and, inside the block, use its language unless ``--lang`` chose one."""
    sc = load_scenario(path)
    with i18n.language(lang or sc.lang):
        yield sc


@app.command()
@one_line_errors
def demo(
    out: Path = typer.Option(Path("maps"), "--out", "-o",
                             help="Folder for demo.html, plan.gpkg and kpis.csv."),
    scenario: Path | None = typer.Option(
        None, "--scenario", "-s", help="Scenario YAML (default: the inner-Helsinki demo "
        "scenario; planner/resources/demo/scenario.yaml is the small central-Helsinki "
        "extract; with --region the national scenario "
        "planner/resources/national/scenario.yaml)."),
    region: str | None = typer.Option(
        None, "--region", "-r", help="Plan one maakunta (e.g. Pirkanmaa, Kainuu; Finnish "
        "or English name) from illustrative national data: GeoNames places with stated "
        "rules (planner.data.national) instead of central Helsinki."),
    lang: str | None = _lang_option(),
) -> None:
    """Plan inner Helsinki as it is, from the data shipped with the planner, and draw the plan.

    Builds the region (HSY's 2019 population grid of the area of HSL's inner-city timetable,
    about 356,000 residents; the OpenStreetMap extract of southern Helsinki; today's real
    Kela, city, health-station and employment offices with illustrative figures; Statistics
    Finland's postal code areas), computes travel times, optimises shared premises, pop-up
    and remote service under the scenario's access standards, and writes OUT/demo.html
    (map), OUT/plan.gpkg (plan) and OUT/kpis.csv. ``--scenario data/demo/scenario.yaml``
    runs the small central-Helsinki extract instead.

    With --region NAME the region is one maakunta of the illustrative national data
    (GeoNames places; residents, sites and offices made by stated rules) and the scenario
    is the national one with its region replaced by ``national:NAME``.
    """
    path = scenario or (NATIONAL_SCENARIO if region is not None else HELSINKI_SCENARIO)
    with _scenario(path, lang) as sc:
        if region is not None:  # one maakunta of the illustrative national data
            resize = path == NATIONAL_SCENARIO  # the shipped scenario is sized for Finland
            sc = pipeline.regional_scenario(sc, region, resize=resize)
            if resize:
                console.print(_("Regional demo: demand aggregated to at most {cells} cells, "
                                "{seconds} s to solve (set them in a copy of the scenario "
                                "with --scenario)").format(
                                    cells=sc.solver.max_demand_points,
                                    seconds=f"{sc.solver.time_limit_s:g}"),
                              soft_wrap=True, highlight=False)
        _run(out, sc, path, files.DEMO)


def map_title(region_name: str, scenario_name: str, plan_name: str | None = None) -> str:
    """Return one title: the scenario's name, after the region's unless it names it.

    ``Central Helsinki shared service network (demo)``, not ``Central Helsinki (demo):
    Central Helsinki shared service network (demo)``; then the plan's name.
    """
    core = region_name.split(" (")[0].strip().casefold()
    title = (scenario_name if core and core in scenario_name.casefold()
             else f"{region_name}: {scenario_name}")
    return f"{title} ({plan_name})" if plan_name else title


def _run(out: Path, sc: Scenario, scenario_path: Path, names: files.OutputNames) -> None:
    """Run a scenario through the pipeline, write its outputs and print what it found."""
    out = files.output_folder(out, files.scenario_inputs(sc, scenario_path),
                                names.files())
    with Publication(out) as pub, StageProgress(console) as status:
        result = pipeline.run(sc, progress=status.stage, lang=i18n.current())
        status.stage(_("Writing the map and the report"))
        tables = files.run_outputs(result)
        written = files.write_outputs(pub.stage, tables, names, files.ReportInputs(
            result, title=map_title(result.region.name, sc.name)))
    written = pub.moved(written)
    console.print(kpi_table(tables.kpis))
    _print_tours_and_sharing(result)
    _print_solver(result.plan.meta)
    console.print(_("Map:  {map}\nPlan: {plan}\nKPIs: {kpis}, {standards}, {sites}").format(
        map=written["map"], plan=written["gpkg"], kpis=written["kpis"],
        standards=written["standards"], sites=written["sites"]), soft_wrap=True)
    console.print(_("Report: {xlsx}, {compare}, charts {travel} and {costs}").format(
        xlsx=written["xlsx"], compare=written["compare_map"],
        travel=written["travel_times"].name, costs=written["costs"].name), soft_wrap=True)
    for note in result.region.notes:  # the data and its geography
        console.print(f"Region: {note}", soft_wrap=True, highlight=False)
    if isinstance(sc.region, str) and sc.region.startswith("national"):
        console.print(_("{region}: GeoNames places (CC BY 4.0) with the stated rules of "
                        "planner.data.national; real: the residents per municipality "
                        "(Statistics Finland 2022) and the health stations (2019); rule-made "
                        "(illustrative, dashed on the map): the residents' addresses, the "
                        "sites, Kela's and the employment services' offices and the town "
                        "halls").format(region=result.region.name),
                      soft_wrap=True, highlight=False)


def _print_solver(meta: dict) -> None:
    """Print the solver's line, its stages and the legend of the KPI table."""
    console.print(_("Solver: {status}, objective {objective} EUR/year, bound {bound}, gap "
                    "{gap}, {seconds} s").format(
                        status=term(meta["status"]),
                        objective=i18n.fmt_number(meta["objective"]),
                        bound=i18n.fmt_number(meta["bound"]),
                        gap=i18n.fmt_percent(meta["gap"], 2),
                        seconds=i18n.fmt_number(meta["seconds"], 1)), soft_wrap=True)
    _print_stages(meta)
    console.print(kpi_legend(), soft_wrap=True)


def _print_stages(meta: dict) -> None:
    """Print the solve's stages and, for a decomposed solve, a row per part.

    The stages are the relaxation, the starting plan, RINS, the search and the bound; each
    part's row has its bound and gap.
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
        console.print(parts_table(parts))


def _print_tours_and_sharing(result: pipeline.Run) -> None:
    """Print one line on the pop-up tours and one per shared premise's cost split."""
    tours = result.tours
    if tours is not None and len(tours.stops):
        days = tours.stops.groupby(["organisation", "team", "day"]).ngroups
        console.print(_("Pop-up tours: {days} team-days a month, {hours} h of staff travel "
                        "a month ({cost} EUR/year); tours.csv lists every stop").format(
                            days=days, hours=i18n.fmt_number(tours.travel_hours, 1),
                            cost=i18n.fmt_number(tours.travel_cost_eur)),
                      soft_wrap=True, highlight=False)
    for note in tours.notes if tours is not None else []:
        console.print(f"  {note}", soft_wrap=True, highlight=False)
    split = result.cost_split
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
@one_line_errors
def fetch(
    region: Path = typer.Argument(..., help="A region spec YAML, or a scenario whose "
                                  "region: is a mapping."),
    cache_dir: Path | None = typer.Option(None, "--cache-dir",
                                          help="Cache folder (default: PLANNER_CACHE_DIR or "
                                          "the user cache)."),
    refresh: bool = typer.Option(False, "--refresh", help="Download again even if cached."),
) -> None:
    """Download a region's Finnish open data into the local cache.

    Statistics Finland, the service catalogue and OSM, with source, fetch time and licence
    beside each file, so that later runs work offline.
    """
    from planner.data.fetch import fetch_region

    with console.status(_("Fetching...")):
        got = fetch_region(region, cache_dir=cache_dir, refresh=refresh)
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


@app.command("run")
@one_line_errors
def run_cmd(
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
    with _scenario(scenario, lang) as sc:
        _run(out, sc, scenario, files.RUN)


@app.command()
@one_line_errors
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
    if not _sweep(scenario, vary, out, workers, scheduler):
        raise typer.Exit(code=2)


def _sweep(scenario_path: Path, specs: list[str], out: Path, workers: int,
           scheduler: str | None) -> bool:
    """Run a sweep with a progress bar; return whether any variant solved."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from planner import sweep as sw

    variants = sw.load_variants(scenario_path, specs)
    inputs = sorted({p for v in variants
                     for p in files.scenario_inputs(v.scenario, scenario_path)})
    out = files.output_folder(out, inputs, ("summary.csv", *(
        f"{v.name}/{f}" for v in variants for f in sw.VARIANT_FILES)))
    by_name = {v.name: v for v in variants}
    where = scheduler or _("a local cluster of {workers} worker process(es)").format(
        workers=workers)
    console.print(_("{n} variant(s) on {where}").format(n=len(variants), where=where),
                  soft_wrap=True, highlight=False)
    with Publication(out) as pub, Progress("{task.description}", BarColumn(),
                                           MofNCompleteColumn(), TimeElapsedColumn(),
                                           console=console,
                                           disable=not console.is_terminal) as bar:
        task = bar.add_task(_("Solving"), total=len(variants))

        def done(res: sw.VariantResult) -> None:
            sw.write_variant(pub.stage, by_name[res.name], res)
            what = ("[red]" + _("error") + f"[/]: {res.message}" if res.plan is None else
                    _("{status}, objective {objective}").format(
                        status=term(res.status), objective=i18n.fmt_number(
                            res.plan.meta.get("objective", float("nan")))))
            bar.console.print(f"{res.name}: {what} ({i18n.fmt_number(res.seconds, 1)} s)",
                              soft_wrap=True, highlight=False)
            bar.advance(task)

        results = sw.run_sweep(variants, workers=workers, scheduler=scheduler, on_result=done)
        summary = sw.write_summary(pub.stage, results)
    summary = pub.moved({"summary": summary})["summary"]
    solved = sum(r.plan is not None for r in results)
    console.print(_("{solved} of {n} variant(s) solved. Summary: {summary}").format(
        solved=solved, n=len(results), summary=summary), soft_wrap=True, highlight=False)
    return solved > 0


@app.command("evaluate")
@one_line_errors
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
    """Evaluate a proposal against today's network and the optimised plan.

    Costs, access, the standards it breaks and where, who gains and who loses. For every
    organisation the proposal names, its rows are that organisation's whole network (its
    offices not listed close); other organisations keep today's network. Writes
    OUT/proposal.html, OUT/proposal.gpkg, OUT/proposal_kpis.csv,
    OUT/proposal_standards.csv and OUT/proposal_access.csv.
    """
    from planner.assess.proposal import read_proposal

    with _scenario(scenario, lang) as sc:
        names = files.PROPOSAL
        out = files.output_folder(out, files.scenario_inputs(sc, scenario, proposal,
                                                                 optimised), names.files())
        table = read_proposal(proposal)
        best = Plan.from_file(optimised) if optimised is not None else None
        with Publication(out) as pub, StageProgress(console) as status:
            ev = pipeline.evaluate_proposal(sc, table, name=proposal.stem, source=str(proposal),
                                            optimised=best, progress=status.stage)
            status.stage(_("Writing the map and the report"))
            tables = files.evaluation_outputs(ev)
            written = files.write_outputs(
                pub.stage, tables, names, files.ReportInputs(
                    ev.run, title=map_title(ev.region.name, sc.name, ev.proposal.name),
                    extra=dict(zip(files.EVALUATION_SHEETS,
                                   (ev.checks, ev.access_by_area), strict=True))))
        written = pub.moved(written)
        _print_evaluation(ev, tables.kpis)
        console.print(_("Map: {map}\nWorkbook: {xlsx} (Agreements, Budgets, Cost sharing, Checks, "
                        "Access changes)\nOutputs in {out}").format(map=written["map"],
                                                                  xlsx=written["xlsx"], out=out),
                      soft_wrap=True)


def _print_evaluation(ev: pipeline.Evaluation, vs_today: pd.DataFrame) -> None:
    """Print the KPIs, totals, broken standards, broken rules and access changes.

    ``vs_today`` is today's network against the proposal, the table the outputs hold.
    """
    name = ev.proposal.name
    console.print(kpi_table(vs_today, title=_("Today → {plan}").format(plan=name)))
    console.print(kpi_table(ev.vs_optimised(),
                            title=_("{plan} → optimised plan").format(plan=name)))
    labels = {"today": _("today"), "proposal": name, "optimised": _("optimised")}
    console.print(_("Total cost (organisations + residents' time + unserved visits), "
                    "EUR/year: ")
                  + ", ".join(f"{labels[k]} {i18n.fmt_number(c)}"
                              for k, c in ev.totals().items()), soft_wrap=True)
    _print_broken(ev.standards)
    for r in ev.checks.itertuples():
        label = "[red]" + _("rule") + "[/]" if r.severity == "breach" else _("note")
        console.print(f"{label} {r.rule}: {r.organisation or ''} {r.message}".replace("  ", " "),
                      soft_wrap=True, highlight=False)
    _print_access(ev.access, ev.access_by_area)


def _print_broken(standards: pd.DataFrame) -> None:
    """Print every standard the proposal breaks, new or already broken today."""
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


def _print_access(access: pd.DataFrame, by_area: pd.DataFrame) -> None:
    """Print who gains and who loses, per organisation and then per area and age group."""
    for org, r in access.iterrows():
        if not (r["residents_gaining"] or r["residents_losing"]):
            continue
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


@app.command("serve")
@one_line_errors
def serve_cmd(
    scenario: Path = typer.Argument(..., help="Scenario YAML."),
    plan: Path | None = typer.Option(
        None, "--plan", help="Start from this plan (plan.gpkg) or proposal (.csv, .xlsx: "
        "a workbook the planner wrote, in any language) instead of today's network."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port (0: a free one)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on; anything "
                             "but 127.0.0.1 lets others on the network reach the page."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open the browser."),
    lang: str | None = _lang_option(),
) -> None:
    """Open the meeting page: change a proposal on the map, see costs, access and the split.

    Prints http://127.0.0.1:PORT/?token=... (the token is needed by every request) and
    serves until Ctrl+C. The numbers are those of `planner evaluate` on the same proposal;
    the page downloads the proposal (CSV), the workbook and the map.
    """
    try:
        from planner.meeting.command import run
    except ImportError as exc:
        raise PlannerError(f"planner serve needs FastAPI and uvicorn ({exc.name} is missing): "
                           "reinstall planner (pip install planner), which requires them") from None
    with _scenario(scenario, lang):
        run(scenario, plan, port, host, not no_browser, console)


@app.command("report")
@one_line_errors
def report_cmd(
    plan: Path = typer.Argument(..., help="A saved plan (plan.gpkg or .geojson)."),
    scenario: Path = typer.Option(HELSINKI_SCENARIO, "--scenario", "-s",
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
    with _scenario(scenario, lang) as sc:
        names = files.REPORT
        out = files.output_folder(out, files.scenario_inputs(sc, plan, scenario),
                                    names.files())
        saved = Plan.from_file(plan)
        with Publication(out) as pub, StageProgress(console) as status:
            result = pipeline.evaluate_plan(sc, saved, progress=status.stage)
            status.stage(_("Writing the map and the report"))
            written = pub.moved(files.write_outputs(
                pub.stage, files.Outputs(result.plan), names, files.ReportInputs(
                    result, title=map_title(result.region.name, sc.name, saved.name))))
        console.print(kpi_table(result.comparison(),
                                title=_("Today → {plan}").format(plan=saved.name)))
        console.print(_("Written: ") + ", ".join(str(p) for p in written.values()), soft_wrap=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
