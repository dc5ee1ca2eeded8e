"""Default travel speeds per mode and OSM highway class, from ``planner/resources/speeds.csv``.

The table has columns ``mode`` (drive, walk, bike), ``highway`` (an OSM ``highway`` value,
or ``*`` for the mode's fallback) and ``kmh``. Driving speeds are used only where an edge has
no ``maxspeed`` tag; walking and cycling speeds are used on every edge.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from planner._paths import resource
from planner.errors import InputError

#: The speed table shipped with the planner.
SPEEDS_CSV = resource("speeds.csv")
MODES = ("drive", "walk", "bike")


@functools.cache
def _read(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, dtype={"mode": str, "highway": str, "kmh": float})
    missing = {"mode", "highway", "kmh"} - set(table.columns)
    if missing:
        raise InputError(f"{path}: missing columns {sorted(missing)}")
    bad = sorted(set(table["mode"]) - set(MODES))
    if bad:
        raise InputError(f"{path}: unknown modes {bad}; use {list(MODES)}")
    if (table["kmh"] <= 0).any() or table["kmh"].isna().any():
        raise InputError(f"{path}: every kmh must be a positive number")
    for mode in MODES:
        if not ((table["mode"] == mode) & (table["highway"] == "*")).any():
            raise InputError(f"{path}: mode {mode!r} needs a fallback row with highway '*'")
    return table


def load_speeds(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check a speed table.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        CSV with columns ``mode``, ``highway``, ``kmh``; defaults to the shipped
        ``planner/resources/speeds.csv``.

    Returns
    -------
    pandas.DataFrame
        The table (a copy), one row per mode and highway class.
    """
    return _read(Path(path or SPEEDS_CSV).resolve()).copy()


def mode_speeds(mode: str, table: pd.DataFrame | None = None) -> tuple[dict[str, float], float]:
    """Speeds of one mode by highway class, and the mode's fallback speed.

    Parameters
    ----------
    mode : {"drive", "walk", "bike"}
    table : pandas.DataFrame, optional
        A table as returned by :func:`load_speeds` (default: the shipped one).

    Returns
    -------
    by_class : dict of str to float
        km/h per OSM highway class.
    fallback : float
        km/h for classes not in ``by_class``.
    """
    if mode not in MODES:
        raise InputError(f"unknown travel mode {mode!r}; use one of {list(MODES)}")
    t = load_speeds() if table is None else table
    rows = t[t["mode"] == mode]
    by_class = {h: float(k) for h, k in zip(rows["highway"], rows["kmh"], strict=True)
                if h != "*"}
    return by_class, float(rows.loc[rows["highway"] == "*", "kmh"].iloc[0])


DRIVE_SPEEDS_KMH, DRIVE_FALLBACK_KMH = mode_speeds("drive")
#: Walking speed (km/h) for walk graphs and for the walk from a point to the network.
WALK_SPEED_KMH = mode_speeds("walk")[1]
BIKE_SPEED_KMH = mode_speeds("bike")[1]
