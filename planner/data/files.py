"""The planner's own files: CSV/XLSX tables with coordinates, GeoPackage and GeoJSON layers.

Tables are read by :func:`planner.data.tables.read_table`: comma-, semicolon- or
tab-separated, UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or
Windows-1252, or XLSX; numbers may have decimal commas. How a CSV was read is noted in the
:class:`ImportReport` when it is not plain comma-separated UTF-8 (``read as tab-separated
UTF-16 LE with BOM text``), and so is every column whose decimal commas were read as
points.

Columns are matched to the planner's contracts (:mod:`planner.schema`) by name, with common
English and Finnish aliases (``lat``/``latitude``/``y``/``leveys``, ``name``/``nimi`` …);
headers are compared lower-case with ä/ö/å folded and spaces as underscores. Contract
columns the file lacks get stated defaults, and the :class:`ImportReport` lists what was
matched, what was filled and what was ignored.

Coordinates in a table are read as WGS84 degrees or ETRS-TM35FIN metres: the CRS is
detected from the value ranges and confirmed against Finland's extent (or given
explicitly); columns with latitude and longitude the wrong way round are swapped back, and
the report says so. Everything is returned in EPSG:3067.

Bad input raises :class:`planner.errors.InputError` with one line naming the file, the row
or column, and what to do.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from pyproj.exceptions import CRSError

from planner.data import tables
from planner.data.ptv import ASSUMED
from planner.errors import InputError
from planner.hosts import AGREEMENTS, default_agreement
from planner.schema import (
    AGE_GROUPS,
    CRS,
    DEMAND_COLUMNS,
    OFFICE_KINDS,
    ORGANISATIONS,
    SERVICE_POINT_COLUMNS,
    SITE_COLUMNS,
)

Layer = Literal["service_points", "sites", "demand"]

#: Finland's extent: WGS84 (lon, lat) and ETRS-TM35FIN (easting, northing), with a margin.
FINLAND_LONLAT = (19.0, 59.3, 31.9, 70.2)
FINLAND_TM35 = (20_000.0, 6_580_000.0, 790_000.0, 7_800_000.0)
X_ALIASES = ("x", "lon", "lng", "long", "longitude", "easting", "e", "itakoordinaatti",
             "pituus", "pituusaste", "x_koordinaatti", "etrs_x", "xkoord")
Y_ALIASES = ("y", "lat", "latitude", "northing", "n", "pohjoiskoordinaatti", "leveys",
             "leveysaste", "y_koordinaatti", "etrs_y", "ykoord")
#: Contract column -> accepted header names (normalised).
ALIASES: dict[str, tuple[str, ...]] = {
    "point_id": ("point_id", "id", "tunnus", "pisteen_tunnus"),
    "site_id": ("site_id", "id", "tunnus", "kohteen_tunnus"),
    "demand_id": ("demand_id", "id", "tunnus", "grd_id", "ruutu"),
    "name": ("name", "nimi", "namn", "toimipiste", "kohde"),
    "organisation": ("organisation", "organization", "org", "organisaatio", "toimija"),
    "org_name": ("org_name", "organisation_name", "organization_name", "organisaation_nimi"),
    "kind": ("kind", "type", "tyyppi", "laji"),
    "services": ("services", "palvelut"),
    "floor_m2": ("floor_m2", "area_m2", "floor_area", "pinta_ala", "pinta_ala_m2", "ala_m2"),
    "annual_cost_eur": ("annual_cost_eur", "annual_cost", "cost_eur", "vuosikustannus",
                        "kustannus_eur", "kustannukset"),
    "desks": ("desks", "tyopisteet", "tyopisteita", "palvelupisteet"),
    "annual_visits": ("annual_visits", "visits", "kaynnit", "asiointimaara", "asioinnit"),
    "lease_end": ("lease_end", "vuokra_paattyy", "vuokrasopimus_paattyy", "lease_expiry"),
    "can_host": ("can_host", "host", "voi_isannoida", "isanta"),
    "spare_desks": ("spare_desks", "vapaat_tyopisteet", "free_desks"),
    "host_org": ("host_org", "host_organisation", "isantaorganisaatio", "omistaja"),
    "host_agreement": ("host_agreement", "agreement", "hosting_agreement", "sopimus",
                       "isannointisopimus", "isannointi_sopimus", "isantasopimus"),
    "rent_eur_m2_year": ("rent_eur_m2_year", "rent", "vuokra", "vuokra_eur_m2_v"),
    "fitout_eur": ("fitout_eur", "fitout", "muutostyot_eur"),
    "existing_point_id": ("existing_point_id",),
    "source": ("source", "lahde"),
    "population": ("population", "pop", "vaesto", "asukkaat", "asukasluku", "residents"),
    "age_0_14": ("age_0_14", "ika_0_14", "0_14"),
    "age_15_64": ("age_15_64", "ika_15_64", "15_64"),
    "age_65_": ("age_65_", "age_65", "ika_65_", "ika_65", "65_"),
    "municipality": ("municipality", "kunta", "kommun"),
    "county": ("county", "hyvinvointialue", "wellbeing_county", "hva"),
    "employment_area": ("employment_area", "tyollisyysalue"),
}
#: Columns each layer must have (no sensible default), besides coordinates.
REQUIRED: dict[str, tuple[str, ...]] = {
    "service_points": ("name", "organisation"),
    "sites": ("name",),
    "demand": ("population",),
}
#: Approximate age structure of Finland (2023, rounded), used when a demand file has none.
FINLAND_AGE_SHARES = {"age_0_14": 0.15, "age_15_64": 0.62, "age_65_": 0.23}
#: Defaults of the remaining contract columns, by layer.
DEFAULTS: dict[str, dict[str, object]] = {
    "service_points": {"kind": "office", "services": "", **ASSUMED},
    "sites": {"kind": "other", "host_org": "other", "spare_desks": 2,
              "rent_eur_m2_year": 400.0, "fitout_eur": 50000.0, "existing_point_id": ""},
    "demand": {"municipality": "", "county": "", "employment_area": ""},
}
NUMERIC = ("floor_m2", "annual_cost_eur", "desks", "annual_visits", "spare_desks",
           "rent_eur_m2_year", "fitout_eur", "population", *AGE_GROUPS)
ORG_ALIASES = {"kela": "kela", "fpa": "kela", "municipality": "municipality",
               "kunta": "municipality", "city": "municipality", "kaupunki": "municipality",
               "county": "county", "hyvinvointialue": "county", "wellbeing_county": "county",
               "employment": "employment", "tyollisyysalue": "employment", "te": "employment",
               "other": "other", "muu": "other"}
#: Values of a sites file's ``host_agreement`` (normalised) -> the planner's value.
AGREEMENT_ALIASES = {"yes": "yes", "y": "yes", "kylla": "yes", "k": "yes", "ja": "yes",
                     "sovittu": "yes", "to_verify": "to_verify", "verify": "to_verify",
                     "tarkistettava": "to_verify", "tarkistetaan": "to_verify",
                     "tarkista": "to_verify", "avoin": "to_verify", "no": "no", "n": "no",
                     "ei": "no", "e": "no", "nej": "no"}
_TRUE = {"true", "1", "yes", "kylla", "k", "x", "y"}
_FALSE = {"false", "0", "no", "ei", "e", "n", ""}


@dataclass
class ImportReport:
    """What an import matched, assumed and ignored.

    Attributes
    ----------
    path : pathlib.Path
    layer : str
    rows : int
    crs : str
        CRS of the input coordinates.
    crs_detected : bool
        True when the CRS was told from the value ranges, not given.
    swapped : bool
        True when latitude and longitude (or northing and easting) were the wrong way round.
    matched : dict
        Contract column -> the file's column.
    filled : dict
        Contract column -> default used, for columns the file lacks.
    ignored : list of str
        The file's columns kept as extra columns, not used by the planner.
    notes : list of str
    """

    path: Path
    layer: str
    rows: int = 0
    crs: str = ""
    crs_detected: bool = False
    swapped: bool = False
    matched: dict[str, str] = field(default_factory=dict)
    filled: dict[str, object] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Return the report as short lines for the terminal or a log."""
        out = [f"{self.path.name}: {self.rows} {self.layer.replace('_', ' ')}, coordinates "
               f"in {self.crs}" + (" (detected from the values)" if self.crs_detected else "")]
        if self.swapped:
            out.append("  latitude/longitude (northing/easting) columns were the wrong way "
                       "round and were swapped back; check the file")
        renamed = {k: v for k, v in self.matched.items() if k != v}
        if renamed:
            out.append("  columns matched: " + ", ".join(f"{v} -> {k}" for k, v in
                                                         renamed.items()))
        if self.filled:
            out.append("  missing, default used: " + ", ".join(
                f"{k}={v!r}" for k, v in self.filled.items()))
        if self.ignored:
            out.append("  not used (kept as extra columns): " + ", ".join(self.ignored))
        out += [f"  {n}" for n in self.notes]
        return out

    def __str__(self) -> str:
        """Return :meth:`lines` as one text."""
        return "\n".join(self.lines())


