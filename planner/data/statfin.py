"""Statistics Finland: municipalities, wellbeing services counties and the 1 km population grid.

Everything comes from the geoserver WFS at ``geo.stat.fi`` as GeoJSON in EPSG:3067, paged
with ``count``/``startIndex`` (WFS 2.0), through the disk cache (:mod:`planner.data.cache`).

- municipalities: ``tilastointialueet:kunta1000k_{year}`` (``kunta`` = 3-digit code, ``nimi``);
- wellbeing services counties: ``tilastointialueet:hyvinvointialue1000k_{year}``; each
  municipality belongs to the county its representative point lies in (the WFS has no
  membership field). :func:`classification_map` reads the same membership from the
  classification API instead, where that correspondence table exists;
- population: ``vaestoruutu:vaki{year}_1km`` (``grd_id, kunta, vaesto, ika_0_14, ika_15_64,
  ika_65_``); cells with fewer than 10 residents have their age groups blanked to -1;
- county and employment-area membership: from the municipality table of
  :mod:`planner.data.geography` (Statistics Finland's classifications of 1.1.2025, shipped in
  ``resources/finland/municipalities_2025.csv``), or a user's table; :func:`classification_map`
  reads a correspondence of the classification service itself, and
  :func:`from_classifications` builds the whole municipality table from it. A municipality
  the table does not know gets no area (``""``), and the result says so; no area is made up.

Licence of all Statistics Finland data: CC BY 4.0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from planner.config import did_you_mean
from planner.data import geography, tables
from planner.data.cache import Fetcher, SourceError
from planner.errors import InputError
from planner.schema import AGE_GROUPS, CRS

WFS_URL = "https://geo.stat.fi/geoserver/wfs"
CLASSIFICATION_URL = "https://data.stat.fi/api/classifications/v2"
LICENCE = "CC BY 4.0"
ATTRIBUTION = "Statistics Finland (Tilastokeskus): {what}"
#: First year of the wellbeing services county layers.
FIRST_COUNTY_YEAR = 2022
#: Rows per WFS request.
PAGE_SIZE = 5000
#: Grid age fields and the planner's age groups.
#: Correspondence targets of the classification service, by the planner's column.
CLASSIFICATION_TARGETS = {"maakunta": "maakunta", "county": "hyvinvointialue",
                          "employment_area": "tyollisyysalue"}
GRID_AGE_FIELDS = {"ika_0_14": "age_0_14", "ika_15_64": "age_15_64", "ika_65_": "age_65_"}


def municipality_layer(year: int) -> str:
    """Return the WFS typeName of the 1:1 000 000 municipality boundaries of ``year``."""
    return f"tilastointialueet:kunta1000k_{year}"


def county_layer(year: int) -> str:
    """Return the WFS typeName of the county boundaries of ``year`` (2022 on)."""
    return f"tilastointialueet:hyvinvointialue1000k_{year}"


def grid_layer(year: int) -> str:
    """Return the WFS typeName of the 1 km population grid of ``year`` (31 Dec)."""
    return f"vaestoruutu:vaki{year}_1km"


def _fetcher(fetcher: Fetcher | None) -> Fetcher:
    return fetcher if fetcher is not None else Fetcher()


def wfs_features(type_name: str, *, fetcher: Fetcher | None = None,
                 bbox: tuple[float, float, float, float] | None = None,
                 url: str = WFS_URL, page_size: int = PAGE_SIZE,
                 what: str | None = None) -> gpd.GeoDataFrame:
    """Read all features of a WFS layer as GeoJSON in EPSG:3067, page by page.

    Parameters
    ----------
    type_name : str
        Layer with its workspace, e.g. ``"tilastointialueet:kunta1000k_2025"``.
    fetcher : Fetcher, optional
        Cache and network settings (a default one otherwise).
    bbox : tuple of float, optional
        ``(minx, miny, maxx, maxy)`` in EPSG:3067 metres.
    url : str
        WFS endpoint.
    page_size : int
        Features per request (``count``); the next page starts at ``startIndex``.
    what : str, optional
        Description used in the attribution.

    Returns
    -------
    geopandas.GeoDataFrame
        The features' properties and geometry, CRS EPSG:3067.

    Raises
    ------
    SourceError
        When a page is not a GeoJSON FeatureCollection (or HTTP fails).
    """
    f = _fetcher(fetcher)
    base = {"service": "WFS", "version": "2.0.0", "request": "GetFeature",
            "typeNames": type_name, "outputFormat": "application/json", "srsName": CRS,
            "count": page_size}
    if bbox is not None:
        lo = [math.floor(v) for v in bbox[:2]]
        hi = [math.ceil(v) for v in bbox[2:]]
        base["bbox"] = ",".join(str(v) for v in (*lo, *hi)) + f",{CRS}"
    features: list[dict] = []
    start = 0
    while True:
        page = f.get_json(url, {**base, "startIndex": start}, licence=LICENCE,
                          attribution=ATTRIBUTION.format(what=what or type_name))
        data = page.data
        if not isinstance(data, dict) or not isinstance(data.get("features"), list):
            raise SourceError(f"{page.url}: not a GeoJSON FeatureCollection; check the layer "
                              f"name {type_name!r} and the year")
        feats = data["features"]
        features.extend(feats)
        start += len(feats)
        matched = data.get("numberMatched", data.get("totalFeatures"))
        if not feats:
            break
        if isinstance(matched, int):
            if start >= matched:
                break
        elif len(feats) < page_size:
            break
    crs_name = str(((data.get("crs") or {}).get("properties") or {}).get("name", CRS))
    src_crs = "EPSG:4326" if crs_name.endswith(("4326", "CRS84")) else CRS
    if not features:
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    gdf = gpd.GeoDataFrame.from_features(features, crs=src_crs)
    return gdf.to_crs(CRS)


def _code(values: pd.Series) -> pd.Series:
    """Return municipality codes as 3-digit strings (the grid may give ``91`` or ``"91"``)."""
    return values.astype("string").str.strip().str.replace(r"\.0$", "", regex=True).str.zfill(3)


def select_municipalities(munis: gpd.GeoDataFrame, wanted: Iterable[str],
                          what: str = "region spec") -> gpd.GeoDataFrame:
    """Select the municipalities named by code (``"091"``, ``"91"``) or name (fi, sv, en).

    Parameters
    ----------
    munis : geopandas.GeoDataFrame
        Output of :func:`municipalities`.
    wanted : iterable of str
        Codes or names, case-insensitive.
    what : str
        Where the list came from, for the error message.

    Returns
    -------
    geopandas.GeoDataFrame
        The selected rows in the order given.

    Raises
    ------
    InputError
        Naming the first unknown municipality and the closest match.
    """
    lookup: dict[str, int] = {}
    for i, row in munis.reset_index(drop=True).iterrows():
        for key in (row["code"], row["name"], row.get("name_sv"), row.get("name_en")):
            if isinstance(key, str) and key:
                lookup.setdefault(key.casefold(), i)
    rows = []
    for w in wanted:
        key = str(w).strip()
        key = key.zfill(3) if key.isdigit() else key
        if key.casefold() not in lookup:
            hint = did_you_mean(key.casefold(), list(lookup))
            raise InputError(f"{what}: municipality {w!r} is not in Statistics Finland's "
                             f"list{hint}; give a 3-digit code or the Finnish name")
        rows.append(lookup[key.casefold()])
    return munis.reset_index(drop=True).iloc[list(dict.fromkeys(rows))].reset_index(drop=True)


def municipalities(year: int, *, fetcher: Fetcher | None = None,
                   url: str = WFS_URL, page_size: int = PAGE_SIZE) -> gpd.GeoDataFrame:
    """Read the municipality boundaries of one year.

    Parameters
    ----------
    year : int
        Division of 1 January of that year (layers exist from 2013).
    fetcher : Fetcher, optional
    url : str
        WFS endpoint.
    page_size : int
        Features per request.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code`` (3-digit string), ``name`` (Finnish), ``name_sv``, ``name_en``, ``year``,
        geometry (EPSG:3067).
    """
    raw = wfs_features(municipality_layer(year), fetcher=fetcher, url=url,
                       page_size=page_size, what=f"municipalities {year}")
    if "kunta" not in raw.columns or "nimi" not in raw.columns:
        raise SourceError(f"{municipality_layer(year)}: features lack 'kunta'/'nimi'; the "
                          "layer's fields have changed, report it")
    out = gpd.GeoDataFrame({
        "code": _code(raw["kunta"]).astype(str), "name": raw["nimi"].astype(str),
        "name_sv": raw.get("namn", raw["nimi"]).astype(str),
        "name_en": raw.get("name", raw["nimi"]).astype(str), "year": year,
    }, geometry=raw.geometry.to_numpy(), crs=CRS)
    return out.sort_values("code").reset_index(drop=True)


def counties(year: int, *, fetcher: Fetcher | None = None,
             bbox: tuple[float, float, float, float] | None = None,
             url: str = WFS_URL, page_size: int = PAGE_SIZE) -> gpd.GeoDataFrame:
    """Read the wellbeing services county boundaries of one year.

    Parameters
    ----------
    year : int
        2022 or later.
    fetcher : Fetcher, optional
    bbox : tuple of float, optional
        Only counties meeting this box (EPSG:3067).
    url : str
    page_size : int

    Returns
    -------
    geopandas.GeoDataFrame
        ``code`` and ``name`` (Finnish), geometry (EPSG:3067). The code field is read from
        ``hyvinvointialue`` (else ``id``).
    """
    raw = wfs_features(county_layer(year), fetcher=fetcher, bbox=bbox, url=url,
                       page_size=page_size, what=f"wellbeing services counties {year}")
    if len(raw) == 0:
        return gpd.GeoDataFrame({"code": [], "name": []}, geometry=[], crs=CRS)
    code_field = next((c for c in ("hyvinvointialue", "hyvinvointialue_koodi", "id")
                       if c in raw.columns), None)
    if code_field is None or "nimi" not in raw.columns:
        raise SourceError(f"{county_layer(year)}: features lack a code or 'nimi' field; "
                          "the layer's fields have changed, report it")
    return gpd.GeoDataFrame({"code": raw[code_field].astype(str), "name": raw["nimi"]
                             .astype(str)}, geometry=raw.geometry.to_numpy(), crs=CRS)


def county_membership(munis: gpd.GeoDataFrame, county_areas: gpd.GeoDataFrame
                      ) -> pd.DataFrame:
    """Return the county each municipality lies in (by its representative point).

    Parameters
    ----------
    munis : geopandas.GeoDataFrame
        ``code``, ``name`` and geometry of municipalities.
    county_areas : geopandas.GeoDataFrame
        ``code``, ``name`` and geometry of counties.

    Returns
    -------
    pandas.DataFrame
        ``municipality_code``, ``county_code``, ``county`` (name); a municipality outside
        every county (Helsinki organises its own services; Åland) gets its own name and an
        empty code.
    """
    pts = gpd.GeoDataFrame({"municipality_code": munis["code"].to_numpy(),
                            "muni_name": munis["name"].to_numpy()},
                           geometry=munis.geometry.representative_point().to_numpy(), crs=CRS)
    joined = gpd.sjoin(pts, county_areas[["code", "name", "geometry"]], how="left",
                       predicate="within")
    joined = joined[~joined.index.duplicated()]
    return pd.DataFrame({
        "municipality_code": joined["municipality_code"].to_numpy(),
        "county_code": joined["code"].fillna("").astype(str).to_numpy(),
        "county": joined["name"].fillna(joined["muni_name"]).astype(str).to_numpy(),
    })


def classification_map(source: str, target: str, year: int, *,
                       fetcher: Fetcher | None = None,
                       url: str = CLASSIFICATION_URL, lang: str = "fi") -> pd.DataFrame:
    """Read a correspondence table of Statistics Finland's classification service.

    Parameters
    ----------
    source, target : str
        Classification names, e.g. ``"kunta"`` and ``"maakunta"`` (also ``seutukunta``,
        ``tyossakayntial``; ``hyvinvointialue`` where the service has it).
    year : int
        Classifications valid on 1 January of that year.
    fetcher : Fetcher, optional
    url : str
        Base of the classification API.
    lang : str
        Language of the names: ``fi``, ``sv`` or ``en``.

    Returns
    -------
    pandas.DataFrame
        ``source_code``, ``source_name``, ``target_code``, ``target_name``.
    """
    f = _fetcher(fetcher)
    table = f"{source}_1_{year}0101%23{target}_1_{year}0101"
    page = f.get_json(f"{url}/correspondenceTables/{table}/maps",
                      {"content": "data", "meta": "min", "lang": lang}, licence=LICENCE,
                      attribution=ATTRIBUTION.format(what=f"classification {source}->{target}"))
    if not isinstance(page.data, list):
        raise SourceError(f"{page.url}: expected a list of correspondence maps; check the "
                          "classification names and year")

    def name(item: dict) -> str:
        names = item.get("classificationItemNames") or [{}]
        fi = next((n for n in names if n.get("lang") == lang), names[0])
        return str(fi.get("name", ""))

    rows = []
    for m in page.data:
        try:
            s, t = m["sourceItem"], m["targetItem"]
            rows.append((str(s["code"]).zfill(3) if source == "kunta" else str(s["code"]),
                         name(s), str(t["code"]), name(t)))
        except (KeyError, TypeError):
            raise SourceError(f"{page.url}: a map lacks sourceItem/targetItem codes; the "
                              "format has changed, report it") from None
    return pd.DataFrame(rows, columns=["source_code", "source_name", "target_code",
                                       "target_name"])


def from_classifications(year: int, *, fetcher: Fetcher | None = None,
                         url: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Build the municipality table from Statistics Finland's classification service.

    Reads the correspondence tables ``kunta_1_<year>0101#<target>_1_<year>0101`` for the
    targets maakunta, hyvinvointialue and tyollisyysalue (Finnish names), and kunta ->
    maakunta once more in Swedish for the Swedish names. A target the service does not
    publish for that year is left empty and named in the notes.

    Parameters
    ----------
    year : int
        Classifications valid on 1 January of that year.
    fetcher : Fetcher, optional
        Cache and network settings.
    url : str, optional
        Base of the classification API (default
        :data:`CLASSIFICATION_URL`).

    Returns
    -------
    table : pandas.DataFrame
        The columns of :func:`planner.data.geography.load_table`; ``employment_model``
        is empty (the service does not publish it).
    notes : list of str
        Which correspondence was not available.

    Raises
    ------
    SourceError
        When kunta -> maakunta itself cannot be had (the service or the year is wrong).
    """
    base = url or CLASSIFICATION_URL
    fi = classification_map("kunta", "maakunta", year, fetcher=fetcher, url=base)
    out = pd.DataFrame({"code": fi["source_code"], "name": fi["source_name"],
                        "maakunta_code": geography.zero_padded(fi["target_code"], 2),
                        "maakunta": fi["target_name"]})
    notes: list[str] = []
    try:
        sv = classification_map("kunta", "maakunta", year, fetcher=fetcher, url=base,
                                        lang="sv")
        out["name_sv"] = out["code"].map(dict(zip(sv["source_code"], sv["source_name"],
                                                  strict=True))).fillna("")
    except SourceError as exc:
        out["name_sv"] = ""
        notes.append(f"Swedish names not available from the classification service ({exc})")
    for column, target in CLASSIFICATION_TARGETS.items():
        if column == "maakunta":
            continue
        try:
            m = classification_map("kunta", target, year, fetcher=fetcher, url=base)
        except SourceError as exc:
            out[column] = out[f"{column}_code"] = ""
            notes.append(f"kunta -> {target} {year} not available from the classification "
                         f"service ({exc}); {column.replace('_', ' ')}s left empty")
            continue
        out[column] = out["code"].map(dict(zip(m["source_code"], m["target_name"],
                                               strict=True))).fillna("")
        out[f"{column}_code"] = out["code"].map(dict(zip(m["source_code"], m["target_code"],
                                                         strict=True))).fillna("")
    out["employment_model"] = ""
    out = out[list(geography.COLUMNS.values())].sort_values("code", ignore_index=True)
    out.attrs["source"] = f"Statistics Finland classification service, {year}"
    return out, notes


