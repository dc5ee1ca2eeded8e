"""A plan's decisions priced line by line, on the one basis today's network is priced on.

Every plan, whether optimised, a planner's proposal or today's network, turns its choices
(which organisation offers which mode at which site) into decisions here, so that today
and a plan are priced alike and every euro of a difference is on a line:

- **premises**: a kept office its floor area at its rent or owner cost; a new office its
  desks at the host's rent, or nothing where they are spare desks of the host's own office
  (that floor area is on the host's line: space is priced once, and the tenant pays the
  host for it under the site's agreement, ``planner.costing.sharing``); staff moved into a host's
  spare desks likewise;
- **shared services**: reception, security, cleaning and ICT of an office, less the
  shared-premises saving where another organisation serves in person at its site;
- **staff**: each organisation's FTE, which move with a closure to its offices in the plan
  (within their desks) and change only by the scenario's ``fte_change``;
- **staff travel** and **sessions** of pop-ups (round trips from the nearest staffed site
  of the plan, host fee and equipment per session); **remote** points; **fit-out** of new
  offices; **closing** (moving, and ending a lease early).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.plan import DECISION_COLUMNS
from planner.problem import costs
from planner.problem.build import Problem
from planner.schema import CRS, IN_PERSON_MODES

#: A choice: (site position, organisation, mode, days per month, action).
Choice = tuple[int, str, str, int, str]


@dataclass
class Priced:
    """Decisions with their cost lines, and what pricing them found."""

    decisions: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)


def plan_fte(problem: Problem, existing: pd.DataFrame | None = None) -> dict[str, float]:
    """Return each organisation's staff (FTE) in a plan: today's, plus the scenario's change.

    ``existing`` is ``problem.existing`` with its cost lines, when the caller has it.
    """
    ex = costs.with_cost_lines(problem.existing) if existing is None else existing
    today = ex.groupby("org")["fte"].sum()
    sc = problem.scenario
    return {o: max(float(today.get(o, 0.0)) + sc.organisations[o].fte_change, 0.0)
            if o in sc.organisations else float(today.get(o, 0.0)) for o in problem.orgs}


def shared_offices(choices: Iterable[Choice]) -> set[tuple[int, str]]:
    """Return the (site, organisation) of the offices in shared premises.

    An office is in shared premises when another organisation serves in person (office or
    pop-up) at the same site.
    """
    at: dict[int, set[str]] = {}
    rows = list(choices)
    for site, org, mode, _, _ in rows:
        if mode in IN_PERSON_MODES:
            at.setdefault(site, set()).add(org)
    return {(site, org) for site, org, mode, _, _ in rows
            if mode in ("office", "shared") and len(at.get(site, ()) - {org}) > 0}


def saving_rank(services: np.ndarray, org_pos: np.ndarray) -> np.ndarray:
    """Return the rank of offices for the shared-premises saving (0 first).

    Larger shared services first, ties by organisation order. At a site the first office's
    shared services serve the others, which save ``costs.shared_saving_share`` of theirs.
    """
    order = np.lexsort((np.asarray(org_pos), -np.asarray(services, dtype=float)))
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return rank


def saving_offices(offices: Mapping[tuple[int, str], float],
                   orgs: list[str]) -> set[tuple[int, str]]:
    """Return the (site, organisation) of the offices that get the shared-premises saving.

    They do where another organisation's office at the site ranks above them
    (:func:`saving_rank`).

    ``offices``: (site, organisation) -> the office's shared services before the saving
    (EUR/year). The site's saving is ``share * (sum of its offices' services - the
    largest)``; the largest office keeps its services whole (they serve the others).
    """
    keys = sorted(offices, key=lambda k: (k[0], orgs.index(k[1]) if k[1] in orgs else len(orgs),
                                          k[1]))
    if not keys:
        return set()
    rank = saving_rank(np.array([offices[k] for k in keys]),
                       np.array([orgs.index(o) if o in orgs else len(orgs) for _, o in keys]))
    top: dict[int, int] = {}
    for (site, _), r in zip(keys, rank, strict=True):
        top[site] = min(top.get(site, r), r)
    return {k for k, r in zip(keys, rank, strict=True) if r != top[k[0]]}


def _place_staff(problem: Problem, ex: pd.DataFrame, choices: list[Choice],
                 extra: Mapping[tuple[str, int], float] | None,
                 notes: list[str]) -> dict[tuple[int, str], float]:
    """Return the FTE working at each (site, organisation) office of the plan.

    A kept office keeps its own staff; a new office gets staff up to its desks; the rest
    (staff of closed offices, the scenario's change) go to the spare desks the model chose
    (``extra``: desks per (organisation, site)) or, without it, to the offices' free desks
    in site order (a kept office's spare desks, a new office's share of its host's). Staff
    who fit nowhere stay at the organisation's first office (``notes`` says so), or with no
    office in the plan at its first closed one.
    """
    sc = problem.scenario
    own = {(int(e.site), e.org): e for e in ex.itertuples()}
    spare = _spare_left(problem, choices)
    staff: dict[tuple[int, str], float] = {}
    for org, total in plan_fte(problem, ex).items():
        dpf = sc.organisations[org].staff_desks_per_fte if org in sc.organisations else 1.0
        offices = sorted({(site, action) for site, o, mode, _, action in choices
                          if o == org and mode in ("office", "shared")})
        left = total
        room: dict[int, float] = {}
        for site, action in offices:
            if action == "keep" and (site, org) in own:
                fte = min(float(own[(site, org)].fte), left)
            else:
                d = sc.organisations[org].desks_per_office
                fte = min(d / dpf if dpf > 0 else left, left)
            staff[(site, org)] = fte
            left -= fte
            room[site] = max(spare[site], 0.0) / dpf if dpf > 0 else np.inf
        if extra is not None:
            for (o, site), desks in sorted(extra.items()):
                if o == org and site in room and left > 1e-9:
                    fte = min(desks / dpf if dpf > 0 else left, left)
                    staff[(site, org)] += fte
                    spare[site] -= fte * dpf
                    room[site] = max(spare[site], 0.0) / dpf if dpf > 0 else np.inf
                    left -= fte
        if left > 1e-9:  # what the model left (rounding) or, without it, everyone moved
            for site in sorted(room):
                fte = min(room[site], left)
                if fte > 1e-9:
                    staff[(site, org)] += fte
                    spare[site] -= fte * dpf
                    left -= fte
        if left > 1e-6:
            first = offices[0][0] if offices else None
            notes.append(_count_unplaced(problem, org, left, first, choices, staff))
    return staff


def _spare_left(problem: Problem, choices: list[Choice]) -> np.ndarray:
    """Return each site's spare desks less those the plan's new offices and pop-ups take."""
    sc = problem.scenario
    spare = problem.sites["spare_desks"].to_numpy(dtype=float).copy()
    for site, org, mode, _, action in choices:  # the host desks others' options take
        if action == "open" and mode in ("office", "shared"):
            spare[site] -= sc.organisations[org].desks_per_office
        elif action == "open" and mode == "popup":
            spare[site] -= sc.costs.popup.desks
    return spare


def _count_unplaced(problem: Problem, org: str, left: float, first: int | None,
                    choices: list[Choice], staff: dict[tuple[int, str], float]) -> str:
    """Count ``left`` FTE of ``org`` without a free desk somewhere; return the note on it.

    They count at the organisation's first office (site ``first``) or, with no office in
    the plan, at its first closed one (if any); ``staff`` is updated in place.
    """
    if first is not None:
        staff[(first, org)] += left
        return (f"{org}: {left:.1f} FTE have no free desk in the plan's offices; "
                f"counted at {problem.sites['site_id'].iloc[first]}")
    closed = sorted(s for s, o, mode, _, _ in choices if o == org and mode == "closed")
    where = (problem.sites["site_id"].iloc[closed[0]] if closed else None)
    if where is not None:
        staff[(closed[0], org)] = left
    return (f"{org}: no staffed site in the plan; its {left:.1f} FTE are "
            f"still paid" + (f" (counted at closed {where})" if where else ""))


def price_decisions(problem: Problem, choices: Iterable[Choice],
                    extra_desks: Mapping[tuple[str, int], float] | None = None) -> Priced:
    """Price a plan's decisions: return them with their cost lines.

    Parameters
    ----------
    problem : Problem
    choices : iterable of (site position, organisation, mode, days per month, action)
        ``mode`` is ``office`` (``shared`` is decided here), ``popup``, ``remote`` or
        ``closed``; ``action`` is ``keep`` (an existing office stays), ``open`` or
        ``close``.
    extra_desks : mapping, optional
        (organisation, site position) -> host desks its moved staff take (the model's
        choice); without it staff fill the offices' free desks in site order.

    Returns
    -------
    Priced
        ``decisions`` with ``DECISION_COLUMNS`` (``annual_cost_eur`` the sum of the cost
        lines ``planner.problem.costs.COST_LINES``; ``visits`` 0, filled by the caller), in
        EPSG:3067, sorted by site and organisation; ``notes`` on staff without desks.
    """
    sc = problem.scenario
    sites = problem.sites
    rows = sorted(set(choices), key=lambda r: (r[0], problem.orgs.index(r[1])))
    ex = costs.with_cost_lines(problem.existing)
    own = {(int(e.site), e.org): e for e in ex.itertuples()}
    notes: list[str] = []
    shared = shared_offices(rows)
    staff = _place_staff(problem, ex, rows, extra_desks, notes)
    bases: dict[str, list[int]] = {}
    for site, org, mode, _, _ in rows:
        if mode in ("office", "shared"):
            bases.setdefault(org, []).append(site)
    trips = costs.roundtrips(bases, list(sites["site_id"].astype(str)), problem.site_times)
    rent = sites["rent_eur_m2_year"].to_numpy(dtype=float)
    in_host = costs.host_premises(sites, ex)
    fitout = sites["fitout_eur"].to_numpy(dtype=float)
    out = []
    for site, org, mode, days, action in rows:
        line = dict.fromkeys(costs.COST_LINES, 0.0)
        fte = staff.get((site, org), 0.0)
        line["staff_eur"] = costs.staff_cost(sc, org, fte) if org in sc.organisations else 0.0
        if mode == "closed":
            e = own.get((site, org))
            line["closing_eur"] = costs.closing_cost(sc) + (
                costs.termination_cost(sc, e.lease_end, float(e.premises_eur)) if e else 0.0)
        elif mode in ("office", "shared"):
            is_shared = (site, org) in shared
            mode = "shared" if is_shared else "office"
            o = sc.organisations[org]
            if action == "keep" and (site, org) in own:
                e = own[(site, org)]
                line["premises_eur"] = float(e.premises_eur)
                line["services_eur"] = float(e.services_eur)
            else:
                dpf = o.staff_desks_per_fte
                desks = max(float(o.desks_per_office), fte * dpf)
                line.update(costs.tenant_lines(sc, org, desks,
                                               0.0 if in_host[site] else rent[site],
                                               fitout[site]))
        elif mode == "popup":
            line.update(costs.popup_lines(sc, days, trips.get((org, site), 0.0)))
        else:
            line["remote_eur"] = sc.costs.remote.eur_per_year
        total = float(sum(line.values()))
        out.append({"site": site, "organisation": org, "mode": mode,
                    "days_per_month": int(days) if mode == "popup" else 0, "action": action,
                    "annual_cost_eur": total, "visits": 0.0, "staff_fte": fte, **line})
    # the shared-premises saving: where offices of two or more organisations share a
    # site, the largest office's shared services serve the others, which save a share of
    # their own (pricing and the model follow the same rule)
    full = {(r["site"], r["organisation"]): r["services_eur"] for r in out
            if r["mode"] in ("office", "shared")}
    saving = saving_offices(full, problem.orgs)
    for r in out:
        if (r["site"], r["organisation"]) in saving and r["mode"] in ("office", "shared"):
            cut = sc.costs.shared_saving_share * r["services_eur"]
            r["services_eur"] -= cut
            r["annual_cost_eur"] -= cut
    dec = pd.DataFrame(out, columns=["site", "organisation", "mode", "days_per_month",
                                     "action", "annual_cost_eur", "visits", "staff_fte",
                                     *costs.COST_LINES])
    pos = dec["site"].to_numpy(dtype=int)
    dec.insert(0, "site_id", sites["site_id"].astype(str).to_numpy()[pos])
    dec.insert(1, "site_name", sites["name"].to_numpy()[pos])
    dec.insert(2, "host_org", sites["host_org"].to_numpy()[pos])
    dec.insert(3, "host_agreement", (sites["host_agreement"].astype(str).to_numpy()[pos]
                                     if "host_agreement" in sites.columns else "yes"))
    for col in ("annual_cost_eur", "staff_fte", *costs.COST_LINES):
        dec[col] = dec[col].astype(float).round(2)
    geom = sites.geometry.to_numpy()[pos]
    return Priced(gpd.GeoDataFrame(dec[list(DECISION_COLUMNS)], geometry=list(geom), crs=CRS),
                  notes)


def savings(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Return the difference between two plans' costs, line by line and per organisation.

    Parameters
    ----------
    before, after : pandas.DataFrame
        Decisions of today's network and of the plan (with the ``COST_LINES`` columns).

    Returns
    -------
    pandas.DataFrame
        One row per organisation and line plus ``total`` rows, and an ``all`` organisation:
        ``organisation``, ``line``, ``today_eur``, ``plan_eur``, ``change_eur`` (plan -
        today) and ``saving_eur`` (today - plan). Each organisation's lines add up to its
        total, and the totals to the difference of the plans' ``annual_cost_eur``; the
        line ``other`` holds cost not on a line (a plan made by hand with only
        ``annual_cost_eur``), 0 for every plan priced by :func:`price_decisions`.
    """
    lines = [*costs.COST_LINES, "other_eur"]

    def by_org(dec: pd.DataFrame) -> pd.DataFrame:
        d = pd.DataFrame(dec)
        for c in costs.COST_LINES:
            if c not in d.columns:
                d[c] = 0.0
        # a plan from a file without lines (made by hand): its cost not on a line
        d["other_eur"] = d["annual_cost_eur"] - d[list(costs.COST_LINES)].sum(axis=1)
        return d.groupby("organisation")[lines].sum()

    b, a = by_org(before), by_org(after)
    orgs = sorted(set(b.index) | set(a.index))
    b, a = b.reindex(orgs).fillna(0.0), a.reindex(orgs).fillna(0.0)
    b.loc["all"], a.loc["all"] = b.sum(), a.sum()
    rows = []
    for org in [*orgs, "all"]:
        for line in [*lines, "total"]:
            t = float(b.loc[org].sum() if line == "total" else b.at[org, line])
            p = float(a.loc[org].sum() if line == "total" else a.at[org, line])
            rows.append({"organisation": org, "line": line.removesuffix("_eur"),
                         "today_eur": round(t, 2), "plan_eur": round(p, 2),
                         "change_eur": round(p - t, 2), "saving_eur": round(t - p, 2)})
    return pd.DataFrame(rows)
