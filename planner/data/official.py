"""Real figures of Finland shipped with the package: residents per municipality, health stations.

Both files lie in ``planner/resources/finland`` (read with :mod:`importlib.resources`; its
README names the sources and licences):

- ``population_2022.csv``: Statistics Finland's residents of every municipality on
  31.12.2022 (via THL Sotkanet), on the municipalities of 1.1.2025;
- ``health_stations_fi_2013_2019.csv``: Finland's health stations 2013-2019 with their
  statuses and coordinates (lavaste/health_station_closures, MIT; coordinates from OSM
  Nominatim, ODbL).

:func:`allocate` shares each municipality's residents out in whole persons, so that a
made-up scatter of points adds up to the official figure exactly.
"""

from __future__ import annotations

import functools
import io
from importlib import resources

import numpy as np
import pandas as pd

from planner.errors import InputError

#: Year (31 December) of the residents per municipality.
POPULATION_YEAR = 2022
#: Year whose open health stations are used.
STATION_YEAR = 2019
POPULATION_CSV = "population_2022.csv"
HEALTH_STATIONS_CSV = "health_stations_fi_2013_2019.csv"
POPULATION_SOURCE = ("Statistics Finland (Tilastokeskus), residents per municipality "
                     f"31.12.{POPULATION_YEAR} via THL Sotkanet, CC BY 4.0")
STATIONS_SOURCE = ("health stations 2019: lavaste/health_station_closures (MIT), "
                   "coordinates OpenStreetMap Nominatim (ODbL)")


def _read(name: str, dtype: dict[str, type] | None = None) -> pd.DataFrame:
    """Read one CSV of ``planner/resources/finland``."""
    text = (resources.files("planner") / "resources" / "finland" / name).read_text("utf-8")
    return pd.read_csv(io.StringIO(text), dtype=dtype)


@functools.cache
def population() -> pd.Series:
    """Return the official residents per municipality (code -> residents), 31.12.2022.

    Returns
    -------
    pandas.Series
        Indexed by the 3-digit municipality code of 1.1.2025 (308 codes, Åland included),
        integer residents, named ``population``; Finland totals 5,563,970.
    """
    df = _read(POPULATION_CSV, dtype={"kunta": str})
    return df.set_index("kunta")["population"].astype(np.int64)


def open_in(status: pd.Series, year: int) -> pd.Series:
    """Tell which health stations were open in ``year`` by the source's status codes.

    Parameters
    ----------
    status : pandas.Series
        ``open_2013_2019``, ``opened_<year>`` (opened that year) or ``closed_<year>``
        (closed that year).
    year : int

    Returns
    -------
    pandas.Series of bool
        Open all along, opened in ``year`` or before, or closed only after ``year``.
    """
    kind, _, when = status.astype(str).str.partition("_")[[0, 1, 2]].T.to_numpy()
    first = pd.Series(when).str[-4:].astype(int).to_numpy()
    out = np.where(kind == "open", True,
                   np.where(kind == "opened", first <= year, first > year))
    return pd.Series(out.astype(bool), index=status.index)


@functools.cache
def health_stations(year: int = STATION_YEAR) -> pd.DataFrame:
    """Return the health stations open in ``year``, one row per name.

    Parameters
    ----------
    year : int
        2013-2019 (the years the source covers).

    Returns
    -------
    pandas.DataFrame
        ``row`` (0-based row in the file, a stable id), ``station``, ``status``, ``x``,
        ``y`` (EPSG:3067). A name listed more than once (the same station geocoded twice)
        keeps its first row.

    Raises
    ------
    InputError
        When ``year`` lies outside 2013-2019.
    """
    if not 2013 <= year <= 2019:
        raise InputError(f"health stations: year {year} is outside the source's 2013-2019")
    df = _read(HEALTH_STATIONS_CSV)
    df.insert(0, "row", np.arange(len(df)))
    df = df[open_in(df["status"], year)].drop_duplicates("station", keep="first")
    return df.rename(columns={"easting": "x", "northing": "y"})[
        ["row", "station", "status", "x", "y"]].reset_index(drop=True)


def allocate(weights: np.ndarray, groups: np.ndarray, totals: pd.Series) -> np.ndarray:
    """Share each group's total in whole units in proportion to weights (largest remainders).

    Parameters
    ----------
    weights : numpy.ndarray
        Non-negative weight per item; a group's weights must not all be zero.
    groups : numpy.ndarray
        Group key per item (e.g. municipality code).
    totals : pandas.Series
        Group key -> whole total (every key in ``groups`` must be there).

    Returns
    -------
    numpy.ndarray of int64
        Per item; the items of each group add up to its total exactly. Ties of remainders
        go to the earlier item.

    Raises
    ------
    InputError
        When a group has no total or only zero weights.
    """
    w = np.asarray(weights, dtype=float)
    key = pd.Series(groups)
    missing = sorted(set(key) - set(totals.index))
    if missing:
        raise InputError(f"no official population for municipality code(s) {missing}")
    wsum = pd.Series(w).groupby(key.to_numpy()).transform("sum").to_numpy()
    if (wsum <= 0).any():
        raise InputError(f"municipality {key[wsum <= 0].iloc[0]} has no weight to share")
    total = key.map(totals).to_numpy(dtype=np.int64)
    quota = w / wsum * total
    base = np.floor(quota).astype(np.int64)
    left = total - pd.Series(base).groupby(key.to_numpy()).transform("sum").to_numpy()
    codes = pd.factorize(key)[0]
    order = np.lexsort((np.arange(len(w)), -(quota - base), codes))
    rank = np.empty(len(w), dtype=np.int64)
    sorted_keys = codes[order]
    starts = np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(w)]))
    rank[order] = np.arange(len(w)) - first
    return base + (rank < left).astype(np.int64)
