"""The meeting page in a real browser: click a site, change a mode, read the answers.

Headless Chromium (Debian's ``chromium`` and ``chromium-driver``) through selenium, on the
page ``planner.meeting.serve`` serves from a background thread. The cost and share the page
shows after the change are those of :func:`planner.pipeline.assess_proposal` on the same
proposal, computed here apart from the server.

``PLANNER_SCREENSHOT=docs/img/meeting.png`` also saves the page as the docs' screenshot.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from planner import pipeline
from planner._paths import DEMO_SCENARIO
from planner.meeting import serve, stop
from planner.meeting.meeting import Meeting, today_table
from tests.conftest import headless_chromium

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
webdriver = pytest.importorskip("selenium.webdriver",
                                reason="selenium is not installed (pip install -e '.[test]')")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("no Chromium: install the Debian packages chromium and chromium-driver",
                allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

TILE_HOST = "tile.openstreetmap.org"
SITE = "city-kaupungintalo"  # the city hall: Kela moves in, shared premises with the city


@pytest.fixture(scope="module")
def page():
    """Serve the demo's meeting page; yield its address; stop it."""
    url = serve(DEMO_SCENARIO, lang="en")
    yield url
    stop(url)


@pytest.fixture(scope="module")
def browser():
    """Yield a headless Chromium."""
    driver = headless_chromium(CHROMIUM, CHROMEDRIVER, "1500,950")
    yield driver
    driver.quit()


def _value(driver, selector: str) -> float:
    return float(driver.find_element(By.CSS_SELECTOR, selector).get_attribute("data-value"))


@pytest.mark.slow
def test_click_a_site_change_a_mode_and_read_the_answers(page: str, browser) -> None:
    browser.get(page)
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
    assert browser.find_element(By.ID, "error").get_attribute("hidden") is not None
    # click the city hall on the map: its panel lists every organisation's mode there
    browser.find_element(By.CSS_SELECTOR, f'path.site-marker[data-site="{SITE}"]').click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "mode-kela"))
    assert browser.find_element(By.ID, "site-name").text == "Helsingin kaupungintalo"
    assert Select(browser.find_element(By.ID, "mode-municipality")).first_selected_option \
        .get_attribute("value") == "office"
    kela = Select(browser.find_element(By.ID, "mode-kela"))
    assert kela.first_selected_option.get_attribute("value") == "none"
    kela.select_by_value("shared")
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.body.dataset.version") == "1")

    # the same proposal, evaluated apart from the server
    table = pd.concat([today_table(_meeting().problem), pd.DataFrame(
        [(SITE, "kela", "shared", 0)], columns=["site_id", "organisation", "mode",
                                                "days_per_month"])], ignore_index=True)
    m = _meeting()
    a = pipeline.assess_proposal(m.problem, m.today, table)
    cost = float(a.plan.kpis.loc["kela", "annual_cost_eur"])
    share = float(a.plan.kpis.loc["kela", "share_within_standard"])
    assert _value(browser, "#kpi-kela td.cost") == pytest.approx(cost)
    assert _value(browser, "#kpi-kela td.share") == pytest.approx(share)
    # ... and shown in the page's format
    assert browser.find_element(By.CSS_SELECTOR, "#kpi-kela td.cost").text == f"{cost:,.0f}"
    assert browser.find_element(By.CSS_SELECTOR, "#kpi-kela td.share").text \
        == f"{share * 100:.1f}%"
    # the site is shared premises now: drawn so, and its cost split shown
    marker = browser.find_element(By.CSS_SELECTOR, f'path.site-marker[data-site="{SITE}"]')
    assert marker.get_attribute("data-mode") == "shared"
    assert browser.find_elements(By.CSS_SELECTOR, f'#split table[data-site="{SITE}"] tr')
    assert browser.find_element(By.ID, "site-cost-kela").get_attribute("data-value")
    # undo returns to today's network, in the page too
    browser.find_element(By.ID, "undo").click()
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.body.dataset.version") == "2")
    assert marker.get_attribute("data-mode") != "shared"
    browser.find_element(By.ID, "redo").click()
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.body.dataset.version") == "3")
    # Finnish: the same numbers in Finnish words and format
    Select(browser.find_element(By.ID, "lang")).select_by_value("fi")
    WebDriverWait(browser, 10).until(
        lambda d: d.find_element(By.ID, "undo").text == "Kumoa")
    assert _value(browser, "#kpi-kela td.cost") == pytest.approx(cost)
    shot = os.environ.get("PLANNER_SCREENSHOT")
    if shot:
        browser.find_element(By.CSS_SELECTOR, f'path.site-marker[data-site="{SITE}"]').click()
        browser.save_screenshot(shot)
    Select(browser.find_element(By.ID, "lang")).select_by_value("en")
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"
              and TILE_HOST not in e["message"]]
    assert not errors


_MEETING: list[Meeting] = []


def _meeting() -> Meeting:
    """Return the demo prepared apart from the server (once)."""
    if not _MEETING:
        _MEETING.append(Meeting.open(DEMO_SCENARIO))
    return _MEETING[0]
