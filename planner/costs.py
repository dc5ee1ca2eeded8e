"""The cost model: annual cost of each service option an organisation can take at a site.

Every figure is euros per year. One-off costs (fit-out, closing) are spread over
``costs.fitout_amortisation_years``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from planner.plan import COST_LINE_COLUMNS
from planner.scenario import Scenario

#: Columns of the option table (one row per organisation, site, mode and days level).
OPTION_COLUMNS = ("org", "site", "mode", "days", "cost_eur", "capacity_visits", "host_desks",
                  "in_person", "keep", "saving_eur", "travel_eur")
#: Cost lines of a decision (EUR/year); a decision's ``annual_cost_eur`` is their sum.
COST_LINES: tuple[str, ...] = tuple(COST_LINE_COLUMNS)


def tenant_lines(scenario: Scenario, org: str, desks: float, rent_eur_m2_year: float,
                 fitout_eur: float) -> dict[str, float]:
    """Cost lines of an office of ``org`` at a host site with ``desks`` desks: their floor
    area (``costs.desk_m2`` each) at the site's rent, the office's shared services
    (``office_fixed_eur_year``) and the fit-out spread over the amortisation period. Staff
    are priced where they are counted (:func:`staff_cost`)."""
    o = scenario.organisations[org]
    c = scenario.costs
    return {"premises_eur": desks * c.desk_m2 * rent_eur_m2_year,
            "services_eur": o.office_fixed_eur_year,
            "fitout_eur": fitout_eur / c.fitout_amortisation_years}


def tenant_office_cost(scenario: Scenario, org: str, rent_eur_m2_year: float,
                       fitout_eur: float) -> float:
    """Annual cost of a new office of ``org`` at a site (its ``desks_per_office``):
    premises, shared services and fit-out (:func:`tenant_lines`), staff not included."""
    desks = scenario.organisations[org].desks_per_office
    return sum(tenant_lines(scenario, org, desks, rent_eur_m2_year, fitout_eur).values())


def extra_desk_cost(scenario: Scenario, rent_eur_m2_year: float) -> float:
    """Annual premises cost of one more desk at a host site (staff moved in)."""
    return scenario.costs.desk_m2 * rent_eur_m2_year


def popup_lines(scenario: Scenario, days_per_month: int,
                roundtrip_min: float = 0.0) -> dict[str, float]:
    """Cost lines of a pop-up with ``days_per_month`` sessions a month: each session's host
    fee and equipment (``costs.popup.eur_per_session``) and the staff's round trip of
    ``roundtrip_min`` minutes from their base at ``costs.popup.staff_travel_eur_per_hour``.
    The session's own staff time is in the staff line (the staff work there instead)."""
    c = scenario.costs.popup
    sessions = days_per_month * 12
    return {"sessions_eur": sessions * c.eur_per_session,
            "staff_travel_eur": sessions * c.staff_travel_eur_per_hour * roundtrip_min / 60.0}


def popup_cost(scenario: Scenario, days_per_month: int,
               roundtrip_min: float = 0.0) -> float:
    """Annual cost of a pop-up present ``days_per_month`` days a month
    (:func:`popup_lines`)."""
    return sum(popup_lines(scenario, days_per_month, roundtrip_min).values())


def staff_cost(scenario: Scenario, org: str, fte: float) -> float:
    """Annual cost of ``fte`` of ``org``'s staff."""
    return fte * scenario.organisations[org].staff_eur_fte_year


