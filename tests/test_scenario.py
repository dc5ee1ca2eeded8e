"""Scenario files: the demo scenario loads; mistakes give one-line, actionable errors."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from planner.errors import InputError
from planner.scenario import Scenario, load_scenario, parse_scenario

DEMO = Path(__file__).resolve().parents[1] / "planner" / "resources" / "demo" / "scenario.yaml"


@pytest.fixture(scope="module")
def demo_doc() -> dict:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def _write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith(str(path))
    return msg


def test_demo_scenario_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DEMO.parents[3])
    sc = load_scenario("planner/resources/demo/scenario.yaml")
    assert isinstance(sc, Scenario)
    assert sc.name == "Central Helsinki shared service network (demo)"
    assert sc.region == "demo:helsinki"
    assert list(sc.organisations) == ["kela", "municipality", "county", "employment"]
    assert sc.organisations["kela"].name == "Kela"
    assert sc.organisations["county"].visit_rates == {"age_0_14": 1.8, "age_15_64": 1.6,
                                                      "age_65_": 3.5}
    assert sc.organisations["employment"].remote_share == {"age_15_64": 0.5}
    got = [(s.organisation, s.area, s.minutes, s.share, s.min_popup_days) for s in sc.standards]
    assert got == [("all", "municipality", 12, 0.8, 2), ("county", "municipality", 20, 0.9, 4)]
    assert (sc.travel.mode, sc.travel.cutoff_min, sc.travel.max_snap_m) == ("walk", 30, 300)
    assert sc.costs.popup.days_per_month == [2, 4, 8]
    assert (sc.solver.time_limit_s, sc.solver.relative_gap, sc.solver.seed) == (180, 0.03, 0)


def test_demo_scenario_matches_its_yaml(demo_doc: dict) -> None:
    sc = load_scenario(DEMO)
    assert [s.model_dump(exclude_defaults=True) | {"organisation": s.organisation,
                                                   "area": s.area,
                                                   "min_popup_days": s.min_popup_days}
            for s in sc.standards] == demo_doc["standards"]
    for key, org in demo_doc["organisations"].items():
        dumped = sc.organisations[key].model_dump()
        assert {k: dumped[k] for k in org} == org


def test_extra_key_suggests_name(tmp_path: Path, demo_doc: dict) -> None:
    doc = copy.deepcopy(demo_doc)
    doc["organisations"]["kela"]["nmae"] = "Kela"
    msg = _error(_write(tmp_path, doc))
    assert "organisations.kela.nmae" in msg
    assert "did you mean 'name'" in msg


def test_misspelt_key_suggests_name(tmp_path: Path, demo_doc: dict) -> None:
    doc = copy.deepcopy(demo_doc)
    doc["organisations"]["kela"]["nmae"] = doc["organisations"]["kela"].pop("name")
    msg = _error(_write(tmp_path, doc))
    assert "organisations.kela.nmae" in msg
    assert "did you mean 'name'" in msg


def test_misspelt_top_level_key(tmp_path: Path, demo_doc: dict) -> None:
    doc = copy.deepcopy(demo_doc)
    doc["standrds"] = doc.pop("standards")
    msg = _error(_write(tmp_path, doc))
    assert "'standrds'" in msg
    assert "did you mean 'standards'" in msg


def test_share_above_one(tmp_path: Path, demo_doc: dict) -> None:
    doc = copy.deepcopy(demo_doc)
    doc["standards"][0]["share"] = 1.5
    msg = _error(_write(tmp_path, doc))
    assert "standards.0.share" in msg
    assert "share 1.5 is above 100 %; give a share between 0 and 1" in msg


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("name: demo\n"
                    "region: demo:helsinki\n"
                    "travel:\n"
                    "  mode: walk\n"
                    " cutoff_min: 30\n"  # line 5: bad indentation
                    "organisations: {}\n", encoding="utf-8")
    msg = _error(path)
    assert "line 5" in msg
    assert "malformed YAML" in msg


def test_standard_with_unknown_organisation(tmp_path: Path, demo_doc: dict) -> None:
    doc = copy.deepcopy(demo_doc)
    doc["standards"][1]["organisation"] = "kelaa"
    msg = _error(_write(tmp_path, doc))
    assert "'kelaa'" in msg
    assert "kela" in msg.split("'kelaa'", 1)[1]  # the valid keys are listed


def test_missing_name(tmp_path: Path, demo_doc: dict) -> None:
    doc = copy.deepcopy(demo_doc)
    del doc["name"]
    msg = _error(_write(tmp_path, doc))
    assert "missing key" in msg
    assert "'name'" in msg


def test_missing_file(tmp_path: Path) -> None:
    msg = _error(tmp_path / "nope.yaml")
    assert "cannot read" in msg


def test_region_mapping_becomes_a_region_spec(tmp_path: Path) -> None:
    from planner.data.spec import RegionSpec

    doc = {"name": "Uusimaa test", "organisations": {"kela": {"name": "Kela",
                                                              "visit_rates": {}}},
           "region": {"name": "Capital", "municipalities": ["091", "Espoo"], "year": 2025,
                      "osm_pbf": "extract.osm.pbf"}}
    path = tmp_path / "scn.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    sc = load_scenario(path)
    assert isinstance(sc.region, RegionSpec)
    assert sc.region.municipalities == ["091", "Espoo"]
    assert sc.region.osm_pbf == tmp_path / "extract.osm.pbf"  # relative to the YAML
    doc["region"]["municipalitis"] = ["091"]
    with pytest.raises(InputError, match=r"unknown key region\.municipalitis"):
        parse_scenario(doc, "scn.yaml")


def test_straight_line_model_is_used_and_said(demo_region) -> None:
    import numpy as np

    from planner.pipeline import region_and_problem

    base = load_scenario(DEMO)
    sc = base.model_copy(update={"travel": base.travel.model_copy(
        update={"model": "straight_line", "circuity": 1.4})})
    _, problem = region_and_problem(sc, region=demo_region)
    assert problem.notes["travel_model"] == ("straight-line travel times (distance x 1.4 at "
                                             "4.5 km/h), not a street network")
    t = problem.times
    assert t.attrs["model"] == "straight_line"
    # one pair by hand: crow-fly metres x 1.4 / (4.5 km/h = 75 m/min)
    row = t.iloc[len(t) // 2]
    d = problem.demand.geometry.iloc[int(row["origin"])].distance(
        problem.sites.geometry.iloc[int(row["destination"])])
    assert row["minutes"] == pytest.approx(d * 1.4 / 75.0, rel=1e-9)
    assert np.all(t["minutes"] <= sc.travel.cutoff_min)


def test_lang_key(tmp_path: Path, demo_doc: dict) -> None:
    """Set the outputs' language with ``lang:`` (English without it).

    An unknown one is one line naming the key and the choices.
    """
    assert load_scenario(_write(tmp_path, demo_doc)).lang == "en"
    doc = copy.deepcopy(demo_doc)
    doc["lang"] = "sv"
    assert load_scenario(_write(tmp_path, doc)).lang == "sv"
    doc["lang"] = "de"
    msg = _error(_write(tmp_path, doc))
    assert "lang" in msg and "'fi'" in msg and "\n" not in msg


def test_an_unquoted_horizon_end_is_read_as_its_date(tmp_path: Path) -> None:
    # YAML reads 2031-06-30 unquoted as a date, not as text: both are the same horizon
    base = (Path(__file__).parent / "bad_inputs" / "_region" / "scenario.yaml").read_text(
        encoding="utf-8")
    for text in ("horizon_end: 2031-06-30\n", "horizon_end: '2031-06-30'\n"):
        path = tmp_path / "s.yaml"
        path.write_text(base + text, encoding="utf-8")
        assert load_scenario(path).horizon_end == "2031-06-30"
