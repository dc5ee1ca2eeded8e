"""Plan a shared public service network for Finnish public organisations.

The pipeline flows one way: data -> network/demand -> model -> plan -> evaluate/maps/report.
The names below are the public API; everything else is reached through its module
(``planner.maps``, ``planner.outputs.report``, ...). They are imported on first use, so
``import planner`` stays fast.

- :func:`run`: the whole pipeline for a scenario: region, travel times, today's network,
  the optimised plan with its KPIs, pop-up tours and cost split (a :class:`Run`).
- :func:`region_and_problem`: the region and the model input of a scenario, without solving.
- :func:`evaluate_proposal`: a planner's own proposal costed and checked against today's
  network and the optimised plan (an :class:`Evaluation`).
- :func:`read_proposal`: read a proposal table (CSV, Excel, GeoJSON, GeoPackage).
- :func:`evaluate_plan`: a saved plan's KPIs on its scenario.
- :func:`load_scenario`: read and validate a scenario YAML file (a :class:`Scenario`).
- :func:`load_region`: build a scenario's region (a :class:`Region`).
- :func:`demo_scenario`, :func:`demo_path`: the demo shipped with the package.
- :func:`serve`: the meeting page (``planner serve``) from a notebook: returns its address.
- :func:`language`: a block whose outputs are in Finnish, Swedish or English.
- :class:`Plan`, :class:`Region`, :class:`Scenario`, :class:`Run`, :class:`Evaluation`:
  the data they pass around.

Examples
--------
>>> import planner
>>> result = planner.run(planner.demo_scenario())  # doctest: +SKIP
>>> result.comparison()  # doctest: +SKIP

The pipeline flows one way: data -> network -> problem -> model -> plan -> costing/assess ->
maps/outputs. Each subpackage holds one concern and its ``__init__`` says which others it
may import (``tests/test_layout.py`` holds the package to it):

- :mod:`planner.data`: the input data, one module per source;
- :mod:`planner.network`: travel networks and travel-time matrices;
- :mod:`planner.problem`: a scenario and a region turned into the problem (costs, demand);
- :mod:`planner.model`: the co-location model, its solve, decomposition and tours;
- :mod:`planner.costing`: pricing, shared premises and the split of their cost;
- :mod:`planner.assess`: KPIs, checks, calibration and proposals;
- :mod:`planner.maps`: the interactive maps;
- :mod:`planner.outputs`: the files, the report and the console lines of a command;
- :mod:`planner.locate`: the classic location models (p-median family), for comparison.

The modules at the top are the entry points, :mod:`planner.cli` (the ``planner`` command),
:mod:`planner.pipeline` (one run) and :mod:`planner.sweep` (many runs), and the foundation
every subpackage may import: the records (:mod:`~planner.plan`, :mod:`~planner.region`,
:mod:`~planner.scenario`, :mod:`~planner.schema`), the configuration (:mod:`~planner.config`,
:mod:`~planner.hosts`), the solver (:mod:`~planner.mip`, :mod:`~planner.progress`) and helpers
(:mod:`~planner.errors`, :mod:`~planner.i18n`, :mod:`~planner._io`, :mod:`~planner._paths`).
A subpackage imports an entry point only where its ``__init__`` says so.

Entry points: ``planner.cli``, ``planner.pipeline``, ``planner.sweep``.

May import: ``planner.data`` (the scenario and the configuration read files through it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.assess.proposal import read_proposal
    from planner.data import load_region
    from planner.data.examples import demo_path, demo_scenario
    from planner.i18n import language
    from planner.meeting import serve
    from planner.pipeline import (
        Evaluation,
        Run,
        evaluate_plan,
        evaluate_proposal,
        region_and_problem,
        run,
    )
    from planner.plan import Plan
    from planner.region import Region
    from planner.scenario import Scenario, load_scenario

#: Each public name and the module that defines it.
_WHERE = {
    "run": "planner.pipeline",
    "region_and_problem": "planner.pipeline",
    "evaluate_proposal": "planner.pipeline",
    "evaluate_plan": "planner.pipeline",
    "Run": "planner.pipeline",
    "Evaluation": "planner.pipeline",
    "load_scenario": "planner.scenario",
    "Scenario": "planner.scenario",
    "load_region": "planner.data",
    "read_proposal": "planner.assess.proposal",
    "Plan": "planner.plan",
    "Region": "planner.region",
    "demo_scenario": "planner.data.examples",
    "demo_path": "planner.data.examples",
    "serve": "planner.meeting",
    "language": "planner.i18n",
}

__all__ = ["Evaluation", "Plan", "Region", "Run", "Scenario", "__version__", "demo_path",
           "demo_scenario", "evaluate_plan", "evaluate_proposal", "language", "load_region",
           "load_scenario", "read_proposal", "region_and_problem", "run", "serve"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names with the module's own."""
    return sorted(set(globals()) | set(__all__))
