"""Scenario sweeps: --vary parsing, and sweeps on a real Dask LocalCluster of two processes.

The region is tiny and file-based (own demand, service points and sites; Helsinki's
boundary from the recorded Statistics Finland payloads, cached before the cluster starts;
no street network, straight-line walking), so each variant solves in well under a second.
Straight-line walking at 4.5 km/h with circuity 1.3 reaches 865 m in 15 minutes: every
demand point but ``f1`` (100 of the 1 800 residents) is within 865 m of a candidate site,
``f1`` is 2.8 km from the nearest, so 15 minutes for 100 % of residents is impossible and
at most 1 700 / 1 800 residents can be within the standard.
"""

from __future__ import annotations

import copy
import logging
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml
from distributed import LocalCluster
from typer.testing import CliRunner

import planner.cli
from planner import pipeline
from planner.data.cache import CACHE_ENV
from planner.data.fetch import fetch_region
from planner.errors import InputError
from planner.scenario import load_scenario
from planner.sweep import build_variants, load_variants, parse_vary
from tests.data.test_cache import FakeFinland

DEMAND = ("id,x,y,population\n"
          "a1,383100,6675100,400\na2,382900,6674800,300\n"
          "b1,387100,6675200,300\nb2,386800,6674900,200\n"
          "c1,385100,6675300,250\nc2,384800,6674700,250\n"
          "f1,388500,6677500,100\n")
POINTS = ("id,name,organisation,x,y,desks,annual_cost_eur,lease_end,can_host,spare_desks\n"
          "kela-a,Kela A,kela,383000,6675000,4,120000,2026-12-31,yes,2\n"
          "kela-b,Kela B,kela,387000,6675000,4,120000,2026-12-31,yes,2\n"
          "mun-b,Town hall B,municipality,387050,6675050,4,100000,2026-12-31,yes,4\n")
SITES = ("id,name,kind,host_org,x,y,spare_desks\n"
         "lib-c,Library C,library,municipality,385000,6675000,4\n"
         "lib-a,Library A,library,municipality,383200,6674900,4\n")
#: Residents within 15 minutes of some candidate site (all but f1), and all residents.
REACHABLE, RESIDENTS = 1700, 1800
SHARES = "standards.0.share=0.3,0.9,1.0"


def _scenario(base_url: str) -> dict:
    return {
        "name": "tiny",
        "region": {"name": "Tiny", "municipalities": ["091"], "year": 2025, "grid_year": 2025,
                   "network": "none", "osm_sites": False, "demand": "demand.csv",
                   "service_points": ["points.csv"], "sites": ["sites.csv"],
                   "sources": {"statfin_wfs": f"{base_url}/geoserver/wfs",
                               "ptv_api": f"{base_url}/api/v11", "timeout_s": 5}},
        "travel": {"mode": "walk", "model": "straight_line", "cutoff_min": 60},
        "organisations": {
            "kela": {"name": "Kela", "visit_rates": {"age_0_14": 0.5, "age_15_64": 1.0,
                                                     "age_65_": 2.0}},
            "municipality": {"name": "City", "visit_rates": {"age_0_14": 1.0,
                                                             "age_15_64": 1.0,
                                                             "age_65_": 1.5}}},
        "standards": [{"organisation": "all", "minutes": 15, "share": 0.5}],
        "costs": {"value_of_time_eur_per_hour": 2.0, "popup": {"eur_per_session": 1500}},
        "solver": {"time_limit_s": 30, "relative_gap": 0},
    }


@dataclass
class Case:
    folder: Path
    scenario: Path
    data: dict
    cluster: LocalCluster


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    """Yield the tiny region's files, its cache filled, and a LocalCluster.

    The cluster is started after the cache is filled: its worker processes inherit
    ``PLANNER_CACHE_DIR``.
    """
    folder = tmp_path_factory.mktemp("sweep")
    fake = FakeFinland()
    old = os.environ.get(CACHE_ENV)
    cluster = None
    try:
        for name, text in (("demand.csv", DEMAND), ("points.csv", POINTS),
                           ("sites.csv", SITES)):
            (folder / name).write_text(text, encoding="utf-8")
        data = _scenario(fake.base)
        path = folder / "scenario.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        os.environ[CACHE_ENV] = str(folder / "cache")
        fetch_region(path)
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None,
                               scheduler_kwargs={"dashboard_address": ":0"},
                               silence_logs=logging.ERROR)
        yield Case(folder, path, data, cluster)
    finally:
        if cluster is not None:
            cluster.close()
        fake.close()
        if old is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = old


