"""The HSY 250 m population grid of central Helsinki (2020) as the demo's residents and areas.

``resources/demo/hsy_population_grid_2020_helsinki_centre.gpkg`` is real data: the population
grid (väestötietoruudukko) of Helsinki Region Environmental Services HSY, 2020, CC BY 4.0,
as published in the sample data of r5py (92 cells, 71,724 residents; see
``resources/demo/README.md``). Its cells are squares of HSY's own lattice in EPSG:3879 (GK25):
x a multiple of 250 m, y one metre below one.

:func:`grid_pieces` cuts the demo's outline (the convex hull of its street network) into the
squares of that lattice: each piece carries the residents of its cell in proportion to the
area of the cell inside the outline (area-weighted; a square without a cell has no
residents), the postal code of the addresses in it, and the 1 km block of 4 x 4 cells it
belongs to. :func:`place_residents` puts each piece's residents into its residential
buildings in proportion to their floor area (one point inside the piece where it has none).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
import shapely.ops
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from planner._paths import resource
from planner.errors import InputError
from planner.schema import CRS

GRID_GPKG = resource("demo", "hsy_population_grid_2020_helsinki_centre.gpkg")
GRID_LAYER = "population_grid_2020"
ATTRIBUTION = "Population grid: Helsinki Region Environmental Services HSY, 2020, CC BY 4.0"
#: HSY's lattice: the CRS of its cells, their size and the lattice origin (m).
GRID_CRS = "EPSG:3879"
CELL_M = 250.0
ORIGIN = (0.0, -1.0)
#: Cells per side of a block (4 x 4 cells: 1 km).
BLOCK_CELLS = 4


def read_grid(path: str | None = None) -> gpd.GeoDataFrame:
    """Load the population grid cells in HSY's lattice CRS (EPSG:3879).

    Returns
    -------
    geopandas.GeoDataFrame
        ``cell`` (the file's ``id``), ``population``, ``col``, ``row`` (lattice indices) and
        the cell squares.

    Raises
    ------
    InputError
        When the file or its columns are missing, or a cell is off the 250 m lattice.
    """
    path = path or GRID_GPKG
    try:
        raw = gpd.read_file(path, layer=GRID_LAYER)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: cannot read the population grid ({first}); reinstall the "
                         "planner's data folder") from None
    if not {"id", "population"} <= set(raw.columns):
        raise InputError(f"{path}: the grid needs columns id and population; found "
                         f"{', '.join(map(str, raw.columns))}")
    cells = raw.to_crs(GRID_CRS)
    b = cells.geometry.bounds
    col = np.round((b["minx"] - ORIGIN[0]) / CELL_M)
    row = np.round((b["miny"] - ORIGIN[1]) / CELL_M)
    off = np.maximum(np.abs(b["minx"] - ORIGIN[0] - col * CELL_M),
                     np.abs(b["miny"] - ORIGIN[1] - row * CELL_M))
    if (off > 1.0).any():
        raise InputError(f"{path}: cell {raw['id'].iloc[int(np.argmax(off))]} is not on HSY's "
                         "250 m lattice (EPSG:3879); check the file")
    return gpd.GeoDataFrame({"cell": raw["id"].astype(int).to_numpy(),
                             "population": raw["population"].astype(float).to_numpy(),
                             "col": col.astype(int).to_numpy(),
                             "row": row.astype(int).to_numpy()},
                            geometry=cells.geometry.to_numpy(), crs=GRID_CRS)


def _lattice(outline: BaseGeometry) -> gpd.GeoDataFrame:
    """Return the lattice squares meeting ``outline`` (given in EPSG:3879), cut to it."""
    minx, miny, maxx, maxy = outline.bounds
    cols = range(int(np.floor((minx - ORIGIN[0]) / CELL_M)),
                 int(np.ceil((maxx - ORIGIN[0]) / CELL_M)))
    rows = range(int(np.floor((miny - ORIGIN[1]) / CELL_M)),
                 int(np.ceil((maxy - ORIGIN[1]) / CELL_M)))
    squares = [(c, r, box(ORIGIN[0] + c * CELL_M, ORIGIN[1] + r * CELL_M,
                          ORIGIN[0] + (c + 1) * CELL_M, ORIGIN[1] + (r + 1) * CELL_M))
               for c in cols for r in rows]
    pieces = shapely.intersection(np.array([s for _, _, s in squares]), outline)
    keep = ~shapely.is_empty(pieces) & (shapely.area(pieces) > 1.0)
    return gpd.GeoDataFrame({"col": [c for c, _, _ in squares], "row": [r for _, r, _ in
                                                                        squares],
                             "square_m2": CELL_M * CELL_M},
                            geometry=pieces, crs=GRID_CRS)[keep].reset_index(drop=True)


def grid_pieces(outline: BaseGeometry, addresses: gpd.GeoDataFrame,
                grid: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Cut the outline into HSY's 250 m squares, with residents, postal code and block.

    Parameters
    ----------
    outline : shapely geometry
        The demo's outline in EPSG:3067.
    addresses : geopandas.GeoDataFrame
        Points with ``postcode`` (5 digits), any CRS: OSM's addressed features.
    grid : geopandas.GeoDataFrame, optional
        :func:`read_grid` (read from the shipped file by default).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per square piece, ordered by lattice column then row: ``piece``
        (``"c<col>r<row>"``), ``cell`` (the grid's id, -1 where the grid has no cell),
        ``population`` (the cell's residents x the share of the cell inside the outline),
        ``postcode`` (most addresses in the piece, ties to the lower code; the nearest
        address where it has none), ``block`` (``"<col // 4>-<row // 4>"``), geometry in
        EPSG:3067.
    """
    grid = read_grid() if grid is None else grid
    to_grid = pyproj.Transformer.from_crs(CRS, GRID_CRS, always_xy=True)
    local = shapely.ops.transform(to_grid.transform, outline)
    pieces = _lattice(local)
    by_square = grid.set_index(["col", "row"])
    keys = list(zip(pieces["col"], pieces["row"], strict=True))
    known = [k in by_square.index for k in keys]
    pieces["cell"] = [int(by_square.loc[k, "cell"]) if ok else -1
                      for k, ok in zip(keys, known, strict=True)]
    cell_pop = np.array([float(by_square.loc[k, "population"]) if ok else 0.0
                         for k, ok in zip(keys, known, strict=True)])
    pieces["population"] = cell_pop * pieces.geometry.area / pieces["square_m2"]
    pieces["piece"] = [f"c{c}r{r}" for c, r in keys]
    pieces["block"] = [f"{c // BLOCK_CELLS}-{r // BLOCK_CELLS}" for c, r in keys]
    pieces = pieces.to_crs(CRS)
    pieces["postcode"] = _postcodes(pieces, addresses.to_crs(CRS))
    pieces = pieces.sort_values(["col", "row"], ignore_index=True)
    return pieces[["piece", "cell", "population", "postcode", "block", "geometry"]]


def _postcodes(pieces: gpd.GeoDataFrame, addresses: gpd.GeoDataFrame) -> list[str]:
    """Return the most frequent postal code of each piece's addresses, else the nearest one's."""
    if len(addresses) == 0:
        raise InputError("the demo extract has no addresses with a postal code; the demo's "
                         "areas need them")
    pts = gpd.GeoDataFrame({"postcode": addresses["postcode"].to_numpy()},
                           geometry=addresses.geometry.representative_point().to_numpy(),
                           crs=CRS)
    inside = gpd.sjoin(pts, pieces[["geometry"]], predicate="within", how="inner")
    counts = inside.groupby(["index_right", "postcode"]).size().reset_index(name="n")
    counts = counts.sort_values(["index_right", "n", "postcode"], ascending=[True, False, True])
    best = counts.drop_duplicates("index_right").set_index("index_right")["postcode"]
    out = []
    for i, geom in enumerate(pieces.geometry):
        if i in best.index:
            out.append(str(best[i]))
        else:
            d = pts.geometry.distance(geom.representative_point()).to_numpy()
            out.append(str(pts["postcode"].iloc[int(np.argmin(d))]))
    return out


def place_residents(pieces: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame
                    ) -> gpd.GeoDataFrame:
    """Place each piece's residents at its residential buildings, in proportion to floor area.

    Parameters
    ----------
    pieces : geopandas.GeoDataFrame
        :func:`grid_pieces` (EPSG:3067).
    buildings : geopandas.GeoDataFrame
        Residential footprints with ``id`` and ``floor_m2`` (EPSG:3067).

    Returns
    -------
    geopandas.GeoDataFrame
        ``demand_id`` (``hsy-<piece>-bldg-<id>``, or ``hsy-<piece>`` at a point inside a
        piece without residential buildings), ``population``, ``piece``, ``cell``,
        ``postcode``, ``block``, geometry (a building's representative point).
    """
    pts = gpd.GeoDataFrame({"id": buildings["id"].to_numpy(),
                            "floor_m2": buildings["floor_m2"].to_numpy(dtype=float)},
                           geometry=buildings.geometry.representative_point().to_numpy(),
                           crs=CRS)
    inside = gpd.sjoin(pts, pieces[["geometry"]], predicate="within", how="inner")
    rows = []
    for i, p in enumerate(pieces.itertuples()):
        if p.population <= 0:
            continue
        mine = inside[inside["index_right"] == i].sort_values("id")
        if len(mine) and mine["floor_m2"].sum() > 0:
            share = mine["floor_m2"].to_numpy() / mine["floor_m2"].sum()
            for (bid, geom), s in zip(zip(mine["id"], mine.geometry, strict=True), share,
                                      strict=True):
                rows.append((f"hsy-{p.piece}-bldg-{bid}", p.population * s, geom))
        else:
            rows.append((f"hsy-{p.piece}", p.population, p.geometry.representative_point()))
    out = gpd.GeoDataFrame(rows, columns=["demand_id", "population", "geometry"],
                           geometry="geometry", crs=CRS)
    piece = out["demand_id"].str.split("-").str[1]
    info = pieces.set_index("piece")
    for col in ("cell", "postcode", "block"):
        out[col] = piece.map(info[col]).to_numpy()
    out["piece"] = piece.to_numpy()
    return out


def summary(pieces: gpd.GeoDataFrame, grid: gpd.GeoDataFrame | None = None) -> pd.Series:
    """Count the cells used, residents kept and the grid's total (for notes and tests)."""
    grid = read_grid() if grid is None else grid
    used = pieces[pieces["cell"] >= 0]
    return pd.Series({"cells_in_file": len(grid), "residents_in_file": grid["population"].sum(),
                      "cells_used": used["cell"].nunique(),
                      "residents": pieces["population"].sum(),
                      "squares": len(pieces), "empty_squares": int((pieces["cell"] < 0).sum())})
