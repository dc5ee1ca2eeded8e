"""Graph sources and speeds: OSM XML, .osm.pbf, and osmnx downloads through a fake server.

``tests/data/kauniainen_toy.osm`` is a small OSM XML sample (ids 91000000xx) laid out so that
every expectation can be checked by hand:

    6 ---- 5 ---- 4        Koulutie (residential) 4-5-6; footway 6-1;
    |      :      ^        private service road 2-5 (no one may use it);
    |      :      |        Kauppatie 3 -> 4 one-way, maxspeed 40;
    1 ---- 2 ---- 3        Asematie (residential) 1-2-3.      10 ---- 11 (an island)

Nodes are 0.0018 deg of longitude (99.4 m at 60.21 N) and 0.0009 deg of latitude (100.1 m)
apart. ``overpass_drive.json`` is the same area in the shape of Overpass's answer to osmnx's
drive query, and ``nominatim_search.json`` a Nominatim search answer with its polygon.
"""

from __future__ import annotations

import bz2
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import networkx as nx
import numpy as np
import osmnx as ox
import pyrosm
import pytest
from shapely.geometry import box

from planner import network
from planner.errors import InputError

DATA = Path(__file__).parents[1] / "data"
TOY = DATA / "kauniainen_toy.osm"
BASE = 9_100_000_000


def short(graph: nx.MultiDiGraph) -> dict[tuple[int, int], dict]:
    """Edges keyed by the sample's short node numbers."""
    return {(u - BASE, v - BASE): d for u, v, d in graph.edges(data=True)}


def test_speed_table_is_the_one_source_of_speeds() -> None:
    table = network.load_speeds()
    assert set(table["mode"]) == {"drive", "walk", "bike"}
    assert network.WALK_SPEED_KMH == 4.5
    assert network.DRIVE_SPEEDS_KMH["residential"] == 30.0
    assert network.DRIVE_SPEEDS_KMH["motorway"] == 120.0
    assert network.DRIVE_FALLBACK_KMH == 40.0
    by_class, fallback = network.mode_speeds("bike")
    assert (by_class["steps"], fallback) == (4.0, 15.0)
    with pytest.raises(InputError, match="unknown travel mode"):
        network.mode_speeds("boat")


def test_speed_table_rejects_missing_fallback(tmp_path: Path) -> None:
    bad = tmp_path / "speeds.csv"
    bad.write_text("mode,highway,kmh\ndrive,*,40\nwalk,*,4.5\nbike,cycleway,15\n")
    with pytest.raises(InputError, match="'bike' needs a fallback"):
        network.load_speeds(bad)


@pytest.mark.parametrize("suffix", [".osm", ".osm.bz2"])
def test_xml_drive_graph(tmp_path: Path, suffix: str) -> None:
    path = TOY
    if suffix == ".osm.bz2":
        path = tmp_path / "toy.osm.bz2"
        path.write_bytes(bz2.compress(TOY.read_bytes()))
    g = network.graph_from_xml(path, "drive")
    assert g.graph["crs"] == "EPSG:3067" and g.graph["mode"] == "drive"
    edges = short(g)
    # no footway 6-1, no private service road 2-5, no building; 2 and 5 are inner nodes
    assert set(edges) == {(1, 3), (3, 1), (3, 4), (4, 6), (6, 4), (10, 11), (11, 10)}
    # residential without maxspeed: 30 km/h from resources/speeds.csv; 2 x 99.44 m
    assert edges[(1, 3)]["speed_kph"] == 30.0
    assert edges[(1, 3)]["length"] == pytest.approx(198.9, abs=0.2)
    assert edges[(1, 3)]["travel_time"] == pytest.approx(198.88 / (30 / 3.6), abs=0.05)
    # tagged maxspeed 40 wins over the table's tertiary 50; one-way: no (4, 3)
    assert edges[(3, 4)]["speed_kph"] == 40.0
    assert edges[(3, 4)]["travel_time"] == pytest.approx(100.08 / (40 / 3.6), abs=0.05)


def test_xml_walk_graph_is_two_way_and_uses_footways() -> None:
    g = network.graph_from_xml(TOY, "walk", walk_speed_kmh=5.0)
    edges = short(g)
    assert {(4, 3), (1, 6), (6, 1)} <= set(edges)  # one-way ignored on foot; footway in
    assert (2, 5) not in edges and (5, 2) not in edges  # private
    assert {d["speed_kph"] for d in edges.values()} == {5.0}
    assert edges[(1, 6)]["travel_time"] == pytest.approx(100.08 / (5 / 3.6), abs=0.05)


def test_xml_bike_speeds_from_table() -> None:
    g = network.graph_from_xml(TOY, "bike")
    edges = short(g)
    assert (4, 3) not in edges  # bikes follow one-way streets
    assert {d["speed_kph"] for d in edges.values()} == {15.0}