def normalise(header: object) -> str:
    """Return a header as it is compared: lower case, accents folded, spaces as ``_``.

    Punctuation (``-./()``) becomes ``_`` too: ``"Työpisteet "`` -> ``tyopisteet``.
    """
    text = unicodedata.normalize("NFKD", str(header).strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    for ch in " -./()":
        text = text.replace(ch, "_")
    return "_".join(p for p in text.split("_") if p) if text.strip("_") else text


def _find(columns: dict[str, str], aliases: tuple[str, ...]) -> str | None:
    return next((columns[a] for a in aliases if a in columns), None)


def _numbers(values: pd.Series, path: Path, column: str, offset: int,
             notes: list[str] | None = None) -> pd.Series:
    """Parse numbers, Finnish decimal commas and spaces tolerated; a bad cell is an error.

    Decimal commas read as points are noted in ``notes`` (the import report's).
    """
    nums, bad = tables.parse_numbers(values)
    if notes is not None and not pd.api.types.is_numeric_dtype(values) and \
            values.astype("string").str.contains(r"\d,\d", regex=True).any():
        notes.append(f"column {column!r}: decimal commas read as decimal points")
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{path}: row {i + offset}, column {column!r}: {values.iloc[i]!r} is "
                         "not a number; fix the cell")
    why = tables.implausible(nums)
    if why is not None:
        i, what = why
        raise InputError(f"{path}: row {i + offset}, column {column!r}: {values.iloc[i]!r} "
                         f"{what}; fix the cell")
    return nums


