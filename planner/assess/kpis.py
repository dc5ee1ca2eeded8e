"""KPIs of a plan: access within the standard, travel times and costs, per organisation.

Works on any ``Plan``: the optimiser's, today's network, or one a user wrote by hand.

Besides the KPIs, the numbers the maps and the report draw and tabulate per place are
computed here: residents' minutes to in-person service per demand point
(:func:`travel_minutes`) and the areas the plan's in-person sites reach within a time
(:func:`plan_isochrones`, drawing on :mod:`planner.network.isochrones`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.costing.pricing import price_decisions
from planner.errors import InputError
from planner.plan import ASSIGNMENT_COLUMNS, Plan
from planner.problem.build import Problem, expand_standards
from planner.region import Region
from planner.schema import IN_PERSON_MODES, MODES

KPI_COLUMNS = (
    "standard", "residents", "residents_within_standard", "share_within_standard",
    "mean_minutes", "p50_minutes", "p90_minutes", "max_minutes", "unserved_visits",
    "annual_cost_eur", "travel_value_eur",
    "sites_office", "sites_shared", "sites_popup", "sites_remote",
)


def current_plan(problem: Problem) -> Plan:
    """Return today's network as a plan: every existing office kept, visits to the nearest.

    Parameters
    ----------
    problem : Problem

    Returns
    -------
    Plan
        Named ``"today"``; capacities are not enforced (visits go to the nearest office).
        Priced by ``planner.costing.pricing`` like every plan, so its cost is exactly the sum of
        today's offices' premises, shared services and staff.
    """
    choices = [(int(e.site), str(e.org), "office", 0, "keep")
               for e in problem.existing.itertuples()]
    priced = price_decisions(problem, choices)
    decisions = priced.decisions
    plan = Plan(name="today", decisions=decisions,
                meta={"status": "evaluated", "source": "current",
                      "scenario": problem.scenario.name})
    plan.assignment = assign_nearest(plan, problem)
    served = plan.assignment.groupby(["site_id", "organisation"])["visits"].sum()
    keys = list(zip(decisions["site_id"], decisions["organisation"], strict=True))
    decisions["visits"] = [round(float(served.get(k, 0.0)), 2) for k in keys]
    return plan


def _site_positions(plan: Plan, problem: Problem) -> np.ndarray:
    idx = problem.site_index()
    at = idx.index.get_indexer(plan.decisions["site_id"].astype(str))
    if (at < 0).any():
        bad = plan.decisions["site_id"].iloc[int(np.flatnonzero(at < 0)[0])]
        raise InputError(f"plan {plan.name!r}: site_id {bad!r} is not a candidate site of the "
                         "region; use an id from the sites table")
    return idx.to_numpy()[at]


def _to_sites(problem: Problem, sites: Iterable[int]) -> np.ndarray:
    """Return a boolean per row of ``problem.times``: its destination is one of ``sites``.

    ``sites`` are positions; the test is a lookup table rather than a hash per row.
    """
    wanted = np.zeros(len(problem.sites), dtype=bool)
    wanted[np.fromiter(sites, dtype=np.int64)] = True
    return wanted[problem.times["destination"].to_numpy()]


def _nearest(problem: Problem, sites: set) -> tuple[np.ndarray, np.ndarray]:
    """Return per demand point the nearest of ``sites`` within the cut-off.

    Nearest: fewest minutes, then lowest position. Returns its position (-1: none) and
    minutes (NaN: none).
    """
    n = len(problem.demand)
    t = problem.times[_to_sites(problem, sites)]
    origin = t["origin"].to_numpy(dtype=np.int64)
    dest = t["destination"].to_numpy(dtype=np.int64)
    minutes = t["minutes"].to_numpy(dtype=float)
    mins = np.full(n, np.inf)
    np.fmin.at(mins, origin, minutes)
    fastest = minutes == mins[origin]
    site = np.full(n, len(problem.sites), dtype=np.int64)
    np.minimum.at(site, origin[fastest], dest[fastest])
    none = site == len(problem.sites)
    site[none], mins[none] = -1, np.nan
    return site, mins


def assign_nearest(plan: Plan, problem: Problem) -> pd.DataFrame:
    """Send every demand point's visits to the plan's nearest open option.

    In-person visits go to the nearest office, shared premises or pop-up of the
    organisation; the remote-suited share goes to the nearest remote point when one is
    nearer than in-person service. Visits with nothing within the cut-off are unserved.
    Capacities are not enforced here.

    Returns
    -------
    pandas.DataFrame
        Columns ``ASSIGNMENT_COLUMNS``.
    """
    pos = _site_positions(plan, problem)
    dec = plan.decisions.assign(_site=pos)
    parts = []
    for oi, org in enumerate(problem.orgs):
        d = dec[dec["organisation"] == org]
        ip_site, ip_min = _nearest(
            problem, set(d.loc[d["mode"].isin(IN_PERSON_MODES), "_site"]))
        rm_site, rm_min = _nearest(problem, set(d.loc[d["mode"] == "remote", "_site"]))
        v = np.asarray(problem.visits[:, oi], dtype=float)
        r = np.asarray(problem.remote_share[:, oi], dtype=float)
        # the remote share goes remote where a remote point is nearer than in-person service
        remote = (v > 0) & (rm_site >= 0) & ((ip_site < 0) | (rm_min < ip_min))
        rest = v * (1 - np.where(remote, r, 0.0))
        main = (v > 0) & (rest > 0)
        served = main & (ip_site >= 0)
        i_rm, i_main = np.flatnonzero(remote), np.flatnonzero(main)
        part = pd.DataFrame({
            "i": np.concatenate([i_rm, i_main]),
            "site": np.concatenate([rm_site[i_rm], np.where(served, ip_site, -1)[i_main]]),
            "channel": ["remote"] * len(i_rm)
            + np.where(served, "in_person", "unserved")[i_main].tolist(),
            "visits": np.concatenate([v[i_rm] * r[i_rm], rest[i_main]]),
            "minutes": np.concatenate([rm_min[i_rm], np.where(served, ip_min, np.nan)[i_main]]),
            "_k": np.concatenate([2 * i_rm, 2 * i_main + 1]),  # a point's remote row first
        }).sort_values("_k", kind="stable")
        parts.append(part.assign(organisation=org))
    cols = ["i", "organisation", "site", "channel", "visits", "minutes"]
    asg = (pd.concat(parts, ignore_index=True)[cols] if parts
           else pd.DataFrame(columns=cols))
    site_ids = np.append(problem.sites["site_id"].astype(str).to_numpy(), "")
    asg.insert(0, "demand_id", problem.demand["demand_id"].to_numpy()[asg["i"].astype(int)])
    asg["site_id"] = site_ids[asg["site"].astype(int).to_numpy()]
    asg["visits"] = asg["visits"].round(3)
    asg["minutes"] = asg["minutes"].round(3)
    return asg[list(ASSIGNMENT_COLUMNS)].reset_index(drop=True)


def primary_standard(problem: Problem, org: str) -> tuple[float, int] | None:
    """Return (minutes, min pop-up days) of the first standard that applies to ``org``."""
    for st in problem.scenario.standards:
        if st.organisation in ("all", org):
            return st.minutes, st.min_popup_days
    return None


def within(plan: Plan, problem: Problem, org: str, minutes: float,
           min_popup_days: int) -> np.ndarray:
    """Return a boolean per demand point: in-person service of ``org`` within ``minutes``.

    Offices and shared premises count; pop-ups count with at least ``min_popup_days``.
    """
    d = plan.decisions  # arrays, not frames: called per organisation and area
    mode = d["mode"].to_numpy(dtype=object)
    counts = (d["organisation"].to_numpy(dtype=object) == org) & (
        np.isin(mode, ["office", "shared"])
        | ((mode == "popup") & (d["days_per_month"].to_numpy(dtype=float) >= min_popup_days)))
    t = problem.times
    near = (t["minutes"].to_numpy() <= minutes) & _to_sites(
        problem, _site_positions(plan, problem)[counts])
    out = np.zeros(len(problem.demand), dtype=bool)
    out[t["origin"].to_numpy()[near]] = True
    return out


def plan_kpis(plan: Plan, problem: Problem) -> pd.DataFrame:
    """Return the KPIs of a plan per organisation, and for all organisations together.

    Parameters
    ----------
    plan : Plan
        Decisions (and, if present, the assignment; otherwise nearest-option assignment).
    problem : Problem

    Returns
    -------
    pandas.DataFrame
        Index: organisation keys and ``"all"``; columns ``KPI_COLUMNS``. Costs are euros
        per year; ``travel_value_eur`` values residents' travel time at the scenario's rate.
    """
    asg = plan.assignment if len(plan.assignment) else assign_nearest(plan, problem)
    pop = problem.demand["population"].to_numpy(dtype=float)
    vot = problem.scenario.costs.value_of_time_eur_per_hour / 60.0
    rows: dict[str, dict] = {}
    sums: dict[str, float] = defaultdict(float)
    for org in problem.orgs:
        st = primary_standard(problem, org)
        a = asg[asg["organisation"] == org]
        ip = a[a["channel"] == "in_person"]
        moved = a[a["channel"].isin(["in_person", "remote"])]
        d = plan.decisions[plan.decisions["organisation"] == org]
        row = {
            "standard": f"{st[0]:g} min" if st else "",
            "residents": float(pop.sum()),
            "residents_within_standard": float(pop[within(plan, problem, org, *st)].sum())
            if st else np.nan,
            "mean_minutes": float(np.average(ip["minutes"], weights=ip["visits"]))
            if ip["visits"].sum() > 0 else np.nan,
            "p50_minutes": weighted_quantile(ip["minutes"], ip["visits"], 0.5),
            "p90_minutes": weighted_quantile(ip["minutes"], ip["visits"], 0.9),
            "max_minutes": float(ip.loc[ip["visits"] > 0, "minutes"].max())
            if (ip["visits"] > 0).any() else np.nan,
            "unserved_visits": float(a.loc[a["channel"] == "unserved", "visits"].sum()),
            "annual_cost_eur": float(d["annual_cost_eur"].sum()),
            "travel_value_eur": float(vot * (moved["visits"] * moved["minutes"]).sum()),
        }
        for mode in MODES:
            row[f"sites_{mode}"] = int((d["mode"] == mode).sum())
        row["share_within_standard"] = (row["residents_within_standard"] / row["residents"]
                                        if row["residents"] else np.nan)
        rows[org] = row
        for k in ("annual_cost_eur", "travel_value_eur", "unserved_visits"):
            sums[k] += row[k]
    total = {k: np.nan for k in KPI_COLUMNS}
    total.update(sums)
    total["standard"] = ""
    total["residents"] = float(pop.sum())
    open_ = plan.open_decisions()
    for mode in MODES:
        total[f"sites_{mode}"] = int(open_.loc[open_["mode"] == mode, "site_id"].nunique())
    rows["all"] = total
    out = pd.DataFrame.from_dict(rows, orient="index")[list(KPI_COLUMNS)]
    out.index.name = "organisation"
    return out


def weighted_quantile(values: pd.Series, weights: pd.Series, q: float) -> float:
    """Return the ``q`` quantile of ``values`` weighted by ``weights`` (lower value at ties).

    The smallest value whose cumulative weight reaches ``q`` of the total; nan without
    weight. E.g. the median in-person travel time of visits.
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = w > 0
    if not keep.any():
        return float("nan")
    order = np.argsort(v[keep], kind="stable")
    v, w = v[keep][order], w[keep][order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, q * cum[-1] - 1e-9 * cum[-1])])