def test_missing_file_and_unknown_mode() -> None:
    with pytest.raises(InputError, match="does not exist"):
        network.graph_from_xml("nowhere.osm", "walk")
    with pytest.raises(InputError, match="unknown travel mode"):
        network.graph_from_xml(TOY, "ferry")


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "nodes"), [("drive", 1437), ("walk", 5559)])
def test_pbf_graph_matches_demo(mode: str, nodes: int) -> None:
    g = network.graph_from_pbf(pyrosm.get_data("helsinki_pbf"), mode)
    assert g.number_of_nodes() == nodes  # the counts DESIGN.md gives for the extract
    assert g.graph["crs"] == "EPSG:3067"
    assert all(t > 0 for *_, t in g.edges(data="travel_time"))


def test_pbf_bike_graph() -> None:
    g = network.graph_from_pbf(pyrosm.get_data("helsinki_pbf"), "bike",
                               bounding_box=[24.935, 60.165, 24.945, 60.170])
    assert 0 < g.number_of_nodes() < 5559
    assert {d["speed_kph"] for *_, d in g.edges(data=True)} <= {4.0, 10.0, 12.0, 15.0}


class _FakeOSM(BaseHTTPRequestHandler):
    """Answers osmnx's Overpass POST and Nominatim GET with the recorded samples."""

    requests: ClassVar[list[tuple[str, str, dict]]] = []

    def _reply(self, payload: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.requests.append(("POST", self.path, parse_qs(body)))
        self._reply((DATA / "overpass_drive.json").read_bytes())

    def do_GET(self) -> None:
        url = urlparse(self.path)
        self.requests.append(("GET", url.path, parse_qs(url.query)))
        self._reply((DATA / "nominatim_search.json").read_bytes())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_osm(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict]]:
    """Serve Overpass and Nominatim from a local HTTP server; yield its request log."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOSM)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeOSM.requests = []
    # osmnx pins the host name in socket.getaddrinfo; undo that after the test
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    monkeypatch.setattr(ox.settings, "overpass_url", f"http://127.0.0.1:{port}/api")
    monkeypatch.setattr(ox.settings, "nominatim_url", f"http://127.0.0.1:{port}/")
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    monkeypatch.setattr(ox.settings, "use_cache", False)
    yield _FakeOSM.requests
    server.shutdown()
    server.server_close()


def _check_downloaded_drive(g: nx.MultiDiGraph) -> None:
    xml = network.graph_from_xml(TOY, "drive")
    assert g.graph["crs"] == "EPSG:3067"
    assert set(g.nodes) == set(xml.nodes)
    assert set(short(g)) == set(short(xml))
    for key, d in short(g).items():
        assert d["travel_time"] == pytest.approx(short(xml)[key]["travel_time"], rel=1e-6)


def test_download_by_polygon(fake_osm: list) -> None:
    poly = box(24.6595, 60.2095, 24.6713, 60.2114)
    g = network.graph_from_polygon(poly, "drive")
    _check_downloaded_drive(g)
    [(method, path, form)] = fake_osm
    assert (method, path) == ("POST", "/api/interpreter")
    query = form["data"][0]
    assert '"highway"!~"abandoned|bridleway|bus_guideway|construction|corridor' in query
    assert "poly:" in query and "60.2095" in query


def test_download_by_polygon_in_tm35fin(fake_osm: list) -> None:
    poly, _ = ox.projection.project_geometry(box(24.6595, 60.2095, 24.6713, 60.2114),
                                             to_crs="EPSG:3067")
    _check_downloaded_drive(network.graph_from_polygon(poly, "drive", crs="EPSG:3067"))
    assert len(fake_osm) == 1


def test_download_by_place_name(fake_osm: list) -> None:
    g = network.graph_from_place("Testikylä, Kauniainen", "drive")
    _check_downloaded_drive(g)
    (m1, p1, q1), (m2, p2, _) = fake_osm
    assert (m1, p1, q1["q"], q1["polygon_geojson"]) == ("GET", "/search",
                                                        ["Testikylä, Kauniainen"], ["1"])
    assert (m2, p2) == ("POST", "/api/interpreter")
    # the Overpass query is bounded by the polygon Nominatim returned (osmnx adds a margin)
    poly = fake_osm[1][2]["data"][0].split("poly:'")[1].split("'")[0]
    lat, lon = np.array(poly.split(), dtype=float).reshape(-1, 2).T
    assert 60.20 < lat.min() < 60.2095 and 60.2114 < lat.max() < 60.22
    assert 24.64 < lon.min() < 24.6595 and 24.6713 < lon.max() < 24.69
