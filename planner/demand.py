"""Demand: visits per year per demand point and organisation, and the remote-suited share."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

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


#: Area columns kept apart when aggregating (a cell never mixes areas).
AREA_COLUMNS = ("municipality", "county", "employment_area")


def aggregate(demand: gpd.GeoDataFrame, max_points: int, start_m: float = 100.0
              ) -> tuple[gpd.GeoDataFrame, float, float]:
    """Aggregate demand points to grid cells until at most ``max_points`` remain.

    Points are grouped by square cell and by area (municipality, county, employment area),
    residents summed by age group, and each group placed at its residents' weighted mean
    position (the plain mean when nobody lives there). The cell grows by half each step
    from ``start_m``.

    Parameters
    ----------
    demand : geopandas.GeoDataFrame
        Demand points in a metric CRS (EPSG:3067).
    max_points : int
        Most points to keep.
    start_m : float
        First cell size tried (metres).

    Returns
    -------
    aggregated : geopandas.GeoDataFrame
        Same columns; ``demand_id`` is ``cell-<col>-<row>`` (plus ``-<n>`` when a cell
        spans areas).
    cell_m : float
        Cell size used (0 when nothing was aggregated).
    max_move_m : float
        Largest distance any point moved: the error bound of the aggregation (at most the
        cell's diagonal).
    """
    if len(demand) <= max_points:
        return demand, 0.0, 0.0
    x = demand.geometry.x.to_numpy()
    y = demand.geometry.y.to_numpy()
    pop = demand["population"].to_numpy(dtype=float)
    areas = [c for c in AREA_COLUMNS if c in demand.columns]
    cell = float(start_m)
    while True:
        cx = np.floor((x - x.min()) / cell).astype(np.int64)
        cy = np.floor((y - y.min()) / cell).astype(np.int64)
        keys = pd.DataFrame({"cx": cx, "cy": cy, **{a: demand[a].astype(str).to_numpy()
                                                    for a in areas}})
        group = keys.groupby(list(keys.columns), sort=True).ngroup().to_numpy()
        if group.max() + 1 <= max_points:
            break
        cell *= 1.5
    n = int(group.max()) + 1
    wsum = np.bincount(group, weights=pop, minlength=n)
    cnt = np.bincount(group, minlength=n)

    def mean(v: np.ndarray) -> np.ndarray:  # residents' weighted mean, else plain mean
        weighted = np.bincount(group, weights=pop * v, minlength=n) / np.maximum(wsum, 1e-12)
        return np.where(wsum > 0, weighted, np.bincount(group, weights=v, minlength=n) / cnt)

    mx, my = mean(x), mean(y)
    move = np.hypot(x - mx[group], y - my[group])
    numeric = ["population", *AGE_GROUPS]
    sums = pd.DataFrame(demand[numeric].to_numpy(dtype=float), columns=numeric)
    sums = sums.groupby(group).sum()
    first = pd.DataFrame({"g": group, "cx": cx, "cy": cy}).groupby("g").first()
    rank = first.groupby(["cx", "cy"]).cumcount().to_numpy()
    ids = [f"cell-{a}-{b}" + (f"-{r}" if r else "")
           for a, b, r in zip(first["cx"], first["cy"], rank, strict=True)]
    out = pd.DataFrame({"demand_id": ids})
    for c in numeric:
        out[c] = sums[c].to_numpy()
    firsts = pd.DataFrame({a: demand[a].to_numpy() for a in areas}).groupby(group).first()
    for a in areas:
        out[a] = firsts[a].to_numpy()
    agg = gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(mx, my), crs=demand.crs)
    return agg, cell, float(move.max())
