"""The public transport matrices kept in the user's cache (planner.network.transit_cache)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.network.transit_cache import cached_scenario_times
from planner.network.transit_setup import SHIPPED_FEED
from planner.scenario import Transit


def _stops(*ids: int) -> gpd.GeoSeries:
    with zipfile.ZipFile(SHIPPED_FEED) as z:
        stops = pd.read_csv(z.open("stops.txt")).set_index("stop_id")
    return gpd.GeoSeries([Point(stops.loc[i, "stop_lon"], stops.loc[i, "stop_lat"])
                          for i in ids], crs="EPSG:4326")


@pytest.mark.slow
def test_a_matrix_is_read_back_and_a_changed_input_is_computed_again(tmp_path: Path) -> None:
    # metro Kamppi (1040601) to Kalasatama (1100601): 7 min leaving at 08:00, 9 at 08:01
    # (worked out by hand in tests/test_helsinki_demo.py)
    settings = Transit(feed=SHIPPED_FEED, date="2022-02-22", start="08:00", window_min=1)
    a, b = _stops(1040601), _stops(1100601)
    first = cached_scenario_times(settings, None, a, b, 60.0, 4.5, 300.0, folder=tmp_path)
    again = cached_scenario_times(settings, None, a, b, 60.0, 4.5, 300.0, folder=tmp_path)
    assert (first.attrs["cache"], again.attrs["cache"]) == ("miss", "hit")
    assert first["minutes"].tolist() == again["minutes"].tolist() == [7.0]
    assert again.attrs["note"] == first.attrs["note"]
    later = settings.model_copy(update={"start": "08:01"})
    moved = cached_scenario_times(later, None, a, b, 60.0, 4.5, 300.0, folder=tmp_path)
    assert moved.attrs["cache"] == "miss" and moved["minutes"].tolist() == [9.0]
    assert len(list(tmp_path.glob("travel_times-*.parquet"))) == 2
