"""Public transport in a scenario: the settings, the times of the demo region, the map."""

from __future__ import annotations

import copy
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import yaml

from planner._paths import resource
from planner.errors import InputError
from planner.network.transit_setup import SHIPPED_FEED, map_layers, scenario_times
from planner.scenario import load_scenario

TRANSIT = resource("demo", "scenario_transit.yaml")
WALK = resource("demo", "scenario.yaml")


def test_transit_scenario_resolves_the_feed_from_its_folder() -> None:
    sc = load_scenario(TRANSIT)
    assert sc.travel.mode == "transit"
    tr = sc.travel.transit
    assert tr.feed.resolve() == SHIPPED_FEED
    assert (tr.date, tr.start, tr.window_min, tr.statistic) == ("2022-02-22", "08:00", 60,
                                                                "median")


def test_transit_mode_needs_its_timetable(tmp_path: Path) -> None:
    doc = yaml.safe_load(TRANSIT.read_text(encoding="utf-8"))
    bad = copy.deepcopy(doc)
    del bad["travel"]["transit"]
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(InputError, match=r"travel.*needs travel.transit"):
        load_scenario(path)


def test_date_without_service_is_one_line() -> None:
    tr = load_scenario(TRANSIT).travel.transit.model_copy(update={"date": "2022-02-23"})
    pts = gpd.GeoSeries(gpd.points_from_xy([385_000.0], [6_672_000.0]), crs=3067)
    with pytest.raises(InputError, match=r"^hsl_gtfs_2022-02-22.zip: no service on "
                                         r"2022-02-23; .* on 2022-02-22: choose"):
        scenario_times(tr, None, pts, pts, 30.0, 4.5, 300.0)


@pytest.mark.slow
def test_transit_times_never_slower_than_walking(demo_region) -> None:
    """Public transport is never slower than walking, and sometimes faster.

    Every pair walkable within the cut-off is at least as fast by public transport (a walk
    alone counts), some are faster, and the note names the feed, day and licence.
    """
    from planner.pipeline import region_and_problem

    region, transit = region_and_problem(load_scenario(TRANSIT), region=demo_region)
    _, walk = region_and_problem(load_scenario(WALK), region=demo_region)
    t, w = transit.times, walk.times
    assert t.attrs["model"] == "transit"
    note = transit.notes["travel_model"]
    assert "hsl_gtfs_2022-02-22.zip on 2022-02-22" in note and "CC BY 4.0" in note
    assert any("Helsingin seudun liikenne HSL, 2022, CC BY 4.0" in a
               for a in region.attribution)
    both = w.merge(t, on=["origin", "destination"], how="left", suffixes=("_walk", "_pt"))
    assert both["minutes_pt"].notna().all()  # every walk within the cut-off is there
    # transit times are whole seconds (the walk is rounded to the second once)
    assert (both["minutes_pt"] <= both["minutes_walk"] + 1 / 120).all()
    faster = (both["minutes_pt"] < both["minutes_walk"] - 1.0).mean()
    assert faster > 0.05  # the trams and buses of Kamppi help some pairs by over a minute
    assert np.all(t["minutes"] <= 30.0)


def test_map_layers_of_the_day() -> None:
    sc = load_scenario(TRANSIT)
    stops, lines = map_layers(sc.travel.transit)
    # the day's timetable: every routed stop served; 12,878 trips, of which 90 run on
    # patterns of one stop (no line to draw)
    assert len(stops) == 1361
    assert set(lines["kind"]) <= {"tram", "metro", "rail", "bus", "ferry"}
    assert {"tram", "metro", "bus"} <= set(lines["kind"])
    assert lines["trips"].sum() == 12878 - 90
    # around a point in Kamppi: only what lies within 2 km of it
    kamppi = gpd.GeoSeries(gpd.points_from_xy([385_300.0], [6_671_900.0]), crs=3067)
    near, near_lines = map_layers(sc.travel.transit, kamppi)
    assert 0 < len(near) < len(stops) and 0 < len(near_lines) < len(lines)
    assert near.distance(kamppi.iloc[0]).max() <= 2000 * 2**0.5


@pytest.mark.slow
def test_planner_run_by_public_transport(tmp_path: Path) -> None:
    """``planner run`` on the transit demo: the map shows minutes by public transport."""
    from typer.testing import CliRunner

    import planner.cli

    out = tmp_path / "out"
    result = CliRunner().invoke(planner.cli.app, ["run", str(TRANSIT), "--out", str(out)],
                                env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    html = (out / "plan.html").read_text(encoding="utf-8")
    assert "Minutes to in-person service by public transport" in html
    assert "Public transport: lines and stops" in html
    assert "Public transport: Helsingin seudun liikenne HSL, 2022, CC BY 4.0" in html
    run_csv = (out / "report_run.csv").read_text(encoding="utf-8")
    assert "GTFS feed hsl_gtfs_2022-02-22.zip on 2022-02-22" in run_csv


def test_missing_feed_is_one_line_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    import planner.cli

    doc = yaml.safe_load(TRANSIT.read_text(encoding="utf-8"))
    doc["travel"]["transit"]["feed"] = "nope.zip"
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(planner.cli.app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "travel.transit.feed nope.zip not found" in lines[0]
    assert not out.exists()
