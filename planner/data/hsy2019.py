"""HSY's 250 m population grid of 2019 (väestötietoruudukko) with its ages, and Paavo areas.

``planner/resources/helsinki/hsy_vaestotietoruudukko_2019_feed_area.gpkg`` holds the 876
populated cells of the grid whose centre lies in the area of HSL's inner-city timetable
(the bounding box of its stops, lon 24.851-25.000, lat 60.150-60.250): 355,972 residents,
columns as published (``INDEX``, ``ASUKKAITA``, ``ASVALJYYS``, ``IKA0_9`` ... ``IKA_YLI80``),
polygons in EPSG:3879. Two traps of the published grid are handled here:

- in 200 of these cells every age group is 99: a suppression code, not a count. Their
  residents (``ASUKKAITA``, always given) are split by the age shares of the area's other
  cells (:func:`read_cells`);
- the grid's cell ``INDEX`` 27699 lies in the sea (about 25.254 E, 60.054 N) and holds
  37,192 residents without a location. It lies outside the feed's area, so it is not in the
  shipped file; :func:`read_cells` refuses it if a user's file holds it.

The age groups of the grid are decades; the planner's are 0-14, 15-64 and 65 and over, so
the decades 10-19 and 60-69 are split in half (residents spread evenly over the decade's
years). :func:`postal_codes` gives each point its Paavo postal code area (Statistics
Finland, 2025), the area that holds it or the nearest one (cells whose centre lies in water
by the shore).
"""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner._paths import resource as shipped
from planner.errors import InputError
from planner.schema import AGE_GROUPS, CRS

GRID_FILE = "hsy_vaestotietoruudukko_2019_feed_area.gpkg"
GRID_LAYER = "vaestotietoruudukko_2019"
POSTAL_FILE = "paavo_postal_areas_2025_feed_area.gpkg"
POSTAL_LAYER = "postialue_2025"
GRID_CRS = "EPSG:3879"
#: The suppression code of the age groups (every group of a cell 99 = not published).
SUPPRESSED = 99
#: The grid's cell in the sea that holds residents without a location (left out).
SEA_CELL = 27699
SEA_CELL_RESIDENTS = 37192
#: The grid's age columns and each one's share in the planner's groups (0-14, 15-64, 65+).
AGE_COLUMNS = {"IKA0_9": (1.0, 0.0, 0.0), "IKA10_19": (0.5, 0.5, 0.0),
               "IKA20_29": (0.0, 1.0, 0.0), "IKA30_39": (0.0, 1.0, 0.0),
               "IKA40_49": (0.0, 1.0, 0.0), "IKA50_59": (0.0, 1.0, 0.0),
               "IKA60_69": (0.0, 0.5, 0.5), "IKA70_79": (0.0, 0.0, 1.0),
               "IKA_YLI80": (0.0, 0.0, 1.0)}
ATTRIBUTION = "Population grid: Helsinki Region Environmental Services HSY, 2019, CC BY 4.0"
POSTAL_ATTRIBUTION = "Postal code areas: Statistics Finland, Paavo 2025, CC BY 4.0"

def resource(name: str) -> Path:
    """Return the path of a file of ``planner/resources/helsinki`` (importlib.resources)."""
    return shipped("helsinki", name)


