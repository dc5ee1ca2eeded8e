"""Service locations from the Finnish Service Catalogue (Palvelutietovaranto, PTV) open API.

``GET /api/v11/ServiceChannel/list/organization?organizationId={guid}&page=N`` (or
``code={business id}``) returns full channel objects of every type, ``pageNumber`` from 1 to
``pageCount``; only ``serviceChannelType == "ServiceLocation"`` is kept. Coordinates are
strings in EPSG:3067 (``latitude`` = northing, ``longitude`` = easting) on the ``Location``
address, geocoded by the National Land Survey; only ``coordinateState`` ``Ok`` or
``EnteredByUser`` is trusted, other locations are reported and left out.

Desks, floor area and costs are not in PTV: they are filled with stated assumptions
(:data:`ASSUMED`) and listed in the ``assumed`` column, for the user to correct with their
own file.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from planner.data.cache import Fetcher, SourceError
from planner.errors import InputError
from planner.schema import CRS, ORGANISATIONS, SERVICE_POINT_COLUMNS

API_URL = "https://api.palvelutietovaranto.suomi.fi/api/v11"
LICENCE = "CC BY 4.0"
ATTRIBUTION = "Suomi.fi Finnish Service Catalogue (Palvelutietovaranto), Digital and " \
              "Population Data Services Agency"
#: Kela's business id (Y-tunnus).
KELA_BUSINESS_ID = "0246246-0"
#: Coordinate states whose coordinates are used.
GOOD_COORDINATES = ("Ok", "EnteredByUser")
#: Figures PTV does not hold, assumed for every location (desks as the scenario default
#: office, 12 m2 per desk plus 60 m2 of customer space, 400 EUR/m2/year all-in).
ASSUMED = {"desks": 4, "floor_m2": 108.0, "annual_cost_eur": 43200.0, "annual_visits": 0.0,
           "spare_desks": 0, "can_host": False, "lease_end": ""}
#: Cap of pages, against a server that never stops.
MAX_PAGES = 1000
_DAYS = {"Monday": "Mon", "Tuesday": "Tue", "Wednesday": "Wed", "Thursday": "Thu",
         "Friday": "Fri", "Saturday": "Sat", "Sunday": "Sun"}


def _text(items: list[dict] | None, language: str = "fi", kind: str | None = None) -> str:
    """Return the value in ``language`` (else the first) of a PTV list of localised values."""
    items = [i for i in (items or []) if kind is None or i.get("type") == kind]
    if not items:
        return ""
    pick = next((i for i in items if i.get("language") == language), items[0])
    return str(pick.get("value") or "")


def _hhmm(t: str | None) -> str:
    return (t or "")[:5]


def opening_hours(service_hours: list[dict] | None) -> str:
    """Return the regular opening hours as text, e.g. ``"Mon-Fri 09:00-16:00"``.

    Parameters
    ----------
    service_hours : list of dict
        The channel's ``serviceHours``; only ``DaysOfTheWeek`` entries valid now (or
        without dates) count.

    Returns
    -------
    str
        ``"; "``-joined day ranges; ``"always open"``, ``"by appointment"`` or ``""``.
    """
    parts = []
    for sh in service_hours or []:
        if sh.get("serviceHourType") != "DaysOfTheWeek" or sh.get("validForNow") is False:
            continue
        if sh.get("isAlwaysOpen"):
            parts.append("always open")
            continue
        if sh.get("isReservation"):
            parts.append("by appointment")
        for oh in sorted(sh.get("openingHour") or [], key=lambda o: o.get("order") or 0):
            day_from = _DAYS.get(oh.get("dayFrom"), oh.get("dayFrom") or "")
            day_to = _DAYS.get(oh.get("dayTo"), oh.get("dayTo") or "")
            days = f"{day_from}-{day_to}" if day_to and day_to != day_from else day_from
            parts.append(f"{days} {_hhmm(oh.get('from'))}-{_hhmm(oh.get('to'))}")
    return "; ".join(parts)


def _location(channel: dict) -> tuple[dict, str]:
    """Return the street address of the channel's ``Location`` address, and its state."""
    for a in channel.get("addresses") or []:
        if a.get("type") == "Location" and isinstance(a.get("streetAddress"), dict):
            street = a["streetAddress"]
            return street, str(street.get("coordinateState") or "")
    return {}, "NoAddress"


