"""The co-location model: which organisation offers which mode of service at which site.

One mixed-integer model (OR-Tools, SCIP) over organisations x candidate sites x options
(``office``; ``popup`` at a days-per-month level; ``remote``), with keep/close decisions for
existing offices, shared premises, assignment of every demand point's visits, capacities,
access standards, leases and budgets.

Notation (all costs in euros per year)::

    y[k]       option k = (org o, site s, mode, days) is taken             binary
    z[s]       site s is shared premises (two or more organisations there) binary
    w[o,s]     o's office at s gets the shared-premises saving             [0, 1]
    x[i,o,s]   share of i's visits for o served in person at s             [0, 1]
    q[i,o,s]   share of i's visits for o served at a remote point at s     [0, r[i,o]]
    u[i,o]     share of i's visits for o with no option in the cut-off     [0, 1]
    cov[i,o,j] demand point i counts as covered by standard j             [0, 1]

    min  sum_k c_k y_k + sum_e close_e (1 - y_keep(e)) - sum save_o w[o,s]
         + VOT/60 * sum v[i,o] t[i,s] (x + q) + sum v[i,o] unserved_eur u
    s.t. sum_{k at (o,s)} y_k <= 1                      one mode per organisation and site
         sum_s x + sum_s q + u = 1,  sum_s q <= r[i,o]  every visit goes somewhere
         x[i,o,s] <= sum_{in-person k at (o,s)} y_k     only to open in-person options
         q[i,o,s] <= y_remote(o,s)
         sum_i v x[i,o,s] <= sum_k cap_k y_k            capacity (visits per year)
         sum_k desks_k y_k <= spare_desks[s]            host's spare desks
         2 z[s] <= #organisations in person at s;  w[o,s] <= z[s], w[o,s] <= y_office(o,s)
         cov[i,o,j] <= sum_{eligible k within T_j of i} y_k;
         sum_{i in area} pop_i cov >= share_j sum_{i in area} pop_i      access standard
         y_keep(e) = 1 when e's lease ends after the horizon
         org's annual cost <= budget_o
"""

from __future__ import annotations

import math
import time
from collections import defaultdict

import geopandas as gpd
import numpy as np
import pandas as pd
from ortools.linear_solver import pywraplp

from planner import costs
from planner.errors import InfeasibleError
from planner.plan import ASSIGNMENT_COLUMNS, DECISION_COLUMNS, Plan
from planner.problem import Problem, Standard, eligible, expand_standards
from planner.schema import CRS

_EPS = 1e-6
#: Price (EUR/year) of missing a whole standard in the explanation model.
_SLACK_EUR = 1e9


def max_coverage(problem: Problem, st: Standard) -> float:
    """Share of the standard's residents reachable if every eligible option were open."""
    opts = problem.options
    ok_sites = set(opts.loc[(opts["org"] == st.org) & eligible(opts, st.min_popup_days), "site"])
    t = problem.times
    near = t[(t["minutes"] <= st.minutes) & t["destination"].isin(ok_sites)]["origin"].unique()
    pop = problem.demand["population"].to_numpy(dtype=float)
    total = pop[st.demand].sum()
    return float(pop[np.intersect1d(st.demand, near)].sum() / total) if total > 0 else 1.0


