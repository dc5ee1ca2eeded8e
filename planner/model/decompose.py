"""Decomposition of a large problem by area: each part solved on its own, budgets shared out.

A national or county-wide problem splits along an area column of the demand (``county``,
``municipality`` or ``employment_area``; ``solver.decompose``). A part holds the area's
residents and the candidate sites in it (a site belongs to the area of its ``column`` when
the sites carry one, else to the area of its nearest demand point); its residents are
served by its own sites only. Every access standard then holds within every part (a
standard over ``all`` residents is met in each part, which is stricter), so each part's
plan is feasible for the whole problem, and the sum of the parts' proven bounds is a bound
of the decomposed problem.

Organisations' budgets are national: they couple the parts. They are priced by Lagrangian
relaxation: each part minimises its cost plus ``price_o`` times organisation ``o``'s own
costs there; the prices of budgets that are exceeded are raised by bisection until every
budget holds. For any prices, the sum of the parts' bounds minus ``sum price_o x budget_o``
is a valid lower bound, and the best one is reported.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from planner.errors import InfeasibleError, NoPlanInTimeError
from planner.model import colocation
from planner.plan import Plan
from planner.problem.build import Problem

#: Bisection rounds on the budget prices.
PRICE_ROUNDS = 8
#: Least solver time of a part (seconds).
MIN_PART_S = 5.0
#: Times a part that found no plan in its time is solved again with three times as long.
RETRIES = 2
#: Worst status of a part becomes the status of the whole.
_STATUS_ORDER = ("optimal", "feasible", "time_limit")


def site_areas(problem: Problem, column: str) -> np.ndarray:
    """Return the area of each candidate site.

    It is the site's own ``column`` if the sites carry one, else the area of its nearest
    demand point.
    """
    if column in problem.sites.columns:
        return problem.sites[column].astype(str).to_numpy()
    dem = problem.demand
    tree = cKDTree(np.column_stack([dem.geometry.x, dem.geometry.y]))
    _, nearest = tree.query(np.column_stack([problem.sites.geometry.x,
                                             problem.sites.geometry.y]))
    return dem[column].astype(str).to_numpy()[nearest]


def share_time(weights: np.ndarray, limit: float, workers: int) -> np.ndarray:
    """Return the solver seconds of each part of a decomposed solve.

    ``limit x workers`` seconds are shared in proportion to ``weights``, no part above
    ``limit`` (what one part cannot use goes to the others) nor below ``MIN_PART_S``.
    """
    out = np.zeros(weights.size)
    free = np.ones(weights.size, dtype=bool)
    budget = limit * workers
    while free.any():
        share = budget * weights[free] / max(weights[free].sum(), 1e-9)
        over = share > limit
        if not over.any():
            out[free] = share
            break
        idx = np.flatnonzero(free)[over]
        out[idx] = limit
        budget -= limit * idx.size
        free[idx] = False
    return np.maximum(out, MIN_PART_S)


def split(problem: Problem, column: str) -> list[tuple[str, Problem]]:
    """Split a problem into parts, one per area of ``column`` (sorted by name).

    Parameters
    ----------
    problem : Problem
    column : str
        Area column of the demand (``county``, ``municipality``, ``employment_area``).

    Returns
    -------
    list of (area, Problem)
        Each part's scenario has no budgets (they are priced by :func:`optimised_plan`) and no
        decomposition; ``solver.time_limit_s`` x ``solver.workers`` seconds are shared
        among the parts in proportion to their demand points (at least ``MIN_PART_S``
        each, none above ``time_limit_s``), so ``time_limit_s`` bounds the whole solve.
    """
    if column not in problem.demand.columns:
        raise InfeasibleError(f"solver.decompose: the demand has no {column!r} column; "
                              "use another area or decompose: none")
    d_area = problem.demand[column].astype(str).to_numpy()
    s_area = site_areas(problem, column)
    sc = problem.scenario
    orgs = {o: org.model_copy(update={"budget_eur_year": None})
            for o, org in sc.organisations.items()}
    areas, code = np.unique(d_area, return_inverse=True)  # sorted area names
    t = problem.times
    o, s = t["origin"].to_numpy(), t["destination"].to_numpy()
    # the solve's time is shared out in proportion to each part's demand points: the
    # euros at stake (and so the euros a gap leaves) grow with its residents, and the
    # model's size with its points (by travel-time pairs, the densest county took
    # everything and the small ones had no time to improve their starting plans)
    cells = np.bincount(code, minlength=areas.size).astype(float)
    limits = share_time(cells, sc.solver.time_limit_s, min(sc.solver.workers, areas.size))
    out = []
    for area, limit in zip(areas.tolist(), limits, strict=True):
        part_sc = sc.model_copy(update={
            "organisations": orgs,
            "solver": sc.solver.model_copy(update={"decompose": "none",
                                                   "time_limit_s": float(round(limit, 1))})})
        dpos = np.flatnonzero(d_area == area)
        spos = np.flatnonzero(s_area == area)
        dmap = np.full(len(d_area), -1, dtype=np.int64)
        dmap[dpos] = np.arange(dpos.size)
        smap = np.full(len(s_area), -1, dtype=np.int64)
        smap[spos] = np.arange(spos.size)
        keep = (dmap[o] >= 0) & (smap[s] >= 0)
        times = pd.DataFrame({"origin": dmap[o[keep]], "destination": smap[s[keep]],
                              "minutes": t["minutes"].to_numpy()[keep]})
        opts = problem.options[smap[problem.options["site"].to_numpy()] >= 0].copy()
        opts["site"] = smap[opts["site"].to_numpy()]
        ex = problem.existing[smap[problem.existing["site"].to_numpy()] >= 0].copy()
        ex["site"] = smap[ex["site"].to_numpy()]
        site_times = None
        if problem.site_times is not None:
            ids = set(problem.sites["site_id"].astype(str).to_numpy()[spos])
            st = problem.site_times
            site_times = st[st["from"].isin(ids) & st["to"].isin(ids)].reset_index(drop=True)
        out.append((area, Problem(
            scenario=part_sc, orgs=problem.orgs,
            sites=problem.sites.iloc[spos].reset_index(drop=True),
            demand=problem.demand.iloc[dpos].reset_index(drop=True),
            times=times, visits=problem.visits[dpos], remote_share=problem.remote_share[dpos],
            existing=ex.reset_index(drop=True), options=opts.reset_index(drop=True),
            notes={}, site_times=site_times)))
    return out


def _solve_part(args: tuple[str, Problem, dict[str, float]]) -> tuple[str, Plan | str]:
    area, part, prices = args
    if not len(part.demand) or not len(part.sites):
        return area, f"area {area!r} has {len(part.demand)} demand points and " \
                     f"{len(part.sites)} candidate sites"
    for attempt in range(RETRIES + 1):
        try:
            return area, colocation.solved_plan(part, prices=prices)
        except NoPlanInTimeError as exc:  # no plan yet: give this part more time
            if attempt == RETRIES:
                return area, str(exc)
            solver = part.scenario.solver
            sc = part.scenario.model_copy(update={"solver": solver.model_copy(
                update={"time_limit_s": solver.time_limit_s * 3})})
            part = dataclasses.replace(part, scenario=sc)
        except InfeasibleError as exc:
            return area, str(exc)
    raise AssertionError("unreachable")


def _org_costs(plan: Plan) -> dict[str, float]:
    """Return each organisation's own annual cost in a plan (decisions' costs, closings too)."""
    return plan.decisions.groupby("organisation")["annual_cost_eur"].sum().to_dict()


def _solve_parts(parts: list[tuple[str, Problem]], prices: dict[str, float], workers: int
                 ) -> list[tuple[str, Plan]]:
    jobs = [(a, p, prices) for a, p in parts]
    # a daemon process (e.g. a Dask worker running a sweep) may not start processes
    if workers > 1 and len(jobs) > 1 and not multiprocessing.current_process().daemon:
        # the longest parts first, so that the processes finish together
        order = sorted(range(len(jobs)),
                       key=lambda i: -jobs[i][1].scenario.solver.time_limit_s)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            done = dict(zip(order, pool.map(_solve_part, [jobs[i] for i in order]),
                            strict=True))
        results = [done[i] for i in range(len(jobs))]
    else:
        results = [_solve_part(j) for j in jobs]
    bad = [f"{a}: {r}" for a, r in results if isinstance(r, str)]
    if bad:
        raise InfeasibleError("decomposed by area, some parts have no plan: " + "; ".join(bad))
    return results  # type: ignore[return-value]


def _totals(results: list[tuple[str, Plan]], prices: dict[str, float]
            ) -> tuple[float, float, dict[str, float]]:
    """Return the true objective, priced bound (before the budgets) and organisations' costs."""
    objective = bound = 0.0
    org: dict[str, float] = {}
    for _, plan in results:
        oc = _org_costs(plan)
        for o, c in oc.items():
            org[o] = org.get(o, 0.0) + c
        priced = sum(prices.get(o, 0.0) * c for o, c in oc.items())
        objective += plan.meta["objective"] - priced
        bound += plan.meta["bound"]
    return objective, bound, org


