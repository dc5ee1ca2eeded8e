"""Cost games and shared-premises agreements.

Textbook games with published values, a brute-force check of the nucleolus, and a
three-party site worked on paper.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.costing import games, sharing
from planner.costing.pricing import price_decisions
from planner.model import colocation
from planner.problem import costs, demand
from planner.problem.build import Problem
from planner.scenario import parse_scenario
from tests.model.test_colocation import instance

# ------------------------------------------------------------------ textbook games


def test_airport_game_shapley_is_littlechild_and_owen() -> None:
    # Littlechild and Owen (1973): the runway a coalition needs is its largest plane's;
    # runway costs 8, 11, 13, 18 give Shapley shares 2, 3, 4, 9 (each segment split
    # equally among the planes that use it: 8/4, + 3/3, + 2/2, + 5/1).
    need = {"a": 8.0, "b": 11.0, "c": 13.0, "d": 18.0}
    phi = games.shapley(list(need), lambda t: max(need[p] for p in t))
    assert phi == pytest.approx({"a": 2.0, "b": 3.0, "c": 4.0, "d": 9.0})


@pytest.mark.parametrize(("estate", "talmud"), [
    (100.0, (100 / 3, 100 / 3, 100 / 3)), (200.0, (50.0, 75.0, 75.0)),
    (300.0, (50.0, 100.0, 150.0))])
def test_nucleolus_is_the_talmud_division(estate: float, talmud: tuple) -> None:
    # Aumann and Maschler (1985): the Talmud's division of an estate among creditors with
    # claims 100, 200, 300 is the nucleolus of the bankruptcy game
    # v(S) = max(0, E - claims of the others). As a cost game c = -v (an excess of the
    # cost game is the reward game's excess), so the shares are the Talmud's, negated.
    claims = {"1": 100.0, "2": 200.0, "3": 300.0}

    def cost(t: frozenset[str]) -> float:
        return -max(0.0, estate - sum(d for k, d in claims.items() if k not in t))

    nu = games.nucleolus(list(claims), cost)
    assert [-nu[k] for k in claims] == pytest.approx(list(talmud), abs=1e-6)


def _excesses(players: list[str], cost, x: dict[str, float]) -> np.ndarray:
    """Every proper coalition's excess x(S) - c(S), largest first."""
    out = [sum(x[p] for p in t) - cost(frozenset(t)) for k in range(1, len(players))
           for t in itertools.combinations(players, k)]
    return np.sort(out)[::-1]


def _lex_less(a: np.ndarray, b: np.ndarray, tol: float = 1e-7) -> bool:
    for u, v in zip(a, b, strict=True):
        if u < v - tol:
            return True
        if u > v + tol:
            return False
    return False


@pytest.mark.parametrize("seed", range(6))
def test_nucleolus_minimises_the_excesses_lexicographically(seed: int) -> None:
    # the defining property, by brute force: no imputation on a fine grid (nor any small
    # move from the nucleolus) has a lexicographically smaller vector of excesses
    rng = np.random.default_rng(seed)
    players = ["a", "b", "c"]
    table = {frozenset(t): float(rng.uniform(5, 20)) * len(t) ** 0.7
             for k in range(1, 4) for t in itertools.combinations(players, k)}
    singles = sum(table[frozenset(p)] for p in players)
    table[frozenset(players)] = min(table[frozenset(players)], 0.9 * singles)  # imputations

    def cost(t: frozenset[str]) -> float:
        return table[t]

    nu = games.nucleolus(players, cost)
    total = table[frozenset(players)]
    assert sum(nu.values()) == pytest.approx(total)
    assert all(nu[p] <= table[frozenset([p])] + 1e-7 for p in players)  # an imputation
    best = _excesses(players, cost, nu)
    lo = [total - table[frozenset([q for q in players if q != p])] - 30 for p in players]
    grid = np.linspace(0, 1, 61)
    for u, v in itertools.product(grid, grid):
        xa = lo[0] + u * (table[frozenset("a")] - lo[0])
        xb = lo[1] + v * (table[frozenset("b")] - lo[1])
        x = {"a": xa, "b": xb, "c": total - xa - xb}
        if x["c"] > table[frozenset("c")]:
            continue
        assert not _lex_less(_excesses(players, cost, x), best), x
    for d in itertools.product((-1e-3, 0.0, 1e-3), repeat=2):
        x = {"a": nu["a"] + d[0], "b": nu["b"] + d[1], "c": nu["c"] - d[0] - d[1]}
        if all(x[p] <= table[frozenset([p])] for p in players):
            assert not _lex_less(_excesses(players, cost, x), best)


