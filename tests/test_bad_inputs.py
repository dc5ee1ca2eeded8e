"""Bad input through the whole command: one file per case in ``tests/bad_inputs``.

Every case starts from the valid tiny region in ``tests/bad_inputs/_region`` (central
Helsinki: two current offices, four host sites, ten demand points, straight-line walking
times) and replaces one input with the case's file: the scenario itself, one of the region's
own layers, or the proposal of ``planner evaluate``. The command must then exit with code 2
and print exactly one line naming the file, the row or key, what is wrong and what to do,
without a traceback, and leave nothing in the output folder. The municipal boundaries come
from the recorded Statistics Finland payloads (``tests/data/finland``) through the fake
server of ``tests.data.test_cache`` and a cache folder of the test's own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

import planner.cli
from planner._paths import DEMO_SCENARIO
from planner.assess.proposal import read_proposal
from planner.data import cache
from planner.data.files import read_layer
from planner.errors import InputError
from planner.plan import Plan
from tests.data.test_cache import FakeFinland

BAD = Path(__file__).parent / "bad_inputs"
REGION = BAD / "_region"
LAYERS = ("service_points", "sites", "demand")


@dataclass(frozen=True)
class Case:
    """One bad input.

    ``role``: what the file replaces (``scenario``, a region layer, or ``proposal``);
    ``out``: ``fresh`` (a new folder), ``inputs`` (the inputs' own folder), ``under_file``
    (a folder below the case file) or ``file`` (the case file itself).
    """

    file: str
    fragments: tuple[str, ...]
    role: str = "scenario"
    out: str = "fresh"
    copy_as: str | None = None
    exit_code: int = 2


CASES = [
    # the scenario file
    Case("malformed_yaml.yaml", ("malformed_yaml.yaml: line 15 malformed YAML",
                                 "fix the indentation or quoting")),
    Case("unknown_key_did_you_mean.yaml", ("unknown_key_did_you_mean.yaml: unknown key "
                                           "'travel.cutof_min' (did you mean 'cutoff_min'?); "
                                           "remove or rename it",)),
    Case("unknown_top_level_key.yaml", ("unknown key 'standard' (did you mean 'standards'?)",)),
    Case("missing_organisations.yaml", ("missing_organisations.yaml: missing key "
                                        "'organisations'; add it",)),
    Case("missing_visit_rates.yaml", ("missing key 'organisations.kela.visit_rates'; add it",)),
    Case("wrong_type_number.yaml", ("wrong_type_number.yaml: travel.cutoff_min: Input should "
                                    "be a valid number", "(got 'thirty'); fix the value")),
    Case("wrong_type_list.yaml", ("wrong_type_list.yaml: standards: Input should be a valid "
                                  "list", "fix the value")),
    Case("scenario_not_a_mapping.yaml", ("scenario_not_a_mapping.yaml: the scenario must be "
                                         "a mapping of keys, got list; write it as",)),
    Case("zero_desks_per_office.yaml", ("organisations.kela.desks_per_office: Input should "
                                        "be greater than 0 (got 0); fix the value",)),
    Case("negative_visits_per_desk.yaml", ("organisations.kela.visits_per_desk_year: Input "
                                           "should be greater than 0 (got -2500)",)),
    Case("negative_closing_cost.yaml", ("costs.closing_eur: Input should be greater than or "
                                        "equal to 0 (got -50000); fix the value",)),
    Case("zero_remote_capacity.yaml", ("costs.remote.visits_per_year: Input should be "
                                       "greater than 0 (got 0)",)),
    Case("negative_budget.yaml", ("organisations.kela.budget_eur_year: Input should be "
                                  "greater than 0 (got -100000)",)),
    Case("share_above_100.yaml", ("share_above_100.yaml: standards.0.share: share 80 is "
                                  "above 100 %; give a share between 0 and 1 (e.g. 0.8",)),
    Case("standard_unknown_organisation.yaml", ("standard_unknown_organisation.yaml: "
                                                "standards[0].organisation 'kelaa' is not "
                                                "one of ['county', 'kela']; use one of them "
                                                "or 'all'",)),
    Case("popup_days_out_of_range.yaml", ("costs.popup: days_per_month values must be "
                                          "between 1 and 22",)),
    Case("region_unknown_key.yaml", ("region_unknown_key.yaml: unknown key "
                                     "region.municipalitys (did you mean 'municipalities'?); "
                                     "remove or rename it",)),
    Case("region_crs_unknown.yaml", ("sites.csv: crs 'EPSG:99999' is not a known CRS; use "
                                     "e.g. EPSG:4326",)),
    Case("region_crs_wrong.yaml", ("sites.csv: row 2 lies outside Finland (ETRS-TM35FIN 25, "
                                   "60); the values look like EPSG:4326, not EPSG:3067: fix "
                                   "the crs",)),
    Case("scenario_binary.yaml", ("scenario_binary.yaml: not a text file (binary data: a NUL "
                                  "byte at byte 3); give the scenario (YAML) as text",)),
    Case("scenario_empty.yaml", ("scenario_empty.yaml: the file is empty (0 bytes); give the "
                                 "scenario (YAML)",)),
    # numbers that are not numbers, or absurd (issue 33)
    Case("visit_rate_nan.yaml", ("visit_rate_nan.yaml: organisations.kela.visit_rates."
                                 "age_0_14: Input should be a finite number (got nan)",)),
    Case("cost_infinite.yaml", ("cost_infinite.yaml: costs.closing_eur: Input should be a "
                                "finite number (got inf); fix the value",)),
    Case("cost_absurd.yaml", ("cost_absurd.yaml: costs.closing_eur: 5e+300 is beyond 1e+12 "
                              "in size, not a plausible value",)),
    Case("remote_share_above_one.yaml", ("organisations.kela.remote_share.age_15_64: Input "
                                         "should be less than or equal to 1 (got 30)",)),
    Case("visit_rate_negative.yaml", ("organisations.county.visit_rates.age_0_14: Input "
                                      "should be greater than or equal to 0 (got -0.5)",)),
    Case("min_popup_days_above_month.yaml", ("standards.0.min_popup_days: Input should be "
                                             "less than or equal to 22 (got 40)",)),
    Case("demand_population_infinite.csv",
         ("demand_population_infinite.csv: row 2, column 'population': 'inf' is not a finite "
          "number; give a number; fix the cell",), role="demand"),
    Case("sites_rent_absurd.csv", ("sites_rent_absurd.csv: row 2, column 'rent_eur_m2_year': "
                                   "'1e15' is beyond 1e+12 in size",), role="sites"),
    Case("proposal_days_infinite.csv", ("proposal_days_infinite.csv: row 3: days_per_month "
                                        "inf is not a number",), role="proposal"),
    Case("horizon_end_not_a_date.yaml", ("horizon_end_not_a_date.yaml: horizon_end: 'next "
                                         "year' is not a date; write it as YYYY-MM-DD",)),
    # empty inputs (issue 33)
    Case("organisations_empty.yaml", ("organisations_empty.yaml: organisations: no "
                                      "organisation given; add at least one",)),
    Case("proposal_empty.csv", ("proposal_empty.csv: the proposal has no decision rows, only "
                                "a header", "add a row per site and organisation"),
         role="proposal"),
    Case("service_points_no_rows.csv", ("service_points_no_rows.csv: the layer is empty (no "
                                        "rows)",), role="service_points"),
    Case("demand_no_residents.csv", ("Tiny Helsinki: the region has no residents: 10 demand "
                                     "point(s) with 0 residents in all; give the population",),
         role="demand"),
    # local files checked before any download (issue 33): the sources point nowhere
    Case("region_missing_sites_file.yaml", ("sites_not_here.csv: no such file; check the "
                                            "path",)),
    Case("region_pbf_not_osm.yaml", ("sites.csv: not an OSM PBF extract (no OSMHeader at its "
                                     "start); give an .osm.pbf file",)),
    Case("region_missing_municipality_table.yaml",
         ("municipalities_not_here.csv: cannot read the file (No such file or directory); "
          "check the path",)),
    # the region's own layers
    Case("sites_binary.csv", ("sites_binary.csv: not a text file (binary data: a NUL byte at "
                              "byte 8); give the table as text (CSV in UTF-8 or "
                              "Windows-1252, or YAML) or an .xlsx workbook",), role="sites"),
    Case("sites_truncated.csv", ("sites_truncated.csv: row 5 has 2 of 9 fields and the file "
                                 "ends there: it looks truncated; save or copy it again",),
         role="sites"),
    Case("service_points_truncated.xlsx", ("service_points_truncated.xlsx: not a readable "
                                           "XLSX workbook (truncated or damaged", "save or "
                                           "copy it again"), role="service_points"),
    Case("sites_decimal_comma_in_comma_csv.csv",
         ("sites_decimal_comma_in_comma_csv.csv: row 2 has 10 fields, the header 9, read as "
          "comma-separated UTF-8 text (decimal commas in a comma-separated file? quote the "
          "numbers or save with semicolons); fix the row",), role="sites"),
    Case("demand_zero_bytes.csv", ("demand_zero_bytes.csv: the file is empty (0 bytes); give "
                                   "the table",), role="demand"),
    Case("service_points_missing_organisation.csv",
         ("service_points_missing_organisation.csv: missing column(s) organisation (or "
          "organization/org); add them to the file",), role="service_points"),
    Case("service_points_unknown_organisation.csv",
         ("service_points_unknown_organisation.csv: row 3, column 'organisation': "
          "'hyvinvointialueet' is not an organisation; use one of kela",),
         role="service_points"),
    Case("service_points_negative_cost.csv",
         ("service_points_negative_cost.csv: row 2, column 'annual_cost_eur': -180000 is "
          "negative; give 0 or more",), role="service_points"),
    Case("service_points_zero_desks.csv",
         ("service_points_zero_desks.csv: row 3, column 'desks': office 'Kallion "
          "terveysasema' has 0 desks; an office needs at least 1",), role="service_points"),
    Case("sites_missing_name.csv", ("sites_missing_name.csv: missing column(s) name (or "
                                    "nimi/namn); add them to the file",), role="sites"),
    Case("sites_duplicate_ids.csv", ("sites_duplicate_ids.csv: row 4, column 'site_id': id "
                                     "'oodi' repeats; make ids unique",), role="sites"),
    Case("sites_empty.csv", ("sites_empty.csv: the layer is empty (no rows); add at least "
                             "one row",), role="sites"),
    Case("sites_row_without_coordinates.csv",
         ("sites_row_without_coordinates.csv: row 3: no coordinates in 'lon'/'lat'; fill "
          "them or delete the row",), role="sites"),
    Case("sites_one_row_swapped.csv",
         ("sites_one_row_swapped.csv: row 4 lies outside Finland (lon 60.18, lat 24.92) "
          "while the other rows are EPSG:4326; its two values look swapped; swap them",),
         role="sites"),
    Case("sites_crs_unknown.csv", ("sites_crs_unknown.csv: cannot tell the CRS of 'x'/'y'",
                                   "give the crs explicitly"), role="sites"),
    Case("sites_negative_spare_desks.csv",
         ("sites_negative_spare_desks.csv: row 3, column 'spare_desks': -3 is negative; "
          "give 0 or more",), role="sites"),
    Case("sites_negative_rent.csv", ("sites_negative_rent.csv: row 3, column "
                                     "'rent_eur_m2_year': -350 is negative",), role="sites"),
    Case("sites_no_geometry.geojson", ("sites_no_geometry.geojson: feature 2 has no "
                                       "geometry; give it a location or delete it",),
         role="sites"),
    Case("sites_invalid_geometry.geojson",
         ("sites_invalid_geometry.geojson: feature 2 has an invalid geometry (Self-"
          "intersection", "repair it"), role="sites"),
    Case("sites_wrong_crs.geojson", ("sites_wrong_crs.geojson: feature 1 lies outside "
                                     "Finland", "the values look like EPSG:4326, not "
                                     "EPSG:3067: fix the crs"),
         role="sites"),
    Case("demand_missing_population.csv",
         ("demand_missing_population.csv: missing column(s) population (or pop/vaesto)",),
         role="demand"),
    Case("demand_no_coordinates.csv", ("demand_no_coordinates.csv: no coordinate columns",
                                       "add them or give a GeoPackage/GeoJSON"),
         role="demand"),
    Case("demand_duplicate_ids.csv", ("demand_duplicate_ids.csv: row 4, column 'demand_id': "
                                      "id 'd02' repeats",), role="demand"),
    Case("demand_empty.csv", ("demand_empty.csv: the layer is empty (no rows)",),
         role="demand"),
    Case("demand_not_a_number.csv", ("demand_not_a_number.csv: row 3, column 'population': "
                                     "'about 380' is not a number; fix the cell",),
         role="demand"),
    Case("demand_population_empty.csv",
         ("demand_population_empty.csv: row 3, column 'population': no residents given; "
          "give the number (0 if none)",), role="demand"),
    Case("demand_negative_population.csv",
         ("demand_negative_population.csv: row 3, column 'population': -380 is negative",),
         role="demand"),
    Case("demand_outside_finland.csv",
         ("demand_outside_finland.csv: row 4 lies outside Finland (lon 18.0686, lat 59.3293) "
          "while the other rows are EPSG:4326; check its coordinates",), role="demand"),
    # the model input
    Case("demand_unreachable.csv",
         ("1 demand point(s) with 510 residents have no candidate site within "
          "travel.cutoff_min 30 min: d03 (510 residents); raise travel.cutoff_min, add a "
          "candidate site near them, or set travel.unreachable: unserved",), role="demand"),
    Case("organisation_without_site.yaml",
         ("organisation 'employment' has no candidate site: no current office, no site with "
          "10 spare desks (desks_per_office), pop-ups off, remote points off; add sites",)),
    Case("infeasible_standard.yaml",
         ("scenario 'Tiny Helsinki' is infeasible: kela: 90% of all residents "
          "within 3 min of in-person service is impossible: even with every candidate site "
          "open only ", "are that close; lower the share, raise the minutes or add candidate "
                        "sites")),
    # the proposal of planner evaluate
    Case("proposal_missing_mode.csv", ("proposal_missing_mode.csv: proposal lacks column "
                                       "'mode'; found site_id, organisation, days_per_month "
                                       "(read as comma-separated UTF-8 text); the proposal "
                                       "needs site_id, organisation, mode",),
         role="proposal"),
    Case("proposal_unknown_site.csv", ("proposal_unknown_site.csv: row 3: site_id "
                                       "'kallio-library' is not a candidate site of the "
                                       "region; use an id from the sites table",),
         role="proposal"),
    Case("proposal_bad_mode.csv", ("proposal_bad_mode.csv: row 3: mode 'kiosk' is not one "
                                   "of", "fix the row"), role="proposal"),
    Case("proposal_listed_twice.csv", ("proposal_listed_twice.csv: row 4: county at "
                                       "kallio-lib is listed twice; keep one row",),
         role="proposal"),
    Case("proposal_popup_without_days.csv",
         ("proposal_popup_without_days.csv: row 3: a pop-up needs days_per_month between 1 "
          "and 22",), role="proposal"),
    # the output folder
    Case("out_parent_is_file.txt", ("cannot create the --out folder because",
                                    "out_parent_is_file.txt is a file; give a folder path"),
         out="under_file"),
    Case("out_is_file.csv", ("out_is_file.csv: --out must be a folder, not a file",),
         out="file"),
    Case("overwrite_region_file.yaml", ("sites.csv: this input would be overwritten by the "
                                        "output sites.csv; choose another --out folder",),
         out="inputs"),
    Case("overwrite_proposal.csv", ("proposal_kpis.csv: this input would be overwritten by "
                                    "the output proposal_kpis.csv; choose another --out",),
         role="proposal", out="inputs", copy_as="proposal_kpis.csv"),
]


@pytest.fixture(scope="module")
def statfin_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Fill a cache folder on first use from the recorded Statistics Finland payloads.

    Downloads for geo.stat.fi go to the fake server instead; the scenarios keep the real
    source URLs, so the cached payloads carry them.
    """
    fake = FakeFinland()
    folder = tmp_path_factory.mktemp("cache")
    real = cache.Fetcher.download

    def via_fake(self: cache.Fetcher, full: str) -> str:
        return real(self, full.replace("https://geo.stat.fi", fake.base))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cache.Fetcher, "download", via_fake)
        mp.setenv(cache.CACHE_ENV, str(folder))
        yield folder
    fake.close()


