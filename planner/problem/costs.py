"""The cost model: annual cost of each service option an organisation can take at a site.

Every figure is euros per year. One-off costs (fit-out, closing) are spread over
``costs.fitout_amortisation_years``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.hosts import usable_hosts
from planner.plan import COST_LINE_COLUMNS
from planner.scenario import Scenario

#: Columns of the option table (one row per organisation, site, mode and days level).
OPTION_COLUMNS = ("org", "site", "mode", "days", "cost_eur", "capacity_visits", "host_desks",
                  "in_person", "keep", "saving_eur", "travel_eur")
#: Cost lines of a decision (EUR/year); a decision's ``annual_cost_eur`` is their sum.
COST_LINES: tuple[str, ...] = tuple(COST_LINE_COLUMNS)
#: Columns of ``Problem.existing`` (``planner.problem.build``): each office's cost lines and staff,
#: as today.
EXISTING_COLUMNS = ("org", "site", "point_id", "annual_cost_eur", "desks", "lease_end",
                    "must_keep", "premises_eur", "services_eur", "fte", "staff_eur",
                    "recorded_visits")


def with_cost_lines(existing: pd.DataFrame) -> pd.DataFrame:
    """Return ``existing`` with every column of ``EXISTING_COLUMNS``.

    A table built by hand with only ``annual_cost_eur`` (a test's toy office) counts that
    cost as premises, with no staff and no recorded visits.
    """
    out = existing.copy()
    defaults = {"premises_eur": out.get("annual_cost_eur", 0.0), "services_eur": 0.0,
                "fte": 0.0, "staff_eur": 0.0, "recorded_visits": 0.0}
    for col, value in defaults.items():
        if col not in out.columns:
            out[col] = value
    return out


def tenant_lines(scenario: Scenario, org: str, desks: float, rent_eur_m2_year: float,
                 fitout_eur: float) -> dict[str, float]:
    """Return the cost lines of an office of ``org`` with ``desks`` desks at a host site.

    The lines are the desks' floor area (``costs.desk_m2`` each) at the site's rent, the
    office's shared services (``office_fixed_eur_year``) and the fit-out spread over the
    amortisation period. Staff are priced where they are counted (:func:`staff_cost`).
    """
    o = scenario.organisations[org]
    c = scenario.costs
    return {"premises_eur": desks * c.desk_m2 * rent_eur_m2_year,
            "services_eur": o.office_fixed_eur_year,
            "fitout_eur": fitout_eur / c.fitout_amortisation_years}


def tenant_office_cost(scenario: Scenario, org: str, rent_eur_m2_year: float,
                       fitout_eur: float) -> float:
    """Return the annual cost of a new office of ``org`` at a site (``desks_per_office``).

    Premises, shared services and fit-out (:func:`tenant_lines`); staff not included.
    """
    desks = scenario.organisations[org].desks_per_office
    return sum(tenant_lines(scenario, org, desks, rent_eur_m2_year, fitout_eur).values())


def extra_desk_cost(scenario: Scenario, rent_eur_m2_year: float) -> float:
    """Return the annual premises cost of one more desk at a host site (staff moved in)."""
    return scenario.costs.desk_m2 * rent_eur_m2_year


def popup_lines(scenario: Scenario, days_per_month: int,
                roundtrip_min: float = 0.0) -> dict[str, float]:
    """Return the cost lines of a pop-up with ``days_per_month`` sessions a month.

    Each session's host fee and equipment (``costs.popup.eur_per_session``) and the staff's
    round trip of ``roundtrip_min`` minutes from their base at
    ``costs.popup.staff_travel_eur_per_hour``. The session's own staff time is in the staff
    line (the staff work there instead).
    """
    c = scenario.costs.popup
    sessions = days_per_month * 12
    return {"sessions_eur": sessions * c.eur_per_session,
            "staff_travel_eur": sessions * c.staff_travel_eur_per_hour * roundtrip_min / 60.0}


def popup_cost(scenario: Scenario, days_per_month: int,
               roundtrip_min: float = 0.0) -> float:
    """Return the annual cost of a pop-up present ``days_per_month`` days a month.

    The sum of its :func:`popup_lines`.
    """
    return sum(popup_lines(scenario, days_per_month, roundtrip_min).values())


def staff_cost(scenario: Scenario, org: str, fte: float) -> float:
    """Return the annual cost of ``fte`` of ``org``'s staff."""
    return fte * scenario.organisations[org].staff_eur_fte_year


def _positions(ids: pd.Series, index: pd.Index) -> np.ndarray:
    """Return the position of each id in ``index`` (-1 if absent); fast for categorical ids."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        return index.get_indexer(ids.cat.categories.astype(str))[ids.cat.codes.to_numpy()]
    return index.get_indexer(ids.astype(str))


def roundtrips(bases: dict[str, list[int]], site_ids: list[str],
               site_times: pd.DataFrame | None) -> dict[tuple[str, int], float]:
    """Return the minutes from each organisation's nearest base to each site and back.

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
    """Return the minutes from each organisation's nearest current office to each site and back.

    This is :func:`roundtrips` with today's offices as the bases.
    """
    if not len(existing):
        return {}
    bases = {str(o): g["site"].astype(int).tolist() for o, g in existing.groupby("org")}
    return roundtrips(bases, site_ids, site_times)


def shared_saving(scenario: Scenario, org: str) -> float:
    """Return the annual saving of an office of ``org`` in shared premises.

    It is ``shared_saving_share`` of its shared services (reception, security, cleaning,
    ICT).
    """
    return scenario.costs.shared_saving_share * scenario.organisations[org].office_fixed_eur_year


def closing_cost(scenario: Scenario) -> float:
    """Return the annualised one-off cost of closing an office (moving staff and equipment)."""
    return scenario.costs.closing_eur / scenario.costs.fitout_amortisation_years


def termination_cost(scenario: Scenario, lease_end: str, premises_eur: float) -> float:
    """Return the annualised cost of ending a lease before ``lease_end``.

    It is ``early_termination_years`` of the premises cost, one-off, when the lease runs
    past ``horizon_end`` (else 0).
    """
    years = scenario.costs.early_termination_years
    if not lease_end or lease_end <= scenario.horizon_end or years is None:
        return 0.0
    return years * premises_eur / scenario.costs.fitout_amortisation_years


def host_premises(sites: pd.DataFrame, existing: pd.DataFrame) -> np.ndarray:
    """Return, per site, whether the host has an office of its own there.

    Its floor area (on the host's premises line) then holds the spare desks. Others' offices
    and moved staff in those desks then add no rent: the space is priced once, on the host's
    line, and the tenants pay the host for it under the site's agreement
    (``planner.costing.sharing``).
    """
    host = sites["host_org"].astype(str).to_numpy()
    own = {(str(o), int(s)) for o, s in zip(existing["org"], existing["site"], strict=True)}
    return np.array([(h, i) in own for i, h in enumerate(host)], dtype=bool)


def host_usable(scenario: Scenario, sites: pd.DataFrame) -> np.ndarray:
    """Return, per site, whether other organisations may serve there.

    They may take an office, a pop-up or a remote point where the host is a partner or has
    agreed (see ``planner.hosts``). A site table without ``host_agreement`` (built in code,
    not by a loader) counts as agreed.
    """
    host = sites["host_org"].astype(str).to_numpy()
    if "host_agreement" not in sites.columns:  # a table built in code: taken as agreed
        return np.ones(len(sites), dtype=bool)
    return np.asarray(usable_hosts(host, sites["host_agreement"].astype(str).to_numpy(),
                                   suggestions=scenario.hosts.suggestions), dtype=bool)


def option_table(scenario: Scenario, sites: pd.DataFrame, existing: pd.DataFrame,
                 site_times: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return every service option each organisation can take at each candidate site.

    Parameters
    ----------
    scenario : Scenario
    sites : pandas.DataFrame
        Candidate sites by position, with ``host_org``, ``spare_desks``,
        ``rent_eur_m2_year``, ``fitout_eur`` (and ``host_agreement``). A new office in
        the spare desks of a host's own office pays no rent (:func:`host_premises`).
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
    c = scenario.costs
    existing = with_cost_lines(existing)
    own = {(r.org, r.site): r for r in existing.itertuples()}
    trips = staff_roundtrips(existing, list(sites["site_id"].astype(str)), site_times)
    usable = host_usable(scenario, sites)
    in_host = host_premises(sites, existing)
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
                             tenant_office_cost(scenario, org, 0.0 if in_host[s]
                                                else site.rent_eur_m2_year, site.fitout_eur),
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