def address_point(street: dict) -> Point | None:
    """Return a PTV street address's point in EPSG:3067.

    Parameters
    ----------
    street : dict
        A ``streetAddress`` of a service channel, with ``latitude`` (northing) and
        ``longitude`` (easting) as strings in ETRS-TM35FIN metres; WGS84 degrees are
        recognised and converted.

    Returns
    -------
    shapely.geometry.Point or None
        None when a coordinate is missing or not a number.
    """
    try:
        north, east = float(street["latitude"]), float(street["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    if abs(north) <= 90 and abs(east) <= 180:  # degrees, not metres
        return gpd.GeoSeries([Point(east, north)], crs="EPSG:4326").to_crs(CRS).iloc[0]
    return Point(east, north)


def channels(organization_id: str | None = None, *, business_id: str | None = None,
             fetcher: Fetcher | None = None, url: str = API_URL) -> list[dict]:
    """Read all service channels of one organisation, every page.

    Parameters
    ----------
    organization_id : str, optional
        The organisation's PTV GUID.
    business_id : str, optional
        Or its business id (Y-tunnus), e.g. :data:`KELA_BUSINESS_ID`.
    fetcher : Fetcher, optional
    url : str
        API base.

    Returns
    -------
    list of dict
        Full channel objects of every type.
    """
    if not organization_id and not business_id:
        raise InputError("PTV: give an organisation's PTV id or business id")
    f = fetcher if fetcher is not None else Fetcher()
    query = {"organizationId": organization_id} if organization_id else {"code": business_id}
    items: list[dict] = []
    page_no, page_count = 1, 1
    while page_no <= min(page_count, MAX_PAGES):
        page = f.get_json(f"{url}/ServiceChannel/list/organization", {**query, "page": page_no},
                          licence=LICENCE, attribution=ATTRIBUTION)
        data = page.data
        if not isinstance(data, dict) or not isinstance(data.get("itemList", []), list):
            raise SourceError(f"{page.url}: expected a page with itemList; check the "
                              "organisation id")
        items.extend(i for i in data.get("itemList") or [] if isinstance(i, dict))
        page_count = int(data.get("pageCount") or 0)
        page_no += 1
    return items


def service_locations(organization_id: str | None = None, *, business_id: str | None = None,
                      organisation: str = "other", org_name: str | None = None,
                      kind: str = "office", language: str = "fi",
                      fetcher: Fetcher | None = None, url: str = API_URL
                      ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read an organisation's service locations as planner service points.

    Parameters
    ----------
    organization_id, business_id : str, optional
        Which organisation (PTV GUID or business id).
    organisation : str
        The planner's organisation key (``kela``, ``municipality``, ``county`` …).
    org_name : str, optional
        Display name of the organisation; default the key.
    kind : str
        ``kind`` given to every location (PTV does not classify them).
    language : str
        Preferred language of names and addresses.
    fetcher : Fetcher, optional
    url : str

    Returns
    -------
    points : geopandas.GeoDataFrame
        ``planner.schema.SERVICE_POINT_COLUMNS`` plus ``ptv_id``, ``ptv_organization_id``,
        ``address``, ``postal_code``, ``post_office``, ``municipality_code``,
        ``opening_hours``, ``coordinate_state`` and ``assumed`` (fields not from PTV),
        EPSG:3067.
    notes : list of str
        Locations left out and why.
    """
    if organisation not in ORGANISATIONS:
        raise InputError(f"PTV: organisation {organisation!r} is not one of "
                         f"{list(ORGANISATIONS)}")
    rows, skipped = [], []
    for ch in channels(organization_id, business_id=business_id, fetcher=fetcher, url=url):
        if ch.get("serviceChannelType") != "ServiceLocation":
            continue
        if ch.get("publishingStatus", "Published") != "Published":
            continue
        rows_or_skip = _row(ch, organisation, org_name or organisation, kind, language)
        if isinstance(rows_or_skip, str):
            skipped.append(rows_or_skip)
        else:
            rows.append(rows_or_skip)
    notes = []
    if skipped:
        notes.append(f"PTV: {len(skipped)} service location(s) left out for lack of trusted "
                     f"coordinates: {'; '.join(skipped)}")
    cols = [*SERVICE_POINT_COLUMNS, "ptv_id", "ptv_organization_id", "address", "postal_code",
            "post_office", "municipality_code", "opening_hours", "coordinate_state", "assumed"]
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=CRS), notes
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    return gdf[[*cols, "geometry"]].sort_values("point_id").reset_index(drop=True), notes


def _row(ch: dict, organisation: str, org_name: str, kind: str, language: str
         ) -> dict[str, Any] | str:
    name = _text(ch.get("serviceChannelNames"), language, "Name") or str(ch.get("id"))
    street, state = _location(ch)
    point = address_point(street) if state in GOOD_COORDINATES else None
    if point is None:
        return f"{name} (coordinateState {state or 'missing'})"
    addr = " ".join(p for p in (_text(street.get("street"), language),
                                str(street.get("streetNumber") or "")) if p)
    services = []
    for s in ch.get("services") or []:
        value = (s.get("service") or {}).get("name") if isinstance(s, dict) else None
        services.append(value if isinstance(value, str) else _text(value, language))
    return {
        "point_id": f"ptv-{ch['id']}", "organisation": organisation, "org_name": org_name,
        "name": name, "kind": kind, "services": [s for s in services if s],
        **ASSUMED, "source": "ptv",
        "ptv_id": str(ch["id"]), "ptv_organization_id": str(ch.get("organizationId") or ""),
        "address": addr, "postal_code": str(street.get("postalCode") or ""),
        "post_office": _text(street.get("postOffice"), language),
        "municipality_code": str((street.get("municipality") or {}).get("code") or ""),
        "opening_hours": opening_hours(ch.get("serviceHours")),
        "coordinate_state": state,
        "assumed": ";".join(k for k in ASSUMED if k not in ("lease_end",)),
        "geometry": point,
    }


def merge_points(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Concatenate service-point layers, keeping the first of repeated ``point_id``."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return gpd.GeoDataFrame({c: [] for c in SERVICE_POINT_COLUMNS}, geometry=[], crs=CRS)
    out = pd.concat(frames, ignore_index=True)
    out = out[~out["point_id"].duplicated()].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=CRS)