def test_shapley_equals_average_marginal_cost_over_orders() -> None:
    alone = {"A": 100.0, "B": 50.0, "C": 30.0}

    def c(t: frozenset[str]) -> float:
        return sum(alone[o] for o in t) - (15.0 if {"A", "C"} <= t else 0.0) - len(t) ** 2

    players = ["A", "B", "C"]
    orders = list(itertools.permutations(players))
    by_orders = {p: 0.0 for p in players}
    for order in orders:
        seen: frozenset[str] = frozenset()
        for p in order:
            by_orders[p] += (c(seen | {p}) - c(seen)) / len(orders)
            seen = seen | {p}
    assert games.shapley(players, c) == pytest.approx(by_orders)


def test_core_violations_and_an_empty_core() -> None:
    # any two save 10 together, all three nothing more: c(i) = 10, c(pair) = 10,
    # c(all) = 20; pairs need x_i + x_j <= 10, so the sum <= 15 < 20: no core
    def c(t: frozenset[str]) -> float:
        return {1: 10.0, 2: 10.0, 3: 20.0}[len(t)]

    assert games.core_is_empty(["A", "B", "C"], c)
    bad = games.core_violations(["A", "B", "C"], c, {"A": 20 / 3, "B": 20 / 3, "C": 20 / 3})
    assert "A+B pays 13 > 10 on its own" in bad
    assert not games.core_is_empty(["A", "B"], lambda t: 10.0 if len(t) == 1 else 15.0)


def test_least_core_of_the_empty_core_game() -> None:
    # equal shares 20/3 are optimal by symmetry: each pair pays 40/3, 10/3 over its 10
    def c(t: frozenset[str]) -> float:
        return {1: 10.0, 2: 10.0, 3: 20.0}[len(t)]

    assert games.least_core_excess(["A", "B", "C"], c) == pytest.approx(10 / 3)


@pytest.mark.slow
def test_shapley_is_the_same_whatever_the_hash_seed() -> None:
    # coalitions are frozensets, whose order changes with PYTHONHASHSEED; the game sums in
    # a sorted order, and the values must not depend on the order either (report files)
    code = ("from planner.costing import games; "
            "w = {'kela': 0.1, 'county': 0.2, 'municipality': 0.7, 'employment': 1e-9}; "
            "g = lambda t: sum(w[o] for o in sorted(t)) - (1 / 3 if len(t) > 1 else 0.0); "
            "print(repr(games.shapley(list(w), g)), repr(games.nucleolus(list(w), g)))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
            for seed in range(1, 7)}
    assert len(outs) == 1


# ------------------------------------------------------------------ a site on paper

