"""What a plan costs and who pays: pricing, shared premises and their split.

- :mod:`~planner.costing.pricing`: a plan's decisions priced line by line, on the one basis
  every plan (optimised, a proposal, today's network) is priced on;
- :mod:`~planner.costing.sharing`: the shared-premises agreements (yhteispalvelusopimus) of
  a plan and how their cost is split between the organisations;
- :mod:`~planner.costing.games`: cost games (Shapley value, nucleolus, core), exact for
  small games.

May import: ``planner.problem``.
"""
