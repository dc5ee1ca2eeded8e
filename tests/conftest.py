"""Shared, session-scoped fixtures: the demo region and one run of ``planner demo``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import planner.cli
from planner._paths import DEMO_SCENARIO
from planner.data import load_region
from planner.region import Region


@pytest.fixture(scope="session")
def demo_region() -> Region:
    """Load the embedded central-Helsinki region with walk and drive networks."""
    return load_region("demo:helsinki", modes=("walk", "drive"))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    """``planner demo`` of the small central-Helsinki extract run once per session; (result, DIR).

    The scenario is ``data/demo/scenario.yaml`` (the fast fixture; ``planner demo`` without
    ``--scenario`` plans inner Helsinki, tested in ``tests/test_helsinki_demo.py``).

    ``COLUMNS`` is fixed so that rich prints the KPI table at a known width instead of the
    80-column fallback used when output is not a terminal.
    """
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(planner.cli.app, ["demo", "--scenario", str(DEMO_SCENARIO),
                                                   "--out", str(out)],
                                env={"COLUMNS": "80"})
    return result, out


@pytest.fixture(scope="session")
def demo_run_fi(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    """``planner demo --lang fi`` of the small extract run once per session; (result, DIR)."""
    out = tmp_path_factory.mktemp("demo_fi")
    result = CliRunner().invoke(planner.cli.app, ["demo", "--scenario", str(DEMO_SCENARIO),
                                                   "--lang", "fi", "--out", str(out)],
                                env={"COLUMNS": "100"})
    return result, out


def headless_chromium(chromium: str, chromedriver: str, window: str = "1400,900"):
    """Return a headless Chromium (selenium) that keeps the browser's console log.

    Parameters
    ----------
    chromium, chromedriver : str
        Paths of Debian's ``chromium`` and ``chromedriver``.
    window : str
        Window size, ``"width,height"``.
    """
    from selenium import webdriver

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={window}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(chromedriver), options=opts)
    driver.set_page_load_timeout(60)
    return driver
