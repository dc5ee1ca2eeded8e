"""Pop-up tours: how each organisation's pop-up team gets to the pop-up sites of a plan.

A pop-up present ``d`` days a month at a site needs ``d`` sessions a month there. A team
leaves its base office in the morning, serves one or more sessions at host sites (each
``service_minutes`` long, inside the host's opening hours) and returns within the working
day. Sessions are spread over the month's working days; two sessions of one site never
fall on the same day of a team. OR-Tools' vehicle routing solver (one vehicle per team and
working day, a time dimension with the windows) minimises the staff's travel time.

The optimiser prices pop-ups up front (``costs.popup.eur_per_day`` includes staff travel);
the tours computed here afterwards report the actual staff-travel hours and cost of the
plan, and say so when a working day cannot hold a session at all.
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
    """

    day_start_min: float = 480.0
    day_minutes: float = 450.0
    service_minutes: float = 180.0
    teams: int = 1
    working_days: int = 20
    staff_eur_per_hour: float = 45.0
    time_limit_s: float = 5.0


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
    """

    stops: pd.DataFrame
    travel_hours: float
    travel_cost_eur: float
    notes: list[str] = field(default_factory=list)


def _hhmm(minutes: float) -> str:
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def check_reachable(base: str, sessions: dict[str, int], minutes: dict[tuple[str, str], float],
                    windows: dict[str, tuple[float, float]], st: TourSettings) -> None:
    """Raise a clear :class:`InfeasibleError` when a session cannot fit any working day."""
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


def plan_tours(organisation: str, base: str, sessions: dict[str, int],
               minutes: dict[tuple[str, str], float],
               windows: dict[str, tuple[float, float]] | None = None,
               settings: TourSettings | None = None) -> Tours:
    """Monthly tours of one organisation's pop-up teams from its base.

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

    Raises
    ------
    InfeasibleError
        When a session cannot fit any working day (reach, day length, opening hours), or
        the month has too few team-days; the message names the site and the numbers.
    """
    st = settings or TourSettings()
    windows = windows or {}
    sessions = {s: int(k) for s, k in sessions.items() if int(k) > 0}
    if not sessions:
        return Tours(pd.DataFrame(columns=list(TOUR_COLUMNS)), 0.0, 0.0)
    check_reachable(base, sessions, minutes, windows, st)
    nodes = [base] + [s for s in sorted(sessions) for _ in range(sessions[s])]
    n_vehicles = st.teams * st.working_days
    manager = pywrapcp.RoutingIndexManager(len(nodes), n_vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    scale = 10  # tenths of a minute: the solver works in integers

    far = round(2 * st.day_minutes * scale)  # no time given: beyond the cut-off, no arc

    def travel(i: int, j: int) -> int:
        a, b = nodes[i], nodes[j]
        return 0 if a == b else (round(minutes[(a, b)] * scale) if (a, b) in minutes
                                 else far)

    def transit(from_index: int, to_index: int) -> int:
        i, j = manager.IndexToNode(from_index), manager.IndexToNode(to_index)
        service = 0 if i == 0 else round(st.service_minutes * scale)
        return travel(i, j) + service

    def arc(from_index: int, to_index: int) -> int:
        return travel(manager.IndexToNode(from_index), manager.IndexToNode(to_index))

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(arc))
    time_cb = routing.RegisterTransitCallback(transit)
    day_end = st.day_start_min + st.day_minutes
    routing.AddDimension(time_cb, int(st.day_minutes * scale), int(day_end * scale) + 1,
                         False, "time")
    dim = routing.GetDimensionOrDie("time")
    for v in range(n_vehicles):
        dim.CumulVar(routing.Start(v)).SetRange(int(st.day_start_min * scale),
                                                int(day_end * scale))
        dim.CumulVar(routing.End(v)).SetMax(int(day_end * scale))
        routing.AddVariableMinimizedByFinalizer(dim.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(dim.CumulVar(routing.End(v)))
    for node in range(1, len(nodes)):
        open_, close = windows.get(nodes[node], (0.0, 24 * 60.0))
        idx = manager.NodeToIndex(node)
        dim.CumulVar(idx).SetRange(math.ceil(open_ * scale),
                                   int((close - st.service_minutes) * scale))
    # two sessions of one site go to different team-days
    solver = routing.solver()
    by_site: dict[str, list[int]] = {}
    for node in range(1, len(nodes)):
        by_site.setdefault(nodes[node], []).append(manager.NodeToIndex(node))
    for idxs in by_site.values():
        for a in range(len(idxs)):
            for b in range(a + 1, len(idxs)):
                solver.Add(routing.VehicleVar(idxs[a]) != routing.VehicleVar(idxs[b]))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.time_limit.FromMilliseconds(int(st.time_limit_s * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        raise InfeasibleError(
            f"pop-up tours of {organisation}: no tours fit {st.teams} team(s) x "
            f"{st.working_days} days of {st.day_minutes:.0f} min with these opening hours; "
            "add teams or working days, or lengthen the day")
    rows = []
    for v in range(n_vehicles):
        idx = routing.Start(v)
        if routing.IsEnd(solution.Value(routing.NextVar(idx))):
            continue  # this team-day is free
        team, day = v % st.teams + 1, v // st.teams + 1
        stop, prev = 0, None
        while True:
            node = manager.IndexToNode(idx)
            t = solution.Min(dim.CumulVar(idx)) / scale
            leg = 0.0 if prev is None else travel(prev, node) / scale
            is_end = routing.IsEnd(idx)
            service = st.service_minutes if (node != 0 and not is_end) else 0.0
            rows.append((organisation, team, day, stop, nodes[node], t, t + service, leg))
            if is_end:
                break
            prev = node
            idx = solution.Value(routing.NextVar(idx))
            stop += 1
    out = pd.DataFrame(rows, columns=list(TOUR_COLUMNS))
    hours = float(out["travel_min"].sum()) / 60.0
    return Tours(out, hours, hours * st.staff_eur_per_hour * 12)


def plan_tours_for_plan(decisions: pd.DataFrame, times: pd.DataFrame,
                        windows: dict[str, tuple[float, float]] | None = None,
                        settings: TourSettings | None = None,
                        staff_bases: dict[str, list[str]] | None = None) -> Tours:
    """Tours of every organisation's pop-ups in a plan.

    Parameters
    ----------
    decisions : pandas.DataFrame
        A plan's decisions (``site_id``, ``organisation``, ``mode``, ``days_per_month``).
    times : pandas.DataFrame
        Site-to-site staff travel: ``from``, ``to`` (site ids) and ``minutes``.
    windows, settings
        As in :func:`plan_tours`.
    staff_bases : dict, optional
        Organisation -> site ids where its staff can start when the plan leaves it no
        office (e.g. today's offices: closed to customers, staff still work somewhere).

    Returns
    -------
    Tours
        All organisations' stops together. Each base is the organisation's office in the
        plan nearest (total travel) to its pop-up sites, else the nearest staff base (said
        in ``notes``); an organisation with neither is skipped and named in ``notes``.
    """
    st = settings or TourSettings()
    # only the pairs among the plan's sites and the staff bases (a national table has
    # millions of pairs)
    used = set(decisions["site_id"].astype(str))
    used |= {b for bases in (staff_bases or {}).values() for b in bases}
    near = times[times["from"].isin(used) & times["to"].isin(used)]
    minutes = {(str(a), str(b)): float(m) for a, b, m in
               zip(near["from"], near["to"], near["minutes"], strict=True)}
    frames, notes, hours = [], [], 0.0
    for org, d in decisions.groupby("organisation", sort=True):
        pops = d[d["mode"] == "popup"]
        if pops.empty:
            continue
        offices = sorted(d.loc[d["mode"].isin(["office", "shared"]), "site_id"].astype(str))
        if not offices and staff_bases and staff_bases.get(str(org)):
            offices = sorted(staff_bases[str(org)])
            notes.append(f"{org}: no office in the plan; its pop-up team starts from a staff "
                         f"base ({', '.join(offices)})")
        if not offices:
            notes.append(f"{org}: pop-ups but no office in the plan to base a team; no tours")
            continue
        sessions = dict(zip(pops["site_id"].astype(str), pops["days_per_month"], strict=True))
        base = min(offices, key=lambda b: (sum(minutes.get((b, s), math.inf)
                                               + minutes.get((s, b), math.inf)
                                               for s in sessions), b))
        # enough teams that sessions fill at most 60 % of their days (travel needs the rest)
        load = sum(sessions.values()) * st.service_minutes
        teams = max(st.teams, math.ceil(load / (0.6 * st.working_days * st.day_minutes)),
                    math.ceil(max(sessions.values()) / st.working_days))
        if teams > st.teams:
            notes.append(f"{org}: {teams} pop-up teams for {sum(sessions.values())} sessions "
                         "a month")
        try:
            t = plan_tours(str(org), base, sessions, minutes, windows,
                           dataclasses.replace(st, teams=teams))
        except InfeasibleError as exc:  # the plan stands; say why its tours do not fit
            notes.append(f"{org}: no tours: {exc}")
            continue
        frames.append(t.stops)
        hours += t.travel_hours
    stops = (pd.concat(frames, ignore_index=True) if frames
             else pd.DataFrame(columns=list(TOUR_COLUMNS)))
    return Tours(stops, hours, hours * st.staff_eur_per_hour * 12, notes)
