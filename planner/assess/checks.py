"""A plan checked against the optimiser's own rules, each breach named.

A planner's proposal is priced like an optimised plan (``planner.assess.proposal``), but nothing
stops it from closing an office whose lease runs past the horizon or from putting more
desks into a host than it has spare. :func:`plan_checks` applies the rules the model
enforces (``planner.model.colocation``) to any plan and names every breach, so that a meeting sees
what the proposal would need to be feasible:

``lease``
    an office closes while its lease runs past ``horizon_end`` and leases may not end early
    (``costs.early_termination_years`` unset); with it set, ending early is priced and
    listed as a ``lease_cost`` note;
``host_desks``
    the new offices, pop-ups and moved staff at a site take more desks than the host has
    spare;
``capacity``
    an office, pop-up or remote point receives more visits than it can serve;
``host``
    another organisation serves at premises that are neither a partner's nor agreed
    (``planner.hosts``), or at a site whose host closes its office there;
``base``
    an organisation has pop-ups or remote points but no staffed office, or fewer offices
    than its ``min_staffed_sites``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.plan import Plan
from planner.problem import costs
from planner.problem.build import Problem

#: Columns of :func:`plan_checks`.
CHECK_COLUMNS = ("rule", "severity", "site_id", "organisation", "message")


def _capacity(problem: Problem, site: int, org: str, mode: str, days: float, fte: float
              ) -> float:
    """Return the visits a year one decision can serve, as the optimiser counts them.

    The option table's capacity of the organisation's option at the site (a kept office:
    its own desks; a new one: ``desks_per_office``; a pop-up: its sessions), and for an
    office the desks of all its staff when more work there (staff moved in). A decision
    with no option falls back to the capacity of a new office.
    """
    sc = problem.scenario
    o = sc.organisations.get(org)
    if o is None:
        return float("inf")
    kind = "office" if mode in ("office", "shared") else mode
    opts = problem.options
    match = opts[(opts["org"] == org) & (opts["site"] == site) & (opts["mode"] == kind)
                 & (opts["days"] == (int(days) if kind == "popup" else 0))]
    if len(match):
        cap = float(match["capacity_visits"].iloc[0])
    elif kind == "popup":
        cap = float(days) * 12 * sc.costs.popup.visits_per_day
    elif kind == "remote":
        cap = sc.costs.remote.visits_per_year
    else:
        cap = float(o.desks_per_office) * o.visits_per_desk_year
    if kind == "office":
        cap = max(cap, float(fte) * o.staff_desks_per_fte * o.visits_per_desk_year)
    return cap


#: One row of :func:`plan_checks`: rule, severity, site id, organisation, message.
Row = tuple[str, str, str, str, str]


def plan_checks(plan: Plan, problem: Problem) -> pd.DataFrame:
    """Return every breach of the optimiser's rules in a plan (see the module's list).

    Parameters
    ----------
    plan : Plan
        Any plan on the problem's sites (a proposal, an optimised plan, today's network).
    problem : Problem

    Returns
    -------
    pandas.DataFrame
        ``CHECK_COLUMNS``: ``rule``, ``severity`` (``breach``: the optimiser would not
        allow it; ``note``: allowed at a price), ``site_id``, ``organisation`` and a
        one-line ``message``; empty when the plan keeps every rule.
    """
    sites = problem.sites.reset_index(drop=True)
    pos = {str(s): i for i, s in enumerate(sites["site_id"].astype(str))}
    ex = costs.with_cost_lines(problem.existing)
    # a plain table: the checks group and walk it row by row, geometry would slow them
    d = pd.DataFrame(plan.decisions.drop(columns="geometry", errors="ignore"))
    d["_site"] = d["site_id"].astype(str).map(pos)
    closed = {(str(o), int(s)) for o, s, m in zip(d["organisation"], d["_site"], d["mode"],
                                                  strict=True) if m == "closed"}
    open_d = d[d["mode"] != "closed"]
    rows = [*_lease_rows(problem, sites, ex, closed),
            *_site_rows(problem, sites, ex, open_d, closed),
            *_capacity_rows(problem, open_d),
            *_base_rows(problem, open_d)]
    out = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
    return out.sort_values(["severity", "rule", "site_id", "organisation"],
                           kind="stable", key=lambda c: c if c.name != "severity"
                           else c.map({"breach": 0, "note": 1})).reset_index(drop=True)


def _lease_rows(problem: Problem, sites: pd.DataFrame, ex: pd.DataFrame,
                closed: set[tuple[str, int]]) -> list[Row]:
    """Return the ``lease`` breaches and ``lease_cost`` notes of the offices ``closed``."""
    sc = problem.scenario
    ids = sites["site_id"].astype(str).to_numpy()
    rows: list[Row] = []
    for e in ex.itertuples():
        if (str(e.org), int(e.site)) not in closed:
            continue
        lease = str(e.lease_end)
        if lease and lease > sc.horizon_end:
            if sc.costs.early_termination_years is None:
                rows.append(("lease", "breach", ids[e.site], e.org,
                             f"closes {e.point_id}, leased to {lease}, past the horizon "
                             f"{sc.horizon_end}; keep it, or allow ending leases early "
                             "(costs.early_termination_years)"))
            else:
                cost = costs.termination_cost(sc, lease, float(e.premises_eur))
                rows.append(("lease_cost", "note", ids[e.site], e.org,
                             f"ends the lease of {e.point_id} (to {lease}) early: "
                             f"{cost:,.0f} EUR/year over the amortisation period"))
    return rows


def _site_rows(problem: Problem, sites: pd.DataFrame, ex: pd.DataFrame,
               open_d: pd.DataFrame, closed: set[tuple[str, int]]) -> list[Row]:
    """Return the ``host_desks`` and ``host`` breaches of the open decisions, site by site."""
    sc = problem.scenario
    ids = sites["site_id"].astype(str).to_numpy()
    spare = sites["spare_desks"].to_numpy(dtype=float)
    own = {(str(e.org), int(e.site)) for e in ex.itertuples()}
    in_host = costs.host_premises(sites, ex)
    usable = costs.host_usable(sc, sites)
    rows: list[Row] = []
    for s, g in open_d.groupby("_site", sort=True):
        s = int(s)
        host = str(sites.at[s, "host_org"])
        used, takers = _host_desks_taken(problem, g, s, own)
        guests = sorted({str(o) for o in g["organisation"]} - {host})
        if used > spare[s] + 1e-9:
            rows.append(("host_desks", "breach", ids[s], " and ".join(sorted(takers)),
                         f"takes {used:g} desks of the host's {spare[s]:g} spare at "
                         f"{sites.at[s, 'name']}; move an organisation or use fewer desks"))
        if guests and not usable[s]:
            rows.append(("host", "breach", ids[s], ";".join(guests),
                         f"{sites.at[s, 'name']} is not a partner's premises nor agreed "
                         f"(host {host}, agreement {sites.at[s, 'host_agreement']}); "
                         "agree it with the host first"))
        if guests and in_host[s] and (host, s) in closed:
            rows.append(("host", "breach", ids[s], ";".join(guests),
                         f"the host ({host}) closes its office at {sites.at[s, 'name']}, "
                         "so the site hosts nobody; keep the host's office or move"))
    return rows


def _host_desks_taken(problem: Problem, at_site: pd.DataFrame, s: int,
                      own: set[tuple[str, int]]) -> tuple[float, list[str]]:
    """Return the host's spare desks that the decisions ``at_site`` (site ``s``) take.

    New offices take their ``desks_per_office`` (or their staff's desks, if more), pop-ups
    ``costs.popup.desks``; an organisation's own office and remote points take none.
    Returns the desks and the organisations that take them.
    """
    sc = problem.scenario
    used, takers = 0.0, []
    for r in at_site.itertuples():
        o = sc.organisations.get(str(r.organisation))
        if (str(r.organisation), s) in own or o is None:
            continue
        if r.mode in ("office", "shared"):
            used += max(float(o.desks_per_office), float(r.staff_fte) * o.staff_desks_per_fte)
        elif r.mode == "popup":
            used += sc.costs.popup.desks
        else:
            continue
        takers.append(str(r.organisation))
    return used, takers


def _capacity_rows(problem: Problem, open_d: pd.DataFrame) -> list[Row]:
    """Return the ``capacity`` breaches: open decisions with more visits than they serve."""
    rows: list[Row] = []
    position = {str(s): i for i, s in enumerate(problem.sites["site_id"])}
    for r in open_d.itertuples():
        cap = _capacity(problem, position.get(str(r.site_id), -1), str(r.organisation),
                        str(r.mode), r.days_per_month, r.staff_fte)
        if float(r.visits) > cap + 1e-6:
            rows.append(("capacity", "breach", str(r.site_id), str(r.organisation),
                         f"{r.mode} at {r.site_name} receives {float(r.visits):,.0f} visits "
                         f"a year; it can serve {cap:,.0f}"))
    return rows


def _base_rows(problem: Problem, open_d: pd.DataFrame) -> list[Row]:
    """Return the ``base`` breaches: too few staffed offices for an organisation."""
    sc = problem.scenario
    rows: list[Row] = []
    for org in problem.orgs:
        mine = open_d[open_d["organisation"] == org]
        offices = int(mine["mode"].isin(["office", "shared"]).sum())
        least = sc.organisations[org].min_staffed_sites if org in sc.organisations else 0
        if offices == 0 and mine["mode"].isin(["popup", "remote"]).any():
            rows.append(("base", "breach", "", org, f"{org} has pop-ups or remote points "
                         "but no staffed office to run them from; keep an office"))
        elif offices < least:
            rows.append(("base", "breach", "", org, f"{org} keeps {offices} offices; "
                         f"min_staffed_sites is {least}"))
    return rows


def standards_status(today: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """Return a plan's standards report with ``met_today`` and a ``status``.

    The report is ``planner.assess.kpis.standards_report``'s; the status is ``met``, ``new``
    (broken by the plan, met today) or ``already broken today``.

    Both reports list the same standards in the same order (the same problem).
    """
    out = plan.copy()
    out["met_today"] = today["met"].to_numpy(dtype=bool) if len(today) else []
    out["achieved_share_today"] = (today["achieved_share"].to_numpy(dtype=float)
                                   if len(today) else [])
    out["status"] = np.where(out["met"], "met",
                             np.where(out["met_today"], "new", "already broken today"))
    return out