def _gains_losses(before: Plan, after: Plan, problem: Problem
                  ) -> Iterator[tuple[str, tuple[float, int], np.ndarray, np.ndarray]]:
    """Yield per organisation with a standard its gains and losses of access.

    The standard (minutes, pop-up days) and the demand points gaining and losing in-person
    access within it.
    """
    for org in problem.orgs:
        st = primary_standard(problem, org)
        if st is None:
            continue
        b = within(before, problem, org, *st)
        a = within(after, problem, org, *st)
        yield org, st, a & ~b, b & ~a


def access_changes(before: Plan, after: Plan, problem: Problem) -> pd.DataFrame:
    """Return who gains and who loses in-person access within each organisation's standard.

    Returns
    -------
    pandas.DataFrame
        Index: organisations; columns ``standard``, ``residents_gaining``,
        ``residents_losing``, ``points_gaining``, ``points_losing`` and ``losing_ids`` (the
        demand ids losing access, ``;``-separated).
    """
    pop = problem.demand["population"].to_numpy(dtype=float)
    ids = problem.demand["demand_id"].astype(str).to_numpy()
    rows = {}
    for org, st, gain, lose in _gains_losses(before, after, problem):
        rows[org] = {"standard": f"{st[0]:g} min", "residents_gaining": float(pop[gain].sum()),
                     "residents_losing": float(pop[lose].sum()),
                     "points_gaining": int(gain.sum()), "points_losing": int(lose.sum()),
                     "losing_ids": ";".join(ids[lose])}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "organisation"
    return out


