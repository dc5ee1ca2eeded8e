"""Shared-premises agreements (yhteispalvelusopimus) and how their cost is split.

Where organisations serve in the same premises, one agreement per site says who the host
is, what each party uses (its own floor area, its part of the common space, its
desk-days), the annual fee each party pays the host, the term and who pays a tenant's
fit-out. What is split is the site's **premises and shared services** only (rent or
owner cost with upkeep, reception, security, cleaning, ICT: the ``premises`` and
``services`` lines of the offices there), never an organisation's own staff or
operating cost.

The keys (``SPLIT_METHODS``):

- ``floor_area``, the cost-price principle (omakustannusperiaate, Act 223/2007 on shared
  customer service): each party pays its own floor area at the site's cost per m2, and
  the common space and shared services in proportion to its desk-days;
- ``desk_days``, ``visits``: the whole cost in proportion to desk-days or visits;
- ``equal``: the same for every party;
- ``shapley`` and ``nucleolus`` of the site's premises game (:func:`site_game`): the
  fair-division references a negotiation is held against (``planner.costing.games``).

Each split is checked against the core: no party or group pays more than it would on its
own. The agreed key (``sharing.key``) sets the fees; the host's income from them is
credited to the host, so every organisation's budget and the joint budget (their sum,
the chain cost) add up (:func:`budgets`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.costing import games
from planner.costing.cents import largest_remainder
from planner.costing.pricing import saving_rank
from planner.problem.build import Problem
from planner.problem.costs import COST_LINES, with_cost_lines
from planner.schema import IN_PERSON_MODES

#: Keys of a split, in report order.
SPLIT_METHODS = ("floor_area", "desk_days", "visits", "equal", "shapley", "nucleolus")
#: Columns of :func:`cost_sharing`.
SPLIT_COLUMNS = ("site_id", "method", "organisation", "share_eur", "alone_eur",
                 "saving_eur", "in_core", "core_note")
#: Columns of :func:`agreements`.
AGREEMENT_COLUMNS = (
    "site_id", "site_name", "host_org", "organisation", "role", "mode", "days_per_month",
    "own_m2", "common_m2", "desk_days", "visits", "site_cost_eur", "key", "share_eur",
    "fee_eur", "income_eur", "net_eur", "term_end", "fitout_eur", "fitout_paid_by")
#: Columns of :func:`budgets`.
BUDGET_COLUMNS = ("organisation", "today_eur", "lines_eur", "fees_paid_eur",
                  "fees_received_eur", "fitout_moved_eur", "budget_eur", "change_eur")


@dataclass
class Party:
    """One organisation serving in person at a shared site, as the split sees it."""

    org: str
    role: str  # host (its own office there), tenant (an office), popup
    mode: str
    days: int
    desks: float
    own_m2: float
    desk_days: float
    visits: float
    premises: float  # its premises line at the site (0 for a tenant in a host's desks)
    services: float  # its shared services at the site, after the saving
    services_full: float  # before the saving
    space: float  # the space it would rent without the host (a pop-up: and services)
    rank: int  # shared-saving rank of an office (0 first), -1 for a pop-up
    fitout: float
    source_services: float = 0.0  # what its services were priced from (saving rank)


@dataclass
class Site:
    """A site with an agreement: its host, parties and the cost they split."""

    site_id: str
    site_name: str
    host_org: str
    host_office: bool  # the host has an office of its own there (its floor holds the desks)
    floor_m2: float
    cost_per_m2: float
    common_m2: float
    term_end: str
    parties: list[Party]

    @property
    def cost(self) -> float:
        """The premises and shared services the parties split (EUR/year)."""
        return float(sum(p.premises + p.services for p in self.parties))


def site_game(site: Site, share: float) -> Callable[[frozenset[str]], float]:
    """Return the premises game of one site.

    The game's value of a coalition of its parties is what it would pay for the premises and
    shared services it needs together.

    A coalition with the host needs the host's premises (their floor area holds every
    party's desks); without it, each member rents its own floor area at the site's rent
    (a pop-up its desk-days, with its organisation's shared services per desk-day). A
    party's own premises line (an office of its own at the site) counts either way. The
    shared services of its offices are those of the largest, whose services serve the
    others, each of which saves ``share`` of its own: ``sum s - share (sum s - max s)``
    (pop-ups bring none). The game is concave when the host's premises hold the others'
    desks, so its core is not empty and holds the Shapley value and the nucleolus.

    Parameters
    ----------
    site : Site
    share : float
        ``costs.shared_saving_share``.

    Returns
    -------
    callable
        ``c(coalition of organisations) -> EUR/year``; the coalition of all costs
        ``site.cost``.
    """
    by_org = {p.org: p for p in site.parties}

    def cost(coalition: frozenset[str]) -> float:
        members = [by_org[o] for o in sorted(coalition)]  # a fixed order: exact sums
        hosted = any(p.role == "host" for p in members)
        premises = sum(p.premises + (0.0 if hosted else p.space) for p in members)
        offices = sorted((p for p in members if p.rank >= 0), key=lambda p: p.rank)
        services = sum(p.services_full for p in offices)
        if offices:
            services -= share * (services - offices[0].services_full)
        return float(premises + services)

    return functools.cache(cost)  # every key and core check asks for the same coalitions


def _line(row: object, name: str) -> float:
    """Return a decision's cost line (0 when the plan has no such column or value)."""
    v = getattr(row, name, 0.0)
    return 0.0 if v is None or pd.isna(v) else float(v)


def _other(row: object) -> float:
    """Return a decision's cost not on any line, taken as premises.

    Only a plan made by hand with only its total has such a cost: it is 0 for every plan
    priced by ``planner.costing.pricing``.
    """
    lines = sum(_line(row, c) for c in COST_LINES)
    return max(_line(row, "annual_cost_eur") - lines, 0.0)


def _weights(values: list[float]) -> np.ndarray:
    w = np.array([max(float(v), 0.0) for v in values])
    return w / w.sum() if w.sum() > 0 else np.full(len(values), 1.0 / len(values))


def splits(site: Site, share: float) -> dict[str, dict[str, float]]:
    """Return every key's shares of ``site.cost`` (method -> organisation -> EUR/year)."""
    total = site.cost
    orgs = [p.org for p in site.parties]
    out: dict[str, dict[str, float]] = {}
    dd = _weights([p.desk_days for p in site.parties])
    common = site.common_m2 * site.cost_per_m2 + sum(p.services for p in site.parties)
    # own floor area at the host's cost per m2 (the host's premises spread over its
    # floor), a premises line of a party's own on top, common space and services by use
    per_m2 = site.cost_per_m2 if site.host_office else 0.0
    out["floor_area"] = {p.org: p.own_m2 * per_m2 + (p.premises if p.role != "host" else 0.0)
                         + common * float(w) for p, w in zip(site.parties, dd, strict=True)}
    out["desk_days"] = {o: total * float(w) for o, w in zip(orgs, dd, strict=True)}
    vw = _weights([p.visits for p in site.parties])
    out["visits"] = {o: total * float(w) for o, w in zip(orgs, vw, strict=True)}
    out["equal"] = {o: total / len(orgs) for o in orgs}
    game = site_game(site, share)
    out["shapley"] = games.shapley(orgs, game)
    out["nucleolus"] = games.nucleolus(orgs, game)
    return out


def _popup_party(problem: Problem, r: Any, rent: float) -> Party:
    """Return the party of a pop-up in a host office's premises.

    It uses its desks on its sessions' days; on its own it would need an office of its own
    at this site's rent with its organisation's shared services, per desk-day.
    """
    sc = problem.scenario
    org = sc.organisations.get(str(r.organisation))
    days_year = sc.sharing.working_days_per_year
    desks = float(sc.costs.popup.desks)
    dd = desks * float(r.days_per_month) * 12
    per_day = (sc.costs.desk_m2 * rent
               + (org.office_fixed_eur_year / org.desks_per_office if org else 0.0)) / days_year
    return Party(str(r.organisation), "popup", "popup", int(r.days_per_month), desks,
                 sc.costs.desk_m2 * dd / days_year, dd, float(r.visits),
                 _line(r, "premises_eur") + _other(r), 0.0, 0.0, dd * per_day, -1, 0.0)


def _office_party(problem: Problem, r: Any, e: Any, role: str, host_office: bool,
                  rent: float) -> Party:
    """Return the party of an office at a shared site.

    ``e`` is the organisation's existing office there, or None. The party has its desks,
    floor area (a tenant in a host office's desks: desks x ``costs.desk_m2``; the host's is
    set by :func:`_host_floor`; elsewhere its own floor or its premises at the site's rent)
    and lines.
    """
    sc = problem.scenario
    org = sc.organisations.get(str(r.organisation))
    kept = e is not None and r.action == "keep"
    desks = (float(e.desks) if kept else
             max(float(org.desks_per_office) if org else 0.0,
                 float(r.staff_fte) * (org.staff_desks_per_fte if org else 1.0)))
    premises = _line(r, "premises_eur") + _other(r)  # a hand plan: cost off the lines
    services = _line(r, "services_eur")
    if role == "host":
        own_m2 = 0.0
    elif host_office:
        own_m2 = desks * sc.costs.desk_m2
    else:
        own_m2 = ((float(getattr(e, "floor_m2", 0.0) or 0.0) if kept else 0.0)
                  or (premises / rent if rent > 0 else 0.0))
    return Party(str(r.organisation), role, str(r.mode), 0, desks, own_m2,
                 desks * sc.sharing.working_days_per_year, float(r.visits), premises,
                 services, services, own_m2 * rent if role == "tenant" and host_office else 0.0,
                 0, _line(r, "fitout_eur"),
                 # what pricing priced the services from (the saving's rank follows it)
                 float(e.services_eur) if kept else
                 float(org.office_fixed_eur_year) if org else services)


def _rank_offices(problem: Problem, parties: list[Party]) -> None:
    """Set each office's shared-saving rank and its services before the saving.

    By the pricing rule (:func:`planner.costing.pricing.saving_rank`, as
    :func:`planner.costing.pricing.saving_offices` applies it: the line is after the saving, which
    every office but the first-ranked got).
    """
    offices = [p for p in parties if p.role != "popup"]
    orgs = problem.orgs
    pos = np.array([orgs.index(p.org) if p.org in orgs else len(orgs) for p in offices])
    rank = saving_rank(np.array([p.source_services for p in offices]), pos)
    share = problem.scenario.costs.shared_saving_share
    for p, r in zip(offices, rank, strict=True):
        p.rank = int(r)
        if r > 0 and share < 1:
            p.services_full = p.services / (1 - share)


def _host_floor(problem: Problem, parties: list[Party], floor: float,
                rent: float) -> tuple[float, float, float]:
    """Return (floor m2, cost per m2, common m2) of a host office's premises.

    The host's own m2 is what the others' floor area and the common space leave of it.
    """
    host = next(p for p in parties if p.role == "host")
    if floor <= 0:
        floor = host.premises / rent if rent > 0 else 0.0
    per_m2 = host.premises / floor if floor > 0 else 0.0
    common = problem.scenario.sharing.common_space_share * floor
    others = sum(p.own_m2 for p in parties if p.role != "host")
    host.own_m2 = max(floor - common - others, 0.0)
    return floor, per_m2, common


def shared_sites(decisions: pd.DataFrame, problem: Problem) -> list[Site]:
    """Return the sites of a plan that need an agreement.

    A site needs one where another organisation serves in person in the host's premises (its
    own office there, or a site it hosts), or where two or more organisations serve in
    person.

    Each party's floor area: a tenant in a host office's spare desks its desks x
    ``costs.desk_m2``, carved out of the host's floor area; a pop-up its desks for its
    sessions' share of the working days; the host the rest, less the common space
    (``sharing.common_space_share`` of its floor area). At a site without a host office
    each office's floor area is its premises at the site's rent, and pop-ups pay their
    own way per session (they are no party to the split).
    """
    sc = problem.scenario
    sites = problem.sites.reset_index(drop=True)
    pos = {str(s): i for i, s in enumerate(sites["site_id"].astype(str))}
    own = {(str(e.org), int(e.site)): e for e in with_cost_lines(problem.existing).itertuples()}
    d = decisions[decisions["mode"].isin(list(IN_PERSON_MODES))]
    out = []
    for sid, g in d.groupby(d["site_id"].astype(str), sort=True):
        s = pos.get(sid)
        if s is None:
            continue
        site = sites.iloc[s]
        host = str(site["host_org"])
        orgs = list(g["organisation"].astype(str))
        if not (len(set(orgs)) >= 2 or any(o != host for o in orgs)):
            continue
        host_e = own.get((host, s))
        # the host's own office there (a host running only a pop-up at its office's site,
        # as a hand plan may say, hosts no one)
        host_office = host_e is not None and host in set(
            g.loc[g["mode"] != "popup", "organisation"].astype(str))
        rent = float(site["rent_eur_m2_year"])
        parties = [_popup_party(problem, r, rent) if r.mode == "popup" else
                   _office_party(problem, r, own.get((str(r.organisation), s)),
                                 "host" if host_office and r.organisation == host else "tenant",
                                 host_office, rent)
                   for r in g.itertuples() if r.mode != "popup" or host_office]
        if not parties:
            continue
        _rank_offices(problem, parties)
        floor, per_m2, common = (
            _host_floor(problem, parties, float(getattr(host_e, "floor_m2", 0.0) or 0.0), rent)
            if host_office else (0.0, rent, 0.0))
        term = (str(host_e.lease_end) if host_e is not None and str(host_e.lease_end)
                else sc.horizon_end)
        out.append(Site(sid, str(site["name"]), host, host_office, floor, per_m2, common,
                        term, parties))
    return out


def cost_sharing(decisions: pd.DataFrame, problem: Problem) -> pd.DataFrame:
    """Split every shared site of a plan by every key, checked against the core.

    Parameters
    ----------
    decisions : pandas.DataFrame
        A plan's decisions (``DECISION_COLUMNS``).
    problem : Problem

    Returns
    -------
    pandas.DataFrame
        ``SPLIT_COLUMNS``: one row per site with two or more parties, method
        (``SPLIT_METHODS``) and organisation: ``share_eur``, ``alone_eur`` (its
        stand-alone cost in the site's game), ``saving_eur`` (alone - share), ``in_core``
        (False for every party of a split under which some party or group pays more than
        on its own; ``core_note`` names them, or says the core is empty).
    """
    return _split_table(shared_sites(decisions, problem),
                        problem.scenario.costs.shared_saving_share)


def _split_table(sites: list[Site], share: float) -> pd.DataFrame:
    """Return :func:`cost_sharing` of the shared sites ``sites``."""
    rows = []
    for site in sites:
        if len(site.parties) < 2:
            continue
        orgs = [p.org for p in site.parties]
        game = site_game(site, share)
        empty = games.core_is_empty(orgs, game)
        for method, exact in splits(site, share).items():
            bad = games.core_violations(orgs, game, exact)
            shares = largest_remainder(exact, site.cost)  # the cents add up to the cost
            note = "; ".join(bad)
            if empty:
                note = "the core is empty: every split leaves some group worse off" + (
                    f"; {note}" if note else "")
            for o in orgs:
                alone = game(frozenset([o]))
                rows.append((site.site_id, method, o, shares[o], round(alone, 2),
                             round(alone - shares[o], 2), not bad and not empty, note))
    return pd.DataFrame(rows, columns=list(SPLIT_COLUMNS))


def agreements(decisions: pd.DataFrame, problem: Problem,
               split: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return one agreement per shared site: its parties, their use, shares, fees and term.

    Parameters
    ----------
    decisions : pandas.DataFrame
        A plan's decisions.
    problem : Problem
    split : pandas.DataFrame, optional
        :func:`cost_sharing` of the decisions (computed when not given).

    Returns
    -------
    pandas.DataFrame
        ``AGREEMENT_COLUMNS``, one row per site and party (role ``host``, ``tenant``,
        ``popup``, or ``lessor`` for a host with no office there): ``site_cost_eur`` (the
        party's premises and services lines at the site), ``share_eur`` (its share under
        the agreed key ``key``), ``fee_eur`` (what it pays the host: share - own lines;
        0 for the host), ``income_eur`` (the host's: the fees), ``net_eur`` (its cost at
        the site after the fees: its share), ``term_end`` (the host's lease, else the
        horizon), ``fitout_eur`` and ``fitout_paid_by``.
    """
    sc = problem.scenario
    key = sc.sharing.key
    sites = shared_sites(decisions, problem)
    if split is None:
        split = _split_table(sites, sc.costs.shared_saving_share)
    agreed = split[split["method"] == key].set_index(["site_id", "organisation"])["share_eur"]
    rows = []
    for site in sites:
        single = len(site.parties) < 2
        fees: dict[str, float] = {}
        for p in site.parties:
            own_lines = p.premises + p.services
            share = own_lines if single else float(agreed.get((site.site_id, p.org), own_lines))
            fees[p.org] = 0.0 if p.role == "host" else share - own_lines
        collector = next((p.org for p in site.parties if p.role == "host"), site.host_org)
        fees = {o: round(f, 2) for o, f in fees.items()}
        income = round(sum(fees.values()), 2)  # the fees' cents, summed
        for p in site.parties:
            own_lines = p.premises + p.services
            fee = fees[p.org]
            is_collector = p.org == collector
            payer = (site.host_org if sc.sharing.fitout_paid_by == "host" and p.fitout > 0
                     else p.org) if p.fitout > 0 else ""
            rows.append({
                "site_id": site.site_id, "site_name": site.site_name,
                "host_org": site.host_org, "organisation": p.org, "role": p.role,
                "mode": p.mode, "days_per_month": p.days, "own_m2": round(p.own_m2, 1),
                "common_m2": round(site.common_m2 * p.desk_days
                                   / max(sum(q.desk_days for q in site.parties), 1e-9), 1),
                "desk_days": round(p.desk_days, 1), "visits": round(p.visits, 1),
                "site_cost_eur": round(own_lines, 2), "key": key,
                "share_eur": (paid := _pays(own_lines, fee, income if is_collector else 0.0,
                                            None if single else agreed.get((site.site_id,
                                                                            p.org)))),
                "fee_eur": fee, "income_eur": income if is_collector else 0.0,
                "net_eur": paid,
                "term_end": site.term_end, "fitout_eur": round(p.fitout, 2),
                "fitout_paid_by": payer})
        if collector not in {p.org for p in site.parties}:  # the host lets the space only
            rows.append({
                "site_id": site.site_id, "site_name": site.site_name,
                "host_org": site.host_org, "organisation": site.host_org, "role": "lessor",
                "mode": "", "days_per_month": 0, "own_m2": 0.0, "common_m2": 0.0,
                "desk_days": 0.0, "visits": 0.0, "site_cost_eur": 0.0, "key": key,
                "share_eur": 0.0, "fee_eur": 0.0, "income_eur": round(income, 2),
                "net_eur": round(-income, 2), "term_end": site.term_end, "fitout_eur": 0.0,
                "fitout_paid_by": ""})
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))


def _pays(own_lines: float, fee: float, income: float, agreed: float | None) -> float:
    """Return what a party pays at a site: its agreed share, in cents that add up.

    The agreed key's share (:func:`planner.cents.largest_remainder`, so that the parties'
    shares add up to the site's cost to the cent); without one (a site of one party) its
    own lines plus its fee less the income it collects.
    """
    if agreed is not None and agreed == agreed:  # not NaN
        return float(agreed)
    return round(own_lines + fee - income, 2)


def budgets(decisions: pd.DataFrame, today: pd.DataFrame,
            agreement: pd.DataFrame) -> pd.DataFrame:
    """Return each organisation's budget in the plan after the agreements' fees.

    With the joint budget (their sum: the chain cost).

    Parameters
    ----------
    decisions, today : pandas.DataFrame
        Decisions of the plan and of today's network.
    agreement : pandas.DataFrame
        :func:`agreements` of the plan.

    Returns
    -------
    pandas.DataFrame
        ``BUDGET_COLUMNS``, one row per organisation and ``joint``: ``lines_eur`` (its
        decisions' cost lines), ``fees_paid_eur``, ``fees_received_eur``,
        ``fitout_moved_eur`` (a tenant's fit-out the host pays, + for the host),
        ``budget_eur`` = lines + paid - received + moved, ``today_eur`` and ``change_eur``.
        The joint row's fees cancel, so its budget is the plan's total cost.
    """
    lines = decisions.groupby("organisation")["annual_cost_eur"].sum()
    now = today.groupby("organisation")["annual_cost_eur"].sum()
    a = agreement
    paid = a.groupby("organisation")["fee_eur"].sum()
    got = a.groupby("organisation")["income_eur"].sum()
    moved = pd.Series(0.0, index=lines.index)
    for r in a[(a["fitout_paid_by"] != "") & (a["fitout_paid_by"] != a["organisation"])
               ].itertuples():
        moved[r.organisation] = moved.get(r.organisation, 0.0) - r.fitout_eur
        moved[r.fitout_paid_by] = moved.get(r.fitout_paid_by, 0.0) + r.fitout_eur
    orgs = sorted(set(lines.index) | set(now.index) | set(paid.index) | set(got.index))
    rows = []
    for o in orgs:
        b = (float(lines.get(o, 0.0)) + float(paid.get(o, 0.0)) - float(got.get(o, 0.0))
             + float(moved.get(o, 0.0)))
        rows.append({"organisation": o, "today_eur": float(now.get(o, 0.0)),
                     "lines_eur": float(lines.get(o, 0.0)),
                     "fees_paid_eur": float(paid.get(o, 0.0)),
                     "fees_received_eur": float(got.get(o, 0.0)),
                     "fitout_moved_eur": float(moved.get(o, 0.0)), "budget_eur": b,
                     "change_eur": b - float(now.get(o, 0.0))})
    out = pd.DataFrame(rows, columns=list(BUDGET_COLUMNS))
    joint = out.drop(columns="organisation").sum()
    out.loc[len(out)] = {"organisation": "joint", **joint.to_dict()}
    return out.round(2)


