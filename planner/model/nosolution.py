"""Why a solve stopped without a plan, and what to do for that reason.

:func:`no_plan_error` turns a :class:`planner.mip.MIPResult` without values into the error
the user sees: the model unbounded, a number in it not finite, the time limit reached
before any plan, or the engine stopping for a reason it did not give. An infeasible model
is explained by :func:`planner.model.explain_infeasible` (which needs the problem).
"""

from __future__ import annotations

from planner.errors import NoPlanInTimeError, PlannerError, UnsolvableError
from planner.mip import MIPResult


def no_plan_error(scenario: str, res: MIPResult, limit: float) -> PlannerError:
    """Return the one-line error for a solve that found no plan (and is not infeasible).

    Parameters
    ----------
    scenario : str
        The scenario's name.
    res : planner.mip.MIPResult
        The solve, its ``status`` one of ``unbounded``, ``not_finite``, ``time_limit`` or
        ``none``.
    limit : float
        The solve's time limit (seconds).

    Returns
    -------
    PlannerError
        :class:`~planner.errors.UnsolvableError` for an unbounded model or one with a
        non-finite number, :class:`~planner.errors.NoPlanInTimeError` otherwise.
    """
    head = f"scenario {scenario!r}: no plan"
    if res.status == "unbounded":
        return UnsolvableError(
            f"{head}: the model is unbounded (the solver can lower the cost without end), so "
            "some cost or saving has no limit; look for negative costs or savings in the "
            "scenario (costs, fte_change) and the tables' cost columns, and report it if "
            "there are none")
    if res.status == "not_finite":
        return UnsolvableError(
            f"{head}: a number in the model is not finite ({res.detail}), so the solver was "
            "not started; check the largest costs, populations and visit rates of the "
            "scenario and the tables (a product of them overflowed)")
    if res.status == "time_limit":
        return NoPlanInTimeError(
            f"{head} within {limit:g} s: the solver reached solver.time_limit_s before it "
            "found any plan; raise solver.time_limit_s, or make the model smaller with "
            "solver.max_demand_points, solver.assign_nearest or solver.decompose")
    return NoPlanInTimeError(
        f"{head}: the solver stopped after {res.seconds:.1f} s without a plan and without "
        f"saying why (status {res.status or 'unknown'}); try the other engine "
        "(solver.engine: highs or scip) or raise solver.time_limit_s")
