"""The files a command leaves in its output folder, written by one function.

``planner run``, ``demo``, ``evaluate``, ``report`` and each variant of ``sweep`` write the
same kinds of file under their own names: the plan (``plan.gpkg``), its KPIs against today
(``kpis.csv``), every access standard per area (``standards.csv``), the sites
(``sites.csv``), the pop-up tours (``tours.csv``) and, except in a sweep, the report of
:func:`planner.outputs.report.write_report` (the map, the side-by-side map, ``report.xlsx`` with
its CSV copies, the GeoPackage with its extra layers, the charts). :class:`OutputNames`
names the files of one command; :func:`write_outputs` writes them, each whole or not at
all (:func:`planner._io.atomic_write`).

Before anything is computed, :func:`output_folder` refuses an output folder that is a
file or cannot be written, and any output that would overwrite one of the command's inputs
(:func:`scenario_inputs` lists them: the files named on the command line and the region's
own files). Nothing the user gave is overwritten.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from planner._io import write_csv
from planner.assess import kpis
from planner.data.spec import RegionSpec
from planner.errors import PlannerError
from planner.i18n import gettext as _
from planner.outputs import report
from planner.plan import Plan
from planner.scenario import Scenario

if TYPE_CHECKING:
    from planner.pipeline import Evaluation, Run

__all__ = ["DEMO", "PROPOSAL", "REPORT", "RUN", "VARIANT", "OutputNames", "Outputs",
           "ReportInputs", "evaluation_outputs", "output_folder", "run_outputs",
           "scenario_inputs", "write_outputs"]


@dataclass(frozen=True)
class OutputNames:
    """The file names one command writes; ``None`` leaves a file out.

    Attributes
    ----------
    map : str or None
        The map; with it the whole report of :func:`planner.outputs.report.write_report` is
        written (``<map stem>_compare.html``, ``report.xlsx``, ``report_*.csv``, charts and
        the GeoPackage with its extra layers). Without it the GeoPackage holds the plan
        only (:meth:`planner.plan.Plan.to_file`).
    gpkg : str or None
        The plan's GeoPackage.
    kpis, standards, sites, tours, access : str or None
        The CSV tables of the same names in :class:`Outputs`.
    extra_sheets : tuple of str
        Sheets the report adds after its own (:attr:`ReportInputs.extra`), each also written
        as a CSV file.
    """

    map: str | None = "plan.html"
    gpkg: str | None = "plan.gpkg"
    kpis: str | None = "kpis.csv"
    standards: str | None = "standards.csv"
    sites: str | None = "sites.csv"
    tours: str | None = "tours.csv"
    access: str | None = None
    extra_sheets: tuple[str, ...] = ()

    def files(self) -> tuple[str, ...]:
        """Return every file name these outputs may write (for the overwrite check)."""
        tables = (self.gpkg, self.kpis, self.standards, self.sites, self.tours, self.access)
        named = tuple(n for n in (self.map, *tables) if n)
        if self.map is None:
            return named
        stem = Path(self.map).stem
        return (*named, f"{stem}_compare.html", "report.xlsx", "travel_times.png",
                "costs.png", *(f"{s}.csv" for s in report.SHEETS.values()),
                *(f"{report.sheet_stem(s)}.csv" for s in self.extra_sheets))


#: ``planner run``.
RUN = OutputNames()
#: ``planner demo``.
DEMO = OutputNames(map="demo.html")
#: The sheets ``planner evaluate`` adds to the report.
EVALUATION_SHEETS = ("Checks", "Access changes")
#: ``planner evaluate``: the proposal's files.
PROPOSAL = OutputNames(map="proposal.html", gpkg="proposal.gpkg", kpis="proposal_kpis.csv",
                       standards="proposal_standards.csv", sites=None, tours=None,
                       access="proposal_access.csv", extra_sheets=EVALUATION_SHEETS)
#: ``planner report``: the report of a saved plan, without the run's tables.
REPORT = OutputNames(kpis=None, standards=None, sites=None, tours=None)
#: One variant of ``planner sweep``: the plan and two tables, no report.
VARIANT = OutputNames(map=None, sites=None, tours=None)


@dataclass
class Outputs:
    """A plan and the tables written beside it (a table left ``None`` is not written).

    Attributes
    ----------
    plan : planner.Plan
    kpis : pandas.DataFrame, optional
        KPIs against the reference (``planner.pipeline.compare``), indexed by organisation.
    standards, sites, tours : pandas.DataFrame, optional
        Written without their index.
    access : pandas.DataFrame, optional
        Gains and losses per organisation (indexed by it).
    """

    plan: Plan
    kpis: pd.DataFrame | None = None
    standards: pd.DataFrame | None = None
    sites: pd.DataFrame | None = None
    tours: pd.DataFrame | None = None
    access: pd.DataFrame | None = None


def run_outputs(run: Run) -> Outputs:
    """Return a run's plan and tables: KPIs, standards, sites and the pop-up tours.

    Parameters
    ----------
    run : planner.pipeline.Run

    Returns
    -------
    Outputs
    """
    return Outputs(plan=run.plan, kpis=run.kpis, standards=run.standards,
                   sites=kpis.site_table(run.plan, run.problem),
                   tours=run.tours.stops if run.tours is not None else None)


def evaluation_outputs(ev: Evaluation) -> Outputs:
    """Return a proposal's plan and tables: KPIs against today, standards, access changes.

    Parameters
    ----------
    ev : planner.pipeline.Evaluation

    Returns
    -------
    Outputs
    """
    return Outputs(plan=ev.proposal, kpis=ev.vs_today(), standards=ev.standards,
                   access=ev.access)


@dataclass
class ReportInputs:
    """What the report shows: the run it reads, the map's title and extra sheets.

    Attributes
    ----------
    run : planner.pipeline.Run
        The plan against today's network, with everything the run computed (its tours
        are drawn on the map).
    title : str, optional
        The map's title.
    extra : dict of str to pandas.DataFrame
        Sheets after the report's own (``planner evaluate``: ``Checks``, ``Access changes``).
    """

    run: Run
    title: str | None = None
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)


#: Tables of :class:`Outputs` and whether their index is written.
_TABLES = (("kpis", True), ("standards", False), ("sites", False), ("tours", False),
           ("access", True))


def write_outputs(out: str | Path, outputs: Outputs, names: OutputNames,
                  report_inputs: ReportInputs | None = None) -> dict[str, Path]:
    """Write a command's outputs into ``out``, each file whole or not at all.

    Parameters
    ----------
    out : str or pathlib.Path
        The output folder (created when missing; check it first with
        :func:`output_folder`).
    outputs : Outputs
        The plan and its tables.
    names : OutputNames
        The command's file names.
    report_inputs : ReportInputs, optional
        Needed when ``names.map`` is set: the report is written then.

    Returns
    -------
    dict of str to pathlib.Path
        Output name (``kpis``, ``standards``, ..., and the report's ``map``, ``gpkg``,
        ``xlsx``, ...) -> the written file.
    """
    out = Path(out)
    written: dict[str, Path] = {}
    for key, index in _TABLES:
        name, table = getattr(names, key), getattr(outputs, key)
        if name and table is not None:
            written[key] = write_csv(table, out / name, index=index)
    if names.map is None:
        if names.gpkg:
            written["gpkg"] = outputs.plan.to_file(out / names.gpkg)
        return written
    if report_inputs is None:
        raise ValueError("write_outputs: a map needs report_inputs")
    r = report_inputs
    written.update(report.write_report(
        out, r.run, extra=r.extra or None,
        options=report.ReportOptions(map_name=names.map, title=r.title, gpkg_name=names.gpkg)))
    return written


def scenario_inputs(scenario: Scenario, *paths: Path | None) -> list[Path]:
    """Return the files a command reads: ``paths`` and the region spec's own files.

    Parameters
    ----------
    scenario : planner.scenario.Scenario
    *paths : pathlib.Path or None
        Files named on the command line (``None`` is skipped).

    Returns
    -------
    list of pathlib.Path
    """
    region = scenario.region
    own: list[Path] = []
    if isinstance(region, RegionSpec):
        own = [f.path for f in (*region.service_points, *region.sites, region.demand)
               if f is not None]
        own += [p for p in (region.employment_areas, region.osm_pbf) if p is not None]
    return [p for p in paths if p is not None] + own


def output_folder(out: Path, inputs: list[Path], files: tuple[str, ...]) -> Path:
    """Check an output folder before anything is computed, and return it resolved.

    Refuses a file in its place, a folder that cannot be written and outputs that would
    overwrite an input. Nothing is created here.

    Parameters
    ----------
    out : pathlib.Path
        The ``--out`` folder.
    inputs : list of pathlib.Path
        The command's inputs (:func:`scenario_inputs`).
    files : tuple of str
        The outputs' names relative to ``out`` (:meth:`OutputNames.files`).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    planner.errors.PlannerError
        Naming the folder or the input and what to do.
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
        for name in files:
            if (out / name).resolve() == p.resolve():
                raise PlannerError(_("{input}: this input would be overwritten by the output "
                                     "{name}; choose another --out folder").format(
                                         input=p, name=name))
    return out


def _writable(folder: Path) -> bool:
    """Tell whether a folder can really be written.

    Permission bits lie to root and on read-only mounts, so a probe folder is made and
    removed.
    """
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        tempfile.TemporaryDirectory(prefix=".planner-probe-", dir=folder).cleanup()
    except OSError:
        return False
    return True
