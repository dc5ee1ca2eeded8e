"""The demo map in a real browser, opened from ``file://``.

Headless Chromium (Debian's ``chromium`` and ``chromium-driver``) through selenium.

The map inlines Leaflet and its plugins, so it works offline; only the background tiles
need the internet, and their failed requests are the one kind of console error allowed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import Result

from planner.plan import Plan
from tests.conftest import headless_chromium

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
webdriver = pytest.importorskip("selenium.webdriver",
                                reason="selenium is not installed (pip install -e '.[test]')")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("no Chromium: install the Debian packages chromium and chromium-driver "
                "(.ci/run does so with apt-get)", allow_module_level=True)

from selenium.common.exceptions import (  # noqa: E402
    ElementClickInterceptedException,
    ElementNotInteractableException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

TILE_HOST = "tile.openstreetmap.org"
#: Layers every demo map has, whatever the plan (the organisations' "Today" layers and the
#: proposal's layers are checked against the data separately).
FIXED_LAYERS = (
    "OpenStreetMap (online)", "Streets (offline, from the run's network)", "Region boundary",
    "Areas: share within standard by municipality",
    "Areas: share within standard by wellbeing services county",
    "Areas: share within standard by employment area",
    "Reach of proposed in-person sites (12 min)", "Reach of proposed in-person sites (20 min)",
    "Proposed: shared premises", "Proposed: offices", "Proposed: pop-up",
    "Proposed: remote service", "Closed offices",
    "Residents: minutes to in-person service (proposed)",
    "Residents: minutes to in-person service (today)",
)
#: Each mode as the popups name it, by language (the glossary, planner.i18n.TERMS).
MODE_NAMES = {
    "en": {"office": "office", "shared": "shared premises", "popup": "pop-up",
           "remote": "remote service point"},
    "fi": {"office": "toimipiste", "shared": "yhteispalvelupiste", "popup": "pop-up-palvelu",
           "remote": "etäpalvelupiste"},
}
#: Boxes the planner draws on the map, whose text must fit them.
BOXES = (".planner-map-title", ".planner-map-legend", ".planner-map-scales",
         ".planner-map-footer", ".planner-side-label")
#: Every box and every element in it whose text or content leaves it (DOM measurement):
#: wider or taller content than the box (``scrollWidth > clientWidth``), a descendant's
#: bounding box outside the box's, a box outside the window, and two boxes overlapping.
OVERFLOW_JS = """
const bad = [];
const sel = arguments[0];
const boxes = Array.from(document.querySelectorAll(sel.join(',')));
const rects = boxes.map(b => b.getBoundingClientRect());
boxes.forEach((box, i) => {
  const r = rects[i], name = box.className + ': ' + box.textContent.slice(0, 30);
  if (box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1)
    bad.push('content wider or taller than ' + name);
  if (r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight)
    bad.push('outside the window: ' + name);
  box.querySelectorAll('*').forEach(el => {
    const e = el.getBoundingClientRect();
    if (e.width === 0 && e.height === 0) return;
    if (e.left < r.left - 0.5 || e.right > r.right + 0.5 || e.top < r.top - 0.5
        || e.bottom > r.bottom + 0.5)
      bad.push('leaves its box: ' + el.tagName + ' ' + el.textContent.slice(0, 30)
               + ' in ' + name);
  });
  rects.forEach((o, j) => {
    if (j > i && boxes[j].closest('.leaflet-container') === box.closest('.leaflet-container')
        && o.left < r.right && r.left < o.right && o.top < r.bottom && r.top < o.bottom)
      bad.push('overlaps: ' + name + ' and ' + boxes[j].className);
  });
});
return bad;
"""


#: awesome-markers colour class of each proposed mode (see planner.maps.symbols).
PROPOSED_MARKERS = ("purple", "darkblue", "orange", "cadetblue")


@pytest.fixture(scope="module")
def browser():
    driver = headless_chromium(CHROMIUM, CHROMEDRIVER)
    yield driver
    driver.quit()


def _open(driver, path: Path) -> list[dict]:
    """Load a page, wait for Leaflet and its layer control; return the console log."""
    driver.get_log("browser")  # drop anything from an earlier page
    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "return typeof L !== 'undefined' && document.querySelector("
        "'.leaflet-control-layers') !== null && document.readyState === 'complete'"))
    return driver.get_log("browser")


def _errors(log: list[dict]) -> list[str]:
    """Return the console errors other than background tiles that cannot load offline."""
    return [e["message"] for e in log if e["level"] == "SEVERE"
            and not (e.get("source") == "network" and TILE_HOST in e["message"])]


def _popup_text(driver) -> str:
    """Return the open popup's visible text, once it shows.

    Leaflet fades a popup in, and while its opacity is 0 WebDriver reads no text (under
    load the fade is still running).
    """
    def shown(d) -> str:
        found = d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content")
        return found[0].text if found else ""

    WebDriverWait(driver, 10).until(shown)
    return shown(driver)


def _offline(driver) -> None:
    """Take the browser off the network (Chrome DevTools), as a meeting laptop without it."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})