#: Columns of :func:`access_changes_by_area`.
AREA_CHANGE_COLUMNS = ("organisation", "standard", "level", "area", "age_group",
                       "residents", "residents_gaining", "residents_losing", "net_change")


def access_changes_by_area(before: Plan, after: Plan, problem: Problem) -> pd.DataFrame:
    """Return who gains and who loses access within each standard, per area and age group.

    Per organisation's standard, area (municipality, wellbeing services county, employment
    area and the whole region) and age group (the demand's ``age_*`` columns, and ``all``).

    Returns
    -------
    pandas.DataFrame
        ``AREA_CHANGE_COLUMNS``: residents of the group in the area, those gaining and
        losing access, and the net change; rows only where someone gains or loses.
    """
    dem = problem.demand
    ages = ["population", *[c for c in dem.columns if str(c).startswith("age_")]]
    levels = [c for c in ("municipality", "county", "employment_area") if c in dem.columns]
    rows = []
    for org, st, gain, lose in _gains_losses(before, after, problem):
        if not (gain.any() or lose.any()):
            continue
        for level in ["all", *levels]:
            key = (pd.Series("all", index=dem.index) if level == "all"
                   else dem[level].astype(str))
            for area in sorted(key.unique()):
                sel = (key == area).to_numpy()
                for col in ages:
                    pop = dem[col].to_numpy(dtype=float)
                    g, lo = float(pop[sel & gain].sum()), float(pop[sel & lose].sum())
                    if g or lo:
                        rows.append((org, f"{st[0]:g} min", level, area,
                                     "all" if col == "population" else col.removeprefix("age_"),
                                     round(float(pop[sel].sum()), 1), round(g, 1), round(lo, 1),
                                     round(g - lo, 1)))
    return pd.DataFrame(rows, columns=list(AREA_CHANGE_COLUMNS))


