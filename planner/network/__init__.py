"""Travel networks and travel-time matrices.

Graphs are osmnx-compatible ``networkx.MultiDiGraph`` objects projected to EPSG:3067 with
``travel_time`` (seconds) on every edge (:mod:`~planner.network.graph`; their node ids,
coordinates and sparse matrix of edge weights in :mod:`~planner.network.arrays`); walk graphs
get their pedestrian squares as links (:mod:`~planner.network.areas`), and every graph built is
measured (:mod:`~planner.network.quality`). Points are snapped to nodes or edges of the
largest strongly connected component, away from indoor, platform and private ways
(:mod:`~planner.network.tags`), with the walk to the network priced as access time
(:mod:`~planner.network.snap`). Matrices run a compiled bounded search from the smaller
side with a cut-off (:mod:`~planner.network.kernel`), in memory-bounded chunks
(:mod:`~planner.network.matrix`), optionally cached on disk (:mod:`~planner.network.cache`).
Where there is no network, a straight-line model stands in (:mod:`~planner.network.straight`);
:mod:`~planner.network.isochrones` draws the areas within N minutes of a site.
Public transport: a GTFS feed is read and checked (:mod:`~planner.network.gtfs`), one
service day laid out for routing (:mod:`~planner.network.timetable`) and routed by Range
RAPTOR over a window of departures (:mod:`~planner.network.raptor`,
:mod:`~planner.network.transit`).
"""

from __future__ import annotations

from planner.network.areas import add_area_links, areas_from_pbf, areas_from_xml
from planner.network.arrays import graph_to_csr, min_csr, node_ids, node_xy
from planner.network.graph import (
    MODE_HIGHWAYS,
    finish_graph,
    graph_from_pbf,
    graph_from_place,
    graph_from_polygon,
    graph_from_xml,
    keep_mode_edges,
    prepare_graph,
)
from planner.network.gtfs import GtfsFeed, read_gtfs
from planner.network.isochrones import isochrones
from planner.network.matrix import (
    empty_table,
    node_times,
    pair_times,
    to_sparse,
    travel_time_matrix,
    travel_times,
)
from planner.network.quality import GraphQuality, graph_quality, report_quality
from planner.network.reference import (
    MatrixComparison,
    MatrixRouting,
    compare_with_matrix,
    read_matrix,
)
from planner.network.snap import (
    SNAP_COMPONENTS,
    SNAP_METHODS,
    Snapped,
    Snapping,
    SnapTargets,
    snap,
    snap_points,
    snap_targets,
)
from planner.network.speeds import (
    BIKE_SPEED_KMH,
    DRIVE_FALLBACK_KMH,
    DRIVE_SPEEDS_KMH,
    SPEEDS_CSV,
    WALK_SPEED_KMH,
    load_speeds,
    mode_speeds,
)
from planner.network.straight import straight_line_times
from planner.network.transit import TransitNetwork, Walking, transit_times

__all__ = [
    "BIKE_SPEED_KMH",
    "DRIVE_FALLBACK_KMH",
    "DRIVE_SPEEDS_KMH",
    "MODE_HIGHWAYS",
    "SNAP_COMPONENTS",
    "SNAP_METHODS",
    "SPEEDS_CSV",
    "WALK_SPEED_KMH",
    "GraphQuality",
    "GtfsFeed",
    "MatrixComparison",
    "MatrixRouting",
    "SnapTargets",
    "Snapped",
    "Snapping",
    "TransitNetwork",
    "Walking",
    "add_area_links",
    "areas_from_pbf",
    "areas_from_xml",
    "compare_with_matrix",
    "empty_table",
    "finish_graph",
    "graph_from_pbf",
    "graph_from_place",
    "graph_from_polygon",
    "graph_from_xml",
    "graph_quality",
    "graph_to_csr",
    "isochrones",
    "keep_mode_edges",
    "load_speeds",
    "min_csr",
    "mode_speeds",
    "node_ids",
    "node_times",
    "node_xy",
    "pair_times",
    "prepare_graph",
    "read_gtfs",
    "read_matrix",
    "report_quality",
    "snap",
    "snap_points",
    "snap_targets",
    "straight_line_times",
    "to_sparse",
    "transit_times",
    "travel_time_matrix",
    "travel_times",
]