def _online(driver) -> None:
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def _overflowing(driver) -> list[str]:
    return driver.execute_script(OVERFLOW_JS, list(BOXES))


def _first_popup(driver, markers: list) -> str:
    """Click the first marker not under the legend or layer control; its popup's text."""
    for marker in markers:
        try:
            marker.click()
        except (ElementClickInterceptedException, ElementNotInteractableException):
            continue
        return _popup_text(driver)
    raise AssertionError("no proposed site could be clicked")


def _layer_names(driver) -> list[str]:
    labels = driver.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers label")
    return [lb.get_attribute("textContent").strip() for lb in labels]


@pytest.mark.slow
def test_demo_map_in_chromium(browser, demo_run: tuple[Result, Path], tmp_path: Path) -> None:
    result, out = demo_run
    assert result.exit_code == 0, result.output
    page = out / "demo.html"
    log = _open(browser, page)
    assert _errors(log) == []
    assert browser.execute_script("return L.version") == "1.9.3"

    names = _layer_names(browser)
    for name in FIXED_LAYERS:
        assert name in names, name
    today = [n for n in names if n.startswith("Today: ")]
    assert len(today) == 4  # Kela, the city, the county, employment services
    assert all(re.fullmatch(r"Today: .+ \(\d+\)", n) for n in today)
    plan = Plan.from_file(out / "plan.gpkg")
    tours = ["Pop-up tours (staff)"] if (plan.decisions["mode"] == "popup").any() else []
    assert tours == [n for n in names if n == "Pop-up tours (staff)"]
    assert len(names) == len(set(names)) == len(FIXED_LAYERS) + len(today) + len(tours)

    open_sites = plan.open_decisions()
    selector = ", ".join(f".awesome-marker-icon-{c}" for c in PROPOSED_MARKERS)
    markers = browser.find_elements(By.CSS_SELECTOR, selector)
    assert len(markers) == open_sites["site_id"].nunique()
    text = _first_popup(browser, markers)
    site = next(n for n in open_sites["site_name"] if n in text)
    rows = open_sites[open_sites["site_name"] == site]
    assert "Organisation" in text and "Mode" in text and "Annual cost" in text
    for mode in rows["mode"]:  # as the glossary names them
        assert MODE_NAMES["en"][mode] in text
    assert text.count("\n") >= 2 + len(rows)  # name, host, header and a row per tenant
    assert _errors(browser.get_log("browser")) == []

    shot = tmp_path / "demo_map.png"
    assert browser.save_screenshot(str(shot))
    rgb = np.asarray(Image.open(shot).convert("RGB"), dtype=int)
    assert rgb.shape[1] >= 1000 and rgb.shape[0] >= 600
    differs = (np.abs(rgb - rgb[0, 0]).sum(axis=2) > 30).mean()
    assert differs > 0.02  # markers, circles, legend and controls drawn, not a blank page
    assert len(np.unique(rgb.reshape(-1, 3)[::97], axis=0)) > 20


@pytest.mark.slow
def test_comparison_map_in_chromium(browser, demo_run: tuple[Result, Path]) -> None:
    _, out = demo_run
    log = _open(browser, out / "demo_compare.html")
    assert _errors(log) == []
    assert len(browser.find_elements(By.CSS_SELECTOR, ".leaflet-container")) == 2
    assert len(browser.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers")) == 2
    labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".planner-side-label")]
    assert labels == ["Today", "Proposed"]
    names = _layer_names(browser)
    assert "Residents: minutes to in-person service (today)" in names
    assert "Residents: minutes to in-person service (proposed)" in names


@pytest.mark.slow
def test_escaped_site_name_shows_as_text(browser, tmp_path: Path) -> None:
    """A site called ``<script>...`` is drawn as text in its popup; no script runs."""
    import geopandas as gpd
    from shapely.geometry import Point

    from planner import maps
    from planner.plan import normalise_decisions
    from planner.region import Region

    evil = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=1</script>"
    pt = gpd.GeoSeries([Point(24.94, 60.17)], crs=4326).to_crs(3067)
    dec = gpd.GeoDataFrame(
        {"site_id": ["S1"], "site_name": [evil], "host_org": ["kela"],
         "organisation": ["kela"], "mode": ["office"], "days_per_month": [0],
         "action": ["open"], "annual_cost_eur": [1.0], "visits": [1.0]}, geometry=pt)
    empty = gpd.GeoDataFrame({"demand_id": [], "population": []}, geometry=[], crs=3067)
    region = Region(name="t", service_points=gpd.GeoDataFrame(), sites=dec.rename(
        columns={"site_name": "name"}), demand=empty)
    plan = Plan("p", normalise_decisions(dec, "test plan"))
    path = maps.save_map(maps.plan_map(region, plan), tmp_path / "evil.html")
    assert _errors(_open(browser, path)) == []
    browser.find_element(By.CSS_SELECTOR, ".awesome-marker-icon-darkblue").click()
    text = _popup_text(browser)
    assert evil in text
    assert browser.execute_script("return window.__pwned === undefined")


