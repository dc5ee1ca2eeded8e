"""National scale: the whole of mainland Finland (illustrative) planned end to end.

Builds the national benchmark region (:mod:`planner.data.national`: GeoNames places, at
least 300 000 demand points and 3 000 candidate sites, four organisations), then runs the
stages a planner runs, timing each:

- build: the region (places, residents, sites, today's offices);
- matrix: demand aggregation, straight-line travel times (residents to sites and staff
  between sites) and the model input (options, costs);
- model build: the co-location MIP of every part (numpy blocks, :class:`SparseMIP`),
  timed on its own here; the solve stage builds each part again in its worker;
- solve: the parts by county on ``--workers`` processes (:mod:`planner.model.decompose`), each
  from its starting plan (today's network repaired, the relaxation rounded), improved by
  RINS, then searched whole for the rest of its share of the time;
- map and report: today's network evaluated, the plan evaluated, the HTML map, the
  workbook, the GeoPackage and the charts.

It prints one table of stage times, the peak memory (resident set of this process and of
its worker processes), and the objective, bound and gap against the goal (5 minutes end to
end, 1 % gap). The baseline is the plan evaluated afresh from its decisions and
assignment (:func:`planner.assess.kpis.total_cost`): the script exits 1 if that evaluation
disagrees with the solver's objective plus the staff and repriced pop-up travel
(:func:`planner.assess.kpis.solver_total`, relative 1e-6), if the bound exceeds the objective,
or if any standard the plan reports as met is not met on evaluation.

Usage::

    pip install -e ".[bench,regions]"
    python benchmarks/bench_national.py [--region national] [--workers 2]
                                        [--out /tmp/national] [--time-limit S]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from planner import pipeline
from planner._paths import NATIONAL_SCENARIO
from planner.assess import kpis
from planner.model import colocation, decompose
from planner.outputs import report
from planner.scenario import load_scenario


def _peak_mb() -> tuple[float, float]:
    """Return the peak resident memory (MB) of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def main() -> int:
    """Run the national benchmark and print its stages."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", default="national",
                    help="'national' or 'national:<maakunta>' (e.g. national:Pirkanmaa)")
    ap.add_argument("--workers", type=int, default=2, help="processes solving the parts")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="seconds per part (default: the scenario's)")
    ap.add_argument("--out", type=Path, default=None, help="output folder (default: temp)")
    args = ap.parse_args()

    sc = load_scenario(NATIONAL_SCENARIO)
    solver = {"workers": args.workers}
    if args.time_limit:
        solver["time_limit_s"] = args.time_limit
    sc = sc.model_copy(update={"region": args.region,
                               "solver": sc.solver.model_copy(update=solver)})
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_national_"))
    stages: list[tuple[str, float, str]] = []
    t_all = time.perf_counter()

    t = time.perf_counter()
    region = pipeline.region_of(sc)
    stages.append(("build", time.perf_counter() - t,
                   f"{len(region.demand):,} demand points, {len(region.sites):,} sites, "
                   f"{len(region.service_points):,} offices"))

    t = time.perf_counter()
    region, problem, today, visits = pipeline.run_inputs(sc, region)
    stages.append(("matrix", time.perf_counter() - t,
                   f"{len(problem.demand):,} cells x {len(problem.sites):,} sites: "
                   f"{len(problem.times):,} pairs within {sc.travel.cutoff_min:g} min, "
                   f"{0 if problem.site_times is None else len(problem.site_times):,} site pairs"))

    t = time.perf_counter()
    column = sc.solver.decompose
    parts = decompose.split(problem, column) if column != "none" else [("all", problem)]
    n_vars = n_rows = 0
    for _, part in parts:
        m = colocation.Model(part)
        n_vars += m.mip.n_vars
        n_rows += m.mip.n_rows
    stages.append(("model build", time.perf_counter() - t,
                   f"{len(parts)} parts, {n_vars:,} variables, {n_rows:,} rows"))

    t = time.perf_counter()
    plan = decompose.optimised_plan(problem)
    meta = plan.meta
    stages.append(("solve", time.perf_counter() - t,
                   f"{meta['solver']}, {meta['status']} on {args.workers} process(es)"))

    t = time.perf_counter()
    run = pipeline.run_of(sc, region, problem, today, plan, visits)
    written = report.write_report(out, run,
                                  options=report.ReportOptions(title=f"{region.name}: {sc.name}"))
    stages.append(("map + report", time.perf_counter() - t,
                   f"{written['map'].stat().st_size / 1e6:.1f} MB map, workbook, gpkg"))
    total = time.perf_counter() - t_all
    own, kids = _peak_mb()

    print(f"\nNational benchmark ({args.region}, illustrative data), {sc.name}\n")
    print("| stage | seconds | what |")
    print("|---|---|---|")
    for name, sec, what in stages:
        print(f"| {name} | {sec:.1f} | {what} |")
    print(f"| **total** | **{total:.1f}** | goal 300 s: "
          f"{'met' if total <= 300 else 'NOT met'} |")
    print(f"\npeak memory: {own:,.0f} MB (this process), {kids:,.0f} MB (largest worker)")
    print(f"objective {meta['objective']:,.0f} EUR/year, bound {meta['bound']:,.0f}, "
          f"gap {meta['gap']:.2%} (goal 1 %: {'met' if meta['gap'] <= 0.01 else 'NOT met'})")
    met = run.standards_today["met"]
    print(f"today's network: {kpis.total_cost(today, problem):,.0f} EUR/year, meeting "
          f"{int(met.sum())} of {len(met)} standards (the plan meets them all)")
    if meta.get("stages"):
        st = meta["stages"]
        print(f"\nstages (all parts): relaxation {st['lp_bound']:,.0f}, starting plan "
              f"{st['start']:,.0f}, after RINS {st['rins']:,.0f}, final {st['final']:,.0f}, "
              f"bound {st['bound']:,.0f}; of the first gap RINS closed "
              f"{st['rins_share']:.0%}, the search {st['search_share']:.0%}, the bound "
              f"{st['bound_share']:.0%}, open {st['open_share']:.0%}")
    if meta.get("parts"):
        print("\n| part | cells | sites | limit s | seconds | status | relaxation | start | "
              "RINS | objective | bound | gap | closed: RINS / search / bound |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in meta["parts"]:
            print(f"| {r['area']} | {r['demand_points']:,} | {r['sites']:,} | "
                  f"{r['time_limit_s']:.0f} | {r['seconds']:.0f} | {r['status']} | "
                  f"{r.get('lp_bound', float('nan')):,.0f} | {r.get('start', float('nan')):,.0f} | "
                  f"{r.get('rins', float('nan')):,.0f} | {r['objective']:,.0f} | "
                  f"{r['bound']:,.0f} | {r['gap']:.1%} | {r.get('rins_share', 0):.0%} / "
                  f"{r.get('search_share', 0):.0%} / {r.get('bound_share', 0):.0%} |")
    for key in ("decomposition", "demand_aggregation", "travel_model"):
        if key in meta:
            print(f"{key}: {meta[key]}")
    print(f"outputs: {out}")

    # the baseline: the plan evaluated afresh must agree with the solver
    evaluated = kpis.total_cost(plan, problem)
    bad = []
    solver = kpis.solver_total(plan)  # objective + staff + travel repriced
    if abs(evaluated - solver) > 1e-6 * abs(solver) + 1.0:
        bad.append(f"evaluated cost {evaluated:,.2f} != objective {meta['objective']:,.2f} "
                   f"+ staff {meta.get('staff_eur', 0):,.2f} + travel repriced "
                   f"{meta.get('travel_repriced_eur', 0):,.2f}")
    if meta["bound"] > meta["objective"] * (1 + 1e-9):
        bad.append(f"bound {meta['bound']:,.2f} above objective {meta['objective']:,.2f}")
    std = run.standards
    if not std["met"].all():
        missed = std[~std["met"]].head(3).to_dict("records")
        bad.append(f"standards not met on evaluation: {missed}")
    print(f"evaluated afresh: {evaluated:,.2f} EUR/year "
          f"({'agrees' if not bad else 'DISAGREES'} with the solver)")
    for b in bad:
        print(f"error: {b}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