class _Model:
    """Builds the MIP for a problem; ``solve`` returns a plan."""

    def __init__(self, problem: Problem, *, budgets: bool = True, slack: bool = False,
                 equity: str = "off", floors: dict[tuple[int, str], float] | None = None
                 ) -> None:
        """Build the model.

        ``equity="stage1"`` replaces the objective by the worst area's share of every
        standard marked ``maximise_worst`` (maximised); ``floors`` then holds each such
        (scenario standard, organisation)'s best worst share, kept as a lower bound on
        every area's share while cost is minimised.
        """
        self.p = problem
        sc = problem.scenario
        self.solver = pywraplp.Solver.CreateSolver("SCIP")
        s = self.solver
        opts = problem.options.reset_index(drop=True)
        self.opts = opts
        self.y = [s.BoolVar(f"y{k}") for k in range(len(opts))]
        by_os: dict[tuple[str, int], list[int]] = defaultdict(list)
        for k, (o, site) in enumerate(zip(opts["org"], opts["site"], strict=True)):
            by_os[(o, int(site))].append(k)
        self.by_os = by_os
        in_person = opts["in_person"].to_numpy()
        obj = s.Objective()
        org_cost: dict[str, list[tuple[pywraplp.Variable, float]]] = defaultdict(list)
        org_const: dict[str, float] = defaultdict(float)
        for k, var in enumerate(self.y):
            obj.SetCoefficient(var, float(opts.at[k, "cost_eur"]))
            org_cost[opts.at[k, "org"]].append((var, float(opts.at[k, "cost_eur"])))
        for ks in by_os.values():
            if len(ks) > 1:
                s.Add(sum(self.y[k] for k in ks) <= 1)

        # existing offices: keep or close (closing costs money); leases past the horizon
        self.const = 0.0
        close = costs.closing_cost(sc)
        self.keep_var: dict[int, pywraplp.Variable] = {}
        for e in problem.existing.itertuples():
            k = next(k for k in by_os[(e.org, e.site)] if opts.at[k, "keep"])
            self.keep_var[e.Index] = self.y[k]
            self.const += close
            org_const[e.org] += close
            obj.SetCoefficient(self.y[k], obj.GetCoefficient(self.y[k]) - close)
            org_cost[e.org].append((self.y[k], -close))
            if e.must_keep:
                self.y[k].SetLb(1)

        # shared premises
        self.z: dict[int, pywraplp.Variable] = {}
        self.w: dict[tuple[str, int], pywraplp.Variable] = {}
        sites_orgs: dict[int, list[str]] = defaultdict(list)
        for (o, site), ks in by_os.items():
            if any(in_person[k] for k in ks):
                sites_orgs[site].append(o)
        for site, orgs in sorted(sites_orgs.items()):
            if len(orgs) < 2:
                continue
            z = s.BoolVar(f"z{site}")
            self.z[site] = z
            s.Add(2 * z <= sum(self.y[k] for o in orgs for k in by_os[(o, site)]
                               if in_person[k]))
            for o in orgs:
                office = [k for k in by_os[(o, site)] if opts.at[k, "mode"] == "office"]
                if not office:
                    continue
                w = s.NumVar(0, 1, f"w{o}_{site}")
                self.w[(o, site)] = w
                s.Add(w <= z)
                s.Add(w <= sum(self.y[k] for k in office))
                save = costs.shared_saving(sc, o)
                obj.SetCoefficient(w, -save)
                org_cost[o].append((w, -save))

        # host desks
        desks = opts["host_desks"].to_numpy()
        spare = problem.sites["spare_desks"].to_numpy()
        by_site: dict[int, list[int]] = defaultdict(list)
        for k, site in enumerate(opts["site"]):
            if desks[k] > 0:
                by_site[int(site)].append(k)
        for site, ks in sorted(by_site.items()):
            if sum(desks[k] for k in ks) > spare[site]:
                s.Add(sum(int(desks[k]) * self.y[k] for k in ks) <= int(spare[site]))

        # assignment of visits
        vot = sc.costs.value_of_time_eur_per_hour / 60.0
        t = problem.times
        reach: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for i, site, m in zip(t["origin"], t["destination"], t["minutes"], strict=True):
            reach[int(i)].append((int(site), float(m)))

        self.x: dict[tuple[int, str, int], pywraplp.Variable] = {}
        self.q: dict[tuple[int, str, int], pywraplp.Variable] = {}
        self.u: dict[tuple[int, str], pywraplp.Variable] = {}
        self.minutes: dict[tuple[int, int], float] = {}
        load_ip: dict[tuple[str, int], list] = defaultdict(list)
        load_rm: dict[tuple[str, int], list] = defaultdict(list)
        penalty = sc.costs.unserved_eur_per_visit
        for oi, o in enumerate(problem.orgs):
            for i in range(len(problem.demand)):
                v = float(problem.visits[i, oi])
                if v <= 0:
                    continue
                r = float(problem.remote_share[i, oi])
                parts = []
                rem = []
                for site, m in reach[i]:
                    self.minutes[(i, site)] = m
                    ks = by_os.get((o, site), [])
                    ip = [k for k in ks if in_person[k]]
                    if ip:
                        x = s.NumVar(0, 1, "")
                        self.x[(i, o, site)] = x
                        s.Add(x <= sum(self.y[k] for k in ip))
                        obj.SetCoefficient(x, vot * v * m)
                        load_ip[(o, site)].append((x, v))
                        parts.append(x)
                    rk = [k for k in ks if opts.at[k, "mode"] == "remote"]
                    if rk and r > _EPS:
                        qv = s.NumVar(0, r, "")
                        self.q[(i, o, site)] = qv
                        s.Add(qv <= self.y[rk[0]])
                        obj.SetCoefficient(qv, vot * v * m)
                        load_rm[(o, site)].append((qv, v))
                        rem.append(qv)
                u = s.NumVar(0, 1, "")
                self.u[(i, o)] = u
                obj.SetCoefficient(u, v * penalty)
                s.Add(sum(parts) + sum(rem) + u == 1)
                if len(rem) > 1:
                    s.Add(sum(rem) <= r)
        cap = opts["capacity_visits"].to_numpy()
        for (o, site), terms in load_ip.items():
            ks = [k for k in by_os[(o, site)] if in_person[k]]
            s.Add(sum(v * x for x, v in terms) <= sum(float(cap[k]) * self.y[k] for k in ks))
        for (o, site), terms in load_rm.items():
            k = next(k for k in by_os[(o, site)] if opts.at[k, "mode"] == "remote")
            s.Add(sum(v * q for q, v in terms) <= float(cap[k]) * self.y[k])

        # access standards
        self.standards = expand_standards(problem)
        self.short: dict[int, tuple[pywraplp.Variable, float]] = {}
        self.worst: dict[tuple[int, str], pywraplp.Variable] = {}
        pop = problem.demand["population"].to_numpy(dtype=float)
        for j, st in enumerate(self.standards):
            elig = eligible(opts, st.min_popup_days) & (opts["org"] == st.org)
            elig_by_site: dict[int, list[int]] = defaultdict(list)
            for k in np.flatnonzero(elig.to_numpy()):
                elig_by_site[int(opts.at[k, "site"])].append(int(k))
            covered = []
            for i in st.demand:
                ks = [k for site, m in reach[int(i)] if m <= st.minutes
                      for k in elig_by_site.get(site, [])]
                if ks and pop[i] > 0:
                    c = s.NumVar(0, 1, f"cov{j}_{i}")
                    s.Add(c <= sum(self.y[k] for k in ks))
                    covered.append(float(pop[i]) * c)
            need = st.share * float(pop[st.demand].sum())
            total = float(pop[st.demand].sum())
            if st.maximise_worst and total > 0:
                key = (st.row, st.org)
                if equity == "stage1":
                    if key not in self.worst:
                        self.worst[key] = s.NumVar(0, 1, f"worst{st.row}_{st.org}")
                    s.Add(sum(covered) >= total * self.worst[key])
                elif floors and key in floors:
                    s.Add(sum(covered) >= total * floors[key] - 1e-6 * total)
            if slack:  # how far short of the standard, priced far above any cost
                short = s.NumVar(0, max(need, 0.0), f"short{j}")
                self.short[j] = (short, need)
                obj.SetCoefficient(short, _SLACK_EUR / max(need, 1.0))
                s.Add(sum(covered) + short >= need - 1e-6, f"standard{j}")
            else:
                s.Add(sum(covered) >= need - 1e-6, f"standard{j}")

        # budgets
        if budgets:
            for o, terms in org_cost.items():
                b = sc.organisations[o].budget_eur_year
                if b is not None:
                    s.Add(sum(c * var for var, c in terms) + org_const[o] <= b)
        self.org_cost = org_cost
        self.org_const = org_const
        obj.SetOffset(self.const)
        obj.SetMinimization()
        if equity == "stage1":
            obj.Clear()
            for var in self.worst.values():
                obj.SetCoefficient(var, 1.0)
            obj.SetMaximization()

    def solve(self) -> tuple[int, float]:
        sc = self.p.scenario.solver
        s = self.solver
        s.SetTimeLimit(int(sc.time_limit_s * 1000))
        s.SetSolverSpecificParametersAsString(
            f"randomization/randomseedshift = {sc.seed}\nlimits/gap = {sc.relative_gap}\n")
        start = time.perf_counter()
        status = s.Solve()
        return status, time.perf_counter() - start


