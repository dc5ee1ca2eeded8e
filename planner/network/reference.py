"""Agreement of the planner's travel times with a published matrix on the YKR grid.

The Helsinki Region Travel Time Matrix (Digital Geography Lab, University of Helsinki,
CC BY 4.0) gives walking, cycling, public transport and car times between the centres of
250 m YKR grid cells, one file per destination (``travel_times_to_<to_id>.txt``).
:func:`read_matrix` reads those files (2015/2018 columns such as ``walk_t``, ``car_r_t``;
2023 columns such as ``walk_avg``, ``car_r``); :func:`compare_with_matrix` routes the same
cell pairs on a planner graph and reports the agreement: correlation, median ratio, and
the largest differences with their cells.

What to expect (docs/how/travel-times.md): the matrix walks at 70 m/min (4.2 km/h) and starts at the
cell centre on its own network (MetropAccess-Digiroad and OSM), and its car times include
the walk to and from the car and the search for parking, so car times run longer than a
street graph's driving times even where the routes agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from planner.errors import InputError
from planner.network.arrays import node_xy
from planner.network.matrix import travel_times
from planner.network.snap import Snapping, snap_points

#: The matrix column of each planner mode, by release (the first present is used).
MATRIX_COLUMNS = {"walk": ("walk_t", "walk_avg"), "drive": ("car_m_t", "car_m", "car_r_t"),
                  "bike": ("bike_s_t", "bike_avg")}


def read_matrix(paths: str | Path | Iterable[str | Path]) -> pd.DataFrame:
    """Read travel-time matrix files (semicolon- or comma-separated, ``-1`` = no data).

    Parameters
    ----------
    paths : path or iterable of paths
        ``travel_times_to_<to_id>.txt`` files, or a folder of them (searched recursively).

    Returns
    -------
    pandas.DataFrame
        ``from_id``, ``to_id`` and every time and distance column, ``-1`` read as missing.
    """
    if isinstance(paths, str | Path):
        p = Path(paths)
        paths = sorted(p.rglob("travel_times_to_*.txt")) if p.is_dir() else [p]
    frames = []
    for path in paths:
        if not Path(path).is_file():
            raise InputError(f"travel-time matrix file {path} does not exist")
        frame = pd.read_csv(path, sep=None, engine="python")
        missing = {"from_id", "to_id"} - set(frame.columns)
        if missing:
            raise InputError(f"{path}: not a travel-time matrix file (no {sorted(missing)})")
        frames.append(frame)
    if not frames:
        raise InputError("no travel-time matrix files given")
    table = pd.concat(frames, ignore_index=True)
    values = table.columns.difference(["from_id", "to_id"])
    table[values] = table[values].mask(table[values] < 0)
    return table


@dataclass(frozen=True)
class MatrixComparison:
    """The agreement of :func:`compare_with_matrix`.

    Attributes
    ----------
    pairs : pandas.DataFrame
        One row per cell pair with both times: ``from_id``, ``to_id``, ``reference_min``,
        ``planner_min``, ``ratio`` (planner / reference), ``difference_min``,
        ``access_m`` (snapping distance of the origin cell's centre).
    missing : int
        Pairs with a reference time that the planner did not reach within the cut-off.
    correlation, median_ratio, median_abs_difference_min : float
    column : str
        The matrix column compared.
    """

    pairs: pd.DataFrame
    missing: int
    correlation: float
    median_ratio: float
    median_abs_difference_min: float
    column: str

    def largest(self, n: int = 10) -> pd.DataFrame:
        """Return the ``n`` pairs with the largest absolute difference, largest first."""
        order = self.pairs["difference_min"].abs().sort_values(ascending=False, kind="stable")
        return self.pairs.loc[order.index[:n]]

    def summary(self, n: int = 10) -> str:
        """Return the agreement as text: the measures, then the largest differences."""
        head = (f"{len(self.pairs):,} cell pairs ({self.column}), {self.missing:,} not reached; "
                f"correlation {self.correlation:.3f}, median ratio planner/matrix "
                f"{self.median_ratio:.3f}, median |difference| "
                f"{self.median_abs_difference_min:.1f} min")
        rows = self.largest(n).to_string(index=False, float_format=lambda v: f"{v:.1f}")
        return f"{head}\nlargest differences:\n{rows}"


#: How cell centres meet the graph by default: the nearest edge, within 250 m.
CELL_SNAPPING = Snapping(snap="edge", max_snap_m=250.0)


@dataclass(frozen=True)
class MatrixRouting:
    """How :func:`compare_with_matrix` routes the matrix's cell pairs on the graph.

    Attributes
    ----------
    cutoff_min : float
        Planner cut-off (minutes); pairs beyond it count as missing.
    snapping : Snapping
        How cell centres meet the graph (default: to the nearest edge, within 250 m;
        centres farther away are outside the graph's coverage and left out).
    """

    cutoff_min: float = 120.0
    snapping: Snapping = CELL_SNAPPING


def compare_with_matrix(graph: nx.MultiDiGraph, matrix: pd.DataFrame | str | Path,
                        grid: gpd.GeoDataFrame, mode: str | None = None,
                        column: str | None = None, id_column: str = "YKR_ID",
                        routing: MatrixRouting | None = None, show: int | None = 10,
                        **kwargs: object) -> MatrixComparison:
    """Route the matrix's cell pairs on a graph and compare the times.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A prepared planner graph.
    matrix : pandas.DataFrame or path
        :func:`read_matrix` output, or what it reads.
    grid : geopandas.GeoDataFrame
        The YKR grid (e.g. ``MetropAccess_YKR_grid``): ``id_column`` and cell polygons or
        centres. Pairs whose cells are not in the grid are left out.
    mode : {"walk", "drive", "bike"}, optional
        Which matrix column to compare (see ``MATRIX_COLUMNS``); default the graph's mode.
    column : str, optional
        A matrix column to use instead.
    id_column : str
        The grid's cell id column.
    routing : MatrixRouting, optional
        The cut-off and snapping (default ``MatrixRouting()``: 120 min, to edges, within
        250 m; the walking speed of the access walk is ``routing.snapping``'s).
    show : int, optional
        Print the summary with this many largest differences (``None``: print nothing).
    **kwargs
        Passed to :func:`planner.network.travel_times` (``cache_dir``, ...).

    Returns
    -------
    MatrixComparison
    """
    table = matrix if isinstance(matrix, pd.DataFrame) else read_matrix(matrix)
    routing = routing if routing is not None else MatrixRouting()
    mode = mode or graph.graph.get("mode", "walk")
    if column is None:
        column = next((c for c in MATRIX_COLUMNS.get(mode, ()) if c in table.columns), None)
    if column is None or column not in table.columns:
        raise InputError(f"the matrix has no column for {mode!r} (columns: {list(table.columns)})")
    if id_column not in grid.columns:
        raise InputError(f"the grid has no {id_column!r} column")
    table = table.loc[table[column].notna(), ["from_id", "to_id", column]]
    centres = (grid.set_index(id_column).geometry.representative_point()
               .to_crs(graph.graph["crs"]))
    table = table[table["from_id"].isin(centres.index) & table["to_id"].isin(centres.index)]
    from_ids = np.unique(table["from_id"].to_numpy())
    to_ids = np.unique(table["to_id"].to_numpy())
    tt = travel_times(graph, gpd.GeoSeries(centres.loc[from_ids].to_numpy(), crs=centres.crs),
                      gpd.GeoSeries(centres.loc[to_ids].to_numpy(), crs=centres.crs),
                      routing.cutoff_min, routing.snapping, **kwargs)
    ours = pd.DataFrame({"from_id": from_ids[tt["origin"].to_numpy()],
                         "to_id": to_ids[tt["destination"].to_numpy()],
                         "planner_min": tt["minutes"].to_numpy()})
    out_o = set(from_ids[tt.attrs["unreachable_origins"]].tolist())
    out_d = set(to_ids[tt.attrs["unreachable_destinations"]].tolist())
    covered = table[~table["from_id"].isin(out_o) & ~table["to_id"].isin(out_d)]
    pairs = covered.merge(ours, on=["from_id", "to_id"], how="left")
    missing = int(pairs["planner_min"].isna().sum())
    pairs = pairs.dropna(subset=["planner_min"]).rename(columns={column: "reference_min"})
    pairs["ratio"] = pairs["planner_min"] / pairs["reference_min"]
    pairs["difference_min"] = pairs["planner_min"] - pairs["reference_min"]
    access = _access_m(graph, centres, routing.snapping)
    pairs["access_m"] = pairs["from_id"].map(access)
    pairs = pairs.sort_values(["to_id", "from_id"], kind="stable").reset_index(drop=True)
    ref, got = pairs["reference_min"].to_numpy(float), pairs["planner_min"].to_numpy(float)
    corr = float(np.corrcoef(ref, got)[0, 1]) if len(pairs) > 1 and ref.std() > 0 else np.nan
    result = MatrixComparison(
        pairs=pairs, missing=missing, correlation=corr,
        median_ratio=float(np.median(got / ref)) if len(pairs) else np.nan,
        median_abs_difference_min=float(np.median(np.abs(got - ref))) if len(pairs) else np.nan,
        column=column)
    if show is not None:
        print(result.summary(show))
    return result


def _access_m(graph: nx.MultiDiGraph, centres: gpd.GeoSeries, snapping: Snapping
              ) -> pd.Series:
    """Return the snapping distance of every cell centre (metres), indexed by cell id.

    The centres snap as the travel times snapped them (method and component), but without
    a farthest distance, so that centres outside the graph's coverage show how far out
    they lie.
    """
    s = snap_points(graph, gpd.GeoSeries(centres.to_numpy(), crs=centres.crs), snapping.snap,
                    snapping.walk_speed_kmh, max_snap_m=np.inf, component=snapping.component)
    return pd.Series(s.distance_m, index=centres.index)


def random_point_pairs(graph: nx.MultiDiGraph, n: int, min_m: float = 200.0,
                       max_m: float = 1000.0, margin_m: float = 200.0, seed: int = 0
                       ) -> tuple[gpd.GeoSeries, gpd.GeoSeries]:
    """Draw random point pairs ``min_m`` to ``max_m`` apart inside a graph's bounding box.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Projected graph (metres).
    n : int
        Pairs wanted.
    min_m, max_m : float
        Straight-line distance band.
    margin_m : float
        Distance kept from the bounding box's sides (ways are cut there).
    seed : int

    Returns
    -------
    origins, destinations : geopandas.GeoSeries
        Pair ``k`` is ``origins[k]``, ``destinations[k]``.
    """
    x, y = node_xy(graph)
    lo = np.array([x.min() + margin_m, y.min() + margin_m])
    hi = np.array([x.max() - margin_m, y.max() - margin_m])
    rng = np.random.default_rng(seed)
    a: list[np.ndarray] = []
    b: list[np.ndarray] = []
    while len(a) < n:
        p, q = rng.uniform(lo, hi), rng.uniform(lo, hi)
        if min_m <= np.hypot(*(p - q)) <= max_m:
            a.append(p)
            b.append(q)
    crs = graph.graph["crs"]
    return (gpd.GeoSeries(gpd.points_from_xy(*np.array(a).reshape(-1, 2).T), crs=crs),
            gpd.GeoSeries(gpd.points_from_xy(*np.array(b).reshape(-1, 2).T), crs=crs))


def osmnx_route_m(graph: nx.MultiDiGraph, origins: gpd.GeoSeries,
                  destinations: gpd.GeoSeries) -> np.ndarray:
    """Return the walking distance of each pair by osmnx's own snapping and routing.

    Each point goes to its nearest node (``osmnx.distance.nearest_nodes``), the route is
    ``osmnx.routing.shortest_path`` by length, and the walks to and from the nodes are
    added, as the planner counts them.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        An osmnx graph, projected like the points.
    origins, destinations : geopandas.GeoSeries
        Pair ``k`` is ``origins[k]`` to ``destinations[k]``.

    Returns
    -------
    numpy.ndarray
        Metres, ``nan`` where osmnx finds no route.
    """
    import osmnx as ox

    pa, pb = origins.to_crs(graph.graph["crs"]), destinations.to_crs(graph.graph["crs"])
    ua, da = ox.distance.nearest_nodes(graph, pa.x.to_numpy(), pa.y.to_numpy(),
                                       return_dist=True)
    ub, db = ox.distance.nearest_nodes(graph, pb.x.to_numpy(), pb.y.to_numpy(),
                                       return_dist=True)
    out = np.full(len(pa), np.nan)
    for k, (u, v) in enumerate(zip(ua, ub, strict=True)):
        route = ox.routing.shortest_path(graph, int(u), int(v), weight="length")
        if route is None:
            continue
        along = ox.routing.route_to_gdf(graph, route)["length"].sum() if len(route) > 1 else 0
        out[k] = da[k] + db[k] + along
    return out