def optimised_plan(problem: Problem, name: str = "optimised") -> Plan:
    """Solve a problem whole, or by parts when ``solver.decompose`` names an area column.

    Parameters
    ----------
    problem : Problem
    name : str
        Name of the plan.

    Returns
    -------
    Plan
        The parts' plans joined; ``meta`` holds the total ``objective``, the ``bound``
        (sum of the parts' bounds, less the priced budgets), the ``gap``, the worst part's
        ``status`` and a ``decomposition`` note.
    """
    sc = problem.scenario
    column = sc.solver.decompose
    if column == "none":
        return colocation.solved_plan(problem, name)
    start = time.perf_counter()
    parts = split(problem, column)
    budgets = {o: org.budget_eur_year for o, org in sc.organisations.items()
               if org.budget_eur_year is not None}
    prices = {o: 0.0 for o in budgets}
    results = _solve_parts(parts, prices, sc.solver.workers)
    objective, raw_bound, org = _totals(results, prices)
    bound = raw_bound
    over = {o for o, b in budgets.items() if org.get(o, 0.0) > b + 1e-6}
    rounds = 0
    if over:  # price the budgets: find a price high enough, then bisect
        lo = {o: 0.0 for o in budgets}
        hi = {o: 0.0 for o in budgets}
        best: list[tuple[str, Plan]] | None = None
        for _ in range(PRICE_ROUNDS):
            rounds += 1
            prices = {o: (lo[o] + hi[o]) / 2 if hi[o] > 0 else
                      (max(2 * lo[o], 0.25) if o in over else 0.0) for o in budgets}
            results_p = _solve_parts(parts, prices, sc.solver.workers)
            obj_p, raw_p, org_p = _totals(results_p, prices)
            bound = max(bound, raw_p - sum(prices[o] * budgets[o] for o in budgets))
            over = {o for o, b in budgets.items() if org_p.get(o, 0.0) > b + 1e-6}
            for o in budgets:
                if o in over:
                    lo[o] = prices[o]
                else:
                    hi[o] = prices[o] if prices[o] > 0 else hi[o]
            if not over and (best is None or obj_p < objective):
                best, objective = results_p, obj_p
        if best is None:
            names = ", ".join(sorted(over))
            raise InfeasibleError(
                f"scenario {sc.name!r}: decomposed by {column}, no price of the budgets of "
                f"{names} kept them within budget in {PRICE_ROUNDS} rounds; raise the "
                "budget, relax the standards or solve whole (decompose: none)")
        results = best
    plan = _merge(results, name)
    sizes = {a: (len(p.demand), len(p.sites)) for a, p in parts}
    plan.meta["parts"] = [  # the profile of the solve (not written to plan files)
        {"area": a, "demand_points": sizes[a][0], "sites": sizes[a][1],
         "status": p.meta["status"], "objective": p.meta["objective"],
         "bound": p.meta["bound"], "gap": p.meta["gap"], "seconds": p.meta["seconds"],
         "time_limit_s": part.scenario.solver.time_limit_s, **p.meta.get("stages", {})}
        for (a, p), (_, part) in zip(results, parts, strict=True)]
    stages = [p.meta["stages"] for _, p in results]
    # the whole solve's stages: the parts' sums, ending at the plan's own objective and
    # bound (with priced budgets the parts' values include the prices; these do not)
    tot = {k: sum(st[k] for st in stages) for k in ("lp_bound", "start", "rins")}
    plan.meta["stages"] = colocation.stage_report(tot["lp_bound"], tot["start"], tot["rins"],
                                             objective, bound)
    worst = max((p.meta["status"] for _, p in results), key=_STATUS_ORDER.index)
    gap = abs(objective - bound) / max(abs(objective), 1e-9)
    plan.meta.update({
        "status": "optimal" if gap <= 1e-6 and worst == "optimal" else worst,
        "objective": round(objective, 2), "bound": round(bound, 2), "gap": round(gap, 6),
        "seconds": round(time.perf_counter() - start, 3),
        "solver": colocation.ENGINES[sc.solver.engine],
        "scenario": sc.name, "seed": sc.solver.seed, "source": "optimised",
        "decomposition": (f"{len(parts)} parts by {column}, each served by its own sites; "
                          "every standard holds in every part; the bound and gap are of this "
                          "restricted problem (residents served within their area)"
                          + (f"; budgets priced in {rounds} rounds" if rounds else "")),
    })
    plan.meta.update(problem.notes)
    return plan


def _merge(results: list[tuple[str, Plan]], name: str) -> Plan:
    """Merge the parts' plans into one plan (parts in area order)."""
    decisions = pd.concat([p.decisions for _, p in results], ignore_index=True)
    assignment = pd.concat([p.assignment for _, p in results], ignore_index=True)
    meta = {k: round(sum(float(p.meta.get(k, 0.0)) for _, p in results), 2)
            for k in ("staff_eur", "travel_repriced_eur")}
    notes = {f"{a}: {k}": v for a, p in results for k, v in p.meta.get("notes", {}).items()}
    if notes:
        meta["notes"] = notes
    return Plan(name=name, decisions=decisions, assignment=assignment, meta=meta)
