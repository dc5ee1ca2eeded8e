"""The ``Problem``: everything the model and the evaluation need, as plain arrays and tables.

Built once from a region, a scenario and a travel-time table; pure data, no solver objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.problem import costs, demand
from planner.problem.costs import EXISTING_COLUMNS
from planner.region import Region
from planner.scenario import Scenario
from planner.schema import OFFICE_KINDS


@dataclass
class Problem:
    """Input of the co-location model and of plan evaluation.

    Attributes
    ----------
    scenario : Scenario
    orgs : list of str
        Organisation keys in scenario order (column order of ``visits``).
    sites : geopandas.GeoDataFrame
        Candidate sites; a site's position is its index in ``times`` and ``options``.
    demand : geopandas.GeoDataFrame
        Demand points; a point's position is its index in ``times`` and ``visits``.
    times : pandas.DataFrame
        ``origin`` (demand position), ``destination`` (site position), ``minutes``; pairs
        beyond the cut-off are absent.
    visits, remote_share : numpy.ndarray
        (n_demand, n_orgs) visits per year and their remote-suited share.
    existing : pandas.DataFrame
        Existing offices (``planner.problem.costs.EXISTING_COLUMNS``): ``org``, ``site``,
        ``point_id``, ``annual_cost_eur`` (premises + shared services + staff, today), ``desks``,
        ``lease_end``, ``must_keep`` (lease runs past the horizon and may not end early),
        the lines ``premises_eur``, ``services_eur``, ``staff_eur``, the staff ``fte`` and
        the ``recorded_visits``.
    options : pandas.DataFrame
        Service options, see ``planner.problem.costs.option_table``.
    notes : dict of str to str
        Statements the outputs must carry (e.g. how demand was aggregated).
    site_times : pandas.DataFrame or None
        Staff travel between sites: ``from``, ``to`` (site ids) and ``minutes``; used for
        pop-up tours.
    """

    scenario: Scenario
    orgs: list[str]
    sites: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    times: pd.DataFrame
    visits: np.ndarray
    remote_share: np.ndarray
    existing: pd.DataFrame
    options: pd.DataFrame
    notes: dict[str, str] = field(default_factory=dict)
    site_times: pd.DataFrame | None = None

    def site_index(self) -> pd.Series:
        """Map site id -> position (made once per set of sites; do not change it)."""
        cached = self.__dict__.get("_site_index")
        if cached is None or cached[0] is not self.sites:
            index = pd.Series(np.arange(len(self.sites)),
                              index=self.sites["site_id"].astype(str))
            cached = (self.sites, index)
            self.__dict__["_site_index"] = cached
        return cached[1]


def _number(value: object, default: float) -> float:
    """Return ``value`` as a float, ``default`` when it is missing (None, NaN, empty)."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return default if np.isnan(v) else v


def existing_offices(region: Region, scenario: Scenario) -> pd.DataFrame:
    """Return the existing offices of the scenario's organisations, with their cost lines.

    The customer-service offices on the site list, with their cost lines as today.

    Premises are ``floor_m2`` x the point's ``rent_eur_m2_year`` (rent or owner cost plus
    upkeep; the organisation's ``premises_eur_m2_year`` where the table gives none), shared
    services the point's ``services_eur_year`` (else the organisation's
    ``office_fixed_eur_year``), staff the point's ``fte`` (else one per desk) x the
    organisation's ``staff_eur_fte_year``. ``annual_cost_eur`` is the sum of the three, so
    today's network priced as a plan costs exactly today's total; a recorded all-in cost
    that differs is reported by :func:`recorded_cost_notes`.
    """
    sp = region.service_points
    sp = sp[sp["kind"].isin(OFFICE_KINDS) & sp["organisation"].isin(list(scenario.organisations))]
    pos = pd.Series(np.arange(len(region.sites)), index=region.sites["existing_point_id"])
    rows = []
    for p in sp.itertuples():
        if p.point_id not in pos.index:
            raise InputError(f"service point {p.point_id!r} is an office but not a candidate "
                             "site; add it to the sites")
        o = scenario.organisations[p.organisation]
        lease = "" if pd.isna(p.lease_end) else str(p.lease_end)
        floor = _number(p.floor_m2, 0.0)
        premises = floor * _number(getattr(p, "rent_eur_m2_year", None), o.premises_eur_m2_year)
        services = _number(getattr(p, "services_eur_year", None), o.office_fixed_eur_year)
        fte = _number(getattr(p, "fte", None), float(p.desks))
        staff = fte * o.staff_eur_fte_year
        rows.append({"org": p.organisation, "site": int(pos[p.point_id]),
                     "point_id": p.point_id, "annual_cost_eur": premises + services + staff,
                     "desks": int(p.desks), "lease_end": lease,
                     "must_keep": (bool(lease) and lease > scenario.horizon_end
                                   and scenario.costs.early_termination_years is None),
                     "premises_eur": premises, "services_eur": services, "fte": fte,
                     "staff_eur": staff,
                     "recorded_visits": _number(p.annual_visits, 0.0),
                     "recorded_cost_eur": _number(p.annual_cost_eur, 0.0),
                     "floor_m2": floor})
    out = pd.DataFrame(rows, columns=[*EXISTING_COLUMNS, "recorded_cost_eur", "floor_m2"])
    return out


