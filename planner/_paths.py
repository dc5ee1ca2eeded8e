"""Locations of the data shipped with the project."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository's ``data/`` folder (parameters, example scenarios, demo tables).
DATA_DIR = Path(os.environ.get("PLANNER_DATA_DIR", Path(__file__).resolve().parents[1] / "data"))
DEMO_DIR = DATA_DIR / "demo"
DEMO_SCENARIO = DEMO_DIR / "scenario.yaml"
NATIONAL_DIR = DATA_DIR / "national"
NATIONAL_SCENARIO = NATIONAL_DIR / "scenario.yaml"
#: The scenario of ``planner demo``: inner Helsinki as it is (package data,
#: ``planner/resources/helsinki``; :mod:`planner.data.helsinki`).
HELSINKI_SCENARIO = Path(__file__).resolve().parent / "resources" / "helsinki" / "scenario.yaml"
