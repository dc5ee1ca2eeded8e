"""The co-location model: which organisation offers which mode of service at which site.

One mixed-integer model (SCIP through OR-Tools, or HiGHS: ``solver.engine``) over
organisations x candidate sites x options (``office``; ``popup`` at a days-per-month level;
``remote``), with keep/close decisions for existing offices, shared premises, assignment of
every demand point's visits, capacities, access standards, leases and budgets.

The solve starts from a complete feasible plan (today's network repaired, or the linear
relaxation rounded, whichever is cheaper), improves it by RINS, then searches the whole
model for the rest of the time; see :func:`solved_plan`.

Notation (all costs in euros per year)::

    y[k]       option k = (org o, site s, mode, days) is taken             binary
    w[o,s]     o's office at s gets the shared-premises saving             [0, 1]
    x[i,o,s]   share of i's visits for o served in person at s             [0, 1]
    q[i,o,s]   share of i's visits for o served at a remote point at s     [0, r[i,o]]
    u[i,o]     share of i's visits for o with no option in the cut-off     [0, 1]
    cov[i,o,j] demand point i counts as covered by standard j             [0, 1]

    min  sum_k c_k y_k + sum_e close_e (1 - y_keep(e)) - sum save_o w[o,s]
         + VOT/60 * sum v[i,o] t[i,s] (x + q) + sum v[i,o] unserved_eur u
    s.t. sum_{k at (o,s)} y_k <= 1                      one mode per organisation and site
         sum_s x + sum_s q + u = 1,  sum_s q <= r[i,o]  every visit goes somewhere
         x[i,o,s] <= sum_{in-person k at (o,s)} min(1, cap_k / v[i,o]) y_k
                                                        only to open options, within capacity
         q[i,o,s] <= y_remote(o,s)
         sum_i v x[i,o,s] <= sum_k cap_k y_k            capacity (visits per year)
         sum_k desks_k y_k <= spare_desks[s]            host's spare desks
         w[o,s] <= y_office(o,s),  w[o,s] <= sum_{offices k at s ranked above o's} y_k
                                     (the largest office's shared services serve the others)
         cov[i,o,j] <= sum_{eligible k within T_j of i} y_k;
         sum_{i in area} pop_i cov >= share_j sum_{i in area} pop_i      access standard
         y_keep(e) = 1 when e's lease ends after the horizon
         org's annual cost <= budget_o
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from planner import progress
from planner.costing import pricing
from planner.errors import InfeasibleError
from planner.mip import MIPResult, SparseMIP
from planner.model.assemble import plan_of
from planner.model.nosolution import no_plan_error
from planner.model.parts import (
    Access,
    Assignment,
    Channel,
    Cover,
    MovedStaff,
    Options,
    OrgCosts,
    SharedPremises,
)
from planner.model.sparse import expand, group, keep_nearest, ranks, rows_of
from planner.model.start import StartingPlan
from planner.plan import Plan
from planner.problem import costs
from planner.problem.build import AreaStandard, Problem, eligible, expand_standards

_EPS = 1e-6
#: Share of the time left after the starting plan that goes to improving it (RINS).
RINS_SHARE = 0.5
#: Name of each ``solver.engine`` in a plan's metadata.
ENGINES = {"scip": "OR-Tools SCIP", "highs": "HiGHS"}
#: Price (EUR/year) of missing a whole standard in the explanation model.
_SLACK_EUR = 1e9


def max_coverage(problem: Problem, st: AreaStandard) -> float:
    """Return the share of the standard's residents reachable if every eligible option were open."""
    opts = problem.options
    ok_sites = set(opts.loc[(opts["org"] == st.org) & eligible(opts, st.min_popup_days), "site"])
    t = problem.times
    near = t[(t["minutes"] <= st.minutes) & t["destination"].isin(ok_sites)]["origin"].unique()
    pop = problem.demand["population"].to_numpy(dtype=float)
    total = pop[st.demand].sum()
    return float(pop[np.intersect1d(st.demand, near)].sum() / total) if total > 0 else 1.0