# --------------------------------------------------------------------------- --vary parsing
def test_values_are_typed_as_yaml() -> None:
    v = parse_vary("solver.seed=7, 0.25,true,null,abc")
    assert v.key == "solver.seed" and v.parts == ("solver", "seed")
    assert v.values == (7, 0.25, True, None, "abc")
    assert [type(x) for x in v.values] == [int, float, bool, type(None), str]
    assert v.texts == ("7", "0.25", "true", "null", "abc")


def test_product_order_names_and_paths(tmp_path: Path) -> None:
    data = _scenario("http://127.0.0.1:9")
    before = copy.deepcopy(data)
    variants = build_variants(data, [parse_vary("standards.0.share=0.3,0.9"),
                                     parse_vary("solver.seed=0,1")], base=tmp_path)
    assert [v.name for v in variants] == ["v01_share-0.3_seed-0", "v02_share-0.3_seed-1",
                                          "v03_share-0.9_seed-0", "v04_share-0.9_seed-1"]
    assert [tuple(v.values.values()) for v in variants] == [(0.3, 0), (0.3, 1), (0.9, 0),
                                                             (0.9, 1)]
    assert [(v.scenario.standards[0].share, v.scenario.solver.seed) for v in variants] == \
        [(0.3, 0), (0.3, 1), (0.9, 0), (0.9, 1)]
    assert data == before  # the file's mapping is left alone
    # keys the file leaves at their default are created; relative region paths resolved
    one = build_variants(data, [parse_vary("costs.remote.eur_per_year=9000")],
                         base=tmp_path)[0]
    assert one.name == "v01_eur_per_year-9000"
    assert one.scenario.costs.remote.eur_per_year == 9000
    assert one.scenario.costs.popup.eur_per_session == 1500  # the rest of costs kept
    assert one.scenario.region.demand.path == tmp_path / "demand.csv"
    assert one.scenario.region.service_points[0].path == tmp_path / "points.csv"
    ages = build_variants(data, [parse_vary("organisations.kela.visit_rates.age_65_=3")],
                          base=tmp_path)[0]
    assert ages.scenario.organisations["kela"].visit_rates["age_65_"] == 3
    assert ages.scenario.organisations["kela"].visit_rates["age_15_64"] == 1.0
    many = build_variants(data, [parse_vary("solver.seed=" + ",".join(map(str, range(10)))),
                                 parse_vary("standards.0.share=0.5,0.6")], base=tmp_path)
    assert many[0].name == "v01_seed-0_share-0.5" and many[-1].name == "v20_seed-9_share-0.6"