def site_table(plan: Plan, problem: Problem) -> pd.DataFrame:
    """Return per site of the plan its organisations and modes, visits, desks used and spare.

    Desks: an existing office uses its own desks (not the host's spare ones); a new office
    uses the organisation's ``desks_per_office`` and a pop-up the scenario's pop-up desks;
    remote points use none. ``over_capacity`` flags sites using more spare desks than the
    host has.
    """
    sc = problem.scenario
    d = plan.open_decisions()
    d = d.assign(_site=_site_positions(Plan(plan.name, d), problem))
    desks = np.where(d["action"] == "keep", 0,
                     np.where(d["mode"].isin(["office", "shared"]),
                              d["organisation"].map(lambda o: sc.organisations[o].desks_per_office
                                                    if o in sc.organisations else 0),
                              np.where(d["mode"] == "popup", sc.costs.popup.desks, 0)))
    d = d.assign(_desks=desks)
    spare = problem.sites["spare_desks"].to_numpy()
    rows = []
    for site, g in d.groupby("_site", sort=True):
        rows.append({"site_id": str(problem.sites["site_id"].iloc[site]),
                     "site_name": str(problem.sites["name"].iloc[site]),
                     "organisations": ";".join(f"{o}:{m}" for o, m in
                                               zip(g["organisation"], g["mode"], strict=True)),
                     "visits": float(g["visits"].sum()),
                     "desks_used": int(g["_desks"].sum()), "spare_desks": int(spare[site]),
                     "over_capacity": bool(g["_desks"].sum() > spare[site])})
    return pd.DataFrame(rows, columns=["site_id", "site_name", "organisations", "visits",
                                       "desks_used", "spare_desks", "over_capacity"])


def total_cost(plan: Plan, problem: Problem) -> float:
    """Return the model's objective evaluated on a plan.

    The annual costs of the organisations, plus residents' travel time in euros, plus
    unserved visits at their price.
    """
    k = plan.kpis if len(plan.kpis) else plan_kpis(plan, problem)
    unserved = costs_unserved(problem, float(k.loc["all", "unserved_visits"]))
    return float(k.loc["all", "annual_cost_eur"] + k.loc["all", "travel_value_eur"] + unserved)


