"""Tables, charts and files for a run: what a planning meeting takes home.

``write_report`` writes, for one plan compared with today's network:

- ``report.xlsx``: sheets ``Summary`` (KPIs per organisation, today and plan), ``Decisions``
  (per site and organisation), ``Access`` (every access standard per area, today and plan,
  from ``planner.evaluate.standards_report``), ``Costs`` (per organisation, today and plan,
  the plan's cost by mode), ``Savings`` (today and the plan line by line per organisation:
  premises, shared services, staff, staff travel, pop-up sessions, remote points, fit-out,
  closing; the lines add up to the difference of the totals, ``planner.pricing.savings``),
  ``Visits`` (each office's recorded and modelled visits today, the plan's visits there,
  and the low-demand flag, ``planner.calibrate.visits_table``), ``Agreements`` (one
  agreement per shared site: each party's floor area, desk-days, share under the agreed
  key, fee to the host, the host's income, the term and the fit-out's payer, from
  ``planner.sharing.agreements``), ``Budgets`` (each organisation's budget after the
  fees, and the joint budget, ``planner.sharing.budgets``), ``Cost sharing`` (each
  shared site's premises and shared services split by floor area, desk-days, visits,
  equally, Shapley and nucleolus, each checked against the core,
  ``planner.sharing.cost_sharing``),
  ``Shared sites`` (every organisation at a shared site with its own cost and visits) and
  ``Run`` (solver report and notes);
- ``report_<sheet>.csv``: the same tables as CSV;
- ``plan.gpkg``: the plan (``decisions``, ``assignment``, ``kpis``, ``meta``, readable by
  ``Plan.from_file``) plus the layers ``sites``, ``demand`` (with minutes to in-person
  service today and in the plan), ``areas`` (share within the standard per area),
  ``agreements`` (the sites' agreements, at each site's point) and ``budgets``;
- ``travel_times.png`` and ``costs.png``: charts (matplotlib figures drawn by the Agg
  canvas, without pyplot, so a notebook's backend is left alone);
- the map (``plan_map`` with isochrones and areas) and ``<map>_compare.html`` (today and
  the plan side by side).

Text from data that reaches a spreadsheet cell is neutralised when it could be read as a
formula (``=``, ``+``, ``-``, ``@``, tab or carriage return first): it gets a leading ``'``.
"""

from __future__ import annotations

import datetime
import io
import json
import math
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from matplotlib.figure import Figure

from planner import calibrate, checks, evaluate, i18n, pricing, sharing
from planner._io import atomic_write, fixed_gpkg_date
from planner._labels import localise_tables
from planner.i18n import N_, term
from planner.i18n import gettext as _
from planner.maps import MapLayers, comparison_map, plan_map, save_map
from planner.plan import Plan
from planner.problem import Problem
from planner.region import Region
from planner.schema import CRS, DECISION_MODES

__all__ = ["AREA_LEVELS", "SHEETS", "ReportOptions", "area_access", "area_polygons", "demand_layer",
           "report_tables", "safe_cell", "safe_frame", "shared_sites", "sheet_stem", "write_charts",
           "write_excel", "write_gpkg", "write_report"]