def read_cells(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Load the grid's cells with residents by the planner's age groups.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A GeoPackage in the published columns (default: the shipped cells of the feed area).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per populated cell, by ``cell`` (the grid's ``INDEX``): ``population``
        (``ASUKKAITA``), ``age_0_14``, ``age_15_64``, ``age_65_`` (summing to
        ``population``), ``suppressed`` (True where the ages were the 99 code and were
        spread by the other cells' shares), the cell squares in EPSG:3879.

    Raises
    ------
    InputError
        A missing file or column, a cell whose ages do not add up to its residents, or the
        sea cell 27699.
    """
    path = Path(path) if path is not None else resource(GRID_FILE)
    try:
        raw = gpd.read_file(path, layer=GRID_LAYER)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: cannot read the population grid ({first})") from None
    missing = [c for c in ("INDEX", "ASUKKAITA", *AGE_COLUMNS) if c not in raw.columns]
    if missing:
        raise InputError(f"{path}: the grid lacks column(s) {', '.join(missing)}")
    if (raw["INDEX"] == SEA_CELL).any():
        raise InputError(f"{path}: cell {SEA_CELL} lies in the sea and holds "
                         f"{SEA_CELL_RESIDENTS:,} residents without a location; drop it")
    raw = raw[raw["ASUKKAITA"] > 0].sort_values("INDEX").reset_index(drop=True)
    decades = raw[list(AGE_COLUMNS)].to_numpy(dtype=float)
    total = raw["ASUKKAITA"].to_numpy(dtype=float)
    suppressed = (decades == SUPPRESSED).all(axis=1)
    bad = ~suppressed & (np.abs(decades.sum(axis=1) - total) > 0.5)
    if bad.any():
        raise InputError(f"{path}: cell {int(raw['INDEX'][np.argmax(bad)])}: its age groups "
                         "do not add up to ASUKKAITA; check the file")
    split = np.array(list(AGE_COLUMNS.values()))
    groups = decades @ split
    shares = groups[~suppressed].sum(axis=0) / groups[~suppressed].sum()
    groups[suppressed] = total[suppressed, None] * shares[None, :]
    data: dict[str, object] = {"cell": raw["INDEX"].astype(int).to_numpy(),
                               "population": total}
    data |= {g: groups[:, i] for i, g in enumerate(AGE_GROUPS)}
    data["suppressed"] = suppressed
    return gpd.GeoDataFrame(data, geometry=raw.geometry.to_numpy(), crs=GRID_CRS)


def age_shares(cells: gpd.GeoDataFrame) -> dict[str, float]:
    """Return the age shares of the cells whose ages were published (the 99 code's rule)."""
    real = cells[~cells["suppressed"]]
    tot = real[list(AGE_GROUPS)].to_numpy().sum()
    return {g: float(real[g].sum() / tot) for g in AGE_GROUPS}


@functools.cache
def postal_areas(path: str | None = None) -> gpd.GeoDataFrame:
    """Load the Paavo postal code areas of the feed area (EPSG:3067).

    Returns
    -------
    geopandas.GeoDataFrame
        ``posti_alue`` (5 digits), ``nimi`` (Finnish), ``namn`` (Swedish), ``area``
        (``"00100 Helsinki keskusta - Etu-Töölö"``: the planner's area name) and polygons.
    """
    src = Path(path) if path is not None else resource(POSTAL_FILE)
    raw = gpd.read_file(src, layer=POSTAL_LAYER).to_crs(CRS)
    if not {"posti_alue", "nimi", "namn"} <= set(raw.columns):
        raise InputError(f"{src}: the postal areas need columns posti_alue, nimi and namn")
    raw = raw.sort_values("posti_alue").reset_index(drop=True)
    raw["area"] = raw["posti_alue"] + " " + raw["nimi"]
    return raw[["posti_alue", "nimi", "namn", "area", "geometry"]]


def postal_codes(points: gpd.GeoSeries, areas: gpd.GeoDataFrame | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Return each point's postal code area: the one that holds it, else the nearest.

    Parameters
    ----------
    points : geopandas.GeoSeries
        Any CRS.
    areas : geopandas.GeoDataFrame, optional
        :func:`postal_areas` (the shipped ones by default).

    Returns
    -------
    codes : numpy.ndarray of str
        ``posti_alue`` of each point.
    distance : numpy.ndarray
        Metres to that area (0 inside it).
    """
    areas = postal_areas() if areas is None else areas
    pts = gpd.GeoDataFrame(geometry=points.to_crs(CRS).to_numpy(), crs=CRS)
    near = gpd.sjoin_nearest(pts, areas[["posti_alue", "geometry"]], distance_col="_d")
    # a point on a border between two areas: the lower code
    near = near.reset_index().sort_values(["index", "posti_alue"]).drop_duplicates("index")
    near = near.set_index("index").reindex(pd.RangeIndex(len(pts)))
    return near["posti_alue"].to_numpy(dtype=str), near["_d"].to_numpy(dtype=float)