def _status_name(status: int, seconds: float, limit: float) -> str:
    if status == pywraplp.Solver.OPTIMAL:
        return "optimal"
    if status == pywraplp.Solver.FEASIBLE:
        return "time_limit" if seconds >= 0.99 * limit else "feasible"
    if status == pywraplp.Solver.INFEASIBLE:
        return "infeasible"
    return "time_limit" if seconds >= 0.99 * limit else "error"


def explain_infeasible(problem: Problem) -> str:
    """Say why the scenario's policies cannot all hold.

    Checks, in order: standards no set of candidate sites can meet even alone; then
    solves the model with a slack per standard (budgets off) and reports the standards
    still short in the closest plan, with their best share and shortfall (they compete
    for hosts' spare desks); otherwise budgets below the cheapest plan meeting them all.
    """
    reasons = []
    for st in expand_standards(problem):
        best = max_coverage(problem, st)
        if best + 1e-9 < st.share:
            reasons.append(f"{st.label()} is impossible: even with every candidate site open "
                           f"only {best:.1%} are that close; lower the share, raise the "
                           "minutes or add candidate sites")
    if reasons:
        return "; ".join(reasons)
    # Each standard holds alone: find the plan closest to meeting them all (slack per
    # standard, budgets off). Shortfalls mean they compete for hosts' desks; none means
    # the budgets are what cannot hold.
    m = _Model(problem, budgets=False, slack=True)
    status, _ = m.solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return ("no plan was found within the time limit to explain why; raise "
                "solver.time_limit_s")
    pop = problem.demand["population"].to_numpy(dtype=float)
    for j, (short, need) in sorted(m.short.items()):
        gap = short.solution_value()
        if gap > 1e-6 * max(need, 1.0):
            st = m.standards[j]
            total = float(pop[st.demand].sum())
            reasons.append(f"{st.label()} reaches at best {(need - gap) / total:.1%} "
                           f"(short by {gap:,.0f} residents)")
    if reasons:
        return ("the access standards compete for the hosts' spare desks and cannot all "
                "hold; in the closest plan " + "; ".join(reasons)
                + "; relax a standard or add spare desks")
    for o, terms in m.org_cost.items():
        b = problem.scenario.organisations[o].budget_eur_year
        cost = sum(c * var.solution_value() for var, c in terms) + m.org_const[o]
        if b is not None and cost > b + 1e-6:
            reasons.append(f"{o}: the cheapest plan found that meets the standards costs "
                           f"{cost:,.0f} EUR/year, above its budget of {b:,.0f}; raise "
                           "the budget or relax the standards")
    if reasons:
        return "; ".join(reasons)
    return ("the standards and budgets hold one by one but not together; relax a standard "
            "or raise a budget")


