"""The problem: a scenario and a region turned into what the model and the assessment read.

- :mod:`~planner.problem.build`: the :class:`~planner.problem.build.Problem` (plain arrays and
  tables) built once from a region, a scenario and a travel-time matrix, and the access
  standards expanded per organisation;
- :mod:`~planner.problem.costs`: the cost model, each service option an organisation can
  take at a site priced per year;
- :mod:`~planner.problem.demand`: visits per demand point and organisation, and residents on
  a square grid.

May import: the foundation modules at the top of ``planner`` only.
"""
