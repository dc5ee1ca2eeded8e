"""Pop-up tours: how each organisation's pop-up team gets to the pop-up sites of a plan.

A pop-up present ``d`` days a month at a site needs ``d`` sessions a month there. A team
leaves its base in the morning, serves one or more sessions at host sites (each
``service_minutes`` long, inside the host's opening hours) and returns within the working
day. A base is a site where the organisation is staffed in the plan (mode ``office`` or
``shared``); an organisation with pop-ups but no staffed site gets no tours, and a note
says so. OR-Tools' vehicle routing solver (one vehicle per team and working day, a time
dimension with the opening hours) minimises the staff's travel time.

Sessions are spread evenly over the month (:func:`session_days`): a site with ``d``
sessions over ``W`` working days has a step ``W / d``, and its session ``j`` (0-based)
may only fall on a day whose 0-based index lies in
``[round(j * step), round(j * step) + max(1, ceil(step / 2)))``, clipped to the month
(rounded half up). With ``W = 20``, two sessions fall in days 1-5 and 11-15 (every other
week), four in days 1-3, 6-8, 11-13 and 16-18 (weekly). Two sessions of one site never
fall on the same day of a team.

The optimiser prices each session (host fee and staff travel as a round trip from a
staffed base); the tours computed here report the actual travel, which is at most that
when sessions are chained. They also say so when a working day cannot hold a session.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import pandas as pd
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from planner.errors import InfeasibleError

#: Columns of the tours table.
TOUR_COLUMNS = ("organisation", "team", "day", "stop", "site_id", "arrival_min",
                "departure_min", "travel_min")


@dataclass(frozen=True)
class TourSettings:
    """How pop-up teams work.

    Attributes
    ----------
    day_start_min : float
        Start of the working day, minutes after midnight (480 = 08:00).
    day_minutes : float
        Length of the working day including travel (450 = 7.5 h).
    service_minutes : float
        Length of one pop-up session at a site.
    teams : int
        Teams per organisation.
    working_days : int
        Working days per month.
    staff_eur_per_hour : float
        Cost of one hour of a team's travel.
    time_limit_s : float
        Search time per organisation; the search stops earlier at a local optimum.
    team_eur_per_year : float
        Running cost of one pop-up team a year (vehicle, mobile equipment), over the
        sessions' own costs; :func:`plan_tours_for_plan` prices the teams it sizes.
    max_extra_teams : int
        Teams :func:`plan_tours_for_plan` may add, one at a time, beyond its estimate when
        the tours do not fit.
    """

    day_start_min: float = 480.0
    day_minutes: float = 450.0
    service_minutes: float = 180.0
    teams: int = 1
    working_days: int = 20
    staff_eur_per_hour: float = 45.0
    time_limit_s: float = 5.0
    team_eur_per_year: float = 0.0
    max_extra_teams: int = 6


@dataclass
class Tours:
    """Tours of one or more organisations.

    Attributes
    ----------
    stops : pandas.DataFrame
        One row per stop (``TOUR_COLUMNS``): the team's day, the stop number (0 is the base
        at departure; the last stop is the base on return), arrival and departure in
        minutes after midnight, and the travel minutes on the leg into the stop.
    travel_hours : float
        Staff travel per month.
    travel_cost_eur : float
        ``travel_hours`` x the staff rate x 12 (per year).
    notes : list of str
        What the tours assume or could not do.
    teams : dict of str to int
        Pop-up teams per organisation (per area and organisation, ``area: org``, when
        planned by area): as many as the sessions need (:func:`plan_tours_for_plan`).
    team_cost_eur : float
        The teams' running cost a year (teams x ``team_eur_per_year``).
    """

    stops: pd.DataFrame
    travel_hours: float
    travel_cost_eur: float
    notes: list[str] = field(default_factory=list)
    teams: dict[str, int] = field(default_factory=dict)
    team_cost_eur: float = 0.0


def _days(first: int, stop: int) -> str:
    """Name a run of days for a message.

    Parameters
    ----------
    first, stop : int
        The run ``range(first, stop)`` of 0-based day indices.

    Returns
    -------
    str
        1-based: "day 3" or "days 3-5".
    """
    return f"day {first + 1}" if stop - first == 1 else f"days {first + 1}-{stop}"


def _hhmm(minutes: float) -> str:
    """Minutes after midnight as ``HH:MM``.

    Parameters
    ----------
    minutes : float

    Returns
    -------
    str
    """
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def session_days(d: int, working_days: int) -> list[range]:
    """Return the days each of a site's sessions may fall on, spread evenly over the month.

    With ``step = working_days / d``, session ``j`` (0-based) may fall on the days
    (0-based indices) ``[round(j * step), round(j * step) + max(1, ceil(step / 2)))``,
    rounded half up and clipped to the month.

    Parameters
    ----------
    d : int
        Sessions a month at the site (its pop-up days per month); 0 gives no windows.
    working_days : int
        Working days per month (``W``).

    Returns
    -------
    list of range
        One range of 0-based day indices per session, in order. For ``W = 20``: ``d = 2``
        gives ``[range(0, 5), range(10, 15)]`` (days 1-5 and 11-15, every other week),
        ``d = 4`` gives ``[range(0, 3), range(5, 8), range(10, 13), range(15, 18)]``
        (weekly).

    Raises
    ------
    ValueError
        When ``d`` is negative or ``working_days`` is below 1.
    """
    if d < 0 or working_days < 1:
        raise ValueError(f"session_days needs d >= 0 and working_days >= 1, got d={d}, "
                         f"working_days={working_days}")
    w = working_days
    width = max(1, -(-w // (2 * d))) if d else 0  # ceil(step / 2) in integers
    out = []
    for j in range(d):
        first = min((2 * j * w + d) // (2 * d), w - 1)  # round(j * w / d), half up
        out.append(range(first, min(first + width, w)))
    return out


def _busiest(days: list[range], working_days: int,
             weights: list[float] | None = None) -> tuple[float, int, int]:
    """Return the run of days that must hold the most sessions (or session time) per day.

    Parameters
    ----------
    days : list of range
        Each session's allowed days (from :func:`session_days`).
    working_days : int
    weights : list of float, optional
        Each session's weight (e.g. its minutes); default 1 each (a count).

    Returns
    -------
    tuple
        ``(load, first, stop)``: the sessions with all their allowed days in
        ``range(first, stop)`` weigh ``load`` together (their count without weights), and
        no run of days has a larger ``load / (stop - first)`` (ties: the earliest, then the
        shortest run). By Hall's theorem the sessions fit ``k`` slots a day exactly when
        ``count <= k * (stop - first)`` here.
    """
    w = [1] * len(days) if weights is None else weights
    best: tuple[float, int, int] = (0, 0, working_days)
    for a in range(working_days):
        for b in range(a + 1, working_days + 1):
            n = sum(x for r, x in zip(days, w, strict=True) if a <= r.start and r.stop <= b)
            if n * (best[2] - best[1]) > best[0] * (b - a):
                best = (n, a, b)
    return best


def _allow_vehicles(routing: pywrapcp.RoutingModel, index: int, vehicles: list[int]) -> None:
    """Let only ``vehicles`` visit the node at ``index``.

    Parameters
    ----------
    routing : ortools RoutingModel
    index : int
        Solver index of the node.
    vehicles : list of int
        The allowed vehicles (not empty).

    Notes
    -----
    Uses ``RoutingModel.SetAllowedVehiclesForIndex``. Some OR-Tools wheels (e.g. 9.15)
    cannot pass a Python list to its ``absl::Span<const int>`` argument and raise
    ``TypeError``; then the node's vehicle variable gets the same domain directly (the
    allowed vehicles, and -1 for "not visited", which a mandatory node never takes).
    """
    try:
        routing.SetAllowedVehiclesForIndex(vehicles, index)
    except TypeError:
        routing.VehicleVar(index).SetValues([-1, *vehicles])


def check_reachable(base: str, sessions: dict[str, int], minutes: dict[tuple[str, str], float],
                    windows: dict[str, tuple[float, float]], st: TourSettings) -> None:
    """Raise a clear :class:`InfeasibleError` when sessions cannot fit the month.

    Parameters
    ----------
    base : str
        Site id of the base (start and end of every tour).
    sessions : dict
        Site id -> sessions a month (positive).
    minutes : dict
        (from site id, to site id) -> travel minutes.
    windows : dict
        Site id -> (opening, closing) in minutes after midnight.
    st : TourSettings

    Raises
    ------
    InfeasibleError
        When a site cannot be reached, a session does not fit a working day or the
        site's opening hours, a site has more sessions than its spread over the month
        (:func:`session_days`) leaves team-days for, or the sessions that must fall in
        some run of days need more team time than it has.
    """
    day_end = st.day_start_min + st.day_minutes
    for site in sorted(sessions):
        go, back = minutes.get((base, site)), minutes.get((site, base))
        if go is None or back is None:
            raise InfeasibleError(f"pop-up tours: site {site} cannot be reached from base "
                                  f"{base} (no travel time); add a closer base or a route")
        need = go + st.service_minutes + back
        if need > st.day_minutes + 1e-9:
            raise InfeasibleError(
                f"pop-up tours: site {site} needs {need:.0f} min from base {base} and back "
                f"({go:.0f} + {st.service_minutes:.0f} session + {back:.0f}), longer than the "
                f"{st.day_minutes:.0f}-min working day; lengthen the day or shorten sessions")
        open_, close = windows.get(site, (0.0, 24 * 60.0))
        start = max(st.day_start_min + go, open_)
        if start + st.service_minutes > min(close, day_end - back) + 1e-9:
            raise InfeasibleError(
                f"pop-up tours: site {site} is open {_hhmm(open_)}-{_hhmm(close)}; a "
                f"{st.service_minutes:.0f}-min session from base {base} (day "
                f"{_hhmm(st.day_start_min)}-{_hhmm(day_end)}) does not fit; change the "
                "hours or the session length")
    total = sum(sessions.values())
    per_site = max(sessions.values(), default=0)
    if per_site > st.working_days * st.teams:
        site = max(sessions, key=lambda s: sessions[s])
        raise InfeasibleError(
            f"pop-up tours: site {site} needs {per_site} sessions a month but {st.teams} "
            f"team(s) x {st.working_days} days give at most one a day each; add teams")
    if total * st.service_minutes > st.teams * st.working_days * st.day_minutes:
        raise InfeasibleError(
            f"pop-up tours: {total} sessions of {st.service_minutes:.0f} min need more "
            f"than {st.teams} team(s) x {st.working_days} days x {st.day_minutes:.0f} min; "
            "add teams or working days")
    spread = {s: session_days(k, st.working_days) for s, k in sessions.items()}
    for site in sorted(spread):
        n, a, b = _busiest(spread[site], st.working_days)
        if n > st.teams * (b - a):
            raise InfeasibleError(
                f"pop-up tours: site {site}'s {sessions[site]} sessions, spread over the "
                f"{st.working_days}-day month, put {n} in {_days(a, b)}, but {st.teams} "
                f"team(s) give at most one a day each there; add teams")
    n, a, b = _busiest([r for days in spread.values() for r in days], st.working_days)
    if n * st.service_minutes > st.teams * (b - a) * st.day_minutes + 1e-9:
        raise InfeasibleError(
            f"pop-up tours: spread over the month, {n} sessions of "
            f"{st.service_minutes:.0f} min fall in {_days(a, b)}, more than {st.teams} "
            f"team(s) x {b - a} day(s) x {st.day_minutes:.0f} min; add teams")


def organisation_tours(organisation: str, base: str, sessions: dict[str, int],
               minutes: dict[tuple[str, str], float],
               windows: dict[str, tuple[float, float]] | None = None,
               settings: TourSettings | None = None) -> Tours:
    """Plan the monthly tours of one organisation's pop-up teams from its base.

    Parameters
    ----------
    organisation : str
    base : str
        Site id of the base office (start and end of every tour).
    sessions : dict
        Site id -> pop-up sessions a month (its days per month).
    minutes : dict
        (from site id, to site id) -> travel minutes, for the base and every pop-up site.
    windows : dict, optional
        Site id -> (opening, closing) in minutes after midnight; default always open.
    settings : TourSettings, optional

    Returns
    -------
    Tours
        Session ``j`` of a site falls on a day in ``session_days(d, working_days)[j]``
        (the sessions are spread over the month); two sessions of one site never share a
        team-day.

    Raises
    ------
    InfeasibleError
        When a session cannot fit any working day (reach, day length, opening hours), or
        the month has too few team-days for the sessions spread over it; the message names
        the site or the days and the numbers.
    """
    st = settings or TourSettings()
    sessions = {s: int(k) for s, k in sessions.items() if int(k) > 0}
    if not sessions:
        return Tours(pd.DataFrame(columns=list(TOUR_COLUMNS)), 0.0, 0.0)
    check_reachable(base, sessions, minutes, windows or {}, st)
    tours = _TourModel(base, sessions, minutes, windows or {}, st)
    solution = tours.routing.SolveWithParameters(tours.parameters())
    if solution is None:
        raise InfeasibleError(
            f"pop-up tours of {organisation}: no tours fit {st.teams} team(s) x "
            f"{st.working_days} days of {st.day_minutes:.0f} min with these opening hours "
            "and each site's sessions spread over the month (session_days); add teams or "
            "working days, or lengthen the day")
    out = tours.stops(organisation, solution)
    hours = float(out["travel_min"].sum()) / 60.0
    return Tours(out, hours, hours * st.staff_eur_per_hour * 12)


class _TourModel:
    """OR-Tools' routing model of one organisation's month.

    A node per session (node 0 is the base), a vehicle per (team, working day), travel in
    tenths of a minute.
    """

    scale = 10  # tenths of a minute: the solver works in integers

    def __init__(self, base: str, sessions: dict[str, int],
                 minutes: dict[tuple[str, str], float],
                 windows: dict[str, tuple[float, float]], st: TourSettings) -> None:
        self.st, self.minutes = st, minutes
        self.nodes, self.days_of = [base], [range(0)]  # node -> site id, days it may fall on
        for site in sorted(sessions):
            for days in session_days(sessions[site], st.working_days):
                self.nodes.append(site)
                self.days_of.append(days)
        self.n_vehicles = st.teams * st.working_days
        self.manager = pywrapcp.RoutingIndexManager(len(self.nodes), self.n_vehicles, 0)
        self.routing = pywrapcp.RoutingModel(self.manager)
        self.far = round(2 * st.day_minutes * self.scale)  # no time given: no arc
        self._time_dimension(windows)
        self._session_rules()

    def travel(self, i: int, j: int) -> int:
        """Return the travel from node ``i`` to node ``j`` in tenths of a minute."""
        a, b = self.nodes[i], self.nodes[j]
        if a == b:
            return 0
        return round(self.minutes[(a, b)] * self.scale) if (a, b) in self.minutes else self.far

    def _time_dimension(self, windows: dict[str, tuple[float, float]]) -> None:
        """Add the arc costs (travel) and the time dimension (travel + sessions).

        The time dimension lies inside the working day and each site's opening hours.
        """
        st, sc, routing, manager = self.st, self.scale, self.routing, self.manager

        def transit(from_index: int, to_index: int) -> int:
            i, j = manager.IndexToNode(from_index), manager.IndexToNode(to_index)
            return self.travel(i, j) + (0 if i == 0 else round(st.service_minutes * sc))

        def arc(from_index: int, to_index: int) -> int:
            return self.travel(manager.IndexToNode(from_index), manager.IndexToNode(to_index))

        routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(arc))
        day_end = st.day_start_min + st.day_minutes
        routing.AddDimension(routing.RegisterTransitCallback(transit),
                             int(st.day_minutes * sc), int(day_end * sc) + 1, False, "time")
        self.dim = dim = routing.GetDimensionOrDie("time")
        for v in range(self.n_vehicles):
            dim.CumulVar(routing.Start(v)).SetRange(int(st.day_start_min * sc),
                                                    int(day_end * sc))
            dim.CumulVar(routing.End(v)).SetMax(int(day_end * sc))
            routing.AddVariableMinimizedByFinalizer(dim.CumulVar(routing.Start(v)))
            routing.AddVariableMinimizedByFinalizer(dim.CumulVar(routing.End(v)))
        for node in range(1, len(self.nodes)):
            open_, close = windows.get(self.nodes[node], (0.0, 24 * 60.0))
            dim.CumulVar(manager.NodeToIndex(node)).SetRange(
                math.ceil(open_ * sc), int((close - st.service_minutes) * sc))

    def _session_rules(self) -> None:
        """Add the session rules: each in its part of the month, a site's on different team-days.

        Vehicle v is team v % teams on day v // teams.
        """
        st, routing, manager = self.st, self.routing, self.manager
        by_site: dict[str, list[int]] = {}
        for node in range(1, len(self.nodes)):
            idx = manager.NodeToIndex(node)
            allowed = [day * st.teams + team for day in self.days_of[node]
                       for team in range(st.teams)]
            _allow_vehicles(routing, idx, allowed)
            by_site.setdefault(self.nodes[node], []).append(idx)
        solver = routing.solver()
        for idxs in by_site.values():
            for a in range(len(idxs)):
                for b in range(a + 1, len(idxs)):
                    solver.Add(routing.VehicleVar(idxs[a]) != routing.VehicleVar(idxs[b]))

    def parameters(self) -> object:
        """Return the search parameters: cheapest arc first, then local search in the limit."""
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = (
            routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC)
        params.time_limit.FromMilliseconds(int(self.st.time_limit_s * 1000))
        return params

    def stops(self, organisation: str, solution: object) -> pd.DataFrame:
        """Return the tours of a solution, a row per stop (``TOUR_COLUMNS``)."""
        st, routing, manager, dim = self.st, self.routing, self.manager, self.dim
        rows = []
        for v in range(self.n_vehicles):
            idx = routing.Start(v)
            if routing.IsEnd(solution.Value(routing.NextVar(idx))):
                continue  # this team-day is free
            team, day = v % st.teams + 1, v // st.teams + 1
            stop, prev = 0, None
            while True:
                node = manager.IndexToNode(idx)
                t = solution.Min(dim.CumulVar(idx)) / self.scale
                leg = 0.0 if prev is None else self.travel(prev, node) / self.scale
                is_end = routing.IsEnd(idx)
                service = st.service_minutes if (node != 0 and not is_end) else 0.0
                rows.append((organisation, team, day, stop, self.nodes[node], t, t + service,
                             leg))
                if is_end:
                    break
                prev = node
                idx = solution.Value(routing.NextVar(idx))
                stop += 1
        return pd.DataFrame(rows, columns=list(TOUR_COLUMNS))


def plan_tours_for_plan(decisions: pd.DataFrame, times: pd.DataFrame,
                        windows: dict[str, tuple[float, float]] | None = None,
                        settings: TourSettings | None = None) -> Tours:
    """Tours of every organisation's pop-ups in a plan, from its staffed sites.

    Parameters
    ----------
    decisions : pandas.DataFrame
        A plan's decisions (``site_id``, ``organisation``, ``mode``, ``days_per_month``).
    times : pandas.DataFrame
        Site-to-site staff travel: ``from``, ``to`` (site ids) and ``minutes``.
    windows : dict, optional
        As in :func:`organisation_tours`.
    settings : TourSettings, optional
        As in :func:`organisation_tours`; ``teams`` is the least number of teams per organisation.

    Returns
    -------
    Tours
        All organisations' stops together. Each organisation's base is its staffed site in
        the plan (mode ``office`` or ``shared``) nearest (total travel) to its pop-up sites;
        every tour starts and ends there. An organisation with pop-ups but no staffed site
        gets no tours and a note; one whose tours do not fit gets a note saying why.
    """
    st = settings or TourSettings()
    # only the pairs among the plan's sites (a national table has millions of pairs)
    used = set(decisions["site_id"].astype(str))
    near = times[times["from"].isin(used) & times["to"].isin(used)]
    minutes = {(str(a), str(b)): float(m) for a, b, m in
               zip(near["from"], near["to"], near["minutes"], strict=True)}
    frames, notes, hours = [], [], 0.0
    teams: dict[str, int] = {}
    for org, d in decisions.groupby("organisation", sort=True):
        pops = d[d["mode"] == "popup"]
        if pops.empty:
            continue
        staffed = sorted(set(d.loc[d["mode"].isin(["office", "shared"]),
                                   "site_id"].astype(str)))
        if not staffed:
            notes.append(f"{org}: its pop-ups have no staffed base (no office or shared site "
                         f"of {org} in the plan); no tours")
            continue
        sessions = {str(s): int(k) for s, k in
                    zip(pops["site_id"], pops["days_per_month"], strict=True) if int(k) > 0}
        if not sessions:
            continue
        base = min(staffed, key=lambda b: (sum(minutes.get((b, s), math.inf)
                                               + minutes.get((s, b), math.inf)
                                               for s in sessions), b))
        t, note = fit_teams(str(org), base, sessions, minutes, windows, st)
        notes += [note] if note else []
        if t is None:
            continue
        frames.append(t.stops)
        hours += t.travel_hours
        teams[str(org)] = t.teams[str(org)]
    stops = (pd.concat(frames, ignore_index=True) if frames
             else pd.DataFrame(columns=list(TOUR_COLUMNS)))
    return Tours(stops, hours, hours * st.staff_eur_per_hour * 12, notes, teams,
                 sum(teams.values()) * st.team_eur_per_year)


def fit_teams(organisation: str, base: str, sessions: dict[str, int],
              minutes: dict[tuple[str, str], float],
              windows: dict[str, tuple[float, float]] | None,
              st: TourSettings) -> tuple[Tours | None, str]:
    """Plan one organisation's tours with as many teams as its sessions need.

    Starts from :func:`_teams_needed` (the sessions' time with each one's round trip from
    the base) and adds a team at a time, at most ``st.max_extra_teams``, while the tours do
    not fit. A session that fits no working day (reach, day length, opening hours) is not
    helped by more teams: its error ends the search.

    Parameters
    ----------
    organisation, base, sessions, minutes, windows
        As in :func:`plan_tours`.
    st : TourSettings
        ``teams`` is the least number tried; ``team_eur_per_year`` prices each team.

    Returns
    -------
    tuple
        The tours (``teams`` set, ``team_cost_eur`` = teams x the team's price) or None
        when none fit, and a note naming the teams, sessions and cost, or why no tours
        (empty when the teams are ``st.teams`` and free).
    """
    sessions = {s: int(k) for s, k in sessions.items() if int(k) > 0}
    roundtrip = {s: minutes.get((base, s), 0.0) + minutes.get((s, base), 0.0)
                 for s in sessions}
    first = _teams_needed(sessions, st, roundtrip)
    n = sum(sessions.values())
    for teams in range(first, first + st.max_extra_teams + 1):
        try:
            t = organisation_tours(organisation, base, sessions, minutes, windows,
                                   dataclasses.replace(st, teams=teams))
        except InfeasibleError as exc:
            if "add teams" not in str(exc) or teams == first + st.max_extra_teams:
                return None, f"{organisation}: no tours: {exc}"  # more teams do not help
            continue
        t.teams = {organisation: teams}
        t.team_cost_eur = teams * st.team_eur_per_year
        cost = (f" at {st.team_eur_per_year:,.0f} EUR/year each ({t.team_cost_eur:,.0f} "
                "EUR/year)" if st.team_eur_per_year else "")
        days = t.stops.groupby(["team", "day"]).ngroups
        if teams == st.teams and not st.team_eur_per_year:
            return t, ""  # the teams given, free of charge: nothing to say
        return t, (f"{organisation}: {teams} pop-up team(s){cost} for {n} sessions a month "
                   f"on {days} team-days")
    raise AssertionError("unreachable")  # pragma: no cover


def _teams_needed(sessions: dict[str, int], st: TourSettings,
                  roundtrip: dict[str, float] | None = None) -> int:
    """Teams for an organisation's sessions spread over the month.

    Parameters
    ----------
    sessions : dict
        Site id -> sessions a month (positive).
    st : TourSettings
        ``teams`` is the least number returned.
    roundtrip : dict, optional
        Site id -> minutes from the base and back.

    Returns
    -------
    int
        Enough teams that the sessions falling in any run of days (:func:`session_days`)
        fill at most 60 % of the run's team time (travel needs the rest); with their round
        trips (a session with its trip longer than half a day counts a whole team-day, no
        other fits beside it), at most 90 %; and that each site's sessions get distinct
        team-days.
    """
    spread = {s: session_days(k, st.working_days) for s, k in sessions.items()}
    ranges = [r for days in spread.values() for r in days]
    n, a, b = _busiest(ranges, st.working_days)
    teams = max(st.teams, math.ceil(n * st.service_minutes / (0.6 * (b - a) * st.day_minutes)))
    if roundtrip is not None:
        need = {s: st.service_minutes + roundtrip.get(s, 0.0) for s in sessions}
        need = {s: st.day_minutes if m > st.day_minutes / 2 else m for s, m in need.items()}
        load, a, b = _busiest(ranges, st.working_days,
                              [need[s] for s, days in spread.items() for _ in days])
        teams = max(teams, math.ceil(load / (0.9 * (b - a) * st.day_minutes) - 1e-9))
    for days in spread.values():
        n, a, b = _busiest(days, st.working_days)
        teams = max(teams, math.ceil(n / (b - a)))
    return teams