def _invoke(args: list[str]) -> Result:
    return CliRunner().invoke(planner.cli.app, args, env={"COLUMNS": "100"})


def _inputs(tmp_path: Path, case: Case) -> tuple[Path, Path]:
    """Copy the tiny region with the case's file in place: (input folder, file to run)."""
    inp = tmp_path / "in"
    shutil.copytree(REGION, inp)
    target = inp / (case.copy_as or case.file)
    shutil.copyfile(BAD / case.file, target)
    scenario = inp / "scenario.yaml"
    if case.role == "scenario" and case.out not in ("under_file", "file"):
        scenario = target
    elif case.role in LAYERS:
        doc = yaml.safe_load(scenario.read_text(encoding="utf-8"))
        doc["region"][case.role] = target.name if case.role == "demand" else [target.name]
        scenario.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return inp, scenario


def _out(tmp_path: Path, inp: Path, case: Case) -> Path:
    return {"fresh": tmp_path / "out", "inputs": inp,
            "under_file": inp / case.file / "out", "file": inp / case.file}[case.out]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


#: Files as planners save them, in the planner's own formats: each loads and runs (exit 0).
GOOD = [
    Case("sites_semicolon_decimal_comma.csv", (), role="sites", exit_code=0),
    Case("sites_windows_1252.csv", (), role="sites", exit_code=0),
    Case("service_points_workbook.xlsx", (), role="service_points", exit_code=0),
    Case("scenario_windows_1252.yaml", (), exit_code=0),
    Case("proposal_semicolon_windows_1252.csv", (), role="proposal", exit_code=0),
    # Excel's "Unicode text" (UTF-16 LE with a BOM, tabs), UTF-16 BE, UTF-8 with a BOM
    Case("sites_excel_unicode_text.txt", ("tab-separated UTF-16 LE with BOM text",),
         role="sites", exit_code=0),
    Case("sites_utf16_be_tab.csv", ("tab-separated UTF-16 BE with BOM text",), role="sites",
         exit_code=0),
    Case("service_points_utf8_bom_semicolon.csv", ("semicolon-separated UTF-8 with BOM text",),
         role="service_points", exit_code=0),
    Case("proposal_excel_unicode_text.txt", (), role="proposal", exit_code=0),
]


