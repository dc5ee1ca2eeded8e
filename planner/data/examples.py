"""The demo shipped with the package: its scenario and files, for notebooks and the docs.

The demo plans inner Helsinki as it is from data inside the package (``planner/resources/
helsinki``: OpenStreetMap, HSY's population grid 2019, HSL's timetable, Statistics Finland's
postal code areas; real offices with illustrative figures), so it runs offline from any
installation.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from planner._paths import resource

if TYPE_CHECKING:
    from planner.scenario import Scenario

#: The files of the demo: ``scenario.yaml``, ``proposal.csv`` (the proposal the docs
#: evaluate: Kela moves from KELA Kamppi into the city hall, the county adds a remote point at
#: Kallion virastotalo and keeps its health stations), ``service_points.csv`` (today's offices
#: and the partners' premises), HSY's grid and the postal code areas.
DEMO_FILES = ("scenario.yaml", "proposal.csv", "service_points.csv",
              "hsy_vaestotietoruudukko_2019_feed_area.gpkg",
              "paavo_postal_areas_2025_feed_area.gpkg")


def demo_path(name: str = "scenario.yaml") -> Path:
    """Return the path of one of the demo's files, e.g. to copy and edit it.

    Parameters
    ----------
    name : str
        One of :data:`DEMO_FILES` (default the scenario).

    Returns
    -------
    pathlib.Path
        A real file (inside the installed package).

    Raises
    ------
    ValueError
        When ``name`` is not a file of the demo.
    """
    if name not in DEMO_FILES:
        raise ValueError(f"the demo has no file {name!r}; use one of {', '.join(DEMO_FILES)}")
    return resource("helsinki", name)


def demo_scenario() -> Scenario:
    """Return the demo's scenario (inner Helsinki), loaded and validated.

    Returns
    -------
    planner.scenario.Scenario
        Pass it to :func:`planner.run` or :func:`planner.evaluate_proposal`.

    Examples
    --------
    >>> import planner
    >>> planner.demo_scenario().region
    'demo:inner-helsinki'
    """
    from planner.scenario import load_scenario

    return load_scenario(demo_path())