def three_party_site() -> tuple[Problem, pd.DataFrame, pd.DataFrame]:
    """Build the site where the county's health office H hosts Kela and a municipal pop-up.

    H: 500 m2 at 200 EUR/m2 (premises 100 000), shared services 40 000, 10 desks, 4
    spare, lease to 2032-12-31, fit-out of a new office 10 000. Kela's own office K (2
    desks, 2 FTE) closes and Kela opens 2 desks at H; the municipality comes 2 days a month.
    desk_m2 10, shared saving 30 %, common space 20 %, 200 working days.
    """
    org = {"visit_rates": {"age_15_64": 1.0}, "staff_eur_fte_year": 50000}
    sc = parse_scenario({
        "name": "three parties",
        "organisations": {
            "county": {**org, "name": "County", "office_fixed_eur_year": 40000,
                       "desks_per_office": 4},
            "kela": {**org, "name": "Kela", "office_fixed_eur_year": 20000,
                     "desks_per_office": 2},
            "municipality": {**org, "name": "City", "office_fixed_eur_year": 30000,
                             "desks_per_office": 3, "min_staffed_sites": 0}},
        "costs": {"desk_m2": 10, "shared_saving_share": 0.3, "fitout_amortisation_years": 10,
                  "closing_eur": 0, "popup": {"days_per_month": [2], "eur_per_session": 50,
                                              "desks": 1}},
        "sharing": {"common_space_share": 0.2, "working_days_per_year": 200},
        "horizon_end": "2030-12-31",
    })
    sites = gpd.GeoDataFrame({
        "site_id": ["H", "K"], "name": ["Health office H", "Kela K"],
        "kind": ["health_station", "office"], "host_org": ["county", "kela"],
        "host_agreement": ["yes", "yes"], "spare_desks": [4, 0],
        "rent_eur_m2_year": [200.0, 300.0], "fitout_eur": [10000.0, 0.0],
        "existing_point_id": ["H", "K"], "source": "test"},
        geometry=[Point(0, 0), Point(1000, 0)], crs="EPSG:3067")
    existing = pd.DataFrame({
        "org": ["county", "kela"], "site": [0, 1], "point_id": ["H", "K"],
        "annual_cost_eur": [640000.0, 124000.0], "desks": [10, 2],
        "lease_end": ["2032-12-31", ""], "must_keep": [False, False],
        "premises_eur": [100000.0, 24000.0], "services_eur": [40000.0, 20000.0],
        "fte": [10.0, 2.0], "staff_eur": [500000.0, 100000.0], "recorded_visits": 0.0,
        "floor_m2": [500.0, 80.0]})
    dem = gpd.GeoDataFrame({"demand_id": ["p"], "population": [100.0], "age_0_14": 0.0,
                            "age_15_64": [100.0], "age_65_": 0.0, "municipality": "M",
                            "county": "X", "employment_area": "X"},
                           geometry=[Point(0, 50)], crs="EPSG:3067")
    v, r = demand.visits(dem, sc)
    p = Problem(scenario=sc, orgs=["county", "kela", "municipality"], sites=sites,
                demand=dem, times=pd.DataFrame({"origin": [0, 0], "destination": [0, 1],
                                                "minutes": [1.0, 5.0]}),
                visits=v, remote_share=r, existing=existing,
                options=costs.option_table(sc, sites, existing))
    dec = price_decisions(p, [(0, "county", "office", 0, "keep"),
                              (0, "kela", "office", 0, "open"),
                              (0, "municipality", "popup", 2, "open"),
                              (1, "kela", "closed", 0, "close")]).decisions
    dec["visits"] = dec["organisation"].map({"county": 8000.0, "kela": 1500.0,
                                             "municipality": 500.0}).fillna(0.0)
    today = price_decisions(p, [(0, "county", "office", 0, "keep"),
                                (1, "kela", "office", 0, "keep")]).decisions
    return p, dec, today


