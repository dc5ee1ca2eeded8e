"""What a command leaves behind: its output files, the report, the console lines.

- :mod:`~planner.outputs.files`: the files a command writes in its output folder, by one
  function, from what the run computed;
- :mod:`~planner.outputs.report`: the report's tables, charts and workbook;
- :mod:`~planner.data.labels`: the workbook's sheet and column labels in the run's
  language;
- :mod:`~planner.outputs.console`: the progress lines shown while a command runs.

The maps are their own package, :mod:`planner.maps`, beside this one: the report embeds them.

May import: ``planner.problem``, ``planner.costing``, ``planner.model``, ``planner.assess``,
``planner.maps``, ``planner.data``, ``planner.network`` (the lines and stops of a
timetable, drawn on the map), ``planner.pipeline`` (the records of a run).
"""
