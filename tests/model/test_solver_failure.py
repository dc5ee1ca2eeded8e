"""A solve that stops without a plan says why: infeasible, unbounded, not finite, time limit.

Small models whose outcome is known by hand: ``min -x`` with ``x >= 0`` unbounded above is
unbounded; ``x + y >= 3`` with binaries ``x, y`` is infeasible; an infinite objective
coefficient is not finite, and no engine is started on it (before, SCIP and HiGHS were
given it and the planner ran to its time limit, then advised raising it). The planner's own
model (``test_cost_basis.close_and_move``, one demand point) with an infinite visit count
stops at once with the cause.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from planner.errors import NoPlanInTimeError, UnsolvableError
from planner.mip import MIPResult, SparseMIP
from planner.model import colocation as model
from planner.model.nosolution import no_plan_error
from tests.costing.test_pricing import close_and_move

ENGINES = ("SCIP", "HIGHS")


@pytest.mark.parametrize("engine", ENGINES)
def test_an_unbounded_model_is_named(engine: str) -> None:
    mip = SparseMIP()
    mip.add_vars(1, lb=0.0, ub=np.inf, obj=-1.0)
    mip.add_vars(1, lb=0.0, ub=1.0, obj=1.0, integer=True)
    res = mip.solve(solver=engine, time_limit=10)
    assert res.values is None and res.status == "unbounded"
    err = no_plan_error("toy", res, 10)
    assert isinstance(err, UnsolvableError)
    assert str(err).startswith("scenario 'toy': no plan: the model is unbounded")
    assert "look for negative costs or savings" in str(err)


@pytest.mark.parametrize("engine", ENGINES)
def test_an_infeasible_model_is_named(engine: str) -> None:
    mip = SparseMIP()
    xy = mip.add_vars(2, obj=1.0, integer=True)
    mip.add_rows(1, np.zeros(2), xy, 1.0, lb=3.0)
    res = mip.solve(solver=engine, time_limit=10)
    assert res.infeasible and res.status == "infeasible"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_a_non_finite_number_is_not_given_to_the_engine(engine: str, value: float) -> None:
    mip = SparseMIP()
    mip.add_vars(3, obj=np.array([1.0, value, 2.0]), integer=True)
    t0 = time.perf_counter()
    res = mip.solve(solver=engine, time_limit=30)
    assert time.perf_counter() - t0 < 5  # not run to the 30 s limit
    assert res.status == "not_finite" and res.values is None
    assert res.detail == f"objective coefficient of variable 1 is {value} (1 such)"
    err = no_plan_error("toy", res, 30)
    assert isinstance(err, UnsolvableError)
    assert f"(objective coefficient of variable 1 is {value} (1 such))" in str(err)


def test_a_solved_model_has_its_status() -> None:
    mip = SparseMIP()
    xy = mip.add_vars(2, obj=np.array([1.0, 2.0]), integer=True)
    mip.add_rows(1, np.zeros(2), xy, 1.0, lb=1.0)
    res = mip.solve(time_limit=10)
    assert res.status == "optimal" and res.objective == pytest.approx(1.0)


def test_the_time_limit_without_a_plan_says_so_and_what_to_do() -> None:
    res = MIPResult(proven=False, infeasible=False, values=None, objective=float("nan"),
                    bound=float("nan"), seconds=60.0, status="time_limit")
    err = no_plan_error("big", res, 60)
    assert isinstance(err, NoPlanInTimeError)
    assert str(err) == ("scenario 'big': no plan within 60 s: the solver reached "
                        "solver.time_limit_s before it found any plan; raise "
                        "solver.time_limit_s, or make the model smaller with "
                        "solver.max_demand_points, solver.assign_nearest or solver.decompose")
    other = no_plan_error("big", MIPResult(False, False, None, float("nan"), float("nan"),
                                           2.5, status="none"), 60)
    assert "stopped after 2.5 s without a plan and without saying why" in str(other)


def test_the_planners_model_with_an_infinite_number_stops_at_once() -> None:
    problem = close_and_move()
    problem.visits[0, 0] = np.inf  # what an overflow upstream would leave
    t0 = time.perf_counter()
    with pytest.raises(UnsolvableError) as info:
        model.solved_plan(problem)
    assert time.perf_counter() - t0 < 5  # the scenario allows 30 s
    msg = str(info.value)
    assert msg.startswith("scenario 'cost basis toy': no plan: a number in the model is not "
                          "finite (")
    assert "so the solver was not started" in msg and "\n" not in msg
