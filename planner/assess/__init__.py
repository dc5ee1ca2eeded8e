"""A plan assessed: its KPIs, its breaches of the rules, the calibration, a proposal costed.

- :mod:`~planner.assess.kpis`: access within the standard, travel times and costs per
  organisation, of any plan (the optimiser's, today's network, a proposal);
- :mod:`~planner.assess.checks`: a plan checked against the optimiser's own rules, each
  breach named;
- :mod:`~planner.assess.calibration`: the modelled visits held against the visits the
  offices record;
- :mod:`~planner.assess.proposal`: a planner's own proposal (a small table) turned into a
  costed plan.

May import: ``planner.problem``, ``planner.costing``, ``planner.network``, ``planner.data``.
"""
