"""Pop-up tours with OR-Tools routing, on instances checked by hand and by brute force."""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest

from planner.errors import InfeasibleError
from planner.model.tours import TourSettings, organisation_tours, plan_tours_for_plan, session_days

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
    tours = organisation_tours("kela", "O", dict.fromkeys("ABCD", 1), t, settings=ST)
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
    tours = organisation_tours("kela", "O", dict.fromkeys("ABCD", 1), minutes(XY), windows, ST)
    assert _route(tours) == list("CDBA")
    arr = dict(zip(tours.stops["site_id"].iloc[1:-1], tours.stops["arrival_min"].iloc[1:-1],
                   strict=True))
    assert arr["C"] == pytest.approx(490.0)
    assert arr["D"] == pytest.approx(531.2)
    assert arr["A"] == pytest.approx(612.4) and arr["A"] >= 600
    assert tours.stops["arrival_min"].iloc[-1] == pytest.approx(652.4)


def test_sessions_of_one_site_fall_on_different_days() -> None:
    tours = organisation_tours("kela", "O", {"A": 3, "B": 1}, minutes(XY), settings=ST)
    a_days = tours.stops.loc[tours.stops["site_id"] == "A", "day"]
    assert len(a_days) == 3 and a_days.is_unique


def test_infeasible_day_length_is_explained() -> None:
    xy = {**XY, "E": (200, 0)}
    with pytest.raises(InfeasibleError) as exc:
        organisation_tours("kela", "O", {"E": 1}, minutes(xy),
                   settings=TourSettings(service_minutes=180, day_minutes=450))
    assert str(exc.value) == (
        "pop-up tours: site E needs 580 min from base O and back (200 + 180 session + 200), "
        "longer than the 450-min working day; lengthen the day or shorten sessions")


def test_opening_hours_too_short_and_too_many_sessions() -> None:
    with pytest.raises(InfeasibleError, match=r"site A is open 09:00-09:20; a 30-min"):
        organisation_tours("kela", "O", {"A": 1}, minutes(XY), {"A": (540.0, 560.0)}, ST)
    with pytest.raises(InfeasibleError, match=r"site A needs 6 sessions a month but 1 "
                                              r"team\(s\) x 5 days"):
        organisation_tours("kela", "O", {"A": 6}, minutes(XY), settings=ST)


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
    assert tours.notes == ["county: its pop-ups have no staffed base (no office or shared "
                           "site of county in the plan); no tours"]