def detect_crs(x: np.ndarray, y: np.ndarray) -> tuple[str, bool] | None:
    """Tell the CRS of coordinate pairs in Finland from their ranges.

    Parameters
    ----------
    x, y : numpy.ndarray
        The values of the columns read as x (longitude, easting) and y (latitude, northing).

    Returns
    -------
    tuple (str, bool) or None
        ``("EPSG:4326" or "EPSG:3067", swapped)``; None when neither fits Finland.
    """
    def inside(a: np.ndarray, b: np.ndarray, box: tuple[float, ...]) -> bool:
        return bool(((a >= box[0]) & (a <= box[2]) & (b >= box[1]) & (b <= box[3])).all())

    for crs, box in (("EPSG:4326", FINLAND_LONLAT), ("EPSG:3067", FINLAND_TM35)):
        if inside(x, y, box):
            return crs, False
        if inside(y, x, box):
            return crs, True
    return None


def _read_table(path: Path, sheet: str | int | None, report: ImportReport) -> pd.DataFrame:
    table, fmt = tables.read_table(path, sheet=sheet)
    if fmt.kind == "csv" and (fmt.separator, fmt.encoding) != (",", "UTF-8"):
        report.notes.append(f"read as {fmt.describe()}")
    return table


def read_layer(path: str | Path, layer: Layer, *, crs: str | None = None,
               sheet: str | int | None = None, gpkg_layer: str | None = None
               ) -> tuple[gpd.GeoDataFrame, ImportReport]:
    """Read one of the planner's own files as a service-point, site or demand layer.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.csv``, ``.txt``, ``.xlsx``, ``.gpkg``, ``.geojson`` or ``.json``.
    layer : {"service_points", "sites", "demand"}
        Which contract the columns are matched to.
    crs : str, optional
        CRS of a table's coordinates (e.g. ``"EPSG:4326"``); detected when not given.
        Geo files carry their own CRS (GeoJSON without one is WGS84).
    sheet : str or int, optional
        Worksheet of an XLSX file (default the first).
    gpkg_layer : str, optional
        Layer of a GeoPackage (default the first).

    Returns
    -------
    gdf : geopandas.GeoDataFrame
        The contract columns (plus the file's other columns), EPSG:3067 points.
    report : ImportReport

    Raises
    ------
    InputError
        One line naming the file, the row or column and what to do.
    """
    path = Path(path)
    if layer not in REQUIRED:
        raise InputError(f"{path}: unknown layer {layer!r}; use one of {list(REQUIRED)}")
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path")
    report = ImportReport(path=path, layer=layer)
    suffix = path.suffix.lower()
    if suffix in (".gpkg", ".geojson", ".json", ".shp", ".fgb"):
        table, geometry, offset = _read_geo(path, gpkg_layer, report)
    else:
        table = _read_table(path, sheet, report)
        offset = 2  # spreadsheet row of the first data row (after the header)
        _not_empty(table, path)
        geometry = _table_points(table, path, crs, report, offset)
    gdf = _map_columns(table, path, layer, report, offset)
    gdf = gpd.GeoDataFrame(gdf, geometry=geometry.to_numpy(), crs=CRS)
    report.rows = len(gdf)
    return gdf, report


