"""Finland's administrative geography: the municipalities in force and their areas.

One table, one row per municipality in force (kunta): its 3-digit code, Finnish and Swedish
name, region (maakunta), the organiser of its health and social services (a wellbeing
services county, hyvinvointialue; the City of Helsinki; on Åland the Åland government) and
its employment area (työllisyysalue) from 1.1.2025 (the TE24 reform).

- :func:`load_table` reads the table shipped in ``resources/finland/municipalities_2025.csv``
  (source and validity in ``resources/finland/README.md``) or a table a user gives with the same
  columns;
- :func:`planner.data.statfin.from_classifications` builds the same table from Statistics
  Finland's classification service (correspondence tables kunta -> maakunta,
  hyvinvointialue, tyollisyysalue), through the disk cache;
- :func:`summary_lines` states what a planner checks first: municipalities per county and
  per employment area, population per area, and what the table does not know.

The national builder (:mod:`planner.data.national`), real regions
(:mod:`planner.data.opendata`) and ``planner fetch`` all read their areas from this table.
An area the table does not name stays empty (``""``): it is never made up from a
municipality's name, and counts in no area standard.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner._paths import resource
from planner.data import tables
from planner.errors import InputError

#: The shipped table (valid from 1 January 2025; unchanged on 1 January 2026).
MUNICIPALITIES_CSV = resource("finland", "municipalities_2025.csv")
VALID_FROM = "2025-01-01"
SOURCE = ("Statistics Finland classifications kunta, maakunta, hyvinvointialue and "
          "tyollisyysalue of 1.1.2025 (CC BY 4.0)")
#: Column of the CSV -> column of the planner's table.
COLUMNS = {
    "kunta": "code", "nimi": "name", "namn": "name_sv",
    "maakunta_koodi": "maakunta_code", "maakunta": "maakunta",
    "hyvinvointialue_koodi": "county_code", "hyvinvointialue": "county",
    "tyollisyysalue_koodi": "employment_area_code", "tyollisyysalue": "employment_area",
    "tyollisyysalue_malli": "employment_model",
}
#: Columns a table must have (the others may be missing or empty).
REQUIRED = ("kunta", "nimi", "maakunta", "hyvinvointialue")
#: Statistics Finland's code of Åland (Ahvenanmaa), the one region outside the mainland.
ALAND_MAAKUNTA = "21"
#: Areas listed by name in one summary line at the most (the largest first beyond it).
MAX_LISTED = 30


def _text(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.strip()


def zero_padded(values: pd.Series, width: int) -> pd.Series:
    """Return codes as zero-padded strings (a spreadsheet may have made ``091`` into ``91``)."""
    text = _text(values).str.replace(r"\.0$", "", regex=True)
    return text.where(~text.str.isdigit(), text.str.zfill(width))


def load_table(path: str | Path | None = None) -> pd.DataFrame:
    """Load the municipality table: the shipped one, or a user's CSV with the same columns.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A table (CSV in UTF-8 or Windows-1252, any usual separator, or XLSX) with at
        least ``kunta``, ``nimi``, ``maakunta`` and ``hyvinvointialue``
        (optionally ``namn``, ``maakunta_koodi``, ``hyvinvointialue_koodi``,
        ``tyollisyysalue_koodi``, ``tyollisyysalue``, ``tyollisyysalue_malli``); lines
        starting with ``#`` are comments. Default: ``resources/finland/municipalities_2025.csv``.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``name_sv``, ``maakunta_code``, ``maakunta``, ``county_code``,
        ``county``, ``employment_area_code``, ``employment_area``, ``employment_model``
        (strings, ``""`` where unknown), sorted by code; ``attrs["source"]`` names the file.

    Raises
    ------
    InputError
        One line naming the file: unreadable (:func:`planner.data.tables.read_table`), a
        missing column (with the columns found), a municipality code listed twice.
    """
    path = Path(path) if path is not None else MUNICIPALITIES_CSV
    raw, _ = tables.read_table(path, comment="#")
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; found "
                         f"{', '.join(map(str, raw.columns)) or 'none'}; the table needs "
                         f"{', '.join(REQUIRED)}")
    out = pd.DataFrame({new: _text(raw[old]) if old in raw.columns else ""
                        for old, new in COLUMNS.items()})
    out["code"] = zero_padded(out["code"], 3)
    out["maakunta_code"] = zero_padded(out["maakunta_code"], 2)
    dup = out["code"][out["code"].duplicated()]
    if len(dup):
        raise InputError(f"{path}: municipality {dup.iloc[0]} is listed twice; give each "
                         "municipality in force once")
    out = out.sort_values("code", ignore_index=True)
    out.attrs["source"] = str(path)
    return out


def mainland(table: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of mainland Finland (all but Åland: maakunta code 21 or Ahvenanmaa)."""
    aland = (table["maakunta_code"] == ALAND_MAAKUNTA) | \
        table["maakunta"].str.casefold().isin({"ahvenanmaa", "åland"})
    return table[~aland].reset_index(drop=True)


def lookup(table: pd.DataFrame, column: str) -> dict[str, str]:
    """Map municipality code -> value of ``column`` (``""`` where the table does not know)."""
    return dict(zip(table["code"], table[column], strict=True))


def name_index(table: pd.DataFrame) -> dict[str, str]:
    """Map Finnish and Swedish names (case-folded) -> municipality code."""
    out: dict[str, str] = {}
    for col in ("name", "name_sv"):
        for code, name in zip(table["code"], table[col], strict=True):
            if name:
                out.setdefault(name.casefold(), code)
    return out


