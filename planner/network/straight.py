"""A straight-line travel-time model for regions without a street network.

``minutes = euclidean distance x circuity / speed + access minutes``, computed in EPSG:3067
with a KD-tree (``scipy.spatial.cKDTree.sparse_distance_matrix``) so that only the pairs
within the cut-off are ever built: 300 000 points x 3 000 sites fit in memory as long as the
pairs within the cut-off do. The result has the same long-table shape as
:func:`planner.network.travel_times` and says ``attrs["model"] == "straight_line"``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from planner.errors import InputError
from planner.schema import CRS

#: Typical ratio of network to straight-line distance on Finnish road networks (Finnish and
#: Nordic studies report about 1.2-1.4 for driving; walking in town is similar).
DEFAULT_CIRCUITY = 1.3
#: Origins per KD-tree query, to bound the memory of one query's pair list.
CHUNK_POINTS = 50_000


def _xy(points: gpd.GeoSeries) -> np.ndarray:
    if points.crs is None:
        raise InputError("points have no CRS; set one (EPSG:3067 or EPSG:4326)")
    pts = points.to_crs(CRS)
    if len(pts) == 0:
        return np.empty((0, 2))
    if (pts.is_empty | pts.isna()).any():
        raise InputError("points include empty or missing geometries")
    pts = pts.representative_point()
    return np.column_stack([pts.x.to_numpy(dtype=float), pts.y.to_numpy(dtype=float)])


def straight_line_times(origins: gpd.GeoSeries, destinations: gpd.GeoSeries,
                        cutoff_min: float, speed_kmh: float,
                        circuity: float = DEFAULT_CIRCUITY, access_min: float = 0.0,
                        chunk_points: int = CHUNK_POINTS) -> pd.DataFrame:
    """Return travel times along straight lines stretched by a circuity factor, within a cut-off.

    Parameters
    ----------
    origins, destinations : geopandas.GeoSeries
        Points in any CRS (polygons: their representative point); rows are identified by
        position in the result.
    cutoff_min : float
        Pairs slower than this (minutes) are left out.
    speed_kmh : float
        Average door-to-door speed along the stretched line (km/h).
    circuity : float
        Network distance per straight-line distance (>= 1).
    access_min : float
        Fixed minutes added to every pair (parking, walking to the door, waiting).
    chunk_points : int
        Origins per KD-tree query.

    Returns
    -------
    pandas.DataFrame
        Columns ``origin``, ``destination``, ``minutes``, sorted by origin then destination;
        pairs beyond the cut-off are absent. ``attrs["model"] == "straight_line"`` and the
        parameters are in ``attrs``; no point is unreachable.
    """
    if speed_kmh <= 0 or not np.isfinite(speed_kmh):
        raise InputError("straight-line model: speed_kmh must be a positive number")
    if circuity < 1 or not np.isfinite(circuity):
        raise InputError("straight-line model: circuity must be >= 1")
    if access_min < 0 or cutoff_min < 0:
        raise InputError("straight-line model: access_min and cutoff_min must be >= 0")
    o_xy, d_xy = _xy(origins), _xy(destinations)
    m_per_min = speed_kmh * 1000.0 / 60.0
    radius_m = (cutoff_min - access_min) * m_per_min / circuity
    parts_i, parts_j, parts_v = [], [], []
    if radius_m >= 0 and len(o_xy) and len(d_xy):
        d_tree = cKDTree(d_xy)
        for start in range(0, len(o_xy), max(1, chunk_points)):
            o_tree = cKDTree(o_xy[start:start + chunk_points])
            pairs = o_tree.sparse_distance_matrix(d_tree, radius_m, output_type="ndarray")
            parts_i.append(pairs["i"].astype(np.int64) + start)
            parts_j.append(pairs["j"].astype(np.int64))
            parts_v.append(pairs["v"])
    i = np.concatenate(parts_i) if parts_i else np.empty(0, dtype=np.int64)
    j = np.concatenate(parts_j) if parts_j else np.empty(0, dtype=np.int64)
    dist = np.concatenate(parts_v) if parts_v else np.empty(0)
    minutes = dist * circuity / m_per_min + access_min
    keep = minutes <= cutoff_min
    order = np.lexsort((j[keep], i[keep]))
    result = pd.DataFrame({"origin": i[keep][order], "destination": j[keep][order],
                           "minutes": minutes[keep][order]})
    result.attrs.update(unreachable_origins=[], unreachable_destinations=[],
                        model="straight_line", speed_kmh=float(speed_kmh),
                        circuity=float(circuity), access_min=float(access_min),
                        cutoff_min=float(cutoff_min))
    return result
