"""Demand: visits per year per demand point and organisation, and demand on a square grid.

``visits`` gives each demand point's yearly visits per organisation and their remote-suited
share. Two things put demand points on a grid of square cells, both through
:func:`square_cells`, which grows the cell until few enough cells remain: ``aggregate``
merges points into cells before a big problem is solved (cells counted from the points'
south-west corner, the side growing by half each step, areas kept apart), and
``demand_grid`` sums residents and their minutes to service per cell for the maps (cells
counted from the CRS's origin, the side doubling, so cell edges fall on round numbers).
The two growth rules differ and stay so: the solved problem and the drawn grid of existing
runs depend on them.
"""

from __future__ import annotations

from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.scenario import Scenario
from planner.schema import AGE_GROUPS


def visits(demand: gpd.GeoDataFrame, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Return the yearly in-person visits and their remote-suited share.

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


class SquareCells(NamedTuple):
    """Points placed on square grid cells (see :func:`square_cells`)."""

    #: Column of each point's cell (cells of side ``size`` from the grid's origin).
    ix: np.ndarray
    #: Row of each point's cell.
    iy: np.ndarray
    #: Each point's group: 0, 1, ... over (column, row, keys), in sorted order.
    group: np.ndarray
    #: Cell side (metres).
    size: float


def square_cells(x: np.ndarray, y: np.ndarray, max_cells: int, *, start_m: float,
                 growth: float, from_minimum: bool,
                 keys: dict[str, np.ndarray] | None = None) -> SquareCells:
    """Place points on square cells, growing the side until at most ``max_cells`` groups remain.

    A group is the points of one cell with the same ``keys`` (e.g. the same municipality);
    the side starts at ``start_m`` and is multiplied by ``growth`` until there are at most
    ``max_cells`` groups.

    Parameters
    ----------
    x, y : numpy.ndarray
        The points' coordinates in a metric CRS (EPSG:3067).
    max_cells : int
        Most groups wanted.
    start_m : float
        First cell side tried (metres).
    growth : float
        Factor of the side from one try to the next (``aggregate`` 1.5, ``demand_grid`` 2).
    from_minimum : bool
        Count cells from the smallest ``x`` and ``y`` (``aggregate``) rather than from the
        CRS's origin (``demand_grid``: cell edges on multiples of the side).
    keys : dict of str to numpy.ndarray, optional
        Values per point that a group never mixes.

    Returns
    -------
    SquareCells
        Each point's cell column, row and group, and the side used.
    """
    x0, y0 = (x.min(), y.min()) if from_minimum else (0.0, 0.0)
    size = float(start_m)
    while True:
        ix = np.floor((x - x0) / size).astype(np.int64)
        iy = np.floor((y - y0) / size).astype(np.int64)
        frame = pd.DataFrame({"cx": ix, "cy": iy, **(keys or {})})
        group = frame.groupby(list(frame.columns), sort=True).ngroup().to_numpy()
        if (group.max() + 1 if len(group) else 0) <= max_cells:
            return SquareCells(ix, iy, group, size)
        size *= growth


#: Area columns kept apart when aggregating (a cell never mixes areas).
AREA_COLUMNS = ("municipality", "county", "employment_area")


def aggregate(demand: gpd.GeoDataFrame, max_points: int, start_m: float = 100.0
              ) -> tuple[gpd.GeoDataFrame, float, float]:
    """Aggregate demand points to grid cells until at most ``max_points`` remain.

    Points are grouped by square cell and by area (municipality, county, employment area),
    residents summed by age group, and each group placed at its residents' weighted mean
    position (the plain mean when nobody lives there). The cell grows by half each step
    from ``start_m`` (:func:`square_cells`, cells counted from the points' smallest
    coordinates).

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
    cx, cy, group, cell = square_cells(
        x, y, max_points, start_m=start_m, growth=1.5, from_minimum=True,
        keys={a: demand[a].astype(str).to_numpy() for a in areas})
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


#: First cell side of :func:`demand_grid` (metres); it doubles until few enough cells remain.
GRID_START_M = 100.0


def demand_grid(demand: gpd.GeoDataFrame, minutes: dict[str, float], max_cells: int
                ) -> tuple[gpd.GeoDataFrame, float]:
    """Sum residents and their minutes to in-person service to square grid cells.

    The cell side starts at 100 m and doubles until there are at most ``max_cells`` cells
    (:func:`square_cells`, cells counted from the CRS's origin).

    Parameters
    ----------
    demand : geopandas.GeoDataFrame
        Demand points (``demand_id``, ``population``) in EPSG:3067.
    minutes : dict of str to float
        Minutes per ``demand_id`` (as from ``planner.assess.kpis.travel_minutes``); absent
        points have none.
    max_cells : int
        Largest number of cells wanted.

    Returns
    -------
    cells : geopandas.GeoDataFrame
        ``residents``, ``points``, ``minutes`` (population-weighted mean over the cell's
        points with minutes; NaN when none has) and the cell square, EPSG:3067, sorted by
        cell column and row.
    size : float
        Cell side in metres.
    """
    pts = demand.geometry.representative_point()
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    pop = pd.to_numeric(demand["population"], errors="coerce").fillna(0.0).clip(lower=0)
    mins = np.array([minutes.get(str(d), np.nan) for d in demand["demand_id"]], dtype=float)
    ix, iy, _group, size = square_cells(x, y, max(max_cells, 1), start_m=GRID_START_M,
                                        growth=2.0, from_minimum=False)
    has = ~np.isnan(mins)
    df = pd.DataFrame({"ix": ix, "iy": iy, "residents": pop.to_numpy(),
                       "w": np.where(has, pop.to_numpy(), 0.0),
                       "wm": np.where(has, pop.to_numpy() * np.nan_to_num(mins), 0.0),
                       "has": has.astype(int)})
    g = df.groupby(["ix", "iy"], sort=True).agg(
        residents=("residents", "sum"), points=("residents", "size"), w=("w", "sum"),
        wm=("wm", "sum"), has=("has", "sum")).reset_index()
    plain = (pd.DataFrame({"ix": ix, "iy": iy, "m": mins}).groupby(["ix", "iy"], sort=True)["m"]
             .mean().to_numpy())
    g["minutes"] = np.where(g["has"] == 0, np.nan,
                            np.where(g["w"] > 0, g["wm"] / g["w"].where(g["w"] > 0, 1.0), plain))
    squares = [shapely.box(i * size, j * size, (i + 1) * size, (j + 1) * size)
               for i, j in zip(g["ix"], g["iy"], strict=True)]
    cells = gpd.GeoDataFrame(g[["residents", "points", "minutes"]], geometry=squares,
                             crs=demand.crs)
    return cells, size
