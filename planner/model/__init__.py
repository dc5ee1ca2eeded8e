"""The co-location model and how it is solved: which organisation serves where, and how.

- :mod:`~planner.model.colocation`: the mixed-integer model (which organisation offers which
  mode of service at which site) and its solve;
- :mod:`~planner.model.parts`: the model's parts as named, frozen records (options, shared
  premises, moved staff, assignment, standards, organisations' costs);
- :mod:`~planner.model.start`: its starting plan and the improvement of it (RINS);
- :mod:`~planner.model.assemble`: a solution of the model, read from the records, as a
  priced :class:`~planner.plan.Plan`;
- :mod:`~planner.model.sparse`: index helpers (grouping, expanding, ranking integer keys);
- :mod:`~planner.model.decompose`: a large problem split by area, each part solved on its
  own, budgets shared out;
- :mod:`~planner.model.tours`: the pop-up teams' tours to a plan's pop-up sites.

May import: ``planner.problem``, ``planner.costing``.
"""