def recorded_cost_notes(existing: pd.DataFrame, tolerance: float = 0.01) -> list[str]:
    """Return a note per office whose recorded cost differs from its cost lines.

    The recorded all-in ``annual_cost_eur`` differs from the sum of the lines (premises,
    shared services, staff) by more than ``tolerance``: the plan uses the lines, so the
    table's cost and the planner's can be reconciled.
    """
    notes = []
    if "recorded_cost_eur" not in existing.columns:
        return notes
    for e in existing.itertuples():
        rec = float(e.recorded_cost_eur)
        if rec > 0 and abs(rec - e.annual_cost_eur) > tolerance * rec:
            notes.append(f"{e.point_id}: recorded annual_cost_eur {rec:,.0f} differs from its "
                         f"lines {e.annual_cost_eur:,.0f} (premises {e.premises_eur:,.0f} + "
                         f"shared services {e.services_eur:,.0f} + staff {e.staff_eur:,.0f})"
                         "; the lines are used")
    return notes


def build_problem(region: Region, scenario: Scenario, times: pd.DataFrame,
                  site_times: pd.DataFrame | None = None) -> Problem:
    """Assemble the model input.

    Parameters
    ----------
    region : Region
    scenario : Scenario
    times : pandas.DataFrame
        From ``planner.network.travel_times(graph, region.demand.geometry,
        region.sites.geometry, ...)``.
    site_times : pandas.DataFrame, optional
        Staff travel between sites (``from``, ``to`` site ids, ``minutes``): prices pop-up
        travel and plans tours.

    Returns
    -------
    Problem
    """
    sites = region.sites.reset_index(drop=True)
    dem = region.demand.reset_index(drop=True)
    if scenario.travel.unreachable == "error":
        _check_reachable(dem, times, scenario.travel.cutoff_min)
    v, r = demand.visits(dem, scenario)
    existing = existing_offices(region, scenario)
    differ = recorded_cost_notes(existing)
    notes = {f"recorded_cost_{i + 1}": n for i, n in enumerate(differ[:3])}
    if len(differ) > 3:
        notes["recorded_cost_more"] = (f"{len(differ) - 3} more offices' recorded "
                                       "annual_cost_eur differ from their lines")
    options = costs.option_table(scenario, sites, existing, site_times)
    for org, o in scenario.organisations.items():
        if not (options["org"] == org).any():
            raise InputError(
                f"scenario: organisation {org!r} has no candidate site: no current office, "
                f"no site with {o.desks_per_office} spare desks (desks_per_office)"
                + ("" if o.can_popup else ", pop-ups off")
                + ("" if o.can_remote else ", remote points off")
                + "; add sites with spare desks, lower desks_per_office or allow pop-up or "
                "remote service")
    return Problem(scenario=scenario, orgs=list(scenario.organisations), sites=sites,
                   demand=dem, times=times, visits=v, remote_share=r, existing=existing,
                   options=options, notes=notes, site_times=site_times)


def _check_reachable(dem: gpd.GeoDataFrame, times: pd.DataFrame, cutoff_min: float) -> None:
    """Refuse residents with no candidate site within the cut-off (``travel.unreachable``).

    Raises
    ------
    InputError
        Naming how many demand points, the first ids and their residents, and what to do.
    """
    pop = dem["population"].to_numpy(dtype=float)
    reached = np.zeros(len(dem), dtype=bool)
    reached[times["origin"].to_numpy(dtype=int)] = True
    lost = np.flatnonzero(~reached & (pop > 0))
    if not len(lost):
        return
    first = ", ".join(f"{dem['demand_id'].iloc[i]} ({pop[i]:,.0f} residents)" for i in lost[:3])
    more = f" and {len(lost) - 3} more" if len(lost) > 3 else ""
    raise InputError(
        f"scenario: {len(lost)} demand point(s) with {pop[lost].sum():,.0f} residents have no "
        f"candidate site within travel.cutoff_min {cutoff_min:g} min: {first}{more}; raise "
        "travel.cutoff_min, add a candidate site near them, or set travel.unreachable: "
        "unserved to price them as unserved visits")


@dataclass
class AreaStandard:
    """One access standard applied to one organisation and one area group."""

    org: str
    area: str
    group: str
    minutes: float
    share: float
    min_popup_days: int
    demand: np.ndarray  # demand positions in the area group
    row: int = 0  # position of the scenario standard it comes from
    maximise_worst: bool = False

    def label(self) -> str:
        """Return the standard as a sentence (``kela: 90% of all residents within ...``)."""
        who = ("all residents" if self.area == "all"
               else f"residents in {self.area} {self.group}")
        return (f"{self.org}: {self.share:.0%} of {who} within {self.minutes:g} min of "
                "in-person service")


def expand_standards(problem: Problem) -> list[AreaStandard]:
    """Return the scenario's standards, one per organisation and area group."""
    out = []
    for row, st in enumerate(problem.scenario.standards):
        orgs = problem.orgs if st.organisation == "all" else [st.organisation]
        if st.area == "all":
            groups = {"all": np.arange(len(problem.demand))}
        else:
            col = problem.demand[st.area].fillna("").astype(str).to_numpy()
            # an area the geography does not know ("") is no group of its own
            groups = {g: np.flatnonzero(col == g) for g in sorted(set(col) - {""})}
        for org in orgs:
            for g, idx in groups.items():
                out.append(AreaStandard(org, st.area, g, st.minutes, st.share, st.min_popup_days,
                                     idx, row, st.maximise_worst))
    return out


def eligible(options: pd.DataFrame, min_popup_days: int) -> pd.Series:
    """Return the options that count as in-person service for a standard."""
    return options["in_person"] & ((options["mode"] != "popup")
                                   | (options["days"] >= min_popup_days))