def solver_total(plan: Plan) -> float:
    """Return an optimised plan's objective on :func:`total_cost`'s basis.

    The objective plus the staff (the same in every plan, outside the objective,
    ``meta["staff_eur"]``) and the pop-ups' staff travel repriced from the plan's own
    staffed sites (the model prices it from today's nearest office,
    ``meta["travel_repriced_eur"]``).
    """
    m = plan.meta
    return (float(m["objective"]) + float(m.get("staff_eur", 0.0))
            + float(m.get("travel_repriced_eur", 0.0)))


def costs_unserved(problem: Problem, visits: float) -> float:
    """Return the price of unserved visits (euros per year)."""
    return visits * problem.scenario.costs.unserved_eur_per_visit


def standards_report(plan: Plan, problem: Problem) -> pd.DataFrame:
    """Return every access standard of the scenario, per organisation and area, met or not.

    Returns
    -------
    pandas.DataFrame
        Columns ``organisation``, ``area``, ``group``, ``minutes``, ``required_share``,
        ``achieved_share`` and ``met``.
    """
    pop = problem.demand["population"].to_numpy(dtype=float)
    rows = []
    reach: dict[tuple[str, float, int], np.ndarray] = {}  # one per standard, not per area
    for st in expand_standards(problem):
        key = (st.org, st.minutes, st.min_popup_days)
        if key not in reach:
            reach[key] = within(plan, problem, *key)
        ok = reach[key]
        total = pop[st.demand].sum()
        achieved = float(pop[st.demand][ok[st.demand]].sum() / total) if total else 1.0
        rows.append({"organisation": st.org, "area": st.area, "group": st.group,
                     "minutes": st.minutes, "min_popup_days": st.min_popup_days,
                     "required_share": st.share, "achieved_share": achieved,
                     "met": achieved + 1e-9 >= st.share})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- per place