def employment_areas(path: str | Path | None = None) -> pd.DataFrame:
    """Read municipality -> employment area (työllisyysalue) membership.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A CSV with columns ``kunta`` (code) and ``tyollisyysalue_nimi`` (optionally
        ``tyollisyysalue_id``, ``source``, ``valid_from``), or a municipality table of
        :func:`planner.data.geography.load_table` (column ``tyollisyysalue``); default: the
        shipped table ``resources/finland/municipalities_2025.csv`` (all 45 areas of 1.1.2025).

    Returns
    -------
    pandas.DataFrame
        ``municipality_code``, ``employment_area``, ``source``.
    """
    if path is None:
        table = geography.load_table()
        return pd.DataFrame({"municipality_code": table["code"],
                             "employment_area": table["employment_area"],
                             "source": geography.SOURCE})
    path = Path(path)
    table, _ = tables.read_table(path, comment="#")
    table = table.fillna("")
    if "tyollisyysalue" in table.columns and "tyollisyysalue_nimi" not in table.columns:
        table = table.rename(columns={"tyollisyysalue": "tyollisyysalue_nimi"})
    missing = [c for c in ("kunta", "tyollisyysalue_nimi") if c not in table.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; found "
                         f"{', '.join(map(str, table.columns)) or 'none'}; the table needs "
                         "kunta and tyollisyysalue_nimi")
    return pd.DataFrame({"municipality_code": _code(table["kunta"]).astype(str),
                         "employment_area": table["tyollisyysalue_nimi"].astype(str).str.strip(),
                         "source": table.get("source", pd.Series(str(path), index=table.index))
                         .astype(str)})