def _times(xy: dict[str, tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame([(a, b, m) for (a, b), m in minutes(xy).items()],
                        columns=["from", "to", "minutes"])


def test_closed_office_is_no_base() -> None:
    # the county's only office C is closed in the plan (its staff no longer work there):
    # its pop-up at B gets no tours, and a note says why; kela, staffed at O, still tours
    # its pop-up at A (2 sessions, 2 x 20 min)
    dec = pd.DataFrame({"site_id": ["C", "B", "O", "A"],
                        "organisation": ["county", "county", "kela", "kela"],
                        "mode": ["closed", "popup", "office", "popup"],
                        "days_per_month": [0, 2, 0, 2]})
    tours = plan_tours_for_plan(dec, _times(XY), settings=ST)
    assert set(tours.stops["organisation"]) == {"kela"}
    assert "C" not in set(tours.stops["site_id"]) and "B" not in set(tours.stops["site_id"])
    assert tours.travel_hours * 60 == pytest.approx(40.0)
    assert tours.notes == ["county: its pop-ups have no staffed base (no office or shared "
                           "site of county in the plan); no tours"]


def test_every_tour_starts_and_ends_at_a_staffed_site() -> None:
    # kela is staffed at O (office) and D (shared), county only at D (shared); county's
    # closed office O is 10 min from its pop-up C, nearer than D (11.2), but is no base.
    dec = pd.DataFrame({"site_id": ["O", "D", "A", "B", "D", "O", "C", "A"],
                        "organisation": ["kela"] * 4 + ["county"] * 4,
                        "mode": ["office", "shared", "popup", "popup",
                                 "shared", "closed", "popup", "remote"],
                        "days_per_month": [0, 0, 2, 4, 0, 0, 3, 0]})
    tours = plan_tours_for_plan(dec, _times(XY), settings=TourSettings(
        service_minutes=30.0, working_days=20, time_limit_s=2.0))
    assert tours.notes == []
    staffed = {"kela": {"O", "D"}, "county": {"D"}}
    s = tours.stops
    assert set(s["organisation"]) == {"kela", "county"}
    for (org, _team, _day), g in s.groupby(["organisation", "team", "day"]):
        g = g.sort_values("stop")
        assert g["site_id"].iloc[0] in staffed[org]
        assert g["site_id"].iloc[-1] == g["site_id"].iloc[0]
        assert set(g["site_id"].iloc[1:-1]) <= {"A", "B", "C"}
    # the county's three sessions at C: 3 round trips D-C-D of 11.2 min each
    county = s[s["organisation"] == "county"]
    assert (county.loc[county["site_id"] == "C", "travel_min"].sum()
            == pytest.approx(3 * 11.2))


def test_session_days_by_hand() -> None:
    # step = W / d; session j starts at round(j * step) (half up) and lasts
    # max(1, ceil(step / 2)) days, clipped to the month
    assert session_days(0, 20) == []
    assert session_days(1, 20) == [range(0, 10)]  # step 20: days 1-10
    assert session_days(2, 20) == [range(0, 5), range(10, 15)]  # every other week
    assert session_days(4, 20) == [range(0, 3), range(5, 8), range(10, 13), range(15, 18)]
    # step 6.67: starts 0, 7 (6.67), 13 (13.33); ceil(3.33) = 4 days each
    assert session_days(3, 20) == [range(0, 4), range(7, 11), range(13, 17)]
    # step 2.5: starts 0 and 3 (2.5 rounds half up); ceil(1.25) = 2 days
    assert session_days(2, 5) == [range(0, 2), range(3, 5)]
    # step 1.67: starts 0, 2 (1.67), 3 (3.33); one day each
    assert session_days(3, 5) == [range(0, 1), range(2, 3), range(3, 4)]
    assert session_days(20, 20) == [range(j, j + 1) for j in range(20)]
    # step 0.4: starts 0, 0, 1 (0.8), 1 (1.2), 2 (1.6), 2, 2 (2.4), 3 (2.8), 3 (3.2) and
    # 4 (3.6), clipped to the last day 3
    assert [r.start for r in session_days(10, 4)] == [0, 0, 1, 1, 2, 2, 2, 3, 3, 3]
    assert all(len(r) == 1 for r in session_days(10, 4))
    with pytest.raises(ValueError):
        session_days(2, 0)


W20 = TourSettings(service_minutes=30.0, teams=1, working_days=20, time_limit_s=2.0)


def test_two_sessions_a_month_every_other_week() -> None:
    # A (10 min from O) 2 days a month over 20 working days: one session in days 1-5, the
    # other in days 11-15, each a 20-min round trip
    tours = organisation_tours("kela", "O", {"A": 2}, minutes(XY), settings=W20)
    days = sorted(tours.stops.loc[tours.stops["site_id"] == "A", "day"])
    assert len(days) == 2
    assert 1 <= days[0] <= 5 and 11 <= days[1] <= 15
    assert tours.travel_hours * 60 == pytest.approx(40.0)


def test_four_sessions_a_month_weekly_and_chained() -> None:
    # A 4 days a month: one session in each of days 1-3, 6-8, 11-13 and 16-18. B (2 days)
    # falls in days 1-5 and 11-15, so each B session can share a day with an A session:
    # O-A-B-O = 10 + 10 + 14.1 = 34.1 min twice, plus A alone (20 min) twice: 108.2 min,
    # less than the 4 x 20 + 2 x 28.3 = 136.6 min of separate round trips.
    tours = organisation_tours("kela", "O", {"A": 4, "B": 2}, minutes(XY), settings=W20)
    s = tours.stops
    a_days = sorted(s.loc[s["site_id"] == "A", "day"])
    assert len(a_days) == 4
    for day, (lo, hi) in zip(a_days, [(1, 3), (6, 8), (11, 13), (16, 18)], strict=True):
        assert lo <= day <= hi
    b_days = sorted(s.loc[s["site_id"] == "B", "day"])
    assert len(b_days) == 2 and 1 <= b_days[0] <= 5 and 11 <= b_days[1] <= 15
    assert tours.travel_hours * 60 == pytest.approx(108.2)


def test_spread_that_overloads_a_day_is_explained() -> None:
    # W = 2: a one-session site may only go to day 1 (step 2, ceil(1) = 1 day); two such
    # 300-min sessions need 600 min on day 1, more than the 450-min day, though the month
    # has 900 min
    st = TourSettings(service_minutes=300.0, teams=1, working_days=2)
    with pytest.raises(InfeasibleError) as exc:
        organisation_tours("kela", "O", {"A": 1, "C": 1}, minutes(XY), settings=st)
    assert str(exc.value) == (
        "pop-up tours: spread over the month, 2 sessions of 300 min fall in day 1, more "
        "than 1 team(s) x 1 day(s) x 450 min; add teams")
    # 8 sessions at one site over 4 days with 2 teams: starts 0, 1, 1, 2, 2, 3, 3 and 4,
    # clipped to 3: three sessions on day 4, more than 2 team-days
    st = TourSettings(service_minutes=30.0, teams=2, working_days=4)
    with pytest.raises(InfeasibleError) as exc:
        organisation_tours("kela", "O", {"A": 8}, minutes(XY), settings=st)
    assert str(exc.value) == (
        "pop-up tours: site A's 8 sessions, spread over the 4-day month, put 3 in day 4, "
        "but 2 team(s) give at most one a day each there; add teams")
    # A and C share day 1 (W = 2): 2 x 210 = 420 min of sessions fit the 450-min day, but
    # not with the 10 + 14.1 + 10 min of travel: the solver finds no tours
    st = TourSettings(service_minutes=210.0, teams=1, working_days=2, time_limit_s=2.0)
    with pytest.raises(InfeasibleError, match=r"no tours fit 1 team\(s\) x 2 days of 450 min "
                                              r"with these opening hours and each site's "
                                              r"sessions spread over the month"):
        organisation_tours("kela", "O", {"A": 1, "C": 1}, minutes(XY), settings=st)


def test_popup_priced_with_its_staff_round_trip() -> None:
    # kela's current office is A; a pop-up at B (10 min from A, so 20 min there and back)
    # 2 days a month at 100 EUR a day + 20/60 h x 60 EUR/h = 120 EUR a session:
    # 2 x 12 x 120 = 2 880 a year; at A itself no travel: 2 400.
    from planner.problem import costs
    from tests.model.test_colocation import instance

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


def test_teams_sized_to_sessions_and_priced() -> None:
    # By hand: three sites 100 min from base O each way and 200 min from one another; a
    # 180-min session with its round trip takes 380 of a 450-min day, so a team-day holds
    # one session (two would need 180 + 180 + 100 + 200 + 100 = 760 min). 3 sites x 8
    # sessions = 24 sessions > 1 team x 20 days: one team cannot serve them (the Pirkanmaa
    # demo's "no tours fit 1 team(s) x 20 days"); two teams can (each site's 8 sessions
    # fall in 2-day windows, the three sites' windows coincide: 3 sessions in 4 team-days).
    t = {}
    for s in "ABC":
        t[("O", s)] = t[(s, "O")] = 100.0
        for u in "ABC":
            if u != s:
                t[(s, u)] = 200.0
    sessions = dict.fromkeys("ABC", 8)
    st = TourSettings(teams=1, working_days=20, time_limit_s=2.0, team_eur_per_year=12_000.0)
    with pytest.raises(InfeasibleError, match="add teams"):
        organisation_tours("employment", "O", sessions, t, settings=st)
    dec = pd.DataFrame({"site_id": ["O", "A", "B", "C"], "organisation": "employment",
                        "mode": ["office", "popup", "popup", "popup"],
                        "days_per_month": [0, 8, 8, 8]})
    times = pd.DataFrame([(a, b, m) for (a, b), m in t.items()],
                         columns=["from", "to", "minutes"])
    tours = plan_tours_for_plan(dec, times, settings=st)
    assert tours.teams == {"employment": 2}
    assert tours.team_cost_eur == 2 * 12_000.0
    visits = tours.stops[tours.stops["site_id"] != "O"]
    assert visits["site_id"].value_counts().to_dict() == dict.fromkeys("ABC", 8)
    assert visits.groupby(["team", "day"]).size().max() == 1
    # 24 round trips of 200 min a month
    assert tours.travel_hours == pytest.approx(24 * 200 / 60)
    assert tours.notes == ["employment: 2 pop-up team(s) at 12,000 EUR/year each (24,000 "
                           "EUR/year) for 24 sessions a month on 24 team-days"]


def test_more_teams_do_not_help_an_unreachable_site() -> None:
    # a 180-min session 200 min from the base: 580 min > the 450-min day, whatever the teams
    t = {("O", "A"): 200.0, ("A", "O"): 200.0}
    dec = pd.DataFrame({"site_id": ["O", "A"], "organisation": "kela",
                        "mode": ["office", "popup"], "days_per_month": [0, 2]})
    times = pd.DataFrame([(a, b, m) for (a, b), m in t.items()],
                         columns=["from", "to", "minutes"])
    tours = plan_tours_for_plan(dec, times, settings=TourSettings(time_limit_s=1.0))
    assert tours.teams == {} and tours.stops.empty
    assert len(tours.notes) == 1 and "longer than the 450-min working day" in tours.notes[0]