def solve(problem: Problem, name: str = "optimised") -> Plan:
    """Solve the co-location model and return the optimised plan.

    Parameters
    ----------
    problem : Problem
        From ``planner.problem.build_problem``.
    name : str
        Name of the plan.

    Returns
    -------
    Plan
        Decisions and assignment; ``meta`` holds ``status`` (``optimal``: proven;
        ``feasible``: proven within ``solver.relative_gap``, a deterministic stop;
        ``time_limit``: the wall-clock limit was reached, so the plan may differ from run
        to run), ``objective`` and ``bound`` (EUR/year), ``gap`` and ``seconds``.

    Raises
    ------
    InfeasibleError
        When the policies cannot all hold; the message says which ones and why.
    """
    floors = None
    if any(st.maximise_worst for st in problem.scenario.standards):
        first = _Model(problem, equity="stage1")
        status, _ = first.solve()
        if status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            floors = {k: v.solution_value() for k, v in first.worst.items()}
    m = _Model(problem, floors=floors)
    status, seconds = m.solve()
    limit = problem.scenario.solver.time_limit_s
    state = _status_name(status, seconds, limit)
    if state == "infeasible":
        raise InfeasibleError(f"scenario {problem.scenario.name!r} is infeasible: "
                              f"{explain_infeasible(problem)}")
    if state in ("error",) or (state == "time_limit" and status != pywraplp.Solver.FEASIBLE):
        raise InfeasibleError(f"scenario {problem.scenario.name!r}: no plan found within "
                              f"{limit:g} s; raise solver.time_limit_s")
    objective = m.solver.Objective().Value()
    bound = m.solver.Objective().BestBound()
    gap = abs(objective - bound) / max(abs(objective), 1e-9)
    if state == "optimal" and gap > 1e-6:  # SCIP stopped at the requested gap
        state = "feasible"
    plan = _to_plan(m, name)
    plan.meta.update({"status": state, "objective": round(objective, 2),
                      "bound": round(bound, 2), "gap": round(gap, 6),
                      "seconds": round(seconds, 3), "solver": "OR-Tools SCIP",
                      "scenario": problem.scenario.name, "seed": problem.scenario.solver.seed,
                      "source": "optimised"})
    plan.meta.update(problem.notes)
    if floors:
        plan.meta["equity_floors"] = "; ".join(
            f"{o} {problem.scenario.standards[r].minutes:g} min: worst area {v:.1%}"
            for (r, o), v in sorted(floors.items()))
    return plan