def fill_areas(demand: gpd.GeoDataFrame, munis: gpd.GeoDataFrame, county_of: pd.DataFrame,
                employment_of: pd.DataFrame) -> gpd.GeoDataFrame:
    """Fill the empty area cells of own demand points by where they lie.

    Parameters
    ----------
    demand : geopandas.GeoDataFrame
        Demand points with ``municipality``, ``county`` and ``employment_area`` (some
        cells empty).
    munis : geopandas.GeoDataFrame
        The region's municipalities (``code``, ``name``, polygons).
    county_of : pandas.DataFrame
        ``municipality_code`` -> ``county``.
    employment_of : pandas.DataFrame
        ``municipality_code`` -> ``employment_area``.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy; an empty cell takes the value of the municipality the point lies in (stays
        empty outside every municipality or where the tables do not know the area).
    """
    pos = gpd.sjoin(demand[["geometry"]], munis[["code", "name", "geometry"]], how="left",
                    predicate="within")
    pos = pos[~pos.index.duplicated()]
    lookups = {"municipality": pos["name"],
               "county": pos["code"].map(dict(zip(county_of["municipality_code"],
                                                  county_of["county"], strict=True))),
               "employment_area": pos["code"].map(dict(zip(
                   employment_of["municipality_code"], employment_of["employment_area"],
                   strict=True)))}
    out = demand.copy()
    for col, values in lookups.items():
        empty = out[col].fillna("").astype(str) == ""
        out.loc[empty, col] = values[empty].fillna("").astype(str)
    return out


def differences(table: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    """List the differences of two municipality tables, one line per kind (codes, areas).

    Parameters
    ----------
    table, reference : pandas.DataFrame
        Tables of :func:`load_table` / :func:`planner.data.statfin.from_classifications`.

    Returns
    -------
    list of str
        Empty when both list the same municipalities with the same areas.
    """
    lines = []
    only = sorted(set(table["code"]) - set(reference["code"]))
    gone = sorted(set(reference["code"]) - set(table["code"]))
    if only:
        lines.append(f"{len(only)} municipality code(s) not in the reference: "
                     f"{', '.join(only[:10])}")
    if gone:
        lines.append(f"{len(gone)} municipality code(s) of the reference missing: "
                     f"{', '.join(gone[:10])}")
    both = table.merge(reference, on="code", suffixes=("", "_ref"))
    for col in ("maakunta", "county", "employment_area"):
        known = (both[col] != "") & (both[f"{col}_ref"] != "")
        diff = both[known & (both[col] != both[f"{col}_ref"])]
        if len(diff):
            lines.append(f"{col.replace('_', ' ')} differs for {len(diff)} municipality(ies), "
                         f"e.g. {diff['name'].iloc[0]}: {diff[col].iloc[0]} here, "
                         f"{diff[f'{col}_ref'].iloc[0]} in the reference")
    return lines


def _counts(table: pd.DataFrame, column: str, whole: pd.DataFrame | None) -> str:
    known = table[table[column] != ""]
    sizes = known.groupby(column, sort=True).size()
    everywhere = (whole[whole[column] != ""].groupby(column).size()
                  if whole is not None else sizes)
    return ", ".join(f"{name} {n}" + (f" (of {everywhere[name]}; the others outside the "
                                       "region)" if everywhere.get(name, n) != n else "")
                     for name, n in sizes.items())


def summary_lines(table: pd.DataFrame, population: pd.DataFrame | None = None,
                  whole: pd.DataFrame | None = None) -> list[str]:
    """Describe what a planner checks first: areas, their municipalities, their population.

    Parameters
    ----------
    table : pandas.DataFrame
        The municipalities of the region (rows of :func:`load_table`).
    population : pandas.DataFrame, optional
        Demand points with ``population`` and the area columns ``municipality``, ``county``,
        ``employment_area``: the population per area is added.
    whole : pandas.DataFrame, optional
        The whole table the region's rows come from: a county or employment area that
        reaches beyond the region says how many municipalities it has in all.

    Returns
    -------
    list of str
        Municipalities per county and per employment area, population per area (when
        given), and the municipalities whose county or employment area the table does not
        know.
    """
    lines = [
        f"Geography: {len(table)} municipalities, {table['county'].replace('', None).nunique()}"
        f" organisers of health and social services, "
        f"{table['employment_area'].replace('', None).nunique()} employment areas, "
        f"{table['maakunta'].replace('', None).nunique()} regions "
        f"(table {Path(table.attrs.get('source', 'given')).name})",
        f"Municipalities per county: {_counts(table, 'county', whole)}",
        f"Municipalities per employment area: {_counts(table, 'employment_area', whole)}",
    ]
    for column, what in (("county", "county"), ("employment_area", "employment area")):
        unknown = table.loc[table[column] == "", "name"].tolist()
        if unknown:
            lines.append(f"{what} unknown for {len(unknown)} municipality(ies) (not in the "
                         f"table): {', '.join(unknown[:12])}"
                         + (" ..." if len(unknown) > 12 else "")
                         + f"; they count in no {what} standard")
    if population is not None and len(population):
        for column, what in (("municipality", "municipality"), ("county", "county"),
                             ("employment_area", "employment area")):
            if column not in population.columns:
                continue
            col = population[column].fillna("").astype(str)
            sums = population["population"].groupby(col.to_numpy()).sum().sort_index()
            shown = sums if len(sums) <= MAX_LISTED else \
                sums.sort_values(ascending=False, kind="stable").head(MAX_LISTED)
            text = ", ".join(f"{name or '(unknown)'} {value:,.0f}"
                             for name, value in shown.items())
            more = f" ... and {len(sums) - len(shown)} more" if len(shown) < len(sums) else ""
            lines.append(f"Population per {what} ({len(sums)}): {text}{more}")
    return lines