def _read_geo(path: Path, gpkg_layer: str | None, report: ImportReport
              ) -> tuple[pd.DataFrame, gpd.GeoSeries, int]:
    try:
        gdf = gpd.read_file(path, layer=gpkg_layer) if gpkg_layer else gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: cannot read the layer ({first}); check the file and layer "
                         "name") from None
    if gdf.crs is None:
        if path.suffix.lower() in (".geojson", ".json"):
            gdf = gdf.set_crs("EPSG:4326")
        else:
            raise InputError(f"{path}: the layer has no CRS; set one (e.g. EPSG:3067) in the "
                             "file")
    _not_empty(gdf, path)
    report.crs = gdf.crs.to_string()
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        raise InputError(f"{path}: feature {int(np.flatnonzero(empty.to_numpy())[0]) + 1} has "
                         "no geometry; give it a location or delete it")
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        i = int(np.flatnonzero(invalid.to_numpy())[0])
        why = shapely.is_valid_reason(gdf.geometry.iloc[i])
        raise InputError(f"{path}: feature {i + 1} has an invalid geometry ({why}); repair it "
                         "(e.g. QGIS Fix geometries) or delete it")
    geom = gdf.geometry.to_crs(CRS)
    if not (geom.geom_type == "Point").all():
        report.notes.append("non-point features were replaced by a point inside each")
        geom = geom.representative_point()
    raw = gdf.geometry.representative_point()
    _check_finland(geom.x.to_numpy(), geom.y.to_numpy(), path, 1, "feature",
                   (raw.x.to_numpy(), raw.y.to_numpy(), report.crs))
    return pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), geom.reset_index(drop=True), 1


def _not_empty(table: pd.DataFrame, path: Path) -> None:
    """Refuse a layer without rows (a header alone, or an empty geo layer)."""
    if len(table) == 0:
        raise InputError(f"{path}: the layer is empty (no rows); add at least one row or "
                         "leave the file out of the region")


