"""Cost sharing of shared premises: Shapley values by hand, the core, the four splits."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import pandas as pd
import pytest

from planner import costs, model
from tests.test_colocation import instance

# Three organisations at one site: A and B have offices (stand-alone 100 and 50, sharing
# saves them 20 and 10), C runs a pop-up (30, no saving of its own).
ALONE = {"A": 100.0, "B": 50.0, "C": 30.0}
SAVING = {"A": 20.0, "B": 10.0, "C": 0.0}


def test_site_game_costs() -> None:
    c = costs.site_game(ALONE, SAVING)
    assert c(frozenset("A")) == 100 and c(frozenset("C")) == 30
    assert c(frozenset("AB")) == 150 - 30
    assert c(frozenset("AC")) == 130 - 20
    assert c(frozenset("BC")) == 80 - 10
    assert c(frozenset("ABC")) == 180 - 30


def test_shapley_by_hand() -> None:
    # Marginal costs over the six orders (c: A 100, B 50, C 30, AB 120, AC 110, BC 70,
    # ABC 150):
    #   ABC: A 100, B 20, C 30     ACB: A 100, C 10, B 40     BAC: B 50, A 70, C 30
    #   BCA: B 50, C 20, A 80      CAB: C 30, A 80, B 40      CBA: C 30, B 40, A 80
    # A = 510/6 = 85, B = 240/6 = 40, C = 150/6 = 25; they sum to c(ABC) = 150.
    phi = costs.shapley(["A", "B", "C"], costs.site_game(ALONE, SAVING))
    assert phi == pytest.approx({"A": 85.0, "B": 40.0, "C": 25.0})


def test_shapley_equals_average_marginal_cost_over_orders() -> None:
    # the subset formula against the definition, on a game with a non-additive term
    def c(t: frozenset[str]) -> float:
        return sum(ALONE[o] for o in t) - (15.0 if {"A", "C"} <= t else 0.0) - len(t) ** 2

    players = ["A", "B", "C"]
    orders = list(itertools.permutations(players))
    by_orders = {p: 0.0 for p in players}
    for order in orders:
        seen: frozenset[str] = frozenset()
        for p in order:
            by_orders[p] += (c(seen | {p}) - c(seen)) / len(orders)
            seen = seen | {p}
    assert costs.shapley(players, c) == pytest.approx(by_orders)


def test_every_split_sums_to_the_total_and_those_outside_the_core_are_flagged() -> None:
    # The core: x_C >= c(ABC) - c(AB) = 30 and x_C <= c(C) = 30, so x_C = 30; then
    # x_A + x_C <= 110 and x_B + x_C <= 70 give x_A <= 80, x_B <= 40 with x_A + x_B = 120:
    # the core is the single point (80, 40, 30). Every usual split misses it:
    #   visits (100, 100, 800): C pays 150 x 0.8 = 120 > 30 alone
    #   Shapley (85, 40, 25):   A+B pay 125 > c(AB) = 120
    #   desks (4, 2, 1):        A+B pay 150 x 6/7 = 128.57 > 120
    #   equal (50, 50, 50):     C pays 50 > 30, B+C 100 > 70
    split = costs.split_costs(["A", "B", "C"], costs.site_game(ALONE, SAVING),
                              desks={"A": 4, "B": 2, "C": 1},
                              visits={"A": 100, "B": 100, "C": 800})
    for method, g in split.groupby("method"):
        assert g["share_eur"].sum() == pytest.approx(150.0), method
    by = split.set_index(["method", "organisation"])
    assert by.loc[("visits", "C"), "share_eur"] == pytest.approx(120.0)
    assert "C pays 120 > 30 on its own" in by.loc[("visits", "A"), "core_note"]
    assert "A+B pays 125 > 120 on its own" in by.loc[("shapley", "C"), "core_note"]
    assert by.loc[("desks", "A"), "share_eur"] == pytest.approx(600 / 7)
    assert "A+B pays 129 > 120" in by.loc[("desks", "A"), "core_note"]
    assert "B+C pays 100 > 70" in by.loc[("equal", "A"), "core_note"]
    for method in ("visits", "shapley", "desks", "equal"):
        assert not by.loc[(method, "A"), "in_core"], method
    core = [by.loc[("core", o), "share_eur"] for o in "ABC"]
    assert core == pytest.approx([80.0, 40.0, 30.0], abs=1e-6)
    assert by.loc[("core", "A"), "in_core"] and by.loc[("core", "C"), "saving_eur"] == \
        pytest.approx(0.0, abs=1e-6)


def test_empty_core_is_reported() -> None:
    # three players, any two save 10 together, all three save nothing more: c(i) = 10,
    # c(pair) = 10, c(all) = 20 -> pairs need x_i + x_j <= 10, so the sum <= 15 < 20.
    def c(t: frozenset[str]) -> float:
        return {0: 0.0, 1: 10.0, 2: 10.0, 3: 20.0}[len(t)]

    split = costs.split_costs(["A", "B", "C"], c, desks={}, visits={})
    core = split[split["method"] == "core"]
    assert core["share_eur"].isna().all()
    assert (core["core_note"] == "the core is empty: every split leaves some coalition "
            "worse off").all()


def test_cost_sharing_of_an_optimised_plan() -> None:
    # the shared-premises instance of test_colocation: kela and the county both move into
    # library C; each tenant office costs 60 000 alone and saves 20 000 when shared, so
    # c(both) = 80 000 and every symmetric method gives 40 000 each.
    p = instance({"p0": {"A": 5, "B": 5, "C": 5, "D": 5}}, {"p0": 100},
                 rent=(500.0, 2000.0), shared_saving_share=0.4, can_popup=False)
    plan = model.solve(p)
    split = costs.cost_sharing(plan.decisions, p.scenario)
    assert set(split["site_id"]) == {"C"}
    assert len(split) == len(costs.SPLIT_METHODS) * 2
    assert (split["alone_eur"] == 60000.0).all()
    assert split["share_eur"].to_numpy() == pytest.approx([40000.0] * 10)
    assert split["in_core"].all()
    empty = costs.cost_sharing(pd.DataFrame(columns=plan.decisions.columns), p.scenario)
    assert empty.empty


def test_shapley_is_the_same_whatever_the_hash_seed() -> None:
    # coalitions are frozensets, whose order changes with PYTHONHASHSEED; summed in that
    # order the shares differed in the last digits between runs (report files changed)
    code = ("from planner import costs; "
            "g = costs.site_game({'kela': 0.1, 'county': 0.2, 'municipality': 0.7, "
            "'employment': 1e-9}, {'kela': 0.3, 'county': 1 / 3}); "
            "print(repr(costs.shapley(['kela', 'county', 'municipality', 'employment'], g)))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
            for seed in range(1, 7)}
    assert len(outs) == 1
