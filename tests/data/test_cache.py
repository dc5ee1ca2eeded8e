"""The disk cache and HTTP client of planner.data, against a local fake of the Finnish APIs.

The fake server (:class:`FakeFinland`) is shared by the other ``test_data_*`` modules: it
serves the recorded payloads in ``tests/data/finland`` with WFS paging
(``count``/``startIndex``) and PTV paging (``page``), and has routes that fail.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from planner.data.cache import CACHE_ENV, Fetcher, SourceError, resolve_cache_dir
from planner.errors import PlannerError

DATA = Path(__file__).parent / "finland"
WFS_FILES = {
    "tilastointialueet:kunta1000k_2025": "statfi_kunta1000k_2025.geojson",
    "tilastointialueet:hyvinvointialue1000k_2025": "statfi_hyvinvointialue1000k_2025.geojson",
    "vaestoruutu:vaki2025_1km": "statfi_vaki2025_1km.geojson",
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes | str, ctype: str = "application/json") -> None:
        body = body.encode("utf-8") if isinstance(body, str) else body
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            pass

    def do_GET(self) -> None:
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.requests.append((url.path, q))
        if url.path == "/error500":
            return self._send(500, "<html>Internal Server Error</html>", "text/html")
        if url.path == "/slow":
            time.sleep(1.0)
            return self._send(200, "{}")
        if url.path == "/garbage":
            return self._send(200, "<html><body>Service unavailable</body></html>",
                              "text/html")
        if url.path.startswith("/list/"):  # valid JSON of the wrong shape
            return self._send(200, "[1, 2]")
        if url.path == "/geoserver/wfs":
            name = WFS_FILES.get(q.get("typeNames", ""))
            if name is None:
                return self._send(400, "<ows:ExceptionReport>Unknown type</ows:ExceptionReport>",
                                  "text/xml")
            data = json.loads((DATA / name).read_text(encoding="utf-8"))
            start, count = int(q.get("startIndex", 0)), int(q.get("count", 10**9))
            page = data["features"][start:start + count]
            data.update(features=page, numberReturned=len(page))
            return self._send(200, json.dumps(data))
        if url.path == "/api/v11/ServiceChannel/list/organization":
            org = q.get("organizationId") or self.server.business_ids.get(q.get("code", ""))
            path = DATA / f"ptv_org_{org}_page{q.get('page', '1')}.json"
            if not path.is_file():
                return self._send(404, '{"error": "not found"}')
            return self._send(200, path.read_bytes())
        if url.path.endswith("/maps"):  # .../correspondenceTables/kunta_1_<d>%23<target>_1_<d>
            table = url.path.split("/")[-2].replace("%23", "#")
            target = table.split("#")[-1].split("_1_")[0]
            lang = "" if q.get("lang", "fi") == "fi" else f"_{q['lang']}"
            path = DATA / f"statfi_corr_kunta_{target}{lang}.json"
            if not path.is_file():
                return self._send(404, '{"error": "no such correspondence table"}')
            return self._send(200, path.read_bytes())
        return self._send(404, '{"error": "no route"}')


class _Server(ThreadingHTTPServer):
    requests: list[tuple[str, dict[str, str]]]
    business_ids: dict[str, str]


class FakeFinland:
    """A local server on 127.0.0.1 answering like geo.stat.fi and the PTV API."""

    def __init__(self) -> None:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.requests = []
        self.server.business_ids = {"0246246-0": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    @property
    def requests(self) -> list[tuple[str, dict[str, str]]]:
        return self.server.requests

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(name="fake")
def fake_server() -> Iterator[FakeFinland]:
    """Start the fake server (other modules import ``fake_server``; the fixture is ``fake``)."""
    server = FakeFinland()
    yield server
    server.close()


def test_cache_dir_argument_beats_env_beats_user_dir(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env"))
    assert resolve_cache_dir(tmp_path / "arg") == tmp_path / "arg"
    assert resolve_cache_dir() == tmp_path / "env"
    monkeypatch.delenv(CACHE_ENV)
    assert "planner" in str(resolve_cache_dir())


def test_payload_is_cached_with_sidecar_and_reused_offline(fake: FakeFinland,
                                                           tmp_path: Path) -> None:
    f = Fetcher(tmp_path)
    params = {"service": "WFS", "typeNames": "tilastointialueet:kunta1000k_2025"}
    first = f.get_json(f"{fake.base}/geoserver/wfs", params, licence="CC BY 4.0",
                       attribution="Statistics Finland")
    assert not first.from_cache and len(first.data["features"]) == 4
    meta = json.loads(first.path.with_suffix(".meta.json").read_text())
    assert meta["url"] == first.url and meta["licence"] == "CC BY 4.0"
    assert meta["attribution"] == "Statistics Finland" and meta["fetched_at"].startswith("20")
    offline = Fetcher(tmp_path, offline=True)
    again = offline.get_json(f"{fake.base}/geoserver/wfs", params, licence="x", attribution="y")
    assert again.from_cache and again.data == first.data and offline.used_cache
    assert again.licence == "CC BY 4.0"  # from the sidecar, not the caller
    assert len(fake.requests) == 1
    assert offline.attributions() == ["Statistics Finland (CC BY 4.0)"]


def test_offline_without_cache_names_the_url(fake: FakeFinland, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"not in the cache .* run 'planner fetch'"):
        Fetcher(tmp_path, offline=True).get_json(f"{fake.base}/geoserver/wfs", {"a": 1},
                                                 licence="", attribution="")
    assert fake.requests == []


@pytest.mark.parametrize(("route", "pattern"), [
    ("/error500", r"/error500: HTTP 500 \(server error\); try again later"),
    ("/slow", r"/slow: no answer within 0.3 s; try again later"),
    ("/garbage", r"/garbage: the response is not valid JSON .*'<html><body>Service"),
    ("/nothing", r"/nothing: HTTP 404 \(request refused\); check the layer"),
])
def test_http_failures_give_one_line_naming_the_url(fake: FakeFinland, tmp_path: Path,
                                                    route: str, pattern: str) -> None:
    # only the slow route times out: the others get time to answer on a busy machine
    f = Fetcher(tmp_path, timeout=0.3 if route == "/slow" else 10.0)
    with pytest.raises(PlannerError, match=pattern) as info:
        f.get_json(f"{fake.base}{route}", licence="", attribution="")
    assert "\n" not in str(info.value) and fake.base in str(info.value)
    assert not list(tmp_path.glob("*.json"))  # nothing broken is cached


def test_refresh_downloads_again(fake: FakeFinland, tmp_path: Path) -> None:
    url = f"{fake.base}/geoserver/wfs"
    params = {"typeNames": "vaestoruutu:vaki2025_1km"}
    Fetcher(tmp_path).get_json(url, params, licence="", attribution="")
    Fetcher(tmp_path).get_json(url, params, licence="", attribution="")
    assert len(fake.requests) == 1
    rec = Fetcher(tmp_path, refresh=True).get_json(url, params, licence="", attribution="")
    assert len(fake.requests) == 2 and not rec.from_cache
