"""The co-location model's starting plan and its improvement (RINS).

A part of the model class: ``planner.model.colocation.Model`` inherits :class:`StartingPlan`.

The solve starts from a complete feasible plan: today's network repaired (the sites that
cover most uncovered residents per euro added until every standard holds) or the linear
relaxation rounded at several thresholds, whichever is cheaper, each completed by the
assignment LP with its options fixed; RINS then fixes the options on which that plan and
the relaxation agree and solves the rest. :meth:`StartingPlan.polish` raises the
shared-premises variables to what the chosen options allow.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from planner.mip import SparseMIP
    from planner.model.parts import Access, Options, SharedPremises
    from planner.problem.build import Problem

#: Thresholds at which the linear relaxation is rounded for a starting plan.
ROUNDING_THRESHOLDS = (0.5, 0.3, 0.2, 0.1, 0.05)
#: RINS neighbourhoods: options within this of the relaxation stay as they are.
RINS_TOLERANCES = (0.1, 0.0)


class StartingPlan:
    """Starting-plan heuristics over the model's records.

    The model class sets, before these are called: ``p`` (the problem), ``mip``, the
    records ``options`` (the variables ``y``), ``shared`` (``w``) and ``access`` (a
    :class:`planner.model.parts.Cover` per standard), and the state ``lp_bound``, ``lp_y``
    and ``start``.
    """

    p: Problem
    mip: SparseMIP
    options: Options
    shared: SharedPremises
    access: Access
    lp_bound: float
    lp_y: np.ndarray | None
    start: np.ndarray | None

    def allowed(self, taken: np.ndarray) -> np.ndarray:
        """Return the options ``taken`` with the locked ones taken and the barred ones not.

        The options' bounds are the leases that must stay and the planner's locked choices
        (:mod:`planner.model.locks`).
        """
        return (taken | (self.options.lower > 0.5)) & (self.options.upper > 0.5)

    def warm_start(self) -> None:
        """Hint a complete, feasible starting plan to the solver.

        The plan is the cheaper of today's network (every existing office kept, with the
        options :meth:`repair` adds where it misses a standard) and the linear relaxation
        rounded at several thresholds (:meth:`rounded`). Each is completed by the best
        assignment of visits to its options (a linear programme). The relaxation's value is
        kept as a bound (``lp_bound``), which counts when the solver stops before its own
        root bound.

        The solver thus starts from a plan at least as good as today's network under the
        same rules, and from the relaxation's neighbourhood rather than from scratch.
        """
        today = np.zeros(self.options.y.size, dtype=bool)
        today[self.options.keep] = True
        today = self.allowed(today)
        today[self.repair(today)] = True
        candidates = [today]
        lp = self.mip.solve(solver="HIGHS", relax=True)
        if lp.values is not None:
            self.lp_bound = lp.bound
            self.lp_y = y = lp.values[self.options.y]
            candidates += [self.rounded(y, th) for th in ROUNDING_THRESHOLDS]
        best: tuple[float, np.ndarray] | None = None
        for taken in candidates:
            values = self.complete(taken)
            if values is not None:
                cost = self.mip.objective_of(values)
                if best is None or cost < best[0] - 1e-6:
                    best = (cost, values)
        if best is not None:
            self.start = best[1]
            self.mip.hint(np.arange(self.mip.n_vars), best[1])

    def improve(self, time_limit: float) -> None:
        """Improve the starting plan by relaxation-induced neighbourhood search (RINS).

        The options on which the starting plan and the linear relaxation agree are fixed, and
        the much smaller model over the others is solved from the starting plan; a better
        plan becomes the new start. A narrow neighbourhood first (agreement within
        ``RINS_TOLERANCES[0]``), then wider ones, within ``time_limit`` seconds in all
        (each its share, and what one leaves goes to the next).
        """
        if self.start is None or self.lp_y is None:
            return
        sc = self.p.scenario.solver
        deadline = time.perf_counter() + time_limit
        for n, tol in enumerate(RINS_TOLERANCES):
            y = self.start[self.options.y]
            agree = np.abs(self.lp_y - y) <= tol + 1e-6
            if agree.all():
                continue
            left = deadline - time.perf_counter()
            if left <= 0.05:
                break
            sub = self.mip.fixed(self.options.y[agree], y[agree])
            sub.hint(np.arange(self.mip.n_vars), self.start)
            res = sub.solve(solver=sc.engine.upper(), seed=sc.seed,
                            time_limit=left / (len(RINS_TOLERANCES) - n),
                            relative_gap=sc.relative_gap)
            if res.values is not None:
                values = self.polish(res.values)
                if self.mip.objective_of(values) < self.mip.objective_of(self.start) - 1e-6:
                    self.start = values
                    self.mip.hint(np.arange(self.mip.n_vars), values)

    def complete(self, taken: np.ndarray) -> np.ndarray | None:
        """Return all variables of the plan that takes the options ``taken``.

        ``taken`` is a boolean per option. Visits are assigned at least cost (a linear
        programme with the options fixed), coverage and shared premises as they follow; None
        when the options do not make a feasible plan (e.g. a standard missed).
        """
        taken = self.allowed(taken)
        res = self.mip.fixed(self.options.y, taken.astype(float)).solve(solver="HIGHS", relax=True)
        if res.values is None:
            return None
        values = res.values.copy()
        values[self.options.y] = taken.astype(float)
        return self.polish(values)

    def rounded(self, y: np.ndarray, threshold: float) -> np.ndarray:
        """Return the options of a fractional solution ``y``, rounded.

        The leases that must stay, then every option with ``y >= threshold``, largest first,
        that fits the host's spare desks and the one-mode-per-site rule; :meth:`repair` then
        adds what the standards still need.
        """
        taken = np.zeros(self.options.y.size, dtype=bool)
        taken[self.options.keep[self.p.existing["must_keep"].to_numpy(dtype=bool)]] = True
        taken = self.allowed(taken)
        used, busy = self._occupied(taken)
        order = np.argsort(-y, kind="stable")
        for k in order[y[order] >= threshold].tolist():
            if self._fits(k, used, busy):
                self._take(k, taken, used, busy)
        taken[self.repair(taken)] = True
        return taken

    def _occupied(self, taken: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the desks the options ``taken`` use at each site, and where they are.

        The second array marks the (organisation, site) pairs where they take an option.
        """
        opt = self.options
        used = np.bincount(opt.site[taken], weights=opt.desks[taken], minlength=opt.n_sites)
        busy = np.zeros(len(self.p.orgs) * opt.n_sites, dtype=bool)
        busy[opt.pair[taken]] = True
        return used, busy

    def _fits(self, k: np.ndarray | int, used: np.ndarray, busy: np.ndarray) -> np.ndarray:
        """Return whether option(s) ``k`` may be added.

        They may when the organisation has no option at the site yet and the host's spare
        desks hold it.
        """
        opt = self.options
        site = opt.site[k]
        return (~busy[opt.pair[k]] & (used[site] + opt.desks[k] <= opt.spare[site])
                & (opt.upper[k] > 0.5))

    def _take(self, k: int, taken: np.ndarray, used: np.ndarray, busy: np.ndarray) -> None:
        """Add option ``k`` to ``taken`` and to what it occupies."""
        taken[k] = busy[self.options.pair[k]] = True
        used[self.options.site[k]] += self.options.desks[k]

    def repair(self, taken: np.ndarray) -> np.ndarray:
        """Return the options to add to ``taken`` so that every access standard holds.

        ``taken`` is a boolean per option. The options are chosen greedily: the site that
        covers the most residents still uncovered per euro, each with the cheapest option
        there that counts for the standard (and fits the host's spare desks and the
        one-mode-per-site rule); the standards in turn.

        Today's network often misses a standard; repaired, it is a feasible starting
        plan, which the solver can improve at once instead of searching for any plan.
        Returns the option positions added (empty when a standard cannot be met this way;
        the solver then starts without a complete plan).
        """
        taken = taken.copy()
        used, busy = self._occupied(taken)
        added: list[int] = []
        for cover in self.access.coverage:
            row, pair_open, weight, k = cover.row, cover.pair_open, cover.weight, cover.options
            opened = np.zeros(self.mip.n_vars)
            np.add.at(opened, cover.opening, taken[k])
            covered = np.zeros(weight.size, dtype=bool)
            covered[row[opened[pair_open] > 0.5]] = True
            short = cover.need - float(weight[covered].sum())
            if short <= 1e-6:
                continue
            # the cheapest option that opens each open var (and may be taken)
            order = np.lexsort((k, self.options.cost[k]))
            order = order[self._fits(k[order], used, busy)]
            choice: dict[int, int] = {}
            for ov, kk in zip(cover.opening[order].tolist(), k[order].tolist(), strict=True):
                choice.setdefault(ov, kk)
            while short > 1e-6 and choice:
                gain = np.bincount(pair_open, weights=weight[row] * ~covered[row],
                                   minlength=self.mip.n_vars)
                cand = np.array(sorted(choice), dtype=np.int64)
                score = gain[cand] / np.maximum(self.options.cost[[choice[c] for c in cand]], 1.0)
                best = int(cand[np.argmax(score)])
                if gain[best] <= 0:
                    break
                kk = choice.pop(best)
                self._take(kk, taken, used, busy)
                added.append(kk)
                covered[row[pair_open == best]] = True
                short = cover.need - float(weight[covered].sum())
                choice = {c: o for c, o in choice.items() if self._fits(o, used, busy)}
            if short > 1e-6:
                return np.zeros(0, dtype=np.int64)
        return np.array(added, dtype=np.int64)

    def polish(self, values: np.ndarray) -> np.ndarray:
        """Return a solution with every saving it is entitled to.

        An office gets the shared-premises saving where an office ranked above it is open at
        its site.

        A solver stopped by its time limit may leave ``w`` below what the chosen options
        allow; raising it keeps every row satisfied and lowers the cost, and makes the
        plan's files and its objective agree.
        """
        v = values.copy()
        y = v[self.options.y] > 0.5
        w_row, above_k = self.shared.above
        has_above = np.bincount(w_row[y[above_k]], minlength=self.shared.option.size) > 0
        v[self.shared.w] = (has_above & y[self.shared.option]).astype(float)
        return v