def county_of_table(table: pd.DataFrame) -> pd.DataFrame:
    """Map municipality -> organiser of health and social services, from a municipality table.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`planner.data.geography.load_table`.

    Returns
    -------
    pandas.DataFrame
        ``municipality_code``, ``county_code``, ``county`` (the shape of
        :func:`county_membership`).
    """
    return pd.DataFrame({"municipality_code": table["code"].to_numpy(),
                         "county_code": table["county_code"].to_numpy(),
                         "county": table["county"].to_numpy()})


def population_grid(year: int, *, bbox: tuple[float, float, float, float] | None = None,
                    fetcher: Fetcher | None = None, url: str = WFS_URL,
                    page_size: int = PAGE_SIZE) -> gpd.GeoDataFrame:
    """Read the 1 km population grid of one year, as published (-1 = suppressed).

    Parameters
    ----------
    year : int
        Residents on 31 December of that year.
    bbox : tuple of float, optional
        ``(minx, miny, maxx, maxy)`` in EPSG:3067; without it the whole country (~30 MB).
    fetcher : Fetcher, optional
    url : str
    page_size : int

    Returns
    -------
    geopandas.GeoDataFrame
        The layer's fields (``grd_id``, ``kunta``, ``vaesto``, ``ika_*`` …) and cell polygons.
    """
    grid = wfs_features(grid_layer(year), fetcher=fetcher, bbox=bbox, url=url,
                        page_size=page_size, what=f"population grid 1 km {year}")
    need = ["grd_id", "vaesto", *GRID_AGE_FIELDS]
    missing = [c for c in need if c not in grid.columns] if len(grid) else []
    if missing:
        raise SourceError(f"{grid_layer(year)}: cells lack {', '.join(missing)}; the layer's "
                          "fields have changed, report it")
    return grid