def test_three_party_site_by_hand() -> None:
    # The site's premises and shared services: the county's premises 100 000 and services
    # 40 000 (the largest: they serve the others), Kela's services 20 000 less 30 % =
    # 14 000 (its 2 desks are the county's spare desks: no rent on Kela's line), the
    # pop-up none: C = 154 000.
    # Use: county 10 desks x 200 days = 2 000 desk-days, Kela 2 x 200 = 400, the pop-up
    # 1 desk x 24 sessions = 24; floor: Kela 20 m2, the pop-up 10 m2 x 24/200 = 1.2 m2,
    # common space 20 % x 500 = 100 m2, the county the rest, 378.8 m2; 200 EUR/m2.
    #   floor_area: common pool 100 x 200 + 40 000 + 14 000 = 74 000 by desk-days (2 424):
    #     county 378.8 x 200 + 74 000 x 2000/2424 = 75 760 + 61 056.11 = 136 816.11
    #     Kela 20 x 200 + 74 000 x 400/2424 = 4 000 + 12 211.22 = 16 211.22
    #     city 1.2 x 200 + 74 000 x 24/2424 = 240 + 732.67 = 972.67
    #   desk_days: 154 000 x (2000, 400, 24)/2424 = 127 062.71, 25 412.54, 1 524.75
    #   visits (8 000, 1 500, 500 of 10 000): 123 200, 23 100, 7 700; equal 51 333.33
    # The game: alone county 140 000 (its lease and services), Kela 20 m2 x 200 + 20 000 =
    # 24 000, the pop-up 24 x (10 x 200 + 30 000/3)/200 = 1 440; c(county, Kela) = 100 000
    # + 40 000 + 14 000 = 154 000, c(county, city) = 140 000, c(Kela, city) = 25 440.
    #   Shapley: county 140 000/3 + (130 000 + 138 560)/6 + 128 560/3 = 134 280;
    #     Kela 24 000/3 + (14 000 + 24 000)/6 + 14 000/3 = 19 000; city 1 440/3 + 1 440/6
    #     = 720.
    #   Nucleolus: the pop-up's pair of excesses -m and m - 1 440 fixes m = 720 (-720);
    #     then 14 000 - k = k - 24 000 gives Kela k = 19 000 (-5 000); county 134 280.
    # Core: floor_area is in it; desk_days has Kela 25 413 > 24 000 alone; visits has
    # Kela+city 30 800 > 25 440; equal has Kela 51 333 > 24 000.
    # Fees (floor_area): Kela pays 16 211.22 - its own 14 000 = 2 211.22, the city
    # 972.67; the county's income 3 183.89, its net 140 000 - 3 183.89 = 136 816.11.
    p, dec, today = three_party_site()
    split = sharing.cost_sharing(dec, p)
    by = split.set_index(["method", "organisation"])["share_eur"]
    expect = {
        "floor_area": (136816.11, 16211.22, 972.67),
        "desk_days": (127062.71, 25412.54, 1524.75),
        "visits": (123200.0, 23100.0, 7700.0),
        "equal": (51333.33, 51333.33, 51333.33),
        "shapley": (134280.0, 19000.0, 720.0),
        "nucleolus": (134280.0, 19000.0, 720.0)}
    for method, shares in expect.items():
        got = [by[(method, o)] for o in ("county", "kela", "municipality")]
        assert got == pytest.approx(list(shares), abs=0.01), method
        assert sum(got) == pytest.approx(154000.0, abs=0.02)
    alone = split.drop_duplicates("organisation").set_index("organisation")["alone_eur"]
    assert alone.to_dict() == pytest.approx({"county": 140000.0, "kela": 24000.0,
                                             "municipality": 1440.0})
    core = split.drop_duplicates("method").set_index("method")
    assert core["in_core"].to_dict() == {"floor_area": True, "desk_days": False,
                                         "visits": False, "equal": False, "shapley": True,
                                         "nucleolus": True}
    assert "kela pays 25,413 > 24,000 on its own" in core.at["desk_days", "core_note"]
    assert "kela+municipality pays 30,800 > 25,440" in core.at["visits", "core_note"]

    agree = sharing.agreements(dec, p, split).set_index("organisation")
    assert agree["role"].to_dict() == {"county": "host", "kela": "tenant",
                                       "municipality": "popup"}
    assert agree.loc["kela", "fee_eur"] == pytest.approx(2211.22, abs=0.01)
    assert agree.loc["municipality", "fee_eur"] == pytest.approx(972.67, abs=0.01)
    assert agree.loc["county", "income_eur"] == pytest.approx(3183.89, abs=0.02)
    assert agree.loc["county", "net_eur"] == pytest.approx(136816.11, abs=0.02)
    assert agree["own_m2"].to_dict() == pytest.approx({"county": 378.8, "kela": 20.0,
                                                       "municipality": 1.2})
    assert (agree["term_end"] == "2032-12-31").all()
    assert agree.loc["kela", "fitout_eur"] == pytest.approx(1000.0)  # 10 000 over 10 years
    assert agree.loc["kela", "fitout_paid_by"] == "kela"

    # budgets: each organisation's lines plus the fees it pays, less those it receives;
    # the fees cancel in the joint budget, which is the plan's total cost
    bud = sharing.budgets(dec, today, agree.reset_index()).set_index("organisation")
    lines = dec.groupby("organisation")["annual_cost_eur"].sum()
    assert bud.loc["kela", "budget_eur"] == pytest.approx(lines["kela"] + 2211.22, abs=0.01)
    assert bud.loc["county", "budget_eur"] == pytest.approx(lines["county"] - 3183.89,
                                                            abs=0.02)
    assert bud.loc["joint", "budget_eur"] == pytest.approx(dec["annual_cost_eur"].sum())
    assert bud.loc["joint", "today_eur"] == pytest.approx(today["annual_cost_eur"].sum())


