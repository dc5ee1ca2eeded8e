"""The two MIP engines on hand-solved models.

SCIP through OR-Tools and HiGHS through highspy; and the co-location model's hand-solved
optima with ``solver.engine: highs``.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from planner.mip import SparseMIP
from planner.model import colocation
from tests.model.test_model import toy_problem

ENGINES = ["SCIP", "HIGHS"]


def knapsack() -> SparseMIP:
    """Max 5a + 4b + 3c  s.t.  2a + 3b + c <= 5, binaries.

    By hand: {a, b} = 9 (weight 5) beats {a, c} = 8 and {b, c} = 7; all three weigh 6.
    The relaxation takes c and a whole (value per weight 3 and 2.5) and 2/3 of b:
    5 + 3 + 8/3 = 10 2/3.
    """
    mip = SparseMIP(maximize=True)
    x = mip.add_vars(3, obj=np.array([5.0, 4.0, 3.0]), integer=True)
    mip.add_rows(1, np.zeros(3), x, np.array([2.0, 3.0, 1.0]), ub=5.0)
    return mip


@pytest.mark.parametrize("engine", ENGINES)
def test_knapsack_optimum_and_relaxation(engine: str) -> None:
    res = knapsack().solve(solver=engine)
    assert res.proven and not res.infeasible
    assert res.objective == pytest.approx(9.0)
    assert res.values.round().tolist() == [1.0, 1.0, 0.0]
    lp = knapsack().solve(solver=engine, relax=True)
    assert lp.objective == pytest.approx(10.0 + 2.0 / 3.0)
    assert lp.bound == pytest.approx(10.0 + 2.0 / 3.0)
    assert lp.values.tolist() == pytest.approx([1.0, 2.0 / 3.0, 1.0])


@pytest.mark.parametrize("engine", ENGINES)
def test_infeasible_model_is_proven_infeasible(engine: str) -> None:
    mip = SparseMIP()
    x = mip.add_vars(2, obj=1.0, integer=True)
    mip.add_rows(1, np.zeros(2), x, 1.0, lb=3.0)  # two binaries cannot sum to 3
    res = mip.solve(solver=engine)
    assert res.infeasible and res.proven and res.values is None


@pytest.mark.parametrize("engine", ENGINES)
def test_offset_and_complete_hint(engine: str) -> None:
    # min 3a + 2b + 10 s.t. a + b >= 1: b alone, 12; the hint (a) is feasible but dearer
    mip = SparseMIP(offset=10.0)
    x = mip.add_vars(2, obj=np.array([3.0, 2.0]), integer=True)
    mip.add_rows(1, np.zeros(2), x, 1.0, lb=1.0)
    mip.hint(x, np.array([1.0, 0.0]))
    res = mip.solve(solver=engine)
    assert res.objective == pytest.approx(12.0) and res.bound == pytest.approx(12.0)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, 72000.0),                      # B alone (see test_model)
    ({"must_keep_a": True}, 170600.0),  # A must stay, B for d1
    ({"orgs": ("kela", "county"), "shared_saving_share": 0.3}, 128000.0),  # B shared
])
def test_highs_engine_gives_the_hand_solved_optima(kwargs: dict, expected: float) -> None:
    p = toy_problem(**kwargs)
    solver = p.scenario.solver.model_copy(update={"engine": "highs"})
    p.scenario = p.scenario.model_copy(update={"solver": solver})
    plan = colocation.solved_plan(p)
    assert plan.meta["status"] == "optimal"
    assert plan.meta["solver"] == "HiGHS"
    assert plan.meta["objective"] == pytest.approx(expected)


@pytest.mark.slow
def test_highs_prints_nothing() -> None:
    # HiGHS prints a banner on the C-level standard output when the first instance in a
    # process is made; the planner's output must stay clean (CSV to stdout, tests)
    code = ("from tests.model.test_engines import knapsack; "
            "r = knapsack().solve(solver='HIGHS'); assert abs(r.objective - 9) < 1e-9")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout == ""
