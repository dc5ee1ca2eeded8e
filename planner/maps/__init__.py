"""Interactive Leaflet maps of a plan: today's offices, the proposal and travel times.

``plan_map`` draws one ``Region`` and one ``Plan`` (optionally the ``before`` plan for
comparison, and the optional layers of a :class:`MapLayers`) with folium;
``comparison_map`` draws today and the plan side by side; ``save_map`` writes a map to a
single HTML file that works offline.

The maps only draw. The numbers they show are computed upstream, in the one-way flow
data -> network/demand -> model -> plan -> evaluate -> maps: residents' minutes to
in-person service (``planner.assess.kpis.travel_minutes``), the reach of the plan's sites
(``planner.assess.kpis.plan_isochrones``), residents per grid cell
(``planner.problem.demand.demand_grid``), access per area
(``planner.outputs.report.area_access``) and the sharing of costs (``planner.costing.sharing``).

Every piece of text that comes from data (names, organisations, attribution) is
HTML-escaped before it reaches the page (:mod:`~planner.maps.markup`), so a site called
``<script>...`` shows as text. All planner geometry is EPSG:3067; the map itself is drawn
in EPSG:4326.

At national scale a layer holds thousands of sites, offices, grid cells or outlines: any
layer of more than 50 points, and every layer of polygons, is one GeoJSON layer whose
features carry their own popup, tooltip and style, written to the page without folium's
second template pass (:mod:`~planner.maps.elements`). Elements are numbered rather than
named at random, so the same map is saved byte for byte the same.

The modules, from the page's parts to the whole:

- :mod:`~planner.maps.markup`: escaping, number formats, popup tables and their CSS;
- :mod:`~planner.maps.elements`: folium helpers (fast GeoJSON layers, points, colour
  bars, the numbering of elements);
- :mod:`~planner.maps.symbols`: the organisations' and modes' colours, icons and labels;
- :mod:`~planner.maps.basemap`: OpenStreetMap tiles and the region's streets drawn in the
  page;
- the layers: :mod:`~planner.maps.today` (today's offices), :mod:`~planner.maps.proposal`
  (the plan's sites and their popups), :mod:`~planner.maps.residents` (minutes per demand
  point or grid cell), :mod:`~planner.maps.areas` (access per area),
  :mod:`~planner.maps.outlines` (boundary and reach), :mod:`~planner.maps.tours` (pop-up
  tours) and :mod:`~planner.maps.furniture` (title, legend, footer);
- :mod:`~planner.maps.compose`: ``plan_map`` and ``comparison_map``;
- :mod:`~planner.maps.save`: ``save_map``.

May import: ``planner.problem``, ``planner.assess``.
"""

from __future__ import annotations

from planner.maps.compose import MapLayers, comparison_map, plan_map
from planner.maps.residents import DEMAND_GRID_THRESHOLD
from planner.maps.save import save_map
from planner.maps.symbols import MODE_ICONS, ORG_COLOURS

__all__ = ["DEMAND_GRID_THRESHOLD", "MODE_ICONS", "ORG_COLOURS", "MapLayers", "comparison_map",
           "plan_map", "save_map"]