@pytest.mark.parametrize(("specs", "fragment"), [
    (["costs.shared_saving_shar=0.2"],
     "--vary costs.shared_saving_shar=0.2: unknown key 'costs.shared_saving_shar': "
     "'shared_saving_shar' is not a key at costs (did you mean 'shared_saving_share'?); "
     "the keys there are value_of_time_eur_per_hour, desk_m2,"),
    (["organisations.kelaa.name=K"], "'kelaa' is not a key at organisations (did you mean "
     "'kela'?); the keys there are kela, municipality"),
    (["standards.2.share=0.5"], "--vary standards.2.share=0.5: standards is a list of 1 "
     "item(s); '2' is not an index in it; use an index from 0 to 0"),
    (["name.first=x"], "--vary name.first=x: name is a value ('tiny'), not a mapping"),
    # the value's own message comes from planner.scenario; the line names --vary and key
    (["standards.0.share=0.5,1.5"], "s.yaml with --vary standards.0.share=1.5: "
     "standards.0.share: "),
    (["standards.0.organisation=kelo"], "s.yaml with --vary standards.0.organisation=kelo: "),
    # numbers that are not numbers, or absurd (issue 33)
    (["costs.closing_eur=1000,.nan"], "s.yaml with --vary costs.closing_eur=.nan: "
     "costs.closing_eur: Input should be a finite number"),
    (["costs.closing_eur=inf"], "s.yaml with --vary costs.closing_eur=inf: costs.closing_eur: "
     "Input should be a finite number"),
    (["costs.closing_eur=1e300"], "--vary costs.closing_eur=1e300: costs.closing_eur: 1e+300 "
     "is beyond 1e+12 in size"),
    (["organisations.kela.visit_rates.age_0_14=-.inf"], "organisations.kela.visit_rates."
     "age_0_14: Input should be a finite number"),
    (["solver.seed=" + str(10**20)], "--vary solver.seed=100000000000000000000: solver.seed: "),
    (["solver.seed="], "--vary solver.seed=: no values after '='"),
    (["solver.seed=1,,2"], "--vary solver.seed=1,,2: an empty value in the list"),
    (["solver.seed"], "--vary 'solver.seed': expected KEY=V1,V2,..."),
    (["solver..seed=1"], "the key 'solver..seed' has an empty part"),
    (["solver.seed=1", "solver.seed=2"], "--vary solver.seed=2: the key solver.seed is "
     "already varied by --vary solver.seed=1"),
    ([], "s.yaml: nothing to vary"),
])
def test_bad_vary_is_one_line_error(specs: list[str], fragment: str) -> None:
    with pytest.raises(InputError) as info:
        build_variants(_scenario("http://127.0.0.1:9"), [parse_vary(s) for s in specs],
                       source="s.yaml")
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- sweeps
@pytest.mark.slow
def test_sweep_with_scheduler_address(case: Case, tmp_path: Path) -> None:
    """Three variants on the two-process cluster: one plan each, the same as a direct run."""
    out = tmp_path / "out"
    result = CliRunner().invoke(planner.cli.app, [
        "sweep", str(case.scenario), "--vary", SHARES, "--out", str(out),
        "--scheduler", case.cluster.scheduler_address], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "2 of 3 variant(s) solved" in result.output
    summary = pd.read_csv(out / "summary.csv")
    names = ["v01_share-0.3", "v02_share-0.9", "v03_share-1.0"]
    assert summary["variant"].tolist() == names
    assert summary["standards.0.share"].tolist() == [0.3, 0.9, 1.0]
    assert summary["status"].tolist() == ["optimal", "optimal", "error"]
    loose, strict, failed = (summary.iloc[i] for i in range(3))
    # both workers ran something
    workers = set(case.cluster.scheduler_info["workers"])
    assert len(workers) == 2 and set(summary["worker"]) == workers
    # the stricter standard: at least 90 %, i.e. every reachable resident (the smallest
    # demand point left out would drop below 90 %); the looser one leaves some out, and
    # it can only cost more (its plans are a subset of the looser variant's)
    for org in ("kela", "municipality"):
        assert strict[f"{org}_within_standard"] == pytest.approx(REACHABLE / RESIDENTS)
    assert min(loose["kela_within_standard"], loose["municipality_within_standard"]) < 0.9
    assert strict["objective"] > loose["objective"]
    assert strict["gap"] == 0 and strict["bound"] == pytest.approx(strict["objective"])
    # the infeasible variant: error row with the one-line reason, no plan files
    assert "infeasible" in failed["message"] and "\n" not in failed["message"]
    assert pd.isna(failed["objective"])
    assert not (out / names[2] / "plan.gpkg").exists()
    assert "infeasible" in (out / names[2] / "error.txt").read_text(encoding="utf-8")
    # each solved variant alone, in this process, from its written scenario.yaml
    variants = load_variants(case.scenario, [SHARES])
    for i, row in enumerate((loose, strict)):
        folder = out / names[i]
        scenario = load_scenario(folder / "scenario.yaml")
        assert scenario == variants[i].scenario
        direct = pipeline.run(scenario)
        assert direct.plan.meta["objective"] == pytest.approx(row["objective"], abs=1e-6)
        for org in ("kela", "municipality"):
            assert direct.plan.kpis.loc[org, "share_within_standard"] == pytest.approx(
                row[f"{org}_within_standard"], abs=1e-9)
            assert direct.plan.kpis.loc[org, "sites_popup"] == row[f"{org}_popup"]
        assert row["annual_cost_eur"] == pytest.approx(
            direct.plan.kpis.loc["all", "annual_cost_eur"])
        alone = direct.plan.to_file(tmp_path / f"direct_{i}.gpkg")
        assert alone.read_bytes() == (folder / "plan.gpkg").read_bytes()
        kpis = pd.read_csv(folder / "kpis.csv", index_col="organisation")
        assert kpis.loc["kela", "within_after"] == pytest.approx(
            row["kela_within_standard"], abs=1e-4)


@pytest.mark.slow
def test_sweep_on_its_own_local_cluster_fails_with_exit_2_when_nothing_solves(
        case: Case, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(planner.cli.app, [
        "sweep", str(case.scenario), "--vary", "standards.0.share=1.0", "--out", str(out),
        "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert "0 of 1 variant(s) solved" in result.output
    summary = pd.read_csv(out / "summary.csv")
    assert summary["status"].tolist() == ["error"]
    assert summary["worker"].iloc[0].startswith("tcp://")


def test_sweep_refuses_bad_input_before_starting(case: Case, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(planner.cli.app, ["sweep", str(case.scenario), "--vary",
                                          "costs.shared_saving_shar=0.2"])
    assert bad.exit_code == 2
    assert "did you mean 'shared_saving_share'?" in bad.output
    assert "Traceback" not in bad.output
    # a scenario the outputs would overwrite
    inside = tmp_path / "v01_seed-1"
    inside.mkdir()
    target = inside / "scenario.yaml"
    target.write_text(case.scenario.read_text(encoding="utf-8"), encoding="utf-8")
    for name in ("demand.csv", "points.csv", "sites.csv"):
        (inside / name).write_text((case.folder / name).read_text(encoding="utf-8"),
                                   encoding="utf-8")
    clash = runner.invoke(planner.cli.app, ["sweep", str(target), "--vary", "solver.seed=1",
                                            "--out", str(tmp_path)])
    assert clash.exit_code == 2
    assert "would be overwritten by the output v01_seed-1/scenario.yaml" in clash.output


def test_sweep_refuses_to_overwrite_a_region_file(case: Case, tmp_path: Path) -> None:
    # the region's sites file sits where a variant's kpis.csv would be written
    inside = tmp_path / "v01_seed-1"
    inside.mkdir()
    sites = inside / "kpis.csv"
    sites.write_text((case.folder / "sites.csv").read_text(encoding="utf-8"),
                     encoding="utf-8")
    data = copy.deepcopy(case.data)
    data["region"] |= {"demand": str(case.folder / "demand.csv"),
                       "service_points": [str(case.folder / "points.csv")],
                       "sites": [str(sites)]}
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    before = sites.read_bytes()
    clash = CliRunner().invoke(planner.cli.app, ["sweep", str(scenario), "--vary",
                                                 "solver.seed=1", "--out", str(tmp_path)])
    assert clash.exit_code == 2
    assert "kpis.csv: this input would be overwritten by the output v01_seed-1/kpis.csv" \
        in clash.output.replace("\n", "")
    assert sites.read_bytes() == before


def test_a_windows_1252_scenario_sweeps_as_it_runs() -> None:
    # planner run reads a scenario saved as Windows-1252; its sweep must read it the same way
    path = Path(__file__).parent / "bad_inputs" / "scenario_windows_1252.yaml"
    assert b"T\xf6\xf6l\xf6" in path.read_bytes()
    variants = load_variants(path, ["solver.seed=0,1"])
    assert [v.scenario.name for v in variants] == ["Pikku-Helsinki, Töölö ja Kallio"] * 2
    assert [v.scenario.solver.seed for v in variants] == [0, 1]


def test_a_worker_killed_mid_variant_changes_no_result(case: Case, tmp_path: Path) -> None:
    """SIGKILL a worker process as it starts its first variant; the sweep still ends whole.

    The scheduler gives the lost variant to a worker again (Dask's
    ``distributed.scheduler.allowed-failures``: a variant may lose 3 workers before it is
    reported as failed), the nanny restarts the killed worker, and every variant ends with
    the same results and files as in an undisturbed sweep.
    """
    from distributed import Client
    from distributed.diagnostics.plugin import WorkerPlugin

    marker = tmp_path / "killed"

    class KillOnce(WorkerPlugin):  # local: pickled by value for the worker processes
        def __init__(self, path: str) -> None:
            self.path = path

        def transition(self, key: object, start: str, finish: str, **kwargs: object) -> None:
            if finish == "executing" and "run_variant" in str(key) and \
                    not os.path.exists(self.path):
                Path(self.path).write_text(f"{os.getpid()} {key}", encoding="utf-8")
                os.kill(os.getpid(), signal.SIGKILL)

    def sweep(out: Path) -> pd.DataFrame:
        result = CliRunner().invoke(planner.cli.app, [
            "sweep", str(case.scenario), "--vary", SHARES, "--out", str(out),
            "--scheduler", case.cluster.scheduler_address], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        return pd.read_csv(out / "summary.csv")

    calm = sweep(tmp_path / "calm")
    with Client(case.cluster.scheduler_address) as client:
        client.register_plugin(KillOnce(str(marker)), name="kill-once")
        try:
            hit = sweep(tmp_path / "hit")
        finally:
            client.unregister_worker_plugin("kill-once")
    assert marker.exists()  # a worker died mid-variant
    same = [c for c in calm.columns if c not in ("worker", "seconds")]
    pd.testing.assert_frame_equal(hit[same], calm[same])
    for name in calm["variant"]:
        for f in ("scenario.yaml", "plan.gpkg", "kpis.csv", "standards.csv", "error.txt"):
            a, b = tmp_path / "calm" / name / f, tmp_path / "hit" / name / f
            assert a.exists() == b.exists(), (name, f)
            if a.exists():
                assert a.read_bytes() == b.read_bytes(), (name, f)