def grid_to_demand(grid: gpd.GeoDataFrame, munis: gpd.GeoDataFrame,
                   county_of: pd.DataFrame | None = None,
                   employment_of: pd.DataFrame | None = None
                   ) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Map grid cells of the chosen municipalities to the planner's demand columns.

    Cells with suppressed age groups (-1, under 10 residents) keep their population; it is
    split by the age shares of the unsuppressed cells of the same municipality (of all
    selected municipalities where none is unsuppressed), so age groups always sum to the
    population.

    Parameters
    ----------
    grid : geopandas.GeoDataFrame
        Output of :func:`population_grid`.
    munis : geopandas.GeoDataFrame
        The selected municipalities (``code``, ``name``, geometry). Cells of other
        municipalities are dropped; a cell without ``kunta`` is placed by its centre.
    county_of : pandas.DataFrame, optional
        ``municipality_code`` -> ``county`` (:func:`county_membership`); default: none known.
    employment_of : pandas.DataFrame, optional
        ``municipality_code`` -> ``employment_area`` (:func:`employment_areas`).

    Returns
    -------
    demand : geopandas.GeoDataFrame
        ``demand_id`` (``grid-<grd_id>``), ``population``, ``age_0_14``, ``age_15_64``,
        ``age_65_``, ``municipality`` (name), ``county``, ``employment_area``,
        ``municipality_code``, ``suppressed`` (bool); geometry = cell centre (EPSG:3067).
    notes : list of str
        What was assumed (suppressed cells, areas missing from the tables).
    """
    notes: list[str] = []
    g = grid.copy()
    if "xkoord" in g.columns and "ykoord" in g.columns and g["xkoord"].notna().all():
        centres = gpd.GeoSeries([Point(x, y) for x, y in zip(g["xkoord"], g["ykoord"],
                                                             strict=True)], crs=CRS)
    else:
        centres = g.geometry.centroid.reset_index(drop=True)
    g = g.reset_index(drop=True)
    if "kunta" in g.columns:
        code = _code(g["kunta"])
    else:
        pos = gpd.sjoin(gpd.GeoDataFrame(geometry=centres, crs=CRS),
                        munis[["code", "geometry"]], how="left", predicate="within")
        code = pos[~pos.index.duplicated()]["code"].astype("string")
    keep = code.isin(list(munis["code"])).fillna(False).to_numpy(dtype=bool)
    g, centres, code = g[keep].reset_index(drop=True), centres[keep].reset_index(drop=True), \
        code[keep].reset_index(drop=True)
    if len(g) == 0:
        raise InputError("population grid: no cells in the chosen municipalities; check the "
                         "municipality codes and the year")
    pop = pd.to_numeric(g["vaesto"], errors="coerce").fillna(0).clip(lower=0).to_numpy(float)
    ages = np.column_stack([pd.to_numeric(g[f], errors="coerce").fillna(-1).to_numpy(float)
                            for f in GRID_AGE_FIELDS])
    suppressed = (ages < 0).any(axis=1)
    totals = pd.DataFrame(np.where(suppressed[:, None], 0.0, ages), columns=list(AGE_GROUPS))
    overall = totals.sum().to_numpy()
    by_muni = totals.groupby(code.to_numpy()).sum()
    for i in np.flatnonzero(suppressed):
        ref = by_muni.loc[code.iloc[i]].to_numpy()
        ref = ref if ref.sum() > 0 else overall
        share = ref / ref.sum() if ref.sum() > 0 else np.full(3, 1 / 3)
        ages[i] = pop[i] * share
    if suppressed.any():
        n = int(suppressed.sum())
        notes.append(f"{n} grid cell{'s' if n > 1 else ''} with under 10 residents "
                     f"ha{'ve' if n > 1 else 's'} no age groups (suppressed); residents split "
                     "by the age shares of the municipality's other cells")
    names = dict(zip(munis["code"], munis["name"], strict=True))
    muni_name = code.map(names).astype(str)
    county = _area(code, muni_name, county_of, "county", notes, "county")
    employment = _area(code, muni_name, employment_of, "employment_area", notes,
                       "employment-area table")
    demand = gpd.GeoDataFrame({
        "demand_id": "grid-" + g["grd_id"].astype(str),
        "population": pop,
        **{a: np.round(ages[:, k], 3) for k, a in enumerate(AGE_GROUPS)},
        "municipality": muni_name.to_numpy(), "county": county,
        "employment_area": employment, "municipality_code": code.astype(str).to_numpy(),
        "suppressed": suppressed,
    }, geometry=centres.to_numpy(), crs=CRS)
    return demand, notes


def _area(code: pd.Series, muni_name: pd.Series, table: pd.DataFrame | None, column: str,
          notes: list[str], what: str) -> np.ndarray:
    """Look an area up by municipality code; an unknown one stays empty (never made up)."""
    known = {} if table is None else {k: v for k, v in zip(
        table["municipality_code"], table[column], strict=True) if v}
    values = code.map(known)
    missing = sorted(set(muni_name[values.isna()]))
    if missing:
        notes.append(f"no {what} membership for {', '.join(missing)}; their "
                     f"{column.replace('_', ' ')} is left empty and counts in no "
                     f"{column.replace('_', ' ')} standard (give a table that has them)")
    return values.fillna("").astype(str).to_numpy()
