"""Saving a map: one HTML file, written whole or not at all, that works without internet.

folium links to Leaflet, its plugins and the icon font on CDNs; :func:`save_map` inlines
the copies vendored in ``planner/resources/web`` instead (about 1 MB), matched on a part of
each URL (``_ASSETS``), so the map opens offline; only the background tiles need the
internet. When folium changes a version, ``_ASSETS`` no longer matches its URL and the link
stays (see ``planner/resources/web/README.md``).
"""

from __future__ import annotations

import re
from pathlib import Path

import folium
from folium.plugins import DualMap

from planner._io import atomic_write
from planner._paths import traversable

__all__ = ["save_map"]

_WEB = traversable("web")
# Remote assets folium links to, and the vendored copy inlined by ``save_map`` instead
# (matched on a part of the URL); ``None`` drops the link (glyphicons: unused here).
_ASSETS: dict[str, str | None] = {
    "/leaflet@1.9.3/dist/leaflet.js": "leaflet.js",
    "/leaflet@1.9.3/dist/leaflet.css": "leaflet.css",
    "code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1.min.js",
    "/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": "bootstrap.bundle.min.js",
    "/bootstrap@5.2.2/dist/css/bootstrap.min.css": "bootstrap.min.css",
    "bootstrap-glyphicons.css": None,
    "/fontawesome-free@6.2.0/css/all.min.css": "all.min.css",
    "Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": "leaflet.awesome-markers.js",
    "Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": "leaflet.awesome-markers.css",
    "leaflet.awesome.rotate.min.css": None,
    "leaflet.markercluster/1.1.0/leaflet.markercluster.js": "leaflet.markercluster.js",
    "leaflet.markercluster/1.1.0/MarkerCluster.css": "MarkerCluster.css",
    "leaflet.markercluster/1.1.0/MarkerCluster.Default.css": "MarkerCluster.Default.css",
    "jieter/Leaflet.Sync/L.Map.Sync.min.js": "L.Map.Sync.min.js",
    "ajax/libs/d3/3.5.5/d3.min.js": "d3-3.5.5.min.js",
}
# What leaflet.awesome.rotate.min.css gives folium's rotated icons.
_ROTATE_CSS = (".fa-rotate-custom{transform:rotate(var(--fa-rotate-angle,0));}"
               ".awesome-marker i{display:inline-block;}")


def _inline_assets(page: str) -> str:
    """Return the page with folium's links to JavaScript and CSS on CDNs inlined.

    The vendored copies replace the links, so the page works without internet (map tiles
    still need it).
    """

    def asset(url: str) -> tuple[bool, str | None]:
        for key, name in _ASSETS.items():
            if key in url:
                return True, None if name is None else (_WEB / name).read_text(
                    encoding="utf-8")
        return False, None

    def script(match: re.Match) -> str:
        known, text = asset(match.group(1))
        if not known:
            return match.group(0)
        return "" if text is None else "<script>" + text.replace("</script", "<\\/script") \
            + "</script>"

    def style(match: re.Match) -> str:
        known, text = asset(match.group(1))
        if not known:
            return match.group(0)
        if text is None:
            return f"<style>{_ROTATE_CSS}</style>" if "rotate" in match.group(1) else ""
        return "<style>" + text.replace("</style", "<\\/style") + "</style>"

    page = re.sub(r'<script src="(https?://[^"]+)"></script>', script, page)
    return re.sub(r'<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>', style, page)


def save_map(m: folium.Map | DualMap, path: str | Path, self_contained: bool = True) -> Path:
    """Write a map to one HTML file, whole or not at all.

    The page is written to a temporary file in the target folder and renamed into place,
    so a reader never sees a half-written map. Missing parent folders are created.

    Parameters
    ----------
    m : folium.Map or folium.plugins.DualMap
        A map from ``plan_map`` or ``comparison_map`` (or any folium map).
    path : str or pathlib.Path
        Output file, usually ``*.html``.
    self_contained : bool
        Inline Leaflet, its plugins and the icon font (vendored in
        ``planner/resources/web``, about 1 MB) instead of linking to CDNs, so the map
        opens without internet; only the background tiles need it.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    page = m.get_root().render()
    lang = getattr(m.get_root(), "planner_lang", None)
    if lang:  # screen readers and hyphenation read the page in its language
        page = page.replace("<html>", f'<html lang="{lang}">', 1)
    if self_contained:
        page = _inline_assets(page)
    return atomic_write(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
