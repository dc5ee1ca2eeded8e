"""Column contracts of the planner's GeoDataFrames, and their validation.

All geometry inside the planner is in EPSG:3067 (ETRS-TM35FIN, metres).
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd

from planner.errors import InputError
from planner.hosts import AGREEMENTS

CRS = "EPSG:3067"
ORGANISATIONS = ("kela", "municipality", "county", "employment", "other")
AGE_GROUPS = ("age_0_14", "age_15_64", "age_65_")
#: How an organisation serves at a site: its own office, shared premises (an office at a site
#: where two or more organisations serve in person), a pop-up, a remote service point.
MODES = ("office", "shared", "popup", "remote")
#: The modes that serve residents in person (every mode but remote service).
IN_PERSON_MODES = MODES[:3]
#: The modes of a plan's decisions: the service modes, and an office that closes.
DECISION_MODES = (*MODES, "closed")
#: Modes with a street network (a region spec's ``modes``, the graphs a region holds).
NetworkMode = Literal["walk", "drive", "bike"]
#: How residents travel (the scenario's ``travel.mode``): a street mode, or public transport
#: on a timetable (``transit``, walking on the region's walk network to and from the stops).
TravelMode = Literal["walk", "drive", "bike", "transit"]
#: Kinds of existing point that are customer-service offices (keep/close decisions).
OFFICE_KINDS = ("office", "town_hall", "health_station", "social_office", "employment_office")

SERVICE_POINT_COLUMNS = (
    "point_id", "organisation", "org_name", "name", "kind", "services", "floor_m2",
    "annual_cost_eur", "desks", "annual_visits", "lease_end", "can_host", "spare_desks",
    "source",
)
SITE_COLUMNS = (
    "site_id", "name", "kind", "host_org", "host_agreement", "spare_desks", "rent_eur_m2_year",
    "fitout_eur", "existing_point_id", "source",
)
#: Columns whose values must be one of a fixed set, when the layer's contract has them.
ALLOWED_VALUES: dict[str, tuple[str, ...]] = {"host_agreement": AGREEMENTS}
DEMAND_COLUMNS = (
    "demand_id", "population", *AGE_GROUPS, "municipality", "county", "employment_area",
)


def validate(gdf: gpd.GeoDataFrame, columns: tuple[str, ...], id_column: str, what: str) -> None:
    """Check a layer against its column contract.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer to check.
    columns : tuple of str
        Columns the layer must have.
    id_column : str
        Column whose values must be unique.
    what : str
        Name of the layer in messages (e.g. ``"service points"``).

    Raises
    ------
    InputError
        With a one-line message when a column is missing, ids repeat, geometry is missing,
        the CRS is not EPSG:3067 or a value is outside its allowed set
        (:data:`ALLOWED_VALUES`, e.g. ``host_agreement``).
    """
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise InputError(f"{what}: missing column(s) {', '.join(missing)}; add them to the input")
    if len(gdf) == 0:
        raise InputError(f"{what}: the layer is empty; give at least one row")
    dup = gdf[id_column][gdf[id_column].duplicated()]
    if len(dup):
        raise InputError(f"{what}: duplicate {id_column} {dup.iloc[0]!r}; make ids unique")
    if gdf.crs is None or gdf.crs.to_epsg() != 3067:
        raise InputError(f"{what}: CRS is {gdf.crs}, expected {CRS}; reproject on load")
    if gdf.geometry.isna().any() or gdf.geometry.is_empty.any():
        bad = gdf.loc[gdf.geometry.isna() | gdf.geometry.is_empty, id_column].iloc[0]
        raise InputError(f"{what}: row {id_column}={bad!r} has no geometry; give coordinates")
    for col, allowed in ALLOWED_VALUES.items():
        if col not in columns:
            continue
        bad = ~gdf[col].isin(allowed)
        if bad.any():
            row = gdf.loc[bad].iloc[0]
            raise InputError(f"{what}: row {id_column}={row[id_column]!r} has {col} "
                             f"{row[col]!r}; use one of {', '.join(allowed)}")