def test_the_suite_has_a_file_per_case() -> None:
    files = {p.name for p in BAD.iterdir() if p.is_file()}
    assert len(CASES) >= 30
    assert files == {c.file for c in CASES + GOOD}


@pytest.mark.parametrize("case", CASES, ids=[c.file.rsplit(".", 1)[0] for c in CASES])
def test_bad_input_gives_one_line_and_writes_nothing(case: Case, tmp_path: Path,
                                                     statfin_cache: Path) -> None:
    inp, scenario = _inputs(tmp_path, case)
    out = _out(tmp_path, inp, case)
    before = _snapshot(inp)
    if case.role == "proposal":
        args = ["evaluate", str(scenario), str(inp / (case.copy_as or case.file))]
    else:
        args = ["run", str(scenario)]
    result = _invoke([*args, "--out", str(out)])
    assert result.exit_code == case.exit_code, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in case.fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    assert result.stdout.strip() == ""
    # nothing written: the output folder is absent (or the inputs, unchanged, are all there)
    assert _snapshot(inp) == before
    if case.out == "fresh":
        assert not out.exists()


@pytest.mark.slow
def test_time_limit_writes_the_best_plan_with_its_gap(tmp_path: Path) -> None:
    """Run the demo scenario with no gap allowed and 1 s.

    About a tenth of what HiGHS needs to bring the demo within 0.3 % (and far from proving
    it optimal), well above what the starting plan takes.
    """
    data = yaml.safe_load(DEMO_SCENARIO.read_text(encoding="utf-8"))
    data["solver"] = {**data["solver"], "time_limit_s": 1, "relative_gap": 0}
    scenario = tmp_path / "time_limit.yaml"
    scenario.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    result = _invoke(["run", str(scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = Plan.from_file(out / "plan.gpkg").meta
    assert meta["status"] == "time_limit"
    objective, bound, gap = float(meta["objective"]), float(meta["bound"]), float(meta["gap"])
    assert objective > bound > 0
    assert gap == pytest.approx((objective - bound) / objective, abs=1e-5)
    assert (f"Solver: time_limit, objective {objective:,.0f} EUR/year, bound {bound:,.0f}, "
            f"gap {gap:.2%}") in result.stdout


@pytest.mark.slow
def test_failed_run_leaves_earlier_outputs_untouched(tmp_path: Path,
                                                     statfin_cache: Path) -> None:
    inp = tmp_path / "in"
    shutil.copytree(REGION, inp)
    out = tmp_path / "out"
    first = _invoke(["run", str(inp / "scenario.yaml"), "--out", str(out)])
    assert first.exit_code == 0, first.output
    earlier = _snapshot(out)
    assert {"plan.html", "plan.gpkg", "kpis.csv", "standards.csv", "sites.csv"} <= set(earlier)
    shutil.copyfile(BAD / "infeasible_standard.yaml", inp / "infeasible_standard.yaml")
    failed = _invoke(["run", str(inp / "infeasible_standard.yaml"), "--out", str(out)])
    assert failed.exit_code == 2 and "is infeasible" in failed.stderr
    assert _snapshot(out) == earlier


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    _, scenario = _inputs(tmp_path, Case("share_above_100.yaml", ()))
    result = _invoke(["--debug", "run", str(scenario), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)
    assert "share 80 is above 100 %" in str(result.exception)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs the /proc file system")
def test_out_folder_that_cannot_be_written(tmp_path: Path) -> None:
    """Stop with one line when the output folder cannot be made.

    /proc takes no new folders, not even from root (for whom permission bits do not count).
    """
    _, scenario = _inputs(tmp_path, Case("overwrite_region_file.yaml", ()))
    out = Path("/proc/planner-bad-inputs-out")
    result = _invoke(["run", str(scenario), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (f"error: {out}: the --out folder cannot be written (/proc "
                                     "is read-only or not yours); choose a folder you can "
                                     "write to")
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize("case", GOOD, ids=[c.file.rsplit(".", 1)[0] for c in GOOD])
def test_planners_own_formats_load(case: Case, tmp_path: Path, statfin_cache: Path) -> None:
    """Read semicolons, decimal commas, Windows-1252, a BOM and XLSX as the plain files.

    Each gives the same region as the plain UTF-8 CSV files of ``_region`` (values read back
    from the outputs).
    """
    inp, scenario = _inputs(tmp_path, case)
    out = tmp_path / "out"
    if case.role == "proposal":
        args = ["evaluate", str(scenario), str(inp / case.file)]
    else:
        args = ["run", str(scenario)]
    result = _invoke([*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = "proposal_kpis.csv" if case.role == "proposal" else "plan.gpkg"
    assert (out / written).stat().st_size > 0
    if case.role == "sites":
        layer, report = read_layer(inp / case.file, "sites")
        assert layer["site_id"].tolist() == ["oodi", "kallio-lib", "toolo-lib", "kaupungintalo"]
        assert layer["name"].iloc[2] == "Töölön kirjasto"  # ö survived the encoding
        rent = layer.set_index("site_id")["rent_eur_m2_year"]
        # 450,5 in the decimal-comma files, 450 in the Windows-1252 one (as in _region)
        assert rent["oodi"] == (450.0 if "windows" in case.file else 450.5)
        assert rent["toolo-lib"] == 350.0
        assert layer.to_crs("EPSG:4326").geometry.iloc[0].y == pytest.approx(60.1740)
        how = case.fragments[0] if case.fragments else "semicolon-separated "
        assert any(n.startswith(f"read as {how}") for n in report.notes), report.notes
        if "windows" not in case.file:  # the import notes say how the numbers were read
            assert "column 'rent_eur_m2_year': decimal commas read as decimal points" in \
                report.notes
    elif case.role == "service_points":
        layer, report = read_layer(inp / case.file, "service_points")
        assert layer["point_id"].tolist() == ["kela-kamppi", "hki-kallio-ta"]
        assert layer["desks"].tolist() == [6, 8] and layer["annual_visits"].sum() == 29000
        assert layer.to_crs("EPSG:4326").geometry.iloc[0].y == pytest.approx(60.1690)
        if case.fragments:
            assert f"read as {case.fragments[0]}" in report.notes
    elif case.role == "proposal":
        table = read_proposal(inp / case.file)
        assert table["days_per_month"].tolist() == [0.0, 0.0, 4.0]
        assert table["huomautus"].iloc[0] == "pääkirjasto"
    else:
        assert "Pikku-Helsinki, Töölö ja Kallio" in (out / "report_run.csv").read_text(
            encoding="utf-8")
