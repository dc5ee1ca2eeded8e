"""The cost model: annual cost of each service option an organisation can take at a site.

Every figure is euros per year. One-off costs (fit-out, closing) are spread over
``costs.fitout_amortisation_years``.
"""

from __future__ import annotations

import pandas as pd

from planner.scenario import Scenario

#: Columns of the option table (one row per organisation, site, mode and days level).
OPTION_COLUMNS = ("org", "site", "mode", "days", "cost_eur", "capacity_visits", "host_desks",
                  "in_person", "keep")


def tenant_office_cost(scenario: Scenario, org: str, rent_eur_m2_year: float,
                       fitout_eur: float) -> float:
    """Annual cost of a new office of ``org`` at a site: rent of its desks, fixed running
    cost, and the fit-out spread over the amortisation period."""
    o = scenario.organisations[org]
    c = scenario.costs
    rent = o.desks_per_office * c.desk_m2 * rent_eur_m2_year
    return rent + o.office_fixed_eur_year + fitout_eur / c.fitout_amortisation_years


def popup_cost(scenario: Scenario, days_per_month: int) -> float:
    """Annual cost of a pop-up present ``days_per_month`` days a month."""
    return days_per_month * 12 * scenario.costs.popup.eur_per_day


def shared_saving(scenario: Scenario, org: str) -> float:
    """Annual saving of an office of ``org`` in shared premises (reception, security, ICT)."""
    return scenario.costs.shared_saving_share * scenario.organisations[org].office_fixed_eur_year


def closing_cost(scenario: Scenario) -> float:
    """Annualised one-off cost of closing an existing office."""
    return scenario.costs.closing_eur / scenario.costs.fitout_amortisation_years


def option_table(scenario: Scenario, sites: pd.DataFrame, existing: pd.DataFrame
                 ) -> pd.DataFrame:
    """Every service option each organisation can take at each candidate site.

    Parameters
    ----------
    scenario : Scenario
    sites : pandas.DataFrame
        Candidate sites by position, with ``spare_desks``, ``rent_eur_m2_year``,
        ``fitout_eur``.
    existing : pandas.DataFrame
        Existing offices: ``org``, ``site`` (position), ``annual_cost_eur``, ``desks``.

    Returns
    -------
    pandas.DataFrame
        Columns ``OPTION_COLUMNS``: ``org`` (key), ``site`` (position), ``mode`` (office,
        popup, remote), ``days`` (pop-up days per month, else 0), ``cost_eur``,
        ``capacity_visits`` (per year), ``host_desks`` (spare desks of the host it takes),
        ``in_person``, ``keep`` (the option keeps an existing office).
    """
    c = scenario.costs
    own = {(r.org, r.site): r for r in existing.itertuples()}
    rows: list[tuple] = []
    for org, o in scenario.organisations.items():
        for s, site in enumerate(sites.itertuples()):
            if (org, s) in own:
                e = own[(org, s)]
                rows.append((org, s, "office", 0, float(e.annual_cost_eur),
                             float(e.desks) * o.visits_per_desk_year, 0, True, True))
                continue
            spare = int(site.spare_desks)
            if spare >= o.desks_per_office:
                rows.append((org, s, "office", 0,
                             tenant_office_cost(scenario, org, site.rent_eur_m2_year,
                                                site.fitout_eur),
                             o.desks_per_office * o.visits_per_desk_year, o.desks_per_office,
                             True, False))
            if o.can_popup and spare >= c.popup.desks:
                for d in sorted(set(c.popup.days_per_month)):
                    rows.append((org, s, "popup", d, popup_cost(scenario, d),
                                 d * 12 * c.popup.visits_per_day, c.popup.desks, True, False))
            if o.can_remote:
                rows.append((org, s, "remote", 0, c.remote.eur_per_year,
                             c.remote.visits_per_year, 0, False, False))
    return pd.DataFrame(rows, columns=list(OPTION_COLUMNS))
