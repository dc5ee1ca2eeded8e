"""A planner's own proposal, as a small table, turned into a costed ``Plan``.

A proposal lists rows ``site_id, organisation, mode, days_per_month`` (``site``, ``org`` and
``days`` are accepted too); ``mode`` is ``office``, ``shared`` (an office; premises become
shared anyway when two or more organisations serve in person at a site), ``popup``,
``remote`` or ``closed``. For every organisation it names, the rows are that organisation's
whole network: its existing offices not listed close. Organisations it does not name keep
today's network. Costs follow the scenario's cost model, exactly as the optimiser prices
them, so a proposal and the optimised plan compare like for like.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner.assess.kpis import assign_nearest
from planner.costing.pricing import Choice, price_decisions
from planner.data import tables
from planner.data.workbook import decisions_sheet, to_keys
from planner.errors import InputError
from planner.plan import Plan
from planner.problem.build import Problem
from planner.schema import DECISION_MODES

#: Accepted column names -> the proposal's own.
ALIASES = {"site": "site_id", "org": "organisation", "organization": "organisation",
           "days": "days_per_month"}
REQUIRED = ("site_id", "organisation", "mode")


def read_proposal(path: str | Path) -> pd.DataFrame:
    """Read a proposal table from CSV, Excel (.xlsx), GeoJSON or GeoPackage.

    A workbook the planner wrote (``report.xlsx``, in English, Finnish or Swedish) is read
    from its decisions sheet, its headers and codes translated back
    (:mod:`planner.proposal_workbook`).

    A CSV may be comma-, semicolon- or tab-separated, UTF-8 (with or without BOM) or
    Windows-1252, with decimal commas (:func:`planner.data.tables.read_table`).

    Raises
    ------
    InputError
        When the file cannot be read (empty, binary, truncated) or lacks a required column
        (the message lists the columns found).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(f"{path}: no such file; give the proposal's path")
    fmt = ""
    if suffix in (".csv", ".txt", *tables.XLSX_SUFFIXES):
        # a workbook the planner wrote: its decisions sheet, in any of its languages
        sheet = decisions_sheet(path) if suffix in tables.XLSX_SUFFIXES else None
        df, read_as = tables.read_table(path, sheet=sheet)
        df = to_keys(df)
        fmt = f" (read as {read_as.describe()}{f', sheet {sheet!r}' if sheet else ''})"
    elif suffix in (".geojson", ".json", ".gpkg"):
        try:
            df = pd.DataFrame(gpd.read_file(path).drop(columns="geometry", errors="ignore"))
        except Exception as exc:  # any reader failure becomes one clear line
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"{path}: cannot read the proposal ({first}); check the file"
                             ) from None
    else:
        raise InputError(f"{path}: unknown proposal format {suffix!r}; use .csv, .xlsx, "
                         ".geojson or .gpkg")
    df.columns = [str(c).strip() for c in df.columns]
    df = df.rename(columns={k: v for k, v in ALIASES.items() if k in df.columns})
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        found = ", ".join(map(str, df.columns)) or "none"
        raise InputError(f"{path}: proposal lacks column {missing[0]!r}; found {found}{fmt}; "
                         "the proposal needs site_id, organisation, mode (and "
                         "days_per_month for pop-ups)")
    if len(df) == 0:
        raise InputError(f"{path}: the proposal has no decision rows, only a header{fmt}; "
                         "add a row per site and organisation (site_id, organisation, mode) "
                         "or check that the right sheet was saved")
    for col in ("site_id", "organisation", "mode"):
        df[col] = df[col].map(lambda v: v.strip() if isinstance(v, str) else v)
    if "days_per_month" not in df.columns:
        df["days_per_month"] = 0
    days, bad = tables.parse_numbers(df["days_per_month"])  # "4" and "4,0" alike
    df["days_per_month"] = [v if b else (0.0 if pd.isna(d) else float(d))
                            for v, d, b in zip(df["days_per_month"], days, bad, strict=True)]
    return df