def _to_plan(m: _Model, name: str) -> Plan:
    p = m.p
    opts = m.opts
    sites = p.sites
    chosen = [k for k, var in enumerate(m.y) if var.solution_value() > 0.5]
    shared_sites = {s for s, z in m.z.items() if z.solution_value() > 0.5}
    visits_at: dict[tuple[str, int], float] = defaultdict(float)
    rows_a = []
    for channel, variables in (("in_person", m.x), ("remote", m.q)):
        for (i, o, site), var in variables.items():
            val = var.solution_value()
            if val > _EPS:
                v = val * p.visits[i, p.orgs.index(o)]
                visits_at[(o, site)] += v
                rows_a.append((i, o, site, channel, v, m.minutes[(i, site)]))
    for (i, o), u in m.u.items():
        val = u.solution_value()
        if val > _EPS:
            rows_a.append((i, o, -1, "unserved", val * p.visits[i, p.orgs.index(o)], math.nan))
    rows_d = []
    for k in chosen:
        o, site = opts.at[k, "org"], int(opts.at[k, "site"])
        mode = opts.at[k, "mode"]
        cost = float(opts.at[k, "cost_eur"])
        if mode == "office" and site in shared_sites:
            mode = "shared"
            cost -= costs.shared_saving(p.scenario, o)
        rows_d.append((site, o, mode, int(opts.at[k, "days"]),
                       "keep" if opts.at[k, "keep"] else "open", cost, visits_at[(o, site)]))
    close = costs.closing_cost(p.scenario)
    for e in p.existing.itertuples():
        if m.keep_var[e.Index].solution_value() < 0.5:
            rows_d.append((e.site, e.org, "closed", 0, "close", close, 0.0))
    rows_d.sort(key=lambda r: (r[0], p.orgs.index(r[1])))
    dec = pd.DataFrame(rows_d, columns=["site", "organisation", "mode", "days_per_month",
                                        "action", "annual_cost_eur", "visits"])
    dec.insert(0, "site_id", sites["site_id"].to_numpy()[dec["site"]])
    dec.insert(1, "site_name", sites["name"].to_numpy()[dec["site"]])
    dec.insert(2, "host_org", sites["host_org"].to_numpy()[dec["site"]])
    dec["annual_cost_eur"] = dec["annual_cost_eur"].round(2)
    dec["visits"] = dec["visits"].round(2)
    geom = sites.geometry.to_numpy()[dec["site"]]
    decisions = gpd.GeoDataFrame(dec[list(DECISION_COLUMNS)], geometry=list(geom), crs=CRS)
    asg = pd.DataFrame(rows_a, columns=["i", "organisation", "site", "channel", "visits",
                                        "minutes"])
    asg = asg.sort_values(["i", "organisation", "site", "channel"], kind="stable")
    site_ids = np.append(sites["site_id"].astype(str).to_numpy(), "")
    asg.insert(0, "demand_id", p.demand["demand_id"].to_numpy()[asg["i"]])
    asg["site_id"] = site_ids[asg["site"].to_numpy()]
    asg["visits"] = asg["visits"].round(3)
    asg["minutes"] = asg["minutes"].round(3)
    return Plan(name=name, decisions=decisions,
                assignment=asg[list(ASSIGNMENT_COLUMNS)].reset_index(drop=True), meta={})