def _weighted_minutes(inp: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Return the visit-weighted mean of ``minutes`` per ``keys``.

    The plain mean where the visits sum to 0.
    """
    inp = inp[inp["minutes"].notna()]
    g = (inp.assign(_mw=inp["minutes"] * inp["visits"])
         .groupby(keys, sort=True)
         .agg(w=("visits", "sum"), mw=("_mw", "sum"), plain=("minutes", "mean")))
    return pd.Series(np.where(g["w"] > 0, g["mw"] / g["w"].where(g["w"] > 0, 1.0), g["plain"]),
                     index=g.index, dtype=float)


def travel_minutes(assignment: pd.DataFrame) -> tuple[dict[str, float], pd.DataFrame]:
    """Return minutes to in-person service per demand point, overall and per organisation.

    Parameters
    ----------
    assignment : pandas.DataFrame
        ``Plan.assignment`` (``demand_id``, ``organisation``, ``channel``, ``visits``,
        ``minutes``).

    Returns
    -------
    overall : dict of str to float
        Per ``demand_id`` (as str): the visit-weighted mean of ``minutes`` over rows with
        ``channel == "in_person"`` of all organisations; demand points without in-person
        visits are absent.
    per_org : pandas.DataFrame
        One row per (``demand_id`` as str, ``organisation``) with ``minutes`` (visit-weighted
        mean of in-person rows, NaN without any) and ``in_person``, ``remote``, ``unserved``
        visits.
    """
    channels = ["in_person", "remote", "unserved"]
    cols = ["demand_id", "organisation", "minutes", *channels]
    if assignment is None or not len(assignment):
        return {}, pd.DataFrame(columns=cols)
    a = pd.DataFrame({
        "demand_id": assignment["demand_id"].astype(str),
        "organisation": assignment["organisation"].astype(str),
        "channel": assignment["channel"].astype(str),
        "visits": pd.to_numeric(assignment["visits"], errors="coerce").fillna(0.0),
        "minutes": pd.to_numeric(assignment["minutes"], errors="coerce"),
    })
    inp = a[a["channel"] == "in_person"]
    overall = _weighted_minutes(inp, ["demand_id"])
    per_org = (a.pivot_table(index=["demand_id", "organisation"], columns="channel",
                             values="visits", aggfunc="sum", fill_value=0.0)
               .reindex(columns=channels, fill_value=0.0))
    per_org.columns.name = None
    per_org.insert(0, "minutes", _weighted_minutes(inp, ["demand_id", "organisation"])
                   .reindex(per_org.index))
    return ({str(d): float(v) for d, v in overall.items()},
            per_org.reset_index()[cols].astype({c: float for c in ["minutes", *channels]}))


def plan_isochrones(plan: Plan, problem: Problem, minutes: Sequence[float], *,
                    method: str = "reach", region: Region | None = None,
                    mode: str | None = None, **kwargs: Any) -> gpd.GeoDataFrame:
    """Return the areas within ``minutes`` of each site of the plan with in-person service.

    Parameters
    ----------
    plan : planner.Plan
        Sites with an office, shared premises or a pop-up are drawn.
    problem : planner.Problem
        Its ``sites``, ``demand`` and ``times`` (minutes from each demand point to each
        site within the cut-off).
    minutes : sequence of float
        Time limits, e.g. ``[10]``.
    method : {"reach", "network"}
        ``"reach"`` (fast): the concave hull of the site and the demand points whose
        travel time to it is within the limit, widened by 40 m
        (:func:`planner.network.isochrones.reach_areas`); it outlines where the residents
        who reach the site live. ``"network"``: the street-network isochrone of
        :func:`planner.network.isochrones` on ``region.graphs[mode]``; exact, but slow on
        big graphs (tens of seconds per site on the demo's walking network).
    region : planner.Region, optional
        Needed for ``method="network"``.
    mode : str, optional
        Graph for ``"network"``; default ``"walk"`` if present, else the first graph.
    **kwargs
        Passed to :func:`planner.network.isochrones` (``walk_speed_kmh``, ``max_snap_m``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``site_id``, ``site_name``, ``minutes`` and the area (EPSG:3067), largest limit
        first; sites reaching no one within a limit are left out.
    """
    # planner.network.isochrones (osmnx, scipy) is loaded only when areas are drawn
    from planner.network.isochrones import isochrones

    cols = ["site_id", "site_name", "minutes", "geometry"]
    crs = problem.sites.crs
    dec = plan.open_decisions()
    dec = dec[dec["mode"].isin(IN_PERSON_MODES)].drop_duplicates("site_id")
    limits = sorted({float(x) for x in minutes})
    rows: list[dict[str, Any]] = []
    if method == "network":
        graphs = region.graphs if region is not None else {}
        mode = mode or ("walk" if "walk" in graphs else next(iter(graphs), None))
        if mode in graphs and len(dec) and limits:
            iso = isochrones(graphs[mode], dec.geometry.reset_index(drop=True), limits,
                             **kwargs)
            rows = [{"site_id": dec["site_id"].iloc[r.site],
                     "site_name": dec["site_name"].iloc[r.site], "minutes": r.minutes,
                     "geometry": r.geometry} for r in iso.itertuples()]
    elif method == "reach":
        rows = _reach_rows(dec, problem, limits)
    else:
        raise ValueError(f"method must be 'reach' or 'network', not {method!r}")
    iso = gpd.GeoDataFrame(rows, columns=cols, geometry="geometry", crs=crs)
    iso = iso[~iso.geometry.is_empty].sort_values(["minutes", "site_id"],
                                                  ascending=[False, True])
    return iso.reset_index(drop=True)


def _reach_rows(dec: pd.DataFrame, problem: Problem, limits: list[float]
                ) -> list[dict[str, Any]]:
    """Return ``plan_isochrones(method="reach")``'s areas as rows, per site of ``dec``.

    The sites' demand points within the longest limit are taken from ``problem.times`` (in
    its order) and outlined per limit by ``planner.network.isochrones.reach_areas``.
    """
    from planner.network.isochrones import reach_areas

    pos = problem.site_index()
    site = np.array([int(pos.get(str(s), -1)) for s in dec["site_id"]], dtype=np.int64)
    keep = site >= 0
    ids = dec["site_id"].astype(str).to_numpy()[keep]
    names, site = dec["site_name"].to_numpy()[keep], site[keep]
    if not len(site) or not limits:
        return []
    t = problem.times
    slot = pd.Series(np.arange(len(site)), index=site)
    t = t[t["destination"].isin(slot.index) & (t["minutes"] <= limits[-1])]
    areas = reach_areas(
        shapely.get_coordinates(problem.sites.geometry.to_numpy()[site]),
        shapely.get_coordinates(problem.demand.geometry.representative_point().to_numpy()),
        slot.loc[t["destination"].to_numpy()].to_numpy(),
        t["origin"].to_numpy(dtype=np.int64), t["minutes"].to_numpy(dtype=float), limits)
    return [{"site_id": ids[r.site], "site_name": names[r.site], "minutes": r.minutes,
             "geometry": r.geometry} for r in areas.itertuples()]
