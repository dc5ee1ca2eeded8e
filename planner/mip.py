"""A sparse mixed-integer model assembled from numpy blocks and solved with OR-Tools.

The classic location models are built column block by column block and row block by row
block as COO triplets, then handed to OR-Tools' model builder in one call
(``fill_model_from_sparse_data``), so that building a model with 10^5 rows costs
milliseconds rather than the seconds a per-constraint Python loop takes.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder_helper as mbh

from planner import progress

INF = float("inf")


@dataclass
class MIPResult:
    """What the solver returned.

    Attributes
    ----------
    proven : bool
        The solver proved optimality (or infeasibility).
    infeasible : bool
        The solver proved that no solution exists.
    values : numpy.ndarray or None
        Variable values of the best solution found, None when none was found.
    objective : float
        Objective of the best solution (nan without one), including the offset.
    bound : float
        Best proven bound on the optimum (nan when unknown).
    seconds : float
        Wall-clock seconds spent in the solver.
    reduced_costs : numpy.ndarray or None
        Reduced costs of the variables, for a solved linear relaxation only.
    status : str
        ``optimal``, ``feasible`` (a solution, not proven optimal), ``infeasible``,
        ``unbounded`` (or infeasible: the engine could not tell), ``not_finite`` (a
        coefficient or bound is NaN or an infinite coefficient: not solved),
        ``time_limit`` (stopped at the time limit without a solution) or ``none`` (stopped
        without a solution for another reason).
    detail : str
        For ``not_finite``: where (``objective coefficient of variable 3 is inf``).
    """

    proven: bool
    infeasible: bool
    values: np.ndarray | None
    objective: float
    bound: float
    seconds: float
    reduced_costs: np.ndarray | None = None
    status: str = ""
    detail: str = ""


@dataclass(frozen=True)
class _Arrays:
    """A model as an engine takes it: column bounds, objective, integrality and rows."""

    lb: np.ndarray
    ub: np.ndarray
    obj: np.ndarray
    integer: np.ndarray
    a: sp.csr_matrix
    rlb: np.ndarray
    rub: np.ndarray


@dataclass(frozen=True)
class _Options:
    """How one solve runs: the engine, its time limit (seconds), seed and relative gap."""

    solver: str
    time_limit: float | None
    seed: int
    relative_gap: float


@dataclass
class SparseMIP:
    """A MIP under construction: variable blocks, constraint blocks, objective and hints."""

    maximize: bool = False
    offset: float = 0.0
    _lb: list[np.ndarray] = field(default_factory=list)
    _ub: list[np.ndarray] = field(default_factory=list)
    _obj: list[np.ndarray] = field(default_factory=list)
    _int: list[np.ndarray] = field(default_factory=list)
    _rows: list[np.ndarray] = field(default_factory=list)
    _cols: list[np.ndarray] = field(default_factory=list)
    _coef: list[np.ndarray] = field(default_factory=list)
    _rlb: list[np.ndarray] = field(default_factory=list)
    _rub: list[np.ndarray] = field(default_factory=list)
    _hint: dict[int, float] = field(default_factory=dict)
    n_vars: int = 0
    n_rows: int = 0

    def add_vars(
        self,
        n: int,
        *,
        lb: float | np.ndarray = 0.0,
        ub: float | np.ndarray = 1.0,
        obj: float | np.ndarray = 0.0,
        integer: bool = False,
    ) -> np.ndarray:
        """Add ``n`` variables; return their global indices."""
        idx = np.arange(self.n_vars, self.n_vars + n, dtype=np.int64)
        self._lb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy())
        self._obj.append(np.broadcast_to(np.asarray(obj, dtype=float), (n,)).copy())
        self._int.append(np.full(n, integer))
        self.n_vars += n
        return idx

    def add_rows(
        self,
        n: int,
        rows: np.ndarray,
        cols: np.ndarray,
        coef: float | np.ndarray,
        *,
        lb: float | np.ndarray = -INF,
        ub: float | np.ndarray = INF,
    ) -> np.ndarray:
        """Add ``n`` constraints ``lb <= A x <= ub`` given as COO triplets.

        ``rows`` are local (0..n-1) row numbers, ``cols`` global variable indices; several
        calls of :meth:`add_terms` may add more terms to the same rows afterwards.
        """
        first = self.n_rows
        self.n_rows += n
        self._rlb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy())
        self._rub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy())
        self.add_terms(np.asarray(rows, dtype=np.int64) + first, cols, coef)
        return np.arange(first, first + n, dtype=np.int64)

    def add_terms(self, rows: np.ndarray, cols: np.ndarray, coef: float | np.ndarray) -> None:
        """Add terms to existing constraints (global row numbers)."""
        rows = np.asarray(rows, dtype=np.int64)
        self._rows.append(rows)
        self._cols.append(np.asarray(cols, dtype=np.int64))
        self._coef.append(np.broadcast_to(np.asarray(coef, dtype=float), rows.shape).copy())

    def set_bounds(self, idx: np.ndarray, lb: float, ub: float) -> None:
        """Set the bounds of some variables (e.g. fix them to a value)."""
        self._lb = [np.concatenate(self._lb)]
        self._ub = [np.concatenate(self._ub)]
        self._obj = [np.concatenate(self._obj)]
        self._int = [np.concatenate(self._int)]
        idx = np.asarray(idx, dtype=np.int64)
        self._lb[0][idx] = lb
        self._ub[0][idx] = ub

    def set_objective(self, idx: np.ndarray, coef: float | np.ndarray) -> None:
        """Replace the objective by ``sum coef * x[idx]`` (every other coefficient 0)."""
        self._obj = [np.zeros(self.n_vars)]
        self._obj[0][np.asarray(idx, dtype=np.int64)] = coef
        self.offset = 0.0

    def fixed(self, idx: np.ndarray, values: np.ndarray) -> SparseMIP:
        """Return a copy of the model with some variables fixed to values (the rest shared)."""
        lb, ub = np.concatenate(self._lb), np.concatenate(self._ub)
        idx = np.asarray(idx, dtype=np.int64)
        lb[idx] = ub[idx] = np.asarray(values, dtype=float)
        return dataclasses.replace(self, _lb=[lb], _ub=[ub], _hint={})

    def objective_of(self, values: np.ndarray) -> float:
        """Return the objective (with the offset) of given variable values."""
        return float(np.concatenate(self._obj) @ values + self.offset)

    def hint(self, idx: np.ndarray, values: np.ndarray) -> None:
        """Suggest a starting solution for some variables (a warm start)."""
        pairs = zip(np.asarray(idx).tolist(), np.asarray(values, dtype=float).tolist(), strict=True)
        for i, v in pairs:
            self._hint[int(i)] = float(v)

    def hints(self) -> dict[int, float]:
        """Return the starting values suggested so far, by variable index (a copy)."""
        return dict(self._hint)

    def solve(
        self,
        *,
        solver: str = "SCIP",
        time_limit: float | None = None,
        seed: int = 0,
        relative_gap: float = 0.0,
        relax: bool = False,
    ) -> MIPResult:
        """Solve the model; deterministic for a given seed unless the time limit is reached.

        ``solver`` is an OR-Tools engine (``SCIP``, ``GLOP``, ``PDLP``, ``CP_SAT``) or
        ``HIGHS`` (HiGHS through highspy). With ``relax`` the integrality of variables is
        dropped (the linear relaxation).
        """
        cat = np.concatenate
        lb, ub, obj = cat(self._lb), cat(self._ub), cat(self._obj)
        integer = np.zeros(self.n_vars, dtype=bool) if relax else cat(self._int)
        rows = cat(self._rows) if self._rows else np.zeros(0, dtype=np.int64)
        cols = cat(self._cols) if self._cols else np.zeros(0, dtype=np.int64)
        coef = cat(self._coef) if self._coef else np.zeros(0)
        a = sp.csr_matrix((coef, (rows, cols)), shape=(self.n_rows, self.n_vars))
        a.sum_duplicates()
        rlb = cat(self._rlb) if self._rlb else np.zeros(0)
        rub = cat(self._rub) if self._rub else np.zeros(0)
        arrays = _Arrays(lb, ub, obj, integer, a, rlb, rub)
        detail = _not_finite(arrays, self.offset)
        if detail:  # no engine gets NaN or an infinite cost: it would run to its time limit
            return MIPResult(proven=False, infeasible=False, values=None,
                             objective=float("nan"), bound=float("nan"), seconds=0.0,
                             status="not_finite", detail=detail)
        run = self._run_highs if solver == "HIGHS" else self._run_ortools
        t0 = time.perf_counter()
        status, values, bound, duals = run(arrays,
                                           _Options(solver, time_limit, seed, relative_gap))
        seconds = time.perf_counter() - t0
        if status == "none" and time_limit is not None and seconds >= 0.95 * time_limit:
            status = "time_limit"
        ok = values is not None
        # the objective of the values returned (what a plan built from them costs)
        objective = float(obj @ values + self.offset) if ok else float("nan")
        if not ok:
            bound = float("nan")
        elif status == "optimal" and (relax or not np.isfinite(bound)):
            bound = objective
        if ok and not self.maximize:  # never below every variable at its cheapest bound
            with np.errstate(invalid="ignore"):
                least = np.where(obj == 0, 0.0, np.minimum(obj * lb, obj * ub))
            trivial = float(least.sum() + self.offset)  # -inf when unbounded below
            bound = max(bound, trivial) if np.isfinite(bound) else trivial
        return MIPResult(
            proven=status in ("optimal", "infeasible"),
            infeasible=status == "infeasible",
            values=values,
            objective=objective,
            bound=bound,
            seconds=seconds,
            reduced_costs=duals if relax and status == "optimal" else None,
            status=status,
        )

    def _run_ortools(self, arrays: _Arrays, options: _Options
                     ) -> tuple[str, np.ndarray | None, float, np.ndarray | None]:
        """Solve once with OR-Tools; return (status, values, bound, reduced costs)."""
        solver, time_limit = options.solver, options.time_limit
        integer = arrays.integer
        model = mbh.ModelBuilderHelper()
        model.fill_model_from_sparse_data(arrays.lb, arrays.ub, arrays.obj, arrays.rlb,
                                          arrays.rub, arrays.a)
        for i in np.flatnonzero(integer).tolist():
            model.set_var_integrality(i, True)
        model.set_objective_offset(self.offset)
        model.set_maximize(self.maximize)
        for i, v in sorted(self._hint.items()):
            model.add_hint(i, v)
        engine = mbh.ModelSolverHelper(solver)
        engine.enable_output(False)
        if time_limit is not None:
            engine.set_time_limit_in_seconds(max(float(time_limit), 0.01))
        if solver == "SCIP":
            params = (f"randomization/randomseedshift = {int(options.seed)}\n"
                      f"limits/gap = {options.relative_gap}")
            engine.set_solver_specific_parameters(params)
        engine.solve(model)
        st = engine.status()
        status = {mbh.SolveStatus.OPTIMAL: "optimal", mbh.SolveStatus.FEASIBLE: "feasible",
                  mbh.SolveStatus.INFEASIBLE: "infeasible",
                  mbh.SolveStatus.UNBOUNDED: "unbounded"}.get(st, "none")
        if status not in ("optimal", "feasible"):
            return status, None, float("nan"), None
        values = np.asarray(engine.variable_values(), dtype=float)
        duals = (np.asarray(engine.reduced_costs(), dtype=float)
                 if status == "optimal" and not integer.any() else None)
        return status, values, float(engine.best_objective_bound()), duals

    def _run_highs(self, arrays: _Arrays, options: _Options
                   ) -> tuple[str, np.ndarray | None, float, np.ndarray | None]:
        """Solve once with HiGHS (highspy); return (status, values, bound, reduced costs).

        The model is passed as one column-wise matrix, a complete hint as the starting
        solution.
        """
        time_limit, integer = options.time_limit, arrays.integer
        h = _new_highs()
        csc = arrays.a.tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n_vars, self.n_rows
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = arrays.obj, arrays.lb, arrays.ub
        lp.row_lower_, lp.row_upper_ = arrays.rlb, arrays.rub
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr
        lp.a_matrix_.index_ = csc.indices
        lp.a_matrix_.value_ = csc.data
        lp.offset_ = self.offset
        lp.sense_ = highspy.ObjSense.kMaximize if self.maximize else highspy.ObjSense.kMinimize
        if integer.any():
            kind = highspy.HighsVarType
            lp.integrality_ = [kind.kInteger if b else kind.kContinuous
                               for b in integer.tolist()]
        h.passModel(lp)
        if time_limit is not None:
            h.setOptionValue("time_limit", max(float(time_limit), 0.01))
        h.setOptionValue("random_seed", int(options.seed))
        h.setOptionValue("mip_rel_gap", float(options.relative_gap))
        h.setOptionValue("threads", 1)
        if integer.any() and len(self._hint) == self.n_vars:
            sol = highspy.HighsSolution()
            sol.col_value = [self._hint[i] for i in range(self.n_vars)]
            sol.value_valid = True
            h.setSolution(sol)
        if integer.any() and progress.watching():
            _report_progress(h)
        h.run()
        ms = highspy.HighsModelStatus
        st = h.getModelStatus()
        if st == ms.kInfeasible:
            return "infeasible", None, float("nan"), None
        info = h.getInfo()
        if st in (ms.kUnbounded, ms.kUnboundedOrInfeasible):
            return "unbounded", None, float("nan"), None
        if info.primal_solution_status != 2:  # no feasible solution
            return ("time_limit" if st == ms.kTimeLimit else "none"), None, float("nan"), None
        solution = h.getSolution()
        values = np.asarray(solution.col_value, dtype=float)
        status = "optimal" if st == ms.kOptimal else "feasible"
        if integer.any():
            return status, values, float(info.mip_dual_bound), None
        # a relaxation's bound is its objective when optimal (set by :meth:`solve`)
        duals = np.asarray(solution.col_dual, dtype=float) if status == "optimal" else None
        return status, values, float("nan"), duals


def _not_finite(arrays: _Arrays, offset: float) -> str:
    """Say where a model holds NaN or an infinite coefficient; ``""`` when nowhere.

    Bounds may be infinite (no bound), never NaN; coefficients and the offset are finite.
    """
    checks = (("objective coefficient of variable", arrays.obj, np.isfinite),
              ("coefficient of row/column entry", arrays.a.data, np.isfinite),
              ("lower bound of variable", arrays.lb, lambda v: ~np.isnan(v)),
              ("upper bound of variable", arrays.ub, lambda v: ~np.isnan(v)),
              ("lower bound of row", arrays.rlb, lambda v: ~np.isnan(v)),
              ("upper bound of row", arrays.rub, lambda v: ~np.isnan(v)))
    for what, values, ok in checks:
        bad = np.flatnonzero(~ok(values))
        if bad.size:
            return f"{what} {int(bad[0])} is {values[bad[0]]} ({bad.size} such)"
    return "" if np.isfinite(offset) else f"the objective's constant is {offset}"


def _report_progress(h: highspy.Highs) -> None:
    """Report HiGHS's progress to :mod:`planner.progress`.

    Each better plan it finds is reported and, at most twice a second, its bound.
    """
    last = [0.0]
    kinds = highspy.cb.HighsCallbackType

    def report(kind: int, _message: str, out: object, _inp: object, _user: object) -> None:
        improving = int(kind) == int(kinds.kCallbackMipImprovingSolution)
        if not improving and out.running_time - last[0] < 0.5:
            return
        last[0] = out.running_time
        progress.found_by_solver(out.mip_primal_bound, out.mip_dual_bound)

    h.setCallback(report, None)
    h.startCallback(kinds.kCallbackMipImprovingSolution)
    h.startCallback(kinds.kCallbackMipInterrupt)


def _new_highs() -> highspy.Highs:
    """Return a silent HiGHS instance.

    Its first construction in a process prints a banner on the C-level standard output,
    which is sent to /dev/null here.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def add_single_source(mip: SparseMIP, site: np.ndarray, demand: np.ndarray, x: np.ndarray,
                      y: np.ndarray, capacity: np.ndarray) -> None:
    """Rows linking pair variables ``x`` (at ``site``) to open sites ``y`` with capacity.

    ``x_e <= y_site(e)`` for every pair, and ``sum_e demand_e x_e <= capacity_j y_j`` for
    every site j.
    """
    k, m = site.size, y.size
    ar = np.arange(k)
    mip.add_rows(k, np.concatenate([ar, ar]), np.concatenate([x, y[site]]),
                 np.concatenate([np.ones(k), -np.ones(k)]), ub=0.0)
    mip.add_rows(m, np.concatenate([site, np.arange(m)]), np.concatenate([x, y]),
                 np.concatenate([demand, -capacity]), ub=0.0)
