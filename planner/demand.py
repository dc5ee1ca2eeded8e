"""Demand: visits per year per demand point and organisation, and the remote-suited share."""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from planner.scenario import Scenario
from planner.schema import AGE_GROUPS


def visits(demand: gpd.GeoDataFrame, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Yearly in-person visits and their remote-suited share.

    Parameters
    ----------
    demand : geopandas.GeoDataFrame
        Demand points with residents by age group (``age_0_14``, ``age_15_64``, ``age_65_``).
    scenario : Scenario
        Visit rates and remote shares per organisation and age group.

    Returns
    -------
    visits : numpy.ndarray
        Shape (n_demand, n_organisations): visits per year (residents x age-specific rates),
        organisations in the scenario's order.
    remote_share : numpy.ndarray
        Same shape: share (0..1) of those visits suited to remote service.
    """
    ages = demand[list(AGE_GROUPS)].to_numpy(dtype=float)
    orgs = list(scenario.organisations.values())
    rates = np.array([[o.visit_rates.get(g, 0.0) for g in AGE_GROUPS] for o in orgs]).T
    remote = np.array([[o.remote_share.get(g, 0.0) for g in AGE_GROUPS] for o in orgs]).T
    v = ages @ rates
    r = ages @ (rates * remote)
    share = np.divide(r, v, out=np.zeros_like(v), where=v > 0)
    return v, np.clip(share, 0.0, 1.0)