def _positions(ids: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each id in ``index`` (-1 if absent); fast for categorical ids."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        return index.get_indexer(ids.cat.categories.astype(str))[ids.cat.codes.to_numpy()]
    return index.get_indexer(ids.astype(str))


def roundtrips(bases: dict[str, list[int]], site_ids: list[str],
               site_times: pd.DataFrame | None) -> dict[tuple[str, int], float]:
    """Minutes from each organisation's nearest base to each site and back.

    Parameters
    ----------
    bases : dict
        Organisation -> site positions of its staffed sites.
    site_ids : list of str
        Site ids by position.
    site_times : pandas.DataFrame or None
        ``from``, ``to`` (site ids), ``minutes``.

    Returns
    -------
    dict
        (organisation, site position) -> minutes (0 at a base); pairs without a time are
        absent.
    """
    if site_times is None or not bases:
        return {}
    n = len(site_ids)
    index = pd.Index(site_ids)
    f, t = (_positions(site_times[c], index) for c in ("from", "to"))
    m = site_times["minutes"].to_numpy(dtype=float)
    ok = (f >= 0) & (t >= 0)
    f, t, m = f[ok], t[ok], m[ok]
    out: dict[tuple[str, int], float] = {}
    for org in sorted(bases):
        at = np.unique(np.asarray(bases[org], dtype=np.int64))
        if not at.size:
            continue
        bpos = np.full(n, -1, dtype=np.int64)
        bpos[at] = np.arange(at.size)
        go = np.full((at.size, n), np.inf)  # base -> site
        back = np.full((at.size, n), np.inf)  # site -> base
        sel = bpos[f] >= 0
        go[bpos[f[sel]], t[sel]] = m[sel]
        sel = bpos[t] >= 0
        back[bpos[t[sel]], f[sel]] = m[sel]
        trip = go + back
        trip[np.arange(at.size), at] = 0.0  # the base itself
        best = trip.min(axis=0)
        for pos in np.flatnonzero(np.isfinite(best)):
            out[(str(org), int(pos))] = float(best[pos])
    return out


def staff_roundtrips(existing: pd.DataFrame, site_ids: list[str],
                     site_times: pd.DataFrame | None) -> dict[tuple[str, int], float]:
    """Minutes from each organisation's nearest current office to each site and back
    (:func:`roundtrips` with today's offices as the bases)."""
    if not len(existing):
        return {}
    bases = {str(o): g["site"].astype(int).tolist() for o, g in existing.groupby("org")}
    return roundtrips(bases, site_ids, site_times)


def shared_saving(scenario: Scenario, org: str) -> float:
    """Annual saving of an office of ``org`` in shared premises: ``shared_saving_share`` of
    its shared services (reception, security, cleaning, ICT)."""
    return scenario.costs.shared_saving_share * scenario.organisations[org].office_fixed_eur_year


def closing_cost(scenario: Scenario) -> float:
    """Annualised one-off cost of closing an existing office (moving staff and equipment)."""
    return scenario.costs.closing_eur / scenario.costs.fitout_amortisation_years


def termination_cost(scenario: Scenario, lease_end: str, premises_eur: float) -> float:
    """Annualised cost of ending a lease before ``lease_end``: ``early_termination_years``
    of the premises cost, one-off, when the lease runs past ``horizon_end`` (else 0)."""
    years = scenario.costs.early_termination_years
    if not lease_end or lease_end <= scenario.horizon_end or years is None:
        return 0.0
    return years * premises_eur / scenario.costs.fitout_amortisation_years


def host_usable(scenario: Scenario, sites: pd.DataFrame) -> np.ndarray:
    """Boolean per site: other organisations may take an office, a pop-up or a remote
    point there (its host is a partner, or has agreed; see ``planner.hosts``). A site
    table without ``host_agreement`` (built in code, not by a loader) counts as agreed."""
    from planner.hosts import usable_hosts

    host = sites["host_org"].astype(str).to_numpy()
    if "host_agreement" not in sites.columns:  # a table built in code: taken as agreed
        return np.ones(len(sites), dtype=bool)
    return np.asarray(usable_hosts(host, sites["host_agreement"].astype(str).to_numpy(),
                                   suggestions=scenario.hosts.suggestions), dtype=bool)


def option_table(scenario: Scenario, sites: pd.DataFrame, existing: pd.DataFrame,
                 site_times: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every service option each organisation can take at each candidate site.

    Parameters
    ----------
    scenario : Scenario
    sites : pandas.DataFrame
        Candidate sites by position, with ``host_org``, ``spare_desks``,
        ``rent_eur_m2_year``, ``fitout_eur`` (and ``host_agreement``).
    existing : pandas.DataFrame
        Existing offices: ``org``, ``site`` (position), ``premises_eur``, ``services_eur``
        (or only ``annual_cost_eur``), ``desks``.
    site_times : pandas.DataFrame, optional
        Staff travel between sites (``from``, ``to``, ``minutes``), to price pop-up
        sessions' travel from the organisation's nearest current office.

    Returns
    -------
    pandas.DataFrame
        Columns ``OPTION_COLUMNS``: ``org`` (key), ``site`` (position), ``mode`` (office,
        popup, remote), ``days`` (pop-up days per month, else 0), ``cost_eur`` (premises,
        shared services, fit-out, sessions and staff travel; staff are the same in every
        plan and priced apart), ``capacity_visits`` (per year), ``host_desks`` (spare desks
        of the host it takes), ``in_person``, ``keep`` (the option keeps an existing
        office), ``saving_eur`` (an office's shared-premises saving: a share of its own
        shared services) and ``travel_eur`` (a pop-up's staff travel, part of
        ``cost_eur``). Other organisations' options are offered only at usable hosts
        (:func:`host_usable`).
    """
    from planner.problem import with_cost_lines

    c = scenario.costs
    existing = with_cost_lines(existing)
    own = {(r.org, r.site): r for r in existing.itertuples()}
    trips = staff_roundtrips(existing, list(sites["site_id"].astype(str)), site_times)
    usable = host_usable(scenario, sites)
    share = c.shared_saving_share
    rows: list[tuple] = []
    for org, o in scenario.organisations.items():
        for s, site in enumerate(sites.itertuples()):
            if (org, s) in own:
                e = own[(org, s)]
                rows.append((org, s, "office", 0, float(e.premises_eur + e.services_eur),
                             float(e.desks) * o.visits_per_desk_year, 0, True, True,
                             share * float(e.services_eur), 0.0))
                continue
            if not usable[s]:
                continue
            spare = int(site.spare_desks)
            if spare >= o.desks_per_office:
                rows.append((org, s, "office", 0,
                             tenant_office_cost(scenario, org, site.rent_eur_m2_year,
                                                site.fitout_eur),
                             o.desks_per_office * o.visits_per_desk_year, o.desks_per_office,
                             True, False, shared_saving(scenario, org), 0.0))
            if o.can_popup and spare >= c.popup.desks:
                for d in sorted(set(c.popup.days_per_month)):
                    line = popup_lines(scenario, d, trips.get((org, s), 0.0))
                    rows.append((org, s, "popup", d, sum(line.values()),
                                 d * 12 * c.popup.visits_per_day, c.popup.desks, True, False,
                                 0.0, line["staff_travel_eur"]))
            if o.can_remote:
                rows.append((org, s, "remote", 0, c.remote.eur_per_year,
                             c.remote.visits_per_year, 0, False, False, 0.0, 0.0))
    return pd.DataFrame(rows, columns=list(OPTION_COLUMNS))


# ------------------------------------------------------------------ cost sharing

#: Ways of splitting the annual cost of shared premises among its organisations.
SPLIT_METHODS = ("desks", "visits", "shapley", "equal", "core")


def site_game(alone: dict[str, float], saving: dict[str, float]
              ) -> Callable[[frozenset[str]], float]:
    """The co-location game of one site: what each coalition of organisations pays there.

    A coalition of one pays its stand-alone cost at the site; a coalition of two or more
    shares the premises, so each member with an office there saves its shared-premises
    saving (reception, security, ICT). ``c(T) = sum alone - [|T| >= 2] sum saving``.

    Parameters
    ----------
    alone : dict
        Organisation -> annual cost of its option at the site without sharing (EUR/year).
    saving : dict
        Organisation -> annual saving of its office when the premises are shared (0 for a
        pop-up).

    Returns
    -------
    callable
        ``c(coalition) -> EUR/year``.
    """
    def cost(coalition: frozenset[str]) -> float:
        members = sorted(coalition)  # a set's order varies by run: sums in a fixed order
        total = sum(alone[o] for o in members)
        if len(members) >= 2:
            total -= sum(saving.get(o, 0.0) for o in members)
        return total

    return cost


def shapley(players: list[str], cost: Callable[[frozenset[str]], float]) -> dict[str, float]:
    """Shapley value of a cost game by the subset formula (exact; fine up to ~15 players).

    ``phi_i = sum_{T not containing i} |T|! (n-|T|-1)! / n! (c(T + i) - c(T))``.
    """
    n = len(players)
    out = {}
    for i in players:
        others = [p for p in players if p != i]
        total = 0.0
        for k in range(n):
            weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
            for t in itertools.combinations(others, k):
                s = frozenset(t)
                total += weight * (cost(s | {i}) - cost(s))
        out[i] = total
    return out


def core_violations(players: list[str], cost: Callable[[frozenset[str]], float],
                    shares: dict[str, float], tol: float = 1e-6) -> list[str]:
    """Coalitions that pay more under ``shares`` than on their own (outside the core)."""
    bad = []
    for k in range(1, len(players)):
        for t in itertools.combinations(players, k):
            paid = sum(shares[o] for o in t)
            alone = cost(frozenset(t))
            if paid > alone + tol:
                bad.append(f"{'+'.join(t)} pays {paid:,.0f} > {alone:,.0f} on its own")
    return bad


def core_nearest(players: list[str], cost: Callable[[frozenset[str]], float],
                 target: dict[str, float]) -> dict[str, float] | None:
    """The core allocation nearest to ``target`` (least total absolute difference).

    Solves ``min sum |x - target|`` s.t. ``sum x = c(all)`` and ``sum_{T} x <= c(T)`` for
    every coalition T (scipy's HiGHS LP). None when the core is empty.
    """
    n = len(players)
    coalitions = [t for k in range(1, n) for t in itertools.combinations(range(n), k)]
    # variables: x (n), d (n) with d >= |x - target|
    c_obj = np.concatenate([np.zeros(n), np.ones(n)])
    a_ub, b_ub = [], []
    for t in coalitions:
        row = np.zeros(2 * n)
        row[list(t)] = 1.0
        a_ub.append(row)
        b_ub.append(cost(frozenset(players[i] for i in t)))
    tgt = np.array([target[o] for o in players])
    for i in range(n):
        for sign in (1.0, -1.0):  # sign (x_i - t_i) <= d_i
            row = np.zeros(2 * n)
            row[i], row[n + i] = sign, -1.0
            a_ub.append(row)
            b_ub.append(sign * tgt[i])
    a_eq = np.concatenate([np.ones(n), np.zeros(n)])[None, :]
    res = linprog(c_obj, A_ub=np.array(a_ub), b_ub=np.array(b_ub), A_eq=a_eq,
                  b_eq=[cost(frozenset(players))], bounds=[(None, None)] * n + [(0, None)] * n,
                  method="highs")
    if res.status != 0:
        return None
    return {o: float(v) for o, v in zip(players, res.x[:n], strict=True)}


def split_costs(players: list[str], cost: Callable[[frozenset[str]], float],
                desks: dict[str, float], visits: dict[str, float]) -> pd.DataFrame:
    """Split a shared site's cost ``c(all)`` by desks, by visits, by Shapley, equally, and
    by the core allocation nearest to Shapley (empty when the core is).

    Returns
    -------
    pandas.DataFrame
        One row per (method, organisation): ``share_eur``, ``alone_eur`` (what it pays on
        its own), ``saving_eur`` and ``in_core`` (False for every member of a split that
        leaves some coalition worse off than on its own; ``core_note`` says which).
    """
    total = cost(frozenset(players))
    splits: dict[str, dict[str, float]] = {}
    for method, weights in (("desks", desks), ("visits", visits)):
        w = np.array([max(float(weights.get(o, 0.0)), 0.0) for o in players])
        w = w / w.sum() if w.sum() > 0 else np.full(len(players), 1 / len(players))
        splits[method] = {o: total * float(x) for o, x in zip(players, w, strict=True)}
    splits["shapley"] = shapley(players, cost)
    splits["equal"] = {o: total / len(players) for o in players}
    core = core_nearest(players, cost, splits["shapley"])
    splits["core"] = core or {o: float("nan") for o in players}
    rows = []
    for method in SPLIT_METHODS:
        shares = splits[method]
        bad = (core_violations(players, cost, shares) if core is not None or method != "core"
               else ["the core is empty: every split leaves some coalition worse off"])
        for o in players:
            alone = cost(frozenset([o]))
            rows.append({"method": method, "organisation": o, "share_eur": shares[o],
                         "alone_eur": alone, "saving_eur": alone - shares[o],
                         "in_core": not bad, "core_note": "; ".join(bad)})
    return pd.DataFrame(rows)


def cost_sharing(decisions: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Cost splits of every shared site of a plan.

    Parameters
    ----------
    decisions : pandas.DataFrame
        A plan's decisions (``site_id``, ``organisation``, ``mode``, ``annual_cost_eur``,
        ``visits``, ``action``).
    scenario : Scenario

    Returns
    -------
    pandas.DataFrame
        :func:`split_costs` rows with a leading ``site_id`` column, for every shared
        premise with a saving to share: two or more organisations in person and at least
        one office there (pop-ups alone share no running costs, so there is nothing to
        split).
    """
    d = decisions[decisions["mode"].isin(["office", "shared", "popup"])]
    frames = []
    for site, g in d.groupby("site_id", sort=True):
        if g["organisation"].nunique() < 2 or not (g["mode"] == "shared").any():
            continue
        players = list(g["organisation"])
        share = scenario.costs.shared_saving_share
        services = (g["services_eur"] if "services_eur" in g.columns
                    else pd.Series(np.nan, index=g.index))
        # the saving a shared office got: a share of its own shared services (the
        # decision holds them after the saving), the organisation's default without them
        saving = {o: (float(v) * share / (1 - share) if share < 1 and float(v) > 0
                      else shared_saving(scenario, o)) if m == "shared" else 0.0
                  for o, m, v in zip(g["organisation"], g["mode"], services, strict=True)}
        # the plan's cost of a shared office already has the saving taken off; staff are
        # each organisation's own and not part of the premises' cost
        staff = g["staff_eur"] if "staff_eur" in g.columns else 0.0
        own = (g["annual_cost_eur"] - staff).astype(float)
        alone = {o: float(c) + saving[o]
                 for o, c in zip(g["organisation"], own, strict=True)}
        desks = {o: (scenario.organisations[o].desks_per_office if m == "shared"
                     else scenario.costs.popup.desks)
                 for o, m in zip(g["organisation"], g["mode"], strict=True)}
        visits = dict(zip(g["organisation"], g["visits"].astype(float), strict=True))
        split = split_costs(players, site_game(alone, saving), desks, visits)
        split.insert(0, "site_id", site)
        frames.append(split)
    cols = ["site_id", "method", "organisation", "share_eur", "alone_eur", "saving_eur",
            "in_core", "core_note"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
