"""The demo map in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``) through selenium, opened from ``file://``.

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
    "openstreetmap", "Region boundary",
    "Areas: share within standard by municipality",
    "Areas: share within standard by wellbeing services county",
    "Areas: share within standard by employment area",
    "Reach of proposed in-person sites (12 min)", "Reach of proposed in-person sites (20 min)",
    "Proposed: shared premises", "Proposed: offices", "Proposed: pop-up",
    "Proposed: remote service", "Closed offices",
    "Residents: minutes to in-person service (proposed)",
    "Residents: minutes to in-person service (today)",
)
#: awesome-markers colour class of each proposed mode (see planner.maps).
PROPOSED_MARKERS = ("purple", "darkblue", "orange", "cadetblue")


@pytest.fixture(scope="module")
def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,900"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
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
    """Console errors other than background tiles that cannot load offline."""
    return [e["message"] for e in log if e["level"] == "SEVERE"
            and not (e.get("source") == "network" and TILE_HOST in e["message"])]


def _popup_text(driver) -> str:
    """The open popup's visible text, once it shows: Leaflet fades a popup in, and while
    its opacity is 0 WebDriver reads no text (under load the fade is still running)."""
    def shown(d) -> str:
        found = d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content")
        return found[0].text if found else ""

    WebDriverWait(driver, 10).until(shown)
    return shown(driver)


def _layer_names(driver) -> list[str]:
    labels = driver.find_elements(By.CSS_SELECTOR, ".leaflet-control-layers label")
    return [lb.get_attribute("textContent").strip() for lb in labels]


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
    text = ""
    for marker in markers:  # the first marker not under the legend or layer control
        try:
            marker.click()
        except (ElementClickInterceptedException, ElementNotInteractableException):
            continue
        text = _popup_text(browser)
        break
    assert text, "no proposed site could be clicked"
    site = next(n for n in open_sites["site_name"] if n in text)
    rows = open_sites[open_sites["site_name"] == site]
    assert "Organisation" in text and "Mode" in text and "Annual cost" in text
    for mode in rows["mode"]:
        assert mode in text
    assert text.count("\n") >= 2 + len(rows)  # name, host, header and a row per tenant
    assert _errors(browser.get_log("browser")) == []

    shot = tmp_path / "demo_map.png"
    assert browser.save_screenshot(str(shot))
    rgb = np.asarray(Image.open(shot).convert("RGB"), dtype=int)
    assert rgb.shape[1] >= 1000 and rgb.shape[0] >= 600
    differs = (np.abs(rgb - rgb[0, 0]).sum(axis=2) > 30).mean()
    assert differs > 0.02  # markers, circles, legend and controls drawn, not a blank page
    assert len(np.unique(rgb.reshape(-1, 3)[::97], axis=0)) > 20


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
