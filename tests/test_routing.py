"""Pop-up tours with OR-Tools routing, on instances checked by hand and by brute force."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from planner.errors import InfeasibleError
from planner.routing import TourSettings, plan_tours, plan_tours_for_plan

# Base O and four host sites; travel minutes = straight-line distance in the plane.
XY = {"O": (0, 0), "A": (0, 10), "B": (10, 10), "C": (10, 0), "D": (20, 5)}


def minutes(xy: dict[str, tuple[float, float]]) -> dict[tuple[str, str], float]:
    return {(a, b): math.dist(xy[a], xy[b]) for a in xy for b in xy if a != b}


ST = TourSettings(service_minutes=30.0, teams=1, working_days=5, time_limit_s=2.0)


def _route(tours) -> list[str]:
    s = tours.stops
    return list(s.loc[(s["site_id"] != "O"), "site_id"])


def test_one_team_four_stops_best_tour() -> None:
    # By hand: the perimeter O-A-B-D-C-O = 10 + 10 + 11.18 + 11.18 + 10 = 52.36 min (the
    # solver rounds legs to 0.1 min: 52.4); e.g. O-A-B-C-D-O = 10+10+10+11.18+20.62 = 61.8.
    # Splitting over days only adds round trips. Brute force over the 24 orders agrees.
    t = minutes(XY)
    best = min(itertools.permutations("ABCD"),
               key=lambda p: t[("O", p[0])] + sum(t[(a, b)] for a, b in
                                                   itertools.pairwise(p)) + t[(p[-1], "O")])
    tours = plan_tours("kela", "O", dict.fromkeys("ABCD", 1), t, settings=ST)
    assert tours.stops["day"].nunique() == 1
    assert _route(tours) in (list("ABDC"), list("CDBA"))
    assert list(best) in (list("ABDC"), list("CDBA"))
    assert tours.travel_hours * 60 == pytest.approx(52.4, abs=1e-9)
    assert tours.travel_cost_eur == pytest.approx(52.4 / 60 * 45 * 12)
    s = tours.stops
    assert list(s["stop"]) == [0, 1, 2, 3, 4, 5]
    # each stop departs a session after arriving, and the next arrival adds the leg
    for (_, a), (_, b) in itertools.pairwise(s.iterrows()):
        assert b["arrival_min"] >= a["departure_min"] + b["travel_min"] - 1e-9


def test_time_windows_force_the_order() -> None:
    # C must start its session by 08:10 (open 08:00-08:40, 30-min session) and A not before
    # 10:00: the only fast tour is O-C-D-B-A-O. Leaving at 08:00: C 08:10, D 08:40+11.2 =
    # 531.2, B 572.4, A 612.4 (after 10:00), back at O 652.4 -- the same 52.4 min of travel.
    windows = {"C": (480.0, 520.0), "A": (600.0, 900.0)}
    tours = plan_tours("kela", "O", dict.fromkeys("ABCD", 1), minutes(XY), windows, ST)
    assert _route(tours) == list("CDBA")
    arr = dict(zip(tours.stops["site_id"].iloc[1:-1], tours.stops["arrival_min"].iloc[1:-1],
                   strict=True))
    assert arr["C"] == pytest.approx(490.0)
    assert arr["D"] == pytest.approx(531.2)
    assert arr["A"] == pytest.approx(612.4) and arr["A"] >= 600
    assert tours.stops["arrival_min"].iloc[-1] == pytest.approx(652.4)


def test_sessions_of_one_site_fall_on_different_days() -> None:
    tours = plan_tours("kela", "O", {"A": 3, "B": 1}, minutes(XY), settings=ST)
    a_days = tours.stops.loc[tours.stops["site_id"] == "A", "day"]
    assert len(a_days) == 3 and a_days.is_unique


def test_infeasible_day_length_is_explained() -> None:
    xy = {**XY, "E": (200, 0)}
    with pytest.raises(InfeasibleError) as exc:
        plan_tours("kela", "O", {"E": 1}, minutes(xy),
                   settings=TourSettings(service_minutes=180, day_minutes=450))
    assert str(exc.value) == (
        "pop-up tours: site E needs 580 min from base O and back (200 + 180 session + 200), "
        "longer than the 450-min working day; lengthen the day or shorten sessions")


def test_opening_hours_too_short_and_too_many_sessions() -> None:
    with pytest.raises(InfeasibleError, match=r"site A is open 09:00-09:20; a 30-min"):
        plan_tours("kela", "O", {"A": 1}, minutes(XY), {"A": (540.0, 560.0)}, ST)
    with pytest.raises(InfeasibleError, match=r"site A needs 6 sessions a month but 1 "
                                              r"team\(s\) x 5 days"):
        plan_tours("kela", "O", {"A": 6}, minutes(XY), settings=ST)


def test_tours_for_a_plan_pick_the_nearest_base() -> None:
    # kela has offices at O and D and a pop-up at A (2 days a month): O is 10 min from A,
    # D 20.6, so the team starts from O; 2 round trips of 20 min = 40 min a month. The
    # county has a pop-up but no office: no tours, and a note says so.
    dec = pd.DataFrame({"site_id": ["O", "D", "A", "B"],
                        "organisation": ["kela", "kela", "kela", "county"],
                        "mode": ["office", "shared", "popup", "popup"],
                        "days_per_month": [0, 0, 2, 2]})
    t = minutes(XY)
    times = pd.DataFrame([(a, b, m) for (a, b), m in t.items()],
                         columns=["from", "to", "minutes"])
    tours = plan_tours_for_plan(dec, times, settings=ST)
    assert set(tours.stops["site_id"]) == {"O", "A"}
    assert tours.travel_hours * 60 == pytest.approx(40.0)
    assert tours.notes == ["county: pop-ups but no office in the plan to base a team; "
                           "no tours"]


def test_staff_base_when_the_plan_leaves_no_office() -> None:
    # the county keeps no office but its staff still work at today's office C: its pop-up
    # at B (2 days) is served from C, 10 min away: 2 x 20 = 40 min of travel a month
    dec = pd.DataFrame({"site_id": ["B"], "organisation": ["county"], "mode": ["popup"],
                        "days_per_month": [2]})
    t = minutes(XY)
    times = pd.DataFrame([(a, b, m) for (a, b), m in t.items()],
                         columns=["from", "to", "minutes"])
    tours = plan_tours_for_plan(dec, times, settings=ST, staff_bases={"county": ["C"]})
    assert tours.travel_hours * 60 == pytest.approx(40.0)
    assert tours.notes == ["county: no office in the plan; its pop-up team starts from a "
                           "staff base (C)"]


def test_popup_priced_with_its_staff_round_trip() -> None:
    # kela's current office is A; a pop-up at B (10 min from A, so 20 min there and back)
    # 2 days a month at 100 EUR a day + 20/60 h x 60 EUR/h = 120 EUR a session:
    # 2 x 12 x 120 = 2 880 a year; at A itself no travel: 2 400.
    from planner import costs
    from tests.test_colocation import instance

    p = instance({"p0": {"A": 5}}, {"p0": 100})
    sc = p.scenario.model_copy(update={"costs": p.scenario.costs.model_copy(update={
        "popup": p.scenario.costs.popup.model_copy(update={"staff_travel_eur_per_hour": 60.0})
    })})
    site_times = pd.DataFrame({"from": ["A", "C", "A", "D"], "to": ["C", "A", "D", "A"],
                               "minutes": [10.0, 10.0, 30.0, 30.0]})
    opts = costs.option_table(sc, p.sites, p.existing, site_times)
    pop = opts[(opts["org"] == "kela") & (opts["mode"] == "popup") & (opts["days"] == 2)]
    by_site = dict(zip(pop["site"], pop["cost_eur"], strict=True))
    assert by_site[2] == pytest.approx(2 * 12 * (100 + 60 * 20 / 60))  # C
    assert by_site[3] == pytest.approx(2 * 12 * (100 + 60 * 60 / 60))  # D
    county = opts[(opts["org"] == "county") & (opts["mode"] == "popup") & (opts["days"] == 2)]
    assert set(county["cost_eur"]) == {2400.0}  # no time from B to C or D: priced without
