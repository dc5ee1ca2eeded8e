"""A solution of the co-location model as a plan: decisions priced and visits assigned.

:func:`planner.model.colocation.solved_plan` calls :func:`plan_of`: it reads the model's parts
(the records of :mod:`planner.model.parts`: options, assignment, moved staff and costs),
the solution and the problem, and returns the :class:`planner.plan.Plan`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from planner.costing import pricing
from planner.plan import ASSIGNMENT_COLUMNS, Plan

if TYPE_CHECKING:
    from planner.model.parts import Assignment, MovedStaff, Options, OrgCosts
    from planner.problem.build import Problem

#: Shares of a point's visits at or below this are left out of the assignment.
MIN_SHARE = 1e-6


def plan_of(problem: Problem, options: Options, assignment: Assignment, moved: MovedStaff,
            costs: OrgCosts, values: np.ndarray, name: str) -> Plan:
    """Return the plan that a solution ``values`` of the co-location model stands for.

    The options taken (and the existing offices not kept, as closures) become decisions
    priced by :func:`planner.costing.pricing.price_decisions`, with the moved staff where the model
    put them; the visits' shares become the assignment, in person, remote or unserved.
    ``meta`` holds the staff cost and how much the pop-ups' staff travel changed when
    priced from the plan's own offices.
    """
    p = problem
    opts = options.table
    sites = p.sites
    n_s = len(sites)
    vis = np.asarray(p.visits, dtype=float)
    orgs = np.array(p.orgs, dtype=object)
    parts = []
    for channel, c in (("in_person", assignment.in_person), ("remote", assignment.remote)):
        var, i, o, s, mins = c.var, c.point, c.org, c.site, c.minutes
        val = values[var]
        keep = val > MIN_SHARE
        parts.append(pd.DataFrame({"i": i[keep], "o": o[keep], "site": s[keep],
                                   "channel": channel, "visits": val[keep] * vis[i, o][keep],
                                   "minutes": mins[keep]}))
    val = values[assignment.unserved]
    keep = val > MIN_SHARE
    ui, uo = assignment.unserved_point, assignment.unserved_org
    parts.append(pd.DataFrame({"i": ui[keep], "o": uo[keep], "site": -1,
                               "channel": "unserved",
                               "visits": val[keep] * vis[ui, uo][keep],
                               "minutes": math.nan}))
    asg = pd.concat(parts, ignore_index=True)
    served = asg[asg["site"] >= 0]
    visits_at = np.bincount((served["o"] * n_s + served["site"]).to_numpy(dtype=np.int64),
                            weights=served["visits"].to_numpy(), minlength=len(p.orgs) * n_s)
    chosen = np.flatnonzero(values[options.y] > 0.5)
    choices: list[pricing.Choice] = [
        (int(opts.at[k, "site"]), str(opts.at[k, "org"]), str(opts.at[k, "mode"]),
         int(opts.at[k, "days"]), "keep" if opts.at[k, "keep"] else "open") for k in chosen]
    kept = values[options.y[options.keep]] > 0.5
    choices += [(int(e.site), str(e.org), "closed", 0, "close")
                for e, ok in zip(p.existing.itertuples(), kept, strict=True) if not ok]
    mv = values[moved.m]
    extra = {(p.orgs[int(options.org[k])], int(options.site[k])): float(v)
             for k, v in zip(moved.option, mv, strict=True) if v > 1e-6}
    priced = pricing.price_decisions(p, choices, extra)
    decisions = priced.decisions
    # the model priced each pop-up's staff travel from today's nearest office; the plan
    # prices it from its own nearest staffed site
    model_travel = float(opts["travel_eur"].to_numpy(dtype=float)[chosen].sum())
    org_pos = {o: i for i, o in enumerate(p.orgs)}
    at = p.site_index()
    decisions["visits"] = [
        0.0 if mode == "closed" else round(float(visits_at[org_pos[o] * n_s + at[sid]]), 2)
        for sid, o, mode in zip(decisions["site_id"], decisions["organisation"],
                                decisions["mode"], strict=True)]
    asg["organisation"] = orgs[asg["o"].to_numpy(dtype=int)]
    asg = asg.sort_values(["i", "organisation", "site", "channel"], kind="stable")
    site_ids = np.append(sites["site_id"].astype(str).to_numpy(), "")
    asg.insert(0, "demand_id", p.demand["demand_id"].to_numpy()[asg["i"].to_numpy(dtype=int)])
    asg["site_id"] = site_ids[asg["site"].to_numpy(dtype=int)]
    asg["visits"] = asg["visits"].round(3)
    asg["minutes"] = asg["minutes"].round(3)
    meta: dict = {"staff_eur": round(sum(costs.staff_eur.values()), 2),
                  "travel_repriced_eur": round(float(decisions["staff_travel_eur"].sum())
                                               - model_travel, 2)}
    if priced.notes:
        meta["notes"] = {f"staff_{i + 1}": n for i, n in enumerate(priced.notes)}
    return Plan(name=name, decisions=decisions,
                assignment=asg[list(ASSIGNMENT_COLUMNS)].reset_index(drop=True), meta=meta)