def test_the_host_pays_the_fitout_when_agreed() -> None:
    p, dec, today = three_party_site()
    p.scenario = p.scenario.model_copy(update={"sharing": p.scenario.sharing.model_copy(
        update={"fitout_paid_by": "host"})})
    agree = sharing.agreements(dec, p)
    assert agree.set_index("organisation").at["kela", "fitout_paid_by"] == "county"
    bud = sharing.budgets(dec, today, agree).set_index("organisation")
    assert bud.at["kela", "fitout_moved_eur"] == pytest.approx(-1000.0)
    assert bud.at["county", "fitout_moved_eur"] == pytest.approx(1000.0)
    assert bud.at["joint", "fitout_moved_eur"] == pytest.approx(0.0)


def test_the_key_sets_the_fees() -> None:
    p, dec, _ = three_party_site()
    p.scenario = p.scenario.model_copy(update={"sharing": p.scenario.sharing.model_copy(
        update={"key": "shapley"})})
    agree = sharing.agreements(dec, p).set_index("organisation")
    assert agree.at["kela", "fee_eur"] == pytest.approx(19000.0 - 14000.0, abs=0.01)
    assert agree.at["county", "net_eur"] == pytest.approx(134280.0, abs=0.02)


def test_cost_sharing_of_an_optimised_plan() -> None:
    # the shared-premises instance of test_colocation: kela and the county both move into
    # library C (its host, the city, is no party: it lets the space at cost). Each office:
    # 20 m2 at 500 = 10 000 and services 50 000; the county's are served by kela's
    # (equal: kela ranks first) and save 40 % = 20 000: c(both) = 100 000, alone 60 000
    # each; every key is symmetric here and gives 50 000 each.
    p = instance({"p0": {"A": 5, "B": 5, "C": 5, "D": 5}}, {"p0": 100},
                 rent=(500.0, 2000.0), shared_saving_share=0.4, can_popup=False)
    plan = colocation.solved_plan(p)
    split = sharing.cost_sharing(plan.decisions, p)
    assert set(split["site_id"]) == {"C"}
    assert len(split) == len(sharing.SPLIT_METHODS) * 2
    assert (split["alone_eur"] == 60000.0).all()
    assert split["share_eur"].to_numpy() == pytest.approx([50000.0] * 12)
    assert split["in_core"].all()
    agree = sharing.agreements(plan.decisions, p, split).set_index("organisation")
    assert agree.at["city", "role"] == "lessor"
    assert agree.at["kela", "fee_eur"] == pytest.approx(-10000.0)  # its services serve both
    assert agree.at["county", "fee_eur"] == pytest.approx(10000.0)
    empty = sharing.cost_sharing(pd.DataFrame(columns=plan.decisions.columns), p)
    assert empty.empty
