"""Modelled visits held against the visits the offices record (``annual_visits``).

The demand model (residents x visit rates by age) says how many visits each organisation's
customers make; the offices record how many they receive. Today's network, visits sent to
each point's nearest office, should reproduce the records. ``demand.calibrate: rates``
scales each organisation's visit rates so that it does (every resident's visits by the same
factor, so the plan's demand is the recorded one); the run warns where modelled and recorded
visits still differ by more than ``demand.tolerance``, and the report tables both per
office. Offices under an organisation's ``low_demand_visits_per_week`` are flagged.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from planner.plan import Plan
from planner.problem.build import Problem
from planner.problem.costs import with_cost_lines

#: Working weeks a year (visits a week = visits a year / this).
WEEKS_PER_YEAR = 50.0
#: Columns of :func:`visits_table`.
VISIT_COLUMNS = ("organisation", "point_id", "site_id", "recorded_visits",
                 "modelled_visits", "difference_share", "recorded_per_week",
                 "low_demand")


def _served(today: Plan) -> pd.DataFrame:
    """Today's assignment without its unserved rows (visits that reach an office)."""
    asg = today.assignment
    return asg[asg["channel"] != "unserved"]


def visits_table(problem: Problem, today: Plan) -> pd.DataFrame:
    """Return the recorded and modelled visits of every existing office.

    Parameters
    ----------
    problem : Problem
    today : Plan
        Today's network (``planner.assess.kpis.current_plan``), its visits at the nearest
        office.

    Returns
    -------
    pandas.DataFrame
        One row per office (``VISIT_COLUMNS``) and a ``total`` row per organisation
        (``point_id`` ``total``): ``difference_share`` is modelled / recorded - 1 (NaN
        without a record), ``low_demand`` True under the organisation's
        ``low_demand_visits_per_week`` (by recorded visits, else modelled).
    """
    ex = with_cost_lines(problem.existing)
    got = _served(today).groupby(["site_id", "organisation"])["visits"].sum()
    ids = problem.sites["site_id"].astype(str).to_numpy()
    rows = []
    for e in ex.itertuples():
        site = str(ids[int(e.site)])
        rec = float(e.recorded_visits)
        mod = float(got.get((site, e.org), 0.0))
        rows.append({"organisation": e.org, "point_id": e.point_id, "site_id": site,
                     "recorded_visits": rec, "modelled_visits": round(mod, 1)})
    out = pd.DataFrame(rows, columns=list(VISIT_COLUMNS[:5]))
    totals = out.groupby("organisation", sort=False)[["recorded_visits",
                                                       "modelled_visits"]].sum()
    tot = totals.reset_index().assign(point_id="total", site_id="")
    out = pd.concat([out, tot[out.columns]], ignore_index=True)
    rec = out["recorded_visits"].to_numpy(dtype=float)
    mod = out["modelled_visits"].to_numpy(dtype=float)
    out["difference_share"] = np.where(rec > 0, mod / np.where(rec > 0, rec, 1.0) - 1.0,
                                       np.nan).round(4)
    out["recorded_per_week"] = (rec / WEEKS_PER_YEAR).round(1)
    orgs = problem.scenario.organisations
    low = []
    for r in out.itertuples():
        limit = orgs[r.organisation].low_demand_visits_per_week \
            if r.organisation in orgs else None
        per_week = (r.recorded_visits if r.recorded_visits > 0 else r.modelled_visits) \
            / WEEKS_PER_YEAR
        low.append(bool(limit is not None and r.point_id != "total" and per_week < limit))
    out["low_demand"] = low
    return out[list(VISIT_COLUMNS)]


def visits_warnings(table: pd.DataFrame, tolerance: float) -> list[str]:
    """Return a warning per organisation whose modelled and recorded visits differ.

    An organisation is warned of when they differ by more than ``tolerance`` (a share) in
    a :func:`visits_table`.
    """
    tot = table[(table["point_id"] == "total") & (table["recorded_visits"] > 0)]
    out = []
    for r in tot.itertuples():
        if abs(r.difference_share) > tolerance:
            out.append(f"{r.organisation}: today's network receives {r.modelled_visits:,.0f} "
                       f"modelled visits a year, its offices record {r.recorded_visits:,.0f} "
                       f"({r.difference_share:+.0%}, more than the tolerance "
                       f"{tolerance:.0%}); check the visit rates or set demand.calibrate: "
                       "rates")
    return out


def calibrate(problem: Problem, today: Plan) -> tuple[Problem, dict[str, float]]:
    """Scale each organisation's visits so that today's network receives what is recorded.

    Its offices' recorded visits are the target.

    Parameters
    ----------
    problem : Problem
    today : Plan
        Today's network with its nearest-office assignment.

    Returns
    -------
    problem : Problem
        A copy whose ``visits`` column of each organisation with recorded visits (and
        modelled ones) is multiplied by recorded / modelled; others unchanged.
    factors : dict
        Organisation -> the factor applied.
    """
    ex = with_cost_lines(problem.existing)
    recorded = ex.groupby("org")["recorded_visits"].sum()
    modelled = _served(today).groupby("organisation")["visits"].sum()
    visits = np.asarray(problem.visits, dtype=float).copy()
    factors: dict[str, float] = {}
    for i, org in enumerate(problem.orgs):
        rec, mod = float(recorded.get(org, 0.0)), float(modelled.get(org, 0.0))
        if rec > 0 and mod > 0:
            factors[org] = rec / mod
            visits[:, i] *= rec / mod
    return dataclasses.replace(problem, visits=visits), factors