def _table_points(table: pd.DataFrame, path: Path, crs: str | None, report: ImportReport,
                  offset: int) -> gpd.GeoSeries:
    cols = {normalise(c): c for c in table.columns}
    xcol, ycol = _find(cols, X_ALIASES), _find(cols, Y_ALIASES)
    if xcol is None or ycol is None:
        raise InputError(f"{path}: no coordinate columns (looked for lon/lat, x/y, "
                         "easting/northing); add them or give a GeoPackage/GeoJSON")
    x = _numbers(table[xcol], path, xcol, offset, report.notes)
    y = _numbers(table[ycol], path, ycol, offset, report.notes)
    missing = x.isna() | y.isna()
    if missing.any():
        i = int(np.flatnonzero(missing.to_numpy())[0])
        raise InputError(f"{path}: row {i + offset}: no coordinates in {xcol!r}/{ycol!r}; "
                         "fill them or delete the row")
    report.matched.update({"x": str(xcol), "y": str(ycol)})
    xs, ys = x.to_numpy(), y.to_numpy()
    if crs is None:
        found = detect_crs(xs, ys)
        if found is None:
            _outlying_row(xs, ys, path, offset, (str(xcol), str(ycol)))
            raise InputError(f"{path}: cannot tell the CRS of {xcol!r}/{ycol!r} (x "
                             f"{np.nanmin(xs):g}..{np.nanmax(xs):g}, y {np.nanmin(ys):g}.."
                             f"{np.nanmax(ys):g}): not WGS84 or ETRS-TM35FIN in Finland; give "
                             "the crs explicitly or fix the outlying rows")
        crs, report.swapped = found
        report.crs_detected = True
        if report.swapped:
            xs, ys = ys, xs
    else:
        try:
            pyproj.CRS.from_user_input(crs)
        except CRSError:
            raise InputError(f"{path}: crs {crs!r} is not a known CRS; use e.g. EPSG:4326 or "
                             "EPSG:3067") from None
    report.crs = crs
    pts = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=crs).to_crs(CRS)
    _check_finland(pts.x.to_numpy(), pts.y.to_numpy(), path, offset, "row", (xs, ys, crs))
    return pts


def _outlying_row(x: np.ndarray, y: np.ndarray, path: Path, offset: int,
                  cols: tuple[str, str]) -> None:
    """Name the first row that does not fit, when most rows fit one CRS in Finland.

    Raises
    ------
    InputError
        Naming the row, its values, the CRS the other rows are in, and whether the row's
        two values look swapped. Returns quietly when no CRS fits most rows.
    """
    best: tuple[int, str, np.ndarray, np.ndarray] | None = None
    for crs, box in (("EPSG:4326", FINLAND_LONLAT), ("EPSG:3067", FINLAND_TM35)):
        for a, b in ((x, y), (y, x)):
            fits = (a >= box[0]) & (a <= box[2]) & (b >= box[1]) & (b <= box[3])
            if 2 * int(fits.sum()) > len(fits) and (best is None or fits.sum() > best[0]):
                best = (int(fits.sum()), crs, fits, (b >= box[0]) & (b <= box[2])
                        & (a >= box[1]) & (a <= box[3]))
    if best is None:
        return
    _, crs, fits, swapped = best
    i = int(np.flatnonzero(~fits)[0])
    what = ("its two values look swapped; swap them" if swapped[i] else
            "check its coordinates")
    raise InputError(f"{path}: row {i + offset} lies outside Finland ({cols[0]} {x[i]:g}, "
                     f"{cols[1]} {y[i]:g}) while the other rows are {crs}; {what}")


def _check_finland(e: np.ndarray, n: np.ndarray, path: Path, offset: int, what: str,
                   given: tuple[np.ndarray, np.ndarray, str] | None = None) -> None:
    """Refuse points outside Finland; ``given`` (x, y, crs as read) names a wrong crs."""
    x0, y0, x1, y1 = FINLAND_TM35
    out = ~((e >= x0) & (e <= x1) & (n >= y0) & (n <= y1))
    if out.any():
        i = int(np.flatnonzero(out)[0])
        hint = "check its coordinates and the crs"
        found = detect_crs(given[0], given[1]) if given is not None else None
        if found is not None and found[0] != pyproj.CRS.from_user_input(given[2]).to_string():
            hint = (f"the values look like {found[0]}, not {given[2]}: fix the crs (or "
                    "check its coordinates)")
        raise InputError(f"{path}: {what} {i + offset} lies outside Finland (ETRS-TM35FIN "
                         f"{e[i]:.0f}, {n[i]:.0f}); {hint}")


#: The column contract of each layer.
CONTRACTS: dict[str, tuple[str, ...]] = {"service_points": SERVICE_POINT_COLUMNS,
                                         "sites": SITE_COLUMNS, "demand": DEMAND_COLUMNS}