def proposal_plan(table: pd.DataFrame, problem: Problem, name: str = "proposal",
                  source: str = "proposal") -> Plan:
    """Cost a proposal and send every visit to its nearest option.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`read_proposal` (or built in code).
    problem : Problem
    name : str
        Plan name.
    source : str
        Name of the input in error messages (the file path).

    Returns
    -------
    Plan
        Decisions with annual costs (shared-premises savings and closing costs included)
        and the nearest-option assignment; ``meta["source"] = "proposal"``.
    """
    sc = problem.scenario
    rows = _checked_rows(table, problem, source)
    named = {o for _, o, _, _ in rows}
    own = {(e.org, int(e.site)): e for e in problem.existing.itertuples()}
    for (org, site), _e in own.items():
        if org not in named:
            rows.append((site, org, "office", 0))
    listed = {(org, site) for site, org, mode, _ in rows if mode != "closed"}
    choices: list[Choice] = []
    for site, org, mode, days in rows:
        if mode == "closed":
            continue
        action = "keep" if (org, site) in own else "open"
        choices.append((site, org, "office" if mode == "shared" else mode,
                        days if mode == "popup" else 0, action))
    choices += [(site, org, "closed", 0, "close") for (org, site) in own
                if (org, site) not in listed]
    priced = price_decisions(problem, choices)
    decisions = priced.decisions
    plan = Plan(name=name, decisions=decisions,
                meta={"status": "evaluated", "source": "proposal", "scenario": sc.name})
    if priced.notes:
        plan.meta["notes"] = {f"staff_{i + 1}": n for i, n in enumerate(priced.notes)}
    plan.assignment = assign_nearest(plan, problem)
    served = plan.assignment.groupby(["site_id", "organisation"])["visits"].sum()
    keys = zip(decisions["site_id"], decisions["organisation"], strict=True)
    decisions["visits"] = [round(float(served.get(k, 0.0)), 2) for k in keys]
    return plan


def _checked_rows(table: pd.DataFrame, problem: Problem, source: str
                  ) -> list[tuple[int, str, str, int]]:
    """Validate the rows as (site position, organisation, mode, days); one clear error if not."""
    pos = problem.site_index()
    levels = sorted(set(problem.scenario.costs.popup.days_per_month))
    seen: set[tuple[int, str]] = set()
    rows = []
    for n, r in enumerate(table.itertuples(index=False), start=2):  # row 1 is the header
        where = f"{source}: row {n}"
        site_id = str(r.site_id).strip()
        if site_id not in pos.index:
            raise InputError(f"{where}: site_id {site_id!r} is not a candidate site of the "
                             "region; use an id from the sites table")
        org = str(r.organisation).strip()
        if org not in problem.orgs:
            raise InputError(f"{where}: organisation {org!r} is not one of "
                             f"{', '.join(problem.orgs)}; fix the row")
        mode = str(r.mode).strip().lower()
        if mode not in DECISION_MODES:
            raise InputError(f"{where}: mode {mode!r} is not one of "
                             f"{', '.join(DECISION_MODES)}; fix the row")
        try:
            days = int(float(r.days_per_month)) if pd.notna(r.days_per_month) else 0
        except (ValueError, OverflowError):  # not a number, or an infinity
            raise InputError(f"{where}: days_per_month {r.days_per_month!r} is not a "
                             "number; give whole days per month") from None
        if mode == "popup" and not 1 <= days <= 22:
            raise InputError(f"{where}: a pop-up needs days_per_month between 1 and 22 "
                             f"(the scenario prices {levels}); give its days")
        key = (int(pos[site_id]), org)
        if key in seen:
            raise InputError(f"{where}: {org} at {site_id} is listed twice; keep one row")
        seen.add(key)
        rows.append((int(pos[site_id]), org, mode, days))
    return rows
