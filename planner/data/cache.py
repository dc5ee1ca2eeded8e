"""A disk cache of downloaded payloads, and the one HTTP client the data sources share.

Every payload is stored as ``<key>.json`` (or ``.bin``) with a sidecar ``<key>.meta.json``
holding the source URL, the query, the fetch time (UTC), the licence and the attribution.
The cache lives in the user cache directory (``platformdirs``), unless the environment
variable ``PLANNER_CACHE_DIR`` or a ``cache_dir`` argument says otherwise.

A :class:`Fetcher` reads the cache first and only goes to the network for what is missing
(or everything, with ``refresh=True``); with ``offline=True`` it never does and says which
payload is missing. It records every payload it served, so a caller can tell whether a
result came from the cache (:attr:`Fetcher.used_cache`) and which licences apply.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import requests

from planner.errors import PlannerError

#: Environment variable that overrides the cache directory.
CACHE_ENV = "PLANNER_CACHE_DIR"
#: Seconds to wait for a server before giving up.
DEFAULT_TIMEOUT_S = 60.0
USER_AGENT = "planner/0.1 (Finnish service-network planner; +https://github.com/)"


class SourceError(PlannerError):
    """A data source failed (HTTP error, timeout, malformed payload, nothing cached)."""


@dataclass(frozen=True)
class Fetched:
    """One payload and where it came from.

    Attributes
    ----------
    data : object
        The parsed JSON (or ``bytes`` for binary payloads).
    url : str
        The request URL with its query string.
    fetched_at : str
        ISO time (UTC) the payload was downloaded.
    licence, attribution : str
        What the source requires to be shown with derived maps and reports.
    from_cache : bool
        True when read from the disk cache rather than the network in this call.
    path : pathlib.Path
        The cached file.
    """

    data: Any
    url: str
    fetched_at: str
    licence: str
    attribution: str
    from_cache: bool
    path: Path


def resolve_cache_dir(cache_dir: str | Path | None = None) -> Path:
    """Return the cache directory: the argument, else ``$PLANNER_CACHE_DIR``, else the user's.

    Parameters
    ----------
    cache_dir : str or pathlib.Path, optional

    Returns
    -------
    pathlib.Path
        The directory (not created here).
    """
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    return Path(platformdirs.user_cache_dir("planner")) / "sources"


def full_url(url: str, params: dict[str, Any] | None = None) -> str:
    """Return ``url`` with its query string, parameters sorted (the cache key's basis)."""
    req = requests.Request("GET", url, params=sorted((params or {}).items())).prepare()
    return str(req.url)


def _key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


@dataclass
class Fetcher:
    """Cached HTTP GETs of JSON payloads.

    Parameters
    ----------
    cache_dir : str or pathlib.Path, optional
        See :func:`resolve_cache_dir`.
    offline : bool
        Never touch the network; a payload that is not cached raises :class:`SourceError`.
    refresh : bool
        Download even what is cached (``planner fetch``).
    timeout : float
        Seconds per request.
    session : requests.Session, optional
        For tests or proxies.
    """

    cache_dir: str | Path | None = None
    offline: bool = False
    refresh: bool = False
    timeout: float = DEFAULT_TIMEOUT_S
    session: requests.Session | None = None
    records: list[Fetched] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Resolve the cache directory (:func:`resolve_cache_dir`)."""
        self.cache_dir = resolve_cache_dir(self.cache_dir)

    @property
    def used_cache(self) -> bool:
        """True when at least one payload served so far came from the cache."""
        return any(r.from_cache for r in self.records)

    def attributions(self) -> list[str]:
        """Return one line per distinct source (attribution and licence), in first-use order."""
        lines = [f"{r.attribution} ({r.licence})" if r.licence else r.attribution
                 for r in self.records]
        return list(dict.fromkeys(lines))

    def get_json(self, url: str, params: dict[str, Any] | None = None, *,
                 licence: str, attribution: str) -> Fetched:
        """GET a JSON payload through the cache.

        Parameters
        ----------
        url : str
            Endpoint without query string.
        params : dict, optional
            Query parameters.
        licence, attribution : str
            Stored in the sidecar and carried into the region's attribution.

        Returns
        -------
        Fetched

        Raises
        ------
        SourceError
            One line naming the URL: HTTP error status, timeout, connection failure,
            malformed JSON, or (offline) nothing cached.
        """
        full = full_url(url, params)
        folder = Path(self.cache_dir)
        path, meta_path = folder / f"{_key(full)}.json", folder / f"{_key(full)}.meta.json"
        if path.is_file() and meta_path.is_file() and not (self.refresh and not self.offline):
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                raise SourceError(f"{path}: cached copy of {full} is corrupt; delete it and "
                                  "run 'planner fetch' again") from None
            rec = Fetched(data, full, meta.get("fetched_at", ""), meta.get("licence", licence),
                          meta.get("attribution", attribution), True, path)
            self.records.append(rec)
            return rec
        if self.offline:
            raise SourceError(f"{full}: not in the cache {folder} and the network is off; "
                              "run 'planner fetch' online first")
        text = self.download(full)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            snippet = text[:60].replace("\n", " ")
            raise SourceError(f"{full}: the response is not valid JSON ({exc.msg} at char "
                              f"{exc.pos}; starts {snippet!r}); check the URL or try later"
                              ) from None
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        now = self._sidecar(meta_path, full, licence, attribution)
        rec = Fetched(data, full, now, licence, attribution, False, path)
        self.records.append(rec)
        return rec

    def get_file(self, key: str, produce: Callable[[Path], None], *, suffix: str,
                 licence: str, attribution: str) -> Fetched:
        """Return a file made by ``produce`` (e.g. an osmnx download), through the cache.

        Parameters
        ----------
        key : str
            What identifies the content (a URL or a description with the query); also the
            ``url`` of the result.
        produce : callable
            Called with a temporary path to write the file to, only when it is not cached
            (or ``refresh``); may raise.
        suffix : str
            File name suffix, e.g. ``".geojson"``.
        licence, attribution : str

        Returns
        -------
        Fetched
            ``data`` is the cached file's path.
        """
        folder = Path(self.cache_dir)
        path = folder / f"{_key(key)}{suffix}"
        meta_path = folder / f"{_key(key)}.meta.json"
        if path.is_file() and meta_path.is_file() and not (self.refresh and not self.offline):
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            rec = Fetched(path, key, meta.get("fetched_at", ""), meta.get("licence", licence),
                          meta.get("attribution", attribution), True, path)
        elif self.offline:
            raise SourceError(f"{key}: not in the cache {folder} and the network is off; "
                              "run 'planner fetch' online first")
        else:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            produce(tmp)
            os.replace(tmp, path)
            now = self._sidecar(meta_path, key, licence, attribution)
            rec = Fetched(path, key, now, licence, attribution, False, path)
        self.records.append(rec)
        return rec

    @staticmethod
    def _sidecar(meta_path: Path, url: str, licence: str, attribution: str) -> str:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        meta_path.write_text(json.dumps({
            "url": url, "fetched_at": now, "licence": licence, "attribution": attribution,
        }, ensure_ascii=False, indent=1), encoding="utf-8")
        return now

    def download(self, full: str) -> str:
        """Return the text of one HTTP GET: the one network call of every source.

        :meth:`get_json` calls it for what is not cached; a test or a mirror may replace it
        (e.g. to send ``https://geo.stat.fi`` to a local server) without touching the cache.

        Parameters
        ----------
        full : str
            The URL with its query (:func:`full_url`).

        Returns
        -------
        str
            The body, decoded as UTF-8 (whatever the ``Content-Type`` says; JSON is UTF-8),
            else as the server's encoding.

        Raises
        ------
        SourceError
            No answer within ``timeout``, no connection, or an HTTP error status.
        """
        get = (self.session or requests).get
        try:
            resp = get(full, timeout=self.timeout, headers={"User-Agent": USER_AGENT,
                                                            "Accept": "application/json"})
        except requests.Timeout:
            raise SourceError(f"{full}: no answer within {self.timeout:g} s; try again later "
                              "or raise the timeout") from None
        except requests.RequestException as exc:
            raise SourceError(f"{full}: cannot connect ({type(exc).__name__}); check the "
                              "network, or run offline from the cache") from None
        if resp.status_code >= 400:
            what = "server error" if resp.status_code >= 500 else "request refused"
            raise SourceError(f"{full}: HTTP {resp.status_code} ({what}); "
                              + ("try again later" if resp.status_code >= 500
                                 else "check the layer, year or id in the region spec"))
        try:  # JSON is UTF-8 (RFC 8259) whatever the Content-Type header claims
            return resp.content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return resp.text