class Model(StartingPlan):
    """The co-location MIP of a problem, built from numpy blocks (see the module docstring).

    :func:`solved_plan` is the way to a plan; the class is public for what lies between, such as
    benchmarks that count its variables and tests that check one stage by hand. Its parts
    are named records (:mod:`planner.model.parts`): ``options`` (the variables ``y`` per
    option), ``shared`` (``w``), ``moved`` (``m``), ``assignment`` (``x``/``q``/``u`` with
    their demand point, organisation and site), ``access`` (the standards' coverage) and
    ``costs`` (each organisation's cost); beside them the problem ``p``, the ``mip`` and
    the starting plan's state (``lp_bound``, ``lp_y``, ``start``). :meth:`warm_start`,
    :meth:`repair`, :meth:`complete`, :meth:`improve`
    (:class:`planner.model.start.StartingPlan`) and :meth:`solve`, which returns the
    solver's result.

    Parameters
    ----------
    problem : Problem
    budgets : bool
        With the organisations' budget rows (``False`` drops them).
    slack : bool
        Add a priced shortfall per standard (used to explain infeasibility).
    equity : {"off", "stage1"}
        ``"stage1"`` replaces the objective by the worst area's share of every standard
        marked ``maximise_worst`` (maximised).
    floors : dict, optional
        Each such (scenario standard, organisation)'s best worst share, kept as a lower
        bound on every area's share while cost is minimised.
    prices : dict, optional
        Organisation -> Lagrangian price of its budget: each euro of that organisation's
        own costs weighs ``1 + price`` in the objective.
    """

    def __init__(self, problem: Problem, *, budgets: bool = True, slack: bool = False,
                 equity: str = "off", floors: dict[tuple[int, str], float] | None = None,
                 prices: dict[str, float] | None = None) -> None:
        self.p = problem
        self.mip = SparseMIP()
        #: value of the linear relaxation, once solved (a bound on the optimum), and its
        #: options' values
        self.lp_bound = -math.inf
        self.lp_y: np.ndarray | None = None
        #: the starting plan (all variables), once found
        self.start: np.ndarray | None = None
        self.options, self.costs = self._options(prices)
        self._one_mode_per_site()
        self.shared = self._shared_premises()
        self.moved = self._staff(self._host_desks())
        self._hosts_and_bases()
        self.assignment = self._assignment()
        self.access = self._standards(slack, equity, floors)
        if budgets:
            self._budgets()
        if equity == "stage1":
            self.mip.set_objective(np.array(list(self.access.worst.values()), dtype=np.int64),
                                   1.0)
            self.mip.maximize = True

    # ------------------------------------------------------------------ the model's parts
    def _org_pos(self) -> dict[str, int]:
        """Return each organisation's position."""
        return {o: i for i, o in enumerate(self.p.orgs)}

    def _options(self, prices: dict[str, float] | None) -> tuple[Options, OrgCosts]:
        """Add the option variables y; return them and each organisation's costs.

        y[k] per option, the closing cost of existing offices moved onto "keep"; each
        organisation's constant costs (closings, staff) and its cost terms (budgets).

        ``prices`` (organisation -> Lagrangian price of its budget, decomposition): each
        euro of that organisation's cost counts ``1 + price``.
        """
        p, mip = self.p, self.mip
        sc = p.scenario
        opts = p.options.reset_index(drop=True)
        n_s = len(p.sites)
        org_pos = self._org_pos()
        ok = opts["org"].map(org_pos).to_numpy(dtype=np.int64)
        osite = opts["site"].to_numpy(dtype=np.int64)
        mode = opts["mode"].to_numpy(dtype=object)
        kk = np.arange(len(opts), dtype=np.int64)
        ex = costs.with_cost_lines(p.existing)
        close = np.array([costs.closing_cost(sc) + costs.termination_cost(
            sc, str(e.lease_end), float(e.premises_eur)) for e in ex.itertuples()])
        obj = opts["cost_eur"].to_numpy(dtype=float).copy()
        lb = np.zeros(len(opts))
        keep_of = {(o, int(s)): k for k, o, s in
                   zip(kk, opts["org"], osite, strict=True) if opts.at[k, "keep"]}
        keep_k = np.array([keep_of[(e.org, int(e.site))] for e in ex.itertuples()],
                          dtype=np.int64)
        np.subtract.at(obj, keep_k, close)
        lb[keep_k[ex["must_keep"].to_numpy(dtype=bool)]] = 1.0
        ub = np.ones(len(opts))
        if "lock" in opts.columns:  # choices locked by the planner (planner.model.locks)
            lock = opts["lock"].to_numpy(dtype=float)
            lb[lock == 1] = 1.0
            ub[lock == 0] = 0.0
        mult = np.array([1.0 + (prices or {}).get(o, 0.0) for o in p.orgs])
        ex_org = ex["org"].map(org_pos).to_numpy(dtype=np.int64)
        mip.offset = float((close * mult[ex_org]).sum())
        y = mip.add_vars(len(opts), lb=lb, ub=ub, obj=obj * mult[ok], integer=True)
        fte = pricing.plan_fte(p, ex)
        #: staff cost of each organisation: the same in every plan, so outside the
        #: objective (the gap is on what the plan changes), inside its budget
        staff_eur = {o: costs.staff_cost(sc, o, fte[o]) for o in p.orgs}
        options = Options(
            table=opts, y=y, org=ok, site=osite, mode=mode,
            in_person=opts["in_person"].to_numpy(dtype=bool), pair=ok * n_s + osite,
            keep=keep_k, office=np.flatnonzero(mode == "office"),
            cost=opts["cost_eur"].to_numpy(dtype=float),
            desks=opts["host_desks"].to_numpy(dtype=float),
            spare=p.sites["spare_desks"].to_numpy(dtype=float), existing=ex, lower=lb, upper=ub)
        org_costs = OrgCosts(
            terms={o: [(y[ok == i], obj[ok == i])] for i, o in enumerate(p.orgs)},
            const={o: float(close[ex_org == i].sum()) + staff_eur[o]
                   for i, o in enumerate(p.orgs)},
            staff_eur=staff_eur, fte=fte, mult=mult)
        return options, org_costs

    def _one_mode_per_site(self) -> None:
        """sum_{k at (o, s)} y_k <= 1."""
        o = self.options
        n_g = len(self.p.orgs) * o.n_sites
        many = np.flatnonzero(np.bincount(o.pair, minlength=n_g) > 1)
        sel = np.isin(o.pair, many)
        _, row = rows_of(o.pair[sel])
        self.mip.add_rows(many.size, row, o.y[sel], 1.0, ub=1.0)

    def _shared_premises(self) -> SharedPremises:
        """Add the shared-premises saving variables w and their rows; return them.

        w[o,s]: o's office at s gets the shared-premises saving, which it does when an
        office of another organisation that ranks above it is at s (:func:`pricing.
        saving_rank`: larger shared services first): the shared services of the largest
        office serve the others, each of which saves ``shared_saving_share`` of its own.

        Rows ``w <= y_office(o,s)`` and ``w <= sum_{offices k above o at s} y_k``; a site's
        saving is thus ``share * (sum of its offices' shared services - the largest)``
        (pop-ups and remote points share no running costs).
        """
        mip, opt = self.mip, self.options
        n_s, ok, osite = opt.n_sites, opt.org, opt.site
        office = opt.office
        save = opt.table["saving_eur"].to_numpy(dtype=float)
        rank = pricing.saving_rank(save[office], ok[office])
        at = group(osite[office], np.arange(office.size, dtype=np.int64), n_s)
        entry, other = expand(*at, osite[office])
        above = (rank[other] < rank[entry]) & (ok[office][other] != ok[office][entry])
        entry, other = entry[above], other[above]
        has = np.unique(entry)
        w_k = office[has]
        w = mip.add_vars(w_k.size, obj=-save[w_k] * self.costs.mult[ok[w_k]])
        ar = np.arange(w_k.size)
        mip.add_rows(w_k.size, np.concatenate([ar, ar]), np.concatenate([w, opt.y[w_k]]),
                     np.concatenate([np.ones(w_k.size), -np.ones(w_k.size)]), ub=0.0)
        wpos = np.full(office.size, -1, dtype=np.int64)
        wpos[has] = ar
        mip.add_rows(w_k.size, np.concatenate([ar, wpos[entry]]),
                     np.concatenate([w, opt.y[office[other]]]),
                     np.concatenate([np.ones(w_k.size), -np.ones(entry.size)]), ub=0.0)
        for i, o in enumerate(self.p.orgs):
            mine = ok[w_k] == i
            self.costs.terms[o].append((w[mine], -save[w_k][mine]))
        # for each w, the office options above it (polish)
        return SharedPremises(w=w, option=w_k, above=(wpos[entry], office[other]))

    def _host_desks(self) -> np.ndarray:
        """Add the host desk rows: the options take at most the host's spare desks.

        sum_k desks_k y_k (+ staff moved in, :meth:`_staff`) <= spare desks of the host,
        one row per site where the options could exceed them. Returns the row of each
        site (-1 where there is none).
        """
        opt = self.options
        desks, spare, n_s = opt.desks, opt.spare, opt.n_sites
        need = np.bincount(opt.site, weights=desks, minlength=n_s)
        tight = np.flatnonzero(need > spare)
        sel = (desks > 0) & np.isin(opt.site, tight)
        desk_row = np.full(n_s, -1, dtype=np.int64)  # global row per tight site
        rpos = np.full(n_s, -1, dtype=np.int64)
        rpos[tight] = np.arange(tight.size)
        rows = self.mip.add_rows(tight.size, rpos[opt.site[sel]], opt.y[sel], desks[sel],
                                 ub=spare[tight])
        desk_row[tight] = rows
        return desk_row

    def _staff(self, desk_row: np.ndarray) -> MovedStaff:
        """Add the moved staff's desks m and each organisation's staff rows; return them.

        Staff carry over: each organisation's staff need desks at its offices in the
        plan. ``m[o, s]`` are the host's spare desks that o's moved staff take at a site
        where o has an office option (at most the spare desks, only if the office is
        taken; at the host's rent where the host has no office of its own there, else at
        no extra cost: the space is on the premises line of o's or the host's office):

            sum_{office k of o} desks_k y_k + sum_s m[o, s] >= FTE_o x desks per FTE
            m[o, s] <= spare[s] y_office(o, s);  m[o, s] counts in the site's desk row

        where desks_k is an existing office's own desks or a new office's
        ``desks_per_office``. The moved staff also serve visits (capacity rows).
        ``desk_row`` is each site's desk row (:meth:`_host_desks`), filled in here.
        """
        p, mip, sc, opt = self.p, self.mip, self.p.scenario, self.options
        ok, osite, spare, y = opt.org, opt.site, opt.spare, opt.y
        own_site = {(e.org, int(e.site)): float(e.desks) for e in opt.existing.itertuples()}
        office = opt.office
        need = {o: self.costs.fte[o] * sc.organisations[o].staff_desks_per_fte
                for o in p.orgs}
        base = np.array([own_site.get((p.orgs[ok[k]], int(osite[k])),
                                      float(sc.organisations[p.orgs[ok[k]]]
                                            .desks_per_office)) for k in office])
        room = spare[osite[office]]
        has = np.array([need[p.orgs[ok[k]]] > 1e-9 for k in office], dtype=bool)
        mk = office[has & (room > 0)]
        rent = p.sites["rent_eur_m2_year"].to_numpy(dtype=float)
        in_host = costs.host_premises(p.sites, opt.existing)
        own = np.array([(p.orgs[ok[k]], int(osite[k])) in own_site
                        or in_host[osite[k]] for k in mk], dtype=bool)
        price = np.where(own, 0.0, sc.costs.desk_m2 * rent[osite[mk]])
        m = mip.add_vars(mk.size, ub=spare[osite[mk]], obj=price * self.costs.mult[ok[mk]])
        for i, o in enumerate(p.orgs):
            mine = ok[mk] == i
            self.costs.terms[o].append((m[mine], price[mine]))
        ar = np.arange(mk.size)
        mip.add_rows(mk.size, np.concatenate([ar, ar]), np.concatenate([m, y[mk]]),
                     np.concatenate([np.ones(mk.size), -spare[osite[mk]]]), ub=0.0)
        # the site's desk row holds the moved staff too
        s_m = osite[mk]
        missing = np.unique(s_m[desk_row[s_m] < 0])
        if missing.size:
            rows = mip.add_rows(missing.size, np.zeros(0, dtype=np.int64),
                                np.zeros(0, dtype=np.int64), 0.0, ub=spare[missing])
            desk_row[missing] = rows
            sel = (opt.desks > 0) & np.isin(osite, missing)
            mip.add_terms(desk_row[osite[sel]], y[sel], opt.desks[sel])
        mip.add_terms(desk_row[s_m], m, 1.0)
        for i, o in enumerate(p.orgs):
            if need[o] <= 1e-9:
                continue
            ko = office[ok[office] == i]
            mo = m[ok[mk] == i]
            b = base[ok[office] == i]
            mip.add_rows(1, np.zeros(ko.size + mo.size, dtype=np.int64),
                         np.concatenate([y[ko], mo]),
                         np.concatenate([b, np.ones(mo.size)]), lb=need[o] - 1e-6)
        return MovedStaff(m=m, option=mk)

    def _hosts_and_bases(self) -> None:
        """Add the rows of hosts that close and of organisations' staffed bases.

        A site whose host closes its office there hosts nobody: every other
        organisation's option at the site is at most the host's keep. Each organisation
        keeps ``min_staffed_sites`` offices; its pop-ups and remote points need one (their
        staffed base): y_k <= b_o <= sum of o's offices.
        """
        p, mip, opt = self.p, self.mip, self.options
        y, ok, office = opt.y, opt.org, opt.office
        ex = opt.existing
        ex_site = ex["site"].to_numpy(dtype=np.int64)
        ex_org = ex["org"].map(self._org_pos()).to_numpy(dtype=np.int64)
        # every (option, existing office at its site) pair of different organisations
        k, e = expand(*group(ex_site, np.arange(ex_site.size), opt.n_sites), opt.site)
        guest = ok[k] != ex_org[e]
        k, e = k[guest], e[guest]
        ar = np.arange(k.size)
        mip.add_rows(k.size, np.concatenate([ar, ar]),
                     np.concatenate([y[k], y[opt.keep[e]]]),
                     np.concatenate([np.ones(k.size), -np.ones(k.size)]), ub=0.0)
        sc = p.scenario
        visits = np.asarray(p.visits, dtype=float)
        for i, o in enumerate(p.orgs):
            ko = office[ok[office] == i]
            least = sc.organisations[o].min_staffed_sites
            if least > 0 and visits[:, i].sum() > 0 and ko.size:
                mip.add_rows(1, np.zeros(ko.size, dtype=np.int64), y[ko], 1.0,
                             lb=float(min(least, ko.size)))
                continue  # the base rows follow from it
            served = np.flatnonzero((ok == i) & (opt.mode != "office"))
            if not served.size:
                continue
            b = mip.add_vars(1)
            mip.add_rows(1, np.zeros(ko.size + 1, dtype=np.int64),
                         np.concatenate([b, y[ko]]),
                         np.concatenate([[1.0], -np.ones(ko.size)]), ub=0.0)
            ar = np.arange(served.size)
            mip.add_rows(served.size, np.concatenate([ar, ar]),
                         np.concatenate([y[served], np.full(served.size, b[0])]),
                         np.concatenate([np.ones(served.size), -np.ones(served.size)]), ub=0.0)

    def _times(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the travel times' demand points, sites and minutes."""
        t = self.p.times
        return (t["origin"].to_numpy(dtype=np.int64), t["destination"].to_numpy(dtype=np.int64),
                t["minutes"].to_numpy(dtype=float))

    def _today(self) -> np.ndarray:
        """Return whether each (organisation, site) pair has one of today's offices."""
        opt = self.options
        is_today = np.zeros(len(self.p.orgs) * opt.n_sites, dtype=bool)
        is_today[opt.pair[opt.keep]] = True
        return is_today

    def _assignment(self) -> Assignment:
        """Add the assignment of visits and its rows; return its variables.

        x (in person), q (remote point), u (unserved): every visit goes somewhere, only
        to options taken, within their capacity (visits a year).
        """
        p, mip, sc, opt = self.p, self.mip, self.p.scenario, self.options
        n_s, n_o = opt.n_sites, len(self.p.orgs)
        osite, ok, mode, in_person, y = opt.site, opt.org, opt.mode, opt.in_person, opt.y
        kk = np.arange(len(opt.table), dtype=np.int64)
        gkey = opt.pair
        n_g = n_o * n_s
        vot = sc.costs.value_of_time_eur_per_hour / 60.0
        t_i, t_s, t_m = self._times()
        visits = np.asarray(p.visits, dtype=float)
        rshare = np.asarray(p.remote_share, dtype=float)
        ip_ptr, ip_items = group(gkey[in_person], kk[in_person], n_g)
        rm_k = np.full(n_g, -1, dtype=np.int64)
        rm_k[gkey[mode == "remote"]] = kk[mode == "remote"]
        has_ip = np.diff(ip_ptr) > 0
        cap = opt.table["capacity_visits"].to_numpy(dtype=float)

        def pairs(ok_mask: np.ndarray) -> tuple[np.ndarray, ...]:
            parts = [(t_i[m], np.full(m.sum(), o), t_s[m], t_m[m]) for o in range(n_o)
                     if (m := ok_mask(o)).any()]
            if not parts:
                z = np.zeros(0, dtype=np.int64)
                return z, z, z, np.zeros(0)
            return tuple(np.concatenate(c) for c in zip(*parts, strict=True))

        near = sc.solver.assign_nearest
        is_today = self._today()
        xi, xo, xs, xm = pairs(lambda o: has_ip[o * n_s + t_s] & (visits[t_i, o] > 0))
        xi, xo, xs, xm = keep_nearest(xi, xo, xs, xm, near, n_o, is_today[xo * n_s + xs])
        qi, qo, qs, qm = pairs(lambda o: (rm_k[o * n_s + t_s] >= 0) & (visits[t_i, o] > 0)
                               & (rshare[t_i, o] > _EPS))
        qi, qo, qs, qm = keep_nearest(qi, qo, qs, qm, near, n_o, np.zeros(qi.size, dtype=bool))
        x = mip.add_vars(xi.size, ub=1.0, obj=vot * visits[xi, xo] * xm)
        q = mip.add_vars(qi.size, ub=rshare[qi, qo], obj=vot * visits[qi, qo] * qm)
        ui, uo = np.nonzero(visits > 0)
        ui, uo = ui.astype(np.int64), uo.astype(np.int64)
        penalty = sc.costs.unserved_eur_per_visit
        u = mip.add_vars(ui.size, ub=1.0, obj=visits[ui, uo] * penalty)
        # x <= the in-person options of (o, s); q <= the remote point of (o, s)
        # (strengthened: one option cannot take more of a point's visits than its capacity,
        # x <= sum_k min(1, cap_k / v) y_k, which tightens the relaxation for large cells)
        # moved staff (m[o, s], :meth:`_staff`) serve visits too: where o's office could
        # take them, one option's reach counts the host's spare desks as well
        m_k, m = self.moved.option, self.moved.m
        vpd = np.array([sc.organisations[o].visits_per_desk_year for o in p.orgs])
        m_cap = np.zeros(n_g)
        m_cap[gkey[m_k]] = opt.spare[osite[m_k]] * vpd[ok[m_k]]
        entry, k = expand(ip_ptr, ip_items, xo * n_s + xs)
        reach = np.minimum(1.0, (cap[k] + np.where(mode[k] == "office", m_cap[gkey[k]], 0.0))
                           / visits[xi[entry], xo[entry]])
        mip.add_rows(xi.size, np.concatenate([np.arange(xi.size), entry]),
                     np.concatenate([x, y[k]]),
                     np.concatenate([np.ones(xi.size), -reach]), ub=0.0)
        ar = np.arange(qi.size)
        mip.add_rows(qi.size, np.concatenate([ar, ar]),
                     np.concatenate([q, y[rm_k[qo * n_s + qs]]]),
                     np.concatenate([np.ones(qi.size), -np.ones(qi.size)]), ub=0.0)
        # every visit goes somewhere; at most the remote-suited share to remote points
        upos = np.full(len(p.demand) * n_o, -1, dtype=np.int64)
        upos[ui * n_o + uo] = np.arange(ui.size)
        mip.add_rows(ui.size, np.concatenate([upos[xi * n_o + xo], upos[qi * n_o + qo],
                                              np.arange(ui.size)]),
                     np.concatenate([x, q, u]), 1.0, lb=1.0, ub=1.0)
        q_rows, row = rows_of(qi * n_o + qo)
        several = np.bincount(row, minlength=q_rows.size) > 1
        sel = several[row]
        sub, row2 = rows_of(row[sel])
        mip.add_rows(sub.size, row2, q[sel], 1.0,
                     ub=rshare[q_rows[sub] // n_o, q_rows[sub] % n_o])
        # capacities (visits per year) of the options taken
        g_rows, row = rows_of(xo * n_s + xs)
        entry, k = expand(ip_ptr, ip_items, g_rows)
        rows = mip.add_rows(g_rows.size, np.concatenate([row, entry]),
                            np.concatenate([x, y[k]]),
                            np.concatenate([visits[xi, xo], -cap[k]]), ub=0.0)
        m_pos = np.searchsorted(g_rows, gkey[m_k])
        hit = (m_pos < g_rows.size) & (g_rows[np.minimum(m_pos, g_rows.size - 1)]
                                       == gkey[m_k])
        mip.add_terms(rows[m_pos[hit]], m[hit], -vpd[ok[m_k[hit]]])
        g_rows, row = rows_of(qo * n_s + qs)
        k = rm_k[g_rows]
        mip.add_rows(g_rows.size, np.concatenate([row, np.arange(g_rows.size)]),
                     np.concatenate([q, y[k]]),
                     np.concatenate([visits[qi, qo], -cap[k]]), ub=0.0)
        return Assignment(in_person=Channel(x, xi, xo, xs, xm),
                          remote=Channel(q, qi, qo, qs, qm),
                          unserved=u, unserved_point=ui, unserved_org=uo)

    def _standards(self, slack: bool, equity: str,
                   floors: dict[tuple[int, str], float] | None) -> Access:
        """Add the access standards' coverage variables and rows; return them.

        Access standards: cov[i, o, j] <= open options within T_j of i; the residents
        covered reach the standard's share of the area's residents.
        """
        p, mip, opt = self.p, self.mip, self.options
        opts, n_s, n_d = opt.table, opt.n_sites, len(self.p.demand)
        osite, ok, org_pos = opt.site, opt.org, self._org_pos()
        t_i, t_s, t_m = self._times()
        is_today = self._today()
        standards = expand_standards(p)
        short: dict[int, tuple[int, float]] = {}
        worst: dict[tuple[int, str], int] = {}
        pop = p.demand["population"].to_numpy(dtype=float)
        # open[s] = the eligible options taken at s, one variable per (organisation, least
        # pop-up days), so that a coverage row has one term per site within reach
        opened: dict[tuple[int, int], np.ndarray] = {}
        # per standard, what :meth:`repair` needs to meet it
        coverage: list[Cover] = []
        #: per (organisation, least days): each eligible option and its open[s] variable
        terms: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        # with a sparse cut-off, coverage counts each point's 2K nearest eligible sites
        # within the minutes and today's offices there: conservative (a plan the model
        # calls covered is covered), and today's network keeps the coverage it has
        k_near = p.scenario.solver.assign_nearest
        near_cover = 2 * k_near if k_near is not None else None
        for j, st in enumerate(standards):
            key_e = (org_pos[st.org], st.min_popup_days)
            if key_e not in opened:
                elig = (eligible(opts, st.min_popup_days).to_numpy(dtype=bool)
                        & (ok == key_e[0]))
                at = np.unique(osite[elig])
                var = mip.add_vars(at.size, ub=1.0)
                spos = np.full(n_s, -1, dtype=np.int64)
                spos[at] = np.arange(at.size)
                mip.add_rows(at.size, np.concatenate([np.arange(at.size), spos[osite[elig]]]),
                             np.concatenate([var, opt.y[elig]]),
                             np.concatenate([np.ones(at.size), -np.ones(elig.sum())]),
                             lb=0.0, ub=0.0)
                terms[key_e] = (np.flatnonzero(elig), var[spos[osite[elig]]])
                opened[key_e] = np.full(n_s, -1, dtype=np.int64)
                opened[key_e][at] = var
            open_var = opened[key_e]
            in_area = np.zeros(n_d, dtype=bool)
            in_area[st.demand] = True
            near = ((t_m <= st.minutes) & in_area[t_i] & (pop[t_i] > 0)
                    & (open_var[t_s] >= 0))
            if near_cover is not None:  # through its nearest sites and today's offices
                sub = np.flatnonzero(near)
                far = ranks(t_i[sub], t_m[sub], t_s[sub]) >= near_cover
                near[sub[far & ~is_today[org_pos[st.org] * n_s + t_s[sub]]]] = False
            cov_i, row = rows_of(t_i[near])
            cov = mip.add_vars(cov_i.size, ub=1.0)
            mip.add_rows(cov_i.size, np.concatenate([np.arange(cov_i.size), row]),
                         np.concatenate([cov, open_var[t_s[near]]]),
                         np.concatenate([np.ones(cov_i.size), -np.ones(row.size)]), ub=0.0)
            total = float(pop[st.demand].sum())
            need_j = st.share * total
            coverage.append(Cover(row, open_var[t_s[near]], pop[cov_i], need_j,
                                        *terms[key_e]))
            cols, coef = [cov], [pop[cov_i]]
            if st.maximise_worst and total > 0:
                key = (st.row, st.org)
                if equity == "stage1":
                    if key not in worst:
                        worst[key] = int(mip.add_vars(1)[0])
                    mip.add_rows(1, np.zeros(cov_i.size + 1), np.append(cov, worst[key]),
                                 np.append(pop[cov_i], -total), lb=0.0)
                elif floors and key in floors:
                    mip.add_rows(1, np.zeros(cov_i.size), cov, pop[cov_i],
                                 lb=total * floors[key] - 1e-6 * total)
            if slack:  # how far short of the standard, priced far above any cost
                gap = mip.add_vars(1, ub=max(need_j, 0.0), obj=_SLACK_EUR / max(need_j, 1.0))
                short[j] = (int(gap[0]), need_j)
                cols.append(gap)
                coef.append(np.ones(1))
            c = np.concatenate(cols)
            mip.add_rows(1, np.zeros(c.size), c, np.concatenate(coef), lb=need_j - 1e-6)
        return Access(standards=standards, coverage=coverage, short=short, worst=worst)


    def _budgets(self) -> None:
        """Add the budget rows: an organisation's annual cost (staff, closings too) <= budget."""
        sc = self.p.scenario
        mip = self.mip
        for o, terms in self.costs.terms.items():
            b = sc.organisations[o].budget_eur_year
            if b is not None:
                cols = np.concatenate([t[0] for t in terms])
                mip.add_rows(1, np.zeros(cols.size), cols,
                             np.concatenate([t[1] for t in terms]),
                             ub=b - self.costs.const[o])

    def solve(self, time_limit: float | None = None) -> MIPResult:
        """Solve with the scenario's engine, gap and seed.

        The solve runs for ``time_limit`` seconds (the scenario's by default); the bound is
        at least the relaxation's, when known.
        """
        sc = self.p.scenario.solver
        res = self.mip.solve(solver=sc.engine.upper(), seed=sc.seed,
                             time_limit=sc.time_limit_s if time_limit is None else time_limit,
                             relative_gap=sc.relative_gap)
        if res.values is not None and not self.mip.maximize:
            res.bound = min(max(res.bound, self.lp_bound), res.objective)
        return res


def _status_name(res: MIPResult, limit: float) -> str:
    """Return the status of a solve.

    ``optimal``, ``feasible`` (stopped at the requested gap), ``time_limit``,
    ``infeasible`` or ``error`` (no plan found in time).
    """
    if res.infeasible:
        return "infeasible"
    if res.values is None:
        return "error"
    gap = abs(res.objective - res.bound) / max(abs(res.objective), 1e-9)
    if gap <= 1e-6:
        return "optimal"
    return "time_limit" if res.seconds >= 0.99 * limit else "feasible"


def explain_infeasible(problem: Problem) -> str:
    """Say why the scenario's policies cannot all hold.

    Checks, in order: standards no set of candidate sites can meet even alone; then
    solves the model with a slack per standard (budgets off) and reports the standards
    still short in the closest plan, with their best share and shortfall (they compete
    for hosts' spare desks); otherwise budgets below the cheapest plan meeting them all.
    """
    reasons = []
    for st in expand_standards(problem):
        best = max_coverage(problem, st)
        if best + 1e-9 < st.share:
            reasons.append(f"{st.label()} is impossible: even with every candidate site open "
                           f"only {best:.1%} are that close; lower the share, raise the "
                           "minutes or add candidate sites")
    if reasons:
        return "; ".join(reasons)
    # Each standard holds alone: find the plan closest to meeting them all (slack per
    # standard, budgets off). Shortfalls mean they compete for hosts' desks; none means
    # the budgets are what cannot hold.
    m = Model(problem, budgets=False, slack=True)
    res = m.solve()
    if res.values is None:
        return ("no plan was found within the time limit to explain why; raise "
                "solver.time_limit_s")
    pop = problem.demand["population"].to_numpy(dtype=float)
    for j, (short, need) in sorted(m.access.short.items()):
        gap = float(res.values[short])
        if gap > 1e-6 * max(need, 1.0):
            st = m.access.standards[j]
            total = float(pop[st.demand].sum())
            reasons.append(f"{st.label()} reaches at best {(need - gap) / total:.1%} "
                           f"(short by {gap:,.0f} residents)")
    if reasons:
        return ("the access standards compete for the hosts' spare desks and cannot all "
                "hold; in the closest plan " + "; ".join(reasons)
                + "; relax a standard or add spare desks")
    for o, cost in m.costs.of(res.values).items():
        b = problem.scenario.organisations[o].budget_eur_year
        if b is not None and cost > b + 1e-6:
            reasons.append(f"{o}: the cheapest plan found that meets the standards costs "
                           f"{cost:,.0f} EUR/year, above its budget of {b:,.0f}; raise "
                           "the budget or relax the standards")
    if reasons:
        return "; ".join(reasons)
    return ("the standards and budgets hold one by one but not together; relax a standard "
            "or raise a budget")


def stage_report(lp_bound: float, start: float, rins: float, final: float,
                 bound: float) -> dict[str, float]:
    """Return what each stage of a solve did.

    What each stage of a solve did: the relaxation's bound, the starting plan's cost
    (today's network repaired or the relaxation rounded, whichever is cheaper), the cost
    after RINS, the final plan and bound, and the share of the first gap (starting plan
    against the relaxation) that each closed: ``rins_share`` and ``search_share`` from
    above (better plans), ``bound_share`` from below (the search's bound over the
    relaxation's); ``open_share`` is what is left (they add up to 1).
    """
    finite = [v for v in (start, rins) if math.isfinite(v)]
    top = max([*finite, final])
    lp = lp_bound if math.isfinite(lp_bound) else bound
    first = top - lp
    rins_v = rins if math.isfinite(rins) else top
    out = {"lp_bound": round(lp, 2), "start": round(start if math.isfinite(start) else top, 2),
           "rins": round(rins_v, 2), "final": round(final, 2), "bound": round(bound, 2)}
    parts = {"rins_share": top - rins_v, "search_share": rins_v - final,
             "bound_share": bound - lp, "open_share": final - bound}
    tight = first <= 1e-6 * max(abs(top), 1.0)  # the relaxation was the optimum: no gap
    out.update({k: 0.0 if tight else round(max(v, 0.0) / first, 4) for k, v in parts.items()})
    return out


def solved_plan(problem: Problem, name: str = "optimised",
          prices: dict[str, float] | None = None) -> Plan:
    """Solve the co-location model and return the optimised plan.

    Parameters
    ----------
    problem : Problem
        From ``planner.problem.build.build_problem``.
    name : str
        Name of the plan.
    prices : dict, optional
        Lagrangian prices of the organisations' budgets (see ``planner.model.decompose``); the
        objective and bound in ``meta`` then include them.

    Returns
    -------
    Plan
        Decisions and assignment; ``meta`` holds ``status`` (``optimal``: proven;
        ``feasible``: proven within ``solver.relative_gap``, a deterministic stop;
        ``time_limit``: the wall-clock limit was reached, so the plan may differ from run
        to run), ``objective`` and ``bound`` (EUR/year), ``gap`` and ``seconds``.

    Raises
    ------
    InfeasibleError
        When the policies cannot all hold; the message says which ones and why.
    """
    floors = None
    if any(st.maximise_worst for st in problem.scenario.standards):
        first = Model(problem, equity="stage1")
        res1 = first.solve()
        if res1.values is not None:
            floors = {k: float(res1.values[v]) for k, v in first.access.worst.items()}
    full = problem.scenario.solver.time_limit_s
    with progress.solving(full):
        start = time.perf_counter()
        m = Model(problem, floors=floors, prices=prices)
        m.warm_start()
        first_cost = m.mip.objective_of(m.start) if m.start is not None else math.inf
        progress.found(first_cost if m.start is not None else None, m.lp_bound)
        # the starting plan's time counts against the limit (at least a tenth is left);
        # RINS_SHARE of what is left improves it, the rest goes to the whole model (its
        # bound)

        def left() -> float:
            return max(full - (time.perf_counter() - start), 0.1 * full)

        m.improve(RINS_SHARE * left())
        rins_cost = m.mip.objective_of(m.start) if m.start is not None else math.inf
        if m.start is not None:
            progress.found(rins_cost)
        limit = left()
        with progress.main_solve():
            res = m.solve(limit)
        progress.found(res.objective if res.values is not None else None,
                       res.bound if res.values is not None else None)
    if res.status in ("not_finite", "unbounded"):  # a starting plan would hide the cause
        raise no_plan_error(problem.scenario.name, res, limit)
    start_cost = rins_cost  # the starting plan after RINS: the solve does not change it
    polished = m.polish(res.values) if res.values is not None else None
    if not res.infeasible and start_cost < math.inf and (
            polished is None
            or m.mip.objective_of(polished) > start_cost + 1e-9 * abs(start_cost)):
        # the solver stopped before it found a plan as good as the starting one
        bound = res.bound if res.values is not None else m.lp_bound
        res = dataclasses.replace(res, values=m.start, objective=start_cost,
                                  bound=min(bound, start_cost))
        polished = None
    state = _status_name(res, limit)
    if state == "infeasible":
        raise InfeasibleError(f"scenario {problem.scenario.name!r} is infeasible: "
                              f"{explain_infeasible(problem)}")
    if state == "error":
        raise no_plan_error(problem.scenario.name, res, limit)
    values = polished if polished is not None else m.polish(res.values)
    objective = m.mip.objective_of(values)
    gap = abs(objective - res.bound) / max(abs(objective), 1e-9)
    plan = plan_of(problem, m.options, m.assignment, m.moved, m.costs, values, name)
    plan.meta.update({"status": state, "objective": round(objective, 2),
                      "bound": round(res.bound, 2), "gap": round(gap, 6),
                      "seconds": round(time.perf_counter() - start, 3),
                      "solver": ENGINES[problem.scenario.solver.engine],
                      "scenario": problem.scenario.name, "seed": problem.scenario.solver.seed,
                      "source": "optimised"})
    plan.meta["stages"] = stage_report(m.lp_bound, first_cost, rins_cost, objective,
                                       float(res.bound))
    plan.meta.update(problem.notes)
    if floors:
        plan.meta["equity_floors"] = "; ".join(
            f"{o} {problem.scenario.standards[r].minutes:g} min: worst area {v:.1%}"
            for (r, o), v in sorted(floors.items()))
    return plan