#: Demand columns naming the areas access is reported for, finest first.
AREA_LEVELS = ("municipality", "employment_area", "county")
#: Sheet name -> CSV file stem of ``report.xlsx``, in sheet order.
SHEETS = {"Summary": "report_summary", "Decisions": "report_decisions",
          "Access": "report_access", "Costs": "report_costs",
          "Savings": "report_savings", "Visits": "report_visits",
          "Agreements": "report_agreements", "Budgets": "report_budgets",
          "Cost sharing": "report_cost_sharing", "Shared sites": "report_shared_sites",
          "Run": "report_run"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Creation time of workbooks (the earliest a zip can hold): the same tables, the same file.
_FIXED_TIME = datetime.datetime(1980, 1, 1)
_AREA_BUFFER_M = 100.0
_COST_SHARING_NOTE = N_(
    "Splits of each shared site's premises and shared services (planner.sharing): by floor "
    "area (own m2 plus common space and services by desk-days: the cost-price principle), "
    "by desk-days, by visits, equally, by the Shapley value and by the nucleolus; "
    "alone_eur is what the party would pay on its own, saving_eur the difference; "
    "in_core false names in core_note who would pay more than on their own.")
_NO_SHARED_NOTE = N_("The plan has no site where two or more organisations share premises.")


def sheet_stem(sheet: str) -> str:
    """Return the CSV file stem of an extra sheet (``Checks``: ``report_checks``)."""
    return "report_" + sheet.lower().replace(" ", "_")


# --------------------------------------------------------------------------- spreadsheet safety
def safe_cell(value: Any) -> Any:
    """Return a cell value that a spreadsheet cannot read as a formula.

    Strings starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a
    leading single quote; everything else is returned unchanged.

    Parameters
    ----------
    value : object

    Returns
    -------
    object
        ``"'" + value`` for such strings, else ``value``.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with every text cell, column and index label through ``safe_cell``."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    if not isinstance(out.index, pd.RangeIndex):
        out.index = out.index.map(lambda v: safe_cell(v) if isinstance(v, str) else v)
    return out


# --------------------------------------------------------------------------- areas
def area_polygons(region: Region, demand: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Return an outline per area of ``level`` (e.g. ``"municipality"``).

    The region's boundary dissolved by a column named ``level`` when it has one; else, with
    one area, the whole boundary; else each area's demand points' convex hull buffered by
    100 m and clipped to the boundary (an approximate outline).

    Returns
    -------
    geopandas.GeoDataFrame
        ``area`` and geometry (EPSG:3067), sorted by area.
    """
    names = demand[level].astype(str)
    areas = sorted(set(names))
    bnd = region.boundary
    has_bnd = bnd is not None and len(bnd) > 0
    if has_bnd and level in bnd.columns:
        d = bnd.to_crs(CRS).assign(area=bnd[level].astype(str)).dissolve("area").reset_index()
        d = d[d["area"].isin(areas)]
        return gpd.GeoDataFrame(d[["area", "geometry"]], geometry="geometry", crs=CRS)
    outline = shapely.union_all(bnd.to_crs(CRS).geometry.to_numpy()) if has_bnd else None
    if len(areas) == 1 and outline is not None:
        return gpd.GeoDataFrame({"area": areas}, geometry=[outline], crs=CRS)
    pts = demand.geometry.to_crs(CRS).to_numpy()
    where = _positions(names.to_numpy())
    geoms = []
    for area in areas:
        hull = shapely.union_all(pts[where[area]]).convex_hull.buffer(_AREA_BUFFER_M)
        geoms.append(hull.intersection(outline) if outline is not None else hull)
    return gpd.GeoDataFrame({"area": areas}, geometry=geoms, crs=CRS)


def _positions(names: np.ndarray) -> dict[str, np.ndarray]:
    """Return the positions (ascending) of each distinct value of ``names``."""
    return {str(k): v for k, v in pd.Series(names).groupby(names, sort=False).indices.items()}


def area_access(plan: Plan, problem: Problem, region: Region,
                before: Plan | None = None) -> gpd.GeoDataFrame:
    """Return the share of residents within each standard per area, for every area level.

    For every scenario standard, organisation it applies to, level in ``AREA_LEVELS``
    present in the demand, and area of that level: the residents with in-person service
    (``planner.evaluate.within``) within the standard's minutes. ``required_share`` is the
    standard's share where the standard is set for that level (NaN elsewhere: the share is
    then information, not a requirement).

    Parameters
    ----------
    plan : planner.Plan
    problem : planner.Problem
    region : planner.Region
        For the area outlines (``area_polygons``).
    before : planner.Plan, optional
        Adds ``share_before`` (usually today's network).

    Returns
    -------
    geopandas.GeoDataFrame
        ``level``, ``area``, ``organisation``, ``minutes``, ``min_popup_days``,
        ``residents``, ``residents_within``, ``share_within``, ``required_share``, ``met``
        (and ``share_before``), with the area's outline, EPSG:3067.
    """
    dem = problem.demand
    pop = dem["population"].to_numpy(dtype=float)
    levels = [lv for lv in AREA_LEVELS if lv in dem.columns]
    rows = []
    cache: dict[tuple, np.ndarray] = {}

    def ok(p: Plan, org: str, minutes: float, days: int) -> np.ndarray:
        key = (id(p), org, minutes, days)
        if key not in cache:
            cache[key] = evaluate.within(p, problem, org, minutes, days)
        return cache[key]

    where = {level: _positions(dem[level].astype(str).to_numpy()) for level in levels}
    for st in problem.scenario.standards:
        orgs = problem.orgs if st.organisation == "all" else [st.organisation]
        for level in levels:
            for org in orgs:
                now = ok(plan, org, st.minutes, st.min_popup_days)
                was = ok(before, org, st.minutes, st.min_popup_days) if before else None
                for area in sorted(where[level]):
                    sel = where[level][area]  # positions in order: the same sums as a mask
                    total = float(pop[sel].sum())
                    inside = float(pop[sel][now[sel]].sum())
                    share = inside / total if total else 1.0
                    required = st.share if st.area == level else np.nan
                    row = {"level": level, "area": area, "organisation": org,
                           "minutes": float(st.minutes), "min_popup_days": st.min_popup_days,
                           "residents": total, "residents_within": inside,
                           "share_within": share, "required_share": required,
                           "met": bool(share + 1e-9 >= required) if required == required
                           else None}
                    if was is not None:
                        row["share_before"] = (float(pop[sel][was[sel]].sum()) / total
                                               if total else 1.0)
                    rows.append(row)
    df = pd.DataFrame(rows)
    if not len(df):
        return gpd.GeoDataFrame(df, geometry=[], crs=CRS)
    outlines = {lv: area_polygons(region, dem, lv).set_index("area").geometry for lv in levels}
    geoms = [outlines[lv].get(a) for lv, a in zip(df["level"], df["area"], strict=True)]
    return gpd.GeoDataFrame(df, geometry=geoms, crs=CRS)


# --------------------------------------------------------------------------- tables
def demand_layer(problem: Problem, plan: Plan, before: Plan) -> gpd.GeoDataFrame:
    """Return the demand points with minutes to in-person service today and in the plan.

    Columns: the demand columns, ``minutes_today`` and ``minutes_plan`` (visit-weighted
    over organisations, as on the map), and per organisation ``minutes_today_<org>`` and
    ``minutes_plan_<org>``; NaN without in-person visits.
    """
    dem = problem.demand.copy()
    ids = dem["demand_id"].astype(str)
    for label, p in (("today", before), ("plan", plan)):
        overall, per_org = evaluate.travel_minutes(p.assignment)
        dem[f"minutes_{label}"] = ids.map(overall).astype(float)
        for org in problem.orgs:
            m = per_org[per_org["organisation"] == org].set_index("demand_id")["minutes"]
            dem[f"minutes_{label}_{org}"] = ids.map(m).astype(float)
    return gpd.GeoDataFrame(dem, geometry="geometry", crs=problem.demand.crs)


def shared_sites(plan: Plan) -> pd.DataFrame:
    """Return each shared site's organisations and their annual costs.

    Returns
    -------
    pandas.DataFrame
        ``site_id``, ``site_name``, ``host_org``, ``organisation``, ``annual_cost_eur``,
        ``visits``, ``share_of_site_cost`` and ``share_of_visits`` (fractions of the
        site's totals), one row per organisation at a site with mode ``shared``.
    """
    d = plan.open_decisions()
    shared = set(d.loc[d["mode"] == "shared", "site_id"].astype(str))
    d = d[d["site_id"].astype(str).isin(shared)]
    cols = ["site_id", "site_name", "host_org", "organisation", "mode", "annual_cost_eur",
            "visits"]
    out = pd.DataFrame(d[cols]).sort_values(["site_id", "organisation"]).reset_index(drop=True)
    for col, share in (("annual_cost_eur", "share_of_site_cost"),
                       ("visits", "share_of_visits")):
        total = out.groupby("site_id")[col].transform("sum")
        out[share] = np.where(total > 0, out[col] / total.where(total > 0, 1.0), np.nan)
    return out


def _without_geometry(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(df.drop(columns="geometry", errors="ignore"))
    if isinstance(df, gpd.GeoDataFrame) and len(df):
        pts = df.geometry.representative_point().to_crs("EPSG:4326")
        out["lon"] = pts.x.round(6).to_numpy()
        out["lat"] = pts.y.round(6).to_numpy()
    return out


def report_tables(problem: Problem, plan: Plan, before: Plan,
                  splits: pd.DataFrame | None = None,
                  agreement: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Return the sheets of ``report.xlsx`` (keys of ``SHEETS``) as data frames.

    ``plan`` and ``before`` need ``kpis`` (``planner.evaluate.evaluate``); ``splits`` and
    ``agreement`` are the plan's ``planner.sharing.cost_sharing`` and
    ``planner.sharing.agreements`` (computed here when not given).
    """
    k, b = plan.kpis, before.kpis
    summary = k.copy()
    summary.insert(2, "share_within_standard_today", b["share_within_standard"])
    summary.insert(summary.columns.get_loc("mean_minutes") + 1, "mean_minutes_today",
                   b["mean_minutes"])
    summary.insert(summary.columns.get_loc("annual_cost_eur") + 1, "annual_cost_eur_today",
                   b["annual_cost_eur"])
    summary = summary.reset_index(names="organisation")

    decisions = _without_geometry(plan.decisions.sort_values(["site_id", "organisation"]))

    access = evaluate.standards_report(plan, problem)
    if len(access):
        access = checks.standards_status(evaluate.standards_report(before, problem), access)
        access.insert(access.columns.get_loc("achieved_share"), "achieved_share_today",
                      access.pop("achieved_share_today"))

    d = plan.decisions
    costs = pd.DataFrame({"annual_cost_eur_today": b["annual_cost_eur"],
                          "annual_cost_eur_plan": k["annual_cost_eur"]})
    costs["change_eur"] = costs["annual_cost_eur_plan"] - costs["annual_cost_eur_today"]
    costs["change_share"] = np.where(costs["annual_cost_eur_today"] > 0,
                                     costs["change_eur"] / costs["annual_cost_eur_today"]
                                     .where(costs["annual_cost_eur_today"] > 0, 1.0), np.nan)
    for mode in DECISION_MODES:
        by_org = d[d["mode"] == mode].groupby("organisation")["annual_cost_eur"].sum()
        by_org["all"] = by_org.sum()
        costs[f"plan_{mode}_eur"] = by_org.reindex(costs.index).fillna(0.0)
    costs["travel_value_eur_today"] = b["travel_value_eur"]
    costs["travel_value_eur_plan"] = k["travel_value_eur"]
    costs = costs.reset_index(names="organisation")

    saving = pricing.savings(before.decisions, plan.decisions)
    visits = calibrate.visits_table(problem, before)
    got = plan.decisions.groupby(["site_id", "organisation"])["visits"].sum()
    visits["plan_visits"] = [float(got.get((sid, o), 0.0)) if pid != "total" else np.nan
                             for sid, o, pid in zip(visits["site_id"], visits["organisation"],
                                                    visits["point_id"], strict=True)]

    shared = shared_sites(plan)
    if splits is None:
        splits = sharing.cost_sharing(plan.decisions, problem)
    if agreement is None:
        agreement = sharing.agreements(plan.decisions, problem, splits)
    budget = sharing.budgets(plan.decisions, before.decisions, agreement)
    splits = splits.copy()
    names = plan.decisions.drop_duplicates("site_id").set_index("site_id")["site_name"]
    splits.insert(1, "site_name", splits["site_id"].map(names))
    splits["note"] = ""
    splits.loc[0, "note"] = _COST_SHARING_NOTE if len(splits) else _NO_SHARED_NOTE

    run = [("plan", plan.name), ("scenario", problem.scenario.name)]
    for key in ("status", "objective", "bound", "gap", "seconds", "source", "seed"):
        if key in plan.meta:
            run.append((key, plan.meta[key]))
    run += [("total_cost_today_eur", evaluate.total_cost(before, problem)),
            ("total_cost_plan_eur", evaluate.total_cost(plan, problem))]
    run += [(f"note: {k2}", v) for k2, v in {**problem.notes,
                                             **plan.meta.get("notes", {})}.items()]
    run_df = pd.DataFrame(run, columns=["key", "value"])
    run_df["value"] = [v if isinstance(v, int | float | str) and not isinstance(v, bool)
                       else json.dumps(v) for v in run_df["value"]]
    return {"Summary": summary, "Decisions": decisions, "Access": access, "Costs": costs,
            "Savings": saving, "Visits": visits, "Agreements": agreement,
            "Budgets": budget, "Cost sharing": splits,
            "Shared sites": shared, "Run": run_df}


# --------------------------------------------------------------------------- files
def write_excel(tables: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write data frames as sheets of one workbook, text cells neutralised (``safe_frame``).

    The cells are those ``DataFrame.to_excel`` writes (missing values empty, infinities as
    ``inf``), streamed through openpyxl's write-only workbook: the first row is frozen and
    the columns are as wide as their first 200 values. The file is the same byte for byte
    for the same tables: its creation time and the times inside the zip are 1980-01-01.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Sheet name -> table (written without its index).
    path : str or pathlib.Path
        The ``.xlsx`` file, written whole or not at all.

    Returns
    -------
    pathlib.Path
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.xml.functions import tostring

    def write(tmp: Path) -> None:
        wb = Workbook(write_only=True)
        wb.properties.created = wb.properties.modified = _FIXED_TIME
        for name, df in tables.items():
            safe = safe_frame(df.reset_index(drop=True))
            ws = wb.create_sheet(name[:31])
            ws.freeze_panes = "A2"  # the view and the widths go before the first row
            for i, col in enumerate(safe.columns, start=1):
                width = max([len(str(col))] + [len(str(v)) for v in safe[col].head(200)])
                ws.column_dimensions[get_column_letter(i)].width = min(width + 2, 60)
            ws.append(list(safe.columns))
            for row in zip(*(_excel_values(ws, safe[c]) for c in safe.columns), strict=True):
                ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        # openpyxl stamps the workbook and each part with the time of saving
        wb.properties.modified = _FIXED_TIME
        core = tostring(wb.properties.to_tree())
        with zipfile.ZipFile(buf) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
            for info in src.infolist():
                part = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
                part.external_attr = 0o644 << 16
                data = core if info.filename == "docProps/core.xml" else src.read(info)
                out.writestr(part, data, compress_type=zipfile.ZIP_DEFLATED)

    return atomic_write(path, write)


def _excel_values(ws: Any, col: pd.Series) -> list:
    """Return a column's cells as ``DataFrame.to_excel`` writes them with openpyxl."""
    arr = col.to_numpy()
    if arr.dtype.kind in "iub":
        return arr.tolist()
    if arr.dtype.kind == "f":
        out = arr.astype(object)
        out[np.isnan(arr)] = ""
        out[arr == np.inf] = "inf"
        out[arr == -np.inf] = "-inf"
        return out.tolist()
    return [_excel_value(ws, v) for v in arr]


def _excel_value(ws: Any, v: Any) -> Any:
    """Return one cell as ``DataFrame.to_excel`` writes it.

    Missing -> "", infinities as text, numbers and booleans as such, dates with pandas'
    formats, anything else as text.
    """
    from openpyxl.cell import WriteOnlyCell

    if pd.api.types.is_scalar(v) and pd.isna(v):
        return ""
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return "inf" if v == np.inf else "-inf" if v == -np.inf else float(v)
    if isinstance(v, Decimal):
        return v
    if isinstance(v, datetime.timedelta):
        cell = WriteOnlyCell(ws, value=v.total_seconds() / 86400)
        cell.number_format = "0"
        return cell
    if isinstance(v, datetime.date):
        cell = WriteOnlyCell(ws, value=v)
        cell.number_format = ("YYYY-MM-DD HH:MM:SS" if isinstance(v, datetime.datetime)
                              else "YYYY-MM-DD")
        return cell
    return str(v)


def _write_csv(df: pd.DataFrame, path: Path) -> Path:
    safe = safe_frame(df.reset_index(drop=True))
    return atomic_write(path, lambda tmp: safe.to_csv(tmp, index=False))


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _gpkg_ready(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy with the object columns made writable by GDAL.

    Yes/no/unknown as a nullable boolean, lists and mixed types as JSON text.
    """
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name or out[col].dtype != object:
            continue
        known = [v for v in out[col] if not _missing(v)]
        if known and all(isinstance(v, bool | np.bool_) for v in known):
            out[col] = pd.array([None if _missing(v) else bool(v) for v in out[col]],
                                dtype="boolean")
        else:
            out[col] = [None if _missing(v) else v if isinstance(v, str)
                        else json.dumps(v, default=str) for v in out[col]]
    return out


def write_gpkg(plan: Plan, layers: dict[str, gpd.GeoDataFrame], path: str | Path) -> Path:
    """Write the plan (``Plan.to_file``) and extra layers to one GeoPackage, atomically.

    The same layers give the same file (GDAL's timestamps are fixed).

    Parameters
    ----------
    plan : planner.Plan
        Its layers ``decisions``, ``assignment``, ``kpis`` and ``meta`` are written first.
    layers : dict of str to geopandas.GeoDataFrame or pandas.DataFrame
        Extra layers (e.g. ``sites``, ``demand``, ``areas``), written in EPSG:3067; a
        plain data frame (``budgets``) as a table without geometry.
    path : str or pathlib.Path

    Returns
    -------
    pathlib.Path
    """
    def write(tmp: Path) -> None:
        plan.to_file(tmp)
        with fixed_gpkg_date():  # as the plan's layers: the same layers, the same file
            for name, gdf in layers.items():
                table = (_gpkg_ready(gdf.to_crs(CRS)) if isinstance(gdf, gpd.GeoDataFrame)
                         else pd.DataFrame(gdf).reset_index(drop=True))  # a plain table
                pyogrio.write_dataframe(table, tmp, layer=name, driver="GPKG")

    return atomic_write(path, write)


#: Labels of the charts' two series.
_SERIES = {"today": N_("today"), "plan": N_("plan")}


def _weighted_hist(ax: Any, minutes: pd.Series, visits: pd.Series, bins: np.ndarray,
                   label: str, colour: str) -> None:
    w = visits.to_numpy(dtype=float)
    total = w.sum()
    if total <= 0:
        return
    ax.hist(np.clip(minutes.to_numpy(dtype=float), 0, bins[-1]), bins=bins,
            weights=100.0 * w / total, histtype="step", linewidth=2, label=label, color=colour)


def write_charts(problem: Problem, plan: Plan, before: Plan, out: str | Path
                 ) -> dict[str, Path]:
    """Write PNG charts: travel times per organisation and annual costs, today and plan.

    ``travel_times.png``: per organisation, the share of in-person visits (%) by minutes to
    the site, today and in the plan, with the organisation's standard as a dashed line.
    ``costs.png``: annual cost per organisation (thousand euros), today and plan.

    Returns
    -------
    dict of str to pathlib.Path
        ``travel_times`` and ``costs``.
    """
    out = Path(out)
    orgs = list(problem.orgs)
    asg = {"today": before.assignment, "plan": plan.assignment}
    ip = {k: a[a["channel"] == "in_person"] for k, a in asg.items()}
    top = max([float(a["minutes"].max()) for a in ip.values() if len(a)] + [10.0])
    bins = np.linspace(0.0, math.ceil(top), min(math.ceil(top), 30) + 1)
    ncol = 2 if len(orgs) > 1 else 1
    nrow = max(1, math.ceil(len(orgs) / ncol))
    fig = Figure(figsize=(5.5 * ncol, 3.2 * nrow))
    axes = fig.subplots(nrow, ncol, squeeze=False)
    for ax, org in zip(axes.flat, orgs, strict=False):
        for key, colour in (("today", "#888888"), ("plan", "#1f5fbf")):
            a = ip[key][ip[key]["organisation"] == org]
            _weighted_hist(ax, a["minutes"], a["visits"], bins, _(_SERIES[key]), colour)
        st = evaluate.primary_standard(problem, org)
        if st is not None:
            ax.axvline(st[0], color="#d62728", linestyle="--", linewidth=1,
                       label=_("standard {minutes} min").format(minutes=f"{st[0]:g}"))
        ax.set_title(problem.scenario.organisations[org].name
                     if org in problem.scenario.organisations else org, fontsize=10)
        ax.set_xlabel(_("minutes to in-person service"))
        ax.set_ylabel(_("% of visits"))
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[len(orgs):]:
        ax.set_visible(False)
    fig.suptitle(_("Travel time to in-person service, today and in the plan"))
    fig.tight_layout()
    travel = _save_fig(fig, out / "travel_times.png")

    k, b = plan.kpis.loc[orgs], before.kpis.loc[orgs]
    x = np.arange(len(orgs))
    fig = Figure(figsize=(max(5.0, 1.6 * len(orgs) + 2), 3.6))
    ax = fig.subplots()
    ax.bar(x - 0.2, b["annual_cost_eur"] / 1000, 0.4, label=_(_SERIES["today"]), color="#888888")
    ax.bar(x + 0.2, k["annual_cost_eur"] / 1000, 0.4, label=_(_SERIES["plan"]), color="#1f5fbf")
    ax.set_xticks(x, [term(o) for o in orgs])
    ax.set_ylabel(_("thousand EUR per year"))
    ax.set_title(_("Annual cost per organisation, today and in the plan"))
    ax.legend()
    fig.tight_layout()
    cost = _save_fig(fig, out / "costs.png")
    return {"travel_times": travel, "costs": cost}


def _save_fig(fig: Figure, path: Path) -> Path:
    return atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))


def _standard_minutes(problem: Problem) -> list[float]:
    return sorted({float(st.minutes) for st in problem.scenario.standards})


@dataclass(frozen=True)
class ReportOptions:
    """How :func:`write_report` names and labels its outputs.

    Parameters
    ----------
    map_name : str
        File name of the map; the side-by-side map is ``<stem>_compare.html``.
    title : str, optional
        Map title.
    gpkg_name : str or None
        File name of the GeoPackage; ``None`` skips it.
    lang : {"en", "fi", "sv"}, optional
        Language of the maps, the workbook's sheet names, headers and codes, and the
        charts (default: the one in effect, see ``planner.i18n``). The CSV copies and the
        GeoPackage keep their English column names.
    """

    map_name: str = "plan.html"
    title: str | None = None
    gpkg_name: str | None = "plan.gpkg"
    lang: str | None = None


def write_report(out: str | Path, region: Region, problem: Problem, plan: Plan, before: Plan,
                 *, tours: pd.DataFrame | None = None,
                 extra: dict[str, pd.DataFrame] | None = None,
                 options: ReportOptions | None = None) -> dict[str, Path]:
    """Write every output of a run: maps, workbook, CSV copies, GeoPackage and charts.

    Parameters
    ----------
    out : str or pathlib.Path
        Output folder (created if missing).
    region : planner.Region
        The planning area (for the maps and the area outlines).
    problem : planner.Problem
        The problem the plans are evaluated on.
    plan : planner.Plan
        The plan to report (evaluated here if it has no ``kpis``).
    before : planner.Plan
        The reference, usually ``planner.evaluate.current_plan(problem)``.
    tours : pandas.DataFrame, optional
        Pop-up tours (``planner.routing.Tours.stops``) to draw on the map.
    extra : dict of str to pandas.DataFrame, optional
        More sheets after ``SHEETS`` (``planner evaluate``: ``Checks``, ``Access
        changes``), each also written as ``report_<sheet name, lower case, _>.csv``.
    options : ReportOptions, optional
        File names, map title and language (default: ``ReportOptions()``).

    Returns
    -------
    dict of str to pathlib.Path
        Output name -> written file.
    """
    options = options or ReportOptions()
    with i18n.language(options.lang):
        return _write_report(out, region, problem, plan, before, tours, extra, options)


def _write_report(out: str | Path, region: Region, problem: Problem, plan: Plan,
                  before: Plan, tours: pd.DataFrame | None,
                  extra: dict[str, pd.DataFrame] | None, options: ReportOptions
                  ) -> dict[str, Path]:
    map_name, title, gpkg_name = options.map_name, options.title, options.gpkg_name
    out = Path(out)
    for p in (plan, before):
        if not len(p.kpis):
            p.kpis = evaluate.evaluate(p, problem)
    written: dict[str, Path] = {}
    # the reach outlines are mostly GEOS work, which releases the GIL: drawn on a second
    # thread while this one splits the shared costs and sums access per area (both only
    # read the plan and the problem)
    with ThreadPoolExecutor(max_workers=1) as pool:
        reach = pool.submit(evaluate.plan_isochrones, plan, problem, _standard_minutes(problem))
        splits = sharing.cost_sharing(plan.decisions, problem)
        agreement = sharing.agreements(plan.decisions, problem, splits)
        areas = area_access(plan, problem, region, before)
        iso = reach.result()
    transit = problem.scenario.travel.transit if problem.scenario.travel.mode == "transit" \
        else None
    if transit is not None:
        from planner.network.transit_setup import map_layers

        transit = map_layers(transit, problem.demand.geometry)
    m = plan_map(region, plan, before=before, title=title, layers=MapLayers(
        isochrones=iso, areas=areas, tours=tours, cost_split=splits, agreement=agreement,
        transit=transit))
    written["map"] = save_map(m, out / map_name)
    dual = comparison_map(region, plan, before, title=title)
    written["compare_map"] = save_map(dual, out / f"{Path(map_name).stem}_compare.html")
    tables = report_tables(problem, plan, before, splits, agreement)
    stems = dict(SHEETS)
    for sheet, table in (extra or {}).items():
        tables[sheet] = table
        stems[sheet] = sheet_stem(sheet)
    written["xlsx"] = write_excel(localise_tables(tables), out / "report.xlsx")
    for sheet, stem in stems.items():
        written[stem] = _write_csv(tables[sheet], out / f"{stem}.csv")
    if gpkg_name:
        sites = problem.sites.copy()
        used = plan.open_decisions().groupby("site_id")["organisation"].apply(
            lambda s: ";".join(sorted(map(str, s))))
        sites["plan_organisations"] = sites["site_id"].astype(str).map(used).fillna("")
        at = problem.sites.set_index(problem.sites["site_id"].astype(str)).geometry
        agree = gpd.GeoDataFrame(
            agreement, geometry=at.reindex(agreement["site_id"].astype(str)).to_numpy(),
            crs=problem.sites.crs)
        layers = {"sites": sites, "demand": demand_layer(problem, plan, before),
                  "areas": areas, "agreements": agree,
                  "budgets": tables["Budgets"]}
        written["gpkg"] = write_gpkg(plan, layers, out / gpkg_name)
    written.update(write_charts(problem, plan, before, out))
    return written