def _map_columns(table: pd.DataFrame, path: Path, layer: str, report: ImportReport,
                 offset: int) -> pd.DataFrame:
    """Return the table in the layer's contract columns, checked, with defaults filled.

    The file's columns are matched by :data:`ALIASES`; required columns, numbers, ids and
    the layer's own values are checked (one line naming the row and column); contract
    columns the file lacks get :data:`DEFAULTS`; other columns are kept after them.
    """
    contract = CONTRACTS[layer]
    out, used = _matched(table, contract, report)
    missing = [c for c in REQUIRED[layer] if c not in out.columns]
    if missing:
        names = ", ".join(f"{c} (or {'/'.join(ALIASES[c][1:3])})" for c in missing)
        raise InputError(f"{path}: missing column(s) {names}; add them to the file")
    _numeric(out, path, report, offset)
    _ids(out, contract[0], path, report, offset)
    if layer == "service_points":
        _service_point_values(out, path, report, offset)
    if layer == "demand":
        _demand_values(out, path, report, offset)
    _fill_defaults(out, contract, layer, path, report)
    if layer == "sites":
        _site_values(out, path, report, offset)
    extra = [c for c in table.columns if c not in used]
    report.ignored = [str(c) for c in extra]
    for c in extra:
        if c not in out.columns:
            out[c] = table[c].to_numpy()
    return out[[*contract, *(c for c in out.columns if c not in contract)]]


def _matched(table: pd.DataFrame, contract: tuple[str, ...], report: ImportReport
             ) -> tuple[pd.DataFrame, set]:
    """Return the contract columns found in the table (by alias), and the columns used."""
    cols = {normalise(c): c for c in table.columns}
    out = pd.DataFrame(index=range(len(table)))
    used = set(report.matched.values())
    for col in contract:
        found = _find(cols, ALIASES.get(col, (col,)))
        if found is not None and found not in used:
            out[col] = table[found].to_numpy()
            report.matched[col] = str(found)
            used.add(found)
    return out, used


def _numeric(out: pd.DataFrame, path: Path, report: ImportReport, offset: int) -> None:
    """Parse the numeric columns (decimal commas too); a negative value stops the import."""
    for col in NUMERIC:
        if col in out.columns:
            out[col] = _numbers(out[col], path, report.matched[col], offset, report.notes)
            negative = (out[col] < 0).to_numpy()
            if negative.any():
                i = int(np.flatnonzero(negative)[0])
                raise InputError(f"{path}: row {i + offset}, column {report.matched[col]!r}: "
                                 f"{out[col].iloc[i]:g} is negative; give 0 or more")


def _ids(out: pd.DataFrame, id_col: str, path: Path, report: ImportReport,
         offset: int) -> None:
    """Make the ids text (``<file stem>-<row>`` when the file has none); a repeat stops."""
    if id_col not in out.columns:
        out[id_col] = [f"{path.stem}-{i + offset}" for i in range(len(out))]
        report.filled[id_col] = f"{path.stem}-<row>"
    out[id_col] = out[id_col].astype(str)
    dup = out[id_col][out[id_col].duplicated()]
    if len(dup):
        i = int(dup.index[0])
        raise InputError(f"{path}: row {i + offset}, column {report.matched.get(id_col)!r}: "
                         f"id {dup.iloc[0]!r} repeats; make ids unique")


def _demand_values(out: pd.DataFrame, path: Path, report: ImportReport, offset: int) -> None:
    """Check that every demand row has residents, and fill missing age groups."""
    empty = out["population"].isna().to_numpy()
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise InputError(f"{path}: row {i + offset}, column "
                         f"{report.matched['population']!r}: no residents given; give the "
                         "number (0 if none) or delete the row")
    _demand_ages(out, report)


def _fill_defaults(out: pd.DataFrame, contract: tuple[str, ...], layer: str, path: Path,
                   report: ImportReport) -> None:
    """Give missing contract columns their defaults; services as lists, text as text."""
    defaults = {**DEFAULTS[layer], "source": path.name}
    if layer == "service_points":
        defaults["org_name"] = None
    for col in contract:
        if col not in out.columns:
            value = defaults.get(col, "")
            out[col] = out["organisation"] if col == "org_name" else value
            report.filled[col] = "the organisation" if col == "org_name" else value
    if "services" in out.columns:
        out["services"] = [[s.strip() for s in str(v).split(";") if s.strip()]
                           if not isinstance(v, list) else v for v in out["services"].fillna("")]
    for col in ("lease_end", "existing_point_id", "municipality", "county", "employment_area"):
        if col in out.columns:
            out[col] = out[col].fillna("").astype(str)


