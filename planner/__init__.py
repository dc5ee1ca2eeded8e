"""Plan a shared public service network for Finnish public organisations.

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

from planner.plan import Plan
from planner.region import Region

__all__ = ["Plan", "Region"]
__version__ = "0.1.0"
