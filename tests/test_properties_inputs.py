"""Property tests of the scenario schema and the loaders of the planner's own files.

Random valid inputs never raise; random invalid ones (an unknown key, a value out of range,
a wrong type, a dropped column, a point outside Finland, a cell that is not a number) always
give an :class:`~planner.errors.InputError` of one line that names the file and the key,
column or row.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.data import files
from planner.errors import InputError
from planner.scenario import (
    Costs,
    Organisation,
    PopupCosts,
    Scenario,
    Solver,
    Travel,
    parse_scenario,
)

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
SOURCE = "prop.yaml"
ORGS = ("kela", "county", "municipality", "employment")
AGES = ("age_0_14", "age_15_64", "age_65_")


def _pos(hi: float = 1e5) -> st.SearchStrategy[float]:
    return st.floats(min_value=1e-3, max_value=hi, allow_nan=False)


def _nonneg(hi: float = 1e6) -> st.SearchStrategy[float]:
    return st.floats(min_value=0, max_value=hi, allow_nan=False)


@st.composite
def scenarios(draw: st.DrawFn) -> dict:
    """Draw a valid scenario document with random values in every section."""
    orgs = draw(st.lists(st.sampled_from(ORGS), min_size=1, max_size=4, unique=True))
    organisations = {}
    for o in orgs:
        org: dict = {"name": draw(st.text(min_size=1, max_size=20)),
                     "visit_rates": draw(st.dictionaries(st.sampled_from(AGES), _nonneg(5)))}
        if draw(st.booleans()):
            org["remote_share"] = draw(st.dictionaries(st.sampled_from(AGES),
                                                       st.floats(0, 1)))
        if draw(st.booleans()):
            org["desks_per_office"] = draw(st.integers(1, 50))
            org["visits_per_desk_year"] = draw(_pos())
            org["office_fixed_eur_year"] = draw(_nonneg())
        if draw(st.booleans()):
            org["budget_eur_year"] = draw(_pos(1e7))
        org["can_popup"], org["can_remote"] = draw(st.booleans()), draw(st.booleans())
        organisations[o] = org
    standards = draw(st.lists(st.fixed_dictionaries({
        "organisation": st.sampled_from(["all", *orgs]),
        "area": st.sampled_from(["all", "municipality", "county", "employment_area"]),
        "minutes": _pos(240), "share": st.floats(min_value=1e-3, max_value=1),
        "min_popup_days": st.integers(0, 8), "maximise_worst": st.booleans()}), max_size=3))
    return {
        "name": draw(st.text(min_size=1, max_size=30)),
        "travel": {"mode": draw(st.sampled_from(["walk", "drive", "bike"])),
                   "cutoff_min": draw(_pos(240)), "walk_speed_kmh": draw(_pos(10)),
                   "model": draw(st.sampled_from(["network", "straight_line"])),
                   "circuity": draw(st.floats(1, 3)),
                   "unreachable": draw(st.sampled_from(["error", "unserved"]))},
        "organisations": organisations,
        "standards": standards,
        "costs": {"value_of_time_eur_per_hour": draw(_nonneg(100)),
                  "closing_eur": draw(_nonneg()), "shared_saving_share": draw(st.floats(0, 1)),
                  "unserved_eur_per_visit": draw(_pos(1e4)),
                  "popup": {"days_per_month": draw(st.lists(st.integers(1, 22), min_size=1,
                                                            max_size=4)),
                            "eur_per_session": draw(_nonneg(1e4)),
                            "visits_per_day": draw(_pos(500))},
                  "remote": {"eur_per_year": draw(_nonneg()),
                             "visits_per_year": draw(_pos())}},
        "solver": {"time_limit_s": draw(_pos(3600)), "relative_gap": draw(st.floats(0, 1)),
                   "seed": draw(st.integers(0, 1000))},
    }


def _set(doc: dict, path: tuple, value: object) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def _error(doc: dict) -> str:
    with pytest.raises(InputError) as info:
        parse_scenario(doc, SOURCE)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(f"{SOURCE}: ")
    return msg


@SETTINGS
@given(scenarios())
def test_valid_scenarios_parse(doc: dict) -> None:
    sc = parse_scenario(doc, SOURCE)
    assert isinstance(sc, Scenario)
    assert list(sc.organisations) == list(doc["organisations"])
    assert [s.share for s in sc.standards] == [s["share"] for s in doc["standards"]]
    assert sc.travel.unreachable == doc["travel"]["unreachable"]


#: Mappings of a document of :func:`scenarios` and the models that validate them.
SECTIONS = {(): Scenario, ("travel",): Travel, ("costs",): Costs, ("costs", "popup"): PopupCosts,
            ("solver",): Solver, ("organisations", "<org>"): Organisation}


@SETTINGS
@given(scenarios(), st.data())
def test_an_unknown_key_is_named(doc: dict, data: st.DataObject) -> None:
    org = next(iter(doc["organisations"]))
    pattern = data.draw(st.sampled_from(list(SECTIONS)))
    where = tuple(org if p == "<org>" else p for p in pattern)
    section = doc
    for part in where:
        section = section[part]
    known = set(SECTIONS[pattern].model_fields)
    key = data.draw(st.from_regex(r"\A[a-z][a-z_]{2,14}\Z").filter(lambda k: k not in known))
    section[key] = 1
    msg = _error(doc)
    assert f"unknown key {'.'.join((*where, key))!r}" in msg
    assert msg.endswith("remove or rename it")


#: Fields that must be above zero, and fields that must not be negative.
POSITIVE = [("travel", "cutoff_min"), ("travel", "walk_speed_kmh"), ("costs", "desk_m2"),
            ("costs", "popup", "visits_per_day"), ("costs", "remote", "visits_per_year"),
            ("costs", "unserved_eur_per_visit"), ("solver", "time_limit_s"),
            ("organisations", "<org>", "desks_per_office"),
            ("organisations", "<org>", "visits_per_desk_year")]
NON_NEGATIVE = [("costs", "closing_eur"), ("costs", "value_of_time_eur_per_hour"),
                ("costs", "popup", "eur_per_session"), ("costs", "remote", "eur_per_year"),
                ("organisations", "<org>", "office_fixed_eur_year")]


@SETTINGS
@given(scenarios(), st.data())
def test_a_value_out_of_range_is_named(doc: dict, data: st.DataObject) -> None:
    org = next(iter(doc["organisations"]))
    positive = data.draw(st.booleans())
    path = data.draw(st.sampled_from(POSITIVE if positive else NON_NEGATIVE))
    path = tuple(org if p == "<org>" else p for p in path)
    if path[-1] == "desks_per_office":
        value: float = data.draw(st.integers(-100, 0))
    elif positive:
        value = data.draw(st.floats(max_value=0, min_value=-1e9))
    else:
        value = data.draw(st.floats(max_value=-1e-6, min_value=-1e9))
    _set(doc, path, value)
    msg = _error(doc)
    bound = "greater than 0" if positive else "greater than or equal to 0"
    assert f"{SOURCE}: {'.'.join(path)}: Input should be {bound}" in msg
    assert msg.endswith("; fix the value")


@SETTINGS
@given(scenarios(), st.floats(min_value=1.0001, max_value=1e4), st.data())
def test_a_share_above_100_percent_is_named(doc: dict, share: float,
                                            data: st.DataObject) -> None:
    if not doc["standards"]:
        doc["standards"] = [{"minutes": 10, "share": 0.5}]
    i = data.draw(st.integers(0, len(doc["standards"]) - 1))
    doc["standards"][i]["share"] = share
    msg = _error(doc)
    assert f"standards.{i}.share: share {share:g} is above 100 %; give a share between 0 " \
           "and 1" in msg


NUMBER_FIELDS = POSITIVE + NON_NEGATIVE + [("standards", 0, "minutes")]


@SETTINGS
@given(scenarios(), st.data())
def test_a_wrong_type_is_named(doc: dict, data: st.DataObject) -> None:
    org = next(iter(doc["organisations"]))
    if not doc["standards"]:
        doc["standards"] = [{"minutes": 10, "share": 0.5}]
    path = tuple(org if p == "<org>" else p for p in data.draw(st.sampled_from(NUMBER_FIELDS)))
    word = st.from_regex(r"\A[a-z]{2,8}\Z").filter(lambda w: w not in ("inf", "nan",
                                                                      "infinity"))
    value = data.draw(st.one_of(word, st.lists(st.integers(), min_size=1, max_size=3),
                                st.just({"a": 1})))
    _set(doc, path, value)
    msg = _error(doc)
    assert f"{SOURCE}: {'.'.join(str(p) for p in path)}: Input should be a valid" in msg
    assert msg.endswith("; fix the value")


# ------------------------------------------------------------------ loaders

REQUIRED = {"sites": ("name",), "service_points": ("name", "organisation"),
            "demand": ("population",)}
LAT = ("lat", "latitude", "leveys", "Leveysaste")
LON = ("lon", "longitude", "pituus", "Pituusaste")
_TAKEN = {a for aliases in files.ALIASES.values() for a in aliases} \
    | set(files.X_ALIASES) | set(files.Y_ALIASES)
_WORD = st.from_regex(r"\A[A-Za-z][A-Za-z0-9]{0,9}\Z").filter(  # not a pandas NA marker
    lambda w: w.lower() not in ("na", "nan", "null", "none"))


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, pd.DataFrame, str, str]:
    """(layer, a valid table with lat/lon in Finland and random extra columns, lat, lon)."""
    layer = draw(st.sampled_from(list(REQUIRED)))
    n = draw(st.integers(1, 8))
    lat_col, lon_col = draw(st.sampled_from(LAT)), draw(st.sampled_from(LON))
    cols: dict[str, list] = {
        lat_col: draw(st.lists(st.floats(59.9, 69.5), min_size=n, max_size=n)),
        lon_col: draw(st.lists(st.floats(21.0, 29.5), min_size=n, max_size=n)),
        "name": draw(st.lists(_WORD, min_size=n, max_size=n)),
    }
    if layer == "service_points":
        cols["organisation"] = draw(st.lists(st.sampled_from(["kela", "Kela", "kunta",
                                                              "county", "te"]),
                                             min_size=n, max_size=n))
    if layer == "demand":
        cols["population"] = draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n))
    extra = draw(st.lists(_WORD.filter(lambda c: files.normalise(c) not in _TAKEN),
                          max_size=3, unique_by=files.normalise))
    for c in extra:
        cols[c] = draw(st.lists(_WORD, min_size=n, max_size=n))
    order = draw(st.permutations(list(cols)))
    return layer, pd.DataFrame({c: cols[c] for c in order}), lat_col, lon_col


def _load(table: pd.DataFrame, layer: str) -> tuple[gpd.GeoDataFrame, Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "layer.csv"
        table.to_csv(path, index=False)
        return files.read_layer(path, layer)[0], path  # type: ignore[arg-type]


def _load_error(table: pd.DataFrame, layer: str) -> str:
    with pytest.raises(InputError) as info:
        _load(table, layer)
    msg = str(info.value)
    assert "\n" not in msg and "layer.csv: " in msg
    return msg


def _spoil(table: pd.DataFrame, data: st.DataObject, columns: list[str],
           values: Callable[[str], st.SearchStrategy]) -> tuple[int, str, object]:
    """Put a drawn value in a drawn row of one of ``columns``: (row, column, value)."""
    i = data.draw(st.integers(0, len(table) - 1))
    col = data.draw(st.sampled_from(columns))
    value = data.draw(values(col))
    table[col] = table[col].astype(object)
    table.loc[i, col] = value
    return i, col, value


@pytest.mark.slow
@SETTINGS
@given(tables())
def test_valid_tables_load(t: tuple[str, pd.DataFrame, str, str]) -> None:
    layer, table, lat, lon = t
    gdf, _ = _load(table, layer)
    assert len(gdf) == len(table) and gdf.crs.to_epsg() == 3067
    back = gdf.geometry.to_crs("EPSG:4326")
    np.testing.assert_allclose(back.y, table[lat], atol=1e-6)
    np.testing.assert_allclose(back.x, table[lon], atol=1e-6)
    assert list(gdf["name"].astype(str)) == list(table["name"].astype(str))
    for c in table.columns:
        if c not in (lat, lon, *REQUIRED[layer]):
            assert list(gdf[c].astype(str)) == list(table[c].astype(str))


@SETTINGS
@given(tables(), st.data())
def test_a_dropped_required_column_is_named(t: tuple[str, pd.DataFrame, str, str],
                                            data: st.DataObject) -> None:
    layer, table, _, _ = t
    col = data.draw(st.sampled_from(REQUIRED[layer]))
    msg = _load_error(table.drop(columns=col), layer)
    assert f"missing column(s) {col} (or " in msg


@SETTINGS
@given(tables(), st.data())
def test_a_point_outside_finland_is_named(t: tuple[str, pd.DataFrame, str, str],
                                          data: st.DataObject) -> None:
    layer, table, lat, lon = t
    i, _, _ = _spoil(table, data, [lat, lon],
                     lambda col: st.floats(-80, 50) if col == lat else st.floats(-170, 15))
    msg = _load_error(table, layer)
    if 2 * (len(table) - 1) > len(table):  # most rows fit: the outlier is named
        assert f"layer.csv: row {i + 2} lies outside Finland" in msg
    else:
        assert f"cannot tell the CRS of {lon!r}/{lat!r}" in msg


@SETTINGS
@given(tables(), st.data())
def test_a_cell_that_is_not_a_number_is_named(t: tuple[str, pd.DataFrame, str, str],
                                              data: st.DataObject) -> None:
    layer, table, lat, lon = t
    numeric = [lat, lon, *(["population"] if layer == "demand" else [])]
    # a word ending in x is never a number nor one of pandas' NA markers
    i, col, word = _spoil(table, data, numeric, lambda _: st.from_regex(r"\A[a-z]{2,6}x\Z"))
    msg = _load_error(table, layer)
    assert f"layer.csv: row {i + 2}, column {col!r}: {word!r} is not a number" in msg