def _streets_drawn(driver) -> dict:
    """Return the street layer's state: paths drawn, tiles on the page, checked base layer."""
    WebDriverWait(driver, 15).until(lambda d: d.execute_script(
        "return document.querySelectorAll('path.planner-street').length > 0"))
    return driver.execute_script("""
        const checked = Array.from(document.querySelectorAll(
            '.leaflet-control-layers-base input')).filter(i => i.checked)
            .map(i => i.parentElement.textContent.trim());
        return {paths: document.querySelectorAll('.leaflet-planner-streets-pane path').length,
                tiles: document.querySelectorAll('.leaflet-tile-loaded').length,
                checked: checked,
                expanded: document.querySelectorAll('.leaflet-control-layers-expanded').length};
    """)


@pytest.mark.slow
def test_finnish_demo_map_offline(browser, demo_run_fi: tuple[Result, Path]) -> None:
    """Open ``planner demo --lang fi`` without the network.

    The streets are drawn in the page, the layer control is collapsed, the legend and a
    popup are in Finnish and no text leaves its box.
    """
    result, out = demo_run_fi
    assert result.exit_code == 0, result.output
    _offline(browser)
    try:
        log = _open(browser, out / "demo.html")
        streets = _streets_drawn(browser)
    finally:
        _online(browser)
    assert _errors(log) == []
    # both street kinds (main roads, the rest) drawn, no tile, the street layer chosen
    assert streets["paths"] == 2 and streets["tiles"] == 0
    assert streets["checked"] == ["Kadut (ilman verkkoyhteyttä, ajon tieverkosta)"]
    assert streets["expanded"] == 0  # the layer control is collapsed
    names = _layer_names(browser)
    assert "OpenStreetMap (verkossa)" in names  # the tiles stay selectable
    assert "Ehdotus: yhteispalvelupisteet" in names and "Alueen raja" in names
    titles = browser.find_elements(By.CSS_SELECTOR, ".planner-map-title")
    assert [t.text for t in titles] == ["Central Helsinki shared service network (demo)"]

    legend = browser.find_element(By.CSS_SELECTOR, ".planner-map-legend").text
    for word in ("Organisaatiot (nykytila)", "Ehdotus", "Yhteispalvelupiste", "Toimipiste",
                 "Pop-up-palvelu", "Etäpalvelupiste", "Suljettava toimipiste",
                 "katkoviivareunus: havainnollistava aineisto"):
        assert word in legend, word
    scales = browser.find_element(By.CSS_SELECTOR, ".planner-map-scales").text
    assert "Minuutit paikan päällä asiointiin" in scales and "100 %" in scales
    assert _overflowing(browser) == []

    plan = Plan.from_file(out / "plan.gpkg")
    selector = ", ".join(f".awesome-marker-icon-{c}" for c in PROPOSED_MARKERS)
    text = _first_popup(browser, browser.find_elements(By.CSS_SELECTOR, selector))
    for word in ("Isäntä", "Organisaatio", "Palvelumuoto", "Vuosikustannus", "Käynnit"):
        assert word in text, word
    open_sites = plan.open_decisions()
    site = next(n for n in open_sites["site_name"] if n in text)
    for mode in open_sites.loc[open_sites["site_name"] == site, "mode"]:
        assert MODE_NAMES["fi"][mode] in text
    # a Finnish euro amount: digits grouped by a no-break space, the sign after
    assert re.search(r"\d{1,3}(\u00a0\d{3})*\u00a0€", text.replace(" ", "\u00a0")), text

    # the measurement sees a box whose text does not fit (it can fail)
    browser.execute_script(
        "const d = document.createElement('div'); d.className = 'planner-map-footer';"
        "d.style.cssText = 'position:fixed;top:300px;left:300px;width:80px;"
        "white-space:nowrap;overflow:hidden'; d.textContent = 'x'.repeat(200);"
        "document.body.appendChild(d);")
    assert any("content wider" in b for b in _overflowing(browser))


@pytest.mark.slow
def test_comparison_map_offline_fits(browser, demo_run_fi: tuple[Result, Path]) -> None:
    _, out = demo_run_fi
    _offline(browser)
    try:
        _open(browser, out / "demo_compare.html")
        _streets_drawn(browser)
    finally:
        _online(browser)
    labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".planner-side-label")]
    assert labels == ["Nykytila", "Ehdotus"]
    assert browser.execute_script(
        "return document.querySelectorAll('.leaflet-planner-streets-pane').length") == 2
    assert _overflowing(browser) == []