def _service_point_values(out: pd.DataFrame, path: Path, report: ImportReport,
                          offset: int) -> None:
    orgs = out["organisation"].astype("string").map(
        lambda v: ORG_ALIASES.get(normalise(v)) if isinstance(v, str) else None)
    bad = orgs.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{path}: row {i + offset}, column {report.matched['organisation']!r}"
                         f": {out['organisation'].iloc[i]!r} is not an organisation; use one "
                         f"of {', '.join(ORGANISATIONS)}")
    out["organisation"] = orgs.astype(str)
    if "can_host" in out.columns:
        flags = []
        for i, v in enumerate(out["can_host"]):
            key = "" if v is None or (isinstance(v, float) and np.isnan(v)) else normalise(v)
            if key not in _TRUE | _FALSE:
                raise InputError(f"{path}: row {i + offset}, column "
                                 f"{report.matched['can_host']!r}: {v!r} is not yes/no; write "
                                 "true or false")
            flags.append(key in _TRUE)
        out["can_host"] = flags
    for col in ("desks", "spare_desks"):
        if col in out.columns:
            out[col] = out[col].fillna(ASSUMED[col]).round().astype(int)
    if "desks" in out.columns:
        kind = out["kind"].fillna("office") if "kind" in out.columns else "office"
        no_desk = ((out["desks"] <= 0) & pd.Series(kind, index=out.index).isin(OFFICE_KINDS))
        if no_desk.any():
            i = int(np.flatnonzero(no_desk.to_numpy())[0])
            raise InputError(f"{path}: row {i + offset}, column {report.matched['desks']!r}: "
                             f"office {out['name'].iloc[i]!r} has {out['desks'].iloc[i]} desks; "
                             "an office needs at least 1 (leave the cell empty for the "
                             f"default {ASSUMED['desks']})")


def _site_values(out: pd.DataFrame, path: Path, report: ImportReport, offset: int) -> None:
    """Map host organisations by their aliases; check or default the host agreements.

    A known alias of ``host_org`` (``kunta``, ``kaupunki``, ``hyvinvointialue`` ...) becomes
    the planner's key, other values are kept. ``host_agreement`` accepts
    :data:`AGREEMENT_ALIASES` (``kyllä``, ``tarkistettava``, ``ei`` ...); an empty cell or a
    missing column gets :func:`planner.hosts.default_agreement` (``yes`` for an existing
    point's site, else ``to_verify``).
    """
    out["host_org"] = [ORG_ALIASES.get(normalise(v), v) if isinstance(v, str) else "other"
                       for v in out["host_org"]]
    given = "host_agreement" in report.matched
    values = []
    for i, (v, existing) in enumerate(zip(out["host_agreement"], out["existing_point_id"],
                                          strict=True)):
        key = "" if v is None or (isinstance(v, float) and np.isnan(v)) else normalise(v)
        if key == "":
            values.append(default_agreement(existing != ""))
        elif key in AGREEMENT_ALIASES:
            values.append(AGREEMENT_ALIASES[key])
        else:
            raise InputError(f"{path}: row {i + offset}, column "
                             f"{report.matched['host_agreement']!r}: {v!r} is not a host "
                             f"agreement; use one of {', '.join(AGREEMENTS)} (or kyllä, "
                             "tarkistettava, ei)")
    out["host_agreement"] = values
    if not given:
        report.filled["host_agreement"] = "yes for existing points, else to_verify"


def _demand_ages(out: pd.DataFrame, report: ImportReport) -> None:
    have = [g for g in AGE_GROUPS if g in out.columns]
    if len(have) == len(AGE_GROUPS):
        return
    for g in AGE_GROUPS:
        if g not in out.columns:
            out[g] = out["population"] * FINLAND_AGE_SHARES[g]
            report.filled[g] = f"population x {FINLAND_AGE_SHARES[g]}"
    report.notes.append("age groups missing: residents split by Finland's approximate age "
                        "structure (2023: 15 % / 62 % / 23 %)")
